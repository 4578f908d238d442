def greet():
    pass


def other():
    greet()
