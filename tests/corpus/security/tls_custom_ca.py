# safe: SEC023
import requests

CA_BUNDLE = "/etc/ssl/certs/internal-ca.pem"


def fetch_inventory(base_url):
    resp = requests.get(f"{base_url}/inventory", verify=CA_BUNDLE, timeout=10)
    return resp.json()
