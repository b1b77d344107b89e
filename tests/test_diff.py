"""`python -m generator diff`: each rule's verdict and wording, the reports, the
exit codes, and git revisions, on real spec trees copied from spec/ and changed."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import diff as spec_diff
from generator.diff import Change, diff_trees, load_folder
from generator.importers import tccli

REPO = Path(__file__).resolve().parents[1]
MQTT = REPO / "spec" / "mqtt" / "2024-05-16"
FIXTURES = REPO / "tests" / "fixtures" / "diff"

# A paginated action with a request-side and a response-side structure, added to
# both trees so each test can change exactly one thing in the new one.
WIDGETS: dict[str, Any] = {
    "action": "DescribeWidgets",
    "description": "List the widgets of an instance.",
    "input": [
        {"name": "InstanceId", "type": "string", "required": True},
        {"name": "Offset", "type": "int64"},
        {"name": "Limit", "type": "int64"},
        {"name": "Filter", "type": "WidgetFilter"},
    ],
    "output": [
        {"name": "Widgets", "type": "list", "items": "Widget", "output_required": True},
        {"name": "Total", "type": "int64", "output_required": True},
        {"name": "Cursor", "type": "string", "nullable": True},
    ],
    "errors": ["ResourceNotFound.Instance"],
    "paginate": {"offset": "Offset", "limit": "Limit", "items": "Widgets", "total": "Total"},
}
WIDGET: dict[str, Any] = {
    "structure": "Widget",
    "description": "A widget.",
    "members": [
        {"name": "WidgetId", "type": "string", "output_required": True},
        {"name": "Size", "type": "int64"},
    ],
}
WIDGET_FILTER: dict[str, Any] = {
    "structure": "WidgetFilter",
    "description": "Which widgets to list.",
    "members": [{"name": "Name", "type": "string", "required": True}],
}

Data = dict[str, Any]


def _write(path: Path, data: Data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def edit_yaml(path: Path, change: Callable[[Data], None]) -> None:
    """Load a YAML file, let ``change`` alter the data, write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    _write(path, data)


class SpecPair:
    """Two copies of spec/mqtt/2024-05-16 (plus the widgets) under old/ and new/."""

    def __init__(self, root: Path) -> None:
        self.old = root / "old"
        self.new = root / "new"
        for side in (self.old, self.new):
            folder = side / "mqtt" / "2024-05-16"
            shutil.copytree(MQTT, folder)
            _write(folder / "actions" / "DescribeWidgets.yaml", WIDGETS)
            _write(folder / "structures" / "Widget.yaml", WIDGET)
            _write(folder / "structures" / "WidgetFilter.yaml", WIDGET_FILTER)

    def path(self, rel: str, *, old: bool = False) -> Path:
        return (self.old if old else self.new) / "mqtt" / "2024-05-16" / rel

    def edit(self, rel: str, change: Callable[[Data], None], *, old: bool = False) -> None:
        edit_yaml(self.path(rel, old=old), change)

    def edit_member(self, rel: str, side: str, name: str, **fields: Any) -> None:
        """Set (or, with None, drop) fields of one member in the new tree."""

        def change(data: Data) -> None:
            (member,) = [m for m in data[side] if m["name"] == name]
            for key, value in fields.items():
                if value is None:
                    member.pop(key, None)
                else:
                    member[key] = value

        self.edit(rel, change)

    def diff(self, *, descriptions: bool = False) -> list[Change]:
        return diff_trees(load_folder(self.old), load_folder(self.new), descriptions=descriptions)


@pytest.fixture
def pair(tmp_path: Path) -> SpecPair:
    return SpecPair(tmp_path)


def only(changes: list[Change]) -> Change:
    assert len(changes) == 1, [c.message for c in changes]
    return changes[0]


def kinds(changes: list[Change]) -> list[tuple[str, str, bool]]:
    return [(c.owner, c.kind, c.breaking) for c in changes]


# --------------------------------------------------------------------------- the rules


