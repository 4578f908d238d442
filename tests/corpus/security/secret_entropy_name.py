# expect: SEC030
import requests

WEATHER_API_KEY = "wj99ibag7i1mnbqns6puq80idw3706i8"


def forecast(city):
    return requests.get("https://api.weather.example/v1/forecast",
                        params={"q": city, "appid": WEATHER_API_KEY}, timeout=5).json()
