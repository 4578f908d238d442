from a import *


def main():
    deep()
    shallow()
