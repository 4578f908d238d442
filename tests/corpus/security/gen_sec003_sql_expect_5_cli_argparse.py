# expect: SEC003
"""Look up records (cli argparse)."""
from sqlalchemy import create_engine, text
import argparse


def main():
    parser = argparse.ArgumentParser(description="region tool")
    parser.add_argument("--region", required=True)
    args = parser.parse_args()
    region = args.region
    engine = create_engine("sqlite:///app.db")
    with engine.connect() as conn:
        stmt = text("SELECT * FROM accounts WHERE email = '" + region + "'")
        print(conn.execute(stmt).fetchall())


if __name__ == "__main__":
    main()
