"""Shared fixtures: a real emulator on a free port, and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tcapi import Credential, RetryPolicy
from tcapi.emulator import Emulator
from tcapi.mqtt import AsyncMqttClient, MqttClient

from .seeds import seed_doc_instance


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        seed_doc_instance(emu)
        yield emu


@pytest.fixture
def credential(emulator: Emulator) -> Credential:
    return Credential(emulator.secret_id, emulator.secret_key)


@pytest.fixture
def client(emulator: Emulator, credential: Credential) -> Iterator[MqttClient]:
    with MqttClient(
        credential=credential,
        region="ap-guangzhou",
        endpoint=emulator.endpoint,
        retry=RetryPolicy(max_attempts=1),
        throttle=False,
    ) as c:
        yield c


@pytest.fixture
async def async_client(
    emulator: Emulator, credential: Credential
) -> AsyncIterator[AsyncMqttClient]:
    async with AsyncMqttClient(
        credential=credential,
        region="ap-guangzhou",
        endpoint=emulator.endpoint,
        retry=RetryPolicy(max_attempts=1),
        throttle=False,
    ) as c:
        yield c
