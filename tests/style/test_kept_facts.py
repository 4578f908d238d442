"""A headless check's training keeps each trained file's stream, scope tree and convention
observations (KeptFacts) for the file's analysis, and scores the margins' sample from them:
the same model, the same margins and the same report as computing them again."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from codie.analyzers.style import analyzer as style_analyzer
from codie.analyzers.style import conventions, training
from codie.analyzers.style.conventions import Observation
from codie.analyzers.style.model import KeptFacts
from codie.analyzers.style.service import StyleService
from codie.analyzers.style.tokens import TokenStream, tokenize
from codie.analyzers.style.training import build_model
from codie.cli.main import main
from tests.style.test_training_pauses import model_bytes

ROOT = Path(__file__).resolve().parents[2]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = ("shlex.py", "textwrap.py", "csv.py", "json/decoder.py", "json/encoder.py", "fnmatch.py", "glob.py")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "examples" / "shop", root / "shop")
    (root / "lib").mkdir()
    for name in MODULES:
        if (STDLIB / name).is_file():
            shutil.copyfile(STDLIB / name, root / "lib" / name.replace("/", "_"))
    return root.resolve()


def check(root: Path, out: Path) -> bytes:
    args = ["check", str(root), "--format", "json", "-o", str(out), "--fail-on", "never", "-j", "1", "--no-cache"]
    assert main(args) == 0
    return out.read_bytes()


def test_the_kept_facts_train_the_same_model_and_margins(tree: Path) -> None:
    kept: dict[str, KeptFacts] = {}
    shared, _ = build_model(tree, keep=kept)
    plain, _ = build_model(tree)
    assert model_bytes(shared) == model_bytes(plain)  # the margins too
    assert shared.margins != training.DEFAULT_MARGIN  # (the margins were learnt)
    assert set(kept) == set(plain.files)  # every trained file's facts, for its analysis
    for key, facts in kept.items():  # the stream's tokens: the model's words for its ids
        assert shared.lm.vocab.encode(facts.stream.tokens) == plain.files[key].ids


def test_the_margins_score_the_kept_facts_instead_of_parsing_again(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[bool] = []
    extract = training.extract

    def counted(source: bytes, **kwargs: object) -> object:
        parsed.append(bool(kwargs.get("tallies", True)))
        return extract(source, **kwargs)

    monkeypatch.setattr(training, "extract", counted)
    build_model(tree, keep={})
    assert parsed and all(parsed)  # one parse per file: none again for the margins
    parsed.clear()
    build_model(tree)
    assert False in parsed  # (without keep, the sampled files are parsed again)


def test_a_check_with_the_kept_facts_reports_the_same(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[bool] = []
    take = StyleService.take

    def counted(self: StyleService, key: str | None, source: bytes) -> KeptFacts | None:
        found = take(self, key, source)
        taken.append(found is not None)
        return found

    built: list[str] = []  # what the analysis computed itself (the training's are not counted)
    observe = conventions.observe

    def tokens(*args: Any) -> TokenStream:
        built.append("tokens")
        return tokenize(*args)

    def observations(*args: Any) -> list[Observation]:
        built.append("observe")
        found: list[Observation] = observe(*args)
        return found

    monkeypatch.setattr(StyleService, "take", counted)
    monkeypatch.setattr(style_analyzer, "tokenize", tokens)
    monkeypatch.setattr(style_analyzer.conventions, "observe", observations)  # (the analyzer's only)
    shared = check(tree, tmp_path / "shared.json")
    assert taken and all(taken) and not built  # every file took its training's facts
    monkeypatch.setattr(StyleService, "take", lambda self, key, source: None)
    plain = check(tree, tmp_path / "plain.json")
    assert built  # (computed again)
    assert shared == plain
    assert b'"STY001"' in shared and b'"STY00' in shared.replace(b'"STY001"', b"")  # both kinds compared


def test_facts_of_other_bytes_are_not_taken(tree: Path) -> None:
    service = StyleService()
    build_model(tree, keep=service.kept)
    key = next(iter(service.kept))
    source = service.kept[key].source
    assert service.take(key, source + b"\n") is None  # the file changed since: computed again
    assert service.take(key, source) is None  # (and a file's facts are taken once)
    other = next(iter(service.kept))
    assert service.take(other, service.kept[other].source) is not None
    assert service.take(None, b"") is None
