# safe: SEC024
import getpass


def login(client):
    password = getpass.getpass("Password: ")
    return client.login("admin", password)
