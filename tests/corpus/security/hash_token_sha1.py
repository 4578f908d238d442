# expect: SEC020
"""API tokens are stored hashed."""
import hashlib
import secrets


def issue_api_token(db, user_id):
    raw = secrets.token_urlsafe(32)
    token_hash = hashlib.sha1(raw.encode()).hexdigest()
    db.execute("INSERT INTO tokens (user_id, token_hash) VALUES (?, ?)", (user_id, token_hash))
    return raw
