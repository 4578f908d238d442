# expect: SEC022
from starlette.responses import JSONResponse


def set_pref(value):
    resp = JSONResponse({"ok": True})
    resp.set_cookie("pref", value, secure=False, httponly=True)
    return resp
