"""The editor's rescoring (team feedback, a model's verdict, the fingerprint) is remembered
per finding between publishes (lsp/llm_support.LLMState.rescore_all). Whatever happens in
between (edits that move findings or change their line, feedback events, rejections, a
model's verdict, a settings change), the remembered answers equal a fresh rescoring."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.core.lines import LineIndex
from codie.llm.feedback import FeedbackStore
from codie.lsp.llm_support import state
from codie.lsp.server import CodieServer, build_server

URI = "file:///tmp/codie-rescore-cache/shop.py"
TEXT = (
    "import os\n"
    "def run(cmd):\n"
    "    os.system(cmd)\n"
    "    return eval(input(cmd))\n"
    "\n" + "x = 1\n" * 30 + "y = eval(input()); z = 2\n"
    "def later(a):\n"
    "    exec(a)\n"
    "    return eval(a)\n"
)


def fresh(server: CodieServer, analysis: DocumentAnalysis) -> list[tuple[Finding, dict[str, Any]]]:
    st = state(server)
    out = [st.rescore(analysis, f) for f in analysis.findings()]
    return [(f, f.data) for f in out if f is not None]


def cached(server: CodieServer, analysis: DocumentAnalysis) -> list[tuple[Finding, dict[str, Any]]]:
    return [(f, f.data) for f in state(server).rescore_all(analysis, analysis.findings())]


async def settle(server: CodieServer) -> DocumentAnalysis:
    analysis = await asyncio.wait_for(server.settled(URI), 60)
    assert analysis is not None
    return analysis


def edit(
    server: CodieServer, analysis: DocumentAnalysis, start: tuple[int, int], end: tuple[int, int], new: str
) -> None:
    doc = analysis.doc
    analysis.note_edit(doc.apply_change(start, end, new))
    doc.version = (doc.version or 0) + 1
    server.hooks.change.emit(server, doc)
    server.schedule(URI, edit=True)


async def test_remembered_rescoring_equals_a_fresh_one_through_edits_feedback_and_settings() -> None:
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    server.open_document(URI, TEXT, 1, "python")
    analysis = await settle(server)
    st = state(server)
    first = cached(server, analysis)
    assert first == fresh(server, analysis) and len(first) >= 4
    assert all("fingerprint" in data for _, data in first)
    assert cached(server, analysis) == first  # nothing changed: the same answers

    # edits above the findings move them; an edit on a finding's line outside its span
    # (same length) changes its fingerprint but not its offsets
    edit(server, analysis, (0, 0), (0, 0), "import sys\n")
    analysis = await settle(server)
    assert cached(server, analysis) == fresh(server, analysis)
    line = TEXT.split("\n").index("y = eval(input()); z = 2") + 1
    before = sorted(data["fingerprint"] for _, data in cached(server, analysis))
    edit(server, analysis, (line, 23), (line, 24), "3")  # z = 2 -> z = 3
    analysis = await settle(server)
    assert analysis.doc.line_text(line) == "y = eval(input()); z = 3"
    after = cached(server, analysis)
    assert after == fresh(server, analysis)
    assert sorted(data["fingerprint"] for _, data in after) != before

    # the team's feedback: a rule's precision, then one finding rejected
    store = FeedbackStore(":memory:")
    st.stores[analysis.ctx.root] = store
    base = cached(server, analysis)
    assert base == fresh(server, analysis)
    target, target_data = base[-1]
    for _ in range(6):
        store.record(st.project(analysis.ctx.root), target.rule_id, "dismiss")
    rescored = cached(server, analysis)
    assert rescored == fresh(server, analysis)
    assert [f.confidence for f, _ in rescored] != [f.confidence for f, _ in base]
    store.record(st.project(analysis.ctx.root), target.rule_id, "dismiss", target_data["fingerprint"])
    hidden = cached(server, analysis)
    assert hidden == fresh(server, analysis)
    assert all(data["fingerprint"] != target_data["fingerprint"] for _, data in hidden)

    # a model's verdict on one fingerprint
    other, other_data = hidden[0]
    st.verdicts[other_data["fingerprint"]] = 0.05
    judged = cached(server, analysis)
    assert judged == fresh(server, analysis)
    assert judged[0][0].confidence != other.confidence

    # settings change (reset): everything is computed again, still equal
    server.hooks.settings.emit(server)
    assert cached(server, analysis) == fresh(server, analysis)
    store.close()


async def test_what_the_editor_shows_is_rescored() -> None:
    """The presentation goes through the cache and shows what a fresh rescoring gives."""
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    server.open_document(URI, TEXT, 1, "python")
    analysis = await settle(server)
    shown = server.visible_findings(analysis)
    expected = {(f.start, f.rule_id, f.data["fingerprint"]) for f, _ in fresh(server, analysis)}
    assert shown and {(f.start, f.rule_id, f.data["fingerprint"]) for f in shown} <= expected
    edit(server, analysis, (1, 0), (1, 0), "\n\n")
    analysis = await settle(server)
    shown = server.visible_findings(analysis)
    expected = {(f.start, f.rule_id, f.data["fingerprint"]) for f, _ in fresh(server, analysis)}
    assert shown and {(f.start, f.rule_id, f.data["fingerprint"]) for f in shown} <= expected


async def test_a_kept_finding_whose_line_changed_or_a_lookalike_is_scored_again() -> None:
    """Findings the cache must not take for the ones it knows: the same object after an
    edit elsewhere on its line (its fingerprint changed), and another finding sharing its
    `data` dict, span and confidence but not its rule."""
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    server.open_document(URI, TEXT, 1, "python")
    analysis = await settle(server)
    st = state(server)
    doc = analysis.doc
    line = TEXT.split("\n").index("y = eval(input()); z = 2")
    at = doc.offset_at(line, 4)
    shared: dict[str, Any] = {"k": 1}
    f = Finding("SEC001", "eval", at, at + 13, confidence=0.8, confidence_parts=(("prior", 0.8),), data=shared)
    twin = Finding("QUA001", "eval", at, at + 13, confidence=0.8, confidence_parts=(("prior", 0.8),), data=shared)

    def check(findings: list[Finding]) -> list[tuple[Finding, dict[str, Any]]]:
        got = [(g, g.data) for g in st.rescore_all(analysis, findings)]
        want = [(g, g.data) for x in findings if (g := st.rescore(analysis, x)) is not None]
        assert got == want
        return got

    first = check([f])
    doc.apply_change((line, 23), (line, 24), "3")  # same length, same offsets, another line text
    second = check([f])
    assert first[0][1]["fingerprint"] != second[0][1]["fingerprint"]
    third = check([twin])
    assert third[0][1]["fingerprint"] != second[0][1]["fingerprint"]


async def test_findings_before_an_edit_are_not_looked_at_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same finding objects, no edit before the end of their lines: their answers are
    taken as they were, without finding their line in the text again. Nor are the engine's
    copies of the findings an edit above moved with their lines: their lines are the same
    text. Only a finding on the line that starts where the edit was is looked at."""
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    server.open_document(URI, TEXT, 1, "python")
    analysis = await settle(server)
    doc = analysis.doc
    cached(server, analysis)
    at = doc.source.index(b"def later")
    analysis.note_edit(doc.apply_change(doc.position_at(at), doc.position_at(at), "w = 1\n"))
    while not analysis.step(3600.0):  # analysed again, not presented
        pass
    findings = analysis.findings()  # (the engine's: those after the edit moved, the rest as they were)
    after = sum(f.start >= at for f in findings)
    assert 0 < after < len(findings) - 2
    moved_line = doc.lines.line_of(at + len("w = 1\n"))  # `def later`: it started at the edit
    on_it = sum(doc.lines.line_of(f.start) == moved_line for f in findings)
    assert on_it < after  # (exec and eval below it moved with their lines)
    looked = 0
    line_of = LineIndex.line_of

    def counted(self: LineIndex, offset: int) -> int:
        nonlocal looked
        looked += 1
        return line_of(self, offset)

    monkeypatch.setattr(LineIndex, "line_of", counted)
    got = [(f, f.data) for f in state(server).rescore_all(analysis, findings)]
    assert looked == on_it  # (all `after` of them before moved ones were known again)
    monkeypatch.undo()
    assert got == fresh(server, analysis)


