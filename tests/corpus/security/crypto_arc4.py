# expect: SEC027
from Crypto.Cipher import ARC4


def obfuscate(key, text):
    return ARC4.new(key).encrypt(text.encode())
