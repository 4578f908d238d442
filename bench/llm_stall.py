"""A model endpoint that accepts requests and never answers: how long `codie explain` waits,
how many HTTP requests it makes, and what it says. Prints figures; asserts nothing.

    .venv/bin/python bench/llm_stall.py [--timeout 5] [--tree /work/main ...]

Each --tree is another checkout (its server/ folder is put first on PYTHONPATH), so the
figures of this tree print next to a peer's (e.g. main before issue 19: 3 attempts of a
full timeout each, plus back-off, and a label naming the provider that never answered).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.llm.llm_fakes import FakeLLM  # noqa: E402  (the loopback OpenAI-compatible fake)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=5.0, help="llm.timeout, seconds")
    parser.add_argument("--tree", action="append", default=[], type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    fake = FakeLLM().start()
    fake.stall = True
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = Path(tmp) / "app.py"
            app.write_text("def f(x):\n    return eval(x)\n")
            for tree in [ROOT, *args.tree]:
                env = {
                    **os.environ,
                    "PYTHONPATH": str(tree / "server"),
                    "OPENAI_BASE_URL": fake.url + "/v1",
                    "CODIE_LLM_TIMEOUT": f"{args.timeout:g}",
                }
                before = len(fake.requests)
                started = time.monotonic()
                done = subprocess.run(
                    [sys.executable, "-m", "codie", "explain", f"{app}:2", "--provider", "openai"],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                elapsed = time.monotonic() - started
                err = done.stderr.strip().splitlines()
                print(
                    f"{tree}: exit {done.returncode}, {elapsed:.1f} s wall (process start "
                    f"included), {len(fake.requests) - before} HTTP request(s), "
                    f"{len(err)} stderr line(s)"
                )
                print(f"    stderr: {err[-1] if err else ''}")
                print(f"    answer: {done.stdout.splitlines()[0] if done.stdout else ''}")
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
