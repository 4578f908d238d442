def load():
    pass


def save():
    pass


def main():
    first, second = load, save
    first()
    second()
