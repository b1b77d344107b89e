"""What a client checks when it is built and what every request says about itself:
regions and credentials that cannot be right are refused naming the field (never
quoting a secret), and the User-Agent names tcapi, Python and the HTTP library."""

from __future__ import annotations

import sys
import traceback

import pytest

from tcapi import Credential, CredentialsError
from tcapi.emulator import Emulator
from tcapi.errors import ConfigurationError
from tcapi.mqtt import AsyncMqttClient, MqttClient

SECRET = "s3cr3tKEYs3cr3tKEYs3cr3tKEY0123"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("region", ["ap-广州", "ap\u2010guangzhou", "123", "ap guangzhou", "AP-GZ"])
def test_a_region_that_cannot_be_one_is_refused_when_the_client_is_built(region: str) -> None:
    with pytest.raises(ConfigurationError, match="does not look like a Tencent Cloud region"):
        MqttClient(credential=Credential("AKIDx", SECRET), region=region)


@pytest.mark.parametrize(
    ("field", "args"),
    [
        ("secret_id", ("AKIDabc\n", SECRET)),
        ("secret_key", ("AKIDabc", SECRET + "\n")),
        ("secret_key", ("AKIDabc", "é" + SECRET)),
        ("token", ("AKIDabc", SECRET, "tok en")),
    ],
)
def test_a_malformed_credential_names_the_field_and_never_the_value(
    field: str, args: tuple[str, ...]
) -> None:
    with pytest.raises(CredentialsError) as info:
        Credential(*args)
    text = "".join(traceback.format_exception(info.value))
    assert f"Credential.{field}" in str(info.value)
    assert SECRET not in text and "tok en" not in text


def test_every_request_carries_a_user_agent_naming_tcapi_python_and_the_library(
    emulator: Emulator,
) -> None:
    with emulator.client(MqttClient, region="ap-guangzhou", user_agent_extra="my-app/2") as c:
        c.call("DescribeInstanceList", {})
    agent = emulator.requests[-1].headers["user-agent"]
    python = f"Python/{sys.version_info[0]}.{sys.version_info[1]}"
    assert agent.startswith(f"tcapi/{__import__('tcapi').__version__} {python} urllib3/")
    assert agent.endswith(" my-app/2")


@pytest.mark.anyio
async def test_the_async_client_names_aiohttp(emulator: Emulator) -> None:
    async with emulator.client(AsyncMqttClient, region="ap-guangzhou") as c:
        await c.call("DescribeInstanceList", {})
    assert " aiohttp/" in emulator.requests[-1].headers["user-agent"]


def test_user_agent_extra_must_be_printable_ascii() -> None:
    with pytest.raises(ConfigurationError, match="user_agent_extra"):
        MqttClient(
            credential=Credential("AKIDx", SECRET), region="ap-guangzhou", user_agent_extra="a\r\nb"
        )


def test_a_call_on_a_closed_client_says_so(emulator: Emulator) -> None:
    client = emulator.client(MqttClient, region="ap-guangzhou")
    client.close()
    with pytest.raises(ConfigurationError, match="the client is closed"):
        client.call("DescribeInstanceList", {})


@pytest.mark.parametrize(
    ("endpoint", "says"),
    [
        ("http://user:hunter2@127.0.0.1:9/", "has user information"),
        ("u:hunter2@mqtt.tencentcloudapi.com", "has user information"),
        ("ftp://u:hunter2@example.com/", "scheme must be http or https"),
        ("http://u:hunter2@[::1", "has an invalid host"),
        ("http://u:hunter2@h:99999/", "has an invalid port"),
        ("http://u:hunter2@ho st/", "whitespace, control or non-ASCII"),
        ("https://mqtt.腾讯云.com", "whitespace, control or non-ASCII"),
    ],
)
def test_a_bad_endpoint_is_named_without_its_password(endpoint: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        MqttClient(credential=Credential("AKIDx", SECRET), region="ap-guangzhou", endpoint=endpoint)
    text = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert says in str(info.value)
    assert "hunter2" not in text
    if "hunter2" in endpoint:
        assert ":***@" in str(info.value)
