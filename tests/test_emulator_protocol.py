"""The emulator's protocol surface beyond TC3: signature v1, temporary-credential
tokens, per-action rate limits, the admin endpoints, the pytest plugin and the CLI.

Everything goes over real sockets; v1 requests are signed both by hand (with the
emulator's public v1 helpers, pinned to the documented vector) and by the
official Tencent Cloud SDK.
"""

from __future__ import annotations

import functools
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.mqtt.v20240516 import models, mqtt_client

from tcapi import Credential, RetryPolicy
from tcapi.emulator import Catalog, Emulator, RequestContext, sigv1
from tcapi.emulator.catalog import ServiceVersion, parse_service
from tcapi.mqtt import MqttClient
from tcapi.signing import Tc3Signer

MQTT_VERSION = "2024-05-16"
EXAMPLE_REQUEST: dict[str, Any] = {
    "InstanceId": "mqtt-qzgaq8bk",
    "DeviceId": "device-2",
    "Status": "1",
    "PrimaryKey": "pk1",
    "SecondaryKey": "sk1",
    "PropagatingProperties": [{"Key": "key-1", "Value": "key-b"}],
}
NO_RETRY = RetryPolicy(max_attempts=1)


def _m(name: str, type_: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "required": kw.pop("required", False), **kw}


# A made-up service with every wire type, a documented rate limit and an action
# that no installed service has (so a bare address routes to it by the action).
DEMO_VERSION = "2020-01-01"
DEMO: dict[str, Any] = {
    "service": "demo",
    "version": DEMO_VERSION,
    "endpoint": "demo.tencentcloudapi.com",
    "region_required": False,
    "rate_limit": 20,
    "structures": {
        "Filter": {
            "members": [_m("Name", "string", required=True), _m("Values", "list", items="string")]
        }
    },
    "actions": {
        "DescribeThings": {
            "rate_limit": 20,
            "input": [
                _m("Limit", "int64"),
                _m("Ratio", "float"),
                _m("Enabled", "boolean"),
                _m("Filters", "list", items="Filter"),
            ],
            "output": [],
        },
        "DescribeOthers": {"rate_limit": 20, "input": [], "output": []},
        "Unlimited": {"input": [], "output": []},
    },
}
DEMO_NO_SERVICE_LIMIT: dict[str, Any] = {**DEMO, "rate_limit": None}


