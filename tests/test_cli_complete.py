"""Shell completion of ``tcapi`` (runtime/_cli_complete.py), run for real: argcomplete's
protocol answered by a subprocess, and a real bash running the registered completion.

Until ``cli.main()`` calls ``autocomplete()`` and ``tcapi completion SHELL`` prints
:func:`completion_script`, the tests run the module itself (``ENTRY``, ``SCRIPT``);
then both become the console script (see the two constants).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tcapi.cli import installed_services, load_service, versions

ENTRY = [sys.executable, "-m", "tcapi"]
"""What a shell runs on Tab: the command itself, with ``_ARGCOMPLETE`` set."""
SCRIPT = [sys.executable, "-m", "tcapi", "completion"]
"""Prints the registration of the shell named next."""
TIMEOUT = 60


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TENCENTCLOUD_", "TCCLI_", "_ARGCOMPLETE", "_ARC_", "COMP_"))
    }
    env.update(HOME=str(home), TCAPI_DISABLE_METADATA="1")
    return env


def _run(
    home: Path, args: list[str], env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        env={**_env(home), **(env or {})},
        cwd=home,  # not the checkout: nothing in it shadows the installed package
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def complete(home: Path, line: str, shell: str = "bash") -> list[str]:
    """The candidates offered for ``line`` (the cursor at its end), as the shell's
    registration asks for them, read from argcomplete's output file."""
    out = home / "candidates"
    env = {
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_SHELL": shell,
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_SUPPRESS_SPACE": "1",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
    }
    if shell == "fish":
        env["_ARGCOMPLETE_DFS"] = "\t"
    result = _run(home, ENTRY, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # nothing on the terminal
    text = out.read_text()
    out.unlink()
    return [c for c in text.split("\n") if c]


def _members(service: str, action: str) -> list[tuple[str, str]]:
    """(PascalCase, kebab) flags of an action's parameters, from the schema."""
    schema = load_service(service, None)
    members = schema.members(schema.actions[action].input)
    return [(f"--{m.wire}", f"--{m.py.replace('_', '-')}") for m in members]


# -- argcomplete's protocol ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # services and commands
        ("tcapi mq", ["mqtt"]),
        ("tcapi help mq", ["mqtt"]),
        ("tcapi completion ", ["bash", "zsh", "fish"]),
        ("tcapi configure ", ["list", "set", "get"]),
        ("tcapi configure set reg", ["region"]),
        ("tcapi configure get secret", ["secretId", "secretKey"]),
        ("tcapi configure set output ", ["json", "yaml", "table", "text"]),
        ("tcapi configure set language ", ["en-US", "zh-CN"]),
        ("tcapi configure set region ap-guangzhou la", ["language"]),
        ("tcapi configure list ", []),
        # actions, in the spelling being typed
        ("tcapi mqtt CreateDev", ["CreateDeviceIdentity"]),
        ("tcapi mqtt create-dev", ["create-device-identity"]),
        ("tcapi mqtt CreateJ", ["CreateJWKSAuthenticator", "CreateJWTAuthenticator"]),
        ("tcapi mqtt create-j", ["create-jwks-authenticator", "create-jwt-authenticator"]),
        (
            "tcapi mqtt DescribeDeviceCertificate",
            [
                "DescribeDeviceCertificate",
                "DescribeDeviceCertificateBackupHistory",
                "DescribeDeviceCertificates",
            ],
        ),
        ("tcapi mqtt help CreateDev", ["CreateDeviceIdentity"]),
        ("tcapi help mqtt create-dev", ["create-device-identity"]),
        ("tcapi mqtt h", ["help"]),
        ("tcapi --region ap-guangzhou mqtt CreateDev", ["CreateDeviceIdentity"]),
        ("tcapi mqtt --api-version 2024-05-16 CreateDev", ["CreateDeviceIdentity"]),
        ("tcapi mqtt --api-version 1999-01-01 CreateDev", ["CreateDeviceIdentity"]),
        ("tcapi nosuchservice Desc", []),
        ("tcapi mqtt NoSuchAction --Inst", []),
        # parameters, in the spelling being typed
        ("tcapi mqtt CreateDeviceIdentity --Dev", ["--DeviceId"]),
        ("tcapi mqtt CreateDeviceIdentity --dev", ["--device-id"]),
        ("tcapi mqtt create-device-identity --Dev", ["--DeviceId"]),
        ("tcapi mqtt create-device-identity --instance-id x --prim", ["--primary-key"]),
        ("tcapi mqtt CreateDeviceIdentity --InstanceId x --Inst", []),  # given once
        ("tcapi mqtt CreateDeviceIdentity --instance-id x --Inst", []),  # either spelling
        ("tcapi mqtt DescribeInstanceList --Filters Name=a,Values=b --Fil", ["--Filters"]),
        ("tcapi mqtt CreateDeviceIdentity --InstanceId ", []),  # a value: nothing known
        ("tcapi mqtt CreateInstance --EnablePublic ", ["true", "false"]),
        ("tcapi mqtt CreateInstance --enable-public=t", ["--enable-public=true"]),
        ("tcapi sts AssumeRoleWith", ["AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"]),
        ("tcapi sts AssumeRole --RoleS", ["--RoleSessionName"]),
        ("tcapi sts assume-role --role-s", ["--role-session-name"]),
        # global options and their values
        ("tcapi mqtt DescribeInstanceList --output ", ["json", "yaml", "table", "text"]),
        ("tcapi mqtt DescribeInstanceList --output=t", ["--output=table", "--output=text"]),
        ("tcapi mqtt DescribeInstanceList --language ", ["en-US", "zh-CN"]),
        ("tcapi mqtt DescribeInstanceList --api-version ", versions("tcapi.mqtt")[::-1]),
        ("tcapi mqtt DescribeInstanceList --generate-cli-skeleton ", ["input", "output"]),
        ("tcapi mqtt DescribeInstanceList --pag", ["--paginate"]),
        ("tcapi mqtt CreateDeviceIdentity --pag", []),  # not a paginated action
        ("tcapi mqtt DescribeInstanceList --out", ["--output"]),
        ("tcapi mqtt DescribeInstanceList --dr", ["--dry-run"]),
        ("tcapi mqtt DescribeInstanceList --dry-run --dr", []),
        ("tcapi mqtt DescribeInstanceList --deb", ["--debug"]),
        ("tcapi mqtt DescribeInstanceList --que", ["--query"]),
        ("tcapi mqtt DescribeInstanceList --region ", []),
        ("tcapi --out", ["--output"]),
        # waiters
        ("tcapi mqtt wait ", ["InstanceReady"]),
        ("tcapi mqtt wait i", ["instance-ready"]),
        ("tcapi mqtt wait InstanceReady --Inst", ["--InstanceId"]),
        ("tcapi mqtt wait instance-ready --inst", ["--instance-id"]),
        ("tcapi mqtt wait InstanceReady --wai", ["--waiter-delay", "--waiter-max-attempts"]),
        ("tcapi mqtt DescribeInstance --InstanceId x --waiter ", ["InstanceReady"]),
        ("tcapi mqtt DescribeInstance --waiter i", ["instance-ready"]),
        (
            "tcapi mqtt DescribeInstance --wai",
            ["--waiter", "--waiter-delay", "--waiter-max-attempts"],
        ),
        ("tcapi mqtt CreateDeviceIdentity --waiter ", []),  # no waiter polls it
        ("tcapi sts w", []),  # no waiters: no wait
    ],
)
def test_candidates(tmp_path: Path, line: str, expected: list[str]) -> None:
    assert sorted(complete(tmp_path, line)) == sorted(expected)


