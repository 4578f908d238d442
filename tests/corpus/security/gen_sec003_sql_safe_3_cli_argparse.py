# safe: SEC003
"""Look up records (cli argparse)."""
import argparse
import sqlite3


def main():
    parser = argparse.ArgumentParser(description="region tool")
    parser.add_argument("--region", required=True)
    args = parser.parse_args()
    region = args.region
    SORTABLE = {"name", "created", "price"}
    if region not in SORTABLE:
        raise ValueError("bad sort column")
    conn = sqlite3.connect("app.db")
    print(conn.execute(f"SELECT * FROM items ORDER BY {region}").fetchall())


if __name__ == "__main__":
    main()
