"""The chat panel protocol and on-demand explanations (shared/schema/custom-requests.json).

codie/chat streams its answer as codie/chatChunk notifications from an async handler:
the event loop keeps serving edits while the model answers, and $/cancelRequest cancels
the handler at its next await, which closes the model's HTTP stream. With a model, chat
and explain show work-done progress (cancellable the same way) and answer within the
llm.timeout deadline; results say what answered ("label"), and why the offline explainer
stood in ("error").
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from cattrs import Converter
from lsprotocol.converters import get_converter
from pygls.exceptions import JsonRpcInvalidParams

from codie.core.confidence import reblend
from codie.core.document import Document
from codie.core.findings import Finding
from codie.core.fixes import minimal_edit
from codie.llm.context import ChatContext, display_path, lines_around
from codie.llm.feedback import VERDICTS
from codie.llm.service import LLMRequest
from codie.lsp.llm_support import llm_progress, param, state
from codie.lsp.server import CodieServer


@functools.cache
def _converter() -> Converter:
    """lsprotocol's public (un)structuring of LSP types (made on first use: ~25 ms)."""
    return get_converter()


log = logging.getLogger(__name__)
CHAT = "codie/chat"
CHAT_CHUNK = "codie/chatChunk"
EXPLAIN = "codie/explain"
FEEDBACK = "codie/feedback"
MAX_CONTEXT_FINDINGS = 8
MAX_EXPLAINED = 5
MAX_SELECTION_LINES = 200
MAX_HISTORY = 20  # turns kept from the client's history (the most recent)


def _invalid(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message)


def _span(ls: CodieServer, doc: Document, rng: Any) -> tuple[int, int] | None:
    if rng is None:
        return None
    start, end = param(rng, "start"), param(rng, "end")
    try:
        lo = doc.offset_at(int(param(start, "line")), int(param(start, "character")), ls.encoding)
        hi = doc.offset_at(int(param(end, "line")), int(param(end, "character")), ls.encoding)
    except (TypeError, ValueError):
        raise _invalid("range must be {start: {line, character}, end: {line, character}}") from None
    return (lo, hi) if lo <= hi else (hi, lo)


async def findings_in(
    ls: CodieServer, uri: str, rng: Any
) -> tuple[Document | None, list[Finding], tuple[int, int] | None]:
    analysis = await ls.settled(uri)
    if analysis is None:
        return None, [], None
    doc = analysis.doc
    span = _span(ls, doc, rng)
    found = ls.visible_findings(analysis)
    if span is not None:
        found = [f for f in found if f.start <= span[1] and span[0] <= f.end]
    return doc, found, span


async def chat_context(ls: CodieServer, params: Any) -> ChatContext:
    message = param(params, "message")
    history = []
    turns = param(params, "history")
    for turn in turns if isinstance(turns, list | tuple) else ():
        role, content = param(turn, "role"), param(turn, "content")
        if isinstance(content, str) and role in ("user", "assistant"):
            history.append((str(role), content))
    history = history[-MAX_HISTORY:]
    uri = param(params, "uri")
    if not isinstance(uri, str):
        return ChatContext(str(message), tuple(history))
    doc, found, span = await findings_in(ls, uri, param(params, "range"))
    if doc is None:
        return ChatContext(str(message), tuple(history), path=display_path(uri))
    given = param(params, "findings")
    wanted = {param(f, "ruleId") for f in (given if isinstance(given, list | tuple) else ())}
    if wanted:  # the client's findings first, then the others in scope
        found.sort(key=lambda f: f.rule_id not in wanted)
    selection: tuple[tuple[int, str], ...] = ()
    if span is not None:
        first, last = doc.lines.line_of(span[0]), doc.lines.line_of(span[1])
        selection = lines_around(doc, first, min(last, first + MAX_SELECTION_LINES), radius=0)
    st = state(ls)
    return ChatContext(
        str(message),
        tuple(history),
        path=display_path(uri),
        selection=selection,
        findings=tuple(st.context(doc, f) for f in found[:MAX_CONTEXT_FINDINGS]),
    )


async def chat(ls: CodieServer, params: Any) -> dict[str, Any]:
    chat_id, message = param(params, "chatId"), param(params, "message")
    if not isinstance(chat_id, str) or not isinstance(message, str):
        raise _invalid("codie/chat needs chatId and message (strings)")
    ctx = await chat_context(ls, params)
    service = state(ls).service(str(param(params, "uri") or ""))
    pieces: list[str] = []
    token = param(params, "workDoneToken")
    async with llm_progress(ls, service, "Codie: chat", token) as request:
        async for piece in service.chat(ctx, request):
            pieces.append(piece)
            ls.protocol.notify(CHAT_CHUNK, {"chatId": chat_id, "delta": piece})
    result: dict[str, Any] = {"chatId": chat_id, "text": "".join(pieces), "done": True, **answered_by(request)}
    fixes = verified_fixes(ls, str(param(params, "uri") or ""))
    if fixes:
        result["fixes"] = fixes
    return result


