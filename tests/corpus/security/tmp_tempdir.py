# safe: SEC026
import tempfile
from pathlib import Path


def build(files):
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        return sorted(p.name for p in Path(tmp).iterdir())
