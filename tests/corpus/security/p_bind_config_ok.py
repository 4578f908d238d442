# safe: SEC028
from http.server import HTTPServer, SimpleHTTPRequestHandler

ADDRESS = ("127.0.0.1", 8000)

if __name__ == "__main__":
    HTTPServer(ADDRESS, SimpleHTTPRequestHandler).serve_forever()
