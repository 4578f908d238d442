# safe: SEC030
KEY_SIZE = 32
token_length = 64
SECRET_KEY_ENV = "DJANGO_SECRET_KEY"
password_hash_algorithm = "argon2id"
