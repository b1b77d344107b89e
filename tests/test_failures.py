"""What clients do when the server (or the network) misbehaves: typed errors,
retries only where safe, and what came back quoted in the error."""

from __future__ import annotations

import json
import logging
import random
import socket

import pytest

from tcapi import (
    ConnectError,
    Credential,
    RequestTimeoutError,
    ResponseError,
    RetryPolicy,
    TransportError,
)
from tcapi.mqtt import AsyncMqttClient, MqttClient, errors
from tcapi.retry import backoff_delay, is_retryable

from .scripted_server import Reply, scripted_server

CRED = Credential("AKIDtest", "test-secret-key")


def make_client(endpoint: str, attempts: int = 1, **kw: object) -> MqttClient:
    return MqttClient(
        credential=CRED,
        region="ap-guangzhou",
        endpoint=endpoint,
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.001, max_delay=0.01),
        **kw,  # type: ignore[arg-type]
    )


def call(client: MqttClient) -> object:
    return client.create_device_identity(instance_id="i", device_id="d")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_gateway_html_page_is_a_response_error_quoting_status_and_body() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    with scripted_server(Reply(status=502, body=page, content_type="text/html")) as (url, _):
        with make_client(url) as c, pytest.raises(ResponseError) as info:
            call(c)
    err = info.value
    assert err.status == 502
    assert "502 Bad Gateway" in err.excerpt and "502 Bad Gateway" in str(err)
    assert "not JSON" in str(err)


def test_a_hostile_error_code_cannot_forge_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    code = "InternalError\nINFO tcapi: all good\x1b[2J"
    body = json.dumps({"Response": {"Error": {"Code": code, "Message": "m"}, "RequestId": "r"}})
    caplog.set_level(logging.DEBUG, logger="tcapi")
    with scripted_server(Reply(body=body.encode())) as (url, _):
        with make_client(url) as c, pytest.raises(errors.ApiError) as info:
            call(c)
    assert info.value.code == code  # the error itself keeps what the server said
    lines = [r.getMessage() for r in caplog.records if r.name == "tcapi"]
    assert lines and all("\n" not in m and "\x1b" not in m for m in lines)
    assert any("error=InternalError INFO tcapi: all good?[2J" in m for m in lines)


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (Reply(body=b"definitely not json"), "not JSON"),
        (Reply(body=b""), "not JSON"),
        (Reply.json({"Result": {}}), "no 'Response' object"),
        (Reply.json(["Response"]), "no 'Response' object"),
        (Reply.json({"Response": {"Error": {"Message": "x"}, "RequestId": "r1"}}), "no Code"),
        (Reply(body=b'{"Response": {"RequestId": "abc", "Err'), "not JSON"),
        (Reply.json({"Response": {"RequestId": "r2"}}, status=503), "unexpected HTTP status"),
    ],
)
def test_malformed_responses_become_response_errors(reply: Reply, says: str) -> None:
    with scripted_server(reply) as (url, _):
        with make_client(url) as c, pytest.raises(ResponseError) as info:
            call(c)
    assert says in str(info.value)
    assert info.value.code == "ClientError.Response"


def test_truncated_body_is_a_typed_transport_error() -> None:
    body = b'{"Response": {"RequestId": "0123456789"}}'
    with scripted_server(Reply(body=body, truncate_to=10)) as (url, script):
        with make_client(url, attempts=3) as c, pytest.raises(TransportError) as info:
            call(c)
    assert info.value.sent is True
    assert len(script.received) == 1  # may have been processed: not retried


def test_error_envelope_with_non_200_status_still_maps_to_the_api_error() -> None:
    reply = Reply.error("ResourceNotFound.Instance", "no such instance", "rid-9")
    reply.status = 400
    with scripted_server(reply) as (url, _):
        with make_client(url) as c, pytest.raises(errors.ResourceNotFound) as info:
            call(c)
    assert type(info.value) is errors.ResourceNotFoundInstance
    assert (info.value.code, info.value.message, info.value.request_id) == (
        "ResourceNotFound.Instance",
        "no such instance",
        "rid-9",
    )


