"""Maps the repository's folders onto the one import package ``tcapi``.

``runtime/`` (hand-written) becomes ``tcapi``, ``emulator/`` becomes
``tcapi.emulator`` and every service folder that the generator wrote under
``generated/`` becomes ``tcapi.<service>``. Each generated service is also
registered under the ``tcapi.services`` entry-point group, which is how the
emulator discovers them in both regular and editable installs. Nothing here
names a particular service.
"""

import keyword
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
package_dir = {"tcapi": "runtime", "tcapi.emulator": "emulator"}
packages = ["tcapi", *(f"tcapi.emulator.{p}" for p in find_packages("emulator")), "tcapi.emulator"]
services = sorted(p.name for p in (ROOT / "generated").iterdir() if (p / "__init__.py").is_file())
for service in services:
    package_dir[f"tcapi.{service}"] = f"generated/{service}"
    packages.append(f"tcapi.{service}")
    packages.extend(f"tcapi.{service}.{sub}" for sub in find_packages(f"generated/{service}"))


def api_name(package: str) -> str:
    """The API service name of a generated package: the generator appends ``_``
    to a service name that is a Python keyword."""
    base = package.removesuffix("_")
    return base if package.endswith("_") and keyword.iskeyword(base) else package


setup(
    package_dir=package_dir,
    packages=packages,
    package_data={pkg: ["py.typed", "*.json"] for pkg in packages},
    entry_points={
        "console_scripts": ["tcapi-emulator = tcapi.emulator.__main__:main"],
        # name = the API service (signing name), value = the package (`as` → tcapi.as_)
        "tcapi.services": [f"{api_name(s)} = tcapi.{s}" for s in services],
        # Users' test suites get the tcapi_emulator fixtures without configuration.
        "pytest11": ["tcapi_emulator = tcapi.emulator.pytest_plugin"],
    },
)
