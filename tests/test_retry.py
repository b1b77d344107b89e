"""Retries that never duplicate: what is retried for which action, the outcome-unknown
error, the deadline per call, the retry hook and per-call options — against the real
emulator (faults injected on the wire) and the scripted server."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tcapi import (
    ConnectError,
    Credential,
    RequestTimeoutError,
    ResponseError,
    RetryPolicy,
    TencentCloudError,
    Throttle,
    TransportError,
)
from tcapi._http import translate_error
from tcapi.emulator import Emulator
from tcapi.emulator.services.mqtt import seed_instance
from tcapi.mqtt import AsyncMqttClient, MqttClient, errors
from tcapi.retry import RetryEvent, is_retryable, may_have_been_processed, not_processed

from .scripted_server import Reply, scripted_server

CRED = Credential("AKIDtest", "test-secret-key")
FAST_DELAY = 0.001


def fast(max_attempts: int = 3, **options: Any) -> RetryPolicy:
    """A policy with millisecond backoff."""
    return RetryPolicy(max_attempts=max_attempts, base_delay=FAST_DELAY, max_delay=0.005, **options)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(rate_limit=False) as e:
        yield e


def faults_once(emu: Emulator, events: list[RetryEvent]) -> RetryPolicy:
    """A policy whose hook records each retry and switches the emulator's faults
    off, so the second attempt meets a healthy server."""

    def hook(event: RetryEvent) -> None:
        events.append(event)
        emu.set_faults(None)

    return fast(3, on_retry=hook)


def client_for(emu: Emulator, retry: RetryPolicy) -> MqttClient:
    return emu.client(MqttClient, retry=retry, throttle=False)


# Each of these may have been processed, as far as the client can tell — even
# reset_before, where the emulator resets after reading the request: the client
# sees the same reset as for reset_after.
MAYBE_PROCESSED: dict[str, type[TencentCloudError]] = {
    "reset_before": TransportError,
    "reset_after": TransportError,
    "truncated": TransportError,
    "http_502": ResponseError,
    "internal_error": errors.InternalError,
}


@pytest.mark.parametrize("fault", sorted(MAYBE_PROCESSED))
def test_failures_that_may_have_been_processed_are_retried_for_an_idempotent_action(
    emu: Emulator, fault: str
) -> None:
    iid = seed_instance(emu.app)
    events: list[RetryEvent] = []
    emu.set_faults(f"{fault}=1", seed=1)
    with client_for(emu, faults_once(emu, events)) as client:
        resp = client.describe_instance(instance_id=iid)
    assert resp.instance_id == iid
    assert [r.action for r in emu.requests] == ["DescribeInstance", "DescribeInstance"]
    assert [r.fault for r in emu.requests] == [fault, None]
    (event,) = events
    assert (event.service, event.action, event.attempt, event.max_attempts) == (
        "mqtt",
        "DescribeInstance",
        1,
        3,
    )
    assert isinstance(event.error, MAYBE_PROCESSED[fault])
    assert event.code == event.error.code and 0 <= event.delay <= FAST_DELAY


@pytest.mark.parametrize("fault", sorted(MAYBE_PROCESSED))
def test_failures_that_may_have_been_processed_are_never_repeated_for_a_create(
    emu: Emulator, fault: str
) -> None:
    iid = seed_instance(emu.app)
    events: list[RetryEvent] = []
    emu.set_faults(f"{fault}=1", seed=1)
    with client_for(emu, faults_once(emu, events)) as client:
        with pytest.raises(MAYBE_PROCESSED[fault]) as info:
            client.create_device_identity(instance_id=iid, device_id="d1")
        emu.set_faults(None)
        err = info.value
        assert err.outcome_unknown is True
        assert "the request may have been processed" in str(err)
        assert "CreateDeviceIdentity" in str(err)
        assert events == [] and len(emu.requests) == 1
        if fault in ("reset_after", "truncated"):
            # It really was processed: repeating it would have made a duplicate.
            assert client.describe_device_identity(instance_id=iid, device_id="d1").device_id
            with pytest.raises(errors.UnsupportedOperationResourceAlreadyExists):
                client.create_device_identity(instance_id=iid, device_id="d1")


def test_outcome_unknown_keeps_the_server_message_and_the_class_hierarchy(
    emu: Emulator,
) -> None:
    iid = seed_instance(emu.app)
    emu.set_faults("internal_error=1", seed=1)
    with client_for(emu, fast(3)) as client:
        try:
            client.create_topic(instance_id=iid, topic="t")
        except errors.InternalError as err:  # `except InternalError` still works
            assert err.message == "An internal error occurred. Please try again later."
            assert err.note is not None and "CreateTopic is not idempotent" in err.note
            assert str(err).startswith("[InternalError] An internal error occurred.")
        else:
            pytest.fail("no InternalError")


@pytest.mark.parametrize("action", ["describe", "create"])
def test_throttling_refusals_are_retried_for_every_action(emu: Emulator, action: str) -> None:
    iid = seed_instance(emu.app)
    events: list[RetryEvent] = []
    emu.set_faults("throttle=1", seed=1)
    with client_for(emu, faults_once(emu, events)) as client:
        if action == "create":
            client.create_device_identity(instance_id=iid, device_id="d1")
        else:
            client.describe_instance(instance_id=iid)
    assert [e.code for e in events] == ["RequestLimitExceeded"]
    assert [r.fault for r in emu.requests] == ["throttle", None]


def test_a_retried_create_does_not_duplicate_and_gives_up_on_attempts(emu: Emulator) -> None:
    iid = seed_instance(emu.app)
    emu.set_faults("throttle=1", seed=1)
    with client_for(emu, fast(3)) as client:
        with pytest.raises(errors.RequestLimitExceeded) as info:
            client.create_device_identity(instance_id=iid, device_id="d1")
    assert len(emu.requests) == 3
    assert info.value.outcome_unknown is False  # refused: certainly not processed
    assert "gave up on CreateDeviceIdentity after 3 attempts" in str(info.value)


def test_connection_refused_is_retried_for_a_create_and_not_outcome_unknown() -> None:
    with Emulator() as emu:
        endpoint = emu.endpoint
        cred = emu.credential()
    events: list[RetryEvent] = []
    retry = fast(3, on_retry=events.append)
    with MqttClient(credential=cred, region="ap-guangzhou", endpoint=endpoint, retry=retry) as c:
        with pytest.raises(ConnectError) as info:
            c.create_device_identity(instance_id="mqtt-1", device_id="d1")
    assert [e.attempt for e in events] == [1, 2]
    assert info.value.outcome_unknown is False and info.value.sent is False


def test_read_timeout_retried_for_describe_not_for_create() -> None:
    slow = Reply(delay=0.5)
    with scripted_server(slow, Reply.ok("rid-2"), slow) as (url, script):
        with MqttClient(
            credential=CRED,
            region="ap-guangzhou",
            endpoint=url,
            read_timeout=0.1,
            retry=fast(3),
            throttle=False,
        ) as c:
            assert c.describe_instance(instance_id="mqtt-1").request_id == "rid-2"
            with pytest.raises(RequestTimeoutError) as info:
                c.create_topic(instance_id="mqtt-1", topic="t")
    assert len(script.received) == 3
    assert info.value.outcome_unknown and "may have been processed" in str(info.value)


def test_what_is_sent_decides_what_is_safe() -> None:
    url = "http://127.0.0.1:1/"
    req = httpx.Request("POST", url)
    cases: list[tuple[httpx.HTTPError, bool, bool]] = [
        # (httpx failure, not processed, may have been processed)
        (httpx.ConnectError("refused", request=req), True, False),
        (httpx.ConnectTimeout("slow", request=req), True, False),
        (httpx.PoolTimeout("busy", request=req), True, False),
        (httpx.WriteTimeout("stuck", request=req), True, False),
        (httpx.ReadTimeout("slow", request=req), False, True),
        (httpx.ReadError("reset", request=req), False, True),
        (httpx.RemoteProtocolError("closed", request=req), False, True),
        (httpx.LocalProtocolError("bad header", request=req), False, False),
    ]
    for exc, safe, maybe in cases:
        err = translate_error(exc, url)
        assert (not_processed(err), may_have_been_processed(err)) == (safe, maybe), exc
        assert err.sent is maybe
        assert is_retryable(err, idempotent=False) is safe
        assert is_retryable(err, idempotent=True) is (safe or maybe)
    assert may_have_been_processed(ResponseError("x", status=502))
    # a 2xx the client cannot read may be a success; a 4xx page was a refusal
    assert may_have_been_processed(ResponseError("x", status=200))
    assert not may_have_been_processed(ResponseError("x", status=403))
    assert not may_have_been_processed(ResponseError("x"))
    assert not_processed(errors.RequestLimitExceededUinLimitExceeded("x"))
    assert may_have_been_processed(errors.ServiceUnavailable("x"))
    assert not is_retryable(errors.FailedOperation("x"), idempotent=True)


def test_total_timeout_stops_retrying_before_the_deadline() -> None:
    retry = RetryPolicy(max_attempts=50, base_delay=0.1, max_delay=0.1, total_timeout=0.35)
    with scripted_server(default=Reply.error("RequestLimitExceeded")) as (url, script):
        with MqttClient(credential=CRED, region="ap-guangzhou", endpoint=url, retry=retry) as c:
            started = time.monotonic()
            with pytest.raises(errors.RequestLimitExceeded) as info:
                c.describe_instance(instance_id="mqtt-1")
            elapsed = time.monotonic() - started
    assert elapsed < 0.35 + 0.1  # no sleep ran past the deadline
    assert 2 <= len(script.received) < 50
    assert f"after {len(script.received)} attempts" in str(info.value)
    assert "total_timeout of 0.35s" in str(info.value)


def test_total_timeout_counts_the_throttle_wait() -> None:
    """A retry that would wait for the client's throttle past the deadline is not made."""
    throttle = Throttle(rate=1, per=5.0)  # one request per 5.5 s
    retry = fast(5, total_timeout=1.0)
    with scripted_server(default=Reply.error("RequestLimitExceeded")) as (url, script):
        with MqttClient(
            credential=CRED,
            region="ap-guangzhou",
            endpoint=url,
            retry=retry,
            throttle=throttle,
        ) as c:
            started = time.monotonic()
            with pytest.raises(errors.RequestLimitExceeded) as info:
                c.describe_instance(instance_id="mqtt-1")
    assert time.monotonic() - started < 0.5 and len(script.received) == 1
    assert "total_timeout of 1s" in str(info.value)


