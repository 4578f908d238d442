"""Notebook document sync: cells analysed as one module, results in the right cell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lsprotocol import types

from tests.lsp.workspace_helpers import ROOT, by_line, diagnostics, lsp_session

CELLS = [
    "%matplotlib inline\nimport os\n",
    "def load(path, cache={}):\n    return eval(input(path))\n",
    "load(input())\n",  # taint from another cell: analysed as one module
]


def open_notebook(client, folder: Path, cells: list[str]) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    nb_uri = (folder / "analysis.ipynb").as_uri()
    uris = [f"vscode-notebook-cell:{folder / 'analysis.ipynb'}#cell{i}" for i in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=nb_uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=u) for u in uris],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=u, language_id="python", version=1, text=t)
                for u, t in zip(uris, cells, strict=True)
            ],
        )
    )
    return nb_uri, uris


async def test_three_cells_finding_in_the_second(tmp_path: Path) -> None:
    async with lsp_session([tmp_path], notebooks=True) as client:
        assert client.capabilities is not None
        _, uris = open_notebook(client, tmp_path, CELLS)
        second = await diagnostics(client, uris[1], lambda d: len(d) == 2)
        assert by_line(second) == [(0, "Q002"), (1, "SEC001")]
        eval_diag = next(d for d in second if d.code == "SEC001")
        assert (eval_diag.range.start.character, eval_diag.range.end.character) == (11, 28)
        assert by_line(await diagnostics(client, uris[0])) == []  # the magic is masked
        assert by_line(await diagnostics(client, uris[2])) == []

        hover = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uris[1]), types.Position(1, 13))
        )
        assert hover is not None and "SEC001" in str(hover.contents)

        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uris[1]),
                range=eval_diag.range,
                context=types.CodeActionContext(diagnostics=[eval_diag]),
            )
        )
        titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
        assert "Suppress SEC001 on this line" in titles
        # whatever is offered edits this cell only
        for action in actions or []:
            if not isinstance(action, types.CodeAction):
                continue  # the client reads a command-only action as a Command
            for change in (action.edit.document_changes or []) if action.edit else []:
                assert isinstance(change, types.TextDocumentEdit)
                assert change.text_document.uri == uris[1]

        # edit the first cell: the second cell's findings keep their cell positions
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(version=2, uri=_nb(tmp_path)),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        text_content=[
                            types.NotebookDocumentCellContentChanges(
                                document=types.VersionedTextDocumentIdentifier(uri=uris[0], version=2),
                                changes=[
                                    types.TextDocumentContentChangePartial(
                                        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                                        text="x = 1\ny = 2\n",
                                    )
                                ],
                            )
                        ]
                    )
                ),
            )
        )
        client.diagnostics.pop(uris[1])
        assert by_line(await diagnostics(client, uris[1])) == [(0, "Q002"), (1, "SEC001")]

        # a new cell with a bare except, inserted after the first
        new_uri = f"vscode-notebook-cell:{tmp_path / 'analysis.ipynb'}#new"
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(version=3, uri=_nb(tmp_path)),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        structure=types.NotebookDocumentCellChangeStructure(
                            array=types.NotebookCellArrayChange(
                                start=1,
                                delete_count=0,
                                cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=new_uri)],
                            ),
                            did_open=[
                                types.TextDocumentItem(
                                    uri=new_uri, language_id="python", version=1, text="try:\n    x\nexcept:\n    pass"
                                )
                            ],
                        )
                    )
                ),
            )
        )
        assert by_line(await diagnostics(client, new_uri, lambda d: len(d) == 1)) == [(2, "Q001")]


def _nb(folder: Path) -> str:
    return (folder / "analysis.ipynb").as_uri()


def test_check_reads_notebooks(tmp_path: Path) -> None:
    notebook = {
        "cells": [{"cell_type": "markdown", "source": ["# Title"]}]
        + [
            {
                "cell_type": "code",
                "source": text.splitlines(keepends=True),
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            }
            for text in CELLS
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "analysis.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "broken.ipynb").write_text("{not json")
    done = subprocess.run(
        [sys.executable, "-m", "codie", "check", ".", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT / "server")},
        timeout=60,
    )
    report = json.loads(done.stdout)
    found = [(f["path"], f["start"]["line"], f["rule"], f["message"][:8]) for f in report["findings"]]
    assert found == [("analysis.ipynb", 1, "Q002", "[cell 2]"), ("analysis.ipynb", 2, "SEC001", "[cell 2]")]
    assert len(report["errors"]) == 1 and "broken.ipynb" in report["errors"][0]


async def test_cells_with_pull_diagnostics(tmp_path: Path) -> None:
    async with lsp_session([tmp_path], notebooks=True, pull=True) as client:
        _, uris = open_notebook(client, tmp_path, CELLS)
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uris[1]))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        assert by_line(report.items) == [(0, "Q002"), (1, "SEC001")]
        again = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uris[1]), previous_result_id=report.result_id
            )
        )
        assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
        assert uris[1] not in client.diagnostics  # pull clients get nothing pushed


async def test_bad_notebook_messages_are_ignored(tmp_path: Path) -> None:
    async with lsp_session([tmp_path], notebooks=True) as client:
        _, uris = open_notebook(client, tmp_path, CELLS)
        unknown = types.VersionedNotebookDocumentIdentifier(version=9, uri="file:///nowhere.ipynb")
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(notebook_document=unknown, change=types.NotebookDocumentChangeEvent())
        )
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(version=2, uri=_nb(tmp_path)),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        text_content=[
                            types.NotebookDocumentCellContentChanges(
                                document=types.VersionedTextDocumentIdentifier(uri="cell:unknown", version=2),
                                changes=[types.TextDocumentContentChangeWholeDocument(text="x")],
                            )
                        ]
                    )
                ),
            )
        )
        # a deleted cell: its diagnostics are cleared, the others stay
        client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(version=3, uri=_nb(tmp_path)),
                change=types.NotebookDocumentChangeEvent(
                    cells=types.NotebookDocumentCellChanges(
                        structure=types.NotebookDocumentCellChangeStructure(
                            array=types.NotebookCellArrayChange(start=1, delete_count=1),
                            did_close=[types.TextDocumentIdentifier(uris[1])],
                        )
                    )
                ),
            )
        )
        assert by_line(await diagnostics(client, uris[1], lambda d: len(d) == 0)) == []
        client.notebook_document_did_close(
            types.DidCloseNotebookDocumentParams(
                notebook_document=types.NotebookDocumentIdentifier(_nb(tmp_path)),
                cell_text_documents=[types.TextDocumentIdentifier(u) for u in (uris[0], uris[2])],
            )
        )
        hover = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uris[0]), types.Position(0, 0))
        )
        assert hover is None  # closed, and the server still answers
