"""tcapi against the local emulator over real sockets, sync and async."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tcapi import (
    Credential,
    CredentialsError,
    InvalidParameterError,
    RetryPolicy,
)
from tcapi.emulator import Emulator
from tcapi.emulator.services.mqtt import seed_instance
from tcapi.errors import ConfigurationError
from tcapi.mqtt import AsyncMqttClient, MqttClient, errors, models

from .seeds import DOC_INSTANCE
from .test_models import doc_example_request

SEED: dict[str, Any] = {
    "instance_id": "mqtt-qzgaq8bk",
    "device_id": "device-2",
    "status": "1",
    "primary_key": "pk1",
    "secondary_key": "sk1",
    "propagating_properties": [models.PropagatingProperty(key="key-1", value="key-b")],
}
EXAMPLE_REQUEST_ID = "30a1df4f-1a90-4241-8f77-9e568f5d0149"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def assert_fresh_request_id(request_id: str | None) -> None:
    assert request_id is not None and request_id != EXAMPLE_REQUEST_ID
    uuid.UUID(request_id)


def test_create_device_identity_sends_the_doc_example_and_returns_typed_response(
    client: MqttClient, emulator: Emulator
) -> None:
    resp = client.create_device_identity(**SEED)
    assert isinstance(resp, models.CreateDeviceIdentityResponse)
    assert_fresh_request_id(resp.request_id)
    [rec] = emulator.requests
    assert rec.action == "CreateDeviceIdentity" and rec.error_code is None
    assert rec.params == doc_example_request()
    headers = {k.lower(): v for k, v in rec.headers.items()}
    assert headers["x-tc-action"] == "CreateDeviceIdentity"
    assert headers["x-tc-version"] == "2024-05-16"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert headers["x-tc-language"] == "en-US"
    assert headers["x-tc-requestclient"].startswith("tcapi/")
    assert headers["content-type"] == "application/json"
    assert abs(int(headers["x-tc-timestamp"]) - time.time()) < 5
    assert "x-tc-token" not in headers


@pytest.mark.anyio
async def test_async_client_mirrors_the_sync_call(
    async_client: AsyncMqttClient, emulator: Emulator
) -> None:
    resp = await async_client.create_device_identity(**SEED)
    assert_fresh_request_id(resp.request_id)
    assert emulator.requests[0].params == doc_example_request()


def test_prebuilt_request_object_is_accepted(client: MqttClient, emulator: Emulator) -> None:
    req = models.CreateDeviceIdentityRequest(**SEED)
    assert_fresh_request_id(client.create_device_identity(req).request_id)
    assert emulator.requests[0].params == req.to_dict()
    with pytest.raises(TypeError, match="not both"):
        client.create_device_identity(req, device_id="x")  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("kwargs", "error", "names"),
    [
        ({"instance_id": "i"}, TypeError, "device_id"),
        ({"instance_id": "i", "device_id": "d", "devcie_name": "x"}, TypeError, "devcie_name"),
        ({"instance_id": "i", "device_id": 7}, InvalidParameterError, "DeviceId"),
        (
            {"instance_id": "i", "device_id": "d", "propagating_properties": [{"Key": "k"}]},
            InvalidParameterError,
            "PropagatingProperties[0]",
        ),
    ],
)
def test_bad_input_fails_before_anything_is_sent(
    client: MqttClient,
    emulator: Emulator,
    kwargs: dict[str, Any],
    error: type[Exception],
    names: str,
) -> None:
    with pytest.raises(error) as info:
        client.create_device_identity(**kwargs)
    assert names in str(info.value)
    assert emulator.requests == []


def test_duplicate_raises_typed_error_caught_by_parent_code(client: MqttClient) -> None:
    client.create_device_identity(**SEED)
    with pytest.raises(errors.UnsupportedOperation) as info:
        client.create_device_identity(**SEED)
    err = info.value
    assert type(err) is errors.UnsupportedOperationResourceAlreadyExists
    assert err.code == "UnsupportedOperation.ResourceAlreadyExists"
    assert "device-2" in err.message
    assert_fresh_request_id(err.request_id)
    assert err.action == "CreateDeviceIdentity"
    assert isinstance(err, errors.ApiError)


@pytest.mark.anyio
async def test_async_duplicate_raises_the_same_typed_error(async_client: AsyncMqttClient) -> None:
    await async_client.create_device_identity(**SEED)
    with pytest.raises(errors.UnsupportedOperationResourceAlreadyExists) as info:
        await async_client.create_device_identity(**SEED)
    assert_fresh_request_id(info.value.request_id)


def test_wrong_secret_key_is_a_signature_failure(emulator: Emulator) -> None:
    bad = Credential(emulator.secret_id, "not-the-key")
    with MqttClient(credential=bad, region="ap-guangzhou", endpoint=emulator.endpoint) as c:
        with pytest.raises(errors.AuthFailure) as info:
            c.create_device_identity(**SEED)
    assert type(info.value) is errors.AuthFailureSignatureFailure
    assert info.value.request_id


def test_unknown_secret_id_is_reported(emulator: Emulator) -> None:
    stranger = Credential("AKIDnobodyknowsthisid", emulator.secret_key)
    with MqttClient(credential=stranger, region="ap-guangzhou", endpoint=emulator.endpoint) as c:
        with pytest.raises(errors.AuthFailureSecretIdNotFound):
            c.create_device_identity(**SEED)


def test_unknown_parameter_from_unknown_fields_is_rejected_by_the_server(
    client: MqttClient, emulator: Emulator
) -> None:
    req = models.CreateDeviceIdentityRequest(
        instance_id="i", device_id="d", unknown_fields={"Colour": "red"}
    )
    with pytest.raises(errors.UnknownParameter, match="Colour"):
        client.create_device_identity(req)
    assert emulator.requests[0].params == {"InstanceId": "i", "DeviceId": "d", "Colour": "red"}


def test_language_is_configurable_and_checked(emulator: Emulator, credential: Credential) -> None:
    with MqttClient(
        credential=credential, region="ap-guangzhou", endpoint=emulator.endpoint, language="zh-CN"
    ) as c:
        c.create_device_identity(instance_id=DOC_INSTANCE, device_id="d")
    assert emulator.requests[0].headers.get("x-tc-language") == "zh-CN"
    with pytest.raises(ConfigurationError, match="language"):
        MqttClient(credential=credential, region="ap-guangzhou", language="fr-FR")


def test_region_is_required_and_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, credential: Credential, emulator: Emulator
) -> None:
    monkeypatch.delenv("TENCENTCLOUD_REGION", raising=False)
    with pytest.raises(ConfigurationError, match="region"):
        MqttClient(credential=credential)
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    shanghai = seed_instance(emulator.app, region="ap-shanghai")
    with MqttClient(credential=credential, endpoint=emulator.endpoint) as c:
        c.create_device_identity(instance_id=shanghai, device_id="d")
    assert emulator.requests[0].region == "ap-shanghai"


def test_default_endpoint_is_the_international_site(credential: Credential) -> None:
    with MqttClient(credential=credential, region="ap-guangzhou") as c:
        assert c.endpoint == "https://mqtt.intl.tencentcloudapi.com/"
    with MqttClient(
        credential=credential, region="ap-guangzhou", endpoint="mqtt.tencentcloudapi.com"
    ) as c:
        assert c.endpoint == "https://mqtt.tencentcloudapi.com/"
    for bad in ("ftp://x", "https://host/path", "http://:80", ""):
        with pytest.raises(ConfigurationError):
            MqttClient(credential=credential, region="ap-guangzhou", endpoint=bad)


def test_credentials_from_environment(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", emulator.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", emulator.secret_key)
    with MqttClient(region="ap-guangzhou", endpoint=emulator.endpoint) as c:
        assert_fresh_request_id(
            c.create_device_identity(instance_id=DOC_INSTANCE, device_id="d").request_id
        )


def test_credentials_from_profile_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, emulator: Emulator
) -> None:
    for var in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TCAPI_DISABLE_METADATA", "1")  # off-cloud for sure, even on a CVM
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".tencentcloud").mkdir()
    (tmp_path / ".tencentcloud/credentials").write_text(
        f"[default]\nsecret_id = {emulator.secret_id}\nsecret_key = {emulator.secret_key}\n"
    )
    with MqttClient(region="ap-guangzhou", endpoint=emulator.endpoint) as c:
        assert_fresh_request_id(
            c.create_device_identity(instance_id=DOC_INSTANCE, device_id="d").request_id
        )


def test_no_credentials_says_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, emulator: Emulator
) -> None:
    for var in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with MqttClient(region="ap-guangzhou", endpoint=emulator.endpoint) as c:
        with pytest.raises(CredentialsError) as info:
            c.create_device_identity(instance_id=DOC_INSTANCE, device_id="d")
    text = str(info.value)
    assert "TENCENTCLOUD_SECRET_ID" in text and str(tmp_path / ".tencentcloud/credentials") in text
    assert emulator.requests == []


def test_context_managers_close_their_pools(credential: Credential) -> None:
    with MqttClient(credential=credential, region="ap-guangzhou") as c:
        pass
    assert c._pool.closed


@pytest.mark.anyio
async def test_async_context_manager_closes_its_pool(credential: Credential) -> None:
    async with AsyncMqttClient(credential=credential, region="ap-guangzhou") as c:
        pass
    assert c._pool.closed


def test_retry_policy_does_not_swallow_success(emulator: Emulator, credential: Credential) -> None:
    with MqttClient(
        credential=credential,
        region="ap-guangzhou",
        endpoint=emulator.endpoint,
        retry=RetryPolicy(max_attempts=5),
    ) as c:
        c.create_device_identity(instance_id=DOC_INSTANCE, device_id="d")
        with pytest.raises(errors.UnsupportedOperationResourceAlreadyExists):
            c.create_device_identity(instance_id=DOC_INSTANCE, device_id="d")
    # A business error is final: exactly one request each, no retries.
    assert len(emulator.requests) == 2


def test_caller_supplied_http_client_is_used_and_left_open(
    emulator: Emulator, credential: Credential
) -> None:
    import httpx

    seen: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda r: seen.append(r.url.host)]}) as http:
        with MqttClient(
            credential=credential,
            region="ap-guangzhou",
            endpoint=emulator.endpoint,
            http_client=http,
        ) as c:
            c.create_device_identity(instance_id=DOC_INSTANCE, device_id="d")
        assert seen == ["127.0.0.1"]
        assert not http.is_closed  # the caller owns it
