# expect: SEC021
"""Session identifiers derived from a Gaussian draw."""
import random


def new_session_id() -> str:
    return "%x" % int(abs(random.normalvariate(0, 2**40)))
