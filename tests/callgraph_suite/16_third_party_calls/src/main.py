import numpy as np
from requests import get
from flask import Flask

app = Flask(__name__)


def main():
    arr = np.zeros(3)
    resp = get("http://example.com")
    return arr, resp
