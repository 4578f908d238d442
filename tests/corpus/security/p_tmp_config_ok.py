# safe: SEC026
from pathlib import Path

CACHE_DIR = Path.home() / ".cache" / "myapp"


def cache_file(name):
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    return CACHE_DIR / name
