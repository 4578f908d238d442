class A:
    def go(self):
        pass

A().go()
