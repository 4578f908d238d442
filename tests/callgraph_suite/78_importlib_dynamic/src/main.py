import importlib


def main():
    mod = importlib.import_module("util")
    mod.greet()
