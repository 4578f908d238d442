def weight(item):
    return item


def main(items):
    return sorted(items, key=weight)
