# safe: SEC021
import random

PALETTE = ["#e6194b", "#3cb44b", "#ffe119", "#4363d8"]


def pick_color(seed=None):
    rng = random.Random(seed)
    return rng.choice(PALETTE)


def shuffle_cards(deck):
    random.shuffle(deck)
    return deck
