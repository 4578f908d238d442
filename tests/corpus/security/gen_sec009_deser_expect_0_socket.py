# expect: SEC009
"""Restore saved state (socket)."""
import base64
import pickle
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            state = data.decode().strip()
            obj = pickle.loads(base64.b64decode(state))
            print(obj)
