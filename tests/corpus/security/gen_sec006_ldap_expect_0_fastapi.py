# expect: SEC006
"""Directory lookup (fastapi)."""
import ldap
from fastapi import FastAPI

app = FastAPI()


@app.get("/dashboard")
def process_login(login: str):
    conn = ldap.initialize("ldap://ldap.example.com")
    results = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={login})")
    print(results)
    return {"ok": True}
