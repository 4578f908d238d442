# expect: SEC031
import hmac


def handle_webhook(payload, signature, secret):
    assert hmac.compare_digest(signature, sign(payload, secret)), "bad signature"
    return process(payload)


def sign(payload, secret):
    return hmac.new(secret, payload, "sha256").hexdigest()


def process(payload):
    return len(payload)
