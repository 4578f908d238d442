"""Review on top of findings: confidence from feedback and model verdicts, the team's record
of a rule for the hover's confidence explanation (hover.py renders it), "Ask why", verified
fixes and feedback from code-action use ("Apply fix (verified)" records an accept, "Dismiss"
a dismissal, through the codie.feedback command).

A fix proposal runs as a command (async: the model may take seconds); when it passes the
checks of llm/fixes.py it is cached for the document version, and the next code-action
request offers "Apply fix (verified)". Fixes that fail the checks are never offered. The
static checks run in a thread; the fix's related tests run in the worker, in the sandbox,
with the runtime tests' consent (lsp/features/runtime.py): the answer names the tests that
ran, or says why none did.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from lsprotocol import types

from codie.core.document import Document
from codie.core.engine import DocumentAnalysis
from codie.core.findings import Finding
from codie.core.fixes import minimal_edit
from codie.llm.service import LLMRequest
from codie.lsp.features.code_actions import workspace_edit
from codie.lsp.features.llm_chat import answered_by, record_feedback
from codie.lsp.features.runtime import RuntimeFeature
from codie.lsp.llm_support import LLMState, llm_progress, param, state
from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)
ASK_WHY = "codie.askWhy"
PROPOSE_FIX = "codie.proposeFix"
FEEDBACK = "codie.feedback"
VERDICT_DELAY = 0.5  # seconds of quiet typing before findings are sent for a verdict
MAX_VERDICTS = 20  # per document and pass


def _feedback_command(uri: str, f: Finding, verdict: str, title: str) -> types.Command:
    args = {"uri": uri, "ruleId": f.rule_id, "fingerprint": f.data.get("fingerprint"), "verdict": verdict}
    return types.Command(title=title, command=FEEDBACK, arguments=[args])


def review_actions(ls: CodieServer, doc: Document, params: types.CodeActionParams) -> list[types.CodeAction]:
    analysis = ls.analyses.get(doc.uri)
    if analysis is None:
        return []
    st = state(ls)
    r = params.range
    lo = doc.offset_at(r.start.line, r.start.character, ls.encoding)
    hi = doc.offset_at(r.end.line, r.end.character, ls.encoding)
    actions: list[types.CodeAction] = []
    kind = types.CodeActionKind.QuickFix
    for f in ls.visible_findings(analysis):
        if not (f.start <= hi and lo <= f.end):
            continue
        fp = str(f.data.get("fingerprint", ""))
        ref = {"uri": doc.uri, "fingerprint": fp, "ruleId": f.rule_id}
        cached = st.proposals.get((doc.uri, fp))
        if cached is not None and cached[0] == doc.version and cached[1].ok:
            edit = minimal_edit(doc.text, cached[1].verification.new_text)
            actions.append(
                types.CodeAction(
                    title=f"Apply fix (verified): {f.rule_id}",
                    kind=kind,
                    edit=workspace_edit(ls, doc, [edit]),
                    is_preferred=True,
                    command=_feedback_command(doc.uri, f, "accept", "Record the fix"),
                    data={"ruleId": f.rule_id, "action": "verified-fix"},
                )
            )
        elif cached is None or cached[0] != doc.version:
            actions.append(
                types.CodeAction(
                    title=f"Propose a verified fix for {f.rule_id}",
                    kind=kind,
                    command=types.Command(title="Propose fix", command=PROPOSE_FIX, arguments=[ref]),
                )
            )
        actions.append(
            types.CodeAction(
                title=f"Ask why: {f.rule_id}",
                kind=kind,
                command=types.Command(title="Ask why", command=ASK_WHY, arguments=[ref]),
            )
        )
        actions.append(
            types.CodeAction(
                title=f"Dismiss {f.rule_id} here (false positive)",
                kind=kind,
                command=_feedback_command(doc.uri, f, "dismiss", "Dismiss"),
            )
        )
    return actions


def team_record(ls: CodieServer, doc: Document, f: Finding) -> str | None:
    """What the team said about the finding's rule, for its confidence on hover (hover.py
    renders the one confidence explanation)."""
    st = state(ls)
    folder = ls.settings.folder_of(doc.uri)
    store = st.stores.get(folder)
    if store is None:
        return None
    rule = ls.catalogue.get(f.rule_id)
    post = store.posterior(st.project(folder), f.rule_id, rule.confidence if rule else 0.5)
    if not (post.accepts or post.rejects):
        return None
    return f"{post.accepts} accepted, {post.rejects} dismissed; precision now {post.precision:.0%}"


async def ask_why(ls: CodieServer, *args: Any) -> dict[str, Any]:
    ref = args[0] if args else None
    uri = str(param(ref, "uri", ""))
    await ls.settled(uri)
    st = state(ls)
    found = st.find(uri, param(ref, "fingerprint"), param(ref, "ruleId"))
    if found is None:
        return {"markdown": "That finding is no longer there.", "provider": "offline"}
    doc, finding = found
    service = st.service(uri)
    async with llm_progress(ls, service, f"Codie: why {finding.rule_id}?") as request:
        markdown = await service.explain(st.context(doc, finding), request)
    return {"markdown": markdown, "ruleId": finding.rule_id, **answered_by(request)}


async def propose_fix(ls: CodieServer, *args: Any) -> dict[str, Any]:
    ref = args[0] if args else None
    uri = str(param(ref, "uri", ""))
    analysis = await ls.settled(uri)
    st = state(ls)
    found = st.find(uri, param(ref, "fingerprint"), param(ref, "ruleId"))
    if analysis is None or found is None:
        return {"verified": False, "reason": "that finding is no longer there"}
    doc, finding = found
    version = doc.version
    snapshot = Document(doc.uri, doc.source, doc.version, doc.language)
    service = st.service(uri)
    async with llm_progress(ls, service, f"Codie: fix {finding.rule_id}") as request:
        proposal = await service.propose_fix(
            snapshot,
            finding,
            st.context(snapshot, finding),
            ls.analyzers,
            ls.catalogue,
            analysis.ctx.settings,
            analysis.ctx.root,
            request,
            run_tests=False,  # not in this process: the worker runs them, below
        )
        v = proposal.verification
        if v.ok:
            runtime = ls.services.peek(RuntimeFeature)
            ran: tuple[str, ...] = ()
            if runtime is None:
                passed, why = True, "related tests not run: runtime tests are not available"
            else:
                passed, why, ran = await runtime.fix_tests(uri, analysis.ctx.root, v.new_text)
            v = dataclasses.replace(v, ok=passed, reason=f"{v.reason}; {why}", tests=ran)
            proposal = dataclasses.replace(proposal, verification=v)
    fp = str(finding.data.get("fingerprint", ""))
    if ls.document(uri) is doc and doc.version == version:
        st.proposals[(uri, fp)] = (version, proposal)
    v = proposal.verification
    return {
        "verified": v.ok,
        "reason": v.reason,
        "diff": v.diff if v.ok else "",
        "tests": list(v.tests),
        **answered_by(request),
    }


async def feedback_command(ls: CodieServer, *args: Any) -> dict[str, Any]:
    return await record_feedback(ls, args[0] if args else None)


def schedule_verdicts(ls: CodieServer, uri: str) -> None:
    st = state(ls)
    if not st.service(uri).config.verdicts:
        return
    previous = st.tasks.pop(uri, None)
    if previous is not None:
        previous.cancel()
    st.tasks[uri] = asyncio.get_event_loop().create_task(_verdicts(ls, st, uri))


async def _verdicts(ls: CodieServer, st: LLMState, uri: str) -> None:
    await asyncio.sleep(VERDICT_DELAY)
    analysis: DocumentAnalysis | None = await ls.settled(uri)
    if analysis is None:
        return
    service = st.service(uri)
    changed = False
    # one deadline for the pass: a stalled model costs one deadline, not one per finding
    request = LLMRequest()
    for f in ls.visible_findings(analysis)[:MAX_VERDICTS]:
        fp = str(f.data.get("fingerprint", ""))
        if fp in st.verdicts:
            continue
        verdict = await service.verdict(st.context(analysis.doc, f), request)
        if request.fallback:  # unreachable or broken: not remembered, asked again next pass
            break
        st.verdicts[fp] = verdict
        changed = True
    if changed:
        ls.publish(uri)


def _on_open(ls: CodieServer, doc: Document) -> None:
    folder = ls.settings.folder_of(doc.uri)
    # The store opens after the first diagnostics: opening it (sqlite-utils' import and the
    # schema, ~60 ms of CPU) ran in a thread next to the first analysis and took the GIL
    # from it. Its feedback rescoring republishes the folder's documents once it is open.
    ls.after_startup(lambda: state(ls).ensure_store(folder))
    schedule_verdicts(ls, doc.uri)


def _listener(fn: Callable[[CodieServer, str], None]) -> Callable[..., None]:
    def run(ls: CodieServer, target: Any = None) -> None:
        uri = target.uri if isinstance(target, Document) else target
        if isinstance(uri, str):
            fn(ls, uri)

    return run


def _on_close(ls: CodieServer, uri: str) -> None:
    state(ls).forget_scores(uri)
    task = state(ls).tasks.pop(uri, None)
    if task is not None:
        task.cancel()


def register(server: CodieServer) -> None:
    server.hooks.finding_transforms.append(lambda ls, analysis, found: state(ls).rescore_all(analysis, found))
    server.hooks.transform_stamps.append(lambda ls, analysis: state(ls).stamp(analysis))
    server.hooks.code_action.append(review_actions)
    server.hooks.team_record.append(team_record)
    server.hooks.open.connect(_on_open)
    server.hooks.change.connect(_listener(schedule_verdicts))
    server.hooks.close.connect(_listener(_on_close))
    server.hooks.settings.connect(lambda ls: state(ls).reset())
    server.command(ASK_WHY)(ask_why)
    server.command(PROPOSE_FIX)(propose_fix)
    server.command(FEEDBACK)(feedback_command)
