"""The SQLite store heals: a damaged file is moved aside and rebuilt, an unwritable one
becomes an in-memory copy (one log line each) - for every user of the store: feedback,
runtime history, the style model and the call-graph cache. Two processes opening or
training into one store wait for each other instead of crashing."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from codie.analyzers.callgraph.graph import CallGraph
from codie.analyzers.style import storage
from codie.analyzers.style.training import build_model, train_workspace
from codie.llm.feedback import FeedbackStore
from codie.runtime.history import History
from tests.style.workspace import make_workspace

ROOT = Path(__file__).resolve().parents[2]


def use_feedback(db: Path, root: Path) -> None:
    feedback = FeedbackStore(db)
    feedback.record("proj", "SEC001", "dismiss", "fp-1")
    assert feedback.is_rejected("proj", "fp-1")


def use_history(db: Path, root: Path) -> None:
    history = History(db)
    history.record(str(root), "process", {}, [{"nodeid": "t.py::a", "outcome": "passed", "duration": 0.25}])
    assert history.durations(str(root), "t.py::a")[-1] == 0.25


def use_style(db: Path, root: Path) -> None:
    assert train_workspace(root, db).files > 0
    assert storage.load(storage.open_db(db), root).files


def use_callgraph(db: Path, root: Path) -> None:
    graph = CallGraph(root, db)
    graph.build([root])
    assert graph.db is not None and graph.db["callgraph_files"].count > 0


USERS: dict[str, Callable[[Path, Path], None]] = {
    "feedback": use_feedback,
    "runtime-history": use_history,
    "style": use_style,
    "callgraph": use_callgraph,
}


def damaged_header(path: Path) -> None:
    path.write_bytes(b"this is not a database, it was overwritten\n" * 200)


def damaged_pages(path: Path) -> None:
    """A real SQLite header followed by garbage: the first read says 'malformed'."""
    good = path.with_suffix(".good")
    conn = sqlite3.connect(good)
    conn.execute("CREATE TABLE t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 50)
    conn.commit()
    conn.close()
    data = bytearray(good.read_bytes())
    data[100:] = os.urandom(len(data) - 100)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [damaged_header, damaged_pages], ids=["header", "pages"])
@pytest.mark.parametrize("user", sorted(USERS))
def test_a_damaged_store_is_moved_aside_and_rebuilt(
    user: str, damage: Callable[[Path], None], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_workspace(tmp_path / "shop", copies=4)
    db = tmp_path / ".codie" / "codie.db"
    db.parent.mkdir()
    damage(db)
    before = db.read_bytes()
    with caplog.at_level(logging.WARNING, logger="codie.store"):
        USERS[user](db, root)
    (aside,) = [p for p in db.parent.iterdir() if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert aside.read_bytes() == before  # kept for a post-mortem, not deleted
    lines = [r.getMessage() for r in caplog.records if r.name == "codie.store"]
    assert len(lines) == 1 and "damaged" in lines[0] and "moved it aside" in lines[0]
    # the rebuilt store is a real one that the next process reads without complaint
    with caplog.at_level(logging.WARNING, logger="codie.store"):
        USERS[user](db, root)
    assert len([r for r in caplog.records if r.name == "codie.store"]) == 1


READ_ONLY_SCRIPT = textwrap.dedent("""
    import logging, sys
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="LOG %(name)s %(message)s")
    from codie.llm.feedback import FeedbackStore
    store = FeedbackStore(sys.argv[1])
    print("old", store.is_rejected("proj", "old"))
    store.record("proj", "SEC001", "dismiss", "new")
    print("new", store.is_rejected("proj", "new"))
""")


def without_root_powers() -> list[str]:
    """As root, file modes do not stop writes: drop the capabilities that bypass them."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only file cannot be simulated")
    caps = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", "--"]


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_store_falls_back_to_memory(what: str, tmp_path: Path) -> None:
    folder = tmp_path / ".codie"
    db = folder / "codie.db"
    if what == "file":
        seed = FeedbackStore(db)
        seed.record("proj", "SEC001", "dismiss", "old")
        seed.db.conn.close()
        db.chmod(0o444)
    folder.mkdir(exist_ok=True)
    folder.chmod(0o555)
    before = sorted(p.name for p in folder.iterdir())
    try:
        done = subprocess.run(
            [*without_root_powers(), sys.executable, "-c", READ_ONLY_SCRIPT, str(db)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT / "server")},
        )
    finally:
        folder.chmod(0o755)
    assert done.returncode == 0, done.stderr
    # what was stored is still there, and new feedback works for this process
    assert done.stdout.split() == ["old", str(what == "file"), "new", "True"]
    logs = [line for line in done.stderr.splitlines() if line.startswith("LOG codie.store")]
    assert len(logs) == 1 and "cannot be written" in logs[0] and "in-memory" in logs[0], done.stderr
    assert sorted(p.name for p in folder.iterdir()) == before


def test_two_processes_migrating_a_new_store_at_once(tmp_path: Path) -> None:
    db = tmp_path / "codie.db"
    errors: list[BaseException] = []

    def open_many() -> None:
        try:
            for _ in range(5):
                FeedbackStore(db).db.conn.close()
                History(db).db.conn.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_concurrent_style_trainings_do_not_collide(tmp_path: Path) -> None:
    """Each write replaces the whole model in one transaction; before, two trainings'
    DELETE and INSERT interleaved and one died with IntegrityError."""
    root = make_workspace(tmp_path / "shop", copies=6)
    db = tmp_path / "codie.db"
    model, digests = build_model(root)
    errors: list[BaseException] = []

    def train() -> None:
        conn = storage.open_db(db)  # a connection of its own, like another process
        try:
            for _ in range(15):
                storage.write_all(conn, model, digests)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.conn.close()

    threads = [threading.Thread(target=train) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(storage.load(storage.open_db(db), root).files) == len(model.files)


def test_two_codie_style_train_runs_at_once(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "shop", copies=8)
    env = {k: v for k, v in os.environ.items() if k != "CODIE_DB"}
    env["PYTHONPATH"] = str(ROOT / "server")
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "codie", "style", "train", str(root)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(300), *p.communicate()) for p in runs]
    for code, out, err in results:
        assert code == 0 and "IntegrityError" not in err and "learned the style" in out, err
    assert storage.load(storage.open_db(root / ".codie" / "codie.db"), root).files
