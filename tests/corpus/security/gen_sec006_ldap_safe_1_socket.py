# safe: SEC006
"""Directory lookup (socket)."""
from ldap3 import Server, Connection
from ldap3.utils.conv import escape_filter_chars
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            group = data.decode().strip()
            conn = Connection(Server("ldap://ldap.example.com"), auto_bind=True)
            safe = escape_filter_chars(group)
            conn.search("dc=example,dc=com", f"(cn={safe})")
            print(conn.entries)
