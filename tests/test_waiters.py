"""wait_until_* polls the action the spec names until a success or failure state."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tcapi import Credential, RetryPolicy
from tcapi.emulator import Emulator, RequestContext, answer_with_example
from tcapi.mqtt import AsyncMqttClient, MqttClient, errors
from tcapi.waiters import WaiterFailedError, WaiterTimeoutError


def scripted_status(*states: str) -> Any:
    """A DescribeInstance handler that walks through ``states`` (then stays put)."""
    seen: list[float] = []

    def handler(ctx: RequestContext) -> dict[str, Any]:
        seen.append(time.monotonic())
        answer = answer_with_example(ctx)
        answer["InstanceStatus"] = states[min(len(seen), len(states)) - 1]
        return answer

    handler.calls = seen  # type: ignore[attr-defined]
    return handler


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as e:
        yield e


def client(emu: Emulator) -> MqttClient:
    return MqttClient(
        credential=Credential(emu.secret_id, emu.secret_key),
        region="ap-guangzhou",
        endpoint=emu.endpoint,
        retry=RetryPolicy(max_attempts=1),
    )


def test_waits_until_running_then_returns_the_last_response(emu: Emulator) -> None:
    handler = scripted_status("CREATING", "CREATING", "RUNNING")
    emu.register("mqtt", "DescribeInstance", handler)
    with client(emu) as c:
        resp = c.wait_until_instance_ready(instance_id="mqtt-1", delay=0.05)
    assert resp.instance_status == "RUNNING"
    assert len(handler.calls) == 3
    gaps = [b - a for a, b in zip(handler.calls, handler.calls[1:], strict=False)]
    assert all(g >= 0.04 for g in gaps)  # it waited between polls


def test_a_failure_state_stops_the_wait(emu: Emulator) -> None:
    emu.register("mqtt", "DescribeInstance", scripted_status("CREATING", "CREATE_FAILURE"))
    with client(emu) as c, pytest.raises(WaiterFailedError) as info:
        c.wait_until_instance_ready(instance_id="mqtt-1", delay=0)
    assert info.value.last_value == "CREATE_FAILURE" and info.value.attempts == 2
    assert "CREATE_FAILURE" in str(info.value)


def test_running_out_of_attempts_is_a_timeout(emu: Emulator) -> None:
    handler = scripted_status("CREATING")
    emu.register("mqtt", "DescribeInstance", handler)
    with client(emu) as c, pytest.raises(WaiterTimeoutError) as info:
        c.wait_until_instance_ready(instance_id="mqtt-1", delay=0, max_attempts=4)
    assert info.value.attempts == 4 and info.value.last_value == "CREATING"
    assert len(handler.calls) == 4


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_waiter(emu: Emulator) -> None:
    emu.register("mqtt", "DescribeInstance", scripted_status("MODIFYING", "RUNNING"))
    async with AsyncMqttClient(
        credential=Credential(emu.secret_id, emu.secret_key),
        region="ap-guangzhou",
        endpoint=emu.endpoint,
    ) as c:
        resp = await c.wait_until_instance_ready(instance_id="mqtt-1", delay=0.01)
    assert resp.instance_status == "RUNNING"


def test_waiter_spec_errors_name_the_file(tmp_path: Any) -> None:
    import shutil
    from pathlib import Path

    from generator.schema import SpecError
    from generator.spec import load_service

    root = tmp_path / "spec"
    shutil.copytree(Path(__file__).resolve().parents[1] / "spec/mqtt", root / "mqtt")
    ov = root / "mqtt/2024-05-16/overrides.yaml"
    ov.write_text(ov.read_text().replace("field: InstanceStatus", "field: InstanceState"))
    with pytest.raises(SpecError, match=r"overrides.yaml:\d+.*'InstanceState' is not an output"):
        load_service(root / "mqtt/2024-05-16", root)


# -- against the emulator's own instance lifecycle ----------------------------------


@pytest.fixture
def slow_emu() -> Iterator[Emulator]:
    """New and resized instances take 0.3 s to become ready."""
    with Emulator(instance_ready_delay=0.3) as e:
        yield e


def test_create_instance_then_wait_until_it_serves(slow_emu: Emulator) -> None:
    with slow_emu.client(MqttClient, retry=RetryPolicy(max_attempts=1)) as c:
        created = c.create_instance(instance_type="BASIC", name="waiter-1", sku_code="basic_1k")
        iid = created.instance_id
        assert c.describe_instance(instance_id=iid).instance_status == "CREATING"
        with pytest.raises(errors.FailedOperationInstanceNotReady):
            c.create_device_identity(instance_id=iid, device_id="too-early")
        t0 = time.monotonic()
        ready = c.wait_until_instance_ready(instance_id=iid, delay=0.05)
        waited = time.monotonic() - t0
        assert ready.instance_status == "RUNNING" and ready.instance_id == iid
        assert 0.15 < waited < 2  # it waited for the instance, not longer
        assert c.create_device_identity(instance_id=iid, device_id="on-time").request_id
    polls = [r for r in slow_emu.requests if r.action == "DescribeInstance"]
    assert len(polls) >= 3  # one describe above, then several polls


def test_a_resize_makes_the_instance_modifying_until_ready(slow_emu: Emulator) -> None:
    with slow_emu.client(MqttClient) as c:
        iid = c.create_instance(
            instance_type="BASIC", name="waiter-2", sku_code="basic_1k"
        ).instance_id
        c.wait_until_instance_ready(instance_id=iid, delay=0.05)
        c.modify_instance(instance_id=iid, sku_code="basic_2k")
        assert c.describe_instance(instance_id=iid).instance_status == "MODIFYING"
        ready = c.wait_until_instance_ready(instance_id=iid, delay=0.05)
        assert ready.instance_status == "RUNNING" and ready.sku_code == "basic_2k"


def test_waiting_for_an_instance_that_never_existed_raises_the_api_error(
    slow_emu: Emulator,
) -> None:
    with slow_emu.client(MqttClient) as c, pytest.raises(errors.ResourceNotFoundInstance):
        c.wait_until_instance_ready(instance_id="mqtt-nope0000", delay=0)


@pytest.mark.anyio
async def test_async_waiter_on_a_new_instance(slow_emu: Emulator) -> None:
    async with slow_emu.client(AsyncMqttClient) as c:
        iids = [
            (
                await c.create_instance(
                    instance_type="BASIC", name=f"waiter-a{n}", sku_code="basic_1k"
                )
            ).instance_id
            for n in range(3)
        ]
        ready = await asyncio.gather(
            *(c.wait_until_instance_ready(instance_id=i, delay=0.05) for i in iids)
        )
    assert [r.instance_status for r in ready] == ["RUNNING"] * 3
    assert [r.instance_id for r in ready] == iids
