"""The taint engine: one positive and one negative case per family, plus propagation."""

from __future__ import annotations

import pytest

from .helpers import rules, run

FLASK = "from flask import Flask, request, redirect, session\napp = Flask(__name__)\n"

POSITIVE = {
    "SEC001": FLASK + "@app.post('/calc')\ndef calc():\n    return str(eval(request.form['e']))\n",
    "SEC002": "import os, sys\nos.system('ping ' + sys.argv[1])\n",
    "SEC003": FLASK + "import sqlite3\n@app.get('/u')\ndef u():\n    db = sqlite3.connect('a')\n"
    "    q = request.args['q']\n    return str(db.execute(f\"SELECT * FROM t WHERE n = '{q}'\").fetchall())\n",
    "SEC004": FLASK + "@app.get('/f')\ndef f():\n    return open('/srv/' + request.args['n']).read()\n",
    "SEC005": FLASK + "@app.get('/h')\ndef h():\n    return '<b>' + request.args.get('n', '') + '</b>'\n",
    "SEC006": "import ldap, sys\nc = ldap.initialize('ldap://x')\n"
    "c.search_s('dc=x', ldap.SCOPE_SUBTREE, '(uid=%s)' % sys.argv[1])\n",
    "SEC007": FLASK + "from lxml import etree\nT = etree.parse('u.xml')\n@app.get('/x')\ndef x():\n"
    "    return str(T.xpath(\"//u[@n='\" + request.args['n'] + \"']\"))\n",
    "SEC008": FLASK + "from lxml import etree\n@app.post('/x')\ndef x():\n"
    "    return etree.fromstring(request.data).tag\n",
    "SEC009": FLASK + "import pickle\n@app.post('/p')\ndef p():\n    return str(pickle.loads(request.data))\n",
    "SEC010": FLASK + "@app.get('/r')\ndef r():\n    return redirect(request.args['next'])\n",
    "SEC011": FLASK + "@app.post('/s')\ndef s():\n    session['role'] = request.form['role']\n    return 'ok'\n",
    "SEC012": FLASK + "import requests\n@app.get('/g')\ndef g():\n"
    "    return requests.get(request.args['u'], timeout=3).text\n",
}

NEGATIVE = {
    "SEC001": FLASK + "import ast\n@app.post('/calc')\ndef calc():\n"
    "    return str(ast.literal_eval(request.form['e']))\n",
    "SEC002": "import os, sys, shlex\nos.system('ping ' + shlex.quote(sys.argv[1]))\n",
    "SEC003": FLASK + "import sqlite3\n@app.get('/u')\ndef u():\n    db = sqlite3.connect('a')\n"
    "    return str(db.execute('SELECT * FROM t WHERE n = ?', (request.args['q'],)).fetchall())\n",
    "SEC004": FLASK + "from werkzeug.utils import secure_filename\n@app.get('/f')\ndef f():\n"
    "    return open('/srv/' + secure_filename(request.args['n'])).read()\n",
    "SEC005": FLASK + "from markupsafe import escape\n@app.get('/h')\ndef h():\n"
    "    return '<b>' + escape(request.args.get('n', '')) + '</b>'\n",
    "SEC006": "import ldap, sys\nfrom ldap.filter import escape_filter_chars\n"
    "c = ldap.initialize('ldap://x')\n"
    "c.search_s('dc=x', ldap.SCOPE_SUBTREE, '(uid=%s)' % escape_filter_chars(sys.argv[1]))\n",
    "SEC007": FLASK + "from lxml import etree\nT = etree.parse('u.xml')\n@app.get('/x')\ndef x():\n"
    "    return str(T.xpath('//u[@n=$n]', n=request.args['n']))\n",
    "SEC008": FLASK + "import defusedxml.ElementTree as ET\n@app.post('/x')\ndef x():\n"
    "    return ET.fromstring(request.data).tag\n",
    "SEC009": FLASK + "import json\n@app.post('/p')\ndef p():\n    return str(json.loads(request.data))\n",
    "SEC010": FLASK + "from flask import url_for\n@app.get('/r')\ndef r():\n"
    "    request.args.get('next')\n    return redirect(url_for('index'))\n",
    "SEC011": FLASK + "@app.post('/s')\ndef s():\n    session['uid'] = int(request.form['uid'])\n    return 'ok'\n",
    "SEC012": FLASK + "import requests\n@app.get('/g')\ndef g():\n"
    "    return requests.get('https://api.example.com/u/' + request.args['u'], timeout=3).text\n",
}


