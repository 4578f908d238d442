"""A style training pauses (pausing.Pause) every ~1 ms of its work, inside a file too
(its parse, tokens, scopes, conventions, counts, row inserts, the model's compaction),
and learns exactly the model it learns without pausing: byte for byte."""

from __future__ import annotations

import sys
from pathlib import Path

from codie.analyzers.style import model as model_module
from codie.analyzers.style.model import WorkspaceModel
from codie.analyzers.style.training import build_model, refresh_model, update_file
from codie.lsp.features.style import trained_model
from tests.style.test_model import snapshot
from tests.style.workspace import make_workspace


def model_bytes(model: WorkspaceModel) -> bytes:
    """Everything the model holds (tables, their order, files, stats, margins), pickled."""
    return model_module._pickled({k: v for k, v in vars(model).items() if k != "lock"})


def caller() -> str:
    """The function a pause was called from (through pausing.every, the one iterating)."""
    frame = sys._getframe(2)
    while frame.f_code.co_name == "_every" and frame.f_back is not None:
        frame = frame.f_back
    return frame.f_code.co_name


def big_workspace(tmp_path: Path) -> Path:
    """One file of ~1,500 lines: a single unit of work between files lasts long (~0.2 s)."""
    root = make_workspace(tmp_path / "ws", copies=1).resolve()
    sources = b"".join(p.read_bytes() + b"\n" for p in sorted(root.rglob("*.py")))
    (root / "big.py").write_bytes(sources * max(1, 40_000 // len(sources)))
    return root


def test_the_training_pauses_inside_a_file_and_learns_the_same_model(tmp_path: Path) -> None:
    """Pause points between files were ~0.3 s of work apart on a large file (its parse,
    tokens, scopes and counts, its row inserts, the model's compaction): now they are
    throughout, and the model is the same, byte for byte."""
    root = big_workspace(tmp_path)
    where: set[str] = set()
    paused = trained_model(root, tmp_path / "paused.db", lambda: where.add(caller()))
    plain = trained_model(root, tmp_path / "plain.db")
    # not only per file and per ranked binding: in the parse (its reads), the walks, the
    # counting, the store's rows and the compaction
    inside = {"read", "tokenize", "visit", "_strings", "_update", "_gram_rows", "_pickled_parts", "_loaded_parts"}
    assert inside <= where
    assert model_bytes(paused) == model_bytes(plain)
    assert snapshot(paused) == snapshot(plain) and paused.margins == plain.margins


def test_the_compacted_model_is_the_same_with_pauses(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=3).resolve()
    plain, paused = build_model(root)[0], build_model(root)[0]
    plain.compact()
    calls: list[int] = []
    paused.compact(lambda: calls.append(1))
    assert len(calls) > len(vars(paused.lm))  # between the tables, and within them
    assert model_bytes(paused) == model_bytes(plain)
    canon = list(paused.lm.vocab.ids.values())
    assert all(i is canon[i] for e in paused.files.values() for i in e.ids)


def test_refresh_pauses_between_changed_files(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=2).resolve()
    db_path = tmp_path / "s.db"
    refresh_model(root, db_path)
    changed = sorted(root.rglob("*.py"))[:2]
    for path in changed:
        path.write_bytes(path.read_bytes() + b"\nanother_value = 2\n")
    calls: list[int] = []
    refreshed = refresh_model(root, db_path, pause=lambda: calls.append(1))
    assert len(calls) >= len(changed)
    assert snapshot(refreshed) == snapshot(build_model(root)[0])


def test_one_large_file_pauses_throughout(tmp_path: Path) -> None:
    """Each pause point is at most ~1 ms of work from the next: in a file of ~40 KB, its
    parse, tokens, scopes and conventions each pause more than once."""
    from codie.analyzers.style.model import extract

    source = (big_workspace(tmp_path) / "big.py").read_bytes()
    where: list[str] = []

    def pause() -> None:
        where.append(caller())

    facts = extract(source, pause=pause)
    assert len(source) > 35_000
    for step in ("read", "tokenize", "visit", "_strings", "tally"):  # parse: read's chunks
        assert where.count(step) >= 2, (step, where.count(step))
    assert len(where) > 40
    plain = extract(source)
    assert (facts.tokens, facts.names, facts.stats) == (plain.tokens, plain.names, plain.stats)


def test_a_saved_file_is_counted_again_with_pauses(tmp_path: Path) -> None:
    """The language server's update after a save pauses too (the user types on after
    saving), and leaves the model and the store as an update without pauses."""
    root = big_workspace(tmp_path)
    big = root / "big.py"
    calls: list[int] = []
    models = []
    for name, pause in (("plain", None), ("paused", lambda: calls.append(1))):
        db_path = tmp_path / f"{name}.db"
        model = trained_model(root, db_path)
        big.write_bytes(big.read_bytes().replace(b"def ", b"def  ", 3))
        assert update_file(big, db_path, model, pause)
        big.write_bytes(big.read_bytes().replace(b"def  ", b"def ", 3))
        models.append(model)
    assert len(calls) > 20
    assert model_bytes(models[0]) == model_bytes(models[1])
