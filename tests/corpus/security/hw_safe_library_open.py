# safe: SEC004
"""A small CSV helper library."""
import csv


def read_rows(path, delimiter=","):
    with open(path, newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def write_rows(path, rows):
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
