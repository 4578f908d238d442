# safe: SEC021
import secrets
import string

ALPHABET = string.ascii_letters + string.digits


def generate_token(length=32):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
