# safe: SEC021
import random


def train_test_split(items, ratio=0.8, seed=42):
    rng = random.Random(seed)
    shuffled = items[:]
    rng.shuffle(shuffled)
    cut = int(len(shuffled) * ratio)
    return shuffled[:cut], shuffled[cut:]