def test_services_and_commands(tmp_path: Path) -> None:
    every = complete(tmp_path, "tcapi ")
    assert {"mqtt", "sts", "help", "configure", "completion"} <= set(every)
    assert len(every) == len(set(every))
    assert {"configure", "completion"} <= set(complete(tmp_path, "tcapi co"))
    assert "help" not in complete(tmp_path, "tcapi help ")
    assert "sts" in complete(tmp_path, "tcapi st")
    assert all(c.startswith("st") for c in complete(tmp_path, "tcapi st"))


def test_actions_in_the_spelling_typed(tmp_path: Path) -> None:
    schema = load_service("mqtt", None)
    pascal = complete(tmp_path, "tcapi mqtt ")  # nothing typed: PascalCase
    assert sorted(pascal) == sorted([*schema.actions, "help", "wait"])
    kebab = complete(tmp_path, "tcapi mqtt d")
    assert "describe-instance-list" in kebab and "DescribeInstanceList" not in kebab
    assert all(c.startswith("d") and c == c.lower() for c in kebab)
    assert len(kebab) == sum(1 for a in schema.actions if a.startswith("D"))
    upper = complete(tmp_path, "tcapi mqtt D")
    assert sorted(upper) == sorted(a for a in schema.actions if a.startswith("D"))
    sts = load_service("sts", None)
    assert sorted(complete(tmp_path, "tcapi sts ")) == sorted([*sts.actions, "help"])


