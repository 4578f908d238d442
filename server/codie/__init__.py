"""Codie: an AI-first code-quality language server for Python."""

__version__ = "0.1.0"
