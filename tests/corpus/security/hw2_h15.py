# expect: SEC024
# safe: SEC009
import hashlib
import hmac
import json
import pickle

SECRET = b"loaded-at-startup"


def verify_and_load(blob: bytes, signature: str):
    expected = hmac.new(SECRET, blob, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise ValueError("bad signature")
    return json.loads(blob)
