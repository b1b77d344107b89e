"""The emulator serves every MQTT action, driven through the generated clients.

With ``semantics=False`` every action answers with its first documented example
(plus a fresh RequestId), so sending the example request through the generated
client method must give back the example response as a typed model. One emulator
and one client serve the whole module to keep it fast.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from generator.spec import Action, Member
from tcapi import Credential, RetryPolicy
from tcapi.emulator import Emulator
from tcapi.mqtt import AsyncMqttClient, MqttClient

from .test_examples import NULLS_DROPPED, SERVICE, example_id, model, via_json, without_nulls

STRUCTURES = {s.name: s for s in SERVICE.structures}
ACTIONS = [pytest.param(a, id=a.name) for a in SERVICE.actions]
ASYNC_ACTIONS = [
    "CreateDeviceIdentity",
    "DeleteUser",
    "DescribeClientEvents",
    "DescribeInstance",
    "DescribeInstanceList",
    "ModifyInsPublicEndpoint",
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def catalog_emulator() -> Iterator[Emulator]:
    with Emulator(semantics=False) as emu:
        yield emu


@pytest.fixture(scope="module")
def catalog_client(catalog_emulator: Emulator) -> Iterator[MqttClient]:
    with MqttClient(
        credential=Credential(catalog_emulator.secret_id, catalog_emulator.secret_key),
        region="ap-guangzhou",
        endpoint=catalog_emulator.endpoint,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        yield client


def plausible(type_: str, items: str | None, example: Any) -> Any:
    """A value of a member type, from the member's documented example when it fits."""
    if type_ == "list":
        return [plausible(items or "string", None, None)]
    if type_ in STRUCTURES:
        members = STRUCTURES[type_].members
        return minimal_params(members) or minimal_params(members, every_member=True)
    if type_ in ("int64", "uint64"):
        try:
            return max(int(str(example)), 0)
        except ValueError:
            return 1
    if type_ == "float":
        try:
            return float(str(example))
        except ValueError:
            return 1.0
    if type_ == "boolean":
        return str(example).lower() != "false"
    return example if isinstance(example, str) and example else "x"


def minimal_params(members: tuple[Member, ...], *, every_member: bool = False) -> dict[str, Any]:
    """Wire parameters with only the required members (or all), with plausible values."""
    return {
        m.name: plausible(m.type, m.items, m.example) for m in members if m.required or every_member
    }


def expected_response(action: Action) -> dict[str, Any]:
    """What the emulator answers for the action, without RequestId."""
    if not action.examples:
        return {}
    documented = via_json(action.examples[0].response)
    if example_id(action, 0) in NULLS_DROPPED:
        documented = without_nulls(documented)  # see tests/test_examples.py
    documented.pop("RequestId", None)
    return dict(documented)


def request_for(action: Action) -> dict[str, Any]:
    """The first documented example request, or a minimal one built from the spec."""
    if action.examples:
        return dict(action.examples[0].request)
    return minimal_params(action.input)


def assert_fresh_request_id(action: Action, request_id: str | None) -> None:
    assert request_id is not None
    uuid.UUID(request_id)
    documented = {ex.response.get("RequestId") for ex in action.examples}
    assert request_id not in documented


def test_both_clients_have_a_method_per_action() -> None:
    for a in SERVICE.actions:
        assert callable(getattr(MqttClient, a.py_name, None)), a.name
        assert callable(getattr(AsyncMqttClient, a.py_name, None)), a.name


def test_the_emulator_knows_every_action(catalog_emulator: Emulator) -> None:
    served = catalog_emulator.app.catalog.get("mqtt", "2024-05-16")
    assert served is not None
    assert set(served.actions) == {a.name for a in SERVICE.actions}


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_answers_its_example_through_the_sync_client(
    catalog_client: MqttClient, catalog_emulator: Emulator, action: Action
) -> None:
    params = request_for(action)
    request = model(action.name + "Request").from_dict(params)
    response = getattr(catalog_client, action.py_name)(request)
    assert isinstance(response, model(action.name + "Response"))
    assert_fresh_request_id(action, response.request_id)
    got = via_json(response.to_dict())
    got.pop("RequestId")
    assert got == expected_response(action)
    rec = catalog_emulator.requests[-1]
    assert (rec.action, rec.error_code, rec.request_id) == (action.name, None, response.request_id)
    assert rec.params == params


@pytest.mark.parametrize("action", ACTIONS)
def test_required_members_alone_are_accepted(
    catalog_client: MqttClient, catalog_emulator: Emulator, action: Action
) -> None:
    params = minimal_params(action.input)
    response = getattr(catalog_client, action.py_name)(
        model(action.name + "Request").from_dict(params)
    )
    assert_fresh_request_id(action, response.request_id)
    rec = catalog_emulator.requests[-1]
    assert (rec.action, rec.error_code) == (action.name, None)
    assert rec.params == params


def test_a_nested_required_structure_gets_plausible_members() -> None:
    action = next(a for a in SERVICE.actions if a.name == "ModifyInsPublicEndpoint")
    params = minimal_params(action.input)
    assert params["Rules"] == [{"IpRule": "0.0.0.0/0", "Allow": True, "Remark": "this is remark"}]
    model("ModifyInsPublicEndpointRequest").from_dict(params).validate()


@pytest.mark.anyio
async def test_a_handful_of_actions_through_the_async_client(
    catalog_emulator: Emulator,
) -> None:
    actions = [a for a in SERVICE.actions if a.name in ASYNC_ACTIONS]
    assert len(actions) == len(ASYNC_ACTIONS)
    async with AsyncMqttClient(
        credential=Credential(catalog_emulator.secret_id, catalog_emulator.secret_key),
        region="ap-guangzhou",
        endpoint=catalog_emulator.endpoint,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        responses = await asyncio.gather(
            *(
                getattr(client, a.py_name)(model(a.name + "Request").from_dict(request_for(a)))
                for a in actions
            )
        )
    for action, response in zip(actions, responses, strict=True):
        assert isinstance(response, model(action.name + "Response"))
        assert_fresh_request_id(action, response.request_id)
        got = via_json(response.to_dict())
        got.pop("RequestId")
        assert got == expected_response(action), action.name
    assert len({r.request_id for r in responses}) == len(actions)