def test_retry_hook_and_info_log_see_each_retry(caplog: pytest.LogCaptureFixture) -> None:
    events: list[RetryEvent] = []
    replies = [Reply.error("RequestLimitExceeded"), Reply(status=502, body=b"<html>")]
    with scripted_server(*replies) as (url, _):
        with (
            MqttClient(
                credential=CRED,
                region="ap-guangzhou",
                endpoint=url,
                retry=fast(3, on_retry=events.append),
            ) as c,
            caplog.at_level(logging.DEBUG, "tcapi"),
        ):
            c.describe_instance(instance_id="mqtt-1")
    assert [(e.attempt, e.code) for e in events] == [
        (1, "RequestLimitExceeded"),
        (2, "ClientError.Response"),
    ]
    assert "error=" not in repr(events[0]) and "RequestLimitExceeded" in repr(events[0])
    messages = [r.getMessage() for r in caplog.records]
    assert sum("retrying after" in m for m in messages) == 2
    attempts = [m for m in messages if " attempt=" in m]
    assert [m.split(" attempt=")[1].split()[0] for m in attempts] == ["1/3", "2/3", "3/3"]


def test_an_exception_in_the_hook_ends_the_call() -> None:
    def stop(event: RetryEvent) -> None:
        raise KeyboardInterrupt

    with scripted_server(default=Reply.error("RequestLimitExceeded")) as (url, script):
        with MqttClient(
            credential=CRED,
            region="ap-guangzhou",
            endpoint=url,
            retry=RetryPolicy(max_attempts=3, on_retry=stop),
        ) as c:
            with pytest.raises(KeyboardInterrupt):
                c.describe_instance(instance_id="mqtt-1")
    assert len(script.received) == 1


