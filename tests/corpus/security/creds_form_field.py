# safe: SEC024
PASSWORD_FIELD = "password"
password_label = "Password"
PASSWORD_MIN_LENGTH = 12


def form_fields():
    return {"username": "text", PASSWORD_FIELD: "password"}
