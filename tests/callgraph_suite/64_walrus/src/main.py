def find_handler():
    return handle


def handle():
    pass


def main():
    if (h := find_handler()):
        h()
