"""The advisory index, on the real PyPA data shipped with Codie."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from codie.analyzers.dependencies import osv
from codie.analyzers.dependencies.advisories import AdvisoryIndex, load_index, packaged_path

# Real records of the PyPA Advisory Database (CC-BY 4.0; see data/README.md), shipped with
# the tests so that they never depend on ../shared: every Django and urllib3 advisory plus
# the 10 withdrawn ones, 137 of the seed's 2,661 (`make advisories` builds from the seed).
SAMPLE = Path(__file__).with_name("data") / "pypa-advisories-sample.osv.jsonl.gz"


@pytest.fixture(scope="module")
def index() -> AdvisoryIndex:
    return load_index(packaged_path())


@pytest.mark.parametrize(
    ("package", "version", "alias", "upgrade"),
    [
        ("Django", "1.11", "CVE-2018-7536", "2.2.28"),
        ("urllib3", "1.24.1", "CVE-2019-11324", "1.26.18"),
        ("Jinja2", "2.10", "CVE-2019-10906", "2.11.3"),
        ("PyYAML", "5.3", "CVE-2020-14343", "5.4"),
        ("requests", "2.19.0", "CVE-2018-18074", "2.31.0"),
    ],
)
def test_known_vulnerable_releases(index: AdvisoryIndex, package: str, version: str, alias: str, upgrade: str) -> None:
    found = index.affecting(package, version)
    assert any(alias in a.aliases for a in found)
    assert str(index.smallest_upgrade(package, version)) == upgrade
    assert index.affecting(package, upgrade) == []


@pytest.mark.parametrize(
    ("package", "version"),
    [
        ("django", "5.1.2"),
        ("urllib3", "2.2.3"),
        ("jinja2", "3.1.4"),
        ("pyyaml", "6.0.2"),
        ("requests", "2.32.3"),
        ("no-such-package", "1.0"),
    ],
)
def test_current_releases_are_clean(index: AdvisoryIndex, package: str, version: str) -> None:
    assert index.affecting(package, version) == []


def test_names_are_pep503_normalised(index: AdvisoryIndex) -> None:
    assert index.affecting("Py_YAML".replace("_", ""), "5.3") == index.affecting("pyyaml", "5.3")
    assert index.affecting("ZOPE", "4.0") == index.affecting("zope", "4.0")


def test_invalid_version_matches_nothing(index: AdvisoryIndex) -> None:
    assert index.affecting("django", "not a version") == []
    assert index.smallest_upgrade("django", "???") is None


def _record(rid: str, events: list[dict[str, str]], **extra: object) -> dict[str, object]:
    return {
        "id": rid,
        "modified": "2024-01-01T00:00:00Z",
        "aliases": [f"CVE-{rid}"],
        "details": "Something bad. More text.",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": events},
                    {"type": "GIT", "repo": "x", "events": [{"introduced": "0"}, {"fixed": "abc123"}]},
                ],
                "versions": extra.pop("versions", []),
            }
        ],
        **extra,
    }


def _build(*records: dict[str, object]) -> AdvisoryIndex:
    return AdvisoryIndex(osv.build_index(records))


def test_ranges_open_ended_last_affected_and_versions() -> None:
    index = _build(
        _record("A", [{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}]),
        _record("B", [{"introduced": "0"}, {"last_affected": "0.9"}]),
        _record("C", [{"introduced": "3.0"}, {"fixed": "3.1"}], versions=["3.1rc1", "0.1"]),
        _record("W", [{"introduced": "0"}], withdrawn="2024-02-01T00:00:00Z"),
    )
    ids = lambda v: sorted(a.id for a in index.affecting("demo-pkg", v))  # noqa: E731
    assert ids("0.5") == ["B"]
    assert ids("0.9") == ["B"]
    assert ids("0.1") == ["B", "C"]  # the explicit versions list counts too
    assert ids("0.9.1") == []
    assert ids("1.4") == ["A"]
    assert ids("1.5") == []
    assert ids("2.0") == ids("99") == ["A"]  # open-ended: every later release
    assert ids("3.1rc1") == ["A", "C"]
    assert str(index.smallest_upgrade("demo-pkg", "1.0")) == "1.5"
    assert index.smallest_upgrade("demo-pkg", "2.5") is None  # nothing fixes the open range


def test_cvss_vectors_score_and_rate() -> None:
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N"
    index = _build(_record("S", [{"introduced": "0"}, {"fixed": "2"}], severity=[{"type": "CVSS_V3", "score": vector}]))
    (adv,) = index.affecting("demo-pkg", "1")
    assert (adv.score, adv.severity, adv.vector) == (7.5, "HIGH", vector)
    assert osv.cvss_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") == (9.3, "CRITICAL")
    assert osv.cvss_score("garbage") is None


def test_duplicates_across_databases_are_merged() -> None:
    pysec = _record("PYSEC-1", [{"introduced": "0"}, {"fixed": "2"}])
    pysec["aliases"] = ["CVE-1", "GHSA-x"]
    ghsa = _record("GHSA-x", [{"introduced": "0"}, {"fixed": "2"}])
    ghsa["aliases"] = ["CVE-1"]
    other = _record("PYSEC-2", [{"introduced": "0"}, {"fixed": "3"}])
    other["aliases"] = ["CVE-2", "GHSA-x"]  # shares only a GHSA: a different vulnerability
    index = _build(pysec, ghsa, other)
    assert sorted(a.id for a in index.affecting("demo-pkg", "1")) == ["PYSEC-1", "PYSEC-2"]


def test_seed_builds_a_small_index(tmp_path: Path) -> None:
    out = tmp_path / "idx.json.gz"
    size = osv.write_index(osv.build_index(osv.read_records(SAMPLE)), out)
    assert size < 100_000
    raw = json.loads(gzip.decompress(out.read_bytes()))
    assert raw["records"] == 127  # 137 records minus 10 withdrawn
    assert sorted(raw["packages"]) == ["django", "urllib3"]
    built = load_index(out)
    assert any(a.id == "PYSEC-2018-6" or "CVE-2018-7536" in a.aliases for a in built.affecting("Django", "1.11"))


def test_sources_zip_folder_and_jsonl(tmp_path: Path) -> None:
    import zipfile

    rec = _record("Z", [{"introduced": "0"}, {"fixed": "2"}])
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "Z.json").write_text(json.dumps(rec))
    with zipfile.ZipFile(tmp_path / "all.zip", "w") as zf:
        zf.writestr("Z.json", json.dumps(rec))
    (tmp_path / "dump.jsonl").write_text(json.dumps(rec) + "\n\n" + json.dumps(rec) + "\n")
    for source in ("dir", "all.zip", "dump.jsonl"):
        records = list(osv.read_records(tmp_path / source))
        assert records and records[0]["id"] == "Z"
    (tmp_path / "broken.jsonl").write_text('{"id": "x"}\n{not json\n')
    with pytest.raises(osv.OSVError, match=":2:"):
        list(osv.read_records(tmp_path / "broken.jsonl"))


def test_ghsa_cwe_ids_reach_the_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    from codie.analyzers.dependencies.analyzer import DependencyAnalyzer
    from codie.core.analyzer import Context
    from codie.core.document import Document
    from codie.core.rules import catalogue

    rec = _record(
        "GHSA-aaaa",
        [{"introduced": "0"}, {"fixed": "2"}],
        database_specific={"cwe_ids": ["CWE-79", "junk"], "severity": "MODERATE"},
    )
    index = _build(rec)
    (adv,) = index.affecting("demo-pkg", "1.0")
    assert adv.cwe == ("CWE-79",)
    monkeypatch.setattr("codie.analyzers.dependencies.analyzer.index_or_none", lambda: index)
    doc = Document("file:///p/requirements.txt", "demo-pkg==1.0\n")
    (f,) = DependencyAnalyzer().analyze(Context(doc, catalogue()), [])
    assert f.cwe == ("CWE-79",)
