# expect: SEC003
"""Look up records (socket)."""
import pymysql
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            order_id = data.decode().strip()
            db = pymysql.connect(host="localhost", user="app", database="crm")
            cursor = db.cursor()
            cursor.execute("UPDATE contacts SET note = '{}' WHERE id = 1".format(order_id))
            db.commit()
