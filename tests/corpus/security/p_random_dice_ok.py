# safe: SEC021
import random


def roll(sides=6, times=1):
    return [random.randint(1, sides) for _ in range(times)]
