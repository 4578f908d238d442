# expect: SEC009
"""Restore saved state (cli argv)."""
import jsonpickle
import sys


def main():
    payload = sys.argv[1]
    item = jsonpickle.decode(payload)
    print(item)


if __name__ == "__main__":
    main()
