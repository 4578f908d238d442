def start():
    pass


def unknown():
    pass


HANDLERS = {"start": start}


def main(cmd):
    HANDLERS.get(cmd, unknown)()
