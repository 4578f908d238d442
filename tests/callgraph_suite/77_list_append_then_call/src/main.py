def first():
    pass


def second():
    pass


def main():
    handlers = []
    handlers.append(first)
    handlers.append(second)
    for handler in handlers:
        handler()
