# safe: SEC026
import tempfile


def spool():
    return tempfile.SpooledTemporaryFile(max_size=1_000_000)
