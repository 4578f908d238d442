def greet():
    pass


def farewell():
    pass


def _private():
    pass
