"""aws-cli shorthand for structures (``tcapi._shorthand``), read by a real schema:
CVM's ``Filter`` (``Name`` + list ``Values``), MQTT's ``PropagatingProperty`` and
nested structures of CVM's ``RunInstances``."""

from __future__ import annotations

from typing import Any

import pytest

from tcapi._shorthand import ShorthandError, parse_shorthand
from tcapi.schema import Member, ServiceSchema, load_schema


@pytest.fixture(scope="module")
def cvm() -> ServiceSchema:
    return load_schema("tcapi.cvm.v20170312._schema")


def _scalar(m: Member, text: str, path: str) -> Any:
    if m.type == "int64":
        try:
            return int(text)
        except ValueError:
            raise ShorthandError(f"{path}: not an integer: {text!r}") from None
    if m.type == "boolean":
        return text == "true"
    return text


def parse(schema: ServiceSchema, model: str, text: str) -> dict[str, Any]:
    return parse_shorthand(text, schema, model, "--X", _scalar)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name=zone,Values=a", {"Name": "zone", "Values": ["a"]}),
        ("Name=zone,Values=a,b,c", {"Name": "zone", "Values": ["a", "b", "c"]}),
        ("Values=a,b,Name=zone", {"Values": ["a", "b"], "Name": "zone"}),
        ("Name=zone,Values=[a,b]", {"Name": "zone", "Values": ["a", "b"]}),
        ("Name=zone,Values=[]", {"Name": "zone", "Values": []}),
        ("Name='a,b=c',Values=\"x]y\"", {"Name": "a,b=c", "Values": ["x]y"]}),
        ("Name=x=y", {"Name": "x=y"}),
        (" Name = zone ", {"Name": "zone"}),
    ],
)
def test_filters(cvm: ServiceSchema, text: str, expected: dict[str, Any]) -> None:
    assert parse(cvm, "Filter", text) == expected


def test_nested_structures_and_typed_scalars(cvm: ServiceSchema) -> None:
    got = parse(
        cvm,
        "RunInstancesRequest",
        "InstanceCount=2,Placement={Zone=ap-guangzhou-3,ProjectId=7},"
        "SystemDisk={DiskType=CLOUD_SSD,DiskSize=50},"
        "DataDisks=[{DiskSize=100},{DiskSize=200,DiskType=CLOUD_PREMIUM}]",
    )
    assert got == {
        "InstanceCount": 2,
        "Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 7},
        "SystemDisk": {"DiskType": "CLOUD_SSD", "DiskSize": 50},
        "DataDisks": [{"DiskSize": 100}, {"DiskSize": 200, "DiskType": "CLOUD_PREMIUM"}],
    }


@pytest.mark.parametrize(
    ("model", "text", "message"),
    [
        ("Filter", "Nmae=zone", "--X: Filter has no member 'Nmae'; did you mean 'Name'?"),
        ("Filter", "Name=a,Name=b", "--X.Name given twice"),
        ("Filter", "Name={Zone=x}", "--X.Name is a string, not a structure"),
        ("Filter", "Name=[a]", "--X.Name is a string, not a list"),
        ("Filter", "Name='open", "unclosed quote"),
        ("Filter", "Name", "expected '=', found the end"),
        ("Filter", "=zone", "expected a member name of Filter"),
        ("RunInstancesRequest", "Placement=ap", "--X.Placement is a structure (Placement)"),
        ("RunInstancesRequest", "Placement={Zone=a", "expected '}', found the end"),
        ("RunInstancesRequest", "Placement={ProjectId=x}", "--X.Placement.ProjectId: not an"),
        ("RunInstancesRequest", "DataDisks=[{DiskSize=1}],}", "expected a member name"),
        ("RunInstancesRequest", "DataDisks=[DiskSize=1]", "expected '{', found 'D'"),
    ],
)
def test_errors_say_where(cvm: ServiceSchema, model: str, text: str, message: str) -> None:
    with pytest.raises(ShorthandError) as info:
        parse(cvm, model, text)
    assert message in str(info.value)
