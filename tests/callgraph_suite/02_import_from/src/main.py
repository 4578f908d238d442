from util import greet, other


def main():
    greet()
    other()
