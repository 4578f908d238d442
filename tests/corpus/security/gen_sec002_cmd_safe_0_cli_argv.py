# safe: SEC002
"""Run a maintenance command (cli argv)."""
import subprocess
import sys


def main():
    filename = sys.argv[1]
    subprocess.run(["ping", "-c", "1", filename], check=True)


if __name__ == "__main__":
    main()