@pytest.mark.parametrize("rule", sorted(POSITIVE))
def test_family_positive(rule: str) -> None:
    assert rule in rules(POSITIVE[rule])


@pytest.mark.parametrize("rule", sorted(NEGATIVE))
def test_family_negative(rule: str) -> None:
    assert rule not in rules(NEGATIVE[rule])


def test_path_is_reported_as_related_locations() -> None:
    src = FLASK + (
        "import subprocess\n"
        "def build(target):\n    subprocess.run('make ' + target, shell=True)\n"
        "@app.post('/b')\ndef b():\n    t = request.form['t']\n    build(t)\n    return 'ok'\n"
    )
    [finding] = [f for f in run(src) if f.rule_id == "SEC002"]
    messages = [loc.message for loc in finding.related]
    assert messages[0].startswith("request data enters here")
    assert any("assigned to `t`" in m for m in messages)
    assert any("passed to `build()`" in m for m in messages)
    assert messages[-1].startswith("reaches")
    assert finding.data["taint"] is True


def test_proven_path_scores_higher_than_bare_match() -> None:
    tainted = run("import os, sys\nos.system('ls ' + sys.argv[1])\n")
    bare = run("import os\ndef f(x):\n    os.system('ls ' + compute(x))\n", shown=False)
    t = next(f for f in tainted if f.rule_id == "SEC002")
    b = next(f for f in bare if f.rule_id == "SEC002")
    assert t.evidence > b.evidence and t.confidence > b.confidence


def test_constant_argument_does_not_fire() -> None:
    assert not {"SEC001", "SEC002"} & {
        f.rule_id for f in run("import os\nos.system('uptime')\nprint(eval('1 + 2'))\n", shown=False)
    }


@pytest.mark.parametrize(
    "guard",
    [
        "if host not in ALLOWED:\n        raise ValueError(host)\n",
        "if not host.isalnum():\n        return None\n",
        "if not re.fullmatch(r'[a-z.]+', host):\n        sys.exit(1)\n",
    ],
)
def test_guards_clear_taint(guard: str) -> None:
    src = (
        "import os, re, sys\nALLOWED = {'a', 'b'}\ndef main():\n    host = sys.argv[1]\n    "
        + guard
        + "    os.system('ping ' + host)\n"
    )
    assert "SEC002" not in rules(src)


def test_guard_body_only_protects_its_branch() -> None:
    src = (
        "import os, sys\nALLOWED = {'a'}\nhost = sys.argv[1]\nif host in ALLOWED:\n"
        "    os.system('ping ' + host)\nos.system('ping ' + host)\n"
    )
    found = [f for f in run(src) if f.rule_id == "SEC002"]
    assert len(found) == 1 and found[0].start > src.rindex("os.system") - 1


def test_containment_check_needs_normalisation() -> None:
    safe = FLASK + (
        "import os\n@app.get('/f')\ndef f():\n"
        "    p = os.path.realpath(os.path.join('/srv', request.args['n']))\n"
        "    if not p.startswith('/srv/'):\n        return 'no'\n    return open(p).read()\n"
    )
    unsafe = safe.replace("os.path.realpath(", "(")
    assert "SEC004" not in rules(safe)
    assert "SEC004" in rules(unsafe)


def test_propagation_through_containers_methods_and_format() -> None:
    src = (
        "import os, sys\narg = sys.argv[1]\nparts = {'a': [arg.strip().lower()]}\n"
        "cmd = 'echo {}'.format(parts['a'][0][1:])\ncmd += ' %s' % 'x'\nos.system(cmd)\n"
    )
    assert "SEC002" in rules(src)


