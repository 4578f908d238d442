def numbers():
    yield produce()


def produce():
    return 1


def main():
    for n in numbers():
        consume(n)


def consume(n):
    pass
