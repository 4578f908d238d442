# safe: SEC021
"""Load simulation: request sizes drawn from a log-normal distribution."""
import random


def simulated_sizes(n: int) -> list[int]:
    return [int(random.lognormvariate(8, 1.2)) for _ in range(n)]
