# expect: SEC012
"""Fetch a remote resource (socket)."""
import requests
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            host = data.decode().strip()
            session = requests.Session()
            r = session.get(host, timeout=3)
            print(r.headers)
