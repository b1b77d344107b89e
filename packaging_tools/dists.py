"""Slim wheels: ``tcapi-core`` and one ``tcapi-<service>`` per service, into dist/.

``python -m packaging_tools.dists [SERVICE ...]`` (what ``nox -s build`` runs)
builds, for the version in pyproject.toml:

``tcapi-core``
    the runtime (``tcapi``) and the emulator (``tcapi.emulator``), no service;
    pyproject's runtime dependencies, the ``tcapi-emulator`` console script and the
    ``pytest11`` plugin entry point;
``tcapi-<service>`` (``tcapi-cvm``, ``tcapi-mqtt``, ``tcapi-as`` for ``tcapi.as_``)
    only ``tcapi/<package>/**`` (``.py``, ``py.typed``, ``*.json``), its
    ``tcapi.services`` entry point and ``tcapi-core==<version>``;

for the services named (API service or package names), or core and every
service when none is. The code comes from where the full ``tcapi`` gets it
(:mod:`packaging_tools.layout`): ``generated/`` for the committed services, a
generated catalog tree for the rest.

Each distribution is staged in a folder of its own (copies of its packages and a
generated ``pyproject.toml``) and built there by setuptools through ``build``'s
PEP 517 frontend without an isolated environment (as ``python -m build
--no-isolation --wheel`` does), so the running environment needs ``build`` and
setuptools >= 77, which makes wheels without the ``wheel`` package. Builds run
in parallel, one per CPU. ``SOURCE_DATE_EPOCH`` (default: 1980-01-01) fixes the
timestamps, so the same sources give byte-identical wheels.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyproject_hooks
from build import BuildBackendException, ProjectBuilder, RunnerType, check_dependency

from generator.schema import SpecError

from .layout import (
    COMMITTED,
    CONSOLE_SCRIPTS,
    CORE,
    EMULATOR,
    PACKAGE_DATA,
    PYTEST_PLUGINS,
    ROOT,
    RUNTIME,
    SERVICES_GROUP,
    Project,
    api_name,
    build_catalog,
    committed_services,
    package_name,
    service_entry_point,
    service_folders,
)

SETUPTOOLS = "setuptools>=77"
"""What the staged distributions build with: setuptools makes wheels by itself from
70.1 on (no ``wheel`` package) and takes an SPDX ``license`` string from 77 on."""
DEFAULT_EPOCH = "315532800"  # 1980-01-01, the earliest time a zip file can hold
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


@dataclass(frozen=True)
class Dist:
    """One distribution to build: its name, its import packages and metadata."""

    name: str
    description: str
    folders: Mapping[str, Path]
    """Import package → the folder copied to it (``tcapi.cvm`` → ``build/catalog/cvm``)."""
    dependencies: tuple[str, ...]
    entry_points: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Entry-point group → ``name = value`` lines (``console_scripts`` included)."""
    readme: str = ""
    """The long description (markdown) an index shows for the distribution."""

    def wheel_name(self, version: str) -> str:
        """The wheel's file name: ``tcapi_core-0.1.0-py3-none-any.whl``."""
        return f"{self.name.replace('-', '_')}-{version}-py3-none-any.whl"


def core_dist(project: Project) -> Dist:
    """``tcapi-core``: the runtime and the emulator, no service."""
    return Dist(
        name=CORE,
        description="tcapi's runtime and local emulator for Tencent Cloud API 3.0; "
        "services come in tcapi-<service> distributions",
        folders={"tcapi": RUNTIME, "tcapi.emulator": EMULATOR},
        dependencies=project.dependencies,
        entry_points={"console_scripts": CONSOLE_SCRIPTS, "pytest11": PYTEST_PLUGINS},
        readme=(
            f"# {CORE}\n\n"
            "The runtime of tcapi, a typed sync and async Python SDK for Tencent Cloud "
            "API 3.0 (signing, credentials, transports, retries, errors), its command "
            "line `tcapi` and its local emulator `tcapi-emulator`. It holds no service: "
            "install the services you use beside it, "
            f"`pip install {CORE} tcapi-cvm tcapi-vpc`, or every service at once with "
            "`pip install tcapi` (not both ways in one environment).\n"
        ),
    )