def test_rules_table_in_the_docstring_is_the_rules_in_the_code() -> None:
    doc = spec_diff.__doc__ or ""
    rows = re.findall(r"^([a-z][a-z-]+)\s+(yes|no)\s+(.+?)\s*$", doc, re.M)
    table = {kind: (breaking == "yes", effect) for kind, breaking, effect in rows}
    assert table == {k: (r.breaking, r.effect) for k, r in spec_diff.RULES.items()}


def test_identical_trees_have_no_changes(pair: SpecPair) -> None:
    changes = pair.diff()
    assert changes == []
    assert spec_diff.render_text(changes) == "0 changes, 0 breaking\n"


def test_removed_input_member_is_breaking(pair: SpecPair) -> None:
    pair.edit(
        "actions/CreateDeviceIdentity.yaml",
        lambda d: d.update(input=[m for m in d["input"] if m["name"] != "Status"]),
    )
    c = only(pair.diff())
    assert (c.scope, c.owner, c.path, c.kind, c.breaking) == (
        "action",
        "CreateDeviceIdentity",
        "input.Status",
        "member-removed",
        True,
    )
    assert c.message == "input.Status: removed; the field disappears from the model and the wire"


def test_new_required_input_member_is_breaking_and_a_new_optional_one_is_not(
    pair: SpecPair,
) -> None:
    pair.edit(
        "actions/DescribeWidgets.yaml",
        lambda d: d["input"].extend(
            [
                {"name": "Region", "type": "string", "required": True},
                {"name": "Colour", "type": "string"},
            ]
        ),
    )
    changes = pair.diff()
    assert [(c.path, c.kind, c.breaking, c.message) for c in changes] == [
        ("input.Colour", "member-added", False, "input.Colour: added"),
        (
            "input.Region",
            "member-added-required",
            True,
            "input.Region: added as required; every request must now pass it",
        ),
    ]


def test_input_made_required_breaks_and_made_optional_does_not(pair: SpecPair) -> None:
    pair.edit_member("actions/DescribeWidgets.yaml", "input", "Offset", required=True)
    pair.edit_member("actions/DescribeWidgets.yaml", "input", "InstanceId", required=None)
    changes = pair.diff()
    assert [(c.path, c.kind, c.breaking) for c in changes] == [
        ("input.InstanceId", "member-made-optional", False),
        ("input.Offset", "member-made-required", True),
    ]
    assert changes[1].message == "input.Offset: now required; every request must now pass it"


def test_type_changes_break_except_between_string_kinds(pair: SpecPair) -> None:
    pair.edit_member("actions/CreateDeviceIdentity.yaml", "input", "Status", type="int64")
    pair.edit_member("actions/CreateDeviceIdentity.yaml", "input", "DeviceId", type="datetime")
    pair.edit_member(
        "actions/CreateDeviceIdentity.yaml", "input", "PropagatingProperties", items="string"
    )
    changes = pair.diff()
    by_path = {c.path: c for c in changes}
    assert by_path["input.Status"].kind == "member-type-changed"
    assert by_path["input.Status"].breaking
    assert by_path["input.Status"].message.startswith("input.Status: type string -> int64; ")
    assert (by_path["input.Status"].old, by_path["input.Status"].new) == ("string", "int64")
    assert by_path["input.DeviceId"].kind == "member-type-refined"
    assert not by_path["input.DeviceId"].breaking
    props = by_path["input.PropagatingProperties"]
    assert props.breaking
    assert props.message.startswith(
        "input.PropagatingProperties: type list[PropagatingProperty] -> list[string]"
    )


def test_output_made_nullable_or_not_always_present_breaks_readers(pair: SpecPair) -> None:
    pair.edit_member("actions/DescribeWidgets.yaml", "output", "Total", nullable=True)
    pair.edit_member("actions/DescribeWidgets.yaml", "output", "Widgets", output_required=None)
    changes = pair.diff()
    assert [(c.path, c.kind, c.breaking, c.message) for c in changes] == [
        (
            "output.Total",
            "member-made-nullable",
            True,
            "output.Total: may now be null; code reading the response may now get None",
        ),
        (
            "output.Widgets",
            "member-may-be-absent",
            True,
            "output.Widgets: no longer always present; code reading the response may now get None",
        ),
    ]


