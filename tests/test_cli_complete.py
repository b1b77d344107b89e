"""Shell completion of ``tcapi``: argcomplete's protocol answered by the real
command in a subprocess, and a real bash running the registered completion."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "tcapi"]
BIN = Path(sys.executable).parent


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "TCCLI_"))}
    env.update(HOME=str(home), TCAPI_DISABLE_METADATA="1", PATH=f"{BIN}:{env.get('PATH', '')}")
    return env


def complete(home: Path, line: str) -> list[str]:
    """The candidates ``tcapi`` offers for ``line`` (the cursor at its end)."""
    out = home / "candidates"
    env = {
        **_env(home),
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_SHELL": "bash",
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
    }
    result = subprocess.run(CLI, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # completion prints nothing on the terminal
    text = out.read_text()
    out.unlink()
    return [c.strip() for c in text.split("\n") if c.strip()]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("tcapi mq", ["mqtt"]),
        ("tcapi conf", ["config", "configure"]),  # a service, and the command
        ("tcapi configure ", ["list", "set", "get"]),
        ("tcapi configure set reg", ["region"]),
        ("tcapi completion ", ["bash", "zsh", "fish"]),
        ("tcapi mqtt CreateDeviceId", ["CreateDeviceIdentity"]),
        ("tcapi mqtt create-device-id", ["create-device-identity"]),
        ("tcapi mqtt CreateDeviceIdentity --Dev", ["--DeviceId"]),
        ("tcapi mqtt create-device-identity --dev", ["--device-id"]),
        ("tcapi mqtt create-device-identity --instance-id x --prim", ["--primary-key"]),
        ("tcapi mqtt DescribeInstanceList --output ", ["json", "yaml", "table", "text"]),
        ("tcapi mqtt DescribeInstanceList --api-version ", ["2024-05-16"]),
        ("tcapi mqtt DescribeInstanceList --pag", ["--paginate"]),
        ("tcapi mqtt wait ", ["InstanceReady"]),
        ("tcapi mqtt wait i", ["instance-ready"]),
        ("tcapi mqtt wait InstanceReady --Inst", ["--InstanceId"]),
        ("tcapi mqtt DescribeInstance --InstanceId x --waiter ", ["InstanceReady"]),
        ("tcapi sts AssumeRoleWith", ["AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"]),
        ("tcapi sts AssumeRole --RoleS", ["--RoleSessionName"]),
        ("tcapi cvm DescribeInstancesSt", ["DescribeInstancesStatus"]),
    ],
)
def test_candidates(tmp_path: Path, line: str, expected: list[str]) -> None:
    assert sorted(complete(tmp_path, line)) == sorted(expected)


def test_actions_in_the_spelling_typed(tmp_path: Path) -> None:
    pascal = complete(tmp_path, "tcapi mqtt ")
    assert "CreateDeviceIdentity" in pascal and "help" in pascal and "wait" in pascal
    assert "create-device-identity" not in pascal
    assert len(pascal) == 80 + 2  # every action, help and wait
    kebab = complete(tmp_path, "tcapi mqtt d")
    assert kebab and all(c.startswith("d") and c == c.lower() for c in kebab)
    assert "describe-instance-list" in kebab
    assert complete(tmp_path, "tcapi nosuchservice Desc") == []


def test_profiles_are_offered(tmp_path: Path) -> None:
    folder = tmp_path / ".tccli"
    folder.mkdir()
    for name in ("default", "work"):
        (folder / f"{name}.credential").write_text("{}")
    assert complete(tmp_path, "tcapi mqtt DescribeInstanceList --profile ") == ["default", "work"]


def test_a_real_bash_completes_through_the_registered_script(tmp_path: Path) -> None:
    assert (BIN / "tcapi").exists(), "the tcapi console script is installed beside python"
    script = subprocess.run(
        [*CLI, "completion", "bash"], env=_env(tmp_path), capture_output=True, text=True,
        timeout=60, check=True,
    ).stdout  # fmt: skip
    (tmp_path / "tcapi.bash").write_text(script)
    probe = r"""
source "$1"
complete -p tcapi
run() {
    COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
    read -r -a COMP_WORDS <<< "$COMP_LINE"
    [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMPREPLY=()
    _python_argcomplete tcapi "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    echo "$1 => ${COMPREPLY[*]}"
}
run "tcapi mq"
run "tcapi mqtt CreateDeviceIden"
run "tcapi mqtt CreateDeviceIdentity --DeviceI"
run "tcapi sts assume-role --role-s"
"""
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(
        [bash, "-c", probe, "probe", str(tmp_path / "tcapi.bash")],
        env=_env(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("complete ") and lines[0].endswith(" tcapi")
    got = dict(line.split(" => ", 1) for line in lines[1:])
    assert got["tcapi mq"].strip() == "mqtt"
    assert got["tcapi mqtt CreateDeviceIden"].strip() == "CreateDeviceIdentity"
    assert got["tcapi mqtt CreateDeviceIdentity --DeviceI"].strip() == "--DeviceId"
    assert got["tcapi sts assume-role --role-s"].strip() == "--role-session-name"


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts(tmp_path: Path, shell: str) -> None:
    """No zsh or fish on the test machines: the registration each one sources names
    tcapi and asks argcomplete's protocol (the same as bash's, tested above)."""
    script = subprocess.run(
        [*CLI, "completion", shell], env=_env(tmp_path), capture_output=True, text=True,
        timeout=60, check=True,
    ).stdout  # fmt: skip
    assert "tcapi" in script and "_ARGCOMPLETE" in script
    assert ("compdef" in script) if shell == "zsh" else ("complete --command tcapi" in script)


def test_completion_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "completion", "tcsh"], env=_env(tmp_path), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "usage: tcapi completion bash|zsh|fish" in result.stderr
