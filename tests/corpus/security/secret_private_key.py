# expect: SEC030
"""Sign JWTs for the mobile app."""
import jwt

PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB
aFDrBz9vFqU4yQvA1QAb6b6xO7j8G7Xq9sCq5dhbz1n8hSvW9k2c3Yb8tqIYqXk1
-----END RSA PRIVATE KEY-----"""


def sign(claims):
    return jwt.encode(claims, PRIVATE_KEY, algorithm="RS256")
