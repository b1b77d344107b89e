"""A call's deadline and the server's pacing, end to end through a client on each
transport (urllib3, aiohttp, and a caller's httpx clients): ``total_timeout`` ends
an attempt in flight, ``Retry-After`` is waited (and refused past ``max_delay``),
and an unreadable 2xx after a non-idempotent call is flagged ``outcome_unknown``.

Real servers on 127.0.0.1; every server loop is bounded in count and time."""

from __future__ import annotations

import asyncio
import email.utils
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tcapi import Credential, RetryPolicy
from tcapi.errors import (
    RequestLimitExceeded,
    RequestTimeoutError,
    ResponseError,
    TencentCloudError,
)
from tcapi.mqtt import AsyncMqttClient, MqttClient
from tests.scripted_server import Reply, scripted_server
from tests.test_transport_httpx import dripping as drip
from tests.test_transport_urllib3 import Served, raw_server, read_request

KINDS = ["urllib3", "aiohttp", "httpx", "httpx-async"]
CREDENTIAL = Credential("AKIDdeadlinetest", "deadline-test-secret-key-0123456789")


def run(kind: str, url: str, call: Callable[[Any], Any], **options: Any) -> Any:
    """``call(client)`` on a client of ``kind`` aimed at ``url``; returns its result
    or raises its error (async kinds run in their own event loop)."""
    common: dict[str, Any] = {
        "credential": CREDENTIAL,
        "region": "ap-guangzhou",
        "endpoint": url,
        "throttle": False,
        **options,
    }
    if kind in ("urllib3", "httpx"):
        http = httpx.Client() if kind == "httpx" else None
        try:
            with MqttClient(http_client=http, **common) as client:
                return call(client)
        finally:
            if http is not None:
                http.close()

    async def main() -> Any:
        http = httpx.AsyncClient() if kind == "httpx-async" else None
        try:
            async with AsyncMqttClient(http_client=http, **common) as client:
                return await call(client)
        finally:
            if http is not None:
                await http.aclose()

    return asyncio.run(main())


def failure(kind: str, url: str, call: Callable[[Any], Any], **options: Any) -> TencentCloudError:
    with pytest.raises(TencentCloudError) as info:
        run(kind, url, call, **options)
    return info.value


def describe(client: Any) -> Any:
    return client.describe_instance_list()


def create(client: Any) -> Any:
    return client.create_device_identity(instance_id="mqtt-1", device_id="d1")


@contextmanager
def dripping(head_first: bool = True) -> Iterator[Served]:
    """A server that answers one byte every 0.3 s: every read succeeds in time,
    the answer never completes (the body's, or the head's)."""
    with raw_server(drip("body" if head_first else "head")) as served:
        yield served


@contextmanager
def silent() -> Iterator[Served]:
    """A server that reads the request and never answers (until the test ends)."""

    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        served.stop.wait(20)
        conn.close()

    with raw_server(handle) as served:
        yield served


@pytest.mark.parametrize("kind", KINDS)
def test_total_timeout_ends_a_dripping_answer_in_flight(kind: str) -> None:
    with dripping() as served:
        started = time.monotonic()
        error = failure(
            kind,
            served.url,
            describe,
            read_timeout=20,
            retry=RetryPolicy(max_attempts=3, total_timeout=1.5),
        )
        elapsed = time.monotonic() - started
    assert type(error) is RequestTimeoutError, repr(error)
    assert "total_timeout of 1.5s ended attempt 1" in str(error)
    assert 1.4 <= elapsed < 1.5 + 1.0
    assert served.connections == 1  # not retried past the deadline


@pytest.mark.parametrize("kind", KINDS)
def test_total_timeout_ends_a_dripping_head_in_flight(kind: str) -> None:
    with dripping(head_first=False) as served:
        started = time.monotonic()
        error = failure(
            kind, served.url, describe, read_timeout=20, retry=RetryPolicy(total_timeout=1.0)
        )
        elapsed = time.monotonic() - started
    assert type(error) is RequestTimeoutError, repr(error)
    assert elapsed < 1.0 + 1.0


@pytest.mark.parametrize("kind", KINDS)
def test_total_timeout_ends_a_server_that_never_answers(kind: str) -> None:
    with silent() as served:
        started = time.monotonic()
        error = failure(
            kind, served.url, create, read_timeout=20, retry=RetryPolicy(total_timeout=1.0)
        )
        elapsed = time.monotonic() - started
    assert type(error) is RequestTimeoutError and error.sent is True
    assert error.outcome_unknown is True  # CreateDeviceIdentity may have been done
    assert elapsed < 1.0 + 1.0


def test_a_deadline_shorter_than_the_read_timeout_retries_within_it() -> None:
    # Each attempt gets what is left of the call: three quick failures fit, the
    # fourth attempt is cut short by the deadline, not by the 20 s read timeout.
    with silent() as served:
        started = time.monotonic()
        error = failure(
            "urllib3",
            served.url,
            describe,
            read_timeout=0.3,
            retry=RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.02, total_timeout=1.2),
        )
        elapsed = time.monotonic() - started
    assert type(error) is RequestTimeoutError
    assert "total_timeout of 1.2s" in str(error)
    assert served.connections >= 3
    assert elapsed < 1.2 + 1.0


