# expect: SEC002
"""Run a maintenance command (cli argparse)."""
import argparse
import subprocess


def main():
    parser = argparse.ArgumentParser(description="domain tool")
    parser.add_argument("--domain", required=True)
    args = parser.parse_args()
    domain = args.domain
    subprocess.run(f"convert {domain} /tmp/out.png", shell=True, check=True)


if __name__ == "__main__":
    main()
