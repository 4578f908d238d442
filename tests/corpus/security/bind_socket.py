# expect: SEC028
import socket


def serve():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("0.0.0.0", 9000))
    sock.listen(5)
    return sock
