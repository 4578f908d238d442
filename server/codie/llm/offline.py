"""The offline provider: deterministic answers composed from what Codie already knows.

No model, no network: the rule's documentation, the finding's evidence (notes, taint
path, data such as metrics or advisories), its confidence parts and the code around it.
It always works, so it is the default and the fallback when a model fails.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import ClassVar

from codie.core.document import Document
from codie.core.fixes import fix_edits
from codie.llm.base import Completion, Prompt
from codie.llm.context import ChatContext, FindingContext

CHUNK = 160  # characters per streamed piece
OFFLINE_NOTE = "offline_note"  # Prompt.extra key: why the offline answer is given instead


# finding data that is for Codie's own use, not for a person reading the answer (the model's
# prompt still gets it: prompts.py)
BOOKKEEPING = frozenset({"fingerprint", "family", "qualname"})


def explain_markdown(fc: FindingContext) -> str:
    """Why a finding is there, citing the code."""
    f = fc.finding
    lines = [f"### {f.rule_id}: {fc.title}", "", f"`{fc.where()}`: {f.message}", ""]
    lines.append(fc.code_block())
    if f.evidence_notes:
        lines += ["", "**Why Codie thinks so:** " + "; ".join(f.evidence_notes) + "."]
    if fc.steps:
        lines += ["", "**Path:**"]
        lines += [
            f"{i}. {'line ' + str(line) + ': ' if line else ''}{msg}" for i, (line, msg) in enumerate(fc.steps, 1)
        ]
    if items := [(k, v) for k, v in fc.data_items() if k not in BOOKKEEPING and v not in ("True", "False")]:
        lines += ["", "**Details:** " + "; ".join(f"{k}: {v}" for k, v in items)]
    if fc.rule is not None:
        lines += ["", fc.rule.explanation.strip()]
        if fc.rule.fix:
            lines += ["", f"**Fix:** {fc.rule.fix.strip()}"]
        if fc.rule.cwe:
            lines += ["", "CWE: " + ", ".join(fc.rule.cwe)]
    parts = ", ".join(f"{name} {value:.2f}" for name, value in f.confidence_parts)
    lines += ["", f"**Confidence {f.confidence:.0%}**" + (f" ({parts})." if parts else ".")]
    return "\n".join(lines)


def relevance(fc: FindingContext, question: str) -> int:
    """How many words of the question the finding's rule, message or flagged line mention."""
    words = {w for w in re.findall(r"[a-z_][a-z0-9_]{2,}", question.lower())} - STOP_WORDS
    flagged = next((text for n, text in fc.code if n == fc.line), "")
    haystack = " ".join(
        [fc.finding.rule_id, fc.title, fc.finding.message, flagged, *(fc.rule.aliases if fc.rule else ())]
    ).lower()
    return sum(1 for w in words if w in haystack)


def chat_markdown(ctx: ChatContext, note: str | None = None) -> str:
    """An answer to a chat message without a model: the findings in scope, explained.

    Findings that the question names (by rule, message or the flagged code) come first and
    are explained in full; the others are listed, so the answer stays on the question.
    """
    where = "the selection" if ctx.selection else (ctx.path or "this file")
    note = note or _offline_note()
    if not ctx.findings:
        return f"Codie has no findings in {where}.\n\n{note}"
    scored = sorted(ctx.findings, key=lambda fc: -relevance(fc, ctx.message))
    asked = [fc for fc in scored if relevance(fc, ctx.message) > 0] or scored
    others = [fc for fc in scored if fc not in asked]
    head = f"Codie found {len(ctx.findings)} issue(s) in {where}" + (
        f"; {len(asked)} match your question:" if others else ":"
    )
    body = [explain_markdown(fc) for fc in asked]
    if others:
        body.append(
            "Also in "
            + where
            + ": "
            + "; ".join(f"`{fc.finding.rule_id}` {fc.title} ({fc.where()})" for fc in others)
            + "."
        )
    return "\n\n".join([head, *body, note])


STOP_WORDS = frozenset(
    {
        "the",
        "this",
        "that",
        "why",
        "what",
        "how",
        "does",
        "did",
        "is",
        "are",
        "and",
        "for",
        "with",
        "can",
        "could",
        "should",
        "would",
        "here",
        "there",
        "about",
        "code",
        "line",
        "file",
        "fix",
        "explain",
        "please",
        "dangerous",
        "wrong",
        "bad",
        "safe",
        "you",
        "your",
        "its",
        "not",
    }
)


def _offline_note() -> str:
    return (
        "_Offline answer (no language model configured): set `llm.provider` to "
        "`ollama` or `openai` for free-form answers._"
    )


def fix_diff(fc: FindingContext, source: str) -> str:
    """The rule's own quick fix as a unified diff (what a model would propose)."""
    fix = fc.finding.fix
    if fix is None:
        return ""
    data = source.encode("utf-8", "surrogatepass")
    # the fix's edits plus the imports it needs, resolved against this text
    edits = fix_edits(Document("file:///" + fc.path, source, None, "python"), fix)
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        data = data[: edit.start] + edit.new_text.encode() + data[edit.end :]
    new = data.decode("utf-8", "surrogatepass")
    import difflib  # (here: the editor loads this module, and diffs only for a fix asked for)

    diff = difflib.unified_diff(
        source.splitlines(keepends=True),
        new.splitlines(keepends=True),
        f"a/{fc.path}",
        f"b/{fc.path}",
    )
    return "".join(diff)


class OfflineProvider:
    name: ClassVar[str] = "offline"
    model = "offline"

    def answer(self, prompt: Prompt) -> str:
        ctx = prompt.context
        if prompt.task == "fix" and isinstance(ctx, tuple) and len(ctx) == 2:
            fc, source = ctx
            diff = fix_diff(fc, source)
            return f"```diff\n{diff}```" if diff else "No fix is known for this finding."
        if isinstance(ctx, FindingContext):
            return explain_markdown(ctx)
        # why the offline answer is given, when a configured model failed (llm/service.py)
        note = prompt.extra.get(OFFLINE_NOTE)
        note = note if isinstance(note, str) else None
        if isinstance(ctx, ChatContext):
            return chat_markdown(ctx, note)
        return note or _offline_note()

    async def stream(self, prompt: Prompt) -> AsyncIterator[str]:
        text = self.answer(prompt)
        for i in range(0, len(text), CHUNK):
            yield text[i : i + CHUNK]
            await asyncio.sleep(0)  # a cancellation point, like a real stream

    async def complete(self, prompt: Prompt) -> Completion:
        # no verdict from logprobs: the offline provider has no opinion beyond the analyzer
        return Completion(self.answer(prompt), provider=self.name, model=self.model)
