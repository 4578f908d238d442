# expect: SEC023
import requests


def fetch_inventory(base_url):
    resp = requests.get(f"{base_url}/inventory", verify=False, timeout=10)
    resp.raise_for_status()
    return resp.json()
