"""The ``tcapi`` command line, end to end: ``python -m tcapi`` in a subprocess
against a real emulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcapi.emulator import Emulator
from tcapi.emulator.services.mqtt import seed_instance

from .seeds import DOC_INSTANCE

CLI = [sys.executable, "-m", "tcapi"]


class Cli:
    def __init__(self, emulator: Emulator, home: Path) -> None:
        self.emulator = emulator
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TENCENTCLOUD_", "TCCLI_", "TKE_"))
        }
        env.update(HOME=str(home), TCAPI_DISABLE_METADATA="1")
        self.bare_env = dict(env)
        env.update(
            TENCENTCLOUD_SECRET_ID=emulator.secret_id,
            TENCENTCLOUD_SECRET_KEY=emulator.secret_key,
        )
        self.env = env

    def __call__(
        self,
        *args: str,
        stdin: str | None = None,
        target: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        extra = ["--endpoint", self.emulator.endpoint, "--region", "ap-guangzhou"]
        return subprocess.run(
            [*CLI, *args, *(extra if target else [])],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env if env is None else env,
            timeout=60,
            check=False,
        )


@pytest.fixture
def cli(emulator: Emulator, tmp_path: Path) -> Iterator[Cli]:
    yield Cli(emulator, tmp_path)


def _ok(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout


def test_device_identity_lifecycle_pascal_and_kebab(cli: Cli) -> None:
    created = _ok(
        cli("mqtt", "CreateDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId", "d1")
    )
    assert isinstance(created["RequestId"], str)
    described = _ok(
        cli("mqtt", "describe-device-identity", "--instance-id", DOC_INSTANCE, "--device-id", "d1")
    )
    assert described["DeviceId"] == "d1"
    assert described["RequestId"]
    _ok(cli("mqtt", "delete-device-identity", "--instance-id", DOC_INSTANCE, "--device-id", "d1"))
    gone = cli("mqtt", "DescribeDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId", "d1")
    assert gone.returncode == 4, gone.stderr
    assert re.match(r"^ResourceNotFound[\w.]*: .+ \(RequestId: [\w-]+\)$", gone.stderr.strip())
    _no_traceback(gone)


def test_structure_param_as_json(cli: Cli) -> None:
    props = json.dumps([{"Key": "k1", "Value": "v1"}])
    _ok(
        cli(
            "mqtt",
            "CreateDeviceIdentity",
            "--InstanceId",
            DOC_INSTANCE,
            "--DeviceId",
            "d2",
            "--PropagatingProperties",
            props,
        )
    )
    got = _ok(cli("mqtt", "DescribeDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId=d2"))
    assert got["PropagatingProperties"] == [{"Key": "k1", "Value": "v1"}]


def test_cli_input_json_from_file_and_stdin(cli: Cli, tmp_path: Path) -> None:
    request = tmp_path / "req.json"
    request.write_text(json.dumps({"InstanceId": DOC_INSTANCE, "DeviceId": "f1"}))
    _ok(cli("mqtt", "CreateDeviceIdentity", "--cli-input-json", f"file://{request}"))
    body = json.dumps({"InstanceId": DOC_INSTANCE, "DeviceId": "f1"})
    got = _ok(cli("mqtt", "DescribeDeviceIdentity", "--cli-input-json", "-", stdin=body))
    assert got["DeviceId"] == "f1"
    # flags override the members of the input
    other = cli("mqtt", "DescribeDeviceIdentity", "--cli-input-json", body, "--DeviceId", "nope")
    assert other.returncode == 4


def test_output_text(cli: Cli) -> None:
    result = cli("mqtt", "DescribeInstanceList", "--output", "text")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert any(k.endswith(".InstanceId") and v == DOC_INSTANCE for k, v in lines.items())
    assert "RequestId" in lines


def test_dry_run_shows_no_secret(cli: Cli) -> None:
    secret_member = "c2Vuc2l0aXZlLXByaW1hcnkta2V5"
    result = cli(
        "mqtt",
        "create-device-identity",
        "--instance-id",
        DOC_INSTANCE,
        "--device-id",
        "dry",
        "--primary-key",
        secret_member,
        "--dry-run",
    )
    assert result.returncode == 0, result.stderr
    both = result.stdout + result.stderr
    assert cli.emulator.secret_key not in both
    assert secret_member not in both
    assert not re.search(r"[0-9a-f]{64}", both)  # no signature
    assert f"POST {cli.emulator.endpoint}" in result.stdout
    assert "X-TC-Action: CreateDeviceIdentity" in result.stdout
    assert '"PrimaryKey": "***"' in result.stdout
    assert '"DeviceId": "dry"' in result.stdout
    # nothing was sent
    absent = cli(
        "mqtt", "DescribeDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId", "dry"
    )
    assert absent.returncode == 4


def test_dry_run_shows_an_action_going_to_its_own_host(cli: Cli) -> None:
    """es ChatCompletions has a host of its own; with --endpoint every action goes
    there instead."""
    args = ("es", "ChatCompletions", "--ModelName", "m", "--Messages", "[]", "--dry-run")
    own = cli(*args, "--region", "ap-guangzhou", target=False)
    assert own.returncode == 0, own.stderr
    assert own.stdout.startswith("POST https://es.ai.tencentcloudapi.com/\n")
    assert "Host: es.ai.tencentcloudapi.com" in own.stdout
    told = cli(*args)
    assert told.returncode == 0, told.stderr
    assert told.stdout.startswith(f"POST {cli.emulator.endpoint}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mqt", "DescribeInstanceList"], "did you mean 'mqtt'"),
        (["emulator", "help"], "unknown service 'emulator'"),
        (["mqtt", "DescribeInstanceLst"], "did you mean 'DescribeInstanceList'"),
        (["mqtt", "CreateDeviceIdentity", "--InstanceId", "x", "--DeviceID", "d"], "'DeviceId'"),
        (
            ["mqtt", "create-device-identity", "--instance-id", "x", "--devce-id", "d"],
            "'device-id'",
        ),
        (["mqtt", "DescribeInstanceList", "--Limit", "ten"], "--Limit: expected an integer"),
        (["mqtt", "CreateDeviceIdentity", "--InstanceId", "x"], "DeviceId is required"),
        (["mqtt", "DescribeInstanceList", "--cli-input-json", "{nope"], "not JSON"),
        (["mqtt", "DescribeInstanceList", "--output", "xml"], "--output must be"),
        (["mqtt", "DescribeInstanceList", "--api-version", "2000-01-01"], "2024-05-16"),
        (
            [
                "mqtt",
                "CreateDeviceIdentity",
                "--cli-input-json",
                '{"InstanceId":"x","DeviceId":"d","PropagatingProperties":[{"Kee":"a"}]}',
            ],
            "PropagatingProperties[0].Kee; did you mean 'Key'",
        ),
    ],
)
def test_usage_errors_exit_2(cli: Cli, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert result.stdout == ""
    _no_traceback(result)


def test_missing_region_exit_2(cli: Cli) -> None:
    result = cli("mqtt", "DescribeInstanceList", "--endpoint", cli.emulator.endpoint, target=False)
    assert result.returncode == 2
    assert "--region" in result.stderr
    _no_traceback(result)


def test_missing_credentials_exit_3(cli: Cli) -> None:
    result = cli("mqtt", "DescribeInstanceList", env=cli.bare_env)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("tcapi: ")
    _no_traceback(result)


def test_api_error_exit_4(cli: Cli) -> None:
    args = ("mqtt", "CreateDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId", "twice")
    _ok(cli(*args))
    again = cli(*args)
    assert again.returncode == 4
    assert again.stderr.startswith("UnsupportedOperation.ResourceAlreadyExists: ")
    assert "(RequestId: " in again.stderr


def test_network_error_exit_5(cli: Cli) -> None:
    result = cli(
        "mqtt",
        "DescribeInstanceList",
        "--endpoint",
        "http://127.0.0.1:9",
        "--region",
        "ap-guangzhou",
        "--timeout",
        "2",
        target=False,
    )
    assert result.returncode == 5, result.stderr
    _no_traceback(result)


def test_help_texts(cli: Cli) -> None:
    top = cli("--help", target=False)
    assert top.returncode == 0
    assert "mqtt" in top.stdout and "sts" in top.stdout
    assert cli("help", target=False).stdout == top.stdout
    bare = cli(target=False)
    assert bare.returncode == 2 and "usage: tcapi" in bare.stdout

    actions = cli("mqtt", "help", target=False)
    assert actions.returncode == 0
    assert re.search(r"^  CreateDeviceIdentity +Create a device", actions.stdout, re.M)

    action = cli("mqtt", "CreateDeviceIdentity", "--help", target=False)
    assert action.returncode == 0
    out = action.stdout
    assert "--InstanceId (--instance-id)  string  required" in out
    assert "--Status (--status)  string  optional" in out
    assert "--PrimaryKey (--primary-key)  string  optional sensitive" in out
    assert "list of PropagatingProperty (JSON [" in out and "one Key=value,... per flag" in out
    assert "--paginate" not in out and "\nexample:\n" in out
    # the documented example as a ready command, which parses
    command = out.split("\nexample:\n", 1)[1].splitlines()[-1].strip()
    assert command.startswith("tcapi mqtt CreateDeviceIdentity --InstanceId ")
    import shlex

    dry = cli(*shlex.split(command)[1:], "--dry-run")
    assert dry.returncode == 0, dry.stderr
    listing = cli("mqtt", "DescribeInstanceList", "--help", target=False).stdout
    assert "--paginate  every page (Offset/Limit) merged into one answer" in listing
    described = cli("mqtt", "DescribeInstance", "--help", target=False).stdout
    assert "--waiter InstanceReady  poll until InstanceStatus is RUNNING" in described
    actions_text = cli("mqtt", "help", target=False).stdout
    assert (
        "tcapi mqtt wait <waiter>" in actions_text
        and "InstanceReady  polls DescribeInstance" in (actions_text)
    )
    assert "Device ID" in out


def test_other_service_help(cli: Cli) -> None:
    actions = cli("sts", "help", target=False)
    assert actions.returncode == 0
    assert re.search(r"^  AssumeRole ", actions.stdout, re.M)
    action = cli("sts", "assume-role", "--help", target=False)
    assert action.returncode == 0
    assert "--RoleArn (--role-arn)  string  required" in action.stdout
    assert "--DurationSeconds (--duration-seconds)  uint64  optional" in action.stdout


# -- structures in shorthand, skeletons ----------------------------------------------


def test_structures_in_shorthand(cli: Cli) -> None:
    _ok(
        cli(
            "mqtt",
            "CreateDeviceIdentity",
            "--InstanceId",
            DOC_INSTANCE,
            "--DeviceId",
            "sh1",
            "--PropagatingProperties",
            "Key=k1,Value=v1",
            "--PropagatingProperties",
            "Key='a,b',Value=x=y",
        )
    )
    got = _ok(cli("mqtt", "DescribeDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId=sh1"))
    assert got["PropagatingProperties"] == [
        {"Key": "k1", "Value": "v1"},
        {"Key": "a,b", "Value": "x=y"},
    ]
    typo = cli(
        "mqtt", "CreateDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId", "sh2",
        "--PropagatingProperties", "Kee=k1,Value=v1",
    )  # fmt: skip
    assert typo.returncode == 2
    assert "PropagatingProperty has no member 'Kee'; did you mean 'Key'?" in typo.stderr
    _no_traceback(typo)


def test_shorthand_lists_and_nesting_in_a_catalog_service(cli: Cli) -> None:
    """cvm (generated at build time from the catalog): a list member takes the values
    up to the next Key=, and the parsed request is what --dry-run shows."""
    shown = cli(
        "cvm", "DescribeInstances",
        "--Filters", "Name=zone,Values=ap-guangzhou-3,ap-guangzhou-4",
        "--Filters", "Name=instance-name,Values=[web]",
        "--Limit", "5", "--dry-run",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout.split("\n\n", 1)[1])
    assert body == {
        "Filters": [
            {"Name": "zone", "Values": ["ap-guangzhou-3", "ap-guangzhou-4"]},
            {"Name": "instance-name", "Values": ["web"]},
        ],
        "Limit": 5,
    }
    assert "X-TC-Version: 2017-03-12" in shown.stdout
    bad = cli("cvm", "DescribeInstances", "--Limit", "5", "--Filters", "Name={x=1}", "--dry-run")
    assert bad.returncode == 2
    assert "--Filters.Name is a string, not a structure" in bad.stderr
    # and the call itself: the emulator answers cvm from its documented examples
    answer = _ok(cli("cvm", "DescribeInstances", "--Filters", "Name=zone,Values=ap-guangzhou-3"))
    assert isinstance(answer["InstanceSet"], list) and "TotalCount" in answer


def test_skeleton_round_trip(cli: Cli) -> None:
    result = cli("mqtt", "CreateDeviceIdentity", "--generate-cli-skeleton", target=False)
    skel = _ok(result)
    assert skel == {
        "InstanceId": "",
        "DeviceId": "",
        "Status": "",
        "PrimaryKey": "",
        "SecondaryKey": "",
        "PropagatingProperties": [{"Key": "", "Value": ""}],
    }
    # accepted back as it is (checked locally, nothing sent) ...
    dry = cli("mqtt", "CreateDeviceIdentity", "--cli-input-json", json.dumps(skel), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    # ... and once filled in, it creates the device
    filled = {k: v for k, v in skel.items() if k not in {"Status", "PrimaryKey", "SecondaryKey"}}
    filled.update(InstanceId=DOC_INSTANCE, DeviceId="skel")
    filled["PropagatingProperties"] = [{"Key": "k", "Value": "v"}]
    _ok(cli("mqtt", "CreateDeviceIdentity", "--cli-input-json", "-", stdin=json.dumps(filled)))
    got = _ok(
        cli("mqtt", "DescribeDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId=skel")
    )
    assert got["PropagatingProperties"] == [{"Key": "k", "Value": "v"}]
    out = _ok(cli("mqtt", "DescribeInstance", "--generate-cli-skeleton", "output", target=False))
    assert out["InstanceStatus"] == "" and out["TopicNumLimit"] == 0 and "RequestId" in out


# -- --query and every --output ------------------------------------------------------


def _seed_devices(cli: Cli, count: int) -> list[str]:
    ids = [f"dev-{i}" for i in range(count)]
    for device in ids:
        _ok(cli("mqtt", "CreateDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId", device))
    return ids


def test_query_and_every_output(cli: Cli) -> None:
    import yaml

    ids = _seed_devices(cli, 3)
    base = ("mqtt", "DescribeDeviceIdentities", "--InstanceId", DOC_INSTANCE)
    as_json = _ok(cli(*base))
    devices = as_json["Data"]
    assert isinstance(devices, list) and sorted(d["DeviceId"] for d in devices) == ids

    as_yaml = cli(*base, "--output", "yaml")
    assert as_yaml.returncode == 0, as_yaml.stderr
    assert yaml.safe_load(as_yaml.stdout)["Data"] == devices

    as_table = cli(*base, "--output", "table")
    assert as_table.returncode == 0, as_table.stderr
    lines = as_table.stdout.splitlines()
    assert "Data (3)" in lines
    header = next(line for line in lines if " DeviceId " in line)
    columns = [c.strip() for c in header.strip("|").split("|")]
    assert {"DeviceId", "Status", "CreatedTime"} <= set(columns)
    rows = [line for line in lines if f"| {DOC_INSTANCE} " in line]
    column = columns.index("DeviceId")
    assert [r.strip("|").split("|")[column].strip() for r in rows] == [
        d["DeviceId"] for d in devices
    ]
    assert len({len(line) for line in lines if line.startswith(("|", "+"))} - {0}) <= 2

    as_text = cli(*base, "--output", "text")
    assert as_text.returncode == 0
    pairs = [line.split("\t") for line in as_text.stdout.splitlines()]
    assert ["Data[0].DeviceId", devices[0]["DeviceId"]] in pairs

    query = "sort(Data[].DeviceId)"
    assert json.loads(cli(*base, "--query", query).stdout) == ids
    assert cli(*base, "--query", query, "--output", "text").stdout.splitlines() == [
        f"[{i}]\t{d}" for i, d in enumerate(ids)
    ]
    one = cli(*base, "--query", "length(Data)", "--output", "text")
    assert one.stdout == "3\n"
    bad = cli(*base, "--query", "Data[")
    assert bad.returncode == 2 and "--query 'Data['" in bad.stderr
    assert (
        len([r for r in cli.emulator.requests if r.action == "DescribeDeviceIdentities"]) == 7
    )  # not the bad --query


def test_api_error_as_json_under_output_json(cli: Cli) -> None:
    args = ("mqtt", "DescribeDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId", "no")
    result = cli(*args, "--output", "json")
    assert result.returncode == 4
    error = json.loads(result.stderr)
    assert error["Error"]["Code"].startswith("ResourceNotFound")
    assert error["RequestId"] and error["Error"]["Message"]


# -- --paginate, waiters, --debug -----------------------------------------------------


def test_paginate_merges_every_page(cli: Cli) -> None:
    ids = _seed_devices(cli, 7)
    before = len(cli.emulator.requests)
    merged = _ok(
        cli("mqtt", "DescribeDeviceIdentities", "--InstanceId", DOC_INSTANCE, "--Limit", "2",
            "--paginate")
    )  # fmt: skip
    assert isinstance(merged["Data"], list)
    assert sorted(d["DeviceId"] for d in merged["Data"]) == ids
    pages = [r for r in cli.emulator.requests[before:] if r.action == "DescribeDeviceIdentities"]
    assert [(p.params or {}).get("Offset") for p in pages] == [0, 2, 4, 6]
    # TotalCount stops it without an extra empty page: 3 instances, 2 a page
    for n in range(2):
        seed_instance(cli.emulator.app, f"mqtt-page{n}")
    start = len(cli.emulator.requests)
    listed = _ok(cli("mqtt", "DescribeInstanceList", "--Limit", "1", "--paginate"))
    assert listed["TotalCount"] == 3 and len(listed["Data"]) == 3  # type: ignore[arg-type]
    assert len(cli.emulator.requests[start:]) == 3
    not_paged = cli("mqtt", "DescribeInstance", "--InstanceId", DOC_INSTANCE, "--paginate")
    assert not_paged.returncode == 2 and "not paginated" in not_paged.stderr


def test_waiters(cli: Cli) -> None:
    cli.emulator.app.instance_ready_delay = 0.8
    created = _ok(cli("mqtt", "CreateInstance", "--InstanceType", "BASIC", "--Name", "waiter-1",
                      "--SkuCode", "basic_1k"))  # fmt: skip
    instance = str(created["InstanceId"])
    start = len(cli.emulator.requests)
    done = _ok(cli("mqtt", "wait", "instance-ready", "--InstanceId", instance,
                   "--waiter-delay", "0.2"))  # fmt: skip
    assert done["InstanceStatus"] == "RUNNING"
    polls = [r for r in cli.emulator.requests[start:] if r.action == "DescribeInstance"]
    assert len(polls) >= 2  # it was CREATING at first
    # the same through --waiter on the action, and the query applies to the last answer
    status = cli("mqtt", "DescribeInstance", "--InstanceId", instance, "--waiter", "InstanceReady",
                 "--query", "InstanceStatus", "--output", "text")  # fmt: skip
    assert status.returncode == 0 and status.stdout == "RUNNING\n"
    wrong = cli("mqtt", "DescribeInstanceList", "--waiter", "InstanceReady")
    assert (
        wrong.returncode == 2 and "polls DescribeInstance, not DescribeInstanceList" in wrong.stderr
    )
    unknown = cli("mqtt", "wait", "instance-redy", "--InstanceId", instance)
    assert unknown.returncode == 2 and "did you mean 'instance-ready'" in unknown.stderr


def test_waiter_timeout_exit_6_and_interrupt_exit_130(cli: Cli) -> None:
    cli.emulator.app.instance_ready_delay = 600
    created = _ok(cli("mqtt", "CreateInstance", "--InstanceType", "BASIC", "--Name", "slow",
                      "--SkuCode", "basic_1k"))  # fmt: skip
    instance = str(created["InstanceId"])
    timed_out = cli("mqtt", "wait", "InstanceReady", "--InstanceId", instance,
                    "--waiter-delay", "0", "--waiter-max-attempts", "3")  # fmt: skip
    assert timed_out.returncode == 6, timed_out.stderr
    assert "still 'CREATING' after 3 attempts" in timed_out.stderr
    _no_traceback(timed_out)

    import signal
    import time

    args = [*CLI, "mqtt", "wait", "InstanceReady", "--InstanceId", instance,
            "--endpoint", cli.emulator.endpoint, "--region", "ap-guangzhou"]  # fmt: skip
    start = len(cli.emulator.requests)
    with subprocess.Popen(
        args, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        deadline = time.monotonic() + 30
        while len(cli.emulator.requests) == start and time.monotonic() < deadline:
            time.sleep(0.05)  # until the first poll arrived: it is waiting now
        assert len(cli.emulator.requests) > start
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err == "tcapi: interrupted\n" and out == ""


def test_debug_log_shows_no_secret(cli: Cli) -> None:
    secret_member = "ZGVidWctcHJpbWFyeS1rZXk="
    result = cli("mqtt", "CreateDeviceIdentity", "--InstanceId", DOC_INSTANCE, "--DeviceId", "dbg",
                 "--PrimaryKey", secret_member, "--debug")  # fmt: skip
    assert result.returncode == 0, result.stderr
    log = result.stderr
    assert "X-TC-Action: CreateDeviceIdentity" in log and '"PrimaryKey": "***"' in log
    answer = json.loads(result.stdout)
    logged = re.search(r"tcapi DEBUG mqtt\.CreateDeviceIdentity attempt=1/\d+ status=200 "
                       r"request_id=([\w-]+) ", log)  # fmt: skip
    assert logged and logged.group(1) == answer["RequestId"]
    for secret in (cli.emulator.secret_key, secret_member):
        assert secret not in log and secret not in result.stdout
    assert not re.search(r"[0-9a-f]{64}", log)  # no signature
    assert json.loads(result.stdout)["RequestId"]


# -- a second service, profiles ----------------------------------------------------------

ROLE_ARN = "qcs::cam::uin/100000000001:roleName/cli-role"


def _write_profile(home: Path, name: str, secret_id: str, secret_key: str, **extra: str) -> None:
    folder = home / ".tccli"
    folder.mkdir(exist_ok=True)
    data = {"secretId": secret_id, "secretKey": secret_key, **extra}
    (folder / f"{name}.credential").write_text(json.dumps(data))


def test_sts_credentials_used_through_a_profile(cli: Cli, tmp_path: Path) -> None:
    """STS end to end: AssumeRole hands out a temporary credential; a tccli profile
    holding it (token included) is what --profile picks, over the bad default."""
    issued = _ok(cli("sts", "AssumeRole", "--RoleArn", ROLE_ARN, "--RoleSessionName", "cli-1",
                     "--DurationSeconds", "900"))  # fmt: skip
    creds = issued["Credentials"]
    assert isinstance(creds, dict) and creds["Token"] and issued["ExpiredTime"]
    _write_profile(tmp_path, "default", "AKIDnotvalid", "bad-key")
    _write_profile(tmp_path, "temp", creds["TmpSecretId"], creds["TmpSecretKey"],
                   token=creds["Token"])  # fmt: skip
    env = dict(cli.bare_env)
    refused = cli("mqtt", "DescribeInstanceList", env=env)
    assert refused.returncode == 4 and refused.stderr.startswith("AuthFailure")
    listed = _ok(cli("mqtt", "DescribeInstanceList", "--profile", "temp", env=env))
    assert listed["TotalCount"] == 1
    chosen_by_env = _ok(cli("mqtt", "DescribeInstanceList", env={**env, "TCCLI_PROFILE": "temp"}))
    assert chosen_by_env["TotalCount"] == 1
    debug = cli("mqtt", "DescribeInstanceList", "--profile", "temp", "--debug", env=env)
    assert debug.returncode == 0
    for secret in (creds["TmpSecretKey"], creds["Token"]):
        assert secret not in debug.stderr
    assert "X-TC-Token: ***" in debug.stderr
    missing = cli("mqtt", "DescribeInstanceList", "--profile", "nope", env=env)
    assert missing.returncode == 3 and "nope" in missing.stderr
    _no_traceback(missing)


def test_the_console_script(cli: Cli) -> None:
    """`tcapi` itself (the installed console script), not only `python -m tcapi`."""
    script = Path(sys.executable).parent / "tcapi"
    assert script.is_file()
    result = subprocess.run(
        [str(script), "mqtt", "describe-instance-list", "--endpoint", cli.emulator.endpoint,
         "--region", "ap-guangzhou", "--query", "Data[0].InstanceId", "--output", "text"],
        capture_output=True, text=True, env=cli.env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{DOC_INSTANCE}\n"


def test_a_member_named_like_a_global_option(cli: Cli) -> None:
    """cvm RunInstances has DryRun: --DryRun is the member, --dry-run the command
    line's own flag (nothing sent), and help says so."""
    shown = cli("cvm", "RunInstances", "--help", target=False).stdout
    assert "  --DryRun  boolean  optional" in shown and "(--dry-run)" not in shown
    args = ("cvm", "RunInstances", "--Placement", "Zone=ap-guangzhou-3", "--DryRun", "true")
    dry = cli(*args, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout.split("\n\n", 1)[1])["DryRun"] is True


