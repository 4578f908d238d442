"""pull_typing_server.py with bursts that never end by themselves (BURST_GAP an hour: every
edit after the first is in a burst, and a push client's analysis would wait for the burst
to end), for tests/lsp/test_burst_pull.py: a pull answered there was answered because it
ended the burst's wait, not because the wait ran out."""

from __future__ import annotations

import runpy
from pathlib import Path

from codie.lsp import scheduling

if __name__ == "__main__":
    scheduling.BURST_GAP = 3600.0
    runpy.run_path(str(Path(__file__).with_name("pull_typing_server.py")), run_name="__main__")
