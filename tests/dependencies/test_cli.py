"""Headless: `codie check` on manifests, `advisories`, `import-snyk` and `sbom`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from codie.analyzers.dependencies.advisories import ENV_PATH
from codie.cli.main import main

DATA = Path(__file__).parent / "data"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text("flask-cors==3.0.10\n# pinned\nPyYAML==5.3\n")
    (tmp_path / "app.py").write_text("import yaml\n\ndef f(db, q):\n    db.execute(q)\n")
    return tmp_path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_check_exits_1_and_points_at_the_pin(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, "check", str(project))
    assert code == 1
    found = {(f["path"], f["rule"], f["start"]["line"]) for f in report["findings"]}  # type: ignore[attr-defined]
    assert ("requirements.txt", "DEP001", 3) in found
    assert ("app.py", "DEP004", 1) in found


def test_check_walks_pyproject_and_lockfiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["jinja2==2.10"]\n')
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "urllib3"\nversion = "1.24.1"\n')
    (tmp_path / "Pipfile.lock").write_text('{"default": {"requests": {"version": "==2.19.0"}}}')
    code, report = run_json(capsys, "check", str(tmp_path))
    assert code == 1
    rows = {
        (f["path"], f["start"]["line"])
        for f in report["findings"]  # type: ignore[attr-defined]
        if f["rule"] == "DEP001"
    }
    assert rows == {("pyproject.toml", 3), ("uv.lock", 3), ("Pipfile.lock", 1)}


def test_clean_requirements_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "requirements.txt").write_text("django==5.1.2\nrequests==2.32.3\n")
    assert main(["check", str(tmp_path)]) == 0


def test_advisories_import_check_and_offline_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "user" / "advisories.json.gz"
    monkeypatch.setenv(ENV_PATH, str(target))
    record = {
        "id": "PYSEC-X",
        "modified": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-X"],
        "details": "Bad.",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "demo"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
            }
        ],
    }
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps(record) + "\n")
    assert main(["advisories", "import", str(dump)]) == 0
    assert target.is_file()
    assert main(["advisories", "check", "demo", "1.0"]) == 1
    assert "smallest upgrade clearing all 1: 2.0" in capsys.readouterr().out
    assert main(["advisories", "update", "--url", "http://127.0.0.1:9/all.zip"]) == 1
    err = capsys.readouterr().err
    assert "cannot download" in err and "unchanged" in err
    assert main(["advisories", "check", "demo", "1.0"]) == 1  # the index survived
    (tmp_path / "bad.jsonl").write_text("{oops\n")
    assert main(["advisories", "import", str(tmp_path / "bad.jsonl")]) == 2  # a bad argument


def test_import_snyk_merges_by_alias(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, "import-snyk", str(DATA / "snyk-test.json"), str(project))
    assert code == 1
    findings = report["findings"]
    by_rule: dict[str, list[dict[str, object]]] = {}
    for f in findings:  # type: ignore[attr-defined]
        by_rule.setdefault(f["rule"], []).append(f)
    # PyYAML: Codie's own DEP001 already names CVE-2020-14343, so it is merged, not added
    assert all("pyyaml" not in str(f["message"]).lower() for f in by_rule["DEP005"])
    # flask-cors: Snyk's CVE-2024-1681 is not among Codie's advisories, so it lands on the
    # pin as DEP005; setuptools is transitive (not in the manifest)
    lines = sorted((f["path"], f["start"]["line"]) for f in by_rule["DEP005"])  # type: ignore[index]
    assert lines == [("requirements.txt", 1), ("requirements.txt", 1)]
    assert any("transitive" in str(f["message"]) for f in by_rule["DEP005"])


def test_import_snyk_code_sarif(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, "import-snyk", str(DATA / "snyk-code.sarif"), str(project))
    (f,) = [f for f in report["findings"] if f["rule"] == "DEP006"]  # type: ignore[attr-defined]
    assert (f["path"], f["start"], f["cwe"]) == ("app.py", {"line": 3, "column": 5}, ["CWE-89"])
    assert f["severity"] == "error" and code == 1


def test_import_snyk_rejects_other_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "x.json"
    other.write_text('{"hello": 1}')
    assert main(["import-snyk", str(other), str(tmp_path)]) == 2
    other.write_text('{"ok": false, "error": "Could not detect supported target files"}')
    assert main(["import-snyk", str(other), str(tmp_path)]) == 2
    assert "Could not detect supported target files" in capsys.readouterr().err


def test_sbom_is_valid_cyclonedx_with_vulnerabilities(tmp_path: Path) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "1.0"\ndependencies = ["requests>=2"]\n'
    )
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "jinja2"\nversion = "2.10"\n\n[package.dependencies]\n'
        'MarkupSafe = ">=0.23"\n\n[[package]]\nname = "certifi"\nversion = "2024.8.30"\n\n'
        '[[package]]\nname = "markupsafe"\nversion = "3.0.2"\n'
    )
    out = tmp_path / "bom.json"
    assert main(["sbom", str(tmp_path), "-o", str(out)]) == 0
    text = out.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) is None
    bom = json.loads(text)
    assert [c["purl"] for c in bom["components"]] == [
        "pkg:pypi/certifi@2024.8.30",
        "pkg:pypi/jinja2@2.10",
        "pkg:pypi/markupsafe@3.0.2",
    ]
    graph = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert graph["project"] == ["pkg:pypi/certifi@2024.8.30", "pkg:pypi/jinja2@2.10"]
    assert graph["pkg:pypi/jinja2@2.10"] == ["pkg:pypi/markupsafe@3.0.2"]
    ids = {v["id"] for v in bom["vulnerabilities"]}
    assert len(ids) == 2
    assert all(v["affects"][0]["ref"] == "pkg:pypi/jinja2@2.10" for v in bom["vulnerabilities"])
    assert any("Upgrade jinja2 to 2.11.3" in v.get("recommendation", "") for v in bom["vulnerabilities"])


def test_import_snyk_run_uses_the_snyk_cli(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "snyk"
    fake.write_text(f"#!/bin/sh\ncat {DATA / 'snyk-test.json'}\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    code, report = run_json(capsys, "import-snyk", "--run", str(project))
    assert code == 1
    assert any(f["rule"] == "DEP005" for f in report["findings"])  # type: ignore[attr-defined]
    fake.write_text('#!/bin/sh\necho \'{"error": "Authentication failed"}\'\nexit 2\n')
    assert main(["import-snyk", "--run", str(project)]) == 2
    assert "not authenticated" in capsys.readouterr().err
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["import-snyk", "--run", str(project)]) == 2


def test_advisories_env_audits_an_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    for name, version in (("PyYAML", "5.3"), ("certifi", "2024.8.30")):
        info = site / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nPYTHONPATH={site} exec {sys.executable} -S "$@"\n')
    python.chmod(0o755)
    assert main(["advisories", "env", "--python", str(python)]) == 1
    out = capsys.readouterr().out
    assert "PyYAML 5.3: 2 advisories" in out and "upgrade to 5.4" in out
    assert "certifi" not in out.split("\n")[0]


def test_advisories_update_downloads_the_osv_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import functools
    import http.server
    import threading
    import zipfile

    served = tmp_path / "served"
    served.mkdir()
    record = {
        "id": "GHSA-demo",
        "modified": "2024-05-01T00:00:00Z",
        "aliases": ["CVE-D"],
        "summary": "Demo flaw",
        "database_specific": {"cwe_ids": ["CWE-22"]},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "demo"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.2"}]}],
            }
        ],
    }
    with zipfile.ZipFile(served / "all.zip", "w") as zf:
        zf.writestr("GHSA-demo.json", json.dumps(record))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    target = tmp_path / "user.json.gz"
    monkeypatch.setenv(ENV_PATH, str(target))
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/all.zip"
        assert main(["advisories", "update", "--url", url]) == 0
        assert main(["advisories", "update", "--url", url + ".missing"]) == 1
    finally:
        server.shutdown()
        server.server_close()
    capsys.readouterr()
    assert main(["advisories", "check", "demo", "1.1"]) == 1
    out = capsys.readouterr().out
    assert "GHSA-demo [CVE-D]" in out and "smallest upgrade clearing all 1: 1.2" in out
