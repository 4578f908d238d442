# expect: SEC027
from Crypto.Cipher import DES


def encrypt(key: bytes, data: bytes) -> bytes:
    cipher = DES.new(key, DES.MODE_CBC)
    return cipher.iv + cipher.encrypt(data)
