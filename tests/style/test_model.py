"""The n-gram model: incremental updates equal retraining; storage round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from codie.analyzers.style import ngram, storage
from codie.analyzers.style.model import WorkspaceModel, extract
from codie.analyzers.style.ngram import EMPTY, TOP, grams, pack, unpack
from codie.analyzers.style.training import build_model, learn_margins, train_workspace, update_file
from tests.style.workspace import DEVIANT, make_workspace

A = b"def f(items):\n    total = 0\n    for item in items:\n        total += item\n    return total\n"
B = b"def g(rows):\n    for row in rows:\n        print(row)\n"
B2 = b"def g(rows):\n    for line in rows:\n        print(line, sep='')\n"


def snapshot(model: WorkspaceModel) -> tuple[dict[tuple[str, ...], int], dict[tuple[str, ...], int], int]:
    words = model.lm.vocab.words
    counts = {tuple(words[i] for i in unpack(g)): c for g, c in model.lm.counts.items()}
    followers = {tuple(words[i] for i in unpack(g)): c for g, c in model.lm.followers.items()}
    return counts, followers, model.lm.total


def test_replacing_a_file_equals_training_without_the_old_version() -> None:
    incremental = WorkspaceModel()
    incremental.add("a.py", extract(A))
    incremental.add("b.py", extract(B))
    incremental.add("b.py", extract(B2))  # saved again: old counts out, new in
    fresh = WorkspaceModel()
    fresh.add("a.py", extract(A))
    fresh.add("b.py", extract(B2))
    assert snapshot(incremental) == snapshot(fresh)
    row = incremental.lm.vocab.ids["row"]
    assert all(row not in bucket for bucket in incremental.lm.names_after.values())
    incremental.remove("b.py")
    incremental.remove("a.py")
    assert incremental.lm.counts == {} and incremental.lm.total == 0
    assert incremental.lm.followers == {} and incremental.lm.names_after == {}


def test_grams_count_every_order() -> None:
    counts = grams([1, 2, 1, 2], order=3)
    assert counts[pack((1, 2))] == 2 and counts[pack((1, 2, 1))] == 1 and counts[pack((2,))] == 2
    assert counts[EMPTY] == 4 and len(counts) == 7  # (1) (2) (1 2) (2 1) (1 2 1) (2 1 2), and EMPTY


def test_packed_keys_round_trip_and_keep_orders_apart() -> None:
    for ids in [(), (0,), (5, 0), (0, 0, 0), (1, -1, -2, 7), (2**23 - 1, 0, 3, 4, 5)]:
        key = pack(ids)
        assert unpack(key) == ids
        assert TOP[len(ids)] <= key < TOP[len(ids) + 1]
    assert len({pack(ids) for ids in [(0,), (0, 0), (0, 0, 0), ()]}) == 4


def test_exclusion_scores_a_file_as_if_unseen() -> None:
    model = WorkspaceModel()
    model.add("a.py", extract(A))
    model.add("b.py", extract(B))
    excluded = model.exclusion("b.py")
    assert excluded is not None
    row = pack((model.lm.vocab.ids["row"],))
    assert model.lm.count(row) == 2 and model.lm.count(row, [excluded]) == 0


def test_training_job_stores_the_model_and_update_file_keeps_it_exact(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=4).resolve()
    db_path = tmp_path / "style.db"
    summary = train_workspace(root, db_path)
    assert summary.files == 6 and summary.tokens > 500
    cart = root / "shop" / "cart.py"
    cart.write_text(DEVIANT.replace("thing", "order"))
    assert update_file(cart, db_path) is True
    assert update_file(cart, db_path) is False  # unchanged since
    (root / "shop" / "books.py").unlink()
    assert update_file(root / "shop" / "books.py", db_path) is True
    stored = storage.load(storage.open_db(db_path), root)
    retrained = tmp_path / "fresh.db"
    train_workspace(root, retrained)
    fresh = storage.load(storage.open_db(retrained), root)
    assert snapshot(stored) == snapshot(fresh)
    assert stored.stats == fresh.stats
    assert set(stored.files) == set(fresh.files)


class FakeJob:
    def __init__(self) -> None:
        self.reports: list[tuple[float, str]] = []

    def progress(self, fraction: float, message: str = "") -> None:
        self.reports.append((fraction, message))

    def check_cancelled(self) -> None:
        pass


def test_worker_jobs_train_and_update(tmp_path: Path) -> None:
    from codie.analyzers.style import jobs

    root = make_workspace(tmp_path / "ws", copies=3)
    job = FakeJob()
    result = jobs.train({"root": str(root), "db": str(tmp_path / "w.db")}, job)
    assert result["files"] == 5 and job.reports[-1][0] == 1.0
    cart = root / "shop" / "cart.py"
    cart.write_text("x = 1\n")
    assert jobs.update({"path": str(cart), "db": str(tmp_path / "w.db")}, job) == {"changed": True}


def test_refresh_brings_a_stored_model_up_to_date_with_the_disk(tmp_path: Path) -> None:
    from codie.analyzers.style.training import refresh_model

    root = make_workspace(tmp_path / "ws", copies=4).resolve()
    db_path = tmp_path / "r.db"
    first = refresh_model(root, db_path)  # nothing stored: trains
    assert len(first.files) == 6
    (root / "shop" / "cart.py").write_text(DEVIANT.replace("thing", "order"))
    (root / "shop" / "books.py").unlink()
    (root / "shop" / "extra.py").write_text("def extra(rows):\n    return rows\n")
    refreshed = refresh_model(root, db_path)
    fresh, _ = build_model(root)
    assert snapshot(refreshed) == snapshot(fresh)
    assert set(refreshed.files) == set(fresh.files)
    reloaded = storage.load(storage.open_db(db_path), root)
    assert snapshot(reloaded) == snapshot(fresh)


def indexes(model: WorkspaceModel) -> tuple[object, ...]:
    """Everything scoring reads, with the order of each names bucket (ties rank by it)."""
    lm = model.lm
    buckets = [sorted((k, list(v.items())) for k, v in index.items()) for index in (lm.names_after, lm.names_before)]
    return snapshot(model), buckets, sorted(lm.name_ids), model.kind_names, model.stats, sorted(model.files)


def test_batch_training_equals_one_add_per_file(tmp_path: Path) -> None:
    sources = {"a.py": A, "b.py": B, "c.py": B2, "d.py": A + B}
    one_by_one = WorkspaceModel()
    for path, source in sources.items():
        one_by_one.add(path, extract(source))
    one_by_one.add("b.py", extract(B2))  # a path seen twice: replaced
    batch = WorkspaceModel()
    batch.train(iter([*((p, extract(s)) for p, s in sources.items()), ("b.py", extract(B2))]))
    assert indexes(batch) == indexes(one_by_one)
    assert batch.lm.counts and batch.lm.total == one_by_one.lm.total
    # a batch model goes on like any other: removing everything empties it
    for path in list(batch.files):
        batch.remove(path)
    assert batch.lm.counts == {} and batch.lm.followers == {} and batch.lm.total == 0


def test_build_model_streams_the_files_and_learns_the_same_margins(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", copies=12).resolve()
    model, digests = build_model(root)
    files = sorted(root.rglob("*.py"))
    assert set(digests) == {p.as_posix() for p in files} == set(model.files)
    # the old way: every file's facts held, added one by one, margins learnt from all of them
    reference = WorkspaceModel(root)
    samples = []
    for path in files:
        facts = extract(path.read_bytes())
        reference.add(path.as_posix(), facts)
        samples.append((path.as_posix(), facts))
    assert indexes(model) == indexes(reference)
    assert model.margins == learn_margins(reference, samples)


def test_a_full_vocabulary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ngram, "MAX_WORDS", 3)
    model = WorkspaceModel()
    with pytest.raises(ValueError, match="vocabulary is full"):
        model.add("a.py", extract(A))
