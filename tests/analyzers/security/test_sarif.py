"""SARIF 2.1.0: rule metadata, CWE taxonomy, codeFlows, stable fingerprints, suppressions."""

from __future__ import annotations

import json
from pathlib import Path

from codie.core.config import Settings
from codie.headless import check_paths
from codie.report import FORMATS, renderer
from codie.report.sarif import to_sarif

APP = """from flask import Flask, request
import subprocess

app = Flask(__name__)


@app.post("/run")
def run():
    target = request.form["target"]
    subprocess.run("ping " + target, shell=True)
    subprocess.run("ls " + target, shell=True)  # nosec B602
    return "ok"
"""


def sarif_for(tmp_path: Path, source: str) -> dict:  # type: ignore[type-arg]
    (tmp_path / "app.py").write_text(source)
    run = check_paths([tmp_path], tmp_path, Settings(), jobs=1)
    return to_sarif(run)


def test_registered_and_valid_json(tmp_path: Path) -> None:
    assert "sarif" in FORMATS
    (tmp_path / "app.py").write_text(APP)
    text = renderer("sarif")(check_paths([tmp_path], tmp_path, Settings(), jobs=1))
    doc = json.loads(text)
    assert doc["version"] == "2.1.0" and "sarif-2.1.0" in doc["$schema"]


def test_rule_metadata_cwe_and_security_severity(tmp_path: Path) -> None:
    run = sarif_for(tmp_path, APP)["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    rule = rules["SEC002"]
    assert "external/cwe/cwe-78" in rule["properties"]["tags"]
    assert float(rule["properties"]["security-severity"]) >= 9.0
    assert rule["help"]["markdown"].startswith("**SEC002")
    assert rule["relationships"][0]["target"]["id"] == "78"
    taxa = {t["id"] for t in run["taxonomies"][0]["taxa"]}
    assert "78" in taxa
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_code_flows_and_suppressions(tmp_path: Path) -> None:
    results = [r for r in sarif_for(tmp_path, APP)["runs"][0]["results"] if r["ruleId"] == "SEC002"]
    assert len(results) == 2
    flow = results[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert flow[0]["location"]["message"]["text"].startswith("request data enters here")
    assert flow[0]["location"]["physicalLocation"]["region"]["startLine"] == 9
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1 and suppressed[0]["suppressions"][0]["kind"] == "inSource"


def test_fingerprints_survive_unrelated_edits(tmp_path: Path) -> None:
    before = sarif_for(tmp_path, APP)["runs"][0]["results"]
    shifted = APP.replace("app = Flask(__name__)\n", "app = Flask(__name__)\n\n\n# a comment\n")
    after = sarif_for(tmp_path, shifted)["runs"][0]["results"]

    def prints(results: list) -> list:  # type: ignore[type-arg]
        return sorted((r["ruleId"], r["partialFingerprints"]["codie/v1"]) for r in results)

    assert prints(before) == prints(after)
    lines_before = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before}
    lines_after = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after}
    assert lines_before != lines_after


def test_code_injection_maps_to_cwe_94_first_and_keeps_95(tmp_path: Path) -> None:
    source = "from flask import Flask, request\napp = Flask(__name__)\n\n\n@app.post('/calc')\ndef calc():\n"
    source += "    return str(eval(request.form['e']))\n"
    run = sarif_for(tmp_path, source)["runs"][0]
    rule = {r["id"]: r for r in run["tool"]["driver"]["rules"]}["SEC001"]
    assert [rel["target"]["id"] for rel in rule["relationships"]] == ["94", "95"]
    cwe_tags = [t for t in rule["properties"]["tags"] if t.startswith("external/cwe/")]
    assert cwe_tags == ["external/cwe/cwe-94", "external/cwe/cwe-95"]
    assert {"94", "95"} <= {t["id"] for t in run["taxonomies"][0]["taxa"]}
