# expect: SEC003
"""Look up records (cli argparse)."""
import argparse
import sqlite3


def main():
    parser = argparse.ArgumentParser(description="q tool")
    parser.add_argument("--q", required=True)
    args = parser.parse_args()
    term = args.q
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM users WHERE name = '{term}'")
    rows = cur.fetchall()
    print(rows)


if __name__ == "__main__":
    main()
