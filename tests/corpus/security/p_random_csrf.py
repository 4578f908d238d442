# expect: SEC021
import random


def new_csrf_token(session):
    session["csrf"] = str(random.randrange(10**16))
    return session["csrf"]