def test_with_options_changes_one_call_and_shares_the_pool() -> None:
    slow = Reply(delay=0.3, body=b'{"Response": {"RequestId": "slow"}}')
    replies = [Reply.error("RequestLimitExceeded"), slow, slow]
    with scripted_server(*replies) as (url, script):
        with MqttClient(
            credential=CRED,
            region="ap-guangzhou",
            endpoint=url,
            retry=fast(3),
        ) as c:
            with c.with_options(retry=RetryPolicy(max_attempts=1)) as once:
                with pytest.raises(errors.RequestLimitExceeded):
                    once.describe_instance(instance_id="mqtt-1")  # not retried
            # Leaving the copy's `with` did not close the shared pool.
            with pytest.raises(RequestTimeoutError):
                c.with_options(read_timeout=0.1).create_topic(instance_id="mqtt-1", topic="t")
            c.create_topic(instance_id="mqtt-1", topic="t")  # the client's own 30 s timeout
            assert c.with_options(total_timeout=9).retry.total_timeout == 9
            assert c.retry.total_timeout is None and c.retry.max_attempts == 3
            assert c.with_options().throttle is c.throttle is not None
            assert c.with_options(throttle=False).throttle is None
    # One connection served the copy and the client alike (until the timeout
    # made the pool drop it).
    peers = [r["peer"] for r in script.received]
    assert len(script.received) == 3 and peers[0] == peers[1] != peers[2]