def service_dist(package: str, folder: Path, project: Project) -> Dist:
    """``tcapi-<service>``: one generated service package on top of tcapi-core."""
    service = api_name(package)
    return Dist(
        name=f"tcapi-{service}",
        description=f"tcapi.{package}: the Tencent Cloud API 3.0 '{service}' service "
        "for tcapi (typed sync and async clients, models, errors)",
        folders={f"tcapi.{package}": folder},
        dependencies=(f"{CORE}=={project.version}",),
        entry_points={SERVICES_GROUP: (service_entry_point(package),)},
        readme=(
            f"# tcapi-{service}\n\n"
            f"The Tencent Cloud API 3.0 `{service}` service for tcapi: the package "
            f"`tcapi.{package}` with typed sync and async clients, request and response "
            f"models and error classes for each API version, generated from the official "
            f"API definitions. It needs `{CORE}` of the same version, which pip installs "
            f"with it; `tcapi {service} help` lists its actions on the command line.\n"
        ),
    )


def _toml(value: object) -> str:
    """A TOML value for strings, lists and tables of them (JSON's string syntax
    is valid TOML)."""
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def pyproject(dist: Dist, project: Project) -> str:
    """The generated pyproject.toml of a staged distribution."""
    lines = [
        "# Generated by packaging_tools/dists.py; do not edit.",
        "[build-system]",
        f"requires = {_toml([SETUPTOOLS])}",
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f"name = {_toml(dist.name)}",
        f"version = {_toml(project.version)}",
        f"description = {_toml(dist.description)}",
        f"readme = {_toml({'text': dist.readme, 'content-type': 'text/markdown'})}",
        f"requires-python = {_toml(project.requires_python)}",
        f"dependencies = {_toml(dist.dependencies)}",
    ]
    if project.license is not None:
        lines.append(f"license = {_toml(project.license)}")
    if project.license_files:
        lines.append(f"license-files = {_toml([f.name for f in project.license_files])}")
    for group, entries in dist.entry_points.items():
        table = (
            "[project.scripts]"
            if group == "console_scripts"
            else f"[project.entry-points.{_toml(group)}]"
        )
        lines += ["", table]
        for entry in entries:
            name, value = (s.strip() for s in entry.split("=", 1))
            lines.append(f"{_toml(name)} = {_toml(value)}")
    # Service dists add subpackages to tcapi, which tcapi-core owns: found as a
    # namespace here, tcapi itself contributes no file.
    namespaces = "tcapi" not in dist.folders
    lines += [
        "",
        "[tool.setuptools]",
        "include-package-data = false",
        "",
        "[tool.setuptools.packages.find]",
        'include = ["tcapi", "tcapi.*"]',
        f"namespaces = {str(namespaces).lower()}",
        "",
        "[tool.setuptools.package-data]",
        f'"*" = {_toml(PACKAGE_DATA)}',
        "",
    ]
    return "\n".join(lines)


def stage(dist: Dist, project: Project, staging: Path) -> Path:
    """A fresh folder holding ``dist``'s packages and its pyproject.toml."""
    shutil.rmtree(staging, ignore_errors=True)
    # Outer packages first: tcapi-core copies runtime/ to tcapi/, then emulator/ into it.
    for package, folder in sorted(dist.folders.items(), key=lambda item: item[0].count(".")):
        shutil.copytree(folder, staging.joinpath(*package.split(".")), ignore=_IGNORE)
    for license_file in project.license_files:  # LICENSE, beside the staged pyproject
        shutil.copyfile(license_file, staging / license_file.name)
    (staging / "pyproject.toml").write_text(pyproject(dist, project), encoding="utf-8")
    return staging


def _runner(epoch: str) -> RunnerType:
    """Run the backend's hooks quietly (output only in an error), with
    ``SOURCE_DATE_EPOCH`` set for that build alone."""

    def run(
        cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
    ) -> None:
        env = {**(extra_environ or {}), "SOURCE_DATE_EPOCH": epoch}
        pyproject_hooks.quiet_subprocess_runner(cmd, cwd, env)

    return run


