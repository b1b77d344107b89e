"""Every documented example of the MQTT spec against the generated models.

Requests and responses are the wire JSON the API docs print (spec/.../actions/*.yaml,
``examples``). They must parse into the typed models and serialize back unchanged,
pass ``validate()``, and bring nested structures back as the structure classes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.spec import Action, Example, Member, Service, load_service
from tcapi import InvalidParameterError
from tcapi.mqtt import models

REPO = Path(__file__).resolve().parents[1]
SERVICE: Service = load_service(REPO / "spec/mqtt/2024-05-16", REPO / "spec")
STRUCTURE_NAMES = frozenset(s.name for s in SERVICE.structures)

# Known deviations, keyed by example id "<Action>-<index>". Each one says why; when
# the cause goes away the test fails until the entry is removed.

NULLS_DROPPED: dict[str, str] = {}
"""Example responses whose to_dict() loses exactly their JSON nulls and nothing else.
None since models keep explicit nulls (DescribeClientEvents-0 and
DescribeSharedSubscriptionGroups-0 were listed here before)."""

UNKNOWN_IN_EXAMPLES: dict[str, dict[str, str]] = {
    # None: DescribeInstance's doc example shows MaxTopicFilterPerSharedSubscriptionGroup,
    # which tccli 3.1.189.1 marks disabled; the importer keeps it, as deprecated.
}
"""Example response members the spec does not know: example id -> {member: why}."""

VALIDATE_FAILS: dict[str, str] = {}
"""Example requests whose validate() fails: example id -> expected error text. None."""


def example_id(action: Action, index: int) -> str:
    return f"{action.name}-{index}"


def model(name: str) -> Any:
    return getattr(models, name)


def via_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def without_nulls(value: Any) -> Any:
    """The JSON value with every object member whose value is null removed."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def structure_instances(obj: Any, members: tuple[Member, ...], path: str) -> list[str]:
    """Check that every structure-typed member of a parsed model is its structure class.

    Returns the paths of the structure values checked, for the caller to count.
    """
    seen: list[str] = []
    for m in members:
        value = getattr(obj, m.py_name)
        if value is None:
            continue
        item_type = m.items if m.type == "list" else m.type
        if item_type not in STRUCTURE_NAMES:
            continue
        assert item_type is not None
        cls = model(item_type)
        spec = next(s for s in SERVICE.structures if s.name == item_type)
        items = value if m.type == "list" else [value]
        for i, item in enumerate(items):
            where = f"{path}{m.name}" + (f"[{i}]" if m.type == "list" else "")
            assert isinstance(item, cls), f"{where} is {type(item).__name__}, not {cls.__name__}"
            seen.append(where)
            seen += structure_instances(item, spec.members, where + ".")
    return seen


EXAMPLES = [
    pytest.param(a, i, ex, id=example_id(a, i))
    for a in SERVICE.actions
    for i, ex in enumerate(a.examples)
]
ALL_EXAMPLE_IDS = {example_id(a, i) for a in SERVICE.actions for i in range(len(a.examples))}


def test_every_action_has_a_documented_example() -> None:
    assert [a.name for a in SERVICE.actions if not a.examples] == []
    assert len(EXAMPLES) >= len(SERVICE.actions) == 80


def test_known_deviations_name_real_examples() -> None:
    listed = set(NULLS_DROPPED) | set(UNKNOWN_IN_EXAMPLES) | set(VALIDATE_FAILS)
    assert sorted(listed - ALL_EXAMPLE_IDS) == []


@pytest.mark.parametrize(("action", "index", "example"), EXAMPLES)
def test_example_request_round_trips(action: Action, index: int, example: Example) -> None:
    req = model(action.name + "Request").from_dict(example.request)
    assert req.unknown_fields == {}, "the spec lacks request members the docs show"
    assert via_json(req.to_dict()) == via_json(example.request)


@pytest.mark.parametrize(("action", "index", "example"), EXAMPLES)
def test_example_request_validates(action: Action, index: int, example: Example) -> None:
    req = model(action.name + "Request").from_dict(example.request)
    expected = VALIDATE_FAILS.get(example_id(action, index))
    if expected is None:
        req.validate()
    else:
        with pytest.raises(InvalidParameterError, match=expected):
            req.validate()


@pytest.mark.parametrize(("action", "index", "example"), EXAMPLES)
def test_example_response_round_trips(action: Action, index: int, example: Example) -> None:
    key = example_id(action, index)
    resp = model(action.name + "Response").from_dict(example.response)
    assert isinstance(resp, model(action.name + "Response"))
    assert sorted(resp.unknown_fields) == sorted(UNKNOWN_IN_EXAMPLES.get(key, {}))
    got = via_json(resp.to_dict())
    documented = via_json(example.response)
    if key in NULLS_DROPPED:
        assert got != documented, f"{key} round-trips now: remove it from NULLS_DROPPED"
        assert got == without_nulls(documented)
    else:
        assert got == documented
    resp.validate()


@pytest.mark.parametrize(("action", "index", "example"), EXAMPLES)
def test_nested_response_structures_are_structure_classes(
    action: Action, index: int, example: Example
) -> None:
    resp = model(action.name + "Response").from_dict(example.response)
    structure_instances(resp, action.output, "")


def test_nested_structures_are_found_in_the_examples() -> None:
    """The generic walk above is not vacuous: the examples hold many nested structures."""
    checked = [
        path
        for a in SERVICE.actions
        for ex in a.examples
        for path in structure_instances(
            model(a.name + "Response").from_dict(ex.response), a.output, a.name + "."
        )
    ]
    assert len(checked) > 50
    assert "DescribeClientEvents.Events[0].Info[0]" in checked


def example_response(action: str) -> dict[str, Any]:
    spec = next(a for a in SERVICE.actions if a.name == action)
    return spec.examples[0].response


def test_spot_check_list_items_are_structure_classes() -> None:
    events = models.DescribeClientEventsResponse.from_dict(example_response("DescribeClientEvents"))
    assert events.events
    assert all(isinstance(e, models.EventItem) for e in events.events)
    first = events.events[0]
    assert first.info and all(isinstance(i, models.EventInfo) for i in first.info)
    assert (first.info[0].key, first.info[0].value) == ("topic", "home/#/")

    instances = models.DescribeInstanceListResponse.from_dict(
        example_response("DescribeInstanceList")
    )
    assert instances.data and all(isinstance(i, models.MQTTInstanceItem) for i in instances.data)
    assert isinstance(instances.data[0].instance_id, str)

    groups = models.DescribeSharedSubscriptionGroupsResponse.from_dict(
        example_response("DescribeSharedSubscriptionGroups")
    )
    assert groups.data and all(isinstance(g, models.SharedGroup) for g in groups.data)
    assert groups.data[1].remark is None  # JSON null: None, and to_dict() gives the null back

    identities = models.DescribeDeviceIdentitiesResponse.from_dict(
        example_response("DescribeDeviceIdentities")
    )
    assert identities.data
    assert all(isinstance(d, models.DeviceIdentityItem) for d in identities.data)
