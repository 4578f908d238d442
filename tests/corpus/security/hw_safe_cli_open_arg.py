# safe: SEC004
"""Count words in the files given on the command line."""
import sys


def main():
    total = 0
    for name in sys.argv[1:]:
        with open(name, encoding="utf-8") as fh:
            total += len(fh.read().split())
    print(total)


if __name__ == "__main__":
    main()
