"""One client shared by many threads or asyncio tasks, and clients after os.fork()."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tcapi import Credential, RetryPolicy, Throttle
from tcapi.emulator import Emulator
from tcapi.emulator.services.mqtt import seed_instance
from tcapi.mqtt import AsyncMqttClient, MqttClient

from .scripted_server import scripted_server

CRED = Credential("AKIDtest", "test-secret-key")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(rate_limit=False) as e:
        yield e


def test_threads_sharing_one_client_each_get_their_own_answers(emu: Emulator) -> None:
    iid = seed_instance(emu.app)

    def worker(n: int) -> list[tuple[str, str, int]]:
        seen = []
        for k in range(6):
            device = f"t{n}-d{k}"
            client.create_device_identity(instance_id=iid, device_id=device, status=str(1 + k % 2))
            got = client.describe_device_identity(instance_id=iid, device_id=device)
            seen.append((device, got.device_id or "", got.status or 0))
        return seen

    with emu.client(MqttClient, throttle=False) as client:
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(worker, range(16)))
    for n, seen in enumerate(results):
        assert seen == [(f"t{n}-d{k}", f"t{n}-d{k}", 1 + k % 2) for k in range(6)]
    assert len(emu.requests) == 16 * 6 * 2


@pytest.mark.anyio
async def test_tasks_sharing_one_async_client_each_get_their_own_answers(
    emu: Emulator,
) -> None:
    iid = seed_instance(emu.app)
    async with emu.client(AsyncMqttClient, throttle=False) as client:

        async def task(n: int) -> tuple[str, str]:
            device = f"task-{n}"
            await client.create_device_identity(instance_id=iid, device_id=device)
            got = await client.describe_device_identity(instance_id=iid, device_id=device)
            return device, got.device_id or ""

        results = await asyncio.gather(*(task(n) for n in range(60)))
    assert results == [(f"task-{n}", f"task-{n}") for n in range(60)]


def run_in_child(body: Callable[[], None], timeout: float = 20.0) -> int:
    """Fork; the child runs ``body`` and exits 0 (1 on any exception); returns the
    child's exit status. A child that hangs is killed and counts as a failure."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 1
        try:
            body()
            status = 0
        finally:
            os._exit(status)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(wait_status)
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return -9


def test_a_forked_child_opens_its_own_connections() -> None:
    with (
        scripted_server() as (url, script),
        MqttClient(credential=CRED, region="ap-guangzhou", endpoint=url) as client,
    ):
        client.describe_instance(instance_id="mqtt-1")  # a keep-alive connection is open

        def child() -> None:
            for _ in range(2):
                assert client.describe_instance(instance_id="mqtt-1").request_id == "rid-ok"
            client.close()  # closes the child's pool, not the parent's connection

        assert run_in_child(child) == 0
        client.describe_instance(instance_id="mqtt-1")  # the parent's connection still works
    peers = [r["peer"] for r in script.received]
    assert len(peers) == 4
    parent, child_a, child_b, parent_again = peers
    assert parent == parent_again  # the child neither used nor closed it
    assert child_a == child_b != parent  # the child kept its own new connection


def test_a_forked_child_can_use_an_async_client_from_a_new_loop() -> None:
    with scripted_server() as (url, script):
        client = AsyncMqttClient(credential=CRED, region="ap-guangzhou", endpoint=url)

        async def call() -> str | None:
            return (await client.describe_instance(instance_id="mqtt-1")).request_id

        assert asyncio.run(call()) == "rid-ok"  # leaves a connection in the pool

        def child() -> None:
            async def twice() -> None:
                assert await call() == "rid-ok"
                assert await call() == "rid-ok"
                await client.aclose()

            asyncio.run(twice())

        assert run_in_child(child) == 0
    peers = [r["peer"] for r in script.received]
    assert len(peers) == 3 and peers[1] == peers[2] != peers[0]


def test_a_lock_held_by_another_thread_at_fork_does_not_hang_the_child(
    emu: Emulator,
) -> None:
    """The throttle's and the breaker's locks are fresh in the child: a thread that
    held one at the moment of the fork does not exist there to release it."""
    iid = seed_instance(emu.app)
    throttle = Throttle(rate=1000)
    with emu.client(MqttClient, throttle=throttle, retry=RetryPolicy(max_attempts=1)) as client:
        client.describe_instance(instance_id=iid)
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with throttle._lock:
                held.set()
                release.wait(10)

        holder = threading.Thread(target=hold)
        holder.start()
        held.wait(5)

        def child() -> None:
            client.describe_instance(instance_id=iid)

        try:
            status = run_in_child(child, 10.0)
        finally:
            release.set()
            holder.join()
    assert status == 0
    assert len(emu.requests) == 2
