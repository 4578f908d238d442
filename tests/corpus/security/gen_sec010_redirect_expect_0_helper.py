# expect: SEC010
"""Send the user onwards (helper)."""
from flask import Flask, redirect, request

app = Flask(__name__)


def apply_return_to(return_to):
    return redirect(return_to)


@app.route("/account", methods=["POST"])
def process_return_to():
    return apply_return_to(request.get_json(force=True).get("return_to", ""))