def test_output_made_required_or_non_null_and_new_output_members_are_compatible(
    pair: SpecPair,
) -> None:
    pair.edit_member("actions/DescribeWidgets.yaml", "output", "Cursor", nullable=None)
    pair.edit_member("actions/DescribeWidgets.yaml", "output", "Cursor", output_required=True)
    pair.edit(
        "actions/DescribeWidgets.yaml",
        lambda d: d["output"].append({"name": "Extra", "type": "string", "required": True}),
    )
    changes = pair.diff()
    assert [(c.path, c.kind, c.breaking) for c in changes] == [
        ("output.Cursor", "member-always-present", False),
        ("output.Cursor", "member-made-non-nullable", False),
        ("output.Extra", "member-added", False),  # `required` on a response: documentation
    ]


def test_input_nullability(pair: SpecPair) -> None:
    pair.edit_member("actions/DescribeWidgets.yaml", "input", "Offset", nullable=True)
    c = only(pair.diff())
    assert (c.kind, c.breaking, c.message) == (
        "member-null-accepted",
        False,
        "input.Offset: now accepts null",
    )


def test_added_and_removed_actions(pair: SpecPair) -> None:
    added = dict(WIDGETS, action="DescribeGadgets")
    del added["paginate"]
    _write(pair.path("actions/DescribeGadgets.yaml"), added)
    pair.path("actions/DescribeWidgets.yaml").unlink()
    changes = pair.diff()
    assert kinds(changes) == [
        ("DescribeGadgets", "action-added", False),
        ("DescribeWidgets", "action-removed", True),
    ]
    assert changes[0].message == "added"
    assert changes[1].message == "removed; the client method disappears"


def test_error_codes_added_and_removed_are_not_breaking(pair: SpecPair) -> None:
    pair.edit(
        "actions/DescribeWidgets.yaml",
        lambda d: d.update(errors=["FailedOperation.InstanceNotReady"]),
    )
    pair.edit(
        "service.yaml",
        lambda d: d.setdefault("errors", []).append({"code": "FailedOperation.WidgetJammed"}),
    )
    pair.edit(
        "service.yaml",
        lambda d: d.setdefault("errors", []).append({"code": "ResourceNotFound.Gizmo"}),
        old=True,
    )
    changes = pair.diff()
    assert [(c.scope, c.path, c.kind, c.breaking, c.message) for c in changes] == [
        (
            "service",
            "errors.FailedOperation.WidgetJammed",
            "error-added",
            False,
            "error code FailedOperation.WidgetJammed added",
        ),
        (
            "service",
            "errors.ResourceNotFound.Gizmo",
            "error-removed",
            False,
            "error code ResourceNotFound.Gizmo removed "
            "(its exception class is no longer generated)",
        ),
        (
            "action",
            "errors.FailedOperation.InstanceNotReady",
            "action-error-added",
            False,
            "error code FailedOperation.InstanceNotReady added",
        ),
        (
            "action",
            "errors.ResourceNotFound.Instance",
            "action-error-removed",
            False,
            "error code ResourceNotFound.Instance removed",
        ),
    ]


def test_deprecation_is_a_warning_not_a_break(pair: SpecPair) -> None:
    pair.edit("actions/DescribeWidgets.yaml", lambda d: d.update(deprecated=True))
    pair.edit_member("actions/DescribeWidgets.yaml", "input", "Filter", deprecated=True)
    changes = pair.diff()
    assert [(c.path, c.kind, c.breaking, c.message) for c in changes] == [
        ("", "action-deprecated", False, "deprecated"),
        ("input.Filter", "member-deprecated", False, "input.Filter: deprecated"),
    ]


