"""Importing tcapi and a service package stays cheap: what a client needs beyond
its own module (attrs, credentials, retry, the HTTP library) loads with the first
client, and every public name still resolves. Real subprocesses: a fresh interpreter
is the only honest view of what an import loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import tcapi

HEAVY = [
    "attr",
    "attrs",
    "urllib3",
    "aiohttp",
    "httpx",
    "ssl",
    "tcapi.credentials",
    "tcapi.retry",
    "logging.handlers",
]


def loaded_after(code: str) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    modules: list[str] = json.loads(out.splitlines()[-1])
    return modules


def test_importing_service_packages_loads_none_of_the_client_machinery() -> None:
    modules = loaded_after("import tcapi.mqtt, tcapi.sts, tcapi.cvm")
    assert "tcapi.cvm.v20170312" not in modules  # the newest version: on first use
    assert "tcapi.cvm.v20170312.client" not in modules
    assert [m for m in HEAVY if m in modules] == []
    assert not any(m.startswith("tcapi.cvm.v20170312.models.") for m in modules)
    used = loaded_after(
        "from tcapi.cvm import CvmClient, errors\nimport tcapi.mqtt\ntcapi.mqtt.models"
    )
    assert {"tcapi.cvm.v20170312.client", "tcapi.cvm.v20170312.errors"} <= set(used)
    assert "tcapi.mqtt.v20240516.models" in used


def test_lazy_package_names() -> None:
    import tcapi.mqtt
    import tcapi.mqtt.v20240516 as version

    assert tcapi.mqtt.MqttClient is version.MqttClient
    assert tcapi.mqtt.errors is version.errors and tcapi.mqtt.models is version.models
    assert set(tcapi.mqtt.__all__) == {"AsyncMqttClient", "MqttClient", "errors", "models"}
    with pytest.raises(AttributeError, match=r"'tcapi\.mqtt' has no attribute 'MqtClient'"):
        tcapi.mqtt.MqtClient  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(ImportError):
        from tcapi.mqtt import Nope  # type: ignore[attr-defined]  # noqa: F401


def test_a_command_line_call_needs_no_models() -> None:
    """The tcapi command validates by the schema: no attrs, no compiled model classes,
    no generated client module (each would cost its start-up time). The command's
    main() in a fresh interpreter, then the modules it loaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "TCCLI_"))}
    env.update(TENCENTCLOUD_SECRET_ID="AKIDexample", TENCENTCLOUD_SECRET_KEY="key",
               TCAPI_DISABLE_METADATA="1")  # fmt: skip
    argv = ["cvm", "DescribeInstances", "--Limit", "2", "--Filters",
            "Name=zone,Values=ap-guangzhou-3", "--region", "ap-guangzhou", "--dry-run"]  # fmt: skip
    probe = (
        "import json, sys, tcapi.cli\n"
        f"code = tcapi.cli.main({argv!r})\n"
        "print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60,
        check=False,
    )  # fmt: skip
    code, modules = json.loads(result.stderr.splitlines()[-1])
    assert code == 0 and "X-TC-Action: DescribeInstances" in result.stdout
    assert "tcapi.cvm.v20170312._schema" in modules
    heavy = ("attr", "attrs", "tcapi.model", "tcapi._compile", "tcapi.cvm.v20170312.client")
    assert [m for m in heavy if m in modules] == []


NETWORK = ["urllib3", "aiohttp", "httpx", "ssl", "http.client", "tcapi._urllib3", "tcapi._aiohttp"]


def test_building_a_client_loads_no_network_library() -> None:
    code = (
        "from tcapi.cvm import AsyncCvmClient, CvmClient\n"
        "from tcapi import Credential\n"
        "cred = Credential('AKIDx', 'k')\n"
        "CvmClient(credential=cred, region='ap-guangzhou')\n"
        "AsyncCvmClient(credential=cred, region='ap-guangzhou')"
    )
    modules = loaded_after(code)
    assert {"tcapi.credentials", "tcapi.retry"} <= set(modules)
    assert [m for m in NETWORK if m in modules] == []
    # attrs (the models) and hashing (the signer) load with the first request too
    assert [m for m in ("attr", "attrs", "hashlib", "hmac", "tcapi.signing") if m in modules] == []


def test_the_first_request_loads_its_transport_and_no_other() -> None:
    # An http endpoint nobody listens on: the request fails to connect, after
    # loading the sync transport's library; no SSL context is ever built for it.
    code = (
        "import socket\n"
        "from tcapi.cvm import CvmClient\n"
        "from tcapi import ConnectError, Credential, RetryPolicy\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()\n"
        "c = CvmClient(credential=Credential('AKIDx', 'k'), region='ap-guangzhou',\n"
        "              endpoint=f'http://127.0.0.1:{port}', retry=RetryPolicy(max_attempts=1))\n"
        "try:\n"
        "    c.describe_regions()\n"
        "except ConnectError:\n"
        "    pass\n"
        "from tcapi import _tls\n"
        "assert not _tls._SSL_CONTEXTS\n"
    )
    modules = loaded_after(code)
    assert {"urllib3", "tcapi._urllib3"} <= set(modules)
    assert [m for m in ("aiohttp", "httpx", "tcapi._aiohttp") if m in modules] == []


def test_every_public_name_and_module_resolves_lazily() -> None:
    for name in tcapi.__all__:
        assert getattr(tcapi, name) is not None, name
    assert tcapi.errors.ApiError is tcapi.ApiError
    assert set(tcapi.__all__) <= set(dir(tcapi))
    modules = loaded_after("import tcapi; tcapi.Credential; tcapi.errors.ApiError")
    assert "tcapi.credentials" in modules and "tcapi.client" not in modules
