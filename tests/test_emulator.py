"""The local emulator answers like the real API: over real sockets, signed with TC3.

Requests are signed with tcapi's own signer and, as a cross-check from the other
side, sent by the official Tencent Cloud SDK.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.mqtt.v20240516 import models, mqtt_client

from tcapi.emulator import ApiError, Catalog, Emulator, EmulatorApp, RequestContext
from tcapi.signing import Tc3Signer

VERSION = "2024-05-16"
EXAMPLE_REQUEST: dict[str, Any] = {
    "InstanceId": "mqtt-qzgaq8bk",
    "DeviceId": "device-2",
    "Status": "1",
    "PrimaryKey": "pk1",
    "SecondaryKey": "sk1",
    "PropagatingProperties": [{"Key": "key-1", "Value": "key-b"}],
}
EXAMPLE_REQUEST_ID = "30a1df4f-1a90-4241-8f77-9e568f5d0149"


def _m(name: str, type_: str, **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "required": kw.pop("required", False),
        "nullable": False,
        "sensitive": kw.pop("sensitive", False),
        **kw,
    }


# Hand-built from spec/mqtt/2024-05-16 until the generator writes service.json.
MQTT: dict[str, Any] = {
    "service": "mqtt",
    "version": VERSION,
    "endpoint": "mqtt.intl.tencentcloudapi.com",
    "region_required": True,
    "rate_limit": 20,
    "errors": ["FailedOperation.InstanceNotReady", "UnsupportedOperation.ResourceAlreadyExists"],
    "structures": {
        "PropagatingProperty": {
            "members": [_m("Key", "string", required=True), _m("Value", "string", required=True)]
        }
    },
    "actions": {
        "CreateDeviceIdentity": {
            "rate_limit": 20,
            "idempotent": False,
            "deprecated": False,
            "input": [
                _m("InstanceId", "string", required=True),
                _m("DeviceId", "string", required=True),
                _m("Status", "string"),
                _m("PrimaryKey", "string", sensitive=True),
                _m("SecondaryKey", "string", sensitive=True),
                _m("PropagatingProperties", "list", items="PropagatingProperty"),
            ],
            "output": [_m("RequestId", "string")],
            "errors": ["FailedOperation.InstanceNotReady"],
            "examples": [
                {
                    "title": "Example",
                    "request": EXAMPLE_REQUEST,
                    "response": {"RequestId": EXAMPLE_REQUEST_ID},
                }
            ],
        }
    },
}

# A made-up service exercising every wire type; it needs no region and has no examples.
DEMO: dict[str, Any] = {
    "service": "demo",
    "version": "2020-01-01",
    "endpoint": "demo.tencentcloudapi.com",
    "region_required": False,
    "structures": {
        "Filter": {
            "members": [
                _m("Name", "string", required=True),
                _m("Values", "list", items="string"),
            ]
        }
    },
    "actions": {
        "DescribeThings": {
            "input": [
                _m("Limit", "int64"),
                _m("Offset", "uint64"),
                _m("Ratio", "float"),
                _m("Enabled", "boolean"),
                _m("Since", "datetime"),
                _m("Filters", "list", items="Filter"),
            ],
            "output": [_m("RequestId", "string")],
        }
    },
}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    # Example answers only: the stateful handlers are tested through the clients.
    with Emulator(services=[MQTT, DEMO], semantics=False) as e:
        yield e


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c


def sign_headers(
    emu: Emulator,
    body: bytes,
    *,
    action: str = "CreateDeviceIdentity",
    service: str = "mqtt",
    version: str | None = VERSION,
    region: str | None = "ap-guangzhou",
    secret_id: str | None = None,
    secret_key: str | None = None,
    timestamp: int | None = None,
    method: str = "POST",
    query: str = "",
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    host = emu.endpoint.removeprefix("http://")
    content_type = "application/json" if method == "POST" else "application/x-www-form-urlencoded"
    headers = {"Content-Type": content_type, "Host": host, "X-TC-Action": action}
    headers["X-TC-Timestamp"] = str(ts)
    if version is not None:
        headers["X-TC-Version"] = version
    if region is not None:
        headers["X-TC-Region"] = region
    headers["Authorization"] = Tc3Signer(service).authorization(
        secret_id=secret_id or emu.secret_id,
        secret_key=secret_key or emu.secret_key,
        timestamp=ts,
        headers={"content-type": content_type, "host": host},
        body=body,
        method=method,
        query=query,
    )
    return headers


def call(
    client: httpx.Client, emu: Emulator, params: Mapping[str, Any] | None = None, **kw: Any
) -> httpx.Response:
    body = json.dumps(EXAMPLE_REQUEST if params is None else params).encode()
    return client.post(emu.endpoint + "/", content=body, headers=sign_headers(emu, body, **kw))


def error_of(resp: httpx.Response) -> tuple[str, str]:
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    payload = resp.json()["Response"]
    uuid.UUID(payload["RequestId"], version=4)
    return payload["Error"]["Code"], payload["Error"]["Message"]


# -- success --------------------------------------------------------------------------


def test_example_response_is_answered_with_a_fresh_request_id(
    emu: Emulator, client: httpx.Client
) -> None:
    ids = set()
    for _ in range(2):
        resp = call(client, emu)
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "application/json"
        body = resp.json()
        assert set(body) == {"Response"} and set(body["Response"]) == {"RequestId"}
        ids.add(str(uuid.UUID(body["Response"]["RequestId"], version=4)))
    assert len(ids) == 2 and EXAMPLE_REQUEST_ID not in ids


def test_action_without_examples_answers_only_a_request_id(
    emu: Emulator, client: httpx.Client
) -> None:
    params = {"Limit": 10, "Offset": 0, "Ratio": 0.5, "Enabled": True, "Since": "2024-01-01"}
    resp = call(client, emu, params, service="demo", action="DescribeThings", version="2020-01-01")
    assert list(resp.json()["Response"]) == ["RequestId"]


def test_responses_carry_content_length_and_exact_json_content_type(
    emu: Emulator, client: httpx.Client
) -> None:
    for resp in (call(client, emu), call(client, emu, secret_key="wrong")):
        assert resp.headers["content-type"] == "application/json"
        assert int(resp.headers["content-length"]) == len(resp.content)


def test_keep_alive_serves_two_requests_over_one_connection(
    emu: Emulator, client: httpx.Client
) -> None:
    first, second = call(client, emu), call(client, emu, secret_key="wrong")
    addr = [r.extensions["network_stream"].get_extra_info("client_addr") for r in (first, second)]
    assert addr[0] == addr[1]
    assert "Error" not in first.json()["Response"]
    assert error_of(second)[0] == "AuthFailure.SignatureFailure"


def test_requests_are_recorded_without_credentials(emu: Emulator, client: httpx.Client) -> None:
    call(client, emu)
    (rec,) = emu.requests
    assert (rec.service, rec.version, rec.action, rec.region) == (
        "mqtt",
        VERSION,
        "CreateDeviceIdentity",
        "ap-guangzhou",
    )
    assert rec.params == EXAMPLE_REQUEST and rec.error_code is None
    assert (
        "authorization" not in rec.headers and rec.headers["x-tc-action"] == "CreateDeviceIdentity"
    )
    assert emu.secret_key not in repr(emu) and emu.secret_key not in repr(rec)
    emu.clear_requests()
    assert emu.requests == []


def test_registered_handler_replaces_the_example(emu: Emulator, client: httpx.Client) -> None:
    def create(ctx: RequestContext) -> dict[str, Any]:
        assert ctx.params is not None
        if ctx.params["DeviceId"] == "taken":
            raise ApiError("UnsupportedOperation.ResourceAlreadyExists", "Device exists.")
        return {"Echo": ctx.params["DeviceId"]}

    emu.register("mqtt", "CreateDeviceIdentity", create)
    assert call(client, emu).json()["Response"]["Echo"] == "device-2"
    taken = call(client, emu, {**EXAMPLE_REQUEST, "DeviceId": "taken"})
    assert error_of(taken) == ("UnsupportedOperation.ResourceAlreadyExists", "Device exists.")


# -- authentication --------------------------------------------------------------------


def test_wrong_secret_key_is_a_signature_failure(emu: Emulator, client: httpx.Client) -> None:
    assert error_of(call(client, emu, secret_key="x" * 32))[0] == "AuthFailure.SignatureFailure"


def test_tampered_body_is_a_signature_failure(emu: Emulator, client: httpx.Client) -> None:
    body = json.dumps(EXAMPLE_REQUEST).encode()
    headers = sign_headers(emu, body)
    resp = client.post(
        emu.endpoint + "/", content=body.replace(b"device-2", b"device-3"), headers=headers
    )
    assert error_of(resp)[0] == "AuthFailure.SignatureFailure"


def test_unknown_secret_id_is_reported(emu: Emulator, client: httpx.Client) -> None:
    resp = call(client, emu, secret_id="AKID" + "0" * 32)
    assert error_of(resp)[0] == "AuthFailure.SecretIdNotFound"


@pytest.mark.parametrize("skew", [-305, 305])
def test_timestamp_over_five_minutes_off_is_expired(
    emu: Emulator, client: httpx.Client, skew: int
) -> None:
    # int() drops up to a second and the request takes a moment to arrive, so
    # a skew of exactly 301 s can land inside the 300 s window: keep a margin
    # wider than that jitter so the verdict never depends on scheduling.
    resp = call(client, emu, timestamp=int(time.time()) + skew)
    assert error_of(resp)[0] == "AuthFailure.SignatureExpire"


@pytest.mark.parametrize(
    ("value", "code"), [(None, "MissingParameter"), ("soon", "InvalidParameter")]
)
def test_bad_timestamp_header_is_rejected(
    emu: Emulator, client: httpx.Client, value: str | None, code: str
) -> None:
    body = json.dumps(EXAMPLE_REQUEST).encode()
    headers = sign_headers(emu, body)
    del headers["X-TC-Timestamp"]
    if value is not None:
        headers["X-TC-Timestamp"] = value
    resp = client.post(emu.endpoint + "/", content=body, headers=headers)
    code_, message = error_of(resp)
    assert code_ == code and "Timestamp" in message


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer abc", "TC3-HMAC-SHA256 garbage", "SKIP"]
)
def test_missing_or_garbled_authorization_is_rejected(
    emu: Emulator, client: httpx.Client, authorization: str | None
) -> None:
    body = json.dumps(EXAMPLE_REQUEST).encode()
    headers = sign_headers(emu, body)
    del headers["Authorization"]
    if authorization is not None:
        headers["Authorization"] = authorization
    resp = client.post(emu.endpoint + "/", content=body, headers=headers)
    assert error_of(resp)[0] == "AuthFailure.InvalidAuthorization"


def test_unsigned_requests_route_by_host_when_allowed(client: httpx.Client) -> None:
    with Emulator(services=[MQTT], allow_unsigned=True, semantics=False) as emu:
        body = json.dumps(EXAMPLE_REQUEST).encode()
        headers = sign_headers(emu, body)
        headers.update(Authorization="SKIP", Host="mqtt.tencentcloudapi.com")
        resp = client.post(emu.endpoint + "/", content=body, headers=headers)
        assert "Error" not in resp.json()["Response"]


# -- routing ---------------------------------------------------------------------------


def test_unknown_service_is_no_such_product(emu: Emulator, client: httpx.Client) -> None:
    assert error_of(call(client, emu, service="cvm"))[0] == "NoSuchProduct"


def test_unknown_version_is_no_such_version(emu: Emulator, client: httpx.Client) -> None:
    assert error_of(call(client, emu, version="2017-03-12"))[0] == "NoSuchVersion"


def test_unknown_action_is_invalid_action(emu: Emulator, client: httpx.Client) -> None:
    code, message = error_of(call(client, emu, action="CreateDevice"))
    assert code == "InvalidAction" and "CreateDevice" in message


def test_missing_region_is_a_missing_parameter(emu: Emulator, client: httpx.Client) -> None:
    code, message = error_of(call(client, emu, region=None))
    assert code == "MissingParameter" and "Region" in message


def test_missing_version_is_a_missing_parameter(emu: Emulator, client: httpx.Client) -> None:
    code, message = error_of(call(client, emu, version=None))
    assert code == "MissingParameter" and "Version" in message


# -- request body and parameters --------------------------------------------------------


def test_body_over_ten_megabytes_is_refused(emu: Emulator, client: httpx.Client) -> None:
    body = b"{" + b" " * (10 * 1024 * 1024) + b"}"
    resp = client.post(emu.endpoint + "/", content=body, headers=sign_headers(emu, body))
    assert error_of(resp)[0] == "RequestSizeLimitExceeded"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"Limit": NaN}', b"\xff\xfe"])
def test_body_that_is_not_a_json_object_is_invalid(
    emu: Emulator, client: httpx.Client, body: bytes
) -> None:
    resp = client.post(emu.endpoint + "/", content=body, headers=sign_headers(emu, body))
    assert error_of(resp)[0] == "InvalidParameter"


def test_missing_required_parameter_is_named(emu: Emulator, client: httpx.Client) -> None:
    params = {k: v for k, v in EXAMPLE_REQUEST.items() if k != "DeviceId"}
    code, message = error_of(call(client, emu, params))
    assert code == "MissingParameter" and "`DeviceId`" in message


def test_missing_required_structure_member_is_named_by_path(
    emu: Emulator, client: httpx.Client
) -> None:
    params = {
        **EXAMPLE_REQUEST,
        "PropagatingProperties": [{"Key": "k", "Value": "v"}, {"Key": "k"}],
    }
    code, message = error_of(call(client, emu, params))
    assert code == "MissingParameter" and "`PropagatingProperties.1.Value`" in message


def test_unknown_parameter_is_named(emu: Emulator, client: httpx.Client) -> None:
    code, message = error_of(call(client, emu, {**EXAMPLE_REQUEST, "DeviceName": "x"}))
    assert code == "UnknownParameter" and "`DeviceName`" in message


def test_wrong_type_is_named_by_path(emu: Emulator, client: httpx.Client) -> None:
    params = {**EXAMPLE_REQUEST, "PropagatingProperties": [{"Key": 1, "Value": "v"}]}
    code, message = error_of(call(client, emu, params))
    assert code == "InvalidParameterValue" and "`PropagatingProperties.0.Key`" in message


def test_unknown_is_reported_before_missing_before_wrong_type(
    emu: Emulator, client: httpx.Client
) -> None:
    params = {"InstanceId": 5, "PropagatingProperties": [{"Key": "k", "Value": "v", "Extra": 1}]}
    assert error_of(call(client, emu, params))[0] == "UnknownParameter"
    params = {"InstanceId": 5}
    assert error_of(call(client, emu, params))[0] == "MissingParameter"


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"Limit": True}, "Limit"),
        ({"Limit": 1.5}, "Limit"),
        ({"Limit": 2**63}, "Limit"),
        ({"Offset": -1}, "Offset"),
        ({"Ratio": "0.5"}, "Ratio"),
        ({"Enabled": 1}, "Enabled"),
        ({"Since": 0}, "Since"),
        ({"Filters": {"Name": "x"}}, "Filters"),
        ({"Filters": ["x"]}, "Filters.0"),
        ({"Filters": [{"Name": "x", "Values": "y"}]}, "Filters.0.Values"),
        ({"Filters": [{"Name": "x", "Values": ["y", None]}]}, "Filters.0.Values.1"),
    ],
)
def test_each_wire_type_is_checked(
    emu: Emulator, client: httpx.Client, params: dict[str, Any], path: str
) -> None:
    resp = call(client, emu, params, service="demo", action="DescribeThings", version="2020-01-01")
    code, message = error_of(resp)
    assert code == "InvalidParameterValue" and f"`{path}`" in message


def test_get_query_parameters_are_rebuilt_and_typed(emu: Emulator, client: httpx.Client) -> None:
    query = (
        "Limit=5&Enabled=true&Ratio=0.25"
        "&Filters.0.Name=zone&Filters.0.Values.0=a&Filters.0.Values.1=b"
    )
    headers = sign_headers(
        emu,
        b"",
        service="demo",
        action="DescribeThings",
        version="2020-01-01",
        method="GET",
        query=query,
    )
    resp = client.get(f"{emu.endpoint}/?{query}", headers=headers)
    assert "Error" not in resp.json()["Response"]
    assert emu.requests[-1].params == {
        "Limit": 5,
        "Enabled": True,
        "Ratio": 0.25,
        "Filters": [{"Name": "zone", "Values": ["a", "b"]}],
    }
    bad = "Limit=five"
    headers = sign_headers(
        emu,
        b"",
        service="demo",
        action="DescribeThings",
        version="2020-01-01",
        method="GET",
        query=bad,
    )
    code, message = error_of(client.get(f"{emu.endpoint}/?{bad}", headers=headers))
    assert code == "InvalidParameterValue" and "`Limit`" in message


# -- the sans-IO core and the server lifecycle -------------------------------------------


def test_app_handles_requests_without_sockets() -> None:
    app = EmulatorApp(Catalog.from_descriptions([MQTT]), {"AKIDx": "key"}, clock=lambda: 1e9)
    status, headers, body = app.handle("POST", "/", {"Content-Type": "application/json"}, b"{}")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"
    assert app.handle("PUT", "/", {}, b"")[2].count(b"InvalidRequest") == 1


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_stop_closes_idle_keep_alive_connections() -> None:
    emu = Emulator(services=[MQTT]).start()
    sock = socket.create_connection(("127.0.0.1", emu.port))
    sock.settimeout(5)
    for _ in range(2):  # two answers on one raw connection: keep-alive at the socket level
        sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{emu.port}\r\n\r\n".encode())
        assert _read_response(sock).startswith(b"HTTP/1.1 200")
    emu.stop()
    assert sock.recv(65536) == b""
    sock.close()


def test_keep_alive_answers_are_not_delayed_by_nagle(emu: Emulator, client: httpx.Client) -> None:
    call(client, emu)
    times = []
    for _ in range(11):
        start = time.perf_counter()
        call(client, emu)
        times.append(time.perf_counter() - start)
    assert sorted(times)[5] < 0.02  # a Nagle/delayed-ACK stall costs ~40 ms per answer


def test_installed_services_are_discovered_through_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "fake_demo_svc"
    (pkg / "v20200101").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "v20200101" / "__init__.py").write_text("")
    # The schema table as the generator writes it (see tcapi.schema).
    (pkg / "v20200101" / "_schema.py").write_text(
        "SERVICE = {'service': 'demo', 'version': '2020-01-01',"
        " 'endpoint': 'demo.tencentcloudapi.com', 'region_required': False}\n"
        "MODELS = {'Filter': ('in', (('Name', 'name', 'string', 'r'),)),"
        " 'DescribeThingsRequest': ('in', (('Filters', 'filters', '[Filter]', ''),)),"
        " 'DescribeThingsResponse': ('out', (('RequestId', 'request_id', 'string', ''),))}\n"
        "ACTIONS = {'DescribeThings': {'input': 'DescribeThingsRequest',"
        " 'output': 'DescribeThingsResponse', 'py': 'describe_things', 'idempotent': True}}\n"
    )
    dist = tmp_path / "fake_demo_svc-0.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-demo-svc\nVersion: 0.0.0\n")
    (dist / "entry_points.txt").write_text("[tcapi.services]\ndemo = fake_demo_svc\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = Catalog.installed().get("demo", "2020-01-01")
    assert spec is not None and "DescribeThings" in spec.actions
    assert [m.wire for m in spec.actions["DescribeThings"].input] == ["Filters"]
    assert spec.structures["Filter"][0].required and spec.actions["DescribeThings"].idempotent


def test_command_line_serves_until_interrupted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tcapi.emulator", "--port", "0"],
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
        fields = dict(
            line.split(":", 1) for line in lines if ":" in line and not line.startswith("ready")
        )
        assert fields["SecretId"].strip().startswith("AKID")
        assert len(fields["SecretKey"].split()[0]) == 32
        endpoint = fields["endpoint"].strip()
        resp = httpx.post(endpoint + "/", content=b"{}", trust_env=False)
        assert resp.json()["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()


def test_command_line_never_prints_a_given_secret_key() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tcapi.emulator",
            "--port",
            "0",
            "--secret-id",
            "AKIDgiven",
            "--secret-key",
            "hush-hush",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        out: list[str] = []
        while not out or not out[-1].startswith("ready"):
            out.append(proc.stdout.readline())
            assert out[-1]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        text = "".join(out) + proc.stdout.read()
        assert "AKIDgiven" in text and "hush-hush" not in text
    finally:
        proc.kill()
        proc.wait()


# -- the official SDK as an independent client -------------------------------------------


def _official_client(emu: Emulator, secret_key: str, method: str = "POST") -> Any:
    http = HttpProfile(
        endpoint=emu.endpoint.removeprefix("http://"), protocol="http", reqMethod=method
    )
    http.proxy = None
    cred = credential.Credential(emu.secret_id, secret_key)
    return mqtt_client.MqttClient(cred, "ap-guangzhou", ClientProfile(httpProfile=http))


def _official_request() -> Any:
    req = models.CreateDeviceIdentityRequest()
    req.from_json_string(json.dumps(EXAMPLE_REQUEST))
    return req


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_official_sdk_calls_the_emulator(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    resp = _official_client(emu, emu.secret_key, method).CreateDeviceIdentity(_official_request())
    uuid.UUID(resp.RequestId, version=4)
    assert emu.requests[-1].params == EXAMPLE_REQUEST


def test_official_sdk_sees_the_error_code_for_a_wrong_key(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    with pytest.raises(TencentCloudSDKException) as info:
        _official_client(emu, "x" * 32).CreateDeviceIdentity(_official_request())
    assert info.value.get_code() == "AuthFailure.SignatureFailure"
    uuid.UUID(info.value.get_request_id(), version=4)
