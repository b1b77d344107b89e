"""Client-side throttling from the spec's rate limits, against the emulator's real
per-action limit (20 requests a second per SecretId, in fixed one-second windows)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tcapi import RetryPolicy, TencentCloudError, Throttle
from tcapi.emulator import Emulator
from tcapi.emulator.services.mqtt import seed_instance
from tcapi.mqtt import AsyncMqttClient, MqttClient, errors
from tcapi.throttle import make_throttle

NO_RETRY = RetryPolicy(max_attempts=1)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as e:  # the rate limit is on
        yield e


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def burst(client: MqttClient, iid: str, calls: int, threads: int = 8) -> list[object]:
    """``calls`` DescribeInstance calls from ``threads`` threads at once."""

    def one(_: int) -> object:
        try:
            return client.describe_instance(instance_id=iid).instance_id
        except TencentCloudError as err:
            return err

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(calls)))


def test_threads_sharing_a_client_stay_under_the_server_limit(emu: Emulator) -> None:
    """40 calls from 8 threads at a time, through the client, a with_options copy and
    a second client given the first one's throttle: the shared buckets let 20 go at
    once and hold the rest for the next window; the server refuses none."""
    iid = seed_instance(emu.app)
    # Half a window of headroom: on a loaded 2-core CI machine a request can reach
    # the server's window noticeably later than it left the client's.
    shared = Throttle(headroom=0.5)
    with (
        emu.client(MqttClient, retry=NO_RETRY, throttle=shared) as client,
        emu.client(MqttClient, retry=NO_RETRY, throttle=client.throttle) as other,
    ):
        copy = client.with_options(read_timeout=10)
        t0 = time.monotonic()
        sizes = {id(client): 20, id(copy): 10, id(other): 10}
        with ThreadPoolExecutor(3) as pool:
            parts = pool.map(lambda c: burst(c, iid, sizes[id(c)]), [client, copy, other])
            results = [r for part in parts for r in part]
        elapsed = time.monotonic() - t0
    assert results == [iid] * 40
    assert emu.app.rate_limiter.refused == 0
    assert 1.4 < elapsed < 3.5  # the second 20 waited for the next window, no longer


def test_without_the_throttle_the_server_refuses_some(emu: Emulator) -> None:
    iid = seed_instance(emu.app)
    with emu.client(MqttClient, retry=NO_RETRY, throttle=False) as client:
        results = burst(client, iid, 60)
    refused = [r for r in results if isinstance(r, errors.RequestLimitExceeded)]
    assert refused and len(refused) == emu.app.rate_limiter.refused
    assert all(r == iid for r in results if r not in refused)


@pytest.mark.anyio
async def test_async_tasks_share_the_throttle_without_blocking_the_loop(emu: Emulator) -> None:
    iid = seed_instance(emu.app)
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    async with emu.client(AsyncMqttClient, retry=NO_RETRY) as client:
        tick = asyncio.create_task(ticker())
        t0 = time.monotonic()
        got = await asyncio.gather(
            *(client.describe_instance(instance_id=iid) for _ in range(40)),
            return_exceptions=True,
        )
        elapsed = time.monotonic() - t0
        done.set()
        await tick
    assert [g.instance_id for g in got if not isinstance(g, BaseException)] == [iid] * 40
    assert emu.app.rate_limiter.refused == 0 and elapsed > 1.0
    assert max(gaps) < 0.25  # the loop kept running while 20 tasks waited ~1 s


def test_refusals_slow_the_action_down_then_it_recovers(emu: Emulator) -> None:
    iid = seed_instance(emu.app)
    clock = Clock()
    throttle = Throttle(clock=clock)
    emu.set_faults("throttle=1", seed=1)  # the server refuses, whatever the pace
    with emu.client(MqttClient, retry=NO_RETRY, throttle=throttle) as client:
        assert client.throttle is throttle
        with pytest.raises(errors.RequestLimitExceeded):
            client.describe_instance(instance_id=iid)
        full = 20 / 1.1
        cut = throttle.current_rate("mqtt", "DescribeInstance")
        assert cut is not None and cut == pytest.approx(14 / 1.1)  # x 0.7
        with pytest.raises(errors.RequestLimitExceeded):
            client.describe_instance(instance_id=iid)
        # The same burst of refusals cuts once per window...
        assert throttle.current_rate("mqtt", "DescribeInstance") == pytest.approx(14 / 1.1)
        clock.now += 1.2
        with pytest.raises(errors.RequestLimitExceeded):
            client.describe_instance(instance_id=iid)
        # ... a refusal in a later window cuts again (from the level recovered so far).
        again = throttle.current_rate("mqtt", "DescribeInstance")
        assert again is not None and again < 14 / 1.1
        # Other actions are not affected.
        emu.set_faults(None)
        client.describe_device_identities(instance_id=iid)
        assert throttle.current_rate("mqtt", "DescribeDeviceIdentities") == pytest.approx(full)
        # Additive recovery: 10 % of the full count per window, back to full.
        clock.now += 1.1
        recovering = throttle.current_rate("mqtt", "DescribeInstance")
        assert recovering is not None and cut * 0.7 < recovering < full
        clock.now += 11.0
        assert throttle.current_rate("mqtt", "DescribeInstance") == pytest.approx(full)


def test_the_bucket_lets_a_burst_through_then_paces() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock)

    def delays(n: int, action: str = "A", rate: float | None = 20) -> list[float]:
        return [throttle.delay("svc", action, rate) for _ in range(n)]

    assert delays(20) == [0.0] * 20
    assert delays(2) == pytest.approx([1.1, 1.1])  # the 21st waits for the first token
    clock.now += 0.5
    assert delays(1) == pytest.approx([0.6])
    assert delays(3, action="B") == [0.0] * 3  # every action has its own bucket
    assert delays(50, action="C", rate=None) == [0.0] * 50  # no documented limit
    slow = Throttle(rate=0.5, clock=clock)  # one request every 2.2 s
    assert [slow.delay("svc", "A", 20) for _ in range(3)] == pytest.approx([0.0, 2.2, 4.4])
    fast = Throttle(rate=5, per=0.1, headroom=0, clock=clock)
    assert [fast.delay("svc", "A", None) for _ in range(6)][-1] == pytest.approx(0.1)


def test_any_window_holds_at_most_the_limit() -> None:
    """Reserved start times, whatever the arrival pattern, never put more than N
    requests into any window of the bucket's length — so into no server window."""
    clock = Clock()
    throttle = Throttle(clock=clock)
    starts: list[float] = []
    for step in [0.0] * 25 + [0.01] * 100 + [0.3] * 10 + [0.0] * 30:
        clock.now += step
        starts.append(clock.now + throttle.delay("svc", "A", 20))
    starts.sort()
    for i, s in enumerate(starts):
        in_window = [t for t in starts[i:] if t < s + 1.1 - 1e-9]
        assert len(in_window) <= 20


