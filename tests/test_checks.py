"""``tcapi._checks.check_wire`` (the command line's request check, no model classes)
agrees with the generated models' ``validate()`` on what is wrong and where."""

from __future__ import annotations

from typing import Any

import pytest

from tcapi._checks import check_wire
from tcapi._compile import model_class
from tcapi.errors import InvalidParameterError
from tcapi.schema import ServiceSchema, load_schema


@pytest.fixture(scope="module")
def cvm() -> ServiceSchema:
    return load_schema("tcapi.cvm.v20170312._schema")


@pytest.fixture(scope="module")
def mqtt() -> ServiceSchema:
    return load_schema("tcapi.mqtt.v20240516._schema")


def _model_error(schema: ServiceSchema, model: str, data: dict[str, Any]) -> str | None:
    try:
        model_class(schema, model).from_dict(data).validate()
    except InvalidParameterError as exc:
        return exc.field or ""
    return None


def _wire_error(schema: ServiceSchema, model: str, data: dict[str, Any]) -> str | None:
    try:
        check_wire(schema, model, data)
    except InvalidParameterError as exc:
        return exc.field or ""
    return None


MQTT_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("CreateDeviceIdentityRequest", {"InstanceId": "i", "DeviceId": "d"}, None),
    ("CreateDeviceIdentityRequest", {"InstanceId": "i"}, "DeviceId"),
    ("CreateDeviceIdentityRequest", {"InstanceId": 5, "DeviceId": "d"}, "InstanceId"),
    ("CreateDeviceIdentityRequest", {"InstanceId": "i", "DeviceId": "d", "DeviceId2": 1}, None),
    (
        "CreateDeviceIdentityRequest",
        {"InstanceId": "i", "DeviceId": "d", "PropagatingProperties": [{"Key": "k"}]},
        "PropagatingProperties[0].Value",
    ),
    (
        "CreateDeviceIdentityRequest",
        {"InstanceId": "i", "DeviceId": "d", "PropagatingProperties": {"Key": "k"}},
        "PropagatingProperties",
    ),
    ("DescribeInstanceListRequest", {"Limit": "10"}, "Limit"),
    ("DescribeInstanceListRequest", {"Limit": True}, "Limit"),
    ("DescribeInstanceListRequest", {"Limit": 2**63}, "Limit"),
    ("DescribeInstanceListRequest", {"Limit": 10, "Offset": None}, None),
]


@pytest.mark.parametrize(("model", "data", "field"), MQTT_CASES)
def test_same_verdict_as_the_models_mqtt(
    mqtt: ServiceSchema, model: str, data: dict[str, Any], field: str | None
) -> None:
    assert _wire_error(mqtt, model, data) == field
    assert _model_error(mqtt, model, data) == field


CVM_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("DescribeInstancesRequest", {"Filters": [{"Name": "zone", "Values": ["a"]}]}, None),
    (
        "DescribeInstancesRequest",
        {"Filters": [{"Name": "zone", "Values": "a"}]},
        "Filters[0].Values",
    ),
    (
        "DescribeInstancesRequest",
        {"Filters": [{"Name": "zone", "Values": [1]}]},
        "Filters[0].Values[0]",
    ),
    ("DescribeInstancesRequest", {"Filters": "zone"}, "Filters"),
    ("RunInstancesRequest", {"Placement": {"Zone": "z", "ProjectId": [7]}}, "Placement.ProjectId"),
    ("RunInstancesRequest", {"Placement": {"ProjectId": 7}}, "Placement.Zone"),
    ("RunInstancesRequest", {"Placement": {"Zone": "z"}, "InstanceCount": -1.5}, "InstanceCount"),
    ("RunInstancesRequest", {"Placement": {"Zone": "z"}, "DryRun": "true"}, "DryRun"),
    ("RunInstancesRequest", {"Placement": {"Zone": "z"}, "DryRun": False}, None),
]


@pytest.mark.parametrize(("model", "data", "field"), CVM_CASES)
def test_same_verdict_as_the_models_cvm(
    cvm: ServiceSchema, model: str, data: dict[str, Any], field: str | None
) -> None:
    assert _wire_error(cvm, model, data) == field
    assert _model_error(cvm, model, data) == field


def test_stricter_than_models_shared_with_responses(cvm: ServiceSchema) -> None:
    """A structure the API also answers with (Placement) is read tolerantly by its
    model ("7" becomes 7); what the user typed is checked as it is."""
    data = {"Placement": {"Zone": "z", "ProjectId": "7"}}
    assert _model_error(cvm, "RunInstancesRequest", data) is None
    assert _wire_error(cvm, "RunInstancesRequest", data) == "Placement.ProjectId"


def test_messages_name_the_type_never_the_value(mqtt: ServiceSchema) -> None:
    with pytest.raises(InvalidParameterError) as info:
        check_wire(mqtt, "CreateDeviceIdentityRequest", {"InstanceId": "i", "DeviceId": 42424242})
    assert info.value.message == "parameter DeviceId: expected str, got int"
    assert "42424242" not in str(info.value)
