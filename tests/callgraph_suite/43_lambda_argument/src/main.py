def apply(fn):
    return fn()


def work():
    pass


def main():
    apply(lambda: work())
