"""The circuit breaker: two real emulators, the primary failing on the wire and the
backup healthy, and the official SDK's rules (>= 5 failures at >= 75 %, or 5 in a
row; backup for 60 s; half-open after that)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tcapi import CircuitBreaker, Credential, RetryPolicy, TransportError
from tcapi.emulator import Emulator
from tcapi.errors import ConfigurationError
from tcapi.mqtt import AsyncMqttClient, MqttClient, errors

NO_RETRY = RetryPolicy(max_attempts=1)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def pair() -> Iterator[tuple[Emulator, Emulator]]:
    """(primary, backup): two emulators accepting the same key pair."""
    with Emulator(rate_limit=False) as primary:
        with Emulator(primary.secret_id, primary.secret_key, rate_limit=False) as backup:
            yield primary, backup


def make_client(
    primary: Emulator, backup: Emulator, breaker: CircuitBreaker, retry: RetryPolicy = NO_RETRY
) -> MqttClient:
    return primary.client(MqttClient, retry=retry, throttle=False, circuit_breaker=breaker)


def breaker_for(backup: Emulator, clock: Clock | None = None) -> CircuitBreaker:
    return CircuitBreaker(backup_endpoint=backup.endpoint, clock=clock or Clock())


def state(breaker: CircuitBreaker) -> str:
    return breaker.state  # a fresh read each time (mypy narrows property compares)


def hosts(emu: Emulator) -> list[str]:
    return [r.headers["host"] for r in emu.requests]


def test_opens_after_five_failures_then_the_backup_serves_for_60_seconds(
    pair: tuple[Emulator, Emulator],
) -> None:
    primary, backup = pair
    clock = Clock()
    breaker = breaker_for(backup, clock)
    primary.set_faults("reset_before=1", seed=1)
    with make_client(primary, backup, breaker) as client:
        assert client.backup_endpoint == backup.endpoint + "/"
        for _ in range(5):
            with pytest.raises(TransportError):
                client.describe_instance_list()
        assert len(primary.requests) == 5 and backup.requests == []
        # Open: the next calls go to the backup, signed for the backup's host.
        client.describe_instance_list()
        client.describe_instance_list()
        assert len(primary.requests) == 5
        assert hosts(backup) == [f"127.0.0.1:{backup.port}"] * 2
        clock.now += 59.9
        client.describe_instance_list()
        assert len(backup.requests) == 3
        # Half-open after 60 s: back to the primary; one failure opens it again.
        clock.now += 0.2
        with pytest.raises(TransportError):
            client.describe_instance_list()
        assert len(primary.requests) == 6
        client.describe_instance_list()
        assert len(backup.requests) == 4
        # The primary recovers: half-open, five successes close the breaker.
        primary.set_faults(None)
        clock.now += 60
        for _ in range(4):
            client.describe_instance_list()
        assert state(breaker) == "half-open"
        client.describe_instance_list()
        assert state(breaker) == "closed"
        client.describe_instance_list()
        assert len(primary.requests) == 12 and len(backup.requests) == 4


def test_api_errors_are_the_service_working_internal_errors_are_not(
    pair: tuple[Emulator, Emulator],
) -> None:
    primary, backup = pair
    with make_client(primary, backup, breaker_for(backup)) as client:
        for _ in range(8):
            with pytest.raises(errors.ResourceNotFound):
                client.describe_instance(instance_id="mqtt-missing")
        assert backup.requests == []  # still closed
        primary.set_faults("internal_error=1", seed=1)
        for _ in range(5):  # 5 in a row, although only 5 of 13 failed
            with pytest.raises(errors.InternalError):
                client.describe_instance_list()
        client.describe_instance_list()
    assert len(backup.requests) == 1


def test_a_gateway_page_counts_as_a_failure_and_a_retry_can_go_to_the_backup(
    pair: tuple[Emulator, Emulator],
) -> None:
    """One idempotent call, retried: its fifth failure opens the breaker and its
    sixth attempt is served by the backup."""
    primary, backup = pair
    primary.set_faults("http_502=1", seed=1)
    retry = RetryPolicy(max_attempts=6, base_delay=0.001, max_delay=0.002)
    with make_client(primary, backup, breaker_for(backup), retry) as client:
        assert client.describe_instance_list().total_count == 0
    assert len(primary.requests) == 5 and len(backup.requests) == 1


def test_the_failure_rule_is_five_failures_at_75_percent_or_five_in_a_row() -> None:
    def run(outcomes: str) -> str:
        breaker = CircuitBreaker(clock=Clock())
        for o in outcomes:
            to_backup, generation = breaker.before()
            assert not to_backup
            breaker.after(generation, failed=o == "F")
        return breaker.state

    assert run("FFSFFF") == "open"  # 5 of 6 = 83 %
    assert run("SSFFSFFSF") == "closed"  # 5 of 9 = 56 %, never 5 in a row
    assert run("SSSSSSSSSSFFFFF") == "open"  # 5 in a row at 33 %
    assert run("FFFF") == "closed"


def test_counts_start_again_each_window_and_stale_outcomes_are_ignored() -> None:
    clock = Clock()
    breaker = CircuitBreaker(clock=clock)
    for _ in range(4):
        breaker.after(breaker.before()[1], failed=True)
    clock.now += 300  # a new 5-minute window
    _, generation = breaker.before()
    breaker.after(generation, failed=True)
    assert state(breaker) == "closed"
    _, stale = breaker.before()
    for _ in range(4):
        breaker.after(breaker.before()[1], failed=True)
    assert state(breaker) == "open"
    clock.now += 60
    assert state(breaker) == "half-open"
    breaker.after(stale, failed=True)  # from before it opened: ignored
    assert state(breaker) == "half-open"
    for _ in range(4):
        breaker.after(breaker.before()[1], failed=False)
    assert state(breaker) == "half-open"
    breaker.after(breaker.before()[1], failed=False)
    assert state(breaker) == "closed"


def test_options_and_default_backup_endpoint() -> None:
    cred = Credential("AKIDtest", "test-secret-key")
    with MqttClient(credential=cred, region="ap-guangzhou", circuit_breaker=True) as c:
        assert c.backup_endpoint == "https://mqtt.ap-guangzhou.tencentcloudapi.com/"
    with MqttClient(credential=cred, region="ap-guangzhou") as c:
        assert c.backup_endpoint is None
    with pytest.raises(ConfigurationError, match="backup endpoint is the endpoint itself"):
        MqttClient(
            credential=cred,
            region="ap-guangzhou",
            endpoint="mqtt.tencentcloudapi.com",
            circuit_breaker=CircuitBreaker("https://mqtt.tencentcloudapi.com"),
        )
    with pytest.raises(ValueError, match="failure_rate"):
        CircuitBreaker(failure_rate=1.5)


def test_the_debug_line_names_the_backup(
    pair: tuple[Emulator, Emulator], caplog: pytest.LogCaptureFixture
) -> None:
    primary, backup = pair
    primary.set_faults("reset_before=1", seed=1)
    with (
        make_client(primary, backup, breaker_for(backup)) as client,
        caplog.at_level(logging.DEBUG, "tcapi"),
    ):
        for _ in range(5):
            with pytest.raises(TransportError):
                client.describe_instance_list()
        client.describe_instance_list()
    lines = [r.getMessage() for r in caplog.records if "attempt=" in r.getMessage()]
    assert all("backup_endpoint" not in line for line in lines[:5])
    assert f"backup_endpoint={backup.endpoint}/" in lines[5] and lines[5].endswith(" ok")


@pytest.mark.anyio
async def test_async_client_breaks_to_the_backup(pair: tuple[Emulator, Emulator]) -> None:
    primary, backup = pair
    primary.set_faults("truncated=1", seed=1)
    breaker = breaker_for(backup)
    async with primary.client(
        AsyncMqttClient, retry=NO_RETRY, throttle=False, circuit_breaker=breaker
    ) as client:
        for _ in range(5):
            with pytest.raises(TransportError):
                await client.describe_instance_list()
        assert (await client.describe_instance_list()).total_count == 0
    assert breaker.state == "open" and len(backup.requests) == 1
