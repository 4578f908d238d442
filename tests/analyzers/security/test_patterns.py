"""Pattern rules: positive and negative per rule, and quick fixes that really fix."""

from __future__ import annotations

import pytest

from .helpers import apply_fix, parses, rules, run

CASES = {
    "SEC020": (
        "import hashlib\ndef hash_password(pw):\n    return hashlib.md5(pw.encode()).hexdigest()\n",
        "import hashlib\ndef file_checksum(data):\n    return hashlib.md5(data).hexdigest()\n",
    ),
    "SEC021": (
        "import random\ndef reset_token():\n    return random.getrandbits(64)\n",
        "import random\ndef pick_color():\n    return random.choice(['red', 'blue'])\n",
    ),
    "SEC022": (
        "def login(resp):\n    resp.set_cookie('session', 'v')\n",
        "def login(resp):\n    resp.set_cookie('session', 'v', secure=True, httponly=True)\n",
    ),
    "SEC023": (
        "import requests\nrequests.get('https://x', verify=False, timeout=3)\n",
        "import requests\nrequests.get('https://x', verify='/ca.pem', timeout=3)\n",
    ),
    "SEC024": ("DB_PASSWORD = 'Winter2024!'\n", "DB_PASSWORD = os.environ['DB_PASSWORD']\n"),
    "SEC025": (
        "from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n",
        "from flask import Flask\napp = Flask(__name__)\napp.run(debug=False)\n",
    ),
    "SEC026": ("import tempfile\np = tempfile.mktemp()\n", "import tempfile\nfd, p = tempfile.mkstemp()\n"),
    "SEC027": (
        "from Crypto.Cipher import DES\nc = DES.new(b'k' * 8, DES.MODE_CBC)\n",
        "from Crypto.Cipher import AES\nc = AES.new(b'k' * 16, AES.MODE_GCM)\n",
    ),
    "SEC028": (
        "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 80))\n",
        "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 80))\n",
    ),
    "SEC029": (
        "import requests\nr = requests.post('https://x', json={})\n",
        "import requests\nr = requests.post('https://x', json={}, timeout=5)\n",
    ),
    "SEC031": (
        "def delete(user):\n    assert user.is_admin\n",
        "def mean(xs):\n    assert len(xs) > 0\n    return sum(xs) / len(xs)\n",
    ),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_pattern_positive(rule: str) -> None:
    assert rule in rules(CASES[rule][0])


@pytest.mark.parametrize("rule", sorted(CASES))
def test_pattern_negative(rule: str) -> None:
    assert rule not in rules(CASES[rule][1])


FIXABLE = {
    "SEC002": 'import subprocess, sys\nname = sys.argv[1]\nsubprocess.run(f"ls -l {name}", shell=True)\n',
    "SEC009": "import yaml\nimport sys\ncfg = yaml.load(sys.stdin.read())\n",
    "SEC001": "import sys\nvalue = eval(sys.argv[1])\n",
    "SEC021": "import random\ndef make_token():\n    return random.choice('abcdef')\n",
    "SEC022": "def login(resp):\n    resp.set_cookie('session', 'v')\n",
    "SEC023": "import requests\nrequests.get('https://x', verify=False, timeout=3)\n",
    "SEC025": "from flask import Flask\napp = Flask(__name__)\napp.run(port=5000, debug=True)\n",
    "SEC029": "import requests\nr = requests.get('https://x')\n",
    "SEC005": "from jinja2 import Environment\nenv = Environment()\n",
    "SEC031": "def delete(user, repo):\n    assert user.is_admin, 'admins only'\n    repo.drop()\n",
}


@pytest.mark.parametrize("rule", sorted(FIXABLE))
def test_quick_fix_parses_and_removes_the_finding(rule: str) -> None:
    source = FIXABLE[rule]
    finding = next(f for f in run(source) if f.rule_id == rule)
    assert finding.fix is not None, f"{rule} offers no fix"
    fixed = apply_fix(source, finding.fix)
    assert parses(fixed), fixed
    assert rule not in rules(fixed), fixed


def test_nosec_with_bandit_code_suppresses() -> None:
    from codie.core.config import Settings
    from codie.core.document import Document
    from codie.core.rules import catalogue
    from codie.core.suppressions import suppression

    source = "import subprocess, sys\nsubprocess.run('ls ' + sys.argv[1], shell=True)  # nosec B602\n"
    doc = Document("file:///project/app.py", source)
    finding = next(f for f in run(source) if f.rule_id == "SEC002")
    assert Settings().shown(finding)
    assert suppression(doc, finding, catalogue()) is not None


def test_settings_debug_only_in_settings_modules() -> None:
    assert "SEC025" in rules("DEBUG = True\n", uri="file:///p/mysite/settings.py")
    assert "SEC025" not in rules("DEBUG = True\n", uri="file:///p/tool/cli.py")


def test_asserts_in_tests_are_fine() -> None:
    assert "SEC031" not in rules("def test_x(user):\n    assert user.is_admin\n", uri="file:///p/tests/test_admin.py")


def test_settings_passed_as_keywords() -> None:
    found = rules(
        "from flask import Flask\napp = Flask(__name__)\napp.config.update(SESSION_COOKIE_SECURE=False, DEBUG=True)\n"
    )
    assert {"SEC022", "SEC025"} <= found
