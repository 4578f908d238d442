class Op:
    def __call__(self):
        self.inner()

    def inner(self):
        pass

op = Op()
op()
