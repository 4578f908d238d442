def greet():
    pass


def other():
    pass
