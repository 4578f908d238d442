# expect: SEC002
"""Run a maintenance command (socket)."""
import os
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            host = data.decode().strip()
            os.system("ping -c 1 " + host)
