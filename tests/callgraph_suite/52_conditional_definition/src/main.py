import sys


def fast():
    pass


def slow():
    pass


if sys.platform == "linux":
    def run():
        fast()
else:
    def run():
        slow()


def main():
    run()
