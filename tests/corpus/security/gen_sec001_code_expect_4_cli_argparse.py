# expect: SEC001
"""Evaluate user-supplied rules (cli argparse)."""
from jinja2 import Template
import argparse


def main():
    parser = argparse.ArgumentParser(description="expr tool")
    parser.add_argument("--expr", required=True)
    args = parser.parse_args()
    expr = args.expr
    page = Template("Dear " + expr + ",").render()
    print(page)


if __name__ == "__main__":
    main()
