# expect: SEC001
"""Evaluate user-supplied rules (socket)."""
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            expr = data.decode().strip()
            namespace = {}
            exec(f"value = {expr}", namespace)
            print(namespace["value"])