def answered_by(request: LLMRequest) -> dict[str, Any]:
    """The result fields that say what answered: provider, label, and error on a fallback."""
    out: dict[str, Any] = {"provider": request.provider or "offline", "label": request.label}
    if request.fallback:
        out["error"] = f"{request.configured} {request.fallback}"
    return out


def verified_fixes(ls: CodieServer, uri: str) -> list[dict[str, Any]]:
    """The fixes that passed verification for the document as it is now: the only code a
    chat client may apply. Code blocks in the answer text are excerpts, read-only."""
    # code_actions imports the feature modules' helpers, so it is imported at call time
    from codie.lsp.features.code_actions import workspace_edit

    analysis = ls.analyses.get(uri) if uri else None
    if analysis is None:
        return []
    doc = analysis.doc
    rules = {str(f.data.get("fingerprint", "")): f.rule_id for f in ls.visible_findings(analysis)}
    out = []
    for (fix_uri, fp), (version, proposal) in state(ls).proposals.items():
        if fix_uri != uri or version != doc.version or not proposal.ok:
            continue
        edit = workspace_edit(ls, doc, [minimal_edit(doc.text, proposal.verification.new_text)])
        out.append(
            {
                "uri": uri,
                "version": doc.version,
                "fingerprint": fp,
                "ruleId": rules.get(fp, ""),
                "diff": proposal.verification.diff,
                "edit": _converter().unstructure(edit),
            }
        )
    return out


async def explain(ls: CodieServer, params: Any) -> dict[str, Any]:
    uri, rule_id, rng = param(params, "uri"), param(params, "ruleId"), param(params, "range")
    if not isinstance(uri, str):
        raise _invalid("codie/explain needs uri")
    doc, found, _ = await findings_in(ls, uri, rng)
    if rule_id:
        found = [f for f in found if f.rule_id == rule_id]
    st = state(ls)
    service = st.service(uri)
    if doc is None or not found:
        rule = ls.catalogue.get(str(rule_id)) if rule_id else None
        text = rule.help_markdown if rule else "Codie has no findings here."
        return {
            "markdown": text,
            "ruleIds": [rule.id] if rule else [],
            "provider": "offline",
            "label": "rule documentation",
        }
    # one request, one deadline, for all the findings explained
    async with llm_progress(ls, service, "Codie: explain", param(params, "workDoneToken")) as request:
        parts = [await service.explain(st.context(doc, f), request) for f in found[:MAX_EXPLAINED]]
    return {"markdown": "\n\n---\n\n".join(parts), "ruleIds": [f.rule_id for f in found], **answered_by(request)}


async def record_feedback(ls: CodieServer, params: Any) -> dict[str, Any]:
    uri, rule_id = param(params, "uri"), param(params, "ruleId")
    verdict, fp = param(params, "verdict"), param(params, "fingerprint")
    if not isinstance(uri, str) or not isinstance(rule_id, str) or verdict not in VERDICTS:
        raise _invalid("codie/feedback needs uri, ruleId and verdict: accept|dismiss|suppress")
    rule = ls.catalogue.get(rule_id)
    if rule is None:
        raise _invalid(f"unknown rule {rule_id!r}")
    st = state(ls)
    folder = ls.settings.folder_of(uri)
    store = await st.store(folder)
    if store is None:
        raise RuntimeError("the feedback store is not available (see the server log)")
    project = st.project(folder)
    fp = fp if isinstance(fp, str) and fp else None
    # the confidence Codie gave this finding before feedback, the baseline of the verdict
    found = st.find(uri, fp, rule_id) if fp else None
    before = reblend(found[1].confidence_parts, feedback=None)[0] if found else None
    await asyncio.to_thread(store.record, project, rule_id, str(verdict), fp, before)
    st.republish(folder)
    if ls.pull_diagnostics:
        ls.refresh_pull()
    post = store.posterior(project, rule_id, rule.confidence)
    return {
        "ruleId": rule_id,
        "alpha": round(post.alpha, 4),
        "beta": round(post.beta, 4),
        "precision": round(post.precision, 4),
        "accepts": post.accepts,
        "rejects": post.rejects,
    }


def register(server: CodieServer) -> None:
    server.feature(CHAT)(chat)
    server.feature(EXPLAIN)(explain)
    server.feature(FEEDBACK)(record_feedback)
