# expect: SEC021
import hashlib
import random


def hash_with_salt(password):
    salt = str(random.random())
    return salt, hashlib.sha256((salt + password).encode()).hexdigest()