@pytest.mark.parametrize("kind", KINDS)
def test_retry_after_in_seconds_is_waited(kind: str) -> None:
    throttled = Reply.error("RequestLimitExceeded", "slow down")
    throttled.headers["Retry-After"] = "1"
    with scripted_server(throttled) as (url, script):
        started = time.monotonic()
        result = run(
            kind, url, describe, retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=5)
        )
        elapsed = time.monotonic() - started
    assert result.request_id == "rid-ok"
    assert len(script.received) == 2
    assert 0.95 <= elapsed < 3.0  # the backoff alone would be ~0.01 s


def test_retry_after_as_an_http_date_is_waited() -> None:
    throttled = Reply.error("RequestLimitExceeded", "slow down")
    throttled.headers["Retry-After"] = email.utils.formatdate(time.time() + 2, usegmt=True)
    with scripted_server(throttled) as (url, script):
        started = time.monotonic()
        run("urllib3", url, describe, retry=RetryPolicy(base_delay=0.01, max_delay=5))
        elapsed = time.monotonic() - started
    assert len(script.received) == 2
    assert 0.9 <= elapsed < 3.5  # the date has one-second resolution


@pytest.mark.parametrize("kind", ["urllib3", "aiohttp"])
def test_retry_after_longer_than_max_delay_is_not_retried(kind: str) -> None:
    throttled = Reply.error("RequestLimitExceeded", "slow down")
    throttled.headers["Retry-After"] = "120"
    with scripted_server(throttled) as (url, script):
        started = time.monotonic()
        error = failure(kind, url, describe, retry=RetryPolicy(max_attempts=3, max_delay=2))
        elapsed = time.monotonic() - started
    assert isinstance(error, RequestLimitExceeded)
    assert error.retry_after == 120.0
    assert "asked to wait 120s (Retry-After), more than the retry policy's max_delay" in str(error)
    assert len(script.received) == 1 and elapsed < 1.0


def test_retry_after_past_the_deadline_gives_up_at_once() -> None:
    throttled = Reply.error("RequestLimitExceeded", "slow down")
    throttled.headers["Retry-After"] = "3"
    with scripted_server(throttled) as (url, script):
        started = time.monotonic()
        error = failure(
            "urllib3", url, describe, retry=RetryPolicy(max_delay=10, total_timeout=1.0)
        )
        elapsed = time.monotonic() - started
    assert isinstance(error, RequestLimitExceeded)
    assert "total_timeout of 1s would pass before the next one" in str(error)
    assert len(script.received) == 1 and elapsed < 0.8


@pytest.mark.parametrize("junk", ["soon", "-1", "1e9999", "Tue, 99 Foo 2026 00:00:00"])
def test_a_retry_after_that_is_no_delay_is_ignored(junk: str) -> None:
    throttled = Reply.error("RequestLimitExceeded", "slow down")
    throttled.headers["Retry-After"] = junk
    with scripted_server(throttled) as (url, script):
        started = time.monotonic()
        run("urllib3", url, describe, retry=RetryPolicy(base_delay=0.01, max_delay=0.05))
        elapsed = time.monotonic() - started
    assert len(script.received) == 2 and elapsed < 1.0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=200, body=b"<html>gateway says ok</html>", content_type="text/html"),
        Reply(status=200, body=b'{"NotResponse": 1}'),
    ],
    ids=["not-json", "no-response-object"],
)
def test_an_unreadable_200_after_a_non_idempotent_call_is_outcome_unknown(
    kind: str, reply: Reply
) -> None:
    with scripted_server(reply) as (url, script):
        error = failure(kind, url, create, retry=RetryPolicy(max_attempts=3, base_delay=0.01))
    assert type(error) is ResponseError and error.status == 200
    assert error.outcome_unknown is True
    assert "may have been processed" in str(error)
    assert len(script.received) == 1  # never repeated


def test_an_unreadable_200_for_an_idempotent_call_is_retried() -> None:
    bad = Reply(status=200, body=b"<html>gateway says ok</html>", content_type="text/html")
    with scripted_server(bad) as (url, script):
        result = run("urllib3", url, describe, retry=RetryPolicy(base_delay=0.01))
    assert result.request_id == "rid-ok"
    assert len(script.received) == 2


def test_a_4xx_page_is_not_outcome_unknown() -> None:
    page = Reply(status=403, body=b"<html>forbidden</html>", content_type="text/html")
    with scripted_server(page) as (url, script):
        error = failure("urllib3", url, create, retry=RetryPolicy(base_delay=0.01))
    assert type(error) is ResponseError and error.status == 403
    assert error.outcome_unknown is False
    assert len(script.received) == 1
