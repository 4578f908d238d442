# safe: SEC030
import uuid

TENANT_ID = "3f2b8c1e-9a4d-4e6f-8b2a-1c5d7e9f0a3b"
REQUEST_ID_HEADER = "X-Request-Id"
token_type = "Bearer"


def new_id():
    return str(uuid.uuid4())