async def test_a_kept_finding_on_the_last_line_is_scored_again_when_text_is_added_after_it() -> None:
    """The last line has no break to end it: text added at the end of the file is on it,
    and changes the fingerprint of a finding there, though no byte before it changed."""
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    uri = "file:///tmp/codie-rescore-cache/last.py"
    text = "import os\ny = eval(input())"
    server.open_document(uri, text, 1, "python")
    analysis = await asyncio.wait_for(server.settled(uri), 60)
    assert analysis is not None
    st = state(server)
    at = text.index("eval")
    f = Finding("SEC001", "eval", at, at + 4, confidence=0.8, confidence_parts=(("prior", 0.8),), data={})
    first = st.rescore_all(analysis, [f])
    assert first == [st.rescore(analysis, f)]
    analysis.doc.apply_change((1, 17), (1, 17), "; z = 1")
    second = st.rescore_all(analysis, [f])
    assert second == [st.rescore(analysis, f)]
    assert second[0].data["fingerprint"] != first[0].data["fingerprint"]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
async def test_a_moved_copy_is_known_again_only_when_its_line_moved_whole(
    eol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy of a finding (sharing its `data`, as the engine's moved copies do) whose
    offsets moved by as many bytes as the text before it grew is taken for the one it was,
    without looking at its line, only when its whole line moved with it. An edit earlier on
    its line, or to the line break before it, changes its line (so its fingerprint)."""
    server = build_server()
    server.protocol.notify_params_text = lambda method, params: None
    uri = "file:///tmp/codie-rescore-cache/moved.py"
    server.open_document(uri, eol.join(["import os", "q = 1", "a = 1; b = eval(input())", ""]), 1, "python")
    analysis = await asyncio.wait_for(server.settled(uri), 60)
    assert analysis is not None
    st, doc = state(server), analysis.doc
    at = doc.source.index(b"eval")
    f = Finding("SEC001", "eval", at, at + 13, confidence=0.8, confidence_parts=(("prior", 0.8),), data={"k": 1})
    looked = 0
    line_of = LineIndex.line_of

    def counted(self: LineIndex, offset: int) -> int:
        nonlocal looked
        looked += 1
        return line_of(self, offset)

    monkeypatch.setattr(LineIndex, "line_of", counted)

    def check(moved: Finding) -> tuple[str, int]:
        nonlocal looked
        looked = 0
        got = [(g, g.data) for g in st.rescore_all(analysis, [moved])]
        counted_then = looked
        want = [(g, g.data) for x in [moved] if (g := st.rescore(analysis, x)) is not None]
        assert got == want
        return str(got[0][1]["fingerprint"]), counted_then

    first, _ = check(f)
    for start, end, new, same_line in [
        ((0, 0), (0, 0), "import sys" + eol, True),  # a line above: its line moves whole
        ((3, 4), (3, 5), "12", False),  # a = 12: on its line, before it
        ((2, 5), (3, 0), "; ", False),  # the line break before its line: joined to the one above
        ((1, 0), (1, 0), "#", True),  # another line above
        ((2, 6), (2, 6), eol, False),  # a line break inserted before it: its line starts later
    ]:
        edit = doc.apply_change(start, end, new)
        fingerprint, looked_at_lines = check(f := f.shifted(edit.old_end, edit.delta))
        assert (looked_at_lines == 0) is same_line, new
        assert (fingerprint == first) is same_line, new
        first = fingerprint
    server.forget(uri)