def test_pagination_changes(pair: SpecPair) -> None:
    def change(d: Data) -> None:
        d["paginate"].pop("total")
        d["paginate"]["page_size"] = 50

    pair.edit("actions/DescribeWidgets.yaml", change)
    changes = pair.diff()
    assert [(c.kind, c.breaking) for c in changes] == [
        ("page-size-changed", False),
        ("paginate-changed", True),
    ]
    assert changes[1].message.startswith(
        "paging offset=Offset, limit=Limit, items=Widgets, total=Total -> "
        "offset=Offset, limit=Limit, items=Widgets; "
    )
    pair.edit("actions/DescribeWidgets.yaml", lambda d: d.pop("paginate"))
    c = only(pair.diff())
    assert (c.kind, c.breaking) == ("paginate-removed", True)


def test_structure_members_are_judged_by_where_the_structure_travels(pair: SpecPair) -> None:
    # WidgetFilter is request-only, Widget response-only.
    pair.edit(
        "structures/WidgetFilter.yaml",
        lambda d: d["members"].append({"name": "Owner", "type": "string", "required": True}),
    )
    pair.edit(
        "structures/Widget.yaml",
        lambda d: d["members"].append({"name": "Colour", "type": "string", "required": True}),
    )
    pair.edit_member("structures/Widget.yaml", "members", "WidgetId", nullable=True)
    changes = pair.diff()
    assert [(c.owner, c.path, c.kind, c.breaking) for c in changes] == [
        ("Widget", "Colour", "member-added", False),
        ("Widget", "WidgetId", "member-made-nullable", True),
        ("WidgetFilter", "Owner", "member-added-required", True),
    ]
    assert all(c.scope == "structure" for c in changes)


def test_a_structure_on_both_sides_gets_both_verdicts(pair: SpecPair) -> None:
    for side in (True, False):
        pair.edit(
            "actions/DescribeWidgets.yaml",
            lambda d: d["output"].append({"name": "Applied", "type": "WidgetFilter"}),
            old=side,
        )
    pair.edit_member("structures/WidgetFilter.yaml", "members", "Name", nullable=True)
    changes = pair.diff()
    assert [(c.kind, c.breaking) for c in changes] == [
        ("member-made-nullable", True),
        ("member-null-accepted", False),
    ]


def test_added_and_removed_structures(pair: SpecPair) -> None:
    _write(
        pair.path("structures/Gadget.yaml"),
        {"structure": "Gadget", "members": [{"name": "Id", "type": "string"}]},
    )
    pair.edit(
        "actions/DescribeWidgets.yaml",
        lambda d: d["input"].__setitem__(3, {"name": "Filter", "type": "string"}),
    )
    pair.path("structures/WidgetFilter.yaml").unlink()
    changes = pair.diff()
    assert [(c.scope, c.owner, c.kind, c.breaking) for c in changes] == [
        ("action", "DescribeWidgets", "member-type-changed", True),
        ("structure", "Gadget", "structure-added", False),
        ("structure", "WidgetFilter", "structure-removed", True),
    ]


def test_a_new_python_name_breaks_callers(pair: SpecPair) -> None:
    pair.edit_member("actions/DescribeWidgets.yaml", "input", "Filter", python_name="where")
    c = only(pair.diff())
    assert (c.kind, c.breaking) == ("member-python-renamed", True)
    assert c.message.startswith("input.Filter: Python name filter -> where; ")


def test_service_facts(pair: SpecPair) -> None:
    def endpoint(d: Data) -> None:
        d["endpoint"] = "mqtt.example.com"

    pair.edit("service.yaml", lambda d: d.update(client_name="MqttV5", region_required=False))
    pair.edit("service.yaml", endpoint)
    if pair.path("overrides.yaml").exists():  # the real spec sets its endpoint there
        pair.edit("overrides.yaml", lambda d: endpoint(d.get("service") or {}))
    changes = pair.diff()
    assert [(c.path, c.kind, c.breaking, c.message) for c in changes] == [
        (
            "client_name",
            "client-renamed",
            True,
            "client class prefix Mqtt -> MqttV5; the client classes get new names",
        ),
        (
            "endpoint",
            "endpoint-changed",
            False,
            "default endpoint mqtt.intl.tencentcloudapi.com -> mqtt.example.com",
        ),
        ("region_required", "region-now-optional", False, "region_required: now false"),
    ]


