# safe: SEC030
"""Pinned checksums of the artefacts we download."""
EXPECTED_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
RELEASE_COMMIT = "3b18e512dba79e4c8300dd08aeb37f8e728b8dad"
ARTIFACT_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def verify(digest):
    return digest == EXPECTED_SHA256
