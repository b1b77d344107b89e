"""Maps the repository's folders onto the one import package ``tcapi``.

``runtime/`` (hand-written) becomes ``tcapi`` and ``emulator/`` becomes
``tcapi.emulator``. Every generated service becomes ``tcapi.<service>``: the
services committed under ``generated/`` (``[tool.tcapi] committed-services``)
from there, every other service in ``spec/`` from ``build/catalog/``, which is
generated here when the package is built and regenerated only when spec/ or
the generator changed (a digest of both is kept beside it). So a template
change never rewrites the whole catalog in git.

``TCAPI_SERVICES=cvm,vpc`` packages only those services (plus the committed
ones), for quick development installs. Each service is registered under the
``tcapi.services`` entry-point group, which is how the emulator discovers them
in regular and editable installs. Nothing here names a particular service.
"""

import hashlib
import keyword
import os
import shutil
import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
SPEC = ROOT / "spec"
COMMITTED = ROOT / "generated"


def api_name(package: str) -> str:
    """The API service name of a generated package: the generator appends ``_``
    to a service name that is a Python keyword."""
    base = package.removesuffix("_")
    return base if package.endswith("_") and keyword.iskeyword(base) else package


def selected_services() -> list[str] | None:
    """``TCAPI_SERVICES``: None (unset: every service), [] (``none``), or the names."""
    value = os.environ.get("TCAPI_SERVICES", "").strip()
    if not value:
        return None
    return sorted({s.strip() for s in value.split(",") if s.strip() and s.strip() != "none"})


def digest(selection: list[str] | None) -> str:
    """What the generated catalog depends on: spec/, the generator, the selection."""
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


def build_catalog() -> Path | None:
    """Generate every non-committed service into build/catalog (once per digest)."""
    if not SPEC.is_dir():
        return None
    selection = selected_services()
    name = "catalog" if selection is None else "catalog-" + ("-".join(selection)[:80] or "none")
    out = ROOT / "build" / name
    stamp = out / ".digest"
    wanted = digest(selection)
    if stamp.is_file() and stamp.read_text() == wanted:
        return out
    sys.path.insert(0, str(ROOT))
    from generator.cli import committed_services, generate  # noqa: PLC0415

    total, written, _ = generate(
        SPEC, out, selection, exclude=committed_services(), keep_going=True
    )
    print(f"tcapi: generated {total} catalog files into {out} ({written} written)")
    out.mkdir(parents=True, exist_ok=True)
    stamp.write_text(wanted)
    return out


class FreshBuildPy(build_py):
    """build_py into an empty build/lib: a service left out of this build (or
    removed from spec/) must not ride along from an earlier one."""

    def run(self) -> None:
        shutil.rmtree(self.build_lib, ignore_errors=True)
        super().run()


package_dir = {"tcapi": "runtime", "tcapi.emulator": "emulator"}
packages = ["tcapi", *(f"tcapi.emulator.{p}" for p in find_packages("emulator")), "tcapi.emulator"]
services: list[str] = []
roots = [COMMITTED]
catalog = build_catalog()
if catalog is not None:
    roots.append(catalog)
for root in roots:
    for folder in sorted(p for p in root.iterdir() if (p / "__init__.py").is_file()):
        service = folder.name
        if service in services:
            continue  # committed wins
        services.append(service)
        rel = folder.relative_to(ROOT).as_posix()
        package_dir[f"tcapi.{service}"] = rel
        packages.append(f"tcapi.{service}")
        packages.extend(f"tcapi.{service}.{sub}" for sub in find_packages(rel))

setup(
    cmdclass={"build_py": FreshBuildPy},
    package_dir=package_dir,
    packages=packages,
    package_data={pkg: ["py.typed", "*.json"] for pkg in packages},
    entry_points={
        "console_scripts": ["tcapi-emulator = tcapi.emulator.__main__:main"],
        # name = the API service (signing name), value = the package (`as` → tcapi.as_)
        "tcapi.services": [f"{api_name(s)} = tcapi.{s}" for s in sorted(services)],
        # Users' test suites get the tcapi_emulator fixtures without configuration.
        "pytest11": ["tcapi_emulator = tcapi.emulator.pytest_plugin"],
    },
)
