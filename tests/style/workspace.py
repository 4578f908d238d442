"""A small workspace with one consistent naming convention, and one file that breaks it."""

from __future__ import annotations

from pathlib import Path

TEMPLATE = '''"""Order helpers: {word}."""


def total_{word}(orders):
    total = 0
    for order in orders:
        total += order.price * order.quantity
    return total


def count_{word}(orders, minimum):
    count = 0
    for order in orders:
        if order.quantity >= minimum:
            count += 1
    return count


def render_{word}(rows, width):
    {a} = []
    for row in rows:
        {a}.append(str(row).ljust(width))
    {b} = "\\n".join({a})
    return {b}


def parse_{word}(text):
    {c} = text.split(",")
    return [{d}.strip() for {d} in {c} if {d}]


class {cls}Ledger:
    def __init__(self, orders):
        self.orders = orders

    def total(self):
        total = 0
        for order in self.orders:
            total += order.price
        return total
'''

WORDS = ["books", "games", "shoes", "coats", "lamps", "desks", "beds", "rugs", "pens", "cups", "maps", "kits"]
VARIETY = [
    ("parts", "text", "fields", "field"),
    ("lines", "body", "items", "item"),
    ("chunks", "output", "cells", "cell"),
    ("pieces", "result", "tokens", "token"),
]

DEVIANT = '''"""Cart helpers."""


def cart_total(orders):
    total = 0
    for thing in orders:
        total += thing.price * thing.quantity
    return total


def unrelated():
    thing = "a different binding"
    return thing
'''


def make_workspace(root: Path, copies: int = 12) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n\n[tool.codie.style]\nmin-tokens = 200\nmin-samples = 10\n'
    )
    pkg = root / "shop"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for i in range(copies):
        word = WORDS[i % len(WORDS)]
        a, b, c, d = VARIETY[i % len(VARIETY)]
        (pkg / f"{word}.py").write_text(TEMPLATE.format(word=word, cls=word.capitalize(), a=a, b=b, c=c, d=d))
    (pkg / "cart.py").write_text(DEVIANT)
    return root
