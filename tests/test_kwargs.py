"""Keyword arguments of generated methods (issue 9, "first contact"): misspelt,
PascalCase and missing names are InvalidParameterErrors that name them and the
python name meant, before anything is sent; a structure member takes a dict;
help() shows each member's python type. Against the embedded emulator, sync and
async."""

from __future__ import annotations

import importlib
import pydoc
from typing import Any

import pytest

from tcapi import InvalidParameterError, KeywordArgumentError
from tcapi._kwargs import build_request
from tcapi.emulator import Emulator
from tcapi.mqtt import AsyncMqttClient, MqttClient, models

from .seeds import DOC_INSTANCE
from .test_golden import golden_import

__all__ = ["golden_import"]  # the fixture, for the golden packages' help() text

SECRET = "s3cr3t-primary-key-value"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def call_error(client: MqttClient, **kwargs: Any) -> InvalidParameterError:
    with pytest.raises(InvalidParameterError) as info:
        client.create_device_identity(**kwargs)
    return info.value


def keyword_error(client: MqttClient, **kwargs: Any) -> KeywordArgumentError:
    err = call_error(client, **kwargs)
    assert isinstance(err, KeywordArgumentError)
    return err


# --------------------------------------------------------------------------- names


def test_a_misspelt_name_is_named_with_the_python_name_meant(
    client: MqttClient, emulator: Emulator
) -> None:
    err = keyword_error(client, instance_id=DOC_INSTANCE, deviceid="d", primary_key=SECRET)
    assert isinstance(err, TypeError)  # what Python raises for a bad keyword, too
    assert "create_device_identity() got unknown keyword argument 'deviceid'" in str(err)
    assert "did you mean 'device_id'?" in str(err)
    assert err.code == "ClientError.InvalidParameter"
    assert err.field == "deviceid"
    assert err.unknown == ("deviceid",)
    assert err.suggestions == {"deviceid": "device_id"}
    # device_id is what the misspelling meant: not reported missing as well
    assert err.missing == () and "missing" not in str(err)
    assert SECRET not in str(err) and SECRET not in repr(err)
    assert emulator.requests == []


def test_a_pascalcase_wire_name_suggests_the_snake_case_name(
    client: MqttClient, emulator: Emulator
) -> None:
    err = keyword_error(client, InstanceId=DOC_INSTANCE, device_id="d")
    assert "unknown keyword argument 'InstanceId' (did you mean 'instance_id'?)" in str(err)
    assert err.suggestions == {"InstanceId": "instance_id"}
    assert err.missing == ()
    assert emulator.requests == []


def test_every_unknown_name_is_named(client: MqttClient, emulator: Emulator) -> None:
    err = keyword_error(client, InstanceId="i", DeviceID="d", primary_kye=SECRET, zzz=1)
    message = str(err)
    assert "unknown keyword arguments" in message
    assert "'InstanceId' (did you mean 'instance_id'?)" in message
    assert "'DeviceID' (did you mean 'device_id'?)" in message
    assert "'primary_kye' (did you mean 'primary_key'?)" in message
    assert "'zzz'" in message and "'zzz' (did you mean" not in message
    assert err.unknown == ("InstanceId", "DeviceID", "primary_kye", "zzz")
    assert SECRET not in message
    assert emulator.requests == []


def test_a_missing_required_member_is_named(client: MqttClient, emulator: Emulator) -> None:
    err = keyword_error(client, instance_id=DOC_INSTANCE, primary_key=SECRET)
    assert "create_device_identity() is missing required keyword argument 'device_id'" in str(err)
    assert "(DeviceId)" in str(err)
    assert err.field == "DeviceId" and err.missing == ("device_id",)
    assert SECRET not in str(err)
    err = keyword_error(client)
    assert err.missing == ("instance_id", "device_id")
    assert "missing required keyword arguments 'instance_id' (InstanceId), 'device_id'" in str(err)
    assert emulator.requests == []


def test_unknown_and_missing_together(client: MqttClient, emulator: Emulator) -> None:
    err = keyword_error(client, instance_id=DOC_INSTANCE, name="x")
    assert "got unknown keyword argument 'name'" in str(err)
    assert "and is missing required keyword argument 'device_id'" in str(err)
    assert emulator.requests == []


