# expect: SEC026
import os
import tempfile


def workdir():
    path = tempfile.mktemp(prefix="build-")
    os.makedirs(path)
    return path
