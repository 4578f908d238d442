# expect: SEC002
"""Run a maintenance command (cli argv)."""
import subprocess
import sys


def main():
    domain = sys.argv[1]
    subprocess.Popen(["/bin/sh", "-c", "tar xzf " + domain]).wait()


if __name__ == "__main__":
    main()
