# safe: SEC022
COOKIE_OPTS = {"secure": True, "httponly": True, "samesite": "Strict"}


def attach(resp, name, value):
    resp.set_cookie(name, value, **COOKIE_OPTS)
    return resp
