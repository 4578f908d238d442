# expect: SEC030
import requests

MAPS_KEY = "AIzaqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po"


def geocode(address):
    return requests.get("https://maps.googleapis.com/maps/api/geocode/json",
                        params={"address": address, "key": MAPS_KEY}, timeout=5).json()