def test_paginate_refuses_a_page_not_as_declared(cli: Cli) -> None:
    """A server answering Data as a string (or TotalCount as text) under --paginate:
    a typed error with the RequestId, exit 5, no characters taken for items."""
    from tcapi.emulator import RequestContext

    def handler(ctx: RequestContext) -> dict[str, object]:
        return {"Data": "not-a-list", "TotalCount": 3}

    cli.emulator.register("mqtt", "DescribeInstanceList", handler)
    result = cli("mqtt", "DescribeInstanceList", "--paginate")
    assert result.returncode == 5, result.stderr
    assert "--paginate: DescribeInstanceList answered Data or TotalCount not as declared" in (
        result.stderr
    )
    assert result.stdout == ""
    _no_traceback(result)


GC_PROBE = """
import gc, json, sys
import tcapi.cli
args = json.loads(sys.argv[1])
sys.argv = ["tcapi", *args]
own = tcapi.cli.main()  # the console script's way: argv from sys.argv
after_own = [gc.isenabled(), gc.get_freeze_count() > 0]
gc.unfreeze()
given = tcapi.cli.main(args[:2] + ["--help"])  # a caller's own argv
print(json.dumps([own, after_own, given, gc.isenabled(), gc.get_freeze_count()]), file=sys.stderr)
"""