@pytest.mark.anyio
async def test_async_client_retries_by_the_same_rules(emu: Emulator) -> None:
    iid = seed_instance(emu.app)
    events: list[RetryEvent] = []
    emu.set_faults("reset_after=1", seed=1)
    async with emu.client(
        AsyncMqttClient, retry=faults_once(emu, events), throttle=False
    ) as client:
        assert (await client.describe_instance(instance_id=iid)).instance_id == iid
        emu.set_faults("reset_after=1", seed=1)
        with pytest.raises(TransportError) as info:
            await client.create_device_identity(instance_id=iid, device_id="d1")
        assert info.value.outcome_unknown and "CreateDeviceIdentity" in str(info.value)
        emu.set_faults("http_502=1", seed=1)
        with pytest.raises(ResponseError) as info2:
            await client.with_options(total_timeout=5).delete_device_identity(
                instance_id=iid, device_id="d1"
            )
        assert info2.value.outcome_unknown
    assert [e.code for e in events] == ["ClientError.Transport"]
    assert len(emu.requests) == 4


def test_a_custom_condition_may_opt_in_and_the_outcome_is_still_reported(
    emu: Emulator,
) -> None:
    iid = seed_instance(emu.app)
    emu.set_faults("reset_after=1", seed=1)
    always = fast(2, retry_on=lambda error, idempotent: True)
    with client_for(emu, always) as client:
        with pytest.raises(TransportError) as info:
            client.create_device_identity(instance_id=iid, device_id="d1")
    assert len(emu.requests) == 2  # the caller asked for it: repeated
    assert info.value.outcome_unknown
    assert "CreateDeviceIdentity is not idempotent;" in str(info.value)
    assert "gave up on CreateDeviceIdentity after 2 attempts" in str(info.value)


def test_retry_policy_checks_its_arguments() -> None:
    for bad in ({"max_attempts": 0}, {"total_timeout": 0}, {"base_delay": -1}):
        with pytest.raises(ValueError, match="RetryPolicy"):
            RetryPolicy(**bad)  # type: ignore[arg-type]
    assert RetryPolicy(max_attempts=1).next_delay(1, ConnectError("x")) is None
    custom = RetryPolicy(retry_on=lambda error, idempotent: isinstance(error, TencentCloudError))
    assert custom.next_delay(1, errors.FailedOperation("x")) is not None


def test_a_retry_policy_is_a_frozen_value_checked_on_every_copy() -> None:
    policy = RetryPolicy(5, 0.1, 2.0)
    assert policy == RetryPolicy(max_attempts=5, base_delay=0.1, max_delay=2.0)
    assert hash(policy) == hash(RetryPolicy(5, 0.1, 2.0))
    shorter = policy.replace(total_timeout=3)
    assert (shorter.max_attempts, shorter.total_timeout) == (5, 3)
    with pytest.raises(ValueError, match="total_timeout must be a number > 0"):
        policy.replace(total_timeout=0)
    with pytest.raises(TypeError, match="no field 'attempts'"):
        policy.replace(attempts=2)
    with pytest.raises(AttributeError):
        policy.max_attempts = 9
