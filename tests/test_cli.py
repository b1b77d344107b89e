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
        (["mqtt", "DescribeInstanceList", "--output", "yaml"], "--output must be"),
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
    assert "JSON list of PropagatingProperty" in out
    assert "Device ID" in out


def test_other_service_help(cli: Cli) -> None:
    actions = cli("sts", "help", target=False)
    assert actions.returncode == 0
    assert re.search(r"^  AssumeRole ", actions.stdout, re.M)
    action = cli("sts", "assume-role", "--help", target=False)
    assert action.returncode == 0
    assert "--RoleArn (--role-arn)  string  required" in action.stdout
    assert "--DurationSeconds (--duration-seconds)  uint64  optional" in action.stdout
