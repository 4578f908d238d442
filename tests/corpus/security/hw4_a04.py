# expect: SEC005
from flask import Flask, Response, request

app = Flask(__name__)


@app.get("/preview")
def preview():
    title = request.args.get("title", "Untitled")
    html = "<html><head><title>{}</title></head></html>".format(title)
    return Response(html, mimetype="text/html")
