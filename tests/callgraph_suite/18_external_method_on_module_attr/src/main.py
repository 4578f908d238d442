import os.path
import logging

log = logging.getLogger(__name__)


def main():
    return os.path.exists("x")
