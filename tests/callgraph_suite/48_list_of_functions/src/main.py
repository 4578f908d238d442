def one():
    pass


def two():
    pass


def main():
    for step in [one, two]:
        step()
