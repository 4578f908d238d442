# safe: SEC002
"""Run a maintenance command (socket)."""
import socket
import subprocess


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            domain = data.decode().strip()
            subprocess.run(["git", "log", f"--author={domain}"], check=True)