def test_paginate_methods_report_names_the_same_way(client: MqttClient, emulator: Emulator) -> None:
    with pytest.raises(KeywordArgumentError) as info:
        client.paginate_describe_device_identities(InstanceId=DOC_INSTANCE)  # type: ignore[call-overload]
    assert "paginate_describe_device_identities() got unknown keyword argument 'InstanceId'" in (
        str(info.value)
    )
    assert "did you mean 'instance_id'?" in str(info.value)
    assert emulator.requests == []


@pytest.mark.anyio
async def test_async_client_reports_names_before_sending(
    async_client: AsyncMqttClient, emulator: Emulator
) -> None:
    with pytest.raises(KeywordArgumentError) as info:
        await async_client.create_device_identity(instance_id=DOC_INSTANCE, deviceid="d")  # type: ignore[call-overload]
    assert "did you mean 'device_id'?" in str(info.value)
    with pytest.raises(KeywordArgumentError, match="missing required keyword argument 'device_id'"):
        await async_client.create_device_identity(instance_id=DOC_INSTANCE)  # type: ignore[call-overload]
    assert emulator.requests == []


def test_a_type_error_of_another_cause_is_not_dressed_up() -> None:
    class Odd:
        def __init__(self, **kwargs: Any) -> None:
            raise TypeError("something else")

    with pytest.raises(TypeError, match="something else") as info:
        build_request("CreateDeviceIdentity", Odd, {"a": 1})
    assert not isinstance(info.value, InvalidParameterError)


# --------------------------------------------------------------------------- dicts for structures


def sent_properties(emulator: Emulator) -> Any:
    [rec] = emulator.requests
    assert rec.action == "CreateDeviceIdentity" and rec.error_code is None
    assert rec.params is not None
    return rec.params["PropagatingProperties"]


@pytest.mark.parametrize(
    "item",
    [
        {"Key": "a", "Value": "b"},  # wire names, as from_dict takes them
        {"key": "a", "value": "b"},  # python names
        {"Key": "a", "value": "b"},
    ],
)
def test_a_dict_for_a_structure_is_built_into_the_model_and_sent(
    client: MqttClient, emulator: Emulator, item: dict[str, str]
) -> None:
    resp = client.create_device_identity(
        instance_id=DOC_INSTANCE,
        device_id="dev-dict",
        propagating_properties=[item, models.PropagatingProperty(key="c", value="d")],  # type: ignore[list-item]
    )
    assert resp.request_id
    assert sent_properties(emulator) == [{"Key": "a", "Value": "b"}, {"Key": "c", "Value": "d"}]


@pytest.mark.anyio
async def test_async_client_takes_a_dict_for_a_structure(
    async_client: AsyncMqttClient, emulator: Emulator
) -> None:
    await async_client.create_device_identity(
        instance_id=DOC_INSTANCE,
        device_id="dev-async",
        propagating_properties=[{"Key": "k", "Value": "v"}],  # type: ignore[list-item]
    )
    assert sent_properties(emulator) == [{"Key": "k", "Value": "v"}]


@pytest.mark.parametrize(
    ("item", "field", "words"),
    [
        # the values still go through validate() before anything is sent
        ({"Key": 7, "Value": "b"}, "PropagatingProperties[0].Key", "expected str, got int"),
        ({"Key": "a"}, "PropagatingProperties[0].Value", "is missing required member Value"),
        ({"Kye": "a", "Value": "b"}, "PropagatingProperties[0].Kye", "'Kye' (did you mean 'Key'?)"),
        ({"kye": "a", "value": "b"}, "PropagatingProperties[0].kye", "'kye' (did you mean 'key'?)"),
        ({"Key": "a", "key": "b", "Value": "c"}, "PropagatingProperties[0].Key", "Key twice"),
    ],
)
def test_a_dict_that_does_not_describe_the_structure_is_refused_before_sending(
    client: MqttClient, emulator: Emulator, item: dict[str, Any], field: str, words: str
) -> None:
    item = {k: (SECRET if v == "b" else v) for k, v in item.items()}
    err = call_error(client, instance_id=DOC_INSTANCE, device_id="d", propagating_properties=[item])
    assert err.field == field
    assert words in str(err)
    assert SECRET not in str(err)
    assert emulator.requests == []


