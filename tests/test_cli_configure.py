"""``tcapi configure``: the real command in subprocesses (a pseudo-terminal for the
hidden prompt), the files it writes read back by the library and used by calls."""

from __future__ import annotations

import json
import os
import pty
import select
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tcapi.credentials import DefaultCredentialChain
from tcapi.emulator import Emulator

CLI = [sys.executable, "-m", "tcapi"]
SECRET_ID = "AKIDcliConfigure0000001"
SECRET_KEY = "cliConfigureSecretKey0000000042"


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "TCCLI_", "TKE_"))
    }
    env.update(HOME=str(home), TCAPI_DISABLE_METADATA="1")
    return env


def configure(
    home: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "configure", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env or _env(home),
        timeout=60,
        check=False,
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_answers_from_stdin_write_tccli_files_0600(tmp_path: Path) -> None:
    answers = f"{SECRET_ID}\n{SECRET_KEY}\nap-shanghai\ntable\n"
    result = configure(tmp_path, stdin=answers)
    assert result.returncode == 0, result.stderr
    assert SECRET_KEY not in result.stdout + result.stderr
    folder = tmp_path / ".tccli"
    assert _mode(folder) == 0o700
    cred, conf = folder / "default.credential", folder / "default.configure"
    assert _mode(cred) == 0o600 and _mode(conf) == 0o600
    assert json.loads(cred.read_text()) == {"secretId": SECRET_ID, "secretKey": SECRET_KEY}
    assert json.loads(conf.read_text())["_sys_param"] == {
        "region": "ap-shanghai",
        "output": "table",
        "arrayCount": 10,
        "warning": "off",
    }
    assert sorted(p.name for p in folder.iterdir()) == ["default.configure", "default.credential"]

    # Enter keeps each value; the current ones are shown masked
    again = configure(tmp_path, stdin="\n\nap-beijing\n\n")
    assert again.returncode == 0, again.stderr
    assert "SecretId [****0001]" in again.stdout and "SecretKey [****0042]" in again.stdout
    assert SECRET_KEY not in again.stdout and SECRET_ID not in again.stdout
    assert json.loads(cred.read_text())["secretKey"] == SECRET_KEY
    assert json.loads(conf.read_text())["_sys_param"]["region"] == "ap-beijing"


def test_the_library_reads_what_configure_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = configure(tmp_path, "set", "secretId", SECRET_ID, "secret_key", SECRET_KEY,
                     "--profile", "lib")  # fmt: skip
    assert done.returncode == 0, done.stderr
    for var in [k for k in os.environ if k.startswith(("TENCENTCLOUD_", "TCCLI_"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TCAPI_DISABLE_METADATA", "1")
    cred = DefaultCredentialChain(profile="lib").get_credential()
    assert (cred.secret_id, cred.secret_key, cred.token) == (SECRET_ID, SECRET_KEY, None)


def test_set_keeps_other_keys_of_tccli_files(tmp_path: Path) -> None:
    folder = tmp_path / ".tccli"
    folder.mkdir()
    conf = folder / "default.configure"
    conf.write_text(json.dumps({
        "_sys_param": {"arrayCount": 10, "warning": "off", "region": "ap-guangzhou"},
        "cvm": {"endpoint": "cvm.tencentcloudapi.com", "version": "2017-03-12"},
        "output": "text",
    }))  # fmt: skip
    result = configure(tmp_path, "set", "region", "ap-nanjing", "output", "yaml")
    assert result.returncode == 0, result.stderr
    data = json.loads(conf.read_text())
    assert data == {
        "_sys_param": {
            "arrayCount": 10,
            "warning": "off",
            "region": "ap-nanjing",
            "output": "yaml",
        },
        "cvm": {"endpoint": "cvm.tencentcloudapi.com", "version": "2017-03-12"},
    }
    assert _mode(conf) == 0o600
    got = configure(tmp_path, "get", "output")
    assert got.returncode == 0 and got.stdout == "yaml\n"


def test_list_masks_secrets_and_marks_the_active_profile(tmp_path: Path) -> None:
    assert (
        configure(tmp_path, "set", "secretId", SECRET_ID, "secretKey", SECRET_KEY).returncode == 0
    )
    other = configure(tmp_path, "set", "region", "ap-chengdu", "--profile", "work")
    assert other.returncode == 0
    ini = tmp_path / ".tencentcloud" / "credentials"
    ini.parent.mkdir()
    ini.write_text(f"[sdk]\nsecret_id = AKIDiniProfile00009999\nsecret_key = {SECRET_KEY}x\n")
    listed = configure(tmp_path, "list", env={**_env(tmp_path), "TCCLI_PROFILE": "work"})
    assert listed.returncode == 0, listed.stderr
    shown = listed.stdout + listed.stderr
    for secret in (SECRET_ID, SECRET_KEY, "AKIDiniProfile00009999"):
        assert secret not in shown
    rows = {line.split()[1] if line.startswith("*") else line.split()[0]: line
            for line in listed.stdout.splitlines()[1:]}  # fmt: skip
    assert set(rows) == {"default", "work", "sdk"}
    assert rows["default"].split()[:3] == ["default", "****0001", "****0042"]
    assert rows["work"].startswith("*") and "ap-chengdu" in rows["work"]
    assert str(ini) in rows["sdk"] and "****9999" in rows["sdk"]
    masked = configure(tmp_path, "get", "secretKey")
    assert masked.stdout == "****0042\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set", "colour", "red"], "unknown key 'colour': the keys are secretId, secretKey"),
        (["set", "region"], "usage: tcapi configure set KEY VALUE"),
        (["set", "output", "xml"], "output must be one of json, yaml, table, text"),
        (["set", "secretId", "has space"], "secretId must be printable ASCII"),
        (["get", "region"], "region is not set in profile 'default'"),
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["list", "--profile", "../etc"], "bad profile name '../etc'"),
    ],
)
def test_mistakes_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = configure(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / ".tccli").exists() or not any((tmp_path / ".tccli").iterdir())


