# safe: SEC002
import re
import subprocess
import sys

HOSTNAME = re.compile(r"^[a-z0-9.-]{1,253}$")


def main():
    host = sys.argv[1]
    if not HOSTNAME.fullmatch(host):
        sys.exit("invalid host name")
    subprocess.run(f"ping -c 3 {host}", shell=True, check=False)


if __name__ == "__main__":
    main()