def test_parameters_in_the_spelling_typed(tmp_path: Path) -> None:
    members = _members("mqtt", "CreateDeviceIdentity")
    pascal = [p for p, _ in members]
    kebab = [k for _, k in members]
    # right after the action: its parameters (PascalCase), not the global options
    assert sorted(complete(tmp_path, "tcapi mqtt CreateDeviceIdentity ")) == sorted(pascal)
    assert sorted(complete(tmp_path, "tcapi mqtt create-device-identity ")) == sorted(pascal)
    after = complete(tmp_path, "tcapi mqtt CreateDeviceIdentity --InstanceId x ")
    assert sorted(after) == sorted(set(pascal) - {"--InstanceId"})
    # "--": every parameter (PascalCase) and every global option, once each
    dashes = complete(tmp_path, "tcapi mqtt CreateDeviceIdentity --")
    assert set(pascal) <= set(dashes) and not set(kebab) & set(dashes) - set(pascal)
    assert {"--region", "--output", "--query", "--dry-run", "--debug"} <= set(dashes)
    assert "--paginate" not in dashes and "--waiter" not in dashes  # neither applies
    assert len(dashes) == len(set(dashes))
    lower = complete(tmp_path, "tcapi mqtt CreateDeviceIdentity --p")
    assert sorted(lower) == sorted([*(k for k in kebab if k.startswith("--p")), "--profile"])


def test_a_member_named_as_a_global_option(tmp_path: Path) -> None:
    """cvm RunInstances has DryRun, whose kebab name is the global --dry-run: the
    command line reads --dry-run as the global option, so DryRun is --DryRun only."""
    assert ("--DryRun", "--dry-run") in _members("cvm", "RunInstances")
    assert complete(tmp_path, "tcapi cvm RunInstances --Dry") == ["--DryRun"]
    assert complete(tmp_path, "tcapi cvm run-instances --dry") == ["--dry-run"]
    assert "--DryRun" in complete(tmp_path, "tcapi cvm RunInstances ")


def test_profiles_are_offered(tmp_path: Path) -> None:
    tccli = tmp_path / ".tccli"
    tccli.mkdir()
    (tccli / "default.credential").write_text("{}")
    (tccli / "work.configure").write_text(json.dumps({"_sys_param": {"region": "ap-beijing"}}))
    ini = tmp_path / ".tencentcloud"
    ini.mkdir()
    (ini / "credentials").write_text("[ci]\nsecret_id = x\nsecret_key = y\n")
    line = "tcapi mqtt DescribeInstanceList --profile "
    assert complete(tmp_path, line) == ["ci", "default", "work"]
    assert complete(tmp_path, "tcapi configure --profile w") == ["work"]


