import util


def main():
    util.greet()
