# expect: SEC021
from random import choices
from string import ascii_letters, digits


def temporary_password(n: int = 12) -> str:
    return "".join(choices(ascii_letters + digits, k=n))
