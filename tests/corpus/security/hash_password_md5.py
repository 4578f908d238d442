# expect: SEC020
"""User store with legacy password hashing."""
import hashlib


class UserStore:
    def __init__(self):
        self.users = {}

    def register(self, username, password):
        digest = hashlib.md5(password.encode("utf-8")).hexdigest()
        self.users[username] = digest

    def check(self, username, password):
        return self.users.get(username) == hashlib.md5(password.encode("utf-8")).hexdigest()
