# safe: SEC020
"""Library code: content digests with a strong default algorithm."""
import hashlib


def content_digest(blob: bytes, algorithm: str = "sha256") -> str:
    return hashlib.new(algorithm, blob).hexdigest()
