"""The emulator against the official SDK: proof that it speaks the real protocol.

tencentcloud-sdk-python-mqtt 3.1.195 (sync and async clients, over real sockets)
drives the stateful device-identity actions: every signing method the SDK has
(TC3-HMAC-SHA256, HmacSHA256, HmacSHA1) over POST and GET; errors arrive as
TencentCloudSDKException with the code and RequestId the emulator recorded; and
tcapi's own client sees the same state and the same error codes. The official
SDK retries nothing by default (NoopRetryer) and its region breaker is off, so
nothing here sleeps.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from typing import Any

import pytest
from tencentcloud.common.credential import Credential as OfficialCredential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.mqtt.v20240516 import models as official_models
from tencentcloud.mqtt.v20240516.mqtt_client import MqttClient as OfficialMqttClient
from tencentcloud.mqtt.v20240516.mqtt_client_async import MqttClient as OfficialAsyncMqttClient

from tcapi import RetryPolicy
from tcapi.emulator import Emulator, RecordedRequest
from tcapi.emulator.services.mqtt import seed_instance
from tcapi.errors import ApiError
from tcapi.mqtt import MqttClient, errors, models

from .seeds import DOC_INSTANCE

REGION = "ap-guangzhou"
TC3 = "TC3-HMAC-SHA256"
ALREADY_EXISTS = "UnsupportedOperation.ResourceAlreadyExists"
NOT_READY_INSTANCE = "mqtt-notready"
WRONG_KEY = "x" * 32
UNKNOWN_SECRET_ID = "AKID" + "x" * 32
AWKWARD = "a b&c=d/é+%"
"""A property value that needs URL encoding (GET, v1 forms) and UTF-8 (the v1 string to sign)."""
SIGNINGS = [
    pytest.param(sign, method, id=f"{sign}-{method}")
    for sign in (TC3, "HmacSHA256", "HmacSHA1")
    for method in ("POST", "GET")
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the official async client is built on asyncio


def official_client(
    emu: Emulator,
    *,
    sign: str = TC3,
    method: str = "POST",
    secret_id: str | None = None,
    secret_key: str | None = None,
    asynchronous: bool = False,
) -> Any:
    """An official client for the emulator (``http://127.0.0.1:PORT``, no retries)."""
    http = HttpProfile(
        protocol="http", endpoint=f"127.0.0.1:{emu.port}", reqMethod=method, reqTimeout=5
    )
    profile = ClientProfile(signMethod=sign, httpProfile=http)
    credential = OfficialCredential(secret_id or emu.secret_id, secret_key or emu.secret_key)
    cls = OfficialAsyncMqttClient if asynchronous else OfficialMqttClient
    return cls(credential, REGION, profile)


def request(action: str, **params: Any) -> Any:
    """The official request model of ``action``, from wire-named members."""
    model = getattr(official_models, action + "Request")()
    model.from_json_string(json.dumps(params))
    return model


def call(client: Any, action: str, **params: Any) -> Any:
    return getattr(client, action)(request(action, **params))


def official_error(emu: Emulator, client: Any, action: str, **params: Any) -> Any:
    """The TencentCloudSDKException ``action`` raises, checked against the emulator's record."""
    with pytest.raises(TencentCloudSDKException) as info:
        call(client, action, **params)
    err = info.value
    record = emu.requests[-1]
    assert err.get_code() == record.error_code is not None
    assert err.get_request_id() == record.request_id
    assert err.get_message()
    return err


def props(described: Any) -> list[tuple[str, str]]:
    return [(p.Key, p.Value) for p in described.PropagatingProperties]


def device_ids(listed: Any) -> list[str]:
    return [d.DeviceId for d in listed.Data]


def sender(record: RecordedRequest) -> str:
    """Which SDK sent ``record``: the official one adds an X-TC-TraceId to every request
    (v1 requests carry its RequestClient as a form parameter, not a header)."""
    if "x-tc-traceid" in record.headers:
        return "official"
    return str(record.headers["x-tc-requestclient"]).split("/")[0]


def test_sync_client_walks_the_device_identity_lifecycle(emulator: Emulator) -> None:
    c = official_client(emulator)
    at = {"InstanceId": DOC_INSTANCE}
    given = [{"Key": "site", "Value": "lab-1"}, {"Key": "rack", "Value": AWKWARD}]
    keys = ("cHJpbWFyeQ==", "c2Vjb25kYXJ5")
    call(c, "CreateDeviceIdentity", **at, DeviceId="given", Status="2", PrimaryKey=keys[0],
         SecondaryKey=keys[1], PropagatingProperties=given)  # fmt: skip
    created = call(c, "CreateDeviceIdentity", **at, DeviceId="made")
    assert created.RequestId == emulator.requests[-1].request_id

    got = call(c, "DescribeDeviceIdentity", **at, DeviceId="given")
    assert (got.InstanceId, got.DeviceId, got.Status) == (DOC_INSTANCE, "given", 2)
    assert (got.PrimaryKey, got.SecondaryKey) == keys
    assert props(got) == [("site", "lab-1"), ("rack", AWKWARD)]
    assert abs(got.CreatedTime / 1000 - time.time()) < 60  # milliseconds
    made = call(c, "DescribeDeviceIdentity", **at, DeviceId="made")
    assert made.Status == 1 and made.PropagatingProperties is None
    assert made.PrimaryKey != made.SecondaryKey
    for key in (made.PrimaryKey, made.SecondaryKey):
        assert len(base64.b64decode(key, validate=True)) >= 16  # generated, base64

    for i in range(3):
        call(c, "CreateDeviceIdentity", **at, DeviceId=f"extra-{i}")
    everyone = {"given", "made", "extra-0", "extra-1", "extra-2"}
    listed = call(c, "DescribeDeviceIdentities", **at)
    assert sorted(device_ids(listed)) == sorted(everyone)
    assert {d.DeviceId: d.PrimaryKey for d in listed.Data}["made"] == made.PrimaryKey
    pages = [
        device_ids(call(c, "DescribeDeviceIdentities", **at, Offset=offset, Limit=2))
        for offset in (0, 2, 4, 6)
    ]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert sorted(d for page in pages for d in page) == sorted(everyone)

    new_props = [{"Key": "k", "Value": "v"}]
    call(c, "ModifyDeviceIdentity", **at, DeviceId="made", Status="2",
         PropagatingProperties=new_props)  # fmt: skip
    modified = call(c, "DescribeDeviceIdentity", **at, DeviceId="made")
    assert (modified.Status, props(modified)) == (2, [("k", "v")])
    assert (modified.PrimaryKey, modified.SecondaryKey) == (made.PrimaryKey, made.SecondaryKey)

    call(c, "DeleteDeviceIdentity", **at, DeviceId="given")
    err = official_error(emulator, c, "DescribeDeviceIdentity", **at, DeviceId="given")
    assert err.get_code() == "ResourceNotFound"
    assert sorted(device_ids(call(c, "DescribeDeviceIdentities", **at))) == sorted(
        everyone - {"given"}
    )

    records = emulator.requests
    assert len(records) == 17
    assert [r.request_id for r in records if r.error_code] == [err.get_request_id()]
    assert {(r.method, r.signature, r.region, sender(r)) for r in records} == {
        ("POST", TC3, REGION, "official")
    }
    assert all(r.headers["x-tc-requestclient"].startswith("SDK_PYTHON_") for r in records)
    assert {r.action for r in records} == {
        "CreateDeviceIdentity",
        "DescribeDeviceIdentity",
        "DescribeDeviceIdentities",
        "ModifyDeviceIdentity",
        "DeleteDeviceIdentity",
    }


ERROR_CASES = [
    pytest.param({}, "CreateDeviceIdentity", {"DeviceId": "existing"}, ALREADY_EXISTS,
                 id="duplicate"),
    pytest.param({}, "DescribeDeviceIdentity", {"DeviceId": "missing"}, "ResourceNotFound",
                 id="describe-missing"),
    pytest.param({}, "ModifyDeviceIdentity", {"DeviceId": "missing", "Status": "2"},
                 "ResourceNotFound", id="modify-missing"),
    pytest.param({}, "DeleteDeviceIdentity", {"DeviceId": "missing"}, "ResourceNotFound",
                 id="delete-missing"),
    pytest.param({}, "DescribeDeviceIdentity", {"InstanceId": "mqtt-unknown", "DeviceId": "x"},
                 "ResourceNotFound.Instance", id="unknown-instance"),
    pytest.param({}, "CreateDeviceIdentity", {"InstanceId": NOT_READY_INSTANCE, "DeviceId": "x"},
                 "FailedOperation.InstanceNotReady", id="instance-not-ready"),
    pytest.param({}, "CreateDeviceIdentity", {}, "MissingParameter", id="missing-device-id"),
    pytest.param({}, "CreateDeviceIdentity", {"DeviceId": "x", "Status": "7"},
                 "InvalidParameterValue", id="bad-status"),
    pytest.param({}, "DescribeDeviceIdentities", {"Limit": 0}, "InvalidParameterValue",
                 id="bad-limit"),
    pytest.param({"secret_key": WRONG_KEY}, "DescribeDeviceIdentity", {"DeviceId": "existing"},
                 "AuthFailure.SignatureFailure", id="wrong-key"),
    pytest.param({"secret_id": UNKNOWN_SECRET_ID}, "CreateDeviceIdentity", {"DeviceId": "x"},
                 "AuthFailure.SecretIdNotFound", id="unknown-secret-id"),
]  # fmt: skip


@pytest.mark.parametrize(("credentials", "action", "params", "code"), ERROR_CASES)
def test_sync_client_raises_the_emulators_code_and_request_id(
    emulator: Emulator, credentials: dict[str, Any], action: str, params: dict[str, Any], code: str
) -> None:
    seed_instance(emulator.app, NOT_READY_INSTANCE, region=REGION, ready=False)
    good = official_client(emulator)
    call(good, "CreateDeviceIdentity", InstanceId=DOC_INSTANCE, DeviceId="existing")
    client = official_client(emulator, **credentials)
    err = official_error(emulator, client, action, **{"InstanceId": DOC_INSTANCE, **params})
    assert err.get_code() == code
    # A failed request changes nothing.
    assert device_ids(call(good, "DescribeDeviceIdentities", InstanceId=DOC_INSTANCE)) == [
        "existing"
    ]


def test_an_instance_created_through_the_sdk_is_not_ready_until_its_delay_passed() -> None:
    skew = [0.0]
    with Emulator(instance_ready_delay=30, clock=lambda: time.time() + skew[0]) as emu:
        c = official_client(emu)
        instance_id = call(
            c, "CreateInstance", InstanceType="BASIC", Name="interop", SkuCode="basic_1k"
        ).InstanceId
        assert call(c, "DescribeInstance", InstanceId=instance_id).InstanceStatus == "CREATING"
        err = official_error(emu, c, "CreateDeviceIdentity", InstanceId=instance_id, DeviceId="d")
        assert err.get_code() == "FailedOperation.InstanceNotReady"
        skew[0] = 31  # the emulator's clock moves on, still within the signature's 300 s
        assert call(c, "DescribeInstance", InstanceId=instance_id).InstanceStatus == "RUNNING"
        call(c, "CreateDeviceIdentity", InstanceId=instance_id, DeviceId="d")
        assert call(c, "DescribeDeviceIdentity", InstanceId=instance_id, DeviceId="d").Status == 1


@pytest.mark.parametrize(("sign", "method"), SIGNINGS)
def test_every_signing_and_http_method_of_the_sdk(
    emulator: Emulator, sign: str, method: str
) -> None:
    c = official_client(emulator, sign=sign, method=method)
    at = {"InstanceId": DOC_INSTANCE, "DeviceId": "dev-1"}
    sent = [{"Key": "k", "Value": AWKWARD}, {"Key": "n", "Value": "2"}]
    call(c, "CreateDeviceIdentity", **at, Status="2", PropagatingProperties=sent)
    # Flattened (v1, GET) or JSON (TC3 POST): the emulator reads the same parameters.
    assert emulator.requests[-1].params == {**at, "Status": "2", "PropagatingProperties": sent}
    got = call(c, "DescribeDeviceIdentity", **at)
    assert (got.Status, props(got)) == (2, [("k", AWKWARD), ("n", "2")])
    listed = call(c, "DescribeDeviceIdentities", InstanceId=DOC_INSTANCE, Offset=0, Limit=10)
    assert device_ids(listed) == ["dev-1"]
    call(c, "ModifyDeviceIdentity", **at, Status="1")
    assert call(c, "DescribeDeviceIdentity", **at).Status == 1
    call(c, "DeleteDeviceIdentity", **at)
    assert official_error(emulator, c, "DescribeDeviceIdentity", **at).get_code() == (
        "ResourceNotFound"
    )
    records = emulator.requests
    assert len(records) == 7
    assert {(r.method, r.signature, sender(r)) for r in records} == {(method, sign, "official")}

    forged = official_client(emulator, sign=sign, method=method, secret_key=WRONG_KEY)
    err = official_error(emulator, forged, "DescribeDeviceIdentities", InstanceId=DOC_INSTANCE)
    assert err.get_code() == "AuthFailure.SignatureFailure"


@pytest.mark.anyio
async def test_async_client_runs_the_lifecycle_concurrently(emulator: Emulator) -> None:
    ids = [f"async-{i}" for i in range(6)]
    at = {"InstanceId": DOC_INSTANCE}

    def create(device_id: str) -> Any:
        p = [{"Key": "name", "Value": device_id}]
        return request("CreateDeviceIdentity", **at, DeviceId=device_id, PropagatingProperties=p)

    def one(action: str, device_id: str) -> Any:
        return request(action, **at, DeviceId=device_id)

    async with official_client(emulator, asynchronous=True) as c:
        await asyncio.gather(*(c.CreateDeviceIdentity(create(d)) for d in ids))
        listed = await c.DescribeDeviceIdentities(request("DescribeDeviceIdentities", **at))
        assert sorted(device_ids(listed)) == ids
        described = await asyncio.gather(
            *(c.DescribeDeviceIdentity(one("DescribeDeviceIdentity", d)) for d in ids)
        )
        assert [(x.DeviceId, props(x)) for x in described] == [(d, [("name", d)]) for d in ids]

        with pytest.raises(TencentCloudSDKException) as info:
            await c.CreateDeviceIdentity(create(ids[0]))
        assert info.value.get_code() == ALREADY_EXISTS
        assert info.value.get_request_id() == emulator.requests[-1].request_id
        assert ids[0] in info.value.get_message()

        await asyncio.gather(*(c.DeleteDeviceIdentity(one("DeleteDeviceIdentity", d)) for d in ids))
        listed = await c.DescribeDeviceIdentities(request("DescribeDeviceIdentities", **at))
        assert listed.Data == []
    assert c.http_client.is_closed

    records = emulator.requests
    assert len(records) == 21 and len({r.request_id for r in records}) == 21
    assert {(r.signature, sender(r)) for r in records} == {(TC3, "official")}
    assert [r.action for r in records if r.error_code] == ["CreateDeviceIdentity"]


def test_official_sdk_and_tcapi_share_the_same_state(emulator: Emulator) -> None:
    theirs = official_client(emulator)
    at = {"InstanceId": DOC_INSTANCE}
    with emulator.client(MqttClient, retry=RetryPolicy(max_attempts=1)) as ours:
        from_official = [{"Key": "from", "Value": "official"}]
        call(theirs, "CreateDeviceIdentity", **at, DeviceId="by-official",
             PropagatingProperties=from_official)  # fmt: skip
        seen = ours.describe_device_identity(instance_id=DOC_INSTANCE, device_id="by-official")
        assert seen.status == 1
        expected = [models.PropagatingProperty(key="from", value="official")]
        assert seen.propagating_properties == expected
        assert base64.b64decode(seen.primary_key, validate=True)

        ours.create_device_identity(
            instance_id=DOC_INSTANCE,
            device_id="by-tcapi",
            status="2",
            primary_key="a2V5LTE=",
            propagating_properties=[models.PropagatingProperty(key="from", value="tcapi")],
        )
        seen_there = call(theirs, "DescribeDeviceIdentity", **at, DeviceId="by-tcapi")
        assert (seen_there.Status, seen_there.PrimaryKey) == (2, "a2V5LTE=")
        assert props(seen_there) == [("from", "tcapi")]

        there = call(theirs, "DescribeDeviceIdentities", **at).Data
        here = ours.describe_device_identities(instance_id=DOC_INSTANCE).data
        assert [(d.DeviceId, d.Status, d.PrimaryKey, d.SecondaryKey) for d in there] == [
            (d.device_id, d.status, d.primary_key, d.secondary_key) for d in here
        ]

        ours.delete_device_identity(instance_id=DOC_INSTANCE, device_id="by-official")
        official_error(emulator, theirs, "DescribeDeviceIdentity", **at, DeviceId="by-official")
        call(theirs, "DeleteDeviceIdentity", **at, DeviceId="by-tcapi")
        assert ours.describe_device_identities(instance_id=DOC_INSTANCE).data == []
    assert {sender(r) for r in emulator.requests} == {"official", "tcapi"}


SAME_FAILURE = [
    pytest.param("CreateDeviceIdentity", {"DeviceId": "existing"},
                 errors.UnsupportedOperationResourceAlreadyExists, id="duplicate"),
    pytest.param("DescribeDeviceIdentity", {"DeviceId": "missing"}, errors.ResourceNotFound,
                 id="not-found"),
    pytest.param("DeleteDeviceIdentity", {"InstanceId": "mqtt-unknown", "DeviceId": "existing"},
                 errors.ResourceNotFoundInstance, id="unknown-instance"),
    pytest.param("CreateDeviceIdentity", {"InstanceId": NOT_READY_INSTANCE, "DeviceId": "x"},
                 errors.FailedOperationInstanceNotReady, id="instance-not-ready"),
    pytest.param("ModifyDeviceIdentity", {"DeviceId": "existing", "Status": "7"},
                 errors.InvalidParameterValue, id="bad-status"),
]  # fmt: skip


@pytest.mark.parametrize(("action", "params", "typed"), SAME_FAILURE)
def test_official_sdk_and_tcapi_get_the_same_error_code(
    emulator: Emulator, action: str, params: dict[str, Any], typed: type[ApiError]
) -> None:
    seed_instance(emulator.app, NOT_READY_INSTANCE, region=REGION, ready=False)
    wire = {"InstanceId": DOC_INSTANCE, **params}
    theirs = official_client(emulator)
    call(theirs, "CreateDeviceIdentity", InstanceId=DOC_INSTANCE, DeviceId="existing")
    official = official_error(emulator, theirs, action, **wire)

    method = re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
    ours_request = getattr(models, action + "Request").from_dict(wire)
    with emulator.client(MqttClient, retry=RetryPolicy(max_attempts=1)) as ours:
        with pytest.raises(ApiError) as info:
            getattr(ours, method)(ours_request)
    assert type(info.value) is typed
    assert info.value.code == official.get_code() == typed.default_code()
    assert info.value.request_id == emulator.requests[-1].request_id
    assert [sender(r) for r in emulator.requests[-2:]] == ["official", "tcapi"]
