# expect: SEC026
import sqlite3


def scratch_db():
    return sqlite3.connect("/var/tmp/scratch.sqlite")
