import pkg


def main():
    pkg.setup()
