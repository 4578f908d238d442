"""The workspace call graph of a server that starts with unsaved buffers open (issue 19: the
soak benchmark's fresh server) becomes ready and equals a full build of those texts; a
failing step in its tasks is logged and never leaves the graph not ready for good.

Every wait is on `codie/serverState` saying the server is settled; the timeouts are only a
safety net against a hang."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from codie.analyzers.callgraph import CallGraph
from tests.lsp.test_soak_state import settled
from tests.lsp.workspace_helpers import lsp_session, open_file

# On disk, b.make() returns an a.Base; a.start() calls its method through b.
DISK = {
    "a.py": "class Base:\n    def run(self):\n        return 1\n\n\ndef start():\n    import b\n\n"
    "    return b.make().run()\n",
    "b.py": "from a import Base\n\n\ndef make():\n    return Base()\n\n\ndef _unused():\n    return make()\n",
    "c.py": "import b\n\n\ndef go():\n    return b.make()\n",
    "d.py": "from c import go\n\n\ndef _spare():\n    return go()\n",
}
# The editor reopens a.py with unsaved edits that delete Base: other modules' values cached
# by the build still name a.Base while a.py alone is re-indexed.
UNSAVED = {"a.py": "import b\n\n\ndef start():\n    return b.make().run()\n\n\ndef _orphan():\n    return 2\n"}
FAULTY = Path(__file__).with_name("graph_faulty_server.py")


def workspace(root: Path) -> Path:
    root.mkdir()
    for name, text in DISK.items():
        (root / name).write_text(text)
    return root


def full_build(root: Path, texts: dict[str, str]) -> dict[str, Any]:
    """What a graph built from scratch over exactly these texts holds."""
    root.mkdir()
    for name, text in texts.items():
        (root / name).write_text(text)
    graph = CallGraph(root)
    graph.build([root], jobs=1)
    sizes = graph.sizes()
    return {
        "edges": sizes["edges"],
        "callees": sizes["callees"],
        "callers": sizes["callers"],
        "unreferenced": sorted(s.qualname for s in graph.unreferenced()),
    }


def only_folder(state: dict[str, Any]) -> dict[str, Any]:
    (folder,) = state["callGraph"]["folders"].values()
    assert isinstance(folder, dict)
    return folder


async def test_files_opened_at_once_with_unsaved_edits_make_a_ready_graph(tmp_path: Path) -> None:
    """Before the fix, indexing a.py's buffer after the build raised KeyError('a.Base') in
    the build task, which never set `ready`: CPX100 was never reported and the server never
    settled (the soak's `equal False`)."""
    root = workspace(tmp_path / "ws")
    texts = {**DISK, **UNSAVED}
    async with lsp_session([root]) as client:
        for name, text in texts.items():  # back to back, before anything is analysed
            open_file(client, root / name, text)
        state = await settled(client)
    folder = only_folder(state)
    assert folder["ready"]
    expected = full_build(tmp_path / "full", texts)
    assert {k: folder[k] for k in expected} == expected
    assert "a._orphan" in folder["unreferenced"]  # the buffer's text, not the disk's


async def test_a_failing_graph_task_is_logged_and_the_graph_gets_ready(tmp_path: Path) -> None:
    """graph_faulty_server.py makes indexing any text with `boom_graph` raise, and the build
    task raise once it is done: both are logged, and the folder is ready and settles."""
    root = workspace(tmp_path / "ws")
    log = tmp_path / "server.log"
    async with lsp_session([root], command=[sys.executable, str(FAULTY), str(log)]) as client:
        for name, text in DISK.items():
            open_file(client, root / name, text + ("\nboom_graph = 1\n" if name == "b.py" else ""))
        state = await settled(client)
    assert only_folder(state)["ready"]
    text = log.read_text()
    assert "call graph update failed" in text and "RuntimeError: boom_graph" in text
    assert "call graph task" in text and "RuntimeError: build task boom" in text


def test_an_update_that_deletes_a_class_other_modules_still_name(tmp_path: Path) -> None:
    """The resolver's cached values of b.make() still name a.Base after a.py's update drops
    it: the update resolves (a.start's call reaches nothing) instead of raising KeyError."""
    root = workspace(tmp_path / "ws")
    graph = CallGraph(root)
    graph.build([root], jobs=1)
    edges = graph.update(root / "a.py", UNSAVED["a.py"].encode())
    assert [e.callee for e in edges if e.caller == "a.start"] == ["b.make"]
    assert graph.holds(root / "a.py", UNSAVED["a.py"].encode())
