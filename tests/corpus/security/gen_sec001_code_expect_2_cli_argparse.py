# expect: SEC001
"""Evaluate user-supplied rules (cli argparse)."""
import argparse


def main():
    parser = argparse.ArgumentParser(description="rule tool")
    parser.add_argument("--rule", required=True)
    args = parser.parse_args()
    rule = args.rule
    code = compile(rule, "<rule>", "eval")
    print(eval(code))


if __name__ == "__main__":
    main()
