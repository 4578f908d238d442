"""A PyYAML loader class of the module is as safe as the constructor it is built on (issue #14)."""

from __future__ import annotations

from .helpers import run

LOADERS = """
import sys
import yaml
from yaml.constructor import SafeConstructor, Constructor
from yaml.cyaml import CParser
from yaml.resolver import Resolver


class PlainConstructor(SafeConstructor):
    pass


class PlainLoader(CParser, PlainConstructor, Resolver):
    pass


class ObjectConstructor(Constructor):
    pass


class ObjectLoader(CParser, ObjectConstructor, Resolver):
    pass


def main():
    data = open(sys.argv[1]).read()
    return yaml.load(data, Loader=LOADER)
"""


def deser(loader: str) -> list[str]:
    return [f.rule_id for f in run(LOADERS.replace("LOADER", loader), shown=False) if f.rule_id == "SEC009"]


def test_loader_on_the_safe_constructor_is_safe() -> None:
    assert deser("PlainLoader") == []


def test_loader_on_the_full_constructor_is_still_unsafe() -> None:
    assert deser("ObjectLoader") == ["SEC009"]
