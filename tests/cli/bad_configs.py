"""Broken pyproject.toml files shared by the CLI and editor tests: each with the 0-based
lines where a CFG001 problem belongs and a word its message must hold."""

from __future__ import annotations

DEEP = 2000

APP = "def run(expr):\n    return eval(input())\n"

BAD_CONFIGS: dict[str, tuple[str, list[tuple[int, str]]]] = {
    "tool-not-a-table": ("tool = 1\n[project]\nname = 'x'\n", [(0, "tool must be a table")]),
    "codie-not-a-table": ("[tool]\ncodie = 3\n", [(1, "[tool.codie] must be a table")]),
    "deep-select": (
        "[tool.codie]\nmin-confidence = 0.5\nselect = " + "[" * DEEP + "]" * DEEP + "\n",
        [(2, "nested too deeply")],
    ),
    "wrong-types": (
        '[tool.codie]\nselect = 3\nignore = [1]\nmin-confidence = "high"\nexclude = {a = 1}\n'
        '[tool.codie.severity]\nSEC001 = 5\n[tool.codie.llm]\ntimeout = "soon"\nprovider = 7\n'
        'redact = "no"\n',
        [
            (1, "select must be a list"),
            (2, "ignore must be a list"),
            (3, "min-confidence must be a number"),
            (4, "exclude must be a list"),
            (6, "severity.SEC001 must be one of"),
            (8, "llm.timeout must be a number"),
            (9, "llm.provider must be a string"),
            (10, "llm.redact must be true or false"),
        ],
    ),
    "unterminated": ("[tool.codie]\nmin-confidence = 0.5\nselect = [\n", [(2, "invalid TOML")]),
    "unknown-rules": (
        '[tool.codie]\nselect = ["NOPE", "SEC"]\nignore = ["sec0"]\n[tool.codie.severity]\nNOPE1 = "error"\n',
        [(1, "unknown rule id or prefix 'NOPE'"), (2, "did you mean 'SEC0'"), (4, "unknown rule id 'NOPE1'")],
    ),
}
