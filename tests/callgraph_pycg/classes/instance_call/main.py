class A:
    def __init__(self):
        pass

    def run(self):
        self.helper()

    def helper(self):
        pass

a = A()
a.run()
