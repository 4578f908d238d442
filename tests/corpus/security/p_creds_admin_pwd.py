# expect: SEC024
ADMIN_USER = "admin"
ADMIN_PWD = "Adm1n-Secure-99"


def is_admin(user, pwd):
    return user == ADMIN_USER and pwd == ADMIN_PWD
