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

The facts shared with the slim distributions (``nox -s build``) live in
``packaging_tools/layout.py``.
"""

import os
import shutil
import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).resolve().parent))  # packaging_tools, generator
from packaging_tools.layout import (
    COMMITTED,
    CONSOLE_SCRIPTS,
    EMULATOR,
    PACKAGE_DATA,
    PYTEST_PLUGINS,
    ROOT,
    SERVICES_GROUP,
    build_catalog,
    service_entry_point,
    service_folders,
)


def selected_services() -> list[str] | None:
    """``TCAPI_SERVICES``: None (unset: every service), [] (``none``), or the names."""
    value = os.environ.get("TCAPI_SERVICES", "").strip()
    if not value:
        return None
    return sorted({s.strip() for s in value.split(",") if s.strip() and s.strip() != "none"})


class FreshBuildPy(build_py):
    """build_py into an empty build/lib: a service left out of this build (or
    removed from spec/) must not ride along from an earlier one."""

    def run(self) -> None:
        shutil.rmtree(self.build_lib, ignore_errors=True)
        super().run()


package_dir = {"tcapi": "runtime", "tcapi.emulator": "emulator"}
packages = [
    "tcapi",
    *(f"tcapi.emulator.{p}" for p in find_packages(str(EMULATOR))),
    "tcapi.emulator",
]
roots = [COMMITTED]
catalog = build_catalog(selected_services())
if catalog is not None:
    roots.append(catalog)
services = service_folders(roots)  # committed wins
for service, folder in services.items():
    rel = folder.relative_to(ROOT).as_posix()
    package_dir[f"tcapi.{service}"] = rel
    packages.append(f"tcapi.{service}")
    packages.extend(f"tcapi.{service}.{sub}" for sub in find_packages(str(folder)))

setup(
    cmdclass={"build_py": FreshBuildPy},
    package_dir=package_dir,
    packages=packages,
    package_data={pkg: list(PACKAGE_DATA) for pkg in packages},
    entry_points={
        "console_scripts": list(CONSOLE_SCRIPTS),
        # name = the API service (signing name), value = the package (`as` → tcapi.as_)
        SERVICES_GROUP: [service_entry_point(s) for s in sorted(services)],
        "pytest11": list(PYTEST_PLUGINS),
    },
)
