# safe: SEC003
"""Look up records (socket)."""
import psycopg2
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            order_id = data.decode().strip()
            conn = psycopg2.connect(dsn="dbname=shop")
            with conn.cursor() as cur:
                cur.execute("SELECT id FROM orders WHERE status = %s", [order_id])
                print(cur.fetchall())
