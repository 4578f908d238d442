def transform(x):
    return x


def keep(x):
    return True


def main(items):
    return [transform(x) for x in items if keep(x)]
