"""The whole catalog as users meet it: every installed service is served by the
emulator from its documented examples, and any action of any service can be
called by name (``client.call`` and ``CommonClient``), with typed errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tcapi import (
    AsyncCommonClient,
    CommonClient,
    Credential,
    InvalidParameterError,
    RetryPolicy,
)
from tcapi.emulator import Emulator
from tcapi.emulator.catalog import Catalog
from tcapi.errors import (
    ApiError,
    ConfigurationError,
    InvalidAction,
    InvalidParameterValue,
    MissingParameter,
    UnknownParameter,
)
from tcapi.mqtt import MqttClient

SPEC = Path(__file__).resolve().parents[1] / "spec"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(semantics=False, rate_limit=False) as e:
        yield e


def common(emu: Emulator, service: str, version: str, **options: Any) -> CommonClient:
    return CommonClient(
        service,
        version,
        endpoint=emu.endpoint,
        region="ap-guangzhou",
        credential=Credential(emu.secret_id, emu.secret_key),
        retry=RetryPolicy(max_attempts=1),
        throttle=False,
        **options,
    )


def first_documented(catalog: Catalog) -> list[tuple[str, str, str, dict[str, Any], Any]]:
    """(service, version, action, request, response) of every installed version's first
    documented action whose example request the emulator accepts as it is."""
    out = []
    for spec in catalog:
        for name, action in spec.actions.items():
            if action.examples and isinstance(action.examples[0].get("request"), dict):
                ex = action.examples[0]
                out.append((spec.service, spec.version, name, ex["request"], ex["response"]))
                break
    return out


def test_every_spec_version_is_installed_and_served() -> None:
    catalog = Catalog.installed()
    installed = {(s.service, s.version) for s in catalog}
    in_spec = {(p.parent.parent.name, p.parent.name) for p in SPEC.glob("*/*/service.yaml")}
    assert in_spec and in_spec <= installed, sorted(in_spec - installed)[:10]
    assert ("as", "2018-04-19") in installed  # the keyword service, as tcapi.as_


def test_every_installed_service_answers_a_documented_example(emu: Emulator) -> None:
    """Signed, routed by service and version, validated against the spec and
    answered: with the documented response, or (where the documented request
    breaks its own spec) with the validation error the real API gives."""
    cases = first_documented(emu.app.catalog)
    assert len(cases) > 250  # nearly every version documents an example
    exact, refused, wrong = 0, [], []
    clients: dict[tuple[str, str], CommonClient] = {}
    for service, version, action, request, response in cases:
        client = clients.setdefault((service, version), common(emu, service, version))
        documented_error = (response.get("Error") or {}).get("Code")
        try:
            got = client.call(action, request)
        except (MissingParameter, UnknownParameter, InvalidParameterValue) as exc:
            refused.append(f"{service} {version} {action}: {exc.code}")
            continue
        except ApiError as exc:  # the documented example is an error answer
            if exc.code == documented_error:
                exact += 1
            else:
                wrong.append(f"{service} {version} {action}: {exc.code}")
            continue
        documented = json.loads(json.dumps(response))
        documented.pop("RequestId", None)
        got.pop("RequestId")
        if got == documented:
            exact += 1
        else:
            wrong.append(f"{service} {version} {action}")
    for client in clients.values():
        client.close()
    assert wrong == []
    assert exact >= 0.9 * len(cases), refused


def test_call_returns_the_response_dict_with_typed_errors(emu: Emulator) -> None:
    with emu.client(MqttClient) as client:
        created = client.call("CreateDeviceIdentity", {"InstanceId": "mqtt-1", "DeviceId": "d1"})
        assert set(created) >= {"RequestId"}
        with pytest.raises(UnknownParameter):
            client.call("DescribeInstance", {"InstanceId": "x", "Bogus": 1})
        with pytest.raises(InvalidAction):
            client.call("NoSuchAction", {})
        with pytest.raises(InvalidParameterError, match="action must be"):
            client.call("Describe Instance", {})
        with pytest.raises(InvalidParameterError, match="params must be a mapping"):
            client.call("DescribeInstance", ["x"])  # type: ignore[arg-type]
    assert [r.action for r in emu.requests][-3:] == [
        "CreateDeviceIdentity",
        "DescribeInstance",
        "NoSuchAction",
    ]


def test_common_client_calls_any_service_and_version(emu: Emulator) -> None:
    with common(emu, "mqtt", "2024-05-16") as client:
        listed = client.call("DescribeInstanceList", {"Limit": 1})
        assert "TotalCount" in listed and isinstance(listed["RequestId"], str)
        with pytest.raises(MissingParameter) as info:  # the common class of the code
            client.call("DescribeInstance", {})
        assert info.value.code == "MissingParameter" and info.value.request_id
    rec = emu.requests[-1]
    headers = {k.lower(): v for k, v in rec.headers.items()}
    assert rec.action == "DescribeInstance" and headers["x-tc-version"] == "2024-05-16"


def test_async_common_client(emu: Emulator) -> None:
    async def run() -> dict[str, Any]:
        async with AsyncCommonClient(
            "mqtt",
            "2024-05-16",
            endpoint=emu.endpoint,
            region="ap-guangzhou",
            credential=Credential(emu.secret_id, emu.secret_key),
        ) as client:
            return await client.call("DescribeInstanceList", {})

    assert "RequestId" in asyncio.run(run())


@pytest.mark.parametrize(
    ("service", "version", "says"),
    [("", "2017-03-12", "service must be"), ("cvm", "20170312", "version must look like")],
)
def test_common_client_rejects_a_bad_service_or_version(
    service: str, version: str, says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says):
        CommonClient(service, version, region="ap-guangzhou", credential=Credential("a", "b"))
