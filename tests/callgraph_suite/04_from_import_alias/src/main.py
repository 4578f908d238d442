from util import greet as hello


def main():
    hello()
