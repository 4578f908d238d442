# safe: SEC025
"""Helpers shared by the management commands."""
import logging

log = logging.getLogger(__name__)
debug = True


def trace(msg):
    if debug:
        log.debug(msg)
