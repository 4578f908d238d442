# expect: SEC030
ADMIN_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwicm9sZSI6ImFkbWluIn0._799NksnRH9ucAUsdMlHUvTCQCyEZDz-TddJ8HyS5SU"


def headers():
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
