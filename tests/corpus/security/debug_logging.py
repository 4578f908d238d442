# safe: SEC025
import logging

DEBUG = True  # verbose logging for this CLI


def setup():
    logging.basicConfig(level=logging.DEBUG if DEBUG else logging.INFO)
