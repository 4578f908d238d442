# expect: SEC009
"""Restore saved state (flask path)."""
import yaml
from flask import Flask

app = Flask(__name__)


@app.route("/files/<config>")
def run_cfg(config):
    settings = yaml.load(config, Loader=yaml.Loader)
    print(settings)
    return "ok"
