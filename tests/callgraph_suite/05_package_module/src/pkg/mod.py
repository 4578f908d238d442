def work():
    helper()


def helper():
    pass
