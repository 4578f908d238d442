# expect: SEC002
"""Run a maintenance command (cli argparse)."""
import argparse
import subprocess


def main():
    parser = argparse.ArgumentParser(description="target tool")
    parser.add_argument("--target", required=True)
    args = parser.parse_args()
    target = args.target
    parts = ["zip", "-r", "backup.zip"]
    command = " ".join(parts) + " " + target
    subprocess.call(command, shell=True)


if __name__ == "__main__":
    main()
