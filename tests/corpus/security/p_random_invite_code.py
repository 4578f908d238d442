# expect: SEC021
import random
import string


def invite_code():
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=8))
