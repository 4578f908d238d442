"""Weak hashes chosen through `hashlib.new`'s argument, and every value-producing
function of the `random` module (issue #17)."""

from __future__ import annotations

import random

import pytest

from codie.analyzers.security.pattern_words import RANDOM_FUNCS

from .helpers import rules, run


def test_hashlib_new_with_a_parameter_defaulting_to_md5() -> None:
    source = """
import hashlib

def password_digest(password, algorithm="md5"):
    return hashlib.new(algorithm, password.encode()).hexdigest()
"""
    assert "SEC020" in rules(source)


def test_hashlib_new_with_a_keyword_and_a_module_constant() -> None:
    source = """
import hashlib

TOKEN_HASH = "sha1"

def sign_token(token):
    return hashlib.new(name=TOKEN_HASH, data=token.encode()).hexdigest()
"""
    assert "SEC020" in rules(source)


def test_hashlib_new_with_a_strong_default_is_quiet() -> None:
    source = """
import hashlib

def password_digest(password, algorithm="sha256"):
    return hashlib.new(algorithm, password.encode()).hexdigest()
"""
    assert "SEC020" not in rules(source)


def test_hashlib_new_with_a_local_variable_is_not_guessed() -> None:
    source = """
import hashlib

ALGORITHM = "md5"

def password_digest(password, settings):
    ALGORITHM = settings.hash_name
    return hashlib.new(ALGORITHM, password.encode()).hexdigest()
"""
    assert "SEC020" not in {f.rule_id for f in run(source, shown=False)}


def test_random_funcs_are_the_modules_value_producers() -> None:
    exported = {n for n in random.__all__ if n[0].islower()} - {"seed", "getstate", "setstate"}
    assert exported <= RANDOM_FUNCS


@pytest.mark.parametrize("call", ["normalvariate(0, 1)", "gauss(0, 1)", "triangular()", "expovariate(1.5)"])
def test_random_distributions_make_predictable_tokens(call: str) -> None:
    source = f"""
import random

def make_reset_token():
    return str(random.{call})
"""
    assert "SEC021" in rules(source)


def test_random_distribution_imported_by_name() -> None:
    source = """
from random import lognormvariate

def session_token():
    return str(lognormvariate(0, 1))
"""
    assert "SEC021" in rules(source)


def test_random_distribution_for_a_simulation_stays_hidden() -> None:
    source = """
import random

def jitter(delay):
    return delay * random.normalvariate(1.0, 0.1)
"""
    assert "SEC021" not in rules(source)
