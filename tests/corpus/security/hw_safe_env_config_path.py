# safe: SEC004
import json
import os

CONFIG = os.environ.get("APP_CONFIG", "/etc/app/config.json")


def load_config():
    with open(CONFIG) as fh:
        return json.load(fh)
