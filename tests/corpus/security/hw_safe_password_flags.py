# safe: SEC024
def user_report(user):
    password_enabled = "true" if user.password else "false"
    password_last_used = "not_supported"
    return {"password_enabled": password_enabled, "password_last_used": password_last_used}
