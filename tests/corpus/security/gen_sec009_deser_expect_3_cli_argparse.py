# expect: SEC009
"""Restore saved state (cli argparse)."""
import argparse
import binascii
import marshal


def main():
    parser = argparse.ArgumentParser(description="payload tool")
    parser.add_argument("--payload", required=True)
    args = parser.parse_args()
    payload = args.payload
    code = marshal.loads(binascii.unhexlify(payload))
    print(code)


if __name__ == "__main__":
    main()
