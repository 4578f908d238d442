# safe: SEC027
import os

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305


def seal(key, data):
    nonce = os.urandom(12)
    return nonce + ChaCha20Poly1305(key).encrypt(nonce, data, None)
