"""Finding.evolve (the keystroke path's copy: the engine moves findings with it, the editor
rescores them) is dataclasses.replace: every field copied, the changed ones changed, the
data dict shared unless replaced."""

from __future__ import annotations

import dataclasses

from codie.core.findings import Category, Finding, Fix, Location, Severity, TextEdit


def test_evolve_is_dataclasses_replace_for_every_field() -> None:
    f = Finding(
        "SEC001",
        "eval of input",
        10,
        20,
        Severity.ERROR,
        Category.SECURITY,
        0.7,
        ("note",),
        0.8,
        (("prior", 0.6), ("evidence", 0.7)),
        ("CWE-94",),
        Fix("Use ast.literal_eval", (TextEdit(10, 14, "ast.literal_eval"),)),
        (Location(1, 5, "input here"),),
        {"fingerprint": "abc"},
    )
    copy = f.evolve()
    assert copy is not f and copy == f and copy.data is f.data
    assert all(getattr(copy, field.name) is getattr(f, field.name) for field in dataclasses.fields(Finding))
    others = {
        "rule_id": "SEC002",
        "message": "other",
        "start": 11,
        "end": 21,
        "severity": Severity.HINT,
        "category": Category.QUALITY,
        "evidence": 0.2,
        "evidence_notes": (),
        "confidence": 0.1,
        "confidence_parts": (),
        "cwe": (),
        "fix": None,
        "related": (),
        "data": {"other": 1},
    }
    assert set(others) == {field.name for field in dataclasses.fields(Finding)}
    for name, value in others.items():
        changed = f.evolve(**{name: value})
        assert changed == dataclasses.replace(f, **{name: value})
        assert getattr(changed, name) is value
    assert f.evolve(**others) == dataclasses.replace(f, **others)
