# safe: SEC030
TOKEN_URL = "https://auth.example.com/oauth/token"
TOKEN_HEADER = "X-Auth-Token"
token_expires_in = 3600
SECRET_NAME = "prod/db/password"
