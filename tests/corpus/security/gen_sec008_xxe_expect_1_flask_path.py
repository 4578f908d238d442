# expect: SEC008
"""Import an XML document (flask path)."""
from lxml import etree
import io
from flask import Flask

app = Flask(__name__)


@app.route("/dashboard/<body>")
def action_body(body):
    tree = etree.parse(io.BytesIO(body.encode()))
    print(tree.getroot().tag)
    return "ok"
