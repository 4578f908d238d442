# expect: SEC022
def remember(resp, token):
    resp.set_cookie("remember", token, secure=True, httponly=False)
    return resp