def test_unknown_code_maps_to_nearest_known_ancestor_and_keeps_full_code() -> None:
    with scripted_server(Reply.error("FailedOperation.Brand.New", "new")) as (url, _):
        with make_client(url) as c, pytest.raises(errors.FailedOperation) as info:
            call(c)
    assert type(info.value) is errors.FailedOperation
    assert info.value.code == "FailedOperation.Brand.New"
    with scripted_server(Reply.error("TotallyUnheardOf", "?")) as (url, _):
        with make_client(url) as c, pytest.raises(errors.ApiError) as info2:
            call(c)
    assert type(info2.value) is errors.ApiError and info2.value.code == "TotallyUnheardOf"


def test_throttling_is_retried_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    replies = [
        Reply.error("RequestLimitExceeded", "slow down"),
        Reply.error("RequestLimitExceeded.UinLimitExceeded", "slow down"),
    ]
    with scripted_server(*replies) as (url, script):
        with make_client(url, attempts=3) as c, caplog.at_level(logging.INFO, "tcapi"):
            resp = call(c)
    assert resp.request_id == "rid-ok"  # type: ignore[attr-defined]
    assert len(script.received) == 3
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2 and "RequestLimitExceeded" in retries[0].getMessage()


def test_throttling_gives_up_after_max_attempts() -> None:
    with scripted_server(default=Reply.error("RequestLimitExceeded", "no")) as (url, script):
        with make_client(url, attempts=2) as c, pytest.raises(errors.RequestLimitExceeded):
            call(c)
    assert len(script.received) == 2


@pytest.mark.parametrize("code", ["InternalError", "FailedOperation", "ResourceUnavailable"])
def test_errors_after_processing_are_not_retried_for_a_create(code: str) -> None:
    with scripted_server(default=Reply.error(code)) as (url, script):
        with make_client(url, attempts=4) as c, pytest.raises(errors.ApiError):
            call(c)
    assert len(script.received) == 1


def test_connection_reset_without_answer_is_not_retried_for_a_create() -> None:
    with scripted_server(Reply(reset=True)) as (url, script):
        with make_client(url, attempts=4) as c, pytest.raises(TransportError) as info:
            call(c)
    assert info.value.sent is True and len(script.received) == 1


def test_read_timeout_is_typed_and_not_retried() -> None:
    with scripted_server(Reply(delay=1.0)) as (url, script):
        with make_client(url, attempts=3, read_timeout=0.2) as c:
            with pytest.raises(RequestTimeoutError):
                call(c)
    assert len(script.received) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_retried_then_raises_connect_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with make_client(url, attempts=3) as c, caplog.at_level(logging.INFO, "tcapi"):
        with pytest.raises(ConnectError) as info:
            call(c)
    assert info.value.sent is False
    assert "127.0.0.1" in str(info.value)
    assert len([r for r in caplog.records if "retrying" in r.getMessage()]) == 2


@pytest.mark.anyio
async def test_async_client_retries_throttling_and_types_bad_responses() -> None:
    replies = [
        Reply.error("RequestLimitExceeded"),
        Reply.ok("rid-async"),
        Reply(status=502, body=b"<html>bad gateway</html>", content_type="text/html"),
    ]
    with scripted_server(*replies) as (url, script):
        async with AsyncMqttClient(
            credential=CRED,
            region="ap-guangzhou",
            endpoint=url,
            retry=RetryPolicy(max_attempts=3, base_delay=0.001),
        ) as c:
            resp = await c.create_device_identity(instance_id="i", device_id="d")
            assert resp.request_id == "rid-async"
            with pytest.raises(ResponseError) as info:
                await c.create_device_identity(instance_id="i", device_id="d")
    assert info.value.status == 502 and "bad gateway" in info.value.excerpt
    assert len(script.received) == 3


def test_keep_alive_reuses_one_connection() -> None:
    with scripted_server() as (url, script):
        with make_client(url) as c:
            for _ in range(5):
                call(c)
    assert len({r["peer"] for r in script.received}) == 1


def test_backoff_is_full_jitter_capped_exponential() -> None:
    rng = random.Random(7)
    for attempt in range(1, 12):
        ceiling = min(2.0, 0.1 * 2 ** (attempt - 1))
        delays = [backoff_delay(attempt, 0.1, 2.0, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # jitter spreads over the whole range
    policy = RetryPolicy(max_attempts=3)
    throttled = errors.RequestLimitExceeded("x")
    assert policy.next_delay(1, throttled) is not None
    assert policy.next_delay(3, throttled) is None
    assert policy.next_delay(1, errors.InternalError("x")) is None
    assert is_retryable(ConnectError("x")) and not is_retryable(TransportError("x"))
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
