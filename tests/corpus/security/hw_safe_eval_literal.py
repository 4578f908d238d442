# safe: SEC001
import ast
import sys


def main():
    values = ast.literal_eval(sys.argv[1])
    print(sum(values))


if __name__ == "__main__":
    main()
