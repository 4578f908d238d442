class Plugin:
    pass


def greet():
    pass


def main():
    p = Plugin()
    setattr(p, "hello", greet)
    p.hello()
