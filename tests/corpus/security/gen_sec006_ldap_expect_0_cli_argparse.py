# expect: SEC006
"""Directory lookup (cli argparse)."""
import argparse
import ldap


def main():
    parser = argparse.ArgumentParser(description="login tool")
    parser.add_argument("--login", required=True)
    args = parser.parse_args()
    login = args.login
    conn = ldap.initialize("ldap://ldap.example.com")
    results = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={login})")
    print(results)


if __name__ == "__main__":
    main()
