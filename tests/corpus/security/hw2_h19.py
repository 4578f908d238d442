# safe: SEC009
import yaml
from pathlib import Path


def load_settings(path: Path) -> dict:
    with path.open() as fh:
        return yaml.safe_load(fh) or {}