def _read_some(fd: int) -> bytes | None:
    """What the terminal printed within a second: None for nothing yet, b"" at its end."""
    ready, _, _ = select.select([fd], [], [], 1.0)
    if not ready:
        return None
    try:
        return os.read(fd, 1024)
    except OSError:  # the child closed the terminal
        return b""


def test_the_secret_key_prompt_does_not_echo(tmp_path: Path) -> None:
    """On a real terminal (a pseudo-terminal here), the SecretKey typed never shows."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command on the terminal
        os.execve(sys.executable, [*CLI, "configure"], _env(tmp_path))
    seen = b""
    answers = [SECRET_ID.encode(), SECRET_KEY.encode(), b"ap-guangzhou", b"json"]
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            chunk = _read_some(fd)
            if chunk is None:
                continue
            if not chunk:
                break  # the command ended
            seen += chunk
            if answers and seen.rstrip().endswith(b":"):
                os.write(fd, answers.pop(0) + b"\n")
                time.sleep(0.2)  # let the terminal echo (or not) before the next prompt
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    text = seen.decode(errors="replace")
    assert "SecretKey [None]:" in text
    assert SECRET_ID in text  # the SecretId answer echoes, as typed ...
    assert SECRET_KEY not in text  # ... the SecretKey does not
    cred = json.loads((tmp_path / ".tccli" / "default.credential").read_text())
    assert cred["secretKey"] == SECRET_KEY


def test_calls_use_the_profile_region_and_output(tmp_path: Path) -> None:
    with Emulator() as emu:
        args = ["set", "secretId", emu.secret_id, "secretKey", emu.secret_key,
                "region", "ap-singapore", "output", "text", "--profile", "emu"]  # fmt: skip
        assert configure(tmp_path, *args).returncode == 0
        call = subprocess.run(
            [*CLI, "mqtt", "DescribeInstanceList", "--profile", "emu", "--endpoint", emu.endpoint],
            capture_output=True, text=True, env=_env(tmp_path), timeout=60, check=False,
        )  # fmt: skip
        assert call.returncode == 0, call.stderr
        assert "TotalCount\t0" in call.stdout.splitlines()  # the text output
        assert [r.region for r in emu.requests] == ["ap-singapore"]
        flagged = subprocess.run(
            [*CLI, "mqtt", "DescribeInstanceList", "--profile", "emu", "--endpoint", emu.endpoint,
             "--region", "ap-tokyo", "--output", "json"],
            capture_output=True, text=True, env=_env(tmp_path), timeout=60, check=False,
        )  # fmt: skip
        assert flagged.returncode == 0 and json.loads(flagged.stdout)["TotalCount"] == 0
        assert emu.requests[-1].region == "ap-tokyo"


# -- what the files look like on disk, and who else reads them ------------------------


def test_token_is_written_shown_masked_and_read_by_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "cliConfigureToken00000000000077"
    done = configure(tmp_path, "set", "secretId", SECRET_ID, "secretKey", SECRET_KEY,
                     "token", token)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = configure(tmp_path, "get", "token")
    assert got.returncode == 0 and got.stdout == "****0077\n"
    assert token not in got.stdout + got.stderr
    for var in [k for k in os.environ if k.startswith(("TENCENTCLOUD_", "TCCLI_"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TCAPI_DISABLE_METADATA", "1")
    cred = DefaultCredentialChain().get_credential()
    assert (cred.secret_id, cred.secret_key, cred.token) == (SECRET_ID, SECRET_KEY, token)
    assert token not in repr(cred) and SECRET_KEY not in repr(cred)
    # an empty value removes the key
    assert configure(tmp_path, "set", "token", "").returncode == 0
    data = json.loads((tmp_path / ".tccli" / "default.credential").read_text())
    assert data == {"secretId": SECRET_ID, "secretKey": SECRET_KEY}


def _under_umask_0(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", "-c", 'umask 000 && exec "$@"', "sh", *CLI, "configure", *args],
        capture_output=True, text=True, env=_env(home), timeout=60, check=False,
    )  # fmt: skip


def test_0600_and_0700_even_under_a_permissive_umask(tmp_path: Path) -> None:
    done = _under_umask_0(tmp_path, "set", "secretId", SECRET_ID, "region", "ap-hongkong")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / ".tccli"
    assert _mode(folder) == 0o700
    assert {p.name: _mode(p) for p in folder.iterdir()} == {
        "default.credential": 0o600,
        "default.configure": 0o600,
    }


def test_a_world_readable_file_is_replaced_whole_keeping_its_other_keys(tmp_path: Path) -> None:
    """tccli writes its files with the umask's mode (often 0644): rewriting one gives
    a new file (a new inode, renamed over the old) of mode 0600 with the keys kept."""
    folder = tmp_path / ".tccli"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    cred = folder / "default.credential"
    cred.write_text(json.dumps({"secretId": "AKIDold", "secretKey": "old", "comment": "kept"}))
    cred.chmod(0o644)
    before = cred.stat().st_ino
    done = _under_umask_0(tmp_path, "set", "secret_key", SECRET_KEY, "SecretId", SECRET_ID)
    assert done.returncode == 0, done.stderr
    assert json.loads(cred.read_text()) == {
        "secretId": SECRET_ID,
        "secretKey": SECRET_KEY,
        "comment": "kept",
    }
    assert _mode(cred) == 0o600 and cred.stat().st_ino != before
    assert _mode(folder) == 0o755  # a folder that was there is left as it is
    assert [p.name for p in folder.iterdir()] == ["default.credential"]  # no temporary left


def test_a_file_that_is_not_json_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / ".tccli"
    folder.mkdir()
    cred = folder / "default.credential"
    cred.write_text("secretId = not json\n")
    result = configure(tmp_path, "set", "secretKey", SECRET_KEY)
    assert result.returncode == 2
    assert f"{cred} is not JSON" in result.stderr and "Traceback" not in result.stderr
    assert SECRET_KEY not in result.stdout + result.stderr
    assert cred.read_text() == "secretId = not json\n"
    assert [p.name for p in folder.iterdir()] == ["default.credential"]


def test_answers_ending_early_write_nothing(tmp_path: Path) -> None:
    result = configure(tmp_path, stdin=f"{SECRET_ID}\n")
    assert result.returncode == 2
    assert "stdin ended before every value was answered" in result.stderr
    assert not (tmp_path / ".tccli" / "default.credential").exists()
    assert SECRET_ID not in result.stdout + result.stderr  # answers are not echoed


@pytest.mark.parametrize(
    ("flag", "environment", "chosen"),
    [
        (None, {}, "default"),
        (None, {"TCCLI_PROFILE": "cli"}, "cli"),
        (None, {"TENCENTCLOUD_PROFILE": "tf", "TCCLI_PROFILE": "cli"}, "tf"),
        ("flag", {"TENCENTCLOUD_PROFILE": "tf", "TCCLI_PROFILE": "cli"}, "flag"),
    ],
)
def test_the_profile_is_chosen_as_the_library_chooses_it(
    tmp_path: Path, flag: str | None, environment: dict[str, str], chosen: str
) -> None:
    args = ["set", "region", "ap-seoul", *(["--profile", flag] if flag else [])]
    result = configure(tmp_path, *args, env={**_env(tmp_path), **environment})
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / ".tccli").iterdir()] == [f"{chosen}.configure"]


def test_profile_region_and_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tcapi._configure import profile_output, profile_region

    for var in [k for k in os.environ if k.startswith(("TENCENTCLOUD_", "TCCLI_"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert (profile_region(None), profile_output(None)) == (None, None)
    folder = tmp_path / ".tccli"
    folder.mkdir()
    (folder / "default.configure").write_text(
        json.dumps({"_sys_param": {"region": "ap-mumbai", "output": "table", "arrayCount": 10}})
    )
    (folder / "old.configure").write_text(json.dumps({"region": "ap-bangkok"}))  # older layout
    (folder / "broken.configure").write_text("{")
    assert (profile_region(None), profile_output(None)) == ("ap-mumbai", "table")
    assert (profile_region("old"), profile_output("old")) == ("ap-bangkok", None)
    assert (profile_region("broken"), profile_region("missing")) == (None, None)
    monkeypatch.setenv("TCCLI_PROFILE", "old")
    assert profile_region(None) == "ap-bangkok"


def test_secrets_stay_out_of_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from tcapi._configure import run_configure

    monkeypatch.setenv("HOME", str(tmp_path))
    for bad in (f"{SECRET_KEY} x", f"{SECRET_KEY}\tx", f"{SECRET_KEY}\u00e9"):
        out, err = io.StringIO(), io.StringIO()
        code = run_configure(["set", "secretKey", bad], profile="p", out=out, err=err)
        assert code == 2 and err.getvalue().startswith("tcapi configure: secretKey must be")
        assert SECRET_KEY not in out.getvalue() + err.getvalue()
    assert not (tmp_path / ".tccli").exists()


def test_a_value_typed_as_key_is_not_echoed(tmp_path: Path) -> None:
    for args, message in [
        (["set", f"secretKey={SECRET_KEY}", "x"], "write secretKey VALUE, not secretKey=VALUE"),
        (["set", SECRET_KEY, "secretKey"], "unknown key (not shown): the keys are"),
        (["get", f"colour={SECRET_KEY}"], "unknown key 'colour'"),
    ]:
        result = configure(tmp_path, *args)
        assert result.returncode == 2 and message in result.stderr
        assert SECRET_KEY not in result.stdout + result.stderr


def test_a_profile_of_the_ini_file_comes_first_and_is_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library reads the official SDK's INI file before tccli's: configure says
    so when it writes keys the INI file's profile hides, and list marks that row."""
    ini = tmp_path / ".tencentcloud" / "credentials"
    ini.parent.mkdir()
    ini.write_text("[default]\nsecret_id = AKIDiniProfile00009999\nsecret_key = iniKey0000000099\n")
    done = configure(tmp_path, "set", "secretId", SECRET_ID, "secretKey", SECRET_KEY)
    assert done.returncode == 0, done.stderr
    assert f"profile [default] of {ini} comes first" in done.stderr
    rows = configure(tmp_path, "list").stdout.splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["default", "*"]  # the INI row is the active one
    assert str(ini) in rows[1]
    for var in [k for k in os.environ if k.startswith(("TENCENTCLOUD_", "TCCLI_"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TCAPI_DISABLE_METADATA", "1")
    assert DefaultCredentialChain().get_credential().secret_id == "AKIDiniProfile00009999"
    quiet = configure(tmp_path, "set", "region", "ap-tokyo")  # no keys written: no note
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_yaml_output_warns_that_tccli_cannot_use_it(tmp_path: Path) -> None:
    result = configure(tmp_path, "set", "output", "yaml")
    assert result.returncode == 0
    assert "tccli knows no output 'yaml'" in result.stderr
    assert configure(tmp_path, "set", "output", "table").stderr == ""
