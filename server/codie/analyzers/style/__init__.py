"""Adaptive style: a NATURALIZE-style n-gram model of the workspace's own conventions.

Entry points for the background worker: `train_workspace(root)` and `update_file(path)`.
The analyzer (`analyzers()`) reads the model from `ctx.services["style"]`.
"""

from __future__ import annotations

from codie.analyzers.style.analyzer import StyleAnalyzer, analyzers
from codie.analyzers.style.training import train_workspace, update_file

__all__ = ["StyleAnalyzer", "analyzers", "train_workspace", "update_file"]