def check_build_requires(staging: Path) -> None:
    """Fail early, naming the fix, when this environment lacks what the staged
    pyproject.toml's ``[build-system] requires`` (setuptools >= 77)."""
    builder = ProjectBuilder(staging)
    unmet = [r for r in builder.build_system_requires if any(check_dependency(r))]
    if unmet:
        wanted = " ".join(f"'{r}'" for r in unmet)
        raise SystemExit(
            f"building tcapi's distributions needs {', '.join(unmet)} in {sys.prefix}: "
            f"{sys.executable} -m pip install {wanted}"
        )


def build_wheel(staging: Path, dist_dir: Path) -> Path:
    """Build the staged distribution's wheel into ``dist_dir``: the PEP 517 hooks of
    setuptools in a subprocess of this interpreter, without an isolated
    environment (``python -m build --no-isolation --wheel`` does the same)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_EPOCH)
    builder = ProjectBuilder(staging, runner=_runner(epoch))
    try:
        return Path(builder.build("wheel", dist_dir))
    except BuildBackendException as err:
        log = getattr(err.exception, "output", b"") or b""
        text = log.decode(errors="replace") if isinstance(log, bytes) else str(log)
        raise RuntimeError(f"building {staging.name} failed: {err}\n{text}") from err


def plan(
    services: Sequence[str] | None, *, catalog: Path | None = None, core: bool = True
) -> list[Dist]:
    """The distributions to build: core (unless ``core=False``) and the services
    named (every service when None). Catalog services are generated into
    ``catalog`` (default: the same cache ``pip install .`` uses)."""
    project = Project.read()
    committed = {package_name(s) for s in committed_services()}
    if services is None:
        roots = [COMMITTED, *filter(None, [build_catalog(None, catalog)])]
        wanted = None
    else:
        wanted = {package_name(s) for s in services}
        rest = sorted(api_name(p) for p in wanted - committed)  # spec/ names: as, not as_
        roots = [COMMITTED, *filter(None, [build_catalog(rest, catalog) if rest else None])]
    folders = service_folders(roots)
    if wanted is not None:
        missing = sorted(wanted - set(folders))
        if missing:
            raise SystemExit(f"no such service: {', '.join(missing)}")
        folders = {p: f for p, f in folders.items() if p in wanted}
    dists = [core_dist(project)] if core else []
    dists += [service_dist(package, folders[package], project) for package in sorted(folders)]
    return dists


def build(
    dists: Iterable[Dist],
    dist_dir: Path,
    *,
    work: Path = ROOT / "build" / "dists",
    jobs: int | None = None,
) -> list[Path]:
    """Stage and build each distribution (in parallel), replacing a wheel of the
    same name and version in ``dist_dir``; the wheels' paths, in ``dists`` order."""
    project = Project.read()
    dist_dir.mkdir(parents=True, exist_ok=True)
    todo = list(dists)
    for dist in todo:
        (dist_dir / dist.wheel_name(project.version)).unlink(missing_ok=True)
    if todo:
        check_build_requires(stage(todo[0], project, work / todo[0].name))

    def one(dist: Dist) -> Path:
        return build_wheel(stage(dist, project, work / dist.name), dist_dir)

    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, todo))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m packaging_tools.dists",
        description="Build tcapi-core and tcapi-<service> wheels (every service when none "
        "is named).",
    )
    parser.add_argument("services", nargs="*", help="API service names: cvm mqtt as ...")
    parser.add_argument("--dist-dir", type=Path, default=ROOT / "dist")
    parser.add_argument("--no-core", action="store_true", help="only the service wheels")
    parser.add_argument("--jobs", type=int, default=None, help="parallel builds (CPUs)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        dists = plan(args.services or None, core=not args.no_core)
    except SpecError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not args.services:
        # The whole catalog: dist/ then holds exactly this version's slim wheels.
        version = Project.read().version
        for old in args.dist_dir.glob(f"tcapi_*-{version}-*.whl"):
            old.unlink()
    wheels = build(dists, args.dist_dir, jobs=args.jobs)
    total = sum(w.stat().st_size for w in wheels)
    for wheel in wheels[:5]:
        print(f"{wheel.stat().st_size:>12,}  {wheel.relative_to(args.dist_dir.parent)}")
    if len(wheels) > 5:
        print(f"{'...':>12}  and {len(wheels) - 5} more")
    print(
        f"built {len(wheels)} wheels, {total:,} bytes, into {args.dist_dir} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
