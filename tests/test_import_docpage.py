"""The doc page importer: text pages → spec YAML, and --compare with a spec folder."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.importers import docpage
from generator.importers.docpage import DocPage, DocPageError, parse_file, parse_text, write_spec
from generator.spec import Service, load_service

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "docpages"
SEED = PAGES / "CreateDeviceIdentity.txt"
DESCRIBE = PAGES / "DescribeDeviceIdentities.txt"
MODIFY = PAGES / "ModifyDeviceIdentityKeys.txt"
SHARED_SEED = (
    Path(__file__).resolve().parents[2] / "shared/api-docs/mqtt/2024-05-16/CreateDeviceIdentity.txt"
)
REPO_SPEC = Path(__file__).resolve().parents[1] / "spec/mqtt/2024-05-16"

SERVICE_YAML = """\
service: mqtt
version: "2024-05-16"
client_name: Mqtt
endpoint: mqtt.intl.tencentcloudapi.com
"""

# Structures the pages use but do not define (in the real spec they come from tccli).
OTHER_STRUCTURES = {
    "PropagatingProperty": """\
structure: PropagatingProperty
members:
  - {name: Key, type: string, required: true}
  - {name: Value, type: string, required: true}
""",
    "Tag": """\
structure: Tag
members:
  - {name: TagKey, type: string}
  - {name: TagValue, type: string}
