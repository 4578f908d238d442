# safe: SEC003
"""Look up records (cli argv)."""
import sqlite3
import sys


def main():
    status = sys.argv[1]
    conn = sqlite3.connect("app.db")
    conn.execute(f"SELECT * FROM items WHERE id = {int(status)}")


if __name__ == "__main__":
    main()
