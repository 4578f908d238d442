# safe: SEC030
import os

AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
GITHUB_TOKEN = os.getenv("GITHUB_TOKEN")