def test_zsh_and_fish_get_descriptions(tmp_path: Path) -> None:
    title = load_service("mqtt", None).actions["CreateDeviceIdentity"].title
    assert title
    assert complete(tmp_path, "tcapi mqtt CreateDev", "zsh") == [f"CreateDeviceIdentity:{title}"]
    assert complete(tmp_path, "tcapi mqtt CreateDev", "fish") == [f"CreateDeviceIdentity\t{title}"]
    [param] = complete(tmp_path, "tcapi mqtt CreateDeviceIdentity --Dev", "zsh")
    assert param == "--DeviceId:string, required"
    [option] = complete(tmp_path, "tcapi mqtt DescribeInstanceList --outp", "fish")
    assert option == "--output\toutput format"


def test_only_the_named_service_is_loaded(tmp_path: Path) -> None:
    """Every Tab imports the schema of at most the one service on the line."""
    log = tmp_path / "imported"
    probe = f"""
import runpy, sys
class Log:
    def find_spec(self, name, path=None, target=None):
        if name.startswith("tcapi."):
            with open({str(log)!r}, "a") as f:
                f.write(name + "\\n")
        return None
sys.meta_path.insert(0, Log())
runpy.run_module("tcapi", run_name="__main__")
"""

    def imported(line: str) -> list[str]:
        log.write_text("")
        env = {
            "_ARGCOMPLETE": "1",
            "_ARGCOMPLETE_IFS": "\n",
            "_ARGCOMPLETE_STDOUT_FILENAME": str(tmp_path / "out"),
            "COMP_LINE": line,
            "COMP_POINT": str(len(line)),
        }
        result = _run(tmp_path, [sys.executable, "-c", probe], env)
        assert result.returncode == 0, result.stderr
        return log.read_text().split()

    packages = set(installed_services().values())

    def services(names: list[str]) -> set[str]:
        """The service packages (``tcapi.mqtt``) among the modules imported."""
        return {p for p in packages for n in names if n == p or n.startswith(f"{p}.")}

    assert services(imported("tcapi mq")) == set()
    schema = load_service("mqtt", None)
    for line in [
        "tcapi mqtt CreateDev",
        "tcapi mqtt CreateDeviceIdentity --Dev",
        "tcapi mqtt DescribeInstanceList --api-version ",
        "tcapi mqtt wait InstanceReady --Inst",
    ]:
        names = imported(line)
        assert services(names) == {"tcapi.mqtt"}, line
        assert [n for n in names if n.endswith("._schema")] == [f"{schema.package}._schema"]


def test_without_argcomplete(tmp_path: Path) -> None:
    hide = "import sys; sys.modules['argcomplete'] = None; "
    script = hide + "from tcapi._cli_complete import completion_script; completion_script('bash')"
    result = _run(tmp_path, [sys.executable, "-c", script])
    assert result.returncode == 1
    assert "completion needs the argcomplete library: pip install 'tcapi[cli]'" in result.stderr
    # a Tab once completion was set up: no candidates, nothing printed, a failure code
    answer = hide + "from tcapi._cli_complete import autocomplete; autocomplete()"
    env = {"_ARGCOMPLETE": "1", "COMP_LINE": "tcapi mq", "COMP_POINT": "8"}
    result = _run(tmp_path, [sys.executable, "-c", answer], env)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")


def test_no_request_no_answer(tmp_path: Path) -> None:
    """Without _ARGCOMPLETE, autocomplete() returns (the command goes on as usual)."""
    code = "from tcapi._cli_complete import autocomplete; autocomplete(); print('went on')"
    result = _run(tmp_path, [sys.executable, "-c", code])
    assert (result.returncode, result.stdout) == (0, "went on\n"), result.stderr


# -- the shells --------------------------------------------------------------------


def _script(home: Path, shell: str) -> str:
    result = _run(home, [*SCRIPT, shell])
    assert result.returncode == 0, result.stderr
    return result.stdout


