"""Packaging metadata of the full ``tcapi`` distribution: the Apache-2.0 LICENSE file
and PEP 639 license fields, the classifiers, and one version source (``SDK_VERSION``
in runtime/_constants.py) for the runtime, ``pip install .`` and the slim wheels.

The metadata is what setuptools makes of a copy of the sources (PEP 517
``prepare_metadata_for_build_wheel``, no build isolation), with the version line
changed in the copy: if anything else held a version, it would show."""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import shutil
import tomllib
from pathlib import Path

import pyproject_hooks
import pytest
from build import ProjectBuilder

from packaging_tools import dists
from packaging_tools.layout import Project
from tcapi import __version__ as SDK_VERSION

REPO = Path(__file__).resolve().parents[1]
LICENSE = REPO / "LICENSE"
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
"""The Apache License 2.0 as the ASF publishes it (apache.org/licenses/LICENSE-2.0.txt,
also /usr/share/common-licenses/Apache-2.0 on Debian), unmodified."""
SOURCES = ("setup.py", "pyproject.toml", "LICENSE", "README.md")
FOLDERS = ("runtime", "emulator", "generated", "packaging_tools")
"""What setup.py packages; without spec/ it packages the committed services only."""
BUMPED = "9.8.7"
VERSION_LINE = f'SDK_VERSION: Final = "{SDK_VERSION}"'


@pytest.fixture(scope="module")
def bumped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sources with SDK_VERSION (and only it) set to BUMPED."""
    root = tmp_path_factory.mktemp("bumped") / "src"
    root.mkdir()
    for name in SOURCES:
        shutil.copyfile(REPO / name, root / name)
    for name in FOLDERS:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    constants = root / "runtime" / "_constants.py"
    text = constants.read_text(encoding="utf-8")
    assert text.count(VERSION_LINE) == 1
    constants.write_text(text.replace(VERSION_LINE, f'SDK_VERSION: Final = "{BUMPED}"'))
    return root


@pytest.fixture(scope="module")
def metadata(bumped: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .dist-info folder setuptools writes for the bumped copy."""
    builder = ProjectBuilder(bumped, runner=pyproject_hooks.quiet_subprocess_runner)
    return Path(builder.metadata_path(tmp_path_factory.mktemp("metadata")))


def _fields(dist_info: Path) -> list[tuple[str, str]]:
    """METADATA's header fields, in order (the description follows a blank line)."""
    header = (dist_info / "METADATA").read_text(encoding="utf-8").split("\n\n", 1)[0]
    return [(k, v) for k, _, v in (line.partition(": ") for line in header.splitlines())]


def _pyproject() -> dict[str, object]:
    with (REPO / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def test_version_has_one_source(bumped: Path, metadata: Path) -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert "version" not in project and "version" in project["dynamic"]
    # This checkout: the runtime, the installed tcapi and the slim wheels agree.
    assert Project.read().version == SDK_VERSION
    assert importlib.metadata.version("tcapi") == SDK_VERSION
    # The copy whose SDK_VERSION says BUMPED: so do setuptools and the slim wheels.
    assert ("Version", BUMPED) in _fields(metadata)
    copy = Project.read(bumped / "pyproject.toml")
    assert copy.version == BUMPED
    core = dists.pyproject(dists.core_dist(copy), copy)
    assert f'version = "{BUMPED}"' in core.splitlines()
    service = dists.service_dist("mqtt", bumped / "generated" / "mqtt", copy)
    assert service.dependencies == (f"tcapi-core=={BUMPED}",)


def test_license_is_apache_2_in_pep_639_form(metadata: Path) -> None:
    text = LICENSE.read_text(encoding="utf-8")
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert hashlib.sha256(LICENSE.read_bytes()).hexdigest() == APACHE_2_SHA256
    fields = _fields(metadata)
    assert ("License-Expression", "Apache-2.0") in fields
    assert ("License-File", "LICENSE") in fields
    # PEP 639: no legacy License field, no license classifier beside the expression.
    assert not [v for k, v in fields if k == "License"]
    assert not [v for k, v in fields if k == "Classifier" and v.startswith("License ::")]
    assert (metadata / "licenses" / "LICENSE").read_bytes() == LICENSE.read_bytes()


def test_classifiers_match_requires_python(metadata: Path) -> None:
    fields = _fields(metadata)
    classifiers = [v for k, v in fields if k == "Classifier"]
    assert ("Requires-Python", ">=3.11") in fields
    prefix = "Programming Language :: Python :: "
    pythons = [c.removeprefix(prefix) for c in classifiers if re.fullmatch(rf"{prefix}3\.\d+", c)]
    assert pythons == ["3.11", "3.12", "3.13"]
    for wanted in (
        "Typing :: Typed",
        "Operating System :: OS Independent",
        "Programming Language :: Python :: 3 :: Only",
        "Intended Audience :: Developers",
    ):
        assert wanted in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert any(c.startswith("Topic :: ") for c in classifiers)
