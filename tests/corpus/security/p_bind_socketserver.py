# expect: SEC028
import socketserver


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(self.request.recv(1024))


if __name__ == "__main__":
    with socketserver.TCPServer(("0.0.0.0", 9999), Echo) as server:
        server.serve_forever()
