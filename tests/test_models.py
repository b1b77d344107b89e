"""Generated models: wire names, round trips, tolerance, validation, redaction."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tcapi import InvalidParameterError
from tcapi.mqtt import models

DOC_PAGE = Path(__file__).parent / "fixtures/CreateDeviceIdentity.txt"
"""The seed doc page, kept in the repository so a clone tests without ``../shared``."""
SHARED_DOC_PAGE = (
    Path(__file__).resolve().parents[2] / "shared/api-docs/mqtt/2024-05-16/CreateDeviceIdentity.txt"
)
"""The same page in the docs checked out beside the repository, when they are."""


def doc_example_request() -> dict[str, object]:
    """The example request body printed on the doc page, parsed from the page itself."""
    text = DOC_PAGE.read_text(encoding="utf-8")
    start = text.index("<Common request parameters>") + len("<Common request parameters>")
    body, _ = json.JSONDecoder().raw_decode(text[start:].lstrip())
    assert isinstance(body, dict)
    return body


def doc_example_response() -> dict[str, object]:
    text = DOC_PAGE.read_text(encoding="utf-8")
    start = text.index('{\n"Error": null')
    wrapper, _ = json.JSONDecoder().raw_decode(text[start:])
    return wrapper["Response"]  # type: ignore[no-any-return]


def seed_request() -> models.CreateDeviceIdentityRequest:
    return models.CreateDeviceIdentityRequest(
        instance_id="mqtt-qzgaq8bk",
        device_id="device-2",
        status="1",
        primary_key="pk1",
        secondary_key="sk1",
        propagating_properties=[models.PropagatingProperty(key="key-1", value="key-b")],
    )


def test_seed_example_request_serializes_to_the_doc_page_json() -> None:
    assert seed_request().to_dict() == doc_example_request()


def test_request_round_trips_through_wire_form() -> None:
    req = seed_request()
    again = models.CreateDeviceIdentityRequest.from_dict(json.loads(json.dumps(req.to_dict())))
    assert again == req


def test_unset_optional_members_are_omitted() -> None:
    req = models.CreateDeviceIdentityRequest(instance_id="i", device_id="d")
    assert req.to_dict() == {"InstanceId": "i", "DeviceId": "d"}


def test_response_parses_doc_example_and_keeps_unknown_members() -> None:
    wire = {**doc_example_response(), "NewField": {"Nested": [1, 2]}}
    resp = models.CreateDeviceIdentityResponse.from_dict(wire)
    assert resp.request_id == "30a1df4f-1a90-4241-8f77-9e568f5d0149"
    assert resp.unknown_fields == {"NewField": {"Nested": [1, 2]}}
    assert resp.to_dict() == wire  # nothing lost


def test_response_tolerates_missing_members() -> None:
    assert models.CreateDeviceIdentityResponse.from_dict({}).request_id is None
    prop = models.PropagatingProperty.from_dict({"Key": "k"})
    assert prop.key == "k" and prop.to_dict() == {"Key": "k"}


def test_sensitive_members_are_redacted_in_repr_and_str() -> None:
    req = models.CreateDeviceIdentityRequest(
        instance_id="i", device_id="d", primary_key="PRIMARY-SECRET", secondary_key="SECOND-SECRET"
    )
    for text in (repr(req), str(req), repr([req])):
        assert "PRIMARY-SECRET" not in text and "SECOND-SECRET" not in text
        assert "primary_key='***'" in text
    assert "instance_id='i'" in repr(req)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"instance_id": 5, "device_id": "d"}, "InstanceId"),
        ({"instance_id": "i", "device_id": None}, "DeviceId"),
        (
            {"instance_id": "i", "device_id": "d", "propagating_properties": "kv"},
            "PropagatingProperties",
        ),
        (
            {
                "instance_id": "i",
                "device_id": "d",
                "propagating_properties": [
                    models.PropagatingProperty(key="k", value=3)  # type: ignore[arg-type]
                ],
            },
            "PropagatingProperties[0].Value",
        ),
        (
            {"instance_id": "i", "device_id": "d", "propagating_properties": [{"Key": "k"}]},
            "PropagatingProperties[0]",
        ),
    ],
)
def test_validation_names_the_offending_field(kwargs: dict[str, object], field: str) -> None:
    req = models.CreateDeviceIdentityRequest(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError) as info:
        req.validate()
    assert info.value.field == field
    assert re.search(rf"parameter {re.escape(field)}(:| is required)", str(info.value))


def test_validation_error_does_not_quote_sensitive_values() -> None:
    req = models.CreateDeviceIdentityRequest(instance_id="i", device_id="d", primary_key=12345678)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError) as info:
        req.validate()
    assert "12345678" not in str(info.value)
    assert "PrimaryKey" in str(info.value)


def test_missing_required_keyword_names_the_field() -> None:
    with pytest.raises(TypeError, match="device_id"):
        models.CreateDeviceIdentityRequest(instance_id="i")  # type: ignore[call-arg]


def test_fixture_is_the_seed_doc_page() -> None:
    """The fixture is the doc page: byte for byte the ``../shared`` copy when the docs
    are checked out beside the repository, and in any case a page whose examples are
    the doc instance's CreateDeviceIdentity request and its answer."""
    if SHARED_DOC_PAGE.is_file():
        assert SHARED_DOC_PAGE.read_bytes() == DOC_PAGE.read_bytes()
    assert "CreateDeviceIdentity" in DOC_PAGE.read_text(encoding="utf-8")
    request = doc_example_request()
    assert request["InstanceId"] == "mqtt-qzgaq8bk"
    assert request["DeviceId"] == "device-2"
    assert doc_example_response()["RequestId"] == "30a1df4f-1a90-4241-8f77-9e568f5d0149"