def test_throttle_option_forms() -> None:
    assert make_throttle(False) is None and make_throttle(None) is None
    assert isinstance(make_throttle(True), Throttle) and make_throttle(True).rate is None  # type: ignore[union-attr]
    custom = make_throttle(50.0)
    assert custom is not None and custom.rate == 50.0
    shared = Throttle()
    assert make_throttle(shared) is shared
    with pytest.raises(TypeError):
        make_throttle("fast")  # type: ignore[arg-type]
    for bad in (0, -1, float("inf")):
        with pytest.raises(ValueError):
            Throttle(rate=bad)
    assert "documented" in repr(Throttle()) and "50 per 1s" in repr(custom)


def test_debug_line_reports_the_throttle_wait(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    iid = seed_instance(emu.app)
    throttle = Throttle(rate=1, per=0.05)  # one request per 55 ms
    with emu.client(MqttClient, throttle=throttle) as client, caplog.at_level(logging.DEBUG):
        client.describe_instance(instance_id=iid)
        client.describe_instance(instance_id=iid)
    lines = [
        r.getMessage() for r in caplog.records if "DescribeInstance attempt=" in r.getMessage()
    ]
    assert len(lines) == 2
    assert "throttle_wait_ms" not in lines[0]
    wait = float(lines[1].split("throttle_wait_ms=")[1].split()[0])
    assert 20.0 < wait <= 55.0
