# safe: SEC009
"""Restore saved state (socket)."""
import socket
import yaml


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            config = data.decode().strip()
            settings = yaml.load(config, Loader=yaml.SafeLoader)
            print(settings)