def test_container_mutation_carries_taint() -> None:
    src = "import os, sys\nparts = ['tar', 'czf']\nparts.append(sys.argv[1])\nos.system(' '.join(parts))\n"
    assert "SEC002" in rules(src)


def test_python_312_fstrings_parse_and_propagate() -> None:
    src = FLASK + (
        "import os\n@app.get('/x')\ndef x():\n    os.system(f\"echo {request.args[\"q\"]}\")\n    return 'ok'\n"
    )
    assert "SEC002" in rules(src)


def test_summaries_carry_return_values_across_functions() -> None:
    src = FLASK + (
        "import os\ndef read_name():\n    return request.args['n']\n"
        "def clean(v):\n    return int(v)\n"
        "@app.get('/a')\ndef a():\n    os.system('x ' + read_name())\n    return 'ok'\n"
        "@app.get('/b')\ndef b():\n    os.system('x %d' % clean(request.args['n']))\n"
        "    return 'ok'\n"
    )
    found = [f for f in run(src) if f.rule_id == "SEC002"]
    assert len(found) == 1 and src[found[0].start : found[0].end].startswith("os.system('x ' +")


def test_method_summaries_through_self_and_typed_instances() -> None:
    src = FLASK + (
        "import sqlite3\nclass Repo:\n    def __init__(self):\n"
        "        self.db = sqlite3.connect('x')\n"
        '    def find(self, name):\n        return self._q("SELECT 1 WHERE n=\'" + name + "\'")\n'
        "    def _q(self, sql):\n        return self.db.execute(sql).fetchall()\n"
        "repo = Repo()\n@app.get('/f')\ndef f():\n    return str(repo.find(request.args['n']))\n"
    )
    found = [f for f in run(src) if f.rule_id == "SEC003"]
    assert found and found[0].data["taint"] is True


def test_subprocess_argument_list_without_shell_is_safe_but_sh_c_is_not() -> None:
    base = "import subprocess, sys\nname = sys.argv[1]\n"
    assert "SEC002" not in rules(base + "subprocess.run(['ls', name])\n")
    assert "SEC002" in rules(base + "subprocess.run(['sh', '-c', 'ls ' + name])\n")
    # the person running the script naming the program to run is the tool doing its job
    # (issue 14); a client of a web app naming it is not
    assert "SEC002" not in rules(base + "subprocess.run([name, '--help'])\n")
    web = FLASK + "import subprocess\n@app.get('/h')\ndef h():\n    name = request.args['p']\n"
    assert "SEC002" in rules(web + "    subprocess.run([name, '--help'])\n    return 'ok'\n")


def test_yaml_load_without_safe_loader_fires_even_untainted() -> None:
    assert "SEC009" in rules("import yaml\ncfg = yaml.load(open('c.yml'))\n")
    assert "SEC009" not in rules("import yaml\ncfg = yaml.load(open('c.yml'), Loader=yaml.SafeLoader)\n")


def test_fastapi_typed_int_parameter_is_not_a_source() -> None:
    src = (
        "from fastapi import FastAPI\nimport os\napp = FastAPI()\n@app.get('/i/{n}')\n"
        "def item(n: int, name: str):\n    os.system(f'echo {n}')\n    return {}\n"
    )
    assert "SEC002" not in rules(src)
    assert "SEC002" in rules(src.replace("{n}')\n    return", "{name}')\n    return"))


def test_broken_code_does_not_crash() -> None:
    src = "from flask import request\nimport os\ndef f(:\n    os.system(request.args['x'] +\n"
    run(src, shown=False)  # must not raise


def test_pathological_nesting_is_skipped_not_fatal() -> None:
    terms = " + ".join(["x"] * 3000)
    src = (
        "import os, sys\nx = sys.argv[1]\ndef deep():\n    os.system(" + terms + ")\n"
        "def fine(a):\n    os.system('ls ' + sys.argv[1])\n"
    )
    found = run(src, shown=False)
    assert any(f.rule_id == "SEC002" and f.data["taint"] for f in found)
