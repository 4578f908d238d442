# safe: SEC009
"""Restore saved state (cli argparse)."""
import argparse
import yaml


def main():
    parser = argparse.ArgumentParser(description="state tool")
    parser.add_argument("--state", required=True)
    args = parser.parse_args()
    state = args.state
    settings = yaml.load(state, Loader=yaml.SafeLoader)
    print(settings)


if __name__ == "__main__":
    main()
