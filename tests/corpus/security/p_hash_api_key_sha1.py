# expect: SEC020
import hashlib


class ApiKeyStore:
    def __init__(self, db):
        self.db = db

    def store(self, client_id, api_key):
        self.db[client_id] = hashlib.sha1(api_key.encode()).hexdigest()

    def verify(self, client_id, api_key):
        return self.db.get(client_id) == hashlib.sha1(api_key.encode()).hexdigest()
