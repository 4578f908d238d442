def show(i):
    pass


def main():
    callbacks = [lambda: show(i) for i in range(3)]
    callbacks[0]()
