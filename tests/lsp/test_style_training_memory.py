"""The server trains the workspace's style model in its thread pool, then hands what the
training freed back to the system (lsp/features/style.py), and still keeps the model; an
idle metrics child is stopped before the training rather than kept beside its peak."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from codie.analyzers.style.training import build_model
from codie.lsp.features import style
from codie.lsp.features.code_lens import metrics_service
from codie.lsp.server import build_server
from tests.style.test_model import indexes

SOURCE = (
    "def total_count(items):\n    total_sum = 0\n"
    "    for item in items:\n        total_sum += item\n    return total_sum\n"
)


async def test_training_keeps_the_model_and_trims_after(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text(SOURCE.replace("total", f"t{i}"))
    monkeypatch.setenv("CODIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(style, "default_path", lambda root: tmp_path / "style.db")
    server = build_server()
    trims: list[bool] = []  # at each trim: whether the model is kept by then
    done = asyncio.Event()
    loop = asyncio.get_running_loop()

    def trim() -> None:
        trims.append(style.service(server).model_for(tmp_path) is not None)
        if trims[-1]:
            loop.call_soon_threadsafe(done.set)

    monkeypatch.setattr(style, "release_memory", trim)
    server.warm_up()
    server._first_publish()  # as after the first diagnostics: background work may start
    try:
        style.train(server, tmp_path.resolve())
        await asyncio.wait_for(done.wait(), 60)
        model = style.service(server).model_for(tmp_path)
        assert model is not None and not style.style_training(server)
        assert trims == [False, True]  # after the training (before compacting), and at the end
        fresh, _ = build_model(tmp_path.resolve())
        assert model.lm.counts == fresh.lm.counts and model.margins == fresh.margins
        assert indexes(model) == indexes(fresh)  # compacted: the same model
        assert sorted(model.files) == sorted(fresh.files)
    finally:
        server.thread_pool.shutdown(wait=True)


async def test_a_training_first_stops_the_idle_metrics_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.py").write_text(SOURCE)
    monkeypatch.setenv("CODIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(style, "default_path", lambda root: tmp_path / "style.db")
    server = build_server()
    loop = asyncio.get_running_loop()
    trained = asyncio.Event()

    def trim() -> None:
        if style.service(server).model_for(tmp_path) is not None:
            loop.call_soon_threadsafe(trained.set)

    monkeypatch.setattr(style, "release_memory", trim)
    server.warm_up()
    server._first_publish()
    pool = metrics_service(server).pool
    pool.idle = 600  # only the training may stop it
    try:
        await pool.run(os.getpid)
        assert pool.pid() is not None
        style.train(server, tmp_path.resolve())
        await asyncio.wait_for(trained.wait(), 60)
        assert pool.pid() is None and pool.stopped_idle == 1
        assert style.service(server).model_for(tmp_path) is not None
    finally:
        pool.shutdown()
        server.thread_pool.shutdown(wait=True)
