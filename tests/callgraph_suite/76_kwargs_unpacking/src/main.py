def run(cb=None):
    cb()


def finish():
    pass


def main():
    options = {"cb": finish}
    run(**options)
