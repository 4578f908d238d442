# safe: SEC024
DEFAULTS = {
    "db_password": "<set me>",
    "api_token": "${API_TOKEN}",
}


def check(settings):
    if settings["db_password"] == "changeme":
        raise ValueError("set a real password")
