"""The server trains the workspace's style model in its thread pool, then hands what the
training freed back to the system (lsp/features/style.py), and still keeps the model; a
metrics computation in flight, and a call graph's first build, end before the training
starts rather than beside its peak."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any, cast

import pytest
from tree_sitter import Tree

from codie.analyzers.metrics import Metrics, module_metrics
from codie.analyzers.style.training import build_model
from codie.core.pausing import Pause
from codie.lsp import workspace_graph
from codie.lsp.features import code_lens, style
from codie.lsp.server import CodieServer, build_server
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
        assert trims == [False, False, True]  # before the training, after it (before compacting), at the end
        fresh, _ = build_model(tmp_path.resolve())
        assert model.lm.counts == fresh.lm.counts and model.margins == fresh.margins
        assert indexes(model) == indexes(fresh)  # compacted: the same model
        assert sorted(model.files) == sorted(fresh.files)
    finally:
        server.thread_pool.shutdown(wait=True)


def recording_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CodieServer, list[str], asyncio.Event]:
    """A server on a folder holding m.py, whose style training appends "training" to the
    events when it starts; the event is set at the trim that ends it (the model in place)."""
    (tmp_path / "m.py").write_text(SOURCE)
    monkeypatch.setenv("CODIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(style, "default_path", lambda root: tmp_path / "style.db")
    server = build_server()
    loop = asyncio.get_running_loop()
    events: list[str] = []
    trained = asyncio.Event()
    real_refresh = style.refresh_model

    def refresh(*args: object, **kwargs: object) -> object:
        events.append("training")
        return real_refresh(*args, **kwargs)

    def trim() -> None:
        if style.service(server).model_for(tmp_path) is not None:
            loop.call_soon_threadsafe(trained.set)

    monkeypatch.setattr(style, "refresh_model", refresh)
    monkeypatch.setattr(style, "release_memory", trim)
    return server, events, trained


async def test_a_training_waits_for_the_metrics_in_flight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server, events, trained = recording_training(tmp_path, monkeypatch)
    measuring, measured = threading.Event(), threading.Event()

    def slow_metrics(tree: Tree, source: bytes, name: str = "", pause: Pause | None = None) -> Metrics:
        events.append("metrics start")
        measuring.set()
        measured.wait(30)
        events.append("metrics end")
        return module_metrics(tree, source, name, pause)

    monkeypatch.setattr(code_lens, "module_metrics", slow_metrics)
    server.warm_up()
    server._first_publish()
    uri = (tmp_path / "m.py").as_uri()
    server.protocol.notify_params_text = lambda method, params: None
    server.open_document(uri, SOURCE, 1, "python")
    doc = server.document(uri)
    assert doc is not None
    try:
        computing = asyncio.create_task(code_lens.current_metrics(server, doc))
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, measuring.wait, 30), 30)
        style.train(server, tmp_path.resolve())
        await asyncio.sleep(1.0)  # QUIET and more: the training would have started by now
        assert events == ["metrics start"]
        measured.set()
        assert await asyncio.wait_for(computing, 30) is not None
        await asyncio.wait_for(trained.wait(), 60)
        assert events == ["metrics start", "metrics end", "training"]
    finally:
        measured.set()
        server.thread_pool.shutdown(wait=True)


async def test_a_training_waits_for_the_call_graphs_first_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, events, trained = recording_training(tmp_path, monkeypatch)
    server.warm_up()
    server._first_publish()
    # a folder whose first build is under way (its graph is never read here)
    building = workspace_graph.FolderGraph(tmp_path, cast(Any, None))
    workspace_graph.service(server).folders[tmp_path] = building
    try:
        style.train(server, tmp_path.resolve())
        await asyncio.sleep(1.0)  # QUIET and more: the training would have started by now
        assert events == []
        building.ready.set()  # built
        await asyncio.wait_for(trained.wait(), 60)
        assert events == ["training"]
    finally:
        server.thread_pool.shutdown(wait=True)
