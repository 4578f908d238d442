"""Prompts for models, built from the same contexts the offline provider reads."""

from __future__ import annotations

from codie.llm.base import Message, Prompt
from codie.llm.context import ChatContext, FindingContext

SYSTEM = (
    "You are Codie, a careful Python code reviewer inside the user's editor. Answer in "
    "concise Markdown. Cite code as `file:line` and quote the lines you mean. Values written "
    "<SECRET:type:hash> are redacted secrets or personal data: refer to them by their "
    "placeholder, never guess them. Say so when you are unsure."
)
FIX_RADIUS = 15  # lines of code either side of a finding sent with a fix request


def finding_text(fc: FindingContext) -> str:
    f = fc.finding
    lines = [
        f"Finding {f.rule_id} ({fc.title}) at {fc.where()}: {f.message}",
        f"Severity {f.severity.value}, confidence {f.confidence:.2f}.",
    ]
    if f.evidence_notes:
        lines.append("Evidence: " + "; ".join(f.evidence_notes) + ".")
    if fc.steps:
        lines.append("Path: " + " -> ".join(f"line {line}: {msg}" if line else msg for line, msg in fc.steps))
    if items := fc.data_items():
        lines.append("Details: " + "; ".join(f"{k}={v}" for k, v in items))
    if fc.rule is not None:
        lines.append("Rule documentation: " + " ".join(fc.rule.explanation.split()))
    lines.append("Code (> marks the line):\n" + fc.code_block())
    return "\n".join(lines)


def explain_prompt(fc: FindingContext) -> Prompt:
    user = (
        finding_text(fc) + "\n\nExplain to the developer why this is a problem here (or "
        "why it may be a false positive), citing the code, and how to fix it."
    )
    return Prompt((Message("system", SYSTEM), Message("user", user)), "explain", fc)


def chat_prompt(ctx: ChatContext) -> Prompt:
    context: list[str] = []
    if ctx.path:
        context.append(f"The user is looking at {ctx.path}.")
    if ctx.selection:
        code = "\n".join(f"{n:>4} | {text}" for n, text in ctx.selection)
        context.append(f"Selected code:\n```python\n{code}\n```")
    context += [finding_text(fc) for fc in ctx.findings]
    messages = [Message("system", SYSTEM)]
    if context:
        messages.append(Message("system", "Context:\n\n" + "\n\n".join(context)))
    for role, content in ctx.history:
        messages.append(Message("assistant" if role == "assistant" else "user", content))
    messages.append(Message("user", ctx.message))
    return Prompt(tuple(messages), "chat", ctx)


def fix_prompt(fc: FindingContext, source: str) -> Prompt:
    lines = source.splitlines()
    lo = max(0, fc.line - 1 - FIX_RADIUS)
    hi = min(len(lines), fc.line + FIX_RADIUS)
    region = "\n".join(lines[lo:hi])
    user = (
        finding_text(fc) + f"\n\nHere are lines {lo + 1}-{hi} of {fc.path}:\n```python\n{region}\n```\n\n"
        "Propose the smallest change that removes this finding without changing behaviour "
        "otherwise. Answer with a unified diff only (--- a/FILE, +++ b/FILE, @@ hunks with "
        "3 lines of context), in a ```diff block."
    )
    return Prompt((Message("system", SYSTEM), Message("user", user)), "fix", (fc, source), max_tokens=1200)


def verdict_prompt(fc: FindingContext) -> Prompt:
    user = (
        finding_text(fc) + "\n\nIs this finding a true positive (a real problem in this "
        "code)? Answer with exactly one word: true or false."
    )
    return Prompt((Message("system", SYSTEM), Message("user", user)), "verdict", fc, logprobs=True, max_tokens=3)
