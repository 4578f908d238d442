def outer():
    def inner():
        helper()
    inner()


def helper():
    pass
