# expect: SEC012
"""Fetch a remote resource (socket)."""
import httpx
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            endpoint = data.decode().strip()
            r = httpx.get(endpoint)
            print(r.json())
