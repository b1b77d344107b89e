"""Where each part of the one import package ``tcapi`` comes from.

``runtime/`` is ``tcapi``, ``emulator/`` is ``tcapi.emulator`` and every generated
service is ``tcapi.<service>``: the services committed under ``generated/``
(``[tool.tcapi] committed-services``) from there, every other service in ``spec/``
from a catalog tree generated at build time (``build/catalog/`` by default),
regenerated only when spec/, the generator or pyproject.toml changed (a digest of
them is kept beside it).

Both the full ``tcapi`` (``setup.py``) and the slim distributions
(``packaging_tools.dists``) are packaged from these facts, so they cannot drift
apart: the same generated code, the same entry points, the same package data.
Nothing here names a particular service.
"""

from __future__ import annotations

import ast
import hashlib
import keyword
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
COMMITTED = ROOT / "generated"
RUNTIME = ROOT / "runtime"
EMULATOR = ROOT / "emulator"

CORE = "tcapi-core"
"""The slim distribution of the runtime and the emulator (``packaging_tools.dists``)."""

SERVICES_GROUP = "tcapi.services"
"""Entry-point group of the generated services: name = API service name (the
signing name), value = the package (``as = tcapi.as_``). The emulator discovers
services through it without importing them."""

PACKAGE_DATA = ("py.typed", "*.json")
"""Files besides ``*.py`` that every package ships (``examples.json`` feeds the
emulator)."""

CONSOLE_SCRIPTS = (
    "tcapi = tcapi.cli:main",
    "tcapi-emulator = tcapi.emulator.__main__:main",
)
PYTEST_PLUGINS = ("tcapi_emulator = tcapi.emulator.pytest_plugin",)
"""Users' test suites get the ``tcapi_emulator`` fixtures without configuration."""


def api_name(package: str) -> str:
    """The API service name of a generated package: the generator appends ``_``
    to a service name that is a Python keyword (``as_`` → ``as``)."""
    base = package.removesuffix("_")
    return base if package.endswith("_") and keyword.iskeyword(base) else package


def package_name(service: str) -> str:
    """The package (last dotted part) of an API service name or package name:
    ``as`` and ``as_`` → ``as_``, ``cvm`` → ``cvm``."""
    return f"{service}_" if keyword.iskeyword(service) else service


def committed_services() -> tuple[str, ...]:
    """The services whose generated code is committed under ``generated/``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from generator.cli import committed_services as committed  # noqa: PLC0415

    return committed()


def digest(selection: Sequence[str] | None) -> str:
    """What a generated catalog depends on: spec/, the generator, the selection."""
    h = hashlib.sha256(repr(selection).encode())
    for base, pattern in (
        (SPEC, "**/*"),
        (ROOT / "generator", "**/*.py"),
        (ROOT / "generator", "templates/*"),
    ):
        for path in sorted(base.glob(pattern)):
            if path.is_file():
                h.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
                h.update(path.read_bytes())
    h.update((ROOT / "pyproject.toml").read_bytes())
    return h.hexdigest()


def build_catalog(selection: list[str] | None, out: Path | None = None) -> Path | None:
    """Generate the non-committed services of ``selection`` (every one when None)
    into ``out`` (default ``build/catalog`` or ``build/catalog-<names>``), unless
    the digest kept there says it is up to date. None when there is no spec/."""
    if not SPEC.is_dir():
        return None
    if out is None:
        name = "catalog" if selection is None else "catalog-" + ("-".join(selection)[:80] or "none")
        out = ROOT / "build" / name
    stamp = out / ".digest"
    wanted = digest(selection)
    if stamp.is_file() and stamp.read_text() == wanted:
        return out
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from generator.cli import generate  # noqa: PLC0415 - needs jinja2, only when generating

    total, written, _ = generate(
        SPEC, out, selection, exclude=committed_services(), keep_going=True
    )
    print(f"tcapi: generated {total} catalog files into {out} ({written} written)")
    out.mkdir(parents=True, exist_ok=True)
    stamp.write_text(wanted)
    return out


def service_folders(roots: Iterable[Path]) -> dict[str, Path]:
    """Each generated service package under ``roots`` (name → folder), the first
    root that has it winning: list ``COMMITTED`` first, then the catalog."""
    found: dict[str, Path] = {}
    for root in roots:
        for folder in sorted(p for p in root.iterdir() if (p / "__init__.py").is_file()):
            found.setdefault(folder.name, folder)
    return found


def service_entry_point(package: str) -> str:
    """The ``tcapi.services`` entry point of a service package: ``as = tcapi.as_``."""
    return f"{api_name(package)} = tcapi.{package}"


@dataclass(frozen=True)
class Project:
    """What the slim distributions take from pyproject.toml's ``[project]``."""

    version: str
    dependencies: tuple[str, ...]
    requires_python: str
    license: str | None
    """An SPDX expression (PEP 639 ``license = "Apache-2.0"``; the deprecated
    ``{ text = ... }`` table is read too): the staged projects get the string."""
    license_files: tuple[Path, ...] = ()
    """``license-files`` (``LICENSE``), as paths: every distribution ships them in
    its ``.dist-info/licenses/``."""

    @classmethod
    def read(cls, pyproject: Path = ROOT / "pyproject.toml") -> Project:
        with pyproject.open("rb") as f:
            data = tomllib.load(f)
        project = data["project"]
        return cls(
            version=_version(data, pyproject.parent),
            dependencies=tuple(project.get("dependencies", ())),
            requires_python=str(project.get("requires-python", ">=3.11")),
            license=_spdx(project.get("license")),
            license_files=tuple(pyproject.parent / f for f in project.get("license-files", ())),
        )


def _version(pyproject: Mapping[str, Any], root: Path) -> str:
    """``[project] version``, or what setuptools makes of ``version = { attr = ... }``
    in ``[tool.setuptools.dynamic]`` (``tcapi._constants.SDK_VERSION``: one source
    for the runtime's version and every distribution's)."""
    project = pyproject["project"]
    if "version" not in project.get("dynamic", ()):
        return str(project["version"])
    attr = str(pyproject["tool"]["setuptools"]["dynamic"]["version"]["attr"])
    module, _, name = attr.rpartition(".")
    return static_string(module_file(module, root), name)


def module_file(module: str, root: Path = ROOT) -> Path:
    """The source file of a module of the runtime (``tcapi._constants`` →
    ``runtime/_constants.py`` under ``root``), as setup.py maps ``tcapi`` onto
    ``runtime/``."""
    top, *rest = module.split(".")
    if top != "tcapi" or not rest:
        raise ValueError(f"not a module of tcapi's runtime: {module!r}")
    return root.joinpath(RUNTIME.name, *rest).with_suffix(".py")


def static_string(path: Path, name: str) -> str:
    """The string literal a module assigns to ``name`` at top level (``NAME = "..."``
    or ``NAME: Final = "..."``), read without importing it, as setuptools does."""
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            literal = ast.literal_eval(value)
            if isinstance(literal, str):
                return literal
    raise ValueError(f"{path} assigns no string literal to {name}")


def _spdx(value: object) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("text")
    return value if isinstance(value, str) else None
