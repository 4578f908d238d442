"""Code actions of the workspace: suppress at block or file scope, and fix-all.

`source.fixAll.codie` applies only fixes marked safe, never two that overlap. On save
(triggerKind Automatic) it never removes code: a fix that drops a word of the text it
replaces (an unused import, a suppression the user may be about to need) or whose finding
says `fixOnSave: False` waits for an explicit fix-all.
"""

from __future__ import annotations

import re

from lsprotocol import types
from tree_sitter import Node

from codie.core.document import Document
from codie.core.findings import Finding, TextEdit
from codie.core.fixes import fix_edits
from codie.core.suppressions import BLOCK_TYPES
from codie.lsp.features.code_actions import workspace_edit
from codie.lsp.server import CodieServer

FIX_ALL = "source.fixAll.codie"
CODIE_DIRECTIVE = re.compile(r"#\s*codie:\s*ignore\[([^\]]*)\]")
WORD = re.compile(r"\w+")
FILE_DIRECTIVE_LINE = re.compile(r"^\s*#\s*codie:\s*ignore\[([^\]]*)\]\s*$")


def add_to_line(doc: Document, line: int, rule_id: str) -> TextEdit:
    """Add rule_id to the line's `# codie: ignore[...]`, or append a new directive."""
    start = doc.lines.start(line)
    end = doc.lines.content_end(doc.source, line)
    text = doc.source[start:end].decode("utf-8", "replace")
    m = CODIE_DIRECTIVE.search(text)
    if m:
        codes = [c.strip() for c in m.group(1).split(",") if c.strip()]
        if rule_id not in codes:
            codes.append(rule_id)
        lo = start + len(text[: m.start(1)].encode())
        return TextEdit(lo, start + len(text[: m.end(1)].encode()), ", ".join(codes))
    return TextEdit(end, end, f"  # codie: ignore[{rule_id}]")


def enclosing_block(doc: Document, finding: Finding) -> Node | None:
    """The innermost def/class/with around the finding (the finding may be its header)."""
    if doc.tree is None:
        return None
    node: Node | None = doc.tree.root_node.descendant_for_byte_range(finding.start, finding.start)
    while node is not None and node.type not in BLOCK_TYPES:
        node = node.parent
    return node


def header_line(block: Node) -> int:
    """The line of the header's `:` (where a block directive goes)."""
    for child in block.children:
        if child.type == ":":
            return child.start_point.row
    return block.start_point.row


def block_edit(doc: Document, finding: Finding) -> tuple[TextEdit, str] | None:
    block = enclosing_block(doc, finding)
    if block is None:
        return None
    name = block.child_by_field_name("name")
    label = {"function_definition": "def", "class_definition": "class"}.get(block.type, "with")
    what = f"`{label} {doc.node_text(name)}`" if name is not None else f"this `{label}` block"
    line = doc.lines.line_of(doc.offset_at(header_line(block), 0, "utf-8"))
    return add_to_line(doc, line, finding.rule_id), what


def file_edit(doc: Document, rule_id: str) -> TextEdit:
    """Extend the file's top `# codie: ignore[...]`, or insert one after shebang/coding lines."""
    line = 0
    while line < doc.lines.count:
        text = doc.line_text(line)
        m = FILE_DIRECTIVE_LINE.match(text)
        if m:
            return add_to_line(doc, line, rule_id)
        if not (text.startswith("#!") or re.match(r"^#.*coding[:=]", text)):
            break
        line += 1
    at = doc.lines.start(line) if line < doc.lines.count else len(doc.source)
    return TextEdit(at, at, f"# codie: ignore[{rule_id}]\n")


def scope_actions(ls: CodieServer, doc: Document, params: types.CodeActionParams) -> list[types.CodeAction]:
    """ "Suppress RULE for this block / file", next to the core's "on this line"."""
    only = params.context.only
    if only and not any(types.CodeActionKind.QuickFix.startswith(str(o)) for o in only):
        return []
    analysis = ls.analyses.get(doc.uri)
    if analysis is None:
        return []
    r = params.range
    lo = doc.offset_at(r.start.line, r.start.character, ls.encoding)
    hi = doc.offset_at(r.end.line, r.end.character, ls.encoding)
    actions = []
    for f in ls.visible_findings(analysis):
        if not (f.start <= hi and lo <= f.end) or f.rule_id.startswith(("SUP", "CFG")):
            continue
        block = block_edit(doc, f) if doc.is_python else None
        if block is not None:
            edit, what = block
            actions.append(
                types.CodeAction(
                    title=f"Suppress {f.rule_id} in {what}",
                    kind=types.CodeActionKind.QuickFix,
                    edit=workspace_edit(ls, doc, [edit]),
                    data={"ruleId": f.rule_id, "action": "suppress-block"},
                )
            )
        actions.append(
            types.CodeAction(
                title=f"Suppress {f.rule_id} in this file",
                kind=types.CodeActionKind.QuickFix,
                edit=workspace_edit(ls, doc, [file_edit(doc, f.rule_id)]),
                data={"ruleId": f.rule_id, "action": "suppress-file"},
            )
        )
    return actions


def removes_code(doc: Document, edit: TextEdit) -> bool:
    """Whether the edit drops a word of the text it replaces (an import, a name, a call)."""
    removed = doc.source[edit.start : edit.end].decode("utf-8", "replace")
    return bool(set(WORD.findall(removed)) - set(WORD.findall(edit.new_text)))


def fix_all_edits(doc: Document, findings: list[Finding], on_save: bool) -> list[TextEdit]:
    """The edits of every safe fix, skipping any that overlaps one already taken. On save,
    also skip fixes that remove code: the user may be in the middle of writing it."""
    chosen: list[TextEdit] = []
    for f in sorted(findings, key=Finding.sort_key):
        if f.fix is None or not f.fix.safe:
            continue
        edits = fix_edits(doc, f.fix)  # with the imports the fix needs
        if on_save and (f.data.get("fixOnSave") is False or any(removes_code(doc, e) for e in edits)):
            continue
        if any((e.start < c.end and c.start < e.end) or e.start == c.start for e in edits for c in chosen):
            continue
        chosen.extend(edits)
    return sorted(chosen, key=lambda e: e.start)


def fix_all_action(ls: CodieServer, doc: Document, params: types.CodeActionParams) -> list[types.CodeAction]:
    only = [str(o) for o in params.context.only or ()]
    if not any(FIX_ALL.startswith(o) for o in only):
        return []  # only on request: fix-all is never offered as a lightbulb quick fix
    analysis = ls.analyses.get(doc.uri)
    if analysis is None:
        return []
    on_save = params.context.trigger_kind == types.CodeActionTriggerKind.Automatic
    edits = fix_all_edits(doc, ls.visible_findings(analysis), on_save)
    if not edits:
        return []
    return [
        types.CodeAction(
            title="Codie: fix all safe problems",
            kind=FIX_ALL,
            edit=workspace_edit(ls, doc, edits),
            data={"action": "fixAll", "count": len(edits)},
        )
    ]


def register(server: CodieServer) -> None:
    server.hooks.code_action.append(scope_actions)
    server.hooks.code_action.append(fix_all_action)
