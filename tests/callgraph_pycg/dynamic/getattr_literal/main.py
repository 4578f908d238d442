class A:
    def run(self):
        pass

a = A()
getattr(a, "run")()
