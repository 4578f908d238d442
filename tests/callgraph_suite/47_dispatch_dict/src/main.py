def start():
    pass


def stop():
    pass


HANDLERS = {"start": start, "stop": stop}


def main(cmd):
    HANDLERS[cmd]()
