# expect: SEC003
"""Look up records (cli argv)."""
import psycopg2
import sys


def main():
    username = sys.argv[1]
    conn = psycopg2.connect(dsn="dbname=shop")
    with conn.cursor() as cur:
        query = "SELECT id, total FROM orders WHERE status = '%s'" % username
        cur.execute(query)
        print(cur.fetchall())


if __name__ == "__main__":
    main()
