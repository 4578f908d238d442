# expect: SEC004
"""Serve stored files (socket)."""
import os
import shutil
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            filename = data.decode().strip()
            shutil.rmtree(os.path.join("/srv/workspaces", filename))
