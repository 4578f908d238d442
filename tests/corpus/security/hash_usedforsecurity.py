# safe: SEC020
import hashlib


def shard_for(user_token: str, shards: int = 16) -> int:
    h = hashlib.md5(user_token.encode(), usedforsecurity=False)
    return int(h.hexdigest(), 16) % shards
