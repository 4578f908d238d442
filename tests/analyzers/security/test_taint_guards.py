"""Guards with an early exit, escaping helpers and safely configured parsers/templates
are sanitizers; their unsafe look-alikes still report (issue #17)."""

from __future__ import annotations

from .helpers import rules, run

FLASK = "from flask import Flask, request, redirect, abort\napp = Flask(__name__)\n"


def traced(source: str) -> set[str]:
    """Rules of findings with a traced source (pattern rules on the same line excluded)."""
    return {f.rule_id for f in run(source) if (f.data or {}).get("taint")}


def route(imports: str, body: str, header: str = "") -> str:
    lines = "".join(f"    {line}\n" for line in body.strip("\n").splitlines())
    return imports + FLASK + header + '\n@app.get("/x")\ndef view():\n' + lines


# ----------------------------------------------------------------------- quote checks
QUOTED_SQL = """
name = request.args.get("n", "")
if "'" in name:
    return "bad name", 400
db = sqlite3.connect("app.db")
return str(db.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall())
"""


def test_quote_check_with_early_return_cleans_a_quoted_sql_value() -> None:
    assert "SEC003" not in rules(route("import sqlite3\n", QUOTED_SQL))


def test_quote_check_on_another_variable_does_not_clean() -> None:
    body = QUOTED_SQL.replace('if "\'" in name:', 'if "\'" in request.args.get("other", ""):')
    assert "SEC003" in rules(route("import sqlite3\n", body))


def test_quote_check_does_not_clean_a_command() -> None:
    body = 'arg = request.args.get("a", "")\nif "\'" in arg:\n    abort(400)\nos.system("ls " + arg)\nreturn "ok"'
    assert "SEC002" in rules(route("import os\n", body))


def test_quote_check_as_a_positive_guard() -> None:
    body = """
name = request.args.get("n", "")
if '"' not in name:
    db = sqlite3.connect("app.db")
    return str(db.execute('SELECT * FROM users WHERE name = "' + name + '"').fetchall())
return "bad"
"""
    assert "SEC003" not in rules(route("import sqlite3\n", body))


# ------------------------------------------------------------------------ allowlists
def test_allowlist_with_raise_cleans_in_fastapi() -> None:
    source = """
import subprocess
from fastapi import FastAPI, HTTPException

app = FastAPI()
ACTIONS = {"status", "version"}


@app.get("/svc")
def svc(action: str):
    if action not in ACTIONS:
        raise HTTPException(status_code=400, detail="unknown action")
    return subprocess.check_output("service app " + action, shell=True)
"""
    assert "SEC002" not in rules(source)
    assert "SEC002" in rules(source.replace("    if action not in ACTIONS:\n", "    if not action:\n"))


# -------------------------------------------------------------------------- URL hosts
def test_netloc_truthiness_check_with_early_return_cleans_a_redirect() -> None:
    body = """
target = request.args.get("next", "/")
if urlparse(target).netloc:
    return redirect("/")
return redirect(target)
"""
    assert "SEC010" not in rules(route("from urllib.parse import urlparse\n", body))


def test_netloc_or_scheme_of_a_parsed_url_with_abort_cleans_a_redirect() -> None:
    body = """
target = request.args.get("next", "/")
parts = urlparse(target)
if parts.netloc or parts.scheme:
    abort(400)
return redirect(target)
"""
    assert "SEC010" not in rules(route("from urllib.parse import urlparse\n", body))


def test_netloc_check_that_does_not_exit_still_reports() -> None:
    body = """
target = request.args.get("next", "/")
if urlparse(target).netloc:
    app.logger.warning("external redirect to %s", target)
return redirect(target)
"""
    assert "SEC010" in rules(route("from urllib.parse import urlparse\n", body))


def test_django_url_has_allowed_host_and_scheme_with_early_return() -> None:
    source = """
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def login_done(request):
    nxt = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(url=nxt, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect("/")
    return HttpResponseRedirect(nxt)
"""
    assert "SEC010" not in rules(source)
    unguarded = source.replace("    if not url_has_allowed_host_and_scheme", "    if not nxt or url_has_allowed")
    assert "SEC010" in rules(unguarded)


# ------------------------------------------------------------------------------- LDAP
def test_ldap_filter_format_escapes_its_values() -> None:
    body = """
conn = ldap.initialize("ldap://directory")
flt = filter_format("(uid=%s)", [request.args.get("u", "")])
return str(conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, flt))
"""
    assert "SEC006" not in rules(route("import ldap\nfrom ldap.filter import filter_format\n", body))
    raw = body.replace('filter_format("(uid=%s)", [request.args.get("u", "")])', '"(uid=%s)" % request.args["u"]')
    assert "SEC006" in rules(route("import ldap\nfrom ldap.filter import filter_format\n", raw))


# ------------------------------------------------------------------------------ jinja2
JINJA_BODY = """
page = env.get_template("page.html").render(name=request.args.get("n"))
return page
"""


def test_template_of_an_autoescaping_environment_is_not_xss() -> None:
    for setting in ("True", 'select_autoescape(["html", "xml"])'):
        header = f'env = Environment(loader=FileSystemLoader("templates"), autoescape={setting})\n'
        imports = "from jinja2 import Environment, FileSystemLoader, select_autoescape\n"
        assert "SEC005" not in rules(route(imports, JINJA_BODY, header)), setting


def test_template_of_an_environment_without_autoescape_is_xss() -> None:
    header = 'env = Environment(loader=FileSystemLoader("templates"), autoescape=False)\n'
    found = traced(route("from jinja2 import Environment, FileSystemLoader\n", JINJA_BODY, header))
    assert "SEC005" in found


def test_local_environment_and_from_string_template() -> None:
    body = """
env = jinja2.Environment(autoescape={setting})
tpl = env.from_string("<p>{{{{ name }}}}</p>")
html = tpl.render(name=request.args.get("n"))
return html
"""
    assert "SEC005" not in traced(route("import jinja2\n", body.format(setting="True")))
    assert "SEC005" in traced(route("import jinja2\n", body.format(setting="False")))


# -------------------------------------------------------------------------------- lxml
LXML_BODY = """
root = etree.fromstring(request.get_data(), {arg})
return {{"tag": root.tag}}
"""


def lxml_source(resolve: str, arg: str) -> str:
    header = f"PARSER = etree.XMLParser(resolve_entities={resolve}, no_network=True)\n"
    return route("from lxml import etree\n", LXML_BODY.format(arg=arg), header)


def test_module_level_parser_without_entities_is_safe() -> None:
    assert "SEC008" not in rules(lxml_source("False", "PARSER"))
    assert "SEC008" not in rules(lxml_source("False", "parser=PARSER"))


def test_module_level_parser_resolving_entities_is_reported() -> None:
    assert "SEC008" in traced(lxml_source("True", "PARSER"))
    assert "SEC008" in traced(lxml_source("True", "parser=PARSER"))


def test_netloc_empty_or_own_host_with_abort_cleans_a_redirect() -> None:
    body = """
target = request.args.get("next", "/")
parts = urlparse(target)
if parts.netloc and parts.netloc != request.host:
    abort(400)
return redirect(target)
"""
    assert "SEC010" not in rules(route("from urllib.parse import urlparse\n", body))


def test_either_of_two_unrelated_checks_cleans_nothing() -> None:
    body = """
target = request.args.get("next", "/")
if urlparse(target).netloc and len(target) < 200:
    abort(400)
return redirect(target)
"""
    assert "SEC010" in rules(route("from urllib.parse import urlparse\n", body))