def test_descriptions_are_ignored_unless_asked_for(pair: SpecPair) -> None:
    pair.edit_member("actions/DescribeWidgets.yaml", "input", "Limit", description="At most 100.")
    pair.edit("structures/Widget.yaml", lambda d: d.update(description="A small widget."))
    assert pair.diff() == []
    changes = pair.diff(descriptions=True)
    assert [(c.owner, c.path, c.kind, c.breaking, c.message) for c in changes] == [
        ("DescribeWidgets", "input.Limit", "description-changed", False,
         "input.Limit: description changed"),
        ("Widget", "", "description-changed", False, "description changed"),
    ]  # fmt: skip
    assert (changes[0].old, changes[0].new) == ("", "At most 100.")


def _add_version(tree: Path, version: str) -> Path:
    """Copy tree/mqtt/2024-05-16 to tree/mqtt/<version>, as that version."""
    folder = tree / "mqtt" / version
    shutil.copytree(tree / "mqtt" / "2024-05-16", folder)
    edit_yaml(folder / "service.yaml", lambda d: d.update(version=version))
    return folder


def test_a_newer_version_changes_what_the_service_package_re_exports(pair: SpecPair) -> None:
    _add_version(pair.new, "2025-01-01")
    changes = pair.diff()
    assert [(c.version, c.kind, c.breaking) for c in changes] == [
        ("2025-01-01", "default-version-changed", True),
        ("2025-01-01", "service-added", False),
    ]
    assert changes[0].message.startswith("tcapi.mqtt now re-exports 2025-01-01 (was 2024-05-16)")


def test_two_version_folders_of_one_service_are_compared_with_each_other(pair: SpecPair) -> None:
    newer = _add_version(pair.new, "2025-01-01")
    (newer / "actions" / "DescribeWidgets.yaml").unlink()
    changes = diff_trees(load_folder(pair.path("", old=True)), load_folder(newer))
    assert [(c.version, c.owner, c.kind) for c in changes] == [
        ("2024-05-16..2025-01-01", "DescribeWidgets", "action-removed")
    ]
    # A service folder holding both versions pairs them by version instead.
    both = diff_trees(load_folder(pair.old / "mqtt"), load_folder(pair.new / "mqtt"))
    assert [(c.version, c.kind) for c in both] == [
        ("2025-01-01", "default-version-changed"),
        ("2025-01-01", "service-added"),
    ]


# --------------------------------------------------------------------------- reports


def _sample(pair: SpecPair) -> list[Change]:
    pair.edit_member("actions/DescribeWidgets.yaml", "output", "Total", nullable=True)
    pair.edit(
        "actions/DescribeWidgets.yaml",
        lambda d: d["input"].append({"name": "Colour", "type": "string"}),
    )
    gadgets = {"action": "DescribeGadgets", "input": [{"name": "GadgetId", "type": "string"}]}
    _write(pair.path("actions/DescribeGadgets.yaml", old=True), gadgets)  # removed in new
    return pair.diff()


def test_text_report(pair: SpecPair) -> None:
    assert spec_diff.render_text(_sample(pair)) == (
        "mqtt 2024-05-16\n"
        "BREAKING  action DescribeGadgets: removed; the client method disappears\n"
        "          action DescribeWidgets\n"
        "            input.Colour: added\n"
        "BREAKING    output.Total: may now be null; code reading the response may now get None\n"
        "\n"
        "3 changes, 2 breaking\n"
    )


def test_markdown_report(pair: SpecPair) -> None:
    assert spec_diff.render_markdown(_sample(pair)) == (
        "### mqtt 2024-05-16\n"
        "\n"
        "- **BREAKING** action `DescribeGadgets`: removed; the client method disappears\n"
        "- action `DescribeWidgets`\n"
        "  - input.Colour: added\n"
        "  - **BREAKING** output.Total: may now be null; code reading the response may now get "
        "None\n"
        "\n"
        "**3 changes, 2 breaking**\n"
    )


