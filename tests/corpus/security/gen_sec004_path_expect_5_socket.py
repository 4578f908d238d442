# expect: SEC004
"""Serve stored files (socket)."""
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            name = data.decode().strip()
            with open("/var/data/" + name, "rb") as fh:
                data = fh.read()
            print(len(data))
