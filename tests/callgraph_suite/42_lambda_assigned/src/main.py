def work():
    pass


def main():
    f = lambda: work()
    f()