def _tcapi_on_path(home: Path) -> str:
    """A PATH whose ``tcapi`` answers completion requests as ``ENTRY`` does."""
    folder = home / "bin"
    folder.mkdir()
    tcapi = folder / "tcapi"
    tcapi.write_text(f'#!/bin/sh\nexec {shlex.join(ENTRY)} "$@"\n')
    tcapi.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"


def test_a_real_bash_completes_through_the_registered_script(tmp_path: Path) -> None:
    (tmp_path / "tcapi.bash").write_text(_script(tmp_path, "bash"))
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
    echo "$1=>$(printf '%s|' "${COMPREPLY[@]}")"
}
run "tcapi mq"
run "tcapi mqtt CreateDev"
run "tcapi mqtt create-j"
run "tcapi mqtt CreateDeviceIdentity --Dev"
run "tcapi mqtt DescribeInstanceList --output "
run "tcapi sts assume-role --role-s"
run "tcapi mqtt NoSuchAction --Inst"
run "tcapi mqtt DescribeInstanceList --output=t"
run "tcapi mqtt CreateDeviceIdentity --InstanceId 'a b' "
"""
    bash = shutil.which("bash")
    assert bash is not None, "bash is on every machine this runs on"
    result = _run(
        tmp_path,
        [bash, "--norc", "--noprofile", "-c", probe, "probe", str(tmp_path / "tcapi.bash")],
        {"PATH": _tcapi_on_path(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first.startswith("complete ") and first.endswith(" tcapi")
    assert "_python_argcomplete" in first
    got = {line: sorted(c.strip() for c in cands.split("|") if c) for line, cands in (
        r.split("=>", 1) for r in rest
    )}  # fmt: skip
    assert got == {
        "tcapi mq": ["mqtt"],
        "tcapi mqtt CreateDev": ["CreateDeviceIdentity"],
        "tcapi mqtt create-j": ["create-jwks-authenticator", "create-jwt-authenticator"],
        "tcapi mqtt CreateDeviceIdentity --Dev": ["--DeviceId"],
        "tcapi mqtt DescribeInstanceList --output ": ["json", "table", "text", "yaml"],
        "tcapi sts assume-role --role-s": ["--role-session-name"],
        "tcapi mqtt NoSuchAction --Inst": [],
        "tcapi mqtt DescribeInstanceList --output=t": ["table", "text"],  # after bash's "="
        "tcapi mqtt CreateDeviceIdentity --InstanceId 'a b' ": sorted(
            p for p, _ in _members("mqtt", "CreateDeviceIdentity") if p != "--InstanceId"
        ),
    }


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts(tmp_path: Path, shell: str) -> None:
    """Neither shell is on the test machines: the registration each one sources names
    tcapi and asks argcomplete's protocol (answered above, descriptions included)."""
    script = _script(tmp_path, shell)
    assert "tcapi" in script and "_ARGCOMPLETE" in script
    if shell == "zsh":
        assert "compdef _python_argcomplete tcapi" in script
        assert '_ARGCOMPLETE_SHELL="zsh"' in script
    else:
        assert "complete --command tcapi" in script
        assert "_ARGCOMPLETE_SHELL fish" in script and "_ARGCOMPLETE_DFS" in script


def test_unknown_shell(tmp_path: Path) -> None:
    code = "from tcapi._cli_complete import completion_script; completion_script('tcsh')"
    result = _run(tmp_path, [sys.executable, "-c", code])
    assert result.returncode == 1
    assert "no completion for shell 'tcsh': one of bash, zsh, fish" in result.stderr


def test_completion_usage_error(tmp_path: Path) -> None:
    """``tcapi completion`` with no shell it knows: a usage error (the console script)."""
    result = _run(tmp_path, [sys.executable, "-m", "tcapi", "completion", "tcsh"])
    assert result.returncode == 2 and "usage: tcapi completion bash|zsh|fish" in result.stderr
