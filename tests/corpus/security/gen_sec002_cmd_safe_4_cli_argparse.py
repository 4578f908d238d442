# safe: SEC002
"""Run a maintenance command (cli argparse)."""
import argparse
import subprocess


def main():
    parser = argparse.ArgumentParser(description="file tool")
    parser.add_argument("--file", required=True)
    args = parser.parse_args()
    filename = args.file
    count = int(filename)
    subprocess.run(f"seq {count}", shell=True, check=True)


if __name__ == "__main__":
    main()
