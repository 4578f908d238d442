"""Code actions: the rule's quick fix, "suppress on this line", and "explain".

Actions are built from the current analysis, not from the client's copy of the
diagnostics, so a fix always matches the text it edits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import attrs
from lsprotocol import types

from codie.core.document import Document
from codie.core.findings import Finding, TextEdit
from codie.core.fixes import fix_edits
from codie.lsp.convert import text_edit
from codie.lsp.server import CodieServer

log = logging.getLogger(__name__)
EXPLAIN_COMMAND = "codie.explain"
CODIE_DIRECTIVE = re.compile(r"#\s*codie:\s*ignore\[([^\]]*)\]")


def workspace_edit(ls: CodieServer, doc: Document, edits: list[TextEdit]) -> types.WorkspaceEdit:
    enc = ls.encoding
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
                edits=[text_edit(doc, e, enc) for e in sorted(edits, key=lambda e: e.start)],
            )
        ]
    )


def suppress_edit(doc: Document, finding: Finding) -> TextEdit:
    """Add the rule to the `# codie: ignore[...]` of the finding's first line."""
    line = doc.lines.line_of(finding.start)
    start = doc.lines.start(line)
    end = doc.lines.content_end(doc.source, line)
    text = doc.source[start:end].decode("utf-8", "replace")
    m = CODIE_DIRECTIVE.search(text)
    if m:
        codes = [c.strip() for c in m.group(1).split(",") if c.strip()]
        if finding.rule_id not in codes:
            codes.append(finding.rule_id)
        prefix = text[: m.start(1)].encode()
        return TextEdit(start + len(prefix), start + len(text[: m.end(1)].encode()), ", ".join(codes))
    return TextEdit(end, end, f"  # codie: ignore[{finding.rule_id}]")


def finding_actions(ls: CodieServer, doc: Document, params: types.CodeActionParams) -> list[types.CodeAction]:
    analysis = ls.analyses.get(doc.uri)
    if analysis is None:
        return []
    enc = ls.encoding
    r = params.range
    lo = doc.offset_at(r.start.line, r.start.character, enc)
    hi = doc.offset_at(r.end.line, r.end.character, enc)
    only = params.context.only
    actions: list[types.CodeAction] = []
    for f in ls.visible_findings(analysis):
        if not (f.start <= hi and lo <= f.end):
            continue
        if f.fix is not None and _wanted(only, types.CodeActionKind.QuickFix):
            actions.append(
                types.CodeAction(
                    title=f"{f.fix.title} ({f.rule_id})",
                    kind=types.CodeActionKind.QuickFix,
                    edit=workspace_edit(ls, doc, fix_edits(doc, f.fix)),
                    is_preferred=f.fix.safe,
                    data={"ruleId": f.rule_id, "action": "fix", "confidence": f.confidence},
                )
            )
        if _wanted(only, types.CodeActionKind.QuickFix):
            actions.append(
                types.CodeAction(
                    title=f"Suppress {f.rule_id} on this line",
                    kind=types.CodeActionKind.QuickFix,
                    edit=workspace_edit(ls, doc, [suppress_edit(doc, f)]),
                    data={"ruleId": f.rule_id, "action": "suppress"},
                )
            )
            actions.append(
                types.CodeAction(
                    title=f"Explain {f.rule_id}",
                    kind=types.CodeActionKind.QuickFix,
                    command=types.Command(title=f"Explain {f.rule_id}", command=EXPLAIN_COMMAND, arguments=[f.rule_id]),
                )
            )
    return actions


def _wanted(only: Sequence[str] | None, kind: str) -> bool:
    return not only or any(kind == o or kind.startswith(o + ".") for o in only)


@attrs.define
class ExplainArgs:
    rule_id: str


def register(server: CodieServer) -> None:
    server.hooks.code_action.append(finding_actions)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                types.CodeActionKind.Source,
                types.CodeActionKind.SourceFixAll,
            ],
            resolve_provider=False,
        ),
    )
    async def code_action(ls: CodieServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        analysis = await ls.settled(params.text_document.uri)
        if analysis is None:
            return None
        actions: list[types.CodeAction] = []
        with ls.presenting_once():  # (several providers look at the visible findings)
            for provider in ls.hooks.code_action:
                try:
                    actions.extend(provider(ls, analysis.doc, params))
                except Exception:
                    log.exception("code action provider failed")
        return actions or None

    @server.command(EXPLAIN_COMMAND)
    def explain(ls: CodieServer, *args: object) -> dict[str, str]:
        first = args[0] if args else ""
        rule_id = str(first.get("ruleId", "")) if isinstance(first, dict) else str(first)
        rule = ls.catalogue.get(rule_id)
        if rule is None:
            return {"ruleId": rule_id, "markdown": f"Unknown rule `{rule_id}`."}
        return {"ruleId": rule_id, "markdown": rule.help_markdown}
