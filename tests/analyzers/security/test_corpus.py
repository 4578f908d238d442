"""The labelled corpus meets the targets (TPR >= 0.9, FPR <= 0.1 per family) and is big
and balanced enough to mean something."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def load_score():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("security_score", ROOT / "bench" / "security_score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_size_and_balance() -> None:
    score = load_score()
    files = [p for p in score.CORPUS.rglob("*.py") if not p.name.startswith("generate")]
    labelled = [score.labels(p.read_text()) for p in files]
    safe = sum(1 for expect, safe in labelled if safe and not expect)
    assert len(files) >= 300
    assert all(expect or safe for expect, safe in labelled)
    assert safe / len(files) >= 0.4


def test_corpus_targets_met(capsys) -> None:  # type: ignore[no-untyped-def]
    score = load_score()
    score.main([])
    out = capsys.readouterr().out
    assert "targets (TPR >= 0.9, FPR <= 0.1 in every family): met" in out
