def default_handler():
    pass


def run(handler=default_handler):
    handler()


def main():
    run()