class FakeClock:
    """The emulator's clock, moved by hand; starts at the real time (signatures
    carry real timestamps, which must stay within 5 minutes of it)."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@functools.cache
def _installed() -> tuple[ServiceVersion, ...]:
    # Loaded once, before any request: with the whole catalog installed, loading
    # every version (as a bare-address request's action lookup does) takes seconds.
    return tuple(Catalog.installed())


def all_services() -> Catalog:
    """Every installed service, plus a demo service with no service-wide limit."""
    catalog = Catalog(_installed())
    catalog.add(parse_service(DEMO_NO_SERVICE_LIMIT))
    return catalog


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(services=all_services(), semantics=False) as e:
        yield e


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def answer(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/json"
    payload: dict[str, Any] = resp.json()["Response"]
    uuid.UUID(payload["RequestId"], version=4)
    return payload


def code_of(resp: httpx.Response) -> str | None:
    error = answer(resp).get("Error")
    return None if error is None else str(error["Code"])


# -- signature v1, by hand -------------------------------------------------------------


def test_v1_documented_vector() -> None:
    params = {
        "Action": "DescribeInstances",
        "InstanceIds.0": "ins-09dx96dg",
        "Limit": "20",
        "Nonce": "11886",
        "Offset": "0",
        "Region": "ap-guangzhou",
        "SecretId": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Timestamp": "1465185768",
        "Version": "2017-03-12",
    }
    text = sigv1.string_to_sign("GET", "cvm.tencentcloudapi.com", params)
    assert text == (
        "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg"
        "&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou"
        "&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12"
    )
    key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
    assert sigv1.signature(key, text, "HmacSHA1") == "EliP9YW3pW28FpsEdkXt/+WcGeI="
    assert sigv1.signature(key, text) == "EliP9YW3pW28FpsEdkXt/+WcGeI="  # the default


def test_v1_vector_is_accepted_by_the_verifier() -> None:
    pairs = [
        ("Action", "DescribeInstances"),
        ("InstanceIds.0", "ins-09dx96dg"),
        ("Limit", "20"),
        ("Nonce", "11886"),
        ("Offset", "0"),
        ("Region", "ap-guangzhou"),
        ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"),
        ("Timestamp", "1465185768"),
        ("Version", "2017-03-12"),
        ("Signature", "EliP9YW3pW28FpsEdkXt/+WcGeI="),
    ]
    v1 = sigv1.verify(
        method="GET",
        pairs=pairs,
        host="cvm.tencentcloudapi.com",
        credentials={"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"},
        now=1465185768,
        max_skew=300,
    )
    assert (v1.action, v1.version, v1.region, v1.signature_method) == (
        "DescribeInstances",
        "2017-03-12",
        "ap-guangzhou",
        "HmacSHA1",
    )
    assert v1.params == (("InstanceIds.0", "ins-09dx96dg"), ("Limit", "20"), ("Offset", "0"))


def test_flatten_lists_and_structures() -> None:
    flat = sigv1.flatten({"A": [{"B": 1, "C": True}, {"B": 2}], "D": None, "E": {"F": 1.5}})
    assert flat == {"A.0.B": "1", "A.0.C": "true", "A.1.B": "2", "E.F": "1.5"}


def v1_send(
    http: httpx.Client,
    emu: Emulator,
    method: str,
    params: Mapping[str, Any],
    *,
    action: str = "CreateDeviceIdentity",
    version: str = MQTT_VERSION,
    region: str | None = "ap-guangzhou",
    sign_method: str | None = "HmacSHA256",
    secret_id: str | None = None,
    secret_key: str | None = None,
    token: str | None = None,
    host: str | None = None,
    timestamp: int | None = None,
    tamper: Mapping[str, str] | None = None,
) -> httpx.Response:
    form = sigv1.flatten(params)
    form.update(
        Action=action,
        Version=version,
        Nonce=str(random.randint(1, 2**31)),
        Timestamp=str(int(time.time()) if timestamp is None else timestamp),
        SecretId=secret_id or emu.secret_id,
    )
    if region is not None:
        form["Region"] = region
    if sign_method is not None:
        form["SignatureMethod"] = sign_method
    if token is not None:
        form["Token"] = token
    host = host or emu.endpoint.removeprefix("http://")
    text = sigv1.string_to_sign(method, host, form)
    form["Signature"] = sigv1.signature(
        secret_key or emu.secret_key, text, sign_method or "HmacSHA1"
    )
    form.update(tamper or {})
    if method == "GET":
        return http.get(f"{emu.endpoint}/?{urlencode(form)}", headers={"Host": host})
    return http.post(
        emu.endpoint + "/",
        content=urlencode(form).encode(),
        headers={"Host": host, "Content-Type": sigv1.FORM_CONTENT_TYPE},
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256", None])
def test_v1_signed_request_is_accepted_and_typed(
    emu: Emulator, http: httpx.Client, method: str, sign_method: str | None
) -> None:
    resp = v1_send(http, emu, method, EXAMPLE_REQUEST, sign_method=sign_method)
    assert code_of(resp) is None
    seen = emu.requests[-1]
    assert (seen.service, seen.action, seen.version, seen.region) == (
        "mqtt",
        "CreateDeviceIdentity",
        MQTT_VERSION,
        "ap-guangzhou",
    )
    assert seen.params == EXAMPLE_REQUEST  # common parameters are not the action's
    assert seen.signature == (sign_method or "HmacSHA1")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_v1_typed_values_are_rebuilt(emu: Emulator, http: httpx.Client, method: str) -> None:
    params = {
        "Limit": 5,
        "Ratio": 0.5,
        "Enabled": False,
        "Filters": [{"Name": "zone", "Values": ["a", "b"]}, {"Name": "tag"}],
    }
    resp = v1_send(
        http, emu, method, params, action="DescribeThings", version=DEMO_VERSION, region=None
    )
    assert code_of(resp) is None
    assert emu.requests[-1].params == params
    assert emu.requests[-1].service == "demo"  # a bare address: the action's only owner


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_v1_wrong_key_is_a_signature_failure(
    emu: Emulator, http: httpx.Client, method: str
) -> None:
    resp = v1_send(http, emu, method, EXAMPLE_REQUEST, secret_key="x" * 32)
    assert code_of(resp) == "AuthFailure.SignatureFailure"
    assert emu.requests[-1].params is None


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ({"DeviceId": "device-3"}, "AuthFailure.SignatureFailure"),  # changed after signing
        ({"SecretId": "AKIDunknown"}, "AuthFailure.SecretIdNotFound"),
        ({"SignatureMethod": "HmacMD5"}, "AuthFailure.SignatureFailure"),
        ({"Timestamp": "1"}, "AuthFailure.SignatureExpire"),
        ({"Timestamp": "soon"}, "InvalidParameter"),
        ({"Nonce": ""}, "MissingParameter"),
    ],
)
def test_v1_refusals(emu: Emulator, http: httpx.Client, tamper: dict[str, str], code: str) -> None:
    assert code_of(v1_send(http, emu, "POST", EXAMPLE_REQUEST, tamper=tamper)) == code


def test_v1_missing_action_version_region(emu: Emulator, http: httpx.Client) -> None:
    resp = v1_send(http, emu, "GET", EXAMPLE_REQUEST, region=None)
    assert code_of(resp) == "MissingParameter"
    assert "`Region`" in answer(resp)["Error"]["Message"]
    resp = v1_send(http, emu, "GET", {}, action="NoSuchThing")
    assert code_of(resp) == "NoSuchProduct"  # a bare address, and no service owns the action
    resp = v1_send(http, emu, "GET", {}, action="NoSuchThing", host="mqtt.tencentcloudapi.com")
    assert code_of(resp) == "InvalidAction"


def test_v1_routes_by_host(emu: Emulator, http: httpx.Client) -> None:
    # CreateDeviceIdentity only exists in mqtt, so send to the sts host to prove the host wins.
    resp = v1_send(http, emu, "POST", EXAMPLE_REQUEST, host="sts.tencentcloudapi.com")
    assert code_of(resp) == "NoSuchVersion"
    assert emu.requests[-1].service == "sts"
    resp = v1_send(http, emu, "POST", EXAMPLE_REQUEST, host="mqtt.ap-guangzhou.tencentcloudapi.com")
    assert code_of(resp) is None and emu.requests[-1].service == "mqtt"


def test_v1_repeated_parameter_is_refused(emu: Emulator, http: httpx.Client) -> None:
    resp = v1_send(http, emu, "GET", EXAMPLE_REQUEST)
    assert code_of(resp) is None
    url = str(resp.request.url) + "&DeviceId=again"
    resp = http.get(url, headers={"Host": resp.request.headers["host"]})
    assert code_of(resp) == "InvalidParameter"


def test_v1_underscore_names_are_signed_as_dots_like_the_official_sdk(
    emu: Emulator, http: httpx.Client
) -> None:
    form = {
        "Action": "DescribeThings",
        "Version": DEMO_VERSION,
        "Nonce": "7",
        "Timestamp": str(int(time.time())),
        "SecretId": emu.secret_id,
        "Limit": "3",
    }
    host = emu.endpoint.removeprefix("http://")
    signed_as = {k.replace("_", "."): v for k, v in form.items()}
    form["Signature"] = sigv1.signature(
        emu.secret_key, sigv1.string_to_sign("GET", host, signed_as)
    )
    form["Request_Client"] = "x"  # not signed under this name: refused
    resp = http.get(f"{emu.endpoint}/?{urlencode(form)}")
    assert code_of(resp) == "AuthFailure.SignatureFailure"
    del form["Request_Client"]
    assert code_of(http.get(f"{emu.endpoint}/?{urlencode(form)}")) is None


def test_v1_post_body_over_one_megabyte_is_refused(emu: Emulator, http: httpx.Client) -> None:
    resp = v1_send(http, emu, "POST", {"DeviceId": "x" * (1024 * 1024)})
    assert code_of(resp) == "RequestSizeLimitExceeded"


# -- signature v1, by the official SDK ---------------------------------------------------


def official_client(
    emu: Emulator,
    *,
    method: str,
    sign_method: str,
    secret_id: str | None = None,
    secret_key: str | None = None,
    token: str | None = None,
) -> Any:
    http = HttpProfile(
        endpoint=emu.endpoint.removeprefix("http://"), protocol="http", reqMethod=method
    )
    http.proxy = None
    cred = credential.Credential(secret_id or emu.secret_id, secret_key or emu.secret_key, token)
    profile = ClientProfile(signMethod=sign_method, httpProfile=http)
    return mqtt_client.MqttClient(cred, "ap-guangzhou", profile)


def official_request() -> Any:
    req = models.CreateDeviceIdentityRequest()
    req.from_json_string(json.dumps(EXAMPLE_REQUEST))
    return req


@pytest.mark.usefixtures("no_proxy")
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256", "TC3-HMAC-SHA256"])
def test_official_sdk_signatures_are_accepted(emu: Emulator, method: str, sign_method: str) -> None:
    client = official_client(emu, method=method, sign_method=sign_method)
    resp = client.CreateDeviceIdentity(official_request())
    uuid.UUID(resp.RequestId, version=4)
    seen = emu.requests[-1]
    assert seen.params == EXAMPLE_REQUEST
    assert seen.signature == sign_method
    assert seen.method == method


@pytest.mark.usefixtures("no_proxy")
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256"])
def test_official_sdk_v1_with_a_wrong_key_is_refused(
    emu: Emulator, method: str, sign_method: str
) -> None:
    client = official_client(emu, method=method, sign_method=sign_method, secret_key="y" * 32)
    with pytest.raises(TencentCloudSDKException) as info:
        client.CreateDeviceIdentity(official_request())
    assert info.value.get_code() == "AuthFailure.SignatureFailure"


# -- temporary credentials ---------------------------------------------------------------


def test_temporary_credentials_need_their_token(emu: Emulator, http: httpx.Client) -> None:
    tmp_id, tmp_key, token, expires_at = emu.issue_temporary_credentials(duration=600)
    assert tmp_id.startswith("AKID") and len(tmp_key) == 32 and token
    assert expires_at == pytest.approx(time.time() + 600, abs=5)

    def call(cred: Credential) -> str | None:
        with emu.client(MqttClient, credential=cred, retry=NO_RETRY) as client:
            try:
                client.describe_instance_list()
            except Exception as exc:
                return str(getattr(exc, "code", exc))
            return None

    assert call(Credential(tmp_id, tmp_key, token)) is None
    assert emu.requests[-1].headers.get("x-tc-token") is None  # never recorded
    assert call(Credential(tmp_id, tmp_key)) == "AuthFailure.TokenFailure"
    assert call(Credential(tmp_id, tmp_key, token + "x")) == "AuthFailure.TokenFailure"
    # The token of one temporary pair is no good for another.
    other_id, other_key, other_token, _ = emu.issue_temporary_credentials()
    assert call(Credential(other_id, other_key, token)) == "AuthFailure.TokenFailure"
    assert call(Credential(other_id, other_key, other_token)) is None
    # Permanent credentials need none.
    assert call(Credential(emu.secret_id, emu.secret_key)) is None
    # v1 carries the token as the Token parameter.
    params = {"InstanceId": "mqtt-1", "DeviceId": "d"}
    ok = v1_send(http, emu, "GET", params, secret_id=tmp_id, secret_key=tmp_key, token=token)
    assert code_of(ok) is None
    assert emu.requests[-1].params == params  # Token is not a parameter of the action
    bad = v1_send(http, emu, "POST", params, secret_id=tmp_id, secret_key=tmp_key)
    assert code_of(bad) == "AuthFailure.TokenFailure"


def test_temporary_credentials_expire() -> None:
    clock = FakeClock()
    with Emulator(semantics=False, clock=clock) as emu:
        tmp_id, tmp_key, token, expires_at = emu.issue_temporary_credentials(duration=30)
        assert expires_at == clock.now + 30
        cred = Credential(tmp_id, tmp_key, token)
        with emu.client(MqttClient, credential=cred, retry=NO_RETRY) as client:
            client.describe_instance_list()
            clock.advance(30)
            with pytest.raises(Exception) as info:
                client.describe_instance_list()
    assert getattr(info.value, "code", None) == "AuthFailure.TokenFailure"
    assert "expired" in str(info.value)


@pytest.mark.usefixtures("no_proxy")
@pytest.mark.parametrize("sign_method", ["HmacSHA256", "TC3-HMAC-SHA256"])
def test_official_sdk_with_temporary_credentials(emu: Emulator, sign_method: str) -> None:
    tmp_id, tmp_key, token, _ = emu.issue_temporary_credentials()
    kw: dict[str, Any] = {"secret_id": tmp_id, "secret_key": tmp_key}
    good = official_client(emu, method="POST", sign_method=sign_method, token=token, **kw)
    uuid.UUID(good.CreateDeviceIdentity(official_request()).RequestId, version=4)
    bad = official_client(emu, method="POST", sign_method=sign_method, **kw)
    with pytest.raises(TencentCloudSDKException) as info:
        bad.CreateDeviceIdentity(official_request())
    assert info.value.get_code() == "AuthFailure.TokenFailure"


def test_tokens_given_at_construction() -> None:
    secret_id, secret_key = "AKIDtemporary000000000000000000000000", "k" * 32
    with Emulator(secret_id, secret_key, semantics=False, tokens={"tok-1": secret_id}) as emu:
        assert emu.app.tokens == {"tok-1": secret_id}
        with emu.client(MqttClient, credential=Credential(secret_id, secret_key, "tok-1")) as c:
            c.describe_instance_list()
        with emu.client(MqttClient, retry=NO_RETRY) as c, pytest.raises(Exception) as info:
            c.describe_instance_list()
    assert getattr(info.value, "code", None) == "AuthFailure.TokenFailure"


# -- rate limits -------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limited(clock: FakeClock) -> Iterator[Emulator]:
    with Emulator(services=[DEMO], semantics=False, clock=clock) as e:
        yield e


def demo_call(
    http: httpx.Client,
    emu: Emulator,
    action: str = "DescribeThings",
    *,
    secret_id: str | None = None,
    secret_key: str | None = None,
    token: str | None = None,
    language: str | None = None,
) -> httpx.Response:
    body = b"{}"
    ts = int(time.time())
    host = emu.endpoint.removeprefix("http://")
    headers = {
        "Content-Type": "application/json",
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": DEMO_VERSION,
        "X-TC-Timestamp": str(ts),
    }
    if token:
        headers["X-TC-Token"] = token
    if language:
        headers["X-TC-Language"] = language
    headers["Authorization"] = Tc3Signer("demo").authorization(
        secret_id=secret_id or emu.secret_id,
        secret_key=secret_key or emu.secret_key,
        timestamp=ts,
        headers={"content-type": "application/json", "host": host},
        body=body,
    )
    return http.post(emu.endpoint + "/", content=body, headers=headers)


def test_the_21st_call_in_a_second_is_refused_and_the_next_second_is_fine(
    limited: Emulator, http: httpx.Client, clock: FakeClock
) -> None:
    for _ in range(20):
        assert code_of(demo_call(http, limited)) is None
    refused = answer(demo_call(http, limited))
    assert refused["Error"]["Code"] == "RequestLimitExceeded"
    assert "`21`" in refused["Error"]["Message"] and "`20`" in refused["Error"]["Message"]
    assert "frequency limit" in refused["Error"]["Message"]
    # Other actions and other callers have their own windows.
    assert code_of(demo_call(http, limited, "DescribeOthers")) is None
    tmp_id, tmp_key, token, _ = limited.issue_temporary_credentials()
    other = demo_call(http, limited, secret_id=tmp_id, secret_key=tmp_key, token=token)
    assert code_of(other) is None
    # The window is the clock's second.
    clock.advance(0.999 - (clock.now % 1))
    assert code_of(demo_call(http, limited)) == "RequestLimitExceeded"
    clock.advance(0.001)
    assert code_of(demo_call(http, limited)) is None
    assert limited.app.rate_limiter.refused == 2


def test_rate_limit_message_in_chinese(limited: Emulator, http: httpx.Client) -> None:
    for _ in range(20):
        demo_call(http, limited, language="zh-CN")
    message = answer(demo_call(http, limited, language="zh-CN"))["Error"]["Message"]
    assert "`21`" in message and "`20`" in message and "每秒" in message


def test_actions_without_a_limit_fall_back_to_the_service_or_are_unlimited(
    clock: FakeClock, http: httpx.Client
) -> None:
    with Emulator(services=[DEMO], semantics=False, clock=clock) as emu:
        codes = {code_of(demo_call(http, emu, "Unlimited")) for _ in range(21)}
    assert codes == {None, "RequestLimitExceeded"}  # the service's 20/s
    with Emulator(services=[DEMO_NO_SERVICE_LIMIT], semantics=False, clock=clock) as emu:
        codes = {code_of(demo_call(http, emu, "Unlimited")) for _ in range(25)}
    assert codes == {None}


def test_rate_limit_off_switches(clock: FakeClock, http: httpx.Client) -> None:
    with Emulator(services=[DEMO], semantics=False, clock=clock, rate_limit=False) as emu:
        assert not emu.rate_limit
        assert {code_of(demo_call(http, emu)) for _ in range(25)} == {None}
        emu.rate_limit = True  # and on again at run time
        codes = [code_of(demo_call(http, emu)) for _ in range(21)]
        assert codes[-1] == "RequestLimitExceeded" and set(codes[:-1]) == {None}
        emu.rate_limit = False
        assert code_of(demo_call(http, emu)) is None


def test_installed_services_are_limited_through_the_sdk(clock: FakeClock) -> None:
    with (
        Emulator(semantics=False, clock=clock) as emu,
        # No client-side throttle: the emulator's limit is what is tested here.
        emu.client(MqttClient, retry=NO_RETRY, throttle=False) as client,
    ):
        for _ in range(20):
            client.describe_instance_list()
        with pytest.raises(Exception) as info:
            client.describe_instance_list()
        assert getattr(info.value, "code", None) == "RequestLimitExceeded"
        emu.reset()  # forgets the windows
        client.describe_instance_list()


# -- the admin endpoints -----------------------------------------------------------------


def test_admin_health(emu: Emulator, http: httpx.Client) -> None:
    v1_send(http, emu, "GET", EXAMPLE_REQUEST)
    v1_send(http, emu, "GET", EXAMPLE_REQUEST, secret_key="z" * 32)
    resp = http.get(emu.admin_url + "/health")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    health = resp.json()
    assert health["status"] == "ok"
    assert health["uptime_seconds"] >= 0
    assert health["requests"] == 2 and health["errors"] == 1
    assert health["error_codes"] == {"AuthFailure.SignatureFailure": 1}
    assert health["recorded"] == 2
    assert "mqtt 2024-05-16" in health["services"] and "demo 2020-01-01" in health["services"]
    assert health["rate_limit"] is True
    assert health["faults"]["faults"] == ""
    assert len(emu.requests) == 2  # admin requests are not recorded


def test_admin_reset_calls_the_state_hook_and_clears_the_log(
    emu: Emulator, http: httpx.Client
) -> None:
    resets: list[int] = []
    v1_send(http, emu, "GET", EXAMPLE_REQUEST)
    assert http.post(emu.admin_url + "/reset").json() == {"status": "ok", "state_reset": False}
    assert emu.requests == []
    emu.app.state["reset"] = lambda: resets.append(1)
    v1_send(http, emu, "GET", EXAMPLE_REQUEST)
    resp = http.post(emu.admin_url + "/reset")
    assert resp.json() == {"status": "ok", "state_reset": True}
    assert resets == [1] and emu.requests == []
    assert emu.reset() is True and resets == [1, 1]


def test_admin_faults(emu: Emulator, http: httpx.Client) -> None:
    assert http.get(emu.admin_url + "/faults").json()["faults"] == ""
    resp = http.post(
        emu.admin_url + "/faults", json={"faults": "internal_error=1,latency_ms=1", "seed": 7}
    )
    assert resp.status_code == 200
    assert resp.json()["faults"] == "internal_error=1,latency_ms=1" and resp.json()["seed"] == 7
    assert code_of(v1_send(http, emu, "GET", EXAMPLE_REQUEST)) == "InternalError"
    assert (emu.requests[-1].action, emu.requests[-1].fault) == (
        "CreateDeviceIdentity",
        "internal_error",
    )
    state = http.get(emu.admin_url + "/faults").json()
    assert state["counts"] == {"internal_error": 1, "latency_ms": 1}
    assert state["probabilities"] == {"internal_error": 1.0} and state["seed"] == 7
    assert emu.fault_counts == {"internal_error": 1, "latency_ms": 1}
    # Admin requests are never faulted, and faults go off with an empty spec.
    assert http.get(emu.admin_url + "/health").status_code == 200
    assert http.post(emu.admin_url + "/faults", json={"faults": ""}).json()["faults"] == ""
    assert code_of(v1_send(http, emu, "GET", EXAMPLE_REQUEST)) is None


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/faults", b'{"faults": "nonsense=1"}', 400),
        ("POST", "/faults", b'{"faults": "reset_before=0.8,reset_after=0.8"}', 400),
        ("POST", "/faults", b'{"faults": 1}', 400),
        ("POST", "/faults", b'{"faults": "", "seed": "one"}', 400),
        ("POST", "/faults", b"[1]", 400),
        ("POST", "/faults", b"not json", 400),
        ("GET", "/reset", b"", 405),
        ("POST", "/health", b"", 405),
        ("GET", "/nothing", b"", 404),
        ("GET", "", b"", 404),
    ],
)
def test_admin_errors(
    emu: Emulator, http: httpx.Client, method: str, path: str, body: bytes, status: int
) -> None:
    resp = http.request(method, emu.admin_url + path, content=body)
    assert resp.status_code == status
    assert isinstance(resp.json()["error"], str)
    assert emu.app.faults.config.spec() == ""  # a refused configuration changes nothing


# -- the client helper and the pytest plugin ---------------------------------------------


def test_client_helper_points_a_client_at_the_emulator(emu: Emulator) -> None:
    with emu.client(MqttClient) as client:
        assert client.endpoint == emu.endpoint + "/"
        assert client.region == "ap-guangzhou"
        client.describe_instance_list()
    with emu.client(MqttClient, region="ap-shanghai") as client:
        client.describe_instance_list()
    assert [r.region for r in emu.requests] == ["ap-guangzhou", "ap-shanghai"]
    assert emu.credential() == Credential(emu.secret_id, emu.secret_key)


def test_pytest_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import httpx
            import pytest
            from tcapi.mqtt import MqttClient


            def test_session_emulator(tcapi_emulator):
                tcapi_emulator.set_faults(None)
                with tcapi_emulator.client(MqttClient) as client:
                    assert client.describe_instance_list().request_id
                assert not tcapi_emulator.rate_limit


            def test_faults_from_the_command_line(tcapi_emulator_clean):
                emu = tcapi_emulator_clean
                assert emu.requests == []
                assert emu.app.faults.config.spec() == "internal_error=1"
                assert emu.seed == 5
                with emu.client(MqttClient) as client, pytest.raises(Exception) as info:
                    client.describe_instance_list()
                assert info.value.code == "InternalError"


            def test_same_emulator(tcapi_emulator, tcapi_emulator_clean):
                assert tcapi_emulator is tcapi_emulator_clean
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--tcapi-emulator-faults=internal_error=1",
            "--tcapi-emulator-seed=5",
            "--tcapi-emulator-no-rate-limit",
            "-o",
            "addopts=",
            "test_user.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout, result.stdout
    assert "tcapi emulator faults: internal_error=1 (--tcapi-emulator-seed 5)" in result.stdout


def test_pytest_plugin_refuses_a_bad_fault_spec(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text("def test_x(tcapi_emulator):\n    pass\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--tcapi-emulator-faults=bogus=1",
            "test_user.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
    )
    assert result.returncode != 0
    assert "unknown fault 'bogus'" in result.stdout + result.stderr


# -- the command line --------------------------------------------------------------------


def test_command_line_options(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tcapi.emulator",
            "--port",
            "0",
            "--db",
            str(db),
            "--instance-ready-delay",
            "0.25",
            "--no-rate-limit",
            "--faults",
            "throttle=0.5,latency_ms=1",
            "--seed",
            "3",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("ready"):
            line = proc.stdout.readline()
            assert line, f"emulator exited early: {lines}"
            lines.append(line)
        fields = {k.strip(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[:-1])}
        admin = fields["admin"].split()[0]
        assert admin == fields["endpoint"] + "/_admin/health"
        assert fields["faults"] == "throttle=0.5,latency_ms=1  (seed 3)"
        assert fields["state"] == str(db)
        assert fields["limits"] == "off"
        health = httpx.get(admin, trust_env=False).json()
        assert health["rate_limit"] is False
        assert health["faults"]["seed"] == 3
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()


def test_command_line_refuses_a_bad_fault_spec() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tcapi.emulator", "--port", "0", "--faults", "reset_before=2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "probability" in result.stderr


def test_state_parameters_reach_the_app(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sqlite")
    emu = Emulator(db=path, instance_ready_delay=0.5, semantics=False)
    assert emu.app.db_path == path and emu.app.instance_ready_delay == 0.5
    default = Emulator(semantics=False)
    assert default.app.db_path == ":memory:" and default.app.instance_ready_delay == 2.0


def test_a_handler_sees_the_v1_caller(emu: Emulator, http: httpx.Client) -> None:
    seen: list[tuple[str | None, str | None]] = []

    def handler(ctx: RequestContext) -> dict[str, Any]:
        seen.append((ctx.caller.secret_id if ctx.caller else None, ctx.language))
        return {}

    emu.register("mqtt", "CreateDeviceIdentity", handler)
    v1_send(http, emu, "POST", EXAMPLE_REQUEST, tamper={})
    assert seen == [(emu.secret_id, None)]


def test_a_client_hanging_up_mid_request_is_not_reported_as_a_server_error(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with Emulator() as emu:
        for _ in range(20):  # abortive closes (RST) while the server reads or answers
            sock = socket.create_connection((emu.host, emu.port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            sock.close()
        with emu.client(MqttClient) as client:  # and it still serves
            assert client.describe_instance_list().request_id
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionResetError" not in err
