class A:
    def go(self):
        pass

def make():
    return A()

make().go()
