# safe: SEC027
from Crypto.Cipher import AES
from Crypto.Random import get_random_bytes


def encrypt(key, data):
    iv = get_random_bytes(16)
    return iv + AES.new(key, AES.MODE_CBC, iv).encrypt(data)
