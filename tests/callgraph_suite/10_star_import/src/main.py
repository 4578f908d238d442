from util import *


def main():
    greet()
    farewell()
