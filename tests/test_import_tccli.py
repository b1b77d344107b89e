"""The tccli importer: faithful, re-import-stable, and never clobbers hand edits."""

from __future__ import annotations

import json
import shutil
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import cli, schema
from generator.importers import htmltext, tccli
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


# --------------------------------------------------------------------------- the whole catalog
# Small purpose-built definitions (tests/fixtures/tccli/): a CN package with
# `autoscaling` (API service `as`), a version that cannot be imported and one
# whose actions are all offline; an EN package documenting part of `as`.

FIXTURES = REPO / "tests" / "fixtures" / "tccli"
CN_DEFS, EN_DEFS = FIXTURES / "cn", FIXTURES / "en"
AS = "as/2018-04-19"


def import_catalog(root: Path, cn: Path = CN_DEFS) -> tccli.CatalogReport:
    return tccli.import_all(cn=cn, en=EN_DEFS, spec_root=root)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same JSON types all the way down (1 is not 1.0 or True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_a_folder_named_unlike_its_service_goes_under_the_service_name(tmp_path: Path) -> None:
    catalog = import_catalog(tmp_path / "spec")
    result = next(r for r in catalog.results if r.folder == "autoscaling")
    assert result.spec == AS and result.report is not None
    assert not (tmp_path / "spec" / "autoscaling").exists()
    service = load(tmp_path / "spec" / AS / "service.yaml")
    assert (service["service"], service["client_name"], service["endpoint"]) == (
        "as",
        "As",
        "as.tencentcloudapi.com",
    )
    # --service takes the short name or the folder, and imports the same files.
    for name in ("as", "autoscaling"):
        root = tmp_path / name
        tccli.import_service(
            service=name, version="2018-04-19", cn=CN_DEFS, en=EN_DEFS, spec_root=root
        )
        assert snapshot(root / AS) == snapshot(tmp_path / "spec" / AS)


def test_wire_names_are_kept_and_hidden_members_kept_as_deprecated(tmp_path: Path) -> None:
    import_catalog(tmp_path)
    group = load(tmp_path / AS / "structures" / "AutoScalingGroup.yaml")
    # PublicIP and PublicIp collide in Python; the spec keeps both wire names.
    assert [m["name"] for m in group["members"]] == [
        "AutoScalingGroupId",
        "PublicIP",
        "PublicIp",
        "Hidden",
        "Table",
    ]
    # A member the definitions mark disabled (hidden from the docs) is kept, as
    # deprecated, with the structure only it refers to: the official SDK has both.
    hidden = next(m for m in group["members"] if m["name"] == "Hidden")
    assert hidden["deprecated"] is True
    assert hidden["description"].endswith(tccli._DISABLED_NOTE)
    assert sorted(p.name for p in (tmp_path / AS / "structures").iterdir()) == [
        "AutoScalingGroup.yaml",
        "Filter.yaml",
        "HiddenThing.yaml",
    ]
    assert load(tmp_path / AS / "service.yaml")["offline_actions"] == ["RemoveInstances"]
    assert not (tmp_path / AS / "actions" / "RemoveInstances.yaml").exists()


HTML_CASES = {
    "paragraphs": ("<p>One.</p><p>Two.</p>", "One.\n\nTwo."),
    "line breaks": ("a<br>b<br/><br>c", "a\nb\n\nc"),
    "list": (
        "Values:<ul><li>A: one</li>\n<li> <b>B</b>: two</li></ul>Then",
        "Values:\n- A: one\n- **B**: two\n\nThen",
    ),
    "nested and ordered lists": (
        "<ol><li>a<ul><li>x<br>y</li></ul></li><li>b</li></ol>",
        "1. a\n   - x\n     y\n2. b",
    ),
    "items without a list": ("Values:\n<li>on</li><li>off</li>", "Values:\n- on\n- off"),
    "link": (
        'See <a href="https://x.test/a b" target="_blank">the docs</a>.',
        "See [the docs](https://x.test/a%20b).",
    ),
    "link to an anchor": ('<a href="#top">up</a>', "up"),
    "bold, italic, struck, sup": (
        "<strong>b</strong> <i>i</i> <del>d</del> 2<sup>20</sup>",
        "**b** *i* ~~d~~ 2^20",
    ),
    "entities": ("&lt;b&gt; &amp; &quot;q&quot; &#39;s&#39; a&nbsp;b", "<b> & \"q\" 's' a b"),
    "code": (
        'Set <code>Limit</code>; <pre><code>{\n  "a": 1\n}</code></pre>',
        'Set `Limit`;\n\n```\n{\n  "a": 1\n}\n```',
    ),
    "table": (
        "<table><thead><tr><th>Value</th><th>Meaning</th></tr></thead>"
        "<tbody><tr><td>A|B</td><td><p>x</p><p>y</p></td></tr></tbody></table>",
        "| Value | Meaning |\n| --- | --- |\n| A\\|B | x y |",
    ),
    "heading, quote, rule": (
        "<h3>Title</h3><blockquote>note</blockquote><hr>end",
        "### Title\n\n> note\n\n---\n\nend",
    ),
    "image": (
        '<img src="https://x.test/p.png" alt="a picture">',
        "![a picture](https://x.test/p.png)",
    ),
    "presentational tags go, text stays": ('<font color="red">red</font> <span>s</span>', "red s"),
    "svg and comments are dropped": ("a<svg><text>zz</text></svg><!-- c -->b", "ab"),
    "a name in angle brackets is text": (
        "Use <ZoneId> or </Key> <https://x.test>",
        "Use <ZoneId> or </Key> <https://x.test>",
    ),
    "markdown code is kept as written": (
        "`<b>&lt;</b>`\n```\n<p>\n```",
        "`<b>&lt;</b>`\n```\n<p>\n```",
    ),
    "an inline tag without its end tag is text": (
        "'<Custom prefix>+<A 12-character string>.com'",
        "'<Custom prefix>+<A 12-character string>.com'",
    ),
    "misspelt list tags": ("<ur><li>a</li><li>b</li></ur>", "- a\n- b"),
    "markdown text keeps its lines": ("Intro\n\n\n\n1. a  \n   b\n- c", "Intro\n\n1. a\n   b\n- c"),
}


@pytest.mark.parametrize("html, text", list(HTML_CASES.values()), ids=list(HTML_CASES))
def test_descriptions_become_plain_text(html: str, text: str) -> None:
    assert htmltext.to_text(html) == text
    assert htmltext.to_text(text) == htmltext.to_text(htmltext.to_text(text))  # stable


def test_every_imported_description_is_converted(tmp_path: Path) -> None:
    import_catalog(tmp_path)
    describe = load(tmp_path / AS / "actions" / "DescribeAutoScalingGroups.yaml")
    assert describe["lang"] == "en"
    assert (
        describe["description"]
        == "This API is used to query scaling groups.\n\nPaged: see `Limit`."
    )
    filters = next(m for m in describe["input"] if m["name"] == "Filters")
    assert (
        filters["lang"] == "zh-CN"
        and filters["description"] == "过滤条件：\n\n- zone：可用区，如 <ZoneId>"  # noqa: RUF001
    )
    create = load(tmp_path / AS / "actions" / "CreateAutoScalingGroup.yaml")
    assert create["description"] == "创建伸缩组。\n第二行"
    assert create["input"][0]["description"] == "**名称**，最长 55 个字符。"  # noqa: RUF001
    group = load(tmp_path / AS / "structures" / "AutoScalingGroup.yaml")
    table = next(m for m in group["members"] if m["name"] == "Table")
    assert table["description"] == "| 值 | 含义 |\n| --- | --- |\n| A | 甲 |"
    assert load(tmp_path / AS / "service.yaml")["description"] == "弹性伸缩的**接口**。"
    for path in (tmp_path / AS).rglob("*.yaml"):
        assert "<p>" not in path.read_text(encoding="utf-8"), path


def test_an_unreadable_english_example_is_replaced_by_the_chinese_one(tmp_path: Path) -> None:
    catalog = import_catalog(tmp_path)
    examples = load(tmp_path / AS / "actions" / "DescribeAutoScalingGroups.yaml")["examples"]
    # [0]: the English output is not JSON, so the Chinese example at index 0 is used;
    # [1]: the English one; [2]: an event stream: its data events ([DONE] ends it).
    assert [e["title"] for e in examples] == ["示例一", "Example 2", "Example 3"]
    assert examples[0]["request"] == {"Limit": 1}
    assert examples[2]["events"] == [{"TotalCount": 0}] and "response" not in examples[2]
    action = load(tmp_path / AS / "actions" / "DescribeAutoScalingGroups.yaml")
    assert action["streams"] is True  # a documented answer is an event stream
    report = next(r.report for r in catalog.results if r.spec == AS)
    assert report is not None
    assert (report.documented_examples, report.examples, report.examples_from_chinese) == (4, 4, 1)
    data = json.loads((tmp_path / tccli.REPORT_JSON).read_text(encoding="utf-8"))
    assert data["examples_not_imported"] == []
    assert data["totals"]["examples_from_chinese"] == 1


def test_example_values_keep_their_json_types(tmp_path: Path) -> None:
    import_catalog(tmp_path)
    path = tmp_path / AS / "actions" / "DescribeAutoScalingGroups.yaml"
    data, _ = schema.load_yaml(path, schema.ACTION)  # as the spec loader reads it
    raw = json.loads((CN_DEFS / "tccli/services/autoscaling/v20180419/examples.json").read_text())
    documented = json.loads(raw["actions"]["DescribeAutoScalingGroups"][0]["output"])["Response"]
    assert same(data["examples"][0]["response"], documented)
    assert data["examples"][0]["response"]["AutoScalingGroupSet"][0]["PublicIP"] is None
    assert same(
        data["examples"][1]["request"],
        {"Limit": 2, "Filters": [{"Name": "zone", "Values": ["ap-1"]}]},
    )
    # A query-string example is typed by its members; an integer literal stays an int.
    create, _ = schema.load_yaml(
        tmp_path / AS / "actions" / "CreateAutoScalingGroup.yaml", schema.ACTION
    )
    assert same(create["examples"][0]["request"], {"AutoScalingGroupName": "my group", "Weight": 2})


def test_strict_example_json() -> None:
    wrap = 'POST / HTTP/1.1\n\n{"A": 1}'
    for output, reason in [
        ('{"Response": {"A": 1, "A": 2}}', "duplicate key 'A'"),
        ('{"Response": {"A": NaN}}', "NaN is not a JSON number"),
        ('{"Response": {"A": "\\ud800"}}', "lone surrogate"),
        ('{"A": 1}', "no Response object"),
    ]:
        with pytest.raises(tccli.ExampleError, match=reason):
            tccli.read_example({"input": wrap, "output": output})
    with pytest.raises(tccli.ExampleError, match="multipart/form-data, not JSON"):
        tccli.read_example(
            {
                "input": "POST / HTTP/1.1\nContent-Type: multipart/form-data; b=x\n\n--x",
                "output": "{}",
            }
        )


def test_a_version_that_fails_is_reported_and_the_rest_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "spec"
    args = [
        "import",
        "tccli",
        "--all",
        "--cn",
        str(CN_DEFS),
        "--en",
        str(EN_DEFS),
        "--out",
        str(root),
    ]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "1 of 3 service versions imported" in out
    assert (
        "not imported: broken 2020-01-01: DoItRequest.Thing: object of unknown structure 'Nowhere'"
        in out
    )
    assert sorted(p.parent.relative_to(root).as_posix() for p in root.glob("*/*/service.yaml")) == [
        AS
    ]
    data = json.loads((root / tccli.REPORT_JSON).read_text(encoding="utf-8"))
    assert data["sources"] == {"tccli": "9.9.1", "tccli-intl-en": "9.9.2"}
    assert data["not_imported"] == [
        {
            "folder": "broken",
            "version": "2020-01-01",
            "spec": "broken/2020-01-01",
            "reason": "DoItRequest.Thing: object of unknown structure 'Nowhere'",
        },
        {
            "folder": "empty",
            "version": "2019-07-18",
            "spec": "empty/2019-07-18",
            "reason": "no online actions (1 offline)",
        },
    ]
    assert data["totals"]["imported"] == 1 and data["totals"]["actions"] == 2
    report = (root / tccli.REPORT_MD).read_text(encoding="utf-8")
    assert "| empty | 2019-07-18 | no online actions (1 offline) |" in report


def test_reimport_is_byte_identical_and_a_wheel_reads_like_a_folder(tmp_path: Path) -> None:
    root = tmp_path / "spec"
    import_catalog(root)
    first = snapshot(root)
    again = import_catalog(root)
    assert all(r.report is None or not r.report.written for r in again.results)
    assert snapshot(root) == first
    wheel = tmp_path / "tccli-9.9.1-py2.py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path in sorted(CN_DEFS.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(CN_DEFS).as_posix())
    other = tmp_path / "from-wheel"
    import_catalog(other, cn=wheel)
    assert snapshot(other) == first
