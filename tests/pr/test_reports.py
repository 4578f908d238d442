"""Markdown, HTML and PDF audit reports carry the findings; the PDF opens and renders."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from codie.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_text_reports(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    assert main(["check", str(ROOT / "examples"), "--format", fmt, "-o", str(out)]) == 1
    text = out.read_text()
    for expected in ("SEC001", "Q001", "app.py", "confidence", "return eval(expression)"):
        assert expected in text
    if fmt == "html":
        assert text.startswith("<!doctype html>") and "<script" not in text


def test_pdf_report_opens_and_contains_the_findings(tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    assert main(["check", str(ROOT / "examples"), "--format", "pdf", "-o", str(out)]) == 1
    reader = PdfReader(out)
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("Codie audit report", "SEC001", "Q002", "app.py:16", "eval(expression)"):
        assert expected in text
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")], check=True
        )
        png = next(tmp_path.glob("p*.png"))
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000
