"""A small workspace with one consistent naming convention, and one file that breaks it."""

from __future__ import annotations

from pathlib import Path

TEMPLATE = '''"""Order helpers, part {i}."""


def total_{i}(orders):
    total = 0
    for order in orders:
        total += order.price * order.quantity
    return total


def count_{i}(orders, minimum):
    count = 0
    for order in orders:
        if order.quantity >= minimum:
            count += 1
    return count


def names_{i}(orders):
    names = []
    for order in orders:
        names.append(order.customer.name)
    return names


class Ledger{i}:
    def __init__(self, orders):
        self.orders = orders

    def total(self):
        total = 0
        for order in self.orders:
            total += order.price
        return total
'''

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
        (pkg / f"orders_{i}.py").write_text(TEMPLATE.format(i=i))
    (pkg / "cart.py").write_text(DEVIANT)
    return root
