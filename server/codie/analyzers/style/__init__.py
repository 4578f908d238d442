"""Adaptive style: a NATURALIZE-style n-gram model of the workspace's own conventions.

Entry points for the background worker: `train_workspace(root)` and `update_file(path)` in
`codie.analyzers.style.training` (not imported here: the analyzers load before a first
file's diagnostics, training only later, ~60 ms of imports).
The analyzer (`analyzers()`) reads the model from `ctx.services["style"]`.
"""

from __future__ import annotations

from codie.analyzers.style.analyzer import StyleAnalyzer, analyzers

__all__ = ["StyleAnalyzer", "analyzers"]
