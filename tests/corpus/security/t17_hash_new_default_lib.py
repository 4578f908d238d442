# expect: SEC020
"""Library code: password digests whose algorithm callers may override."""
import hashlib


def password_digest(password: str, salt: bytes, algorithm: str = "md5") -> str:
    h = hashlib.new(algorithm)
    h.update(salt + password.encode("utf-8"))
    return h.hexdigest()
