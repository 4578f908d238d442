# safe: SEC026
import os
import tempfile


def scratch():
    fd, path = tempfile.mkstemp(prefix="job-")
    os.close(fd)
    return path