""",
}


def _spec_folder(root: Path, *pages: DocPage) -> Path:
    """A loadable spec folder: service.yaml, the other structures, the pages."""
    folder = root / "mqtt" / "2024-05-16"
    (folder / "structures").mkdir(parents=True)
    (folder / "service.yaml").write_text(SERVICE_YAML, encoding="utf-8")
    for name, text in OTHER_STRUCTURES.items():
        (folder / "structures" / f"{name}.yaml").write_text(text, encoding="utf-8")
    for page in pages:
        write_spec(page, folder)
    return folder


def _action(service: Service, name: str) -> Any:
    return next(a for a in service.actions if a.name == name)


def _shape(members: Any) -> list[tuple[str, str, str | None, bool]]:
    return [(m.name, m.type, m.items, m.required) for m in members]


# --------------------------------------------------------------------------- the seed page


def test_fixture_is_the_seed_page() -> None:
    text = SEED.read_bytes()
    assert text == (FIXTURES / "CreateDeviceIdentity.txt").read_bytes()
    if SHARED_SEED.is_file():
        assert text == SHARED_SEED.read_bytes()


def test_seed_page_gives_what_the_page_says() -> None:
    page = parse_file(SEED)
    assert page.action == "CreateDeviceIdentity"
    assert page.endpoint == "mqtt.intl.tencentcloudapi.com"
    assert page.version == "2024-05-16"
    assert page.rate_limit == 20
    assert page.description == "Create a device signature for per-device secret"
    assert _shape(page.input) == [
        ("InstanceId", "string", None, True),
        ("DeviceId", "string", None, True),
        ("Status", "string", None, False),
        ("PrimaryKey", "string", None, False),
        ("SecondaryKey", "string", None, False),
        ("PropagatingProperties", "list", "PropagatingProperty", False),
    ]
    assert page.input[2].description == "1:ENABLED - Available (default) 2: DISABLED - Unavailable"
    assert _shape(page.output) == [("RequestId", "string", None, False)]
    assert page.errors == [
        "FailedOperation.InstanceNotReady",
        "UnsupportedOperation.ResourceAlreadyExists",
    ]
    assert len(page.examples) == 1
    example = page.examples[0]
    assert example.title == "Example"
    assert example.request == {
        "InstanceId": "mqtt-qzgaq8bk",
        "DeviceId": "device-2",
        "Status": "1",
        "PrimaryKey": "pk1",
        "SecondaryKey": "sk1",
        "PropagatingProperties": [{"Key": "key-1", "Value": "key-b"}],
    }
    assert example.response == {"RequestId": "30a1df4f-1a90-4241-8f77-9e568f5d0149"}
    assert page.structures == []
    assert page.missing_structures() == ["PropagatingProperty"]


def test_seed_page_yaml_loads(tmp_path: Path) -> None:
    page = parse_file(SEED)
    folder = _spec_folder(tmp_path, page)
    text = (folder / "actions/CreateDeviceIdentity.yaml").read_text(encoding="utf-8")
    assert text.startswith(
        "# Imported from doc page CreateDeviceIdentity.txt by python -m generator import docpage\n"
    )
    data = yaml.safe_load(text)
    assert data["lang"] == "en"
    assert data["rate_limit"] == 20
    assert list(data) == [
        "action",
        "description",
        "lang",
        "rate_limit",
        "input",
        "output",
        "errors",
        "examples",
    ]
    service = load_service(folder)
    action = _action(service, "CreateDeviceIdentity")
    assert _shape(action.input) == _shape(page.input)
    assert action.errors == tuple(page.errors)
    assert action.rate_limit == 20
    assert action.examples[0].request == page.examples[0].request
    assert action.examples[0].response == page.examples[0].response


def test_windows_line_endings_and_bom_change_nothing() -> None:
    text = SEED.read_text(encoding="utf-8")
    crlf = "\ufeff" + text.replace("\n", "\r\n")
    assert parse_text(crlf, SEED.name).files() == parse_text(text, SEED.name).files()


# --------------------------------------------------------------------------- synthetic pages


def test_list_page_with_windows_line_endings_and_a_data_type(tmp_path: Path) -> None:
    assert b"\r\n" in DESCRIBE.read_bytes()
    page = parse_file(DESCRIBE)
    assert page.action == "DescribeDeviceIdentities"
    assert page.description == (
        "Query the device identities of an instance, a page at a time.\n"
        "Results are sorted by creation time, newest first."
    )
    assert _shape(page.input) == [
        ("InstanceId", "string", None, True),
        ("Offset", "int64", None, False),
        ("Limit", "int64", None, False),
        ("DeviceIds", "list", "string", False),
    ]
    assert _shape(page.output) == [
        ("Data", "list", "DeviceIdentityInfo", False),
        ("TotalCount", "int64", None, False),
        ("RequestId", "string", None, False),
    ]
    assert [m.nullable for m in page.output] == [True, False, False]
    assert "\r" not in page.output[0].description
    assert page.output[0].description.endswith(
        "\nNote: This field may return null, indicating that no valid values can be obtained."
    )
    assert page.errors == ["FailedOperation.InstanceNotReady", "ResourceNotFound.Instance"]
    (example,) = page.examples
    assert example.title == "Querying the first page of device identities"
    assert example.request == {"InstanceId": "mqtt-qzgaq8bk", "Offset": 0, "Limit": 2}
    assert example.response["TotalCount"] == 1
    assert example.response["Data"][0]["Enabled"] is True

    (info,) = page.structures
    assert info.name == "DeviceIdentityInfo"
    assert info.description == "A device identity."
    assert _shape(info.members) == [
        ("DeviceId", "string", None, True),
        ("Status", "int64", None, True),
        ("Enabled", "boolean", None, False),
        ("CreatedTime", "int64", None, True),
        ("PropagatingProperties", "list", "PropagatingProperty", False),
    ]
    assert info.members[1].description == "1: ENABLED | 2: DISABLED"  # an escaped pipe
    assert page.missing_structures() == ["PropagatingProperty"]

    folder = _spec_folder(tmp_path, page)
    assert (folder / "structures/DeviceIdentityInfo.yaml").is_file()
    service = load_service(folder)
    action = _action(service, "DescribeDeviceIdentities")
    assert _shape(action.output) == _shape(page.output)
    assert action.idempotent is True


def test_page_without_example_or_errors(tmp_path: Path) -> None:
    page = parse_file(MODIFY)
    assert page.rate_limit == 10
    assert page.examples == []
    assert page.errors == []
    assert f"{MODIFY.name}: no error code table" in page.notes
    assert f"{MODIFY.name}: no example" in page.notes
    types = {m.name: (m.type, m.items) for m in [*page.input, *page.output]}
    assert types == {
        "InstanceId": ("string", None),
        "DeviceIds": ("list", "string"),
        "PrimaryKey": ("binary", None),
        "KeepOld": ("boolean", None),
        "GracePeriod": ("uint64", None),
        "Weight": ("float", None),
        "Sequence": ("int64", None),
        "EffectiveDate": ("date", None),
        "NotBefore": ("datetime", None),
        "NotAfter": ("datetime_iso", None),
        "Tags": ("list", "Tag"),
        "ChangedCount": ("uint64", None),
        "FailedDeviceIds": ("list", "string"),
        "Sequences": ("list", "int64"),
        "RequestId": ("string", None),
    }
    assert page.input[4].description == "Seconds; 0 | unset: no grace period."
    assert page.missing_structures() == ["Tag"]
    data = page.action_data()
    assert "examples" not in data
    assert "errors" not in data
    folder = _spec_folder(tmp_path, page)
    action = _action(load_service(folder), "ModifyDeviceIdentityKeys")
    assert action.examples == ()
    assert action.errors == ()


def test_report_names_missing_structures(capsys: pytest.CaptureFixture[str]) -> None:
    assert docpage.main([str(SEED), str(DESCRIBE), str(MODIFY)]) == 0
    out = capsys.readouterr().out
    assert "action CreateDeviceIdentity" in out
    assert "endpoint: mqtt.intl.tencentcloudapi.com" in out
    assert "rate limit: 10 requests/s" in out
    missing = [line for line in out.splitlines() if "not defined on the page" in line]
    assert [line.rsplit(": ", 1)[1] for line in missing] == [
        "PropagatingProperty",
        "PropagatingProperty",
        "Tag",
    ]


def test_main_out_writes_a_spec_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _spec_folder(tmp_path)
    args = [str(SEED), str(DESCRIBE), str(MODIFY), "--out", str(folder)]
    assert docpage.main(args) == 0
    out = capsys.readouterr()
    assert "wrote actions/CreateDeviceIdentity.yaml" in out.out
    assert "wrote structures/DeviceIdentityInfo.yaml" in out.out
    assert out.err == ""  # the folder loads
    names = {a.name for a in load_service(folder).actions}
    assert names == {"CreateDeviceIdentity", "DescribeDeviceIdentities", "ModifyDeviceIdentityKeys"}


def test_out_keeps_files_it_did_not_write(tmp_path: Path) -> None:
    page = parse_file(SEED)
    folder = tmp_path / "spec"
    target = folder / "actions/CreateDeviceIdentity.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("# Imported by `python -m generator import tccli`.\n", encoding="utf-8")
    assert write_spec(page, folder)[0].startswith("kept actions/CreateDeviceIdentity.yaml")
    assert target.read_text(encoding="utf-8").startswith("# Imported by `python -m generator")
    assert write_spec(page, folder, force=True) == ["wrote actions/CreateDeviceIdentity.yaml"]
    assert write_spec(page, folder) == ["unchanged actions/CreateDeviceIdentity.yaml"]


def test_import_is_deterministic(tmp_path: Path) -> None:
    pages = [SEED, DESCRIBE, MODIFY]
    for run in ("a", "b"):
        assert docpage.main([*map(str, pages), "--out", str(tmp_path / run)]) == 0
    first = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    second = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.yaml"))
    assert first == second
    assert len(first) == 4
    for rel in first:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


# --------------------------------------------------------------------------- robustness


def test_trailing_junk_and_unescaped_pipes() -> None:
    text = SEED.read_text(encoding="utf-8")
    text = text.replace("| Device ID |", "| Device ID | or name |")
    text += "\n\n| stray | table |\nFeedback\n\u30d5\u30a3\u30fc\u30c9\u30d0\u30c3\u30af2\n"
    page = parse_text(text, SEED.name)
    assert page.input[1].description == "Device ID | or name"
    assert page.errors == parse_file(SEED).errors
    assert any("not recognized" in n for n in page.notes)


def test_response_without_documentation_wrapper() -> None:
    text = SEED.read_text(encoding="utf-8")
    start = text.index('{\n"Error": null')
    end = text.index("TencentCloud API 3.0")
    text = text[:start] + '{"Response": {"RequestId": "r-1"}}\n' + text[end:]
    assert parse_text(text, SEED.name).examples[0].response == {"RequestId": "r-1"}


def test_unreadable_type_names_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    text = SEED.read_text(encoding="utf-8").replace("| No | String | 1:", "| No | Str ing! | 1:")
    with pytest.raises(DocPageError, match=r"CreateDeviceIdentity.txt:12: Status: cannot read"):
        parse_text(text, SEED.name)


def test_not_a_doc_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Just some notes.\n", encoding="utf-8")
    assert docpage.main([str(path)]) == 2
    assert "no request parameter table" in capsys.readouterr().err


# --------------------------------------------------------------------------- --compare


def test_compare_agrees(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pages = [parse_file(p) for p in (SEED, DESCRIBE, MODIFY)]
    folder = _spec_folder(tmp_path, *pages)
    assert docpage.main([str(SEED), str(DESCRIBE), str(MODIFY), "--compare", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "DISAGREE" not in out
    assert "no disagreements" in out


@pytest.mark.skipif(
    not (REPO_SPEC / "actions/CreateDeviceIdentity.yaml").is_file(), reason="no mqtt spec"
)
def test_seed_page_agrees_with_the_repo_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert docpage.main([str(SEED), "--compare", str(REPO_SPEC)]) == 0, capsys.readouterr().out


def _edit(path: Path, change: Any) -> None:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_compare_names_each_disagreement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = [parse_file(p) for p in (SEED, DESCRIBE)]
    folder = _spec_folder(tmp_path, *pages)

    def create(data: dict[str, Any]) -> None:
        members = {m["name"]: m for m in data["input"]}
        members["Status"]["type"] = "int64"  # a type
        members["InstanceId"].pop("required")  # a required flag
        data["input"] = [m for m in data["input"] if m["name"] != "DeviceId"]  # a member
        data["errors"].append("ResourceNotFound.Instance")  # an error code
        data["examples"][0]["response"]["RequestId"] = "other"  # the example

    def describe(data: dict[str, Any]) -> None:
        data["output"].append({"name": "NextToken", "type": "string"})  # a spec-only member
        data["output"][0]["items"] = "string"  # a list's item type
        data["errors"].remove("ResourceNotFound.Instance")

    def info(data: dict[str, Any]) -> None:
        data["members"][2]["type"] = "string"

    _edit(folder / "actions/CreateDeviceIdentity.yaml", create)
    _edit(folder / "actions/DescribeDeviceIdentities.yaml", describe)
    _edit(folder / "structures/DeviceIdentityInfo.yaml", info)

    assert docpage.main([str(SEED), str(DESCRIBE), str(MODIFY), "--compare", str(folder)]) == 1
    lines = [
        line.strip().removeprefix("DISAGREE ")
        for line in capsys.readouterr().out.splitlines()
        if "DISAGREE" in line
    ]
    assert lines == [
        "CreateDeviceIdentity input.InstanceId: required: doc page True, spec False",
        "CreateDeviceIdentity input.DeviceId: on the doc page, absent from the spec",
        "CreateDeviceIdentity input.Status: type: doc page string, spec int64",
        "CreateDeviceIdentity errors: ResourceNotFound.Instance in the spec, not on the doc page",
        "CreateDeviceIdentity example 'Example': response JSON differs: "
        'response.RequestId: doc page "30a1df4f-1a90-4241-8f77-9e568f5d0149", spec "other"',
        "DescribeDeviceIdentities output.Data: type: "
        "doc page list of DeviceIdentityInfo, spec list of string",
        "DescribeDeviceIdentities output.NextToken: in the spec, absent from the doc page",
        "DescribeDeviceIdentities errors: ResourceNotFound.Instance on the doc page, "
        "not in the spec",
        "structure DeviceIdentityInfo.Enabled: type: doc page boolean, spec string",
        "ModifyDeviceIdentityKeys: on the doc page, not in the spec",
    ]


def test_compare_tells_true_from_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _spec_folder(tmp_path, parse_file(DESCRIBE))

    def flip(data: dict[str, Any]) -> None:
        data["examples"][0]["response"]["Data"][0]["Enabled"] = 1
        data["examples"][0]["request"]["Limit"] = "2"

    _edit(folder / "actions/DescribeDeviceIdentities.yaml", flip)
    assert docpage.main([str(DESCRIBE), "--compare", str(folder)]) == 1
    out = capsys.readouterr().out
    assert 'request.Limit: doc page 2, spec "2"' in out
    assert "response.Data[0].Enabled: doc page true, spec 1" in out
    assert "2 disagreement(s)" in out


def test_compare_with_an_unloadable_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _spec_folder(tmp_path, parse_file(SEED))
    shutil.rmtree(folder / "structures")
    assert docpage.main([str(SEED), "--compare", str(folder)]) == 2
    assert "unknown type 'PropagatingProperty'" in capsys.readouterr().err
