"""paginate_* walks Offset/Limit pages against a paging emulator handler."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tcapi import Credential, RetryPolicy
from tcapi.emulator import Emulator, RequestContext
from tcapi.mqtt import AsyncMqttClient, MqttClient, models

USERS = [f"user-{i:02d}" for i in range(23)]
DEFAULT_LIMIT = 20  # what the paging handler uses when Limit is not sent


def page(ctx: RequestContext, with_total: bool, key: str) -> dict[str, Any]:
    params = ctx.params or {}
    offset = int(params.get("Offset", 0))
    limit = int(params.get("Limit", DEFAULT_LIMIT))
    items = [{key: u} for u in USERS[offset : offset + limit]]
    return {"Data": items, **({"TotalCount": len(USERS)} if with_total else {})}


@pytest.fixture
def paging_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        emu.register("mqtt", "DescribeUserList", lambda ctx: page(ctx, True, "Username"))
        emu.register("mqtt", "DescribeDeviceIdentities", lambda ctx: page(ctx, False, "DeviceId"))
        yield emu


def client_for(emu: Emulator) -> MqttClient:
    return MqttClient(
        credential=Credential(emu.secret_id, emu.secret_key),
        region="ap-guangzhou",
        endpoint=emu.endpoint,
        retry=RetryPolicy(max_attempts=1),
    )


def offsets(emu: Emulator, action: str) -> list[tuple[Any, Any]]:
    return [
        ((r.params or {}).get("Offset"), (r.params or {}).get("Limit"))
        for r in emu.requests
        if r.action == action
    ]


def test_paginate_walks_every_page_and_stops_at_total(paging_emulator: Emulator) -> None:
    with client_for(paging_emulator) as c:
        items = list(c.paginate_describe_user_list(instance_id="mqtt-1", limit=10))
    assert all(isinstance(i, models.MQTTUserItem) for i in items)
    assert [i.username for i in items] == USERS
    # 23 items at 10 a page: exactly three requests, no empty fourth page.
    assert offsets(paging_emulator, "DescribeUserList") == [(0, 10), (10, 10), (20, 10)]


def test_paginate_without_limit_uses_the_server_default(paging_emulator: Emulator) -> None:
    with client_for(paging_emulator) as c:
        items = list(c.paginate_describe_user_list(instance_id="mqtt-1"))
    assert len(items) == len(USERS)
    assert offsets(paging_emulator, "DescribeUserList") == [(0, None), (20, None)]


def test_paginate_without_total_stops_on_a_short_page(paging_emulator: Emulator) -> None:
    with client_for(paging_emulator) as c:
        pages = c.paginate_describe_device_identities(instance_id="mqtt-1", offset=5, limit=8)
        first = next(pages)  # lazily: only the first page has been fetched
        assert len(offsets(paging_emulator, "DescribeDeviceIdentities")) == 1
        rest = list(pages)
    assert [i.device_id for i in [first, *rest]] == USERS[5:]
    # 18 items at 8 a page: the third page is short, so no fourth request.
    assert offsets(paging_emulator, "DescribeDeviceIdentities") == [(5, 8), (13, 8), (21, 8)]


def test_paginate_accepts_a_prebuilt_request_and_leaves_it_unchanged(
    paging_emulator: Emulator,
) -> None:
    req = models.DescribeUserListRequest(instance_id="mqtt-1", limit=7)
    with client_for(paging_emulator) as c:
        assert len(list(c.paginate_describe_user_list(req))) == len(USERS)
    assert (req.offset, req.limit) == (None, 7)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_paginate_walks_every_page(paging_emulator: Emulator) -> None:
    async with AsyncMqttClient(
        credential=Credential(paging_emulator.secret_id, paging_emulator.secret_key),
        region="ap-guangzhou",
        endpoint=paging_emulator.endpoint,
    ) as c:
        names = [u.username async for u in c.paginate_describe_user_list(instance_id="m", limit=8)]
    assert names == USERS
    assert offsets(paging_emulator, "DescribeUserList") == [(0, 8), (8, 8), (16, 8)]
