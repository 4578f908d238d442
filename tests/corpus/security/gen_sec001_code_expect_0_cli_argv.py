# expect: SEC001
"""Evaluate user-supplied rules (cli argv)."""
import sys


def main():
    formula = sys.argv[1]
    result = eval(formula)
    print(result)


if __name__ == "__main__":
    main()
