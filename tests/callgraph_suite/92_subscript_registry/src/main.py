COMMANDS = {}


def build():
    pass


def clean():
    pass


def setup():
    COMMANDS["build"] = build
    COMMANDS["clean"] = clean


def run(name):
    COMMANDS[name]()
