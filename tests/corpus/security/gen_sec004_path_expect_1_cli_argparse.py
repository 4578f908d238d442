# expect: SEC004
"""Serve stored files (cli argparse)."""
import argparse
import os


def main():
    parser = argparse.ArgumentParser(description="report tool")
    parser.add_argument("--report", required=True)
    args = parser.parse_args()
    report = args.report
    os.remove(f"/var/cache/app/{report}")


if __name__ == "__main__":
    main()