def test_the_console_script_holds_the_collector_only_during_start_up(cli: Cli) -> None:
    """The command keeps the cyclic collector off while it loads, then freezes what
    it loaded and collects again for the rest of the call; main() given an argv (a
    caller's own interpreter) leaves the collector as it found it."""
    args = ["mqtt", "DescribeInstanceList", "--endpoint", cli.emulator.endpoint,
            "--region", "ap-guangzhou"]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", GC_PROBE, json.dumps(args)],
        capture_output=True, text=True, env=cli.env, timeout=60, check=False,
    )  # fmt: skip
    own, after_own, given, enabled, frozen = json.loads(result.stderr.splitlines()[-1])
    assert own == 0 and '"RequestId"' in result.stdout
    assert after_own == [True, True]  # collecting again, start-up frozen
    assert (given, enabled, frozen) == (0, True, 0)


BROKEN_PROBE = """
import sys
import tcapi
tcapi.__path__.append(sys.argv[1])  # a service package whose schema is damaged
from tcapi.cli import main
sys.argv = ["tcapi", "brokensvc", "DescribeThings", "--region", "ap-guangzhou"]
sys.exit(main())
"""


def test_an_internal_error_exits_1_briefly_and_shows_the_traceback_only_when_asked(
    cli: Cli, tmp_path: Path
) -> None:
    """A bug, not a user mistake (here an installed schema missing its endpoint):
    exit 1 with one line naming the error and TCAPI_DEBUG; the traceback only with
    TCAPI_DEBUG=1."""
    version = tmp_path / "brokensvc" / "v20200101"
    version.mkdir(parents=True)
    (tmp_path / "brokensvc" / "__init__.py").write_text("")
    (version / "__init__.py").write_text("")
    (version / "_schema.py").write_text(
        'SERVICE = {"service": "brokensvc", "version": "2020-01-01"}\nMODELS = {}\nACTIONS = {}\n'
    )

    def run(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", BROKEN_PROBE, str(tmp_path)],
            capture_output=True, text=True, env={**cli.env, **env}, timeout=60, check=False,
        )  # fmt: skip

    brief = run()
    assert brief.returncode == 1, brief.stderr
    assert brief.stderr == (
        "tcapi: internal error: KeyError: 'endpoint' (TCAPI_DEBUG=1 shows more)\n"
    )
    debug = run(TCAPI_DEBUG="1")
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "KeyError: 'endpoint'" in debug.stderr
