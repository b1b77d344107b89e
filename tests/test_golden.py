"""Golden tests: small purpose-built specs, one per feature (tests/golden/<feature>/),
rendered byte for byte as committed (their ``generated/``), and loadable as code.

The production tree is covered by ``python -m generator check``. After a deliberate
template change: ``python -m tests.golden.update`` and review the diff.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.cli import existing_files, render_tree

GOLDEN = Path(__file__).resolve().parent / "golden"
FEATURES = sorted(p.name for p in GOLDEN.iterdir() if (p / "spec").is_dir())


def test_there_is_a_golden_spec_per_feature() -> None:
    assert FEATURES == ["collisions", "errors", "paging", "scalars", "streaming", "structures"]


@pytest.mark.parametrize("feature", FEATURES)
def test_generated_output_matches_the_golden_files_byte_for_byte(feature: str) -> None:
    wanted, errors = render_tree(GOLDEN / feature / "spec")
    assert errors == []
    have = existing_files(GOLDEN / feature / "generated")
    assert sorted(have) == sorted(wanted), "run python -m tests.golden.update"
    for path, text in wanted.items():
        assert have[path] == text, f"{feature}/generated/{path} differs from the generator"


@pytest.fixture
def golden_import(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The golden packages as subpackages of tcapi, as an install lays them out."""
    import tcapi

    before = set(sys.modules)
    extra = [str(GOLDEN / feature / "generated") for feature in FEATURES]
    monkeypatch.setattr(tcapi, "__path__", [*tcapi.__path__, *extra])
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("tcapi.gold", "tcapi.class_")):
            del sys.modules[name]


def test_the_golden_packages_work(golden_import: None) -> None:
    gold = importlib.import_module("tcapi.goldscalars")
    models = gold.models
    req = models.DescribeScalarsRequest(name="n", count=1, ratio=1, secret="s", tags=["a"])
    req.validate()
    assert req.to_dict() == {"Name": "n", "Count": 1, "Ratio": 1, "Secret": "s", "Tags": ["a"]}
    assert "secret='***'" in repr(req)
    keyword = importlib.import_module("tcapi.class_")  # service "class": a keyword
    port = keyword.models.PortInfo.from_dict({"PublicIP": "a", "PublicIp": "b"})
    assert (port.public_ip, port.public_ip_2) == ("b", "a")
    assert keyword.models.Model.from_dict({"Name": "x"}).name == "x"
    assert keyword.KwClient.SERVICE.service == "class"
    streaming = importlib.import_module("tcapi.goldstream")
    actions = streaming.GoldClient.SERVICE.schema.actions
    assert (actions["ChatCompletions"].streams, actions["UploadLog"].streams) == (True, False)
    assert (actions["UploadLog"].body, actions["UploadLog"].header_prefix) == (
        "octet-stream",
        "X-Gold-",
    )
    assert hasattr(streaming.AsyncGoldClient, "chat_completions_stream")
    assert not hasattr(streaming.GoldClient, "upload_log_stream")


@pytest.mark.parametrize("feature", FEATURES)
def test_golden_output_is_as_black_formats_it(feature: str) -> None:
    import black

    mode = black.Mode(line_length=100, target_versions={black.mode.TargetVersion.PY311})
    for path, text in existing_files(GOLDEN / feature / "generated").items():
        if path.endswith(".py"):
            assert black.format_str(text, mode=mode) == text, path
