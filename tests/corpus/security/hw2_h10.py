# expect: SEC002
import os


def backup(db_name):
    os.system(f"pg_dump {db_name} > /backups/{db_name}.sql")


def main():
    name = input("database: ")
    backup(name)


main()
