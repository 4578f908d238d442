# safe: SEC024
import hvac


def db_password(client: hvac.Client) -> str:
    secret = client.secrets.kv.read_secret_version(path="db")
    password = secret["data"]["data"]["password"]
    return password
