def logged(fn):
    def wrapper(self):
        return fn(self)
    return wrapper

class A:
    @logged
    def run(self):
        pass

A().run()
