"""`codie rules`: list the catalogue, or render it as the docs page."""

from __future__ import annotations

import argparse

from codie.cli.validate import rule_id
from codie.core.rules import catalogue, render_markdown


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("rules", help="list the rules (or --markdown for the docs page)")
    p.add_argument("--markdown", action="store_true", help="print docs/rules.md")
    p.add_argument("rule", nargs="?", help="show one rule's explanation")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cat = catalogue()
    if args.markdown:
        print(render_markdown(cat), end="")
    elif args.rule:
        print(cat[str(rule_id(args.rule, "rule"))].help_markdown)
    else:
        for r in cat:
            print(f"{r.id:<8} {r.severity.value:<8} {r.category.value:<11} {r.title}")
    return 0
