# expect: SEC020
"""Sign webhook payloads for partners."""
import hashlib


def sign_payload(secret_key: bytes, body: bytes) -> str:
    h = hashlib.new("md5")
    h.update(secret_key + body)
    return h.hexdigest()
