"""The tccli importer: faithful, re-import-stable, and never clobbers hand edits."""

from __future__ import annotations

import json
import shutil
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
import yaml

from generator import cli
from generator.importers import tccli
from generator.schema import SpecError
from generator.spec import load_service
from tcapi import TencentCloudError

from .defs import REPO, wheels

SPEC = REPO / "spec"
MQTT = "mqtt/2024-05-16"


@pytest.fixture(scope="module")
def defs() -> tuple[Path, Path]:
    return wheels()


def copy_spec(tmp_path: Path) -> Path:
    root = tmp_path / "spec"
    shutil.copytree(SPEC / MQTT, root / MQTT)
    return root


def run_import(root: Path, defs: tuple[Path, Path], **kw: Path) -> tccli.ImportReport:
    return tccli.import_service(
        service="mqtt", version="2024-05-16", cn=defs[0], en=defs[1], spec_root=root, **kw
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_reimport_of_unchanged_inputs_changes_nothing(
    tmp_path: Path, defs: tuple[Path, Path]
) -> None:
    root = copy_spec(tmp_path)
    before = snapshot(root / MQTT)
    report = run_import(root, defs)
    assert report.written == [] and report.removed == []
    assert report.unchanged == 1 + 80 + len(list((root / MQTT / "structures").glob("*.yaml")))
    assert snapshot(root / MQTT) == before  # byte-identical to what is committed


def test_import_from_scratch_reproduces_the_committed_spec(
    tmp_path: Path, defs: tuple[Path, Path]
) -> None:
    root = tmp_path / "spec"
    (root / MQTT).mkdir(parents=True)
    shutil.copy(SPEC / MQTT / "errors-by-action.json", root / MQTT)
    report = run_import(root, defs)
    assert report.actions == 80 and report.english_actions == 38
    committed = {k: v for k, v in snapshot(SPEC / MQTT).items() if k != "overrides.yaml"}
    assert snapshot(root / MQTT) == committed


def test_types_required_nullable_and_languages_map_faithfully(defs: tuple[Path, Path]) -> None:
    svc = load_service(SPEC / MQTT, SPEC)
    api = json.loads(zipfile.ZipFile(defs[0]).read("tccli/services/mqtt/v20240516/api.json"))
    actions = {a.name: a for a in svc.actions}
    assert set(actions) == set(api["actions"])
    create = actions["CreateDeviceIdentity"]
    assert create.lang == "en" and create.description.startswith("Create a device signature")
    assert [(m.name, m.type, m.items, m.required) for m in create.input] == [
        ("InstanceId", "string", None, True),
        ("DeviceId", "string", None, True),
        ("Status", "string", None, False),
        ("PrimaryKey", "string", None, False),
        ("SecondaryKey", "string", None, False),
        ("PropagatingProperties", "list", "PropagatingProperty", False),
    ]
    # Actions the international definitions lack keep their Chinese text, marked so.
    assert actions["ActivateCaCertificate"].lang == "zh-CN"
    # output_required / value_allowed_null become typed requiredness / nullability.
    for action in svc.actions:
        spec_obj = api["objects"][api["actions"][action.name]["output"]]
        for raw in spec_obj["members"]:
            if raw.get("disabled"):
                continue
            member = next(m for m in action.output if m.name == raw["name"])
            assert member.output_required == bool(raw.get("output_required")), member.name
            assert member.nullable == bool(raw.get("value_allowed_null")), member.name
    int_members = [m for s in svc.structures for m in s.members if m.type == "int64"]
    assert int_members, "int64 members are imported as int64"


def test_overrides_survive_a_reimport(tmp_path: Path, defs: tuple[Path, Path]) -> None:
    root = copy_spec(tmp_path)
    run_import(root, defs)
    svc = load_service(root / MQTT, root)
    assert svc.title == "Tencent Cloud MQTT" and svc.rate_limit == 20
    assert svc.endpoint == "mqtt.intl.tencentcloudapi.com"
    create = next(a for a in svc.actions if a.name == "CreateDeviceIdentity")
    assert {m.name for m in create.input if m.sensitive} == {"PrimaryKey", "SecondaryKey"}
    assert next(a for a in svc.actions if a.name == "DescribeUserList").paginate is not None
    assert (root / MQTT / "overrides.yaml").read_bytes() == (
        SPEC / MQTT / "overrides.yaml"
    ).read_bytes()


def test_hand_written_files_are_kept_and_stale_imported_ones_removed(
    tmp_path: Path, defs: tuple[Path, Path]
) -> None:
    root = copy_spec(tmp_path)
    actions = root / MQTT / "actions"
    hand = actions / "MyExperimentalAction.yaml"
    hand.write_text("action: MyExperimentalAction\ndescription: mine\n")
    stale = actions / "RemovedUpstream.yaml"
    stale.write_text(tccli.HEADER_MARK + " ...\naction: RemovedUpstream\n")
    edited = actions / "DeleteTopic.yaml"
    edited.write_text(edited.read_text().replace("description:", "description: EDITED", 1))
    report = run_import(root, defs)
    assert hand.read_text() == "action: MyExperimentalAction\ndescription: mine\n"
    assert not stale.exists() and report.removed == ["actions/RemovedUpstream.yaml"]
    assert "EDITED" not in edited.read_text()  # imported files belong to the importer
    assert report.written == ["actions/DeleteTopic.yaml"]


def test_an_override_for_something_that_no_longer_exists_is_an_error(tmp_path: Path) -> None:
    root = copy_spec(tmp_path)
    ov = root / MQTT / "overrides.yaml"
    ov.write_text(ov.read_text().replace("  CreateUser:\n", "  CreateUserGone:\n"))
    with pytest.raises(SpecError, match=r"overrides.yaml:\d+.*no action 'CreateUserGone'"):
        load_service(root / MQTT, root)
    ov.write_text((SPEC / MQTT / "overrides.yaml").read_text().replace("Password:", "Passwd:", 1))
    with pytest.raises(SpecError, match=r"overrides.yaml:\d+.*no member 'Passwd'"):
        load_service(root / MQTT, root)


def fake_definitions(tmp_path: Path, defs: tuple[Path, Path]) -> Path:
    """An unpacked tccli tree where one action is offline and one deprecated."""
    src = tmp_path / "defs"
    rel = "tccli/services/mqtt/v20240516"
    (src / rel).mkdir(parents=True)
    with zipfile.ZipFile(defs[0]) as zf:
        api = json.loads(zf.read(f"{rel}/api.json"))
        (src / rel / "examples.json").write_bytes(zf.read(f"{rel}/examples.json"))
    api["actions"]["DeleteTopic"]["status"] = "offline"
    api["actions"]["KickOutClient"]["status"] = "deprecated"
    (src / rel / "api.json").write_text(json.dumps(api))
    return src


def test_offline_actions_are_left_out_and_deprecated_ones_warn(
    tmp_path: Path, defs: tuple[Path, Path]
) -> None:
    root = tmp_path / "spec"
    shutil.copytree(SPEC / MQTT, root / MQTT)
    src = fake_definitions(tmp_path, defs)
    report = tccli.import_service(
        service="mqtt", version="2024-05-16", cn=src, en=None, spec_root=root
    )
    assert report.offline == ["DeleteTopic"] and report.deprecated == ["KickOutClient"]
    assert not (root / MQTT / "actions/DeleteTopic.yaml").exists()
    service = yaml.safe_load((root / MQTT / "service.yaml").read_text())
    assert service["offline_actions"] == ["DeleteTopic"]
    assert report.english_actions == 0  # no international definitions given
    # Generate into a private package and call the deprecated method.
    out = tmp_path / "gen"
    cli.generate(root, out)
    pkg = tmp_path / "pkgs" / "mqtt_deprecation_probe"
    shutil.copytree(out / "mqtt", pkg)
    sys.path.insert(0, str(pkg.parent))
    try:
        from mqtt_deprecation_probe import MqttClient  # type: ignore[import-not-found]

        client = MqttClient(region="ap-guangzhou", endpoint="http://127.0.0.1:9")
        assert not hasattr(client, "delete_topic")
        with warnings.catch_warnings(record=True) as caught, pytest.raises(TencentCloudError):
            warnings.simplefilter("always")
            client.kick_out_client(instance_id="i", client_id="c")
        assert any(issubclass(w.category, DeprecationWarning) for w in caught)
        assert "KickOutClient is deprecated" in str(caught[0].message)
    finally:
        sys.path.remove(str(pkg.parent))


def test_missing_definitions_are_reported_clearly(tmp_path: Path, defs: tuple[Path, Path]) -> None:
    with pytest.raises(tccli.ImportError_, match="does not define nosuch 2020-01-01"):
        tccli.import_service(
            service="nosuch", version="2020-01-01", cn=defs[0], en=None, spec_root=tmp_path
        )
    with pytest.raises(tccli.ImportError_, match="no such wheel or folder"):
        tccli.import_service(
            service="mqtt",
            version="2024-05-16",
            cn=tmp_path / "nope.whl",
            en=None,
            spec_root=tmp_path,
        )
