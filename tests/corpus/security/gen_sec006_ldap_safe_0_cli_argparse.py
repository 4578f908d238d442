# safe: SEC006
"""Directory lookup (cli argparse)."""
from ldap.filter import escape_filter_chars
import argparse
import ldap


def main():
    parser = argparse.ArgumentParser(description="login tool")
    parser.add_argument("--login", required=True)
    args = parser.parse_args()
    login = args.login
    conn = ldap.initialize("ldap://ldap.example.com")
    results = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={escape_filter_chars(login)})")
    print(results)


if __name__ == "__main__":
    main()
