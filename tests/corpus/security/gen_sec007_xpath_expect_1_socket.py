# expect: SEC007
"""Query an XML catalogue (socket)."""
from lxml import etree
import socket


def serve(port=9009):
    with socket.create_server(("127.0.0.1", port)) as srv:
        conn, _ = srv.accept()
        with conn:
            data = conn.recv(4096)
            city = data.decode().strip()
            root = etree.parse("catalog.xml").getroot()
            books = root.xpath("//book[isbn='" + city + "']/title/text()")
            print(books)
