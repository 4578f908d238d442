# safe: SEC030
"""Known-answer tests for our base64 helper."""
VECTORS = [
    ("", ""),
    ("f", "Zg=="),
    ("foobar", "Zm9vYmFy"),
]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
