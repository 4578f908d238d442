def first(func):
    return func


def second(func):
    def inner():
        return func()
    return inner


@first
@second
def target():
    pass


def main():
    target()
