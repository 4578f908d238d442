# expect: SEC023
import httpx


class BillingClient:
    def __init__(self, base):
        self.client = httpx.Client(base_url=base, verify=False)

    def invoices(self):
        return self.client.get("/invoices").json()
