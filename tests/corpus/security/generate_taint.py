"""Generate the taint part of the security corpus: realistic handlers in several frameworks.

Each family has vulnerable bodies and safe look-alikes; each body is placed in different
frames (Flask, Django function and class views, FastAPI, CLI scripts, socket servers, a
helper called from a route). `$V` is the variable holding untrusted data, `$P` a
parameter name. Run: python tests/corpus/security/generate_taint.py (rewrites gen_*.py).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

HERE = Path(__file__).parent
rng = random.Random(20261125)

NAMES = {
    "cmd": [("host", "host"), ("target", "target"), ("filename", "file"), ("branch", "branch"),
            ("archive", "archive"), ("domain", "domain")],
    "sql": [("username", "username"), ("status", "status"), ("order_id", "order"),
            ("email", "email"), ("region", "region"), ("term", "q")],
    "code": [("expr", "expr"), ("formula", "formula"), ("snippet", "code"), ("rule", "rule")],
    "path": [("filename", "file"), ("name", "name"), ("report", "report"), ("doc", "doc")],
    "xss": [("name", "name"), ("query", "q"), ("comment", "comment"), ("title", "title")],
    "ldap": [("username", "user"), ("login", "login"), ("group", "group")],
    "xpath": [("username", "user"), ("isbn", "isbn"), ("city", "city")],
    "xxe": [("payload", "xml"), ("document", "doc"), ("body", "body")],
    "deser": [("blob", "data"), ("state", "state"), ("payload", "payload"), ("config", "cfg")],
    "redirect": [("next_url", "next"), ("target", "url"), ("return_to", "return_to")],
    "session": [("role", "role"), ("theme", "theme"), ("cart", "cart"), ("lang", "lang")],
    "ssrf": [("url", "url"), ("endpoint", "endpoint"), ("webhook", "webhook"), ("host", "host")],
}
ROUTES = ["tools", "admin", "api/v1/items", "reports", "search", "files", "users", "export",
          "hooks", "profile", "account", "dashboard"]

# ---------------------------------------------------------------- bodies: (imports, code)
# imports: "flask:name" adds to the flask import line; other entries are import lines.
VULN: dict[str, list[tuple[list[str], str, set[str] | None]]] = {
    "cmd": [
        (["import os"], 'os.system("ping -c 1 " + $V)', None),
        (["import subprocess"], 'subprocess.run(f"convert {$V} /tmp/out.png", shell=True, check=True)', None),
        (["import subprocess"], 'out = subprocess.check_output("git log --oneline --author=%s" % $V, shell=True)\nprint(out.decode())', None),
        (["import os"], 'result = os.popen("nslookup {}".format($V)).read()\nprint(result)', None),
        (["import subprocess"], 'subprocess.Popen(["/bin/sh", "-c", "tar xzf " + $V]).wait()', None),
        (["import subprocess"], 'cmd = "du -sh " + $V\nsize = subprocess.getoutput(cmd)\nprint(size)', None),
        (["import subprocess"], 'parts = ["zip", "-r", "backup.zip"]\ncommand = " ".join(parts) + " " + $V\nsubprocess.call(command, shell=True)', None),
    ],
    "sql": [
        (["import sqlite3"], 'conn = sqlite3.connect("app.db")\ncur = conn.cursor()\ncur.execute(f"SELECT * FROM users WHERE name = \'{$V}\'")\nrows = cur.fetchall()\nprint(rows)', None),
        (["import sqlite3"], 'conn = sqlite3.connect("shop.db")\nconn.execute("DELETE FROM carts WHERE owner = \'" + $V + "\'")\nconn.commit()', None),
        (["import psycopg2"], 'conn = psycopg2.connect(dsn="dbname=shop")\nwith conn.cursor() as cur:\n    query = "SELECT id, total FROM orders WHERE status = \'%s\'" % $V\n    cur.execute(query)\n    print(cur.fetchall())', None),
        (["import pymysql"], 'db = pymysql.connect(host="localhost", user="app", database="crm")\ncursor = db.cursor()\ncursor.execute("UPDATE contacts SET note = \'{}\' WHERE id = 1".format($V))\ndb.commit()', None),
        (["import pandas as pd", "import sqlite3"], 'conn = sqlite3.connect("sales.db")\nframe = pd.read_sql(f"select * from sales where region = \'{$V}\'", conn)\nprint(frame.head())', None),
        (["from sqlalchemy import create_engine, text"], 'engine = create_engine("sqlite:///app.db")\nwith engine.connect() as conn:\n    stmt = text("SELECT * FROM accounts WHERE email = \'" + $V + "\'")\n    print(conn.execute(stmt).fetchall())', None),
    ],
    "code": [
        ([], 'result = eval($V)\nprint(result)', None),
        ([], 'namespace = {}\nexec(f"value = {$V}", namespace)\nprint(namespace["value"])', None),
        ([], 'code = compile($V, "<rule>", "eval")\nprint(eval(code))', None),
        (["flask:render_template_string"], 'return render_template_string("<h1>Hello " + $V + "</h1>")', {"flask"}),
        (["from jinja2 import Template"], 'page = Template("Dear " + $V + ",").render()\nprint(page)', None),
    ],
    "path": [
        (["import os"], 'UPLOAD_DIR = "/srv/uploads"\nwith open(os.path.join(UPLOAD_DIR, $V)) as fh:\n    print(fh.read())', None),
        (["import os"], 'os.remove(f"/var/cache/app/{$V}")', None),
        (["import shutil", "import os"], 'shutil.rmtree(os.path.join("/srv/workspaces", $V))', None),
        (["from pathlib import Path"], 'base = Path("/srv/reports")\ncontent = (base / $V).read_text()\nprint(content)', None),
        (["flask:send_file", "import os"], 'return send_file(os.path.join("/srv/exports", $V))', {"flask"}),
        ([], 'with open("/var/data/" + $V, "rb") as fh:\n    data = fh.read()\nprint(len(data))', None),
    ],
    "xss": [
        ([], 'return f"<p>Hello {$V}</p>"', {"flask"}),
        (["flask:make_response"], 'resp = make_response("<h1>Results for " + $V + "</h1>")\nreturn resp', {"flask"}),
        (["from markupsafe import Markup"], 'html = Markup(f"<b>{$V}</b>")\nreturn str(html)', {"flask"}),
        (["from django.http import HttpResponse"], 'return HttpResponse(f"<div class=\'comment\'>{$V}</div>")', {"django", "django_cbv"}),
        (["from django.utils.safestring import mark_safe", "from django.http import HttpResponse"], 'snippet = mark_safe("<em>" + $V + "</em>")\nreturn HttpResponse(snippet)', {"django", "django_cbv"}),
        (["from fastapi.responses import HTMLResponse"], 'return HTMLResponse(content=f"<h2>{$V}</h2>")', {"fastapi"}),
        ([], 'html = "<ul>"\nhtml += "<li>" + $V + "</li>"\nhtml += "</ul>"\nreturn html', {"flask"}),
    ],
    "ldap": [
        (["import ldap"], 'conn = ldap.initialize("ldap://ldap.example.com")\nresults = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={$V})")\nprint(results)', None),
        (["from ldap3 import Server, Connection"], 'conn = Connection(Server("ldap://ldap.example.com"), auto_bind=True)\nconn.search("dc=example,dc=com", "(&(objectClass=person)(cn=" + $V + "))")\nprint(conn.entries)', None),
        (["import ldap"], 'conn = ldap.initialize("ldap://directory")\nflt = "(memberOf=cn=%s,ou=groups,dc=corp)" % $V\nprint(conn.search_s("ou=people,dc=corp", ldap.SCOPE_ONELEVEL, flt))', None),
    ],
    "xpath": [
        (["from lxml import etree"], 'tree = etree.parse("users.xml")\nmatches = tree.xpath(f"//user[@name=\'{$V}\']")\nprint(len(matches))', None),
        (["from lxml import etree"], 'root = etree.parse("catalog.xml").getroot()\nbooks = root.xpath("//book[isbn=\'" + $V + "\']/title/text()")\nprint(books)', None),
        (["from lxml import etree"], 'doc = etree.parse("stores.xml")\nfind = etree.XPath("//store[city=\'%s\']" % $V)\nprint(find(doc))', None),
    ],
    "xxe": [
        (["from lxml import etree"], 'doc = etree.fromstring($V)\nprint(doc.tag)', None),
        (["from lxml import etree", "import io"], 'tree = etree.parse(io.BytesIO($V.encode()))\nprint(tree.getroot().tag)', None),
        (["import lxml.etree"], 'root = lxml.etree.XML($V)\nprint([c.tag for c in root])', None),
    ],
    "deser": [
        (["import pickle", "import base64"], 'obj = pickle.loads(base64.b64decode($V))\nprint(obj)', None),
        (["import yaml"], 'settings = yaml.load($V, Loader=yaml.Loader)\nprint(settings)', None),
        (["import jsonpickle"], 'item = jsonpickle.decode($V)\nprint(item)', None),
        (["import marshal", "import binascii"], 'code = marshal.loads(binascii.unhexlify($V))\nprint(code)', None),
        (["import dill", "import base64"], 'fn = dill.loads(base64.urlsafe_b64decode($V))\nprint(fn())', None),
    ],
    "redirect": [
        (["flask:redirect"], 'return redirect($V)', {"flask"}),
        (["from django.http import HttpResponseRedirect"], 'return HttpResponseRedirect($V)', {"django", "django_cbv"}),
        (["from django.shortcuts import redirect"], 'return redirect($V)', {"django", "django_cbv"}),
        (["from fastapi.responses import RedirectResponse"], 'return RedirectResponse(url=$V)', {"fastapi"}),
        (["flask:redirect"], 'target = $V or "/"\nreturn redirect(target, code=302)', {"flask"}),
    ],
    "session": [
        (["flask:session"], 'session["$P"] = $V', {"flask"}),
        (["flask:session"], 'prefs = {"value": $V}\nsession["prefs"] = prefs', {"flask"}),
        ([], 'request.session["$P"] = $V', {"django", "django_cbv"}),
    ],
    "ssrf": [
        (["import requests"], 'resp = requests.get($V, timeout=5)\nprint(resp.status_code)', None),
        (["from urllib.request import urlopen"], 'with urlopen($V, timeout=10) as resp:\n    print(resp.read()[:100])', None),
        (["import requests"], 'resp = requests.post(f"http://{$V}/api/notify", json={"ok": True}, timeout=5)\nprint(resp.text)', None),
        (["import httpx"], 'r = httpx.get($V)\nprint(r.json())', None),
        (["import requests"], 'session = requests.Session()\nr = session.get($V, timeout=3)\nprint(r.headers)', None),
    ],
}

SAFE: dict[str, list[tuple[list[str], str, set[str] | None]]] = {
    "cmd": [
        (["import subprocess"], 'subprocess.run(["ping", "-c", "1", $V], check=True)', None),
        (["import os", "import shlex"], 'os.system("ping -c 1 " + shlex.quote($V))', None),
        (["import subprocess", "import shlex"], 'subprocess.run(f"ls -l {shlex.quote($V)}", shell=True, check=True)', None),
        (["import os"], 'ALLOWED = {"prod", "staging", "dev"}\nif $V not in ALLOWED:\n    raise ValueError("unknown environment")\nos.system("deploy --env " + $V)', None),
        (["import subprocess"], 'count = int($V)\nsubprocess.run(f"seq {count}", shell=True, check=True)', None),
        (["import subprocess"], 'subprocess.run(["git", "log", f"--author={$V}"], check=True)', None),
        (["import os"], 'print("requested", $V)\nos.system("uptime")', None),
    ],
    "sql": [
        (["import sqlite3"], 'conn = sqlite3.connect("app.db")\ncur = conn.cursor()\ncur.execute("SELECT * FROM users WHERE name = ?", ($V,))\nprint(cur.fetchall())', None),
        (["import psycopg2"], 'conn = psycopg2.connect(dsn="dbname=shop")\nwith conn.cursor() as cur:\n    cur.execute("SELECT id FROM orders WHERE status = %s", [$V])\n    print(cur.fetchall())', None),
        (["import sqlite3"], 'conn = sqlite3.connect("app.db")\nconn.execute(f"SELECT * FROM items WHERE id = {int($V)}")', None),
        (["import sqlite3"], 'SORTABLE = {"name", "created", "price"}\nif $V not in SORTABLE:\n    raise ValueError("bad sort column")\nconn = sqlite3.connect("app.db")\nprint(conn.execute(f"SELECT * FROM items ORDER BY {$V}").fetchall())', None),
        (["from sqlalchemy import create_engine, text"], 'engine = create_engine("sqlite:///app.db")\nwith engine.connect() as conn:\n    rows = conn.execute(text("SELECT * FROM accounts WHERE email = :email"), {"email": $V})\n    print(rows.fetchall())', None),
        (["import sqlite3"], 'conn = sqlite3.connect("app.db")\nquery = "SELECT * FROM users WHERE name = ?"\nprint(conn.execute(query, [$V]).fetchall())', None),
    ],
    "code": [
        (["import ast"], 'value = ast.literal_eval($V)\nprint(value)', None),
        ([], 'print(eval("2 ** 10"))', None),
        (["import json"], 'data = json.loads($V)\nprint(data)', None),
        (["flask:render_template_string"], 'return render_template_string("<h1>Hello {{ name }}</h1>", name=$V)', {"flask"}),
        (["import operator"], 'OPS = {"add": operator.add, "mul": operator.mul}\nif $V not in OPS:\n    raise ValueError("unknown op")\nprint(OPS[$V](6, 7))', None),
    ],
    "path": [
        (["import os", "from werkzeug.utils import secure_filename"], 'with open(os.path.join("/srv/uploads", secure_filename($V))) as fh:\n    print(fh.read())', None),
        (["import os"], 'BASE = "/srv/reports"\npath = os.path.realpath(os.path.join(BASE, $V))\nif not path.startswith(BASE + os.sep):\n    raise PermissionError("outside the report folder")\nwith open(path) as fh:\n    print(fh.read())', None),
        (["import os"], 'name = os.path.basename($V)\nos.remove(os.path.join("/var/cache/app", name))', None),
        (["flask:send_from_directory"], 'return send_from_directory("/srv/exports", $V)', {"flask"}),
        (["from pathlib import Path"], 'base = Path("/srv/docs").resolve()\ntarget = (base / $V).resolve()\nif not target.is_relative_to(base):\n    raise PermissionError("escape attempt")\nprint(target.read_text())', None),
        ([], 'KNOWN = {"summary.txt", "totals.txt"}\nif $V in KNOWN:\n    with open("/var/data/" + $V) as fh:\n        print(fh.read())', None),
    ],
    "xss": [
        (["flask:render_template"], 'return render_template("hello.html", name=$V)', {"flask"}),
        (["from markupsafe import escape"], 'return f"<p>Hello {escape($V)}</p>"', {"flask"}),
        (["flask:jsonify"], 'return jsonify(name=$V, ok=True)', {"flask"}),
        ([], 'return {"query": $V, "results": []}', {"flask", "fastapi"}),
        (["import html", "from django.http import HttpResponse"], 'return HttpResponse("<div>" + html.escape($V) + "</div>")', {"django", "django_cbv"}),
        (["from django.shortcuts import render"], 'return render(request, "search.html", {"q": $V})', {"django", "django_cbv"}),
        ([], 'print("search", $V)\nreturn "<p>Thanks for searching</p>"', {"flask"}),
    ],
    "ldap": [
        (["import ldap", "from ldap.filter import escape_filter_chars"], 'conn = ldap.initialize("ldap://ldap.example.com")\nresults = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={escape_filter_chars($V)})")\nprint(results)', None),
        (["from ldap3 import Server, Connection", "from ldap3.utils.conv import escape_filter_chars"], 'conn = Connection(Server("ldap://ldap.example.com"), auto_bind=True)\nsafe = escape_filter_chars($V)\nconn.search("dc=example,dc=com", f"(cn={safe})")\nprint(conn.entries)', None),
        (["import ldap"], 'conn = ldap.initialize("ldap://directory")\nprint("lookup for", $V)\nprint(conn.search_s("ou=people,dc=corp", ldap.SCOPE_ONELEVEL, "(objectClass=person)"))', None),
    ],
    "xpath": [
        (["from lxml import etree"], 'tree = etree.parse("users.xml")\nmatches = tree.xpath("//user[@name=$name]", name=$V)\nprint(len(matches))', None),
        (["from lxml import etree"], 'root = etree.parse("catalog.xml").getroot()\nif not $V.isdigit():\n    raise ValueError("isbn must be digits")\nprint(root.xpath("//book[isbn=\'" + $V + "\']/title/text()"))', None),
        (["from lxml import etree"], 'doc = etree.parse("stores.xml")\nprint($V, doc.xpath("count(//store)"))', None),
    ],
    "xxe": [
        (["import defusedxml.ElementTree as ET"], 'doc = ET.fromstring($V)\nprint(doc.tag)', None),
        (["from lxml import etree"], 'parser = etree.XMLParser(resolve_entities=False, no_network=True)\ndoc = etree.fromstring($V, parser=parser)\nprint(doc.tag)', None),
        (["import json"], 'doc = json.loads($V)\nprint(doc)', None),
    ],
    "deser": [
        (["import json"], 'obj = json.loads($V)\nprint(obj)', None),
        (["import yaml"], 'settings = yaml.safe_load($V)\nprint(settings)', None),
        (["import yaml"], 'settings = yaml.load($V, Loader=yaml.SafeLoader)\nprint(settings)', None),
        (["import pickle"], 'blob = pickle.dumps({"echo": $V})\nprint(len(blob))', None),
    ],
    "redirect": [
        (["flask:redirect", "flask:url_for"], 'print("ignored", $V)\nreturn redirect(url_for("index"))', {"flask"}),
        (["flask:redirect", "from urllib.parse import urlparse"], 'ALLOWED_HOSTS = {"example.com", "www.example.com"}\nif urlparse($V).netloc not in ALLOWED_HOSTS:\n    return redirect("/")\nreturn redirect($V)', {"flask"}),
        (["flask:redirect"], 'return redirect("/profile/" + $V)', {"flask"}),
        (["from django.utils.http import url_has_allowed_host_and_scheme", "from django.shortcuts import redirect"], 'if not url_has_allowed_host_and_scheme($V, allowed_hosts={"example.com"}):\n    return redirect("/")\nreturn redirect($V)', {"django", "django_cbv"}),
        (["from fastapi.responses import RedirectResponse"], 'return RedirectResponse(url=f"/items/{$V}")', {"fastapi"}),
    ],
    "session": [
        (["flask:session"], 'session["user_id"] = int($V)', {"flask"}),
        (["flask:session"], 'THEMES = {"light", "dark"}\nif $V in THEMES:\n    session["theme"] = $V', {"flask"}),
        (["flask:session"], 'print("visit", $V)\nsession["visited"] = True', {"flask"}),
        ([], 'LANGS = ("en", "fr", "de")\nif $V not in LANGS:\n    raise ValueError("unsupported language")\nrequest.session["lang"] = $V', {"django", "django_cbv"}),
    ],
    "ssrf": [
        (["import requests"], 'resp = requests.get(f"https://api.github.com/users/{$V}", timeout=5)\nprint(resp.json())', None),
        (["import requests", "from urllib.parse import urlparse"], 'ALLOWED = {"hooks.slack.com", "api.example.com"}\nparsed = urlparse($V)\nif parsed.hostname not in ALLOWED:\n    raise ValueError("host not allowed")\nrequests.post($V, json={"text": "hi"}, timeout=5)', None),
        (["import requests"], 'print("status for", $V)\nprint(requests.get("https://status.example.com/health", timeout=5).ok)', None),
        (["import httpx"], 'r = httpx.get("https://api.example.com/search", params={"q": $V})\nprint(r.json())', None),
    ],
}

# ------------------------------------------------------------------------------ frames
FRAMES = ["flask", "flask_path", "django", "django_cbv", "fastapi", "cli_argv", "cli_argparse",
          "cli_input", "socket", "helper"]
WEB = {"flask", "flask_path", "django", "django_cbv", "fastapi", "helper"}
FLASK_SOURCES = ['request.args.get("$P", "")', 'request.form["$P"]',
                 'request.get_json(force=True).get("$P", "")', 'request.values.get("$P", "")',
                 'request.cookies.get("$P", "")', 'request.args["$P"]']
DJANGO_SOURCES = ['request.GET.get("$P", "")', 'request.POST["$P"]', 'request.POST.get("$P", "")']


def indent(code: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line if line.strip() else "" for line in code.splitlines())


def build(frame: str, imports: list[str], body: str, var: str, param: str) -> str:
    flask_names = {i.split(":", 1)[1] for i in imports if i.startswith("flask:")}
    lines = sorted({i for i in imports if not i.startswith("flask:")})
    body = body.replace("$V", var).replace("$P", param)
    returns = body.splitlines()[-1].lstrip().startswith("return") or "\nreturn" in body \
        or "    return" in body
    route = rng.choice(ROUTES)
    func = rng.choice(["handle", "view", "action", "process", "run"]) + "_" + param.replace("-", "_")
    if frame in ("flask", "flask_path", "helper"):
        flask_names |= {"Flask", "request"} if frame != "flask_path" else {"Flask"}
        head = lines + [f"from flask import {', '.join(sorted(flask_names))}"]
        if frame == "flask":
            src = rng.choice(FLASK_SOURCES).replace("$P", param)
            code = f"{var} = {src}\n{body}" + ("" if returns else '\nreturn "ok"')
            return "\n".join(head) + f'\n\napp = Flask(__name__)\n\n\n@app.route("/{route}", methods=["GET", "POST"])\ndef {func}():\n' + indent(code, 4) + "\n"
        if frame == "flask_path":
            code = body + ("" if returns else '\nreturn "ok"')
            return "\n".join(head) + f'\n\napp = Flask(__name__)\n\n\n@app.route("/{route}/<{var}>")\ndef {func}({var}):\n' + indent(code, 4) + "\n"
        src = rng.choice(FLASK_SOURCES).replace("$P", param)
        helper = f"def apply_{param}({var}):\n" + indent(body, 4) + "\n"
        call = f"return apply_{param}({src})" if returns else f"apply_{param}({src})\nreturn \"ok\""
        return "\n".join(head) + f"\n\napp = Flask(__name__)\n\n\n{helper}\n\n@app.route(\"/{route}\", methods=[\"POST\"])\ndef {func}():\n" + indent(call, 4) + "\n"
    if frame in ("django", "django_cbv"):
        src = rng.choice(DJANGO_SOURCES).replace("$P", param)
        code = f"{var} = {src}\n{body}" + ("" if returns else "\nreturn JsonResponse({\"ok\": True})")
        if not returns:
            lines = sorted(set(lines) | {"from django.http import JsonResponse"})
        if frame == "django":
            return "\n".join(lines) + f"\n\n\ndef {func}(request):\n" + indent(code, 4) + "\n"
        lines = sorted(set(lines) | {"from django.views import View"})
        cls = "".join(w.title() for w in param.split("_")) + "View"
        return "\n".join(lines) + f"\n\n\nclass {cls}(View):\n    def post(self, request):\n" + indent(code, 8) + "\n"
    if frame == "fastapi":
        head = sorted(set(lines)) + ["from fastapi import FastAPI"]
        code = body + ("" if returns else '\nreturn {"ok": True}')
        return "\n".join(head) + f"\n\napp = FastAPI()\n\n\n@app.get(\"/{route}\")\ndef {func}({var}: str):\n" + indent(code, 4) + "\n"
    if frame == "cli_argv":
        head = sorted(set(lines) | {"import sys"})
        code = f"{var} = sys.argv[1]\n{body}"
        return "\n".join(head) + f'\n\n\ndef main():\n' + indent(code, 4) + '\n\n\nif __name__ == "__main__":\n    main()\n'
    if frame == "cli_argparse":
        head = sorted(set(lines) | {"import argparse"})
        code = (f'parser = argparse.ArgumentParser(description="{param} tool")\n'
                f'parser.add_argument("--{param}", required=True)\nargs = parser.parse_args()\n'
                f"{var} = args.{param}\n{body}")
        return "\n".join(head) + f'\n\n\ndef main():\n' + indent(code, 4) + '\n\n\nif __name__ == "__main__":\n    main()\n'
    if frame == "cli_input":
        code = f'{var} = input("{param}: ").strip()\n{body}'
        return "\n".join(sorted(set(lines))) + "\n\n" + code + "\n"
    if frame == "socket":
        head = sorted(set(lines) | {"import socket"})
        code = (f"data = conn.recv(4096)\n{var} = data.decode().strip()\n{body}")
        return "\n".join(head) + '\n\n\ndef serve(port=9009):\n    with socket.create_server(("127.0.0.1", port)) as srv:\n        conn, _ = srv.accept()\n        with conn:\n' + indent(code, 12) + "\n"
    raise ValueError(frame)


OPERATOR_FRAMES = {"cli_argv", "cli_argparse", "cli_input"}


def usable(frame: str, allowed: set[str] | None, body: str, family: str = "",
           label: str = "") -> bool:
    # a script opening the file (or URL) it was given is doing its job: path and SSRF
    # positives come from the web and the network, not from the operator
    if label == "expect" and family in ("path", "ssrf") and frame in OPERATOR_FRAMES:
        return False
    returns = "return" in body
    if allowed is not None:
        if frame == "helper":
            return "flask" in allowed and "session" not in body and "render_template_string" not in body
        if frame == "flask_path":
            return "flask" in allowed
        return frame in allowed
    if returns and frame not in WEB:
        return False
    return True


def main() -> None:
    for old in HERE.glob("gen_*.py"):
        old.unlink()
    count = {"expect": 0, "safe": 0}
    for family, table, label in [(f, VULN[f], "expect") for f in VULN] + \
            [(f, SAFE[f], "safe") for f in SAFE]:
        rule = RULE[family]
        frames = FRAMES[:]
        rng.shuffle(frames)
        fi = 0
        for bi, (imports, body, allowed) in enumerate(table):
            picked = 0
            tries = 0
            while picked < 2 and tries < len(frames) * 2:
                frame = frames[fi % len(frames)]
                fi += 1
                tries += 1
                if not usable(frame, allowed, body, family, label):
                    continue
                var, param = rng.choice(NAMES[family])
                text = build(frame, imports, body, var, param)
                header = f"# {label}: {rule}\n"
                doc = f'"""{DESCR[family]} ({frame.replace("_", " ")})."""\n'
                source = header + doc + text
                compile(source, "gen", "exec")
                name = f"gen_{rule.lower()}_{family}_{label}_{bi}_{frame}.py"
                (HERE / name).write_text(source)
                count[label] += 1
                picked += 1
    print(count)


RULE = {"code": "SEC001", "cmd": "SEC002", "sql": "SEC003", "path": "SEC004", "xss": "SEC005",
        "ldap": "SEC006", "xpath": "SEC007", "xxe": "SEC008", "deser": "SEC009",
        "redirect": "SEC010", "session": "SEC011", "ssrf": "SEC012"}
DESCR = {"code": "Evaluate user-supplied rules", "cmd": "Run a maintenance command",
         "sql": "Look up records", "path": "Serve stored files", "xss": "Render a greeting",
         "ldap": "Directory lookup", "xpath": "Query an XML catalogue",
         "xxe": "Import an XML document", "deser": "Restore saved state",
         "redirect": "Send the user onwards", "session": "Remember a preference",
         "ssrf": "Fetch a remote resource"}

if __name__ == "__main__":
    main()
