# expect: SEC020
import hashlib
import time


def make_reset_link(email):
    reset_token = hashlib.md5(f"{email}{time.time()}".encode()).hexdigest()
    return f"https://example.com/reset?token={reset_token}"
