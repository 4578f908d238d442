# safe: SEC031
def parse(tokens):
    token = tokens.pop(0)
    assert not token.endswith("\\n"), "tokens are stripped"
    allowed_methods = ["GET", "POST"]
    assert isinstance(allowed_methods, list)
    return token
