# expect: SEC020
from hashlib import md5


def login(users, username, pwd):
    stored = users.get(username)
    return stored is not None and stored == md5(pwd.encode()).hexdigest()
