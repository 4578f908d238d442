# expect: SEC027
from cryptography.hazmat.primitives.asymmetric import dsa


def signing_key():
    return dsa.generate_private_key(key_size=1024)
