# safe: SEC020
import hashlib
import json


def cache_key(params: dict) -> str:
    blob = json.dumps(params, sort_keys=True).encode()
    return "q:" + hashlib.sha1(blob).hexdigest()
