handler = None


def real():
    pass


def setup():
    global handler
    handler = real


def main():
    setup()
    handler()
