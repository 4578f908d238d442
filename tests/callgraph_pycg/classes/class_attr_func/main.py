def external_fn():
    pass

class A:
    handler = external_fn

    def use(self):
        A.handler()

A().use()