def test_json_report_is_sorted_and_stable(pair: SpecPair) -> None:
    changes = _sample(pair)
    text = spec_diff.render_json(changes)
    assert text == spec_diff.render_json(list(reversed(changes)))
    doc = json.loads(text)
    assert doc["summary"] == {"changes": 3, "breaking": 2}
    assert doc["changes"][0] == {
        "service": "mqtt",
        "version": "2024-05-16",
        "scope": "action",
        "owner": "DescribeGadgets",
        "path": "",
        "kind": "action-removed",
        "breaking": True,
        "message": "removed; the client method disappears",
        "old": None,
        "new": None,
    }
    assert [c["path"] for c in doc["changes"]] == ["", "input.Colour", "output.Total"]


# --------------------------------------------------------------------------- command line


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "generator", "diff", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_exit_codes(pair: SpecPair) -> None:
    old, new = str(pair.old), str(pair.new)
    same = run_cli(old, new, "--fail-on-breaking")
    assert (same.returncode, same.stdout) == (0, "0 changes, 0 breaking\n")

    pair.edit(
        "actions/DescribeWidgets.yaml",
        lambda d: d["input"].append({"name": "Colour", "type": "string"}),
    )
    compatible = run_cli(old, new, "--fail-on-breaking")
    assert compatible.returncode == 0, compatible.stderr
    assert compatible.stdout.endswith("1 change, 0 breaking\n")

    pair.edit_member("actions/DescribeWidgets.yaml", "output", "Total", nullable=True)
    assert run_cli(old, new).returncode == 0
    breaking = run_cli(old, new, "--fail-on-breaking", "--format", "json")
    assert breaking.returncode == 1
    assert json.loads(breaking.stdout)["summary"] == {"changes": 2, "breaking": 1}


def test_cli_spec_error_exits_2_with_the_message(pair: SpecPair) -> None:
    pair.edit_member("actions/DescribeWidgets.yaml", "input", "Filter", type="Nowhere")
    done = run_cli(str(pair.old), str(pair.new), "--fail-on-breaking")
    assert done.returncode == 2
    assert done.stderr.startswith("spec error: ")
    assert "DescribeWidgets.yaml" in done.stderr and "unknown type 'Nowhere'" in done.stderr


def test_cli_unknown_folder_or_revision_exits_2(tmp_path: Path) -> None:
    done = run_cli(str(tmp_path / "missing"), "spec")
    assert done.returncode == 2
    assert "neither a folder nor a git revision" in done.stderr


# --------------------------------------------------------------------------- git revisions


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    return repo


def _commit_spec(repo: Path, spec: Path, message: str) -> None:
    _git(repo, "add", "-A", str(spec))
    _git(repo, "commit", "-q", "-m", message)


def test_diff_between_git_revisions(repo: Path) -> None:
    spec = repo / "spec"
    pair = SpecPair(repo / "build")  # an old and a new tree to commit one after the other
    shutil.copytree(pair.old, spec)
    _commit_spec(repo, spec, "old")
    pair.edit_member("actions/DescribeWidgets.yaml", "output", "Total", nullable=True)
    shutil.rmtree(spec)
    shutil.copytree(pair.new, spec)
    _commit_spec(repo, spec, "new")

    done = run_cli("HEAD~1", "HEAD", "--fail-on-breaking", cwd=repo)
    assert done.returncode == 1, done.stderr
    assert "output.Total: may now be null" in done.stdout
    assert done.stdout.endswith("1 change, 1 breaking\n")
    # A revision against the working tree, from a subfolder of the repository.
    assert run_cli("HEAD", "../spec", cwd=repo / "build").stdout == "0 changes, 0 breaking\n"


def test_spec_path_inside_revisions_and_errors_name_the_revision(repo: Path) -> None:
    spec = repo / "api" / "spec"
    pair = SpecPair(repo / "build")
    shutil.copytree(pair.old, spec)
    _commit_spec(repo, spec, "old")
    broken = spec / "mqtt" / "2024-05-16" / "structures" / "Widget.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("int64", "int65"))
    _commit_spec(repo, spec, "broken")

    done = run_cli("HEAD~1", "HEAD", "--spec-path", "api/spec", cwd=repo)
    assert done.returncode == 2
    assert "spec error: HEAD:api/spec/mqtt/2024-05-16/structures/Widget.yaml:" in done.stderr
    missing = run_cli("HEAD~1", "HEAD", cwd=repo)  # no spec/ at the top of this repository
    assert missing.returncode == 2
    assert "cannot read 'spec' at that revision" in missing.stderr


