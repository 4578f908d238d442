"""`codie/hotspots`: churn x complexity for the workspace folder of a document, computed in
the thread pool (it runs git). Schema: shared/schema/custom-requests.json."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from codie.analyzers.churn import ChurnError, parse_window
from codie.analyzers.hotspots import compute
from codie.lsp.server import CodieServer
from codie.lsp.settings import uri_to_path
from codie.store import default_path

log = logging.getLogger(__name__)
HOTSPOTS = "codie/hotspots"


def _field(params: Any, name: str, default: Any = None) -> Any:
    value = params.get(name) if isinstance(params, dict) else getattr(params, name, None)
    return default if value is None else value


def register(server: CodieServer) -> None:
    @server.feature(HOTSPOTS)
    async def hotspots(ls: CodieServer, params: Any) -> dict[str, Any]:
        document = _field(params, "textDocument", {})
        uri = _field(document, "uri") or _field(params, "folder")
        if not isinstance(uri, str):
            return {"error": "textDocument.uri (or folder) is required"}
        root = ls.settings.folder_of(uri) or uri_to_path(uri)
        if root is None:
            return {"error": f"not a file URI: {uri}"}
        if not root.is_dir():
            root = root.parent
        window_text = str(_field(params, "window", "12 months"))
        try:
            top = max(0, int(_field(params, "top", 20)))
        except (TypeError, ValueError):
            return {"error": "top must be an integer"}
        try:
            window = parse_window(window_text)
            loop = asyncio.get_running_loop()
            files, functions = await loop.run_in_executor(ls.thread_pool, compute, root, window, default_path(root))
        except ChurnError as exc:
            return {"error": str(exc)}

        def rows(spots: list[Any]) -> list[dict[str, Any]]:
            out = []
            for s in spots[: top or None]:
                row = s.as_dict()
                row["uri"] = (root / s.path).as_uri()
                out.append(row)
            return out

        return {"root": root.as_uri(), "window": window_text, "files": rows(files), "functions": rows(functions)}
