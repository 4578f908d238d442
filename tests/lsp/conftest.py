"""Shared fixtures of the LSP tests. Workspace helpers live in workspace_helpers.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
