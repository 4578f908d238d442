# expect: SEC002
import subprocess
import sys


def main():
    files = sys.argv[1:]
    cmd = "tar czf backup.tgz"
    for name in files:
        cmd += " " + name
    subprocess.run(cmd, shell=True, check=True)


if __name__ == "__main__":
    main()
