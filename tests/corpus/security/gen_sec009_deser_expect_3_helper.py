# expect: SEC009
"""Restore saved state (helper)."""
import binascii
import marshal
from flask import Flask, request

app = Flask(__name__)


def apply_payload(payload):
    code = marshal.loads(binascii.unhexlify(payload))
    print(code)


@app.route("/search", methods=["POST"])
def handle_payload():
    apply_payload(request.get_json(force=True).get("payload", ""))
    return "ok"
