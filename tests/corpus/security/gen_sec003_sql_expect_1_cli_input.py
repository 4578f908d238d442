# expect: SEC003
"""Look up records (cli input)."""
import sqlite3

email = input("email: ").strip()
conn = sqlite3.connect("shop.db")
conn.execute("DELETE FROM carts WHERE owner = '" + email + "'")
conn.commit()
