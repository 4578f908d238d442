# expect: SEC027
from cryptography.hazmat.primitives.asymmetric import rsa


def new_keypair():
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return private_key, private_key.public_key()