# --------------------------------------------------------------------------- a real change

REAL_OLD, REAL_NEW = "3.1.50.1", "3.1.189.1"
"""Two tccli releases whose MQTT 2024-05-16 definitions differ (api.json, gzipped,
in tests/fixtures/diff/); the committed reports are what diff makes of them."""


def _import_release(release: str, tmp: Path) -> Path:
    """Import MQTT 2024-05-16 from one release's api.json; return the spec root."""
    package = tmp / f"tccli-{release}"
    api = package / "tccli" / "services" / "mqtt" / "v20240516" / "api.json"
    api.parent.mkdir(parents=True)
    gz = FIXTURES / f"tccli-{release}-mqtt-2024-05-16-api.json.gz"
    api.write_bytes(gzip.decompress(gz.read_bytes()))
    root = tmp / f"spec-{release}"
    tccli.import_service(service="mqtt", version="2024-05-16", cn=package, en=None, spec_root=root)
    return root


def test_real_mqtt_change_between_two_tccli_releases(tmp_path: Path) -> None:
    """Set UPDATE_DIFF_FIXTURES=1 to rewrite the reports after a deliberate change."""
    old = load_folder(_import_release(REAL_OLD, tmp_path))
    new = load_folder(_import_release(REAL_NEW, tmp_path))
    changes = diff_trees(old, new)
    reports = {
        FIXTURES / f"mqtt-{REAL_OLD}-to-{REAL_NEW}.txt": spec_diff.render_text(changes),
        FIXTURES / f"mqtt-{REAL_OLD}-to-{REAL_NEW}.json": spec_diff.render_json(changes),
    }
    if os.environ.get("UPDATE_DIFF_FIXTURES"):
        for path, text in reports.items():
            path.write_text(text, encoding="utf-8")
    for path, text in reports.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale"
    # The newer definitions hide MaxTopicFilterPerSharedSubscriptionGroup (disabled):
    # the importer keeps it as deprecated, so the change is not breaking.
    hidden = [c for c in changes if c.path.endswith("MaxTopicFilterPerSharedSubscriptionGroup")]
    assert {c.kind for c in hidden} == {"member-deprecated"}
    assert not any(c.breaking for c in hidden)
    assert any(c.kind == "action-added" and c.owner == "DescribeClientEvents" for c in changes)


def test_streaming_body_and_host_changes(pair: SpecPair) -> None:
    """A new _stream() method is compatible, losing it breaks; a request that travels
    another way changes the method's signature; another host only moves the call."""
    pair.edit("actions/DescribeWidgets.yaml", lambda d: d.update(streams=True), old=True)
    pair.edit("actions/DescribeWidgets.yaml", lambda d: d.update(endpoint="mqtt.ai.example"))
    pair.edit(
        "actions/CreateDeviceIdentity.yaml",
        lambda d: d.update(request_body="octet-stream", param_header_prefix="X-Mqtt-"),
    )
    pair.edit("actions/DeleteDeviceIdentity.yaml", lambda d: d.update(streams=True))
    assert [(c.owner, c.kind, c.breaking, c.message) for c in pair.diff()] == [
        (
            "CreateDeviceIdentity",
            "request-body-changed",
            True,
            "request body json -> octet-stream (X-Mqtt-); the method takes its request "
            "another way (JSON, form, bytes)",
        ),
        (
            "DeleteDeviceIdentity",
            "streaming-added",
            False,
            "may now answer with server-sent events",
        ),
        (
            "DescribeWidgets",
            "streaming-removed",
            True,
            "no longer answers with server-sent events; the <method>_stream() method disappears",
        ),
        (
            "DescribeWidgets",
            "action-endpoint-changed",
            False,
            "host the client's -> mqtt.ai.example",
        ),
    ]
