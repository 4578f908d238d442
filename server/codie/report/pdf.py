"""A PDF audit report (fpdf2). Core PDF fonts are Latin-1: other characters become '?'."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from codie.report.model import Run
from codie.report.summary import Entry, summarize

SEVERITY_RGB = {"error": (176, 0, 0), "warning": (170, 100, 0), "info": (0, 90, 160), "hint": (90, 90, 90)}


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, f"Codie audit report - page {self.page_no()}", align="C")


def _line(pdf: FPDF, text: str, size: float = 10, style: str = "", h: float = 5) -> None:
    pdf.set_font("Helvetica", style=style, size=size)
    pdf.multi_cell(0, h, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, head: tuple[str, ...], rows: Sequence[tuple[object, ...]], widths: tuple[int, ...]) -> None:
    pdf.set_font("Helvetica", style="B", size=9)
    for text, w in zip(head, widths, strict=True):
        pdf.cell(w, 6, text, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for row in rows:
        for value, w in zip(row, widths, strict=True):
            pdf.cell(w, 6, _latin1(str(value))[:70], border=1)
        pdf.ln()
    pdf.ln(3)


def _entry(pdf: FPDF, e: Entry) -> None:
    f = e.located.finding
    pdf.set_text_color(*SEVERITY_RGB.get(f.severity.value, (0, 0, 0)))
    _line(pdf, f"{f.rule_id}  {e.title}", size=11, style="B", h=6)
    pdf.set_text_color(0, 0, 0)
    cwe = f" - {', '.join(f.cwe)}" if f.cwe else ""
    _line(
        pdf, f"{f.severity.value}, confidence {f.confidence:.0%}{cwe} - {e.located.path}:{e.located.start_line}", size=9
    )
    _line(pdf, f.message)
    pdf.set_fill_color(240, 240, 240)
    pdf.set_font("Courier", size=8)
    pdf.multi_cell(0, 4.5, _latin1(e.located.snippet.rstrip() or " "), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if f.related:
        _line(pdf, "Path: " + " -> ".join(loc.message for loc in f.related), size=9)
    if e.explanation:
        pdf.set_text_color(80, 80, 80)
        _line(pdf, e.explanation, size=9)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def render(run: Run) -> bytes:
    s = summarize(run)
    pdf = _Report(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _line(pdf, "Codie audit report", size=18, style="B", h=10)
    _line(pdf, f"{s.total} finding(s) in {s.files} file(s) (Codie {run.tool_version}); {s.suppressed} suppressed.")
    pdf.ln(3)
    _table(pdf, ("severity", "findings"), list(s.by_severity.items()), (40, 30))
    _table(pdf, ("confidence", "findings"), list(s.by_confidence.items()), (40, 30))
    if s.by_rule:
        _table(pdf, ("rule", "title", "findings"), s.by_rule, (25, 120, 25))
    for heading, entries in (("Findings", s.findings), ("Dependency advisories", s.advisories)):
        if entries:
            _line(pdf, heading, size=14, style="B", h=8)
            for e in entries:
                _entry(pdf, e)
    return bytes(pdf.output())
