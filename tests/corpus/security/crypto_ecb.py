# expect: SEC027
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def encrypt_block(key, block):
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()