def test_a_dict_in_a_hand_built_request_says_how_to_build_the_model(
    client: MqttClient, emulator: Emulator
) -> None:
    request = models.CreateDeviceIdentityRequest(
        instance_id=DOC_INSTANCE,
        device_id="d",
        propagating_properties=[{"Key": "a", "Value": "b"}],  # type: ignore[list-item]
    )
    with pytest.raises(InvalidParameterError) as info:
        client.create_device_identity(request)
    assert str(info.value).endswith(
        "parameter PropagatingProperties[0]: expected PropagatingProperty, got dict (build it "
        "with models.PropagatingProperty(...) or models.PropagatingProperty.from_dict(...))"
    )
    assert info.value.field == "PropagatingProperties[0]"
    assert emulator.requests == []


def test_nested_structures_are_built_from_dicts(golden_import: None) -> None:
    gold = importlib.import_module("tcapi.goldstructures")
    m = gold.models
    request = build_request(
        "GetTree",
        m.GetTreeRequest,
        {
            "root": {"Kids": [{"leaf": {"V": 1.5}}, m.Node()], "Leaf": {"v": 2.0, "Back": {}}},
            "filters": [{"Name": "n", "values": ["a"]}],
        },
    )
    assert isinstance(request.root, m.Node)
    assert isinstance(request.root.kids[0].leaf, m.Leaf)
    assert isinstance(request.root.leaf.back, m.Node)
    request.validate()
    assert request.to_dict() == {
        "Root": {"Kids": [{"Leaf": {"V": 1.5}}, {}], "Leaf": {"Back": {}, "V": 2.0}},
        "Filters": [{"Name": "n", "Values": ["a"]}],
    }
    with pytest.raises(InvalidParameterError) as info:
        build_request("GetTree", m.GetTreeRequest, {"root": {"Kids": [{"Leaf": {"W": 1.0}}]}})
    assert info.value.field == "Root.Kids[0].Leaf.W"
    assert "get_tree(): parameter Root.Kids[0].Leaf (Leaf) has unknown member 'W'" in str(
        info.value
    )


def test_models_given_as_models_are_passed_through_unchanged() -> None:
    props = [models.PropagatingProperty(key="a", value="b")]
    request = build_request(
        "CreateDeviceIdentity",
        models.CreateDeviceIdentityRequest,
        {"instance_id": "i", "device_id": "d", "propagating_properties": props},
    )
    assert request.propagating_properties is props


# --------------------------------------------------------------------------- help()


def help_text(obj: object) -> str:
    return pydoc.plain(pydoc.render_doc(obj))


@pytest.mark.parametrize(
    "method",
    [
        MqttClient.create_device_identity,
        AsyncMqttClient.create_device_identity,
    ],
)
def test_help_shows_each_member_with_its_python_type(method: Any) -> None:
    text = help_text(method)
    assert "Args:" in text
    assert "instance_id (str, required): Tencent Cloud MQTT instance ID" in text
    assert "device_id (str, required): Device ID" in text
    assert "status (str, optional):" in text
    assert "propagating_properties (list[models.PropagatingProperty], optional):" in text
    assert "a structure also as a dict of its members" in text
    lines = text.split("Args:\n", 1)[1].splitlines()
    args = lines[: [line.strip() for line in lines].index("")]
    assert len(args) == 6  # one line per member, its description cut to fit ~88 columns
    for line in args:
        head, description = line.strip().split(": ", 1)
        assert len(description) <= max(76 - len(head) - 1, 40), line
    assert args[0].endswith("can be obtained…")


def test_help_shows_types_on_instances_and_other_methods(client: MqttClient) -> None:
    assert "device_id (str, required)" in help_text(client.create_device_identity)
    text = help_text(client.paginate_describe_device_identities)
    assert "instance_id (str, required)" in text and "limit (int, optional)" in text
    text = help_text(AsyncMqttClient.wait_until_instance_ready)
    assert "instance_id (str, required)" in text


def test_help_of_stream_and_octet_stream_methods(golden_import: None) -> None:
    gold = importlib.import_module("tcapi.goldstream")
    for cls in (gold.GoldClient, gold.AsyncGoldClient):
        for method in (cls.chat_completions, cls.chat_completions_stream):
            text = help_text(method)
            assert "prompt (str, required)" in text and "stream (bool, optional)" in text
        assert "body (bytes, required)" in help_text(cls.upload_log)
