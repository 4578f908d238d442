# safe: SEC021
import random


def sample_rows(rows, k=100):
    """Pick a random sample of rows for the preview table."""
    return random.sample(rows, min(k, len(rows)))
