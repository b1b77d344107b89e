"""The slim distributions as users install them: tcapi-core and tcapi-<service>
wheels built from this checkout (packaging_tools/dists.py), installed with pip into
a fresh ``python -m venv`` (no system site-packages; tcapi's dependencies from the
package index, pinned to the versions this test runs with), then used there in a
subprocess: the embedded emulator, a real call, and service discovery through
entry points as services are installed and removed."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.schema import SpecError
from packaging_tools import dists
from packaging_tools.layout import Project, committed_services

VERSION = Project.read().version
LICENSE = Path(__file__).resolve().parents[1] / "LICENSE"
# tcapi-core's dependencies and theirs, pinned to this environment's versions, so
# the venv gets what the suite is tested with (and pip's cache usually has it).
DEPENDENCIES = (
    "attrs",
    "urllib3",
    "aiohttp",
    "aiohappyeyeballs",
    "aiosignal",
    "frozenlist",
    "multidict",
    "propcache",
    "yarl",
    "idna",
)

# Run in the fresh venv with -I (no cwd, no PYTHONPATH, no user site): what a user
# of the installed dists sees. Prints one JSON object.
PROBE = textwrap.dedent(
    """
    import importlib.metadata, importlib.util, json, sys
    import tcapi
    from tcapi import CommonClient
    from tcapi.emulator import Emulator
    from tcapi.emulator.catalog import installed_packages
    from tcapi.errors import ApiError
    from tcapi.mqtt import MqttClient

    out = {
        "tcapi_file": tcapi.__file__,
        "prefix": sys.prefix,
        "discovered": sorted({service for service, _ in installed_packages()}),
        "importable": {
            name: importlib.util.find_spec("tcapi." + name) is not None
            for name in ("mqtt", "cvm", "sts", "vpc")
        },
        "pytest11": [str(ep.value) for ep in importlib.metadata.entry_points(group="pytest11")],
        "dists": sorted(
            d.metadata["Name"] for d in importlib.metadata.distributions()
            if d.metadata["Name"].startswith("tcapi")
        ),
    }
    with Emulator(instance_ready_delay=0.1) as emu:
        out["served"] = {s: emu.app.catalog.has_service(s) for s in ("mqtt", "cvm", "sts")}
        with emu.client(MqttClient) as client:
            iid = client.create_instance(
                instance_type="BASIC", name="slim", sku_code="basic_1k"
            ).instance_id
            client.wait_until_instance_ready(instance_id=iid)
            out["mqtt_status"] = client.describe_instance(instance_id=iid).instance_status
        if out["importable"]["cvm"]:
            from tcapi.cvm import CvmClient
            with emu.client(CvmClient) as cvm:
                out["cvm_regions"] = cvm.describe_regions().total_count
        else:
            with emu.client(CommonClient, service="cvm", version="2017-03-12") as common:
                try:
                    common.call("DescribeRegions", {})
                except ApiError as err:
                    out["cvm_error"] = err.code
    print(json.dumps(out))
    """
)


@dataclass(frozen=True)
class Built:
    wheels: dict[str, Path]  # distribution name -> wheel
    dist_dir: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """tcapi-core, tcapi-mqtt (committed) and tcapi-cvm (generated into a temp dir)."""
    tmp = tmp_path_factory.mktemp("dists")
    plan = dists.plan(["mqtt", "cvm"], catalog=tmp / "catalog")
    wheels = dists.build(plan, tmp / "dist", work=tmp / "stage")
    return Built({d.name: w for d, w in zip(plan, wheels, strict=True)}, tmp / "dist")


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        return z.namelist()


def _dist_info(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as z:
        (path,) = (n for n in z.namelist() if n.endswith(f".dist-info/{name}"))
        return z.read(path).decode()


def test_plan_names_core_and_each_service(tmp_path: Path) -> None:
    plan = dists.plan(["mqtt"])
    assert [d.name for d in plan] == ["tcapi-core", "tcapi-mqtt"]
    with pytest.raises(SpecError, match="no such service in the spec: nosuchservice"):
        dists.plan(["nosuchservice"], catalog=tmp_path, core=False)


def test_keyword_service_is_tcapi_as_with_package_as_(tmp_path: Path) -> None:
    """`as` (Auto Scaling): distribution tcapi-as, package tcapi/as_, entry point
    `as = tcapi.as_`; the staged pyproject is valid TOML setuptools reads as such."""
    folder = tmp_path / "as_"
    (folder / "v20180419").mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "v20180419" / "__init__.py").write_text("")
    dist = dists.service_dist("as_", folder, Project.read())
    staged = dists.stage(dist, Project.read(), tmp_path / "stage")
    assert (staged / "tcapi" / "as_" / "v20180419" / "__init__.py").is_file()
    assert not (staged / "tcapi" / "__init__.py").exists()
    project = tomllib.loads((staged / "pyproject.toml").read_text())["project"]
    assert project["name"] == "tcapi-as"
    assert project["version"] == VERSION
    assert project["dependencies"] == [f"tcapi-core=={VERSION}"]
    assert project["entry-points"] == {"tcapi.services": {"as": "tcapi.as_"}}


def test_core_wheel_is_runtime_and_emulator_only(built: Built) -> None:
    names = _names(built.wheels["tcapi-core"])
    files = [n for n in names if not n.startswith(f"tcapi_core-{VERSION}.dist-info/")]
    assert "tcapi/__init__.py" in files and "tcapi/py.typed" in files
    assert "tcapi/emulator/__main__.py" in files and "tcapi/emulator/services/mqtt.py" in files
    assert all(n.startswith(("tcapi/", "tcapi/emulator/")) for n in files)
    # No service, no bytecode.
    services = {*committed_services(), "cvm"}
    assert not [n for n in files if n.split("/")[1] in services], "a service in tcapi-core"
    assert not [n for n in files if "__pycache__" in n or n.endswith(".pyc")]
    metadata = _dist_info(built.wheels["tcapi-core"], "METADATA")
    with (Path(__file__).resolve().parents[1] / "pyproject.toml").open("rb") as f:
        wanted = tomllib.load(f)["project"]["dependencies"]
    required = [
        line.split(": ", 1)[1]
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    assert required == wanted
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    assert "Description-Content-Type: text/markdown" in metadata.splitlines()
    assert "\n\n# tcapi-core\n\nThe runtime of tcapi" in metadata
    assert _dist_info(built.wheels["tcapi-core"], "licenses/LICENSE") == LICENSE.read_text()
    entry_points = _dist_info(built.wheels["tcapi-core"], "entry_points.txt")
    assert "tcapi-emulator = tcapi.emulator.__main__:main" in entry_points
    assert "tcapi_emulator = tcapi.emulator.pytest_plugin" in entry_points
    assert "tcapi.services" not in entry_points


@pytest.mark.parametrize("service", ["mqtt", "cvm"])
def test_service_wheel_is_its_package_only(built: Built, service: str) -> None:
    wheel = built.wheels[f"tcapi-{service}"]
    assert wheel.name == f"tcapi_{service}-{VERSION}-py3-none-any.whl"
    files = [n for n in _names(wheel) if ".dist-info/" not in n]
    assert files and all(n.startswith(f"tcapi/{service}/") for n in files)
    assert f"tcapi/{service}/py.typed" in files
    assert any(n.endswith("/examples.json") for n in files)
    assert any(n.endswith("/_schema.py") for n in files)
    metadata = _dist_info(wheel, "METADATA")
    assert f"Requires-Dist: tcapi-core=={VERSION}" in metadata.splitlines()
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    # A description an index can show (twine check --strict in nox -s build refuses none).
    assert "Description-Content-Type: text/markdown" in metadata.splitlines()
    assert f"\n\n# tcapi-{service}\n\nThe Tencent Cloud API 3.0 `{service}` service" in metadata
    assert _dist_info(wheel, "licenses/LICENSE") == LICENSE.read_text()
    assert _dist_info(wheel, "entry_points.txt").split() == [
        "[tcapi.services]",
        service,
        "=",
        f"tcapi.{service}",
    ]


def test_wheels_are_reproducible(built: Built, tmp_path: Path) -> None:
    """The same sources give the same bytes (SOURCE_DATE_EPOCH fixes timestamps)."""
    (again,) = dists.build(dists.plan(["mqtt"], core=False), tmp_path, work=tmp_path / "s")
    assert again.read_bytes() == built.wheels["tcapi-mqtt"].read_bytes()


# -- installed into a fresh venv ------------------------------------------------------


@dataclass(frozen=True)
class Venv:
    python: Path
    constraints: Path

    def pip(self, *args: str) -> None:
        """This environment's pip, installing into the venv (which has none of its
        own: creating one costs seconds)."""
        command = [sys.executable, "-m", "pip", "--python", str(self.python), *args]
        done = subprocess.run(command, capture_output=True, text=True, env=_clean_env())
        assert done.returncode == 0, done.stdout + done.stderr

    def install(self, *wheels: Path) -> None:
        self.pip("install", "--quiet", "--constraint", str(self.constraints), *map(str, wheels))

    def probe(self) -> dict[str, Any]:
        done = subprocess.run(
            [str(self.python), "-I", "-c", PROBE],
            capture_output=True,
            text=True,
            cwd=self.python.parent,
            env=_clean_env(),
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
        return result


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(root / "env")
    pins = []
    for name in DEPENDENCIES:
        try:
            pins.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    constraints = root / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    python = root / "env" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    yield Venv(python, constraints)


def test_installed_services_are_exactly_the_installed_dists(built: Built, fresh_venv: Venv) -> None:
    """core + mqtt: tcapi.mqtt works against the embedded emulator, cvm is neither
    importable nor served; adding tcapi-cvm adds both; removing it removes both
    and leaves core and mqtt intact."""
    fresh_venv.install(built.wheels["tcapi-core"], built.wheels["tcapi-mqtt"])
    env = fresh_venv.python.parent.parent
    console_script = env / "bin" / "tcapi-emulator"

    first = fresh_venv.probe()
    assert Path(first["tcapi_file"]).is_relative_to(env), "tcapi imported from outside the venv"
    assert first["dists"] == ["tcapi-core", "tcapi-mqtt"]
    assert first["discovered"] == ["mqtt"]
    assert first["importable"] == {"mqtt": True, "cvm": False, "sts": False, "vpc": False}
    assert first["served"] == {"mqtt": True, "cvm": False, "sts": False}
    assert first["mqtt_status"] == "RUNNING"
    assert first["cvm_error"] == "NoSuchProduct"
    assert "tcapi.emulator.pytest_plugin" in first["pytest11"]
    assert console_script.is_file()

    fresh_venv.install(built.wheels["tcapi-cvm"])
    second = fresh_venv.probe()
    assert second["dists"] == ["tcapi-core", "tcapi-cvm", "tcapi-mqtt"]
    assert second["discovered"] == ["cvm", "mqtt"]
    assert second["importable"] == {"mqtt": True, "cvm": True, "sts": False, "vpc": False}
    assert second["served"] == {"mqtt": True, "cvm": True, "sts": False}
    assert second["cvm_regions"] == 9  # DescribeRegions' documented example: examples.json shipped
    assert second["mqtt_status"] == "RUNNING"

    fresh_venv.pip("uninstall", "--yes", "--quiet", "tcapi-cvm")
    third = fresh_venv.probe()
    assert third["dists"] == ["tcapi-core", "tcapi-mqtt"]
    assert third["discovered"] == ["mqtt"]
    assert third["importable"]["cvm"] is False and third["cvm_error"] == "NoSuchProduct"
    assert third["mqtt_status"] == "RUNNING"
    assert not (Path(third["tcapi_file"]).parent / "cvm").exists()
