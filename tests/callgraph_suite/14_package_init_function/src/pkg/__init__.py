def setup():
    configure()


def configure():
    pass
