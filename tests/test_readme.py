"""README.md as a new user reads it: every Python code block runs as written against
the embedded emulator, the calls its prose shows name real parameters, and CI runs
the README's test command.

A block written for a real account is adapted through SUBSTITUTIONS only: exact
pieces of its text (credentials, endpoints) swapped for the emulator's, each of
which must still be in the README. A fragment that uses names the prose around it
introduces gets them defined by its test (the streaming block's ``client`` and
``msgs``; GIVEN_PLUGIN for the plugin block's ``my_provisioning_code``). The rest is
the README's code, run in-process (the plugin block by pytest in a subprocess).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import typing
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

import tcapi
from tcapi import AssumeRoleProvider
from tcapi.emulator import Emulator
from tcapi.emulator.services.sts import sts_service
from tcapi.hunyuan import HunyuanClient
from tcapi.hunyuan import models as hunyuan_models
from tcapi.mqtt import MqttClient

from .seeds import DOC_INSTANCE, seed_doc_instance

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
TEXT = README.read_text(encoding="utf-8")
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\n(?P<body>.*?)^(?P=indent)```$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    line: int
    lang: str
    code: str

    @property
    def where(self) -> str:
        return f"README.md:{self.line}"


def blocks(lang: str) -> list[Block]:
    """The fenced code blocks in ``lang``, dedented (some sit in list items)."""
    return [
        Block(
            TEXT.count("\n", 0, m.start()) + 2,
            m["lang"],
            textwrap.dedent(m["body"]),
        )
        for m in FENCE.finditer(TEXT)
        if m["lang"] == lang
    ]


# Each Python block is found by a line only it has.
USAGE = "with MqttClient(credential=Credential("
STREAM = "with client.chat_completions_stream("
ASSUME_ROLE = "role = AssumeRoleProvider("
EMULATOR = "with Emulator(instance_ready_delay=0.5) as emu:"
PLUGIN = "def test_my_code(tcapi_emulator_clean):"

SUBSTITUTIONS: dict[str, dict[str, str]] = {
    # The README's placeholder keys and the real endpoints → the emulator's.
    USAGE: {
        'Credential("AKID...", "secret")': "Credential(emulator.secret_id, emulator.secret_key)",
        'region="ap-guangzhou") as client:': (
            'region="ap-guangzhou", endpoint=emulator.endpoint) as client:'
        ),
    },
    ASSUME_ROLE: {
        'source=Credential("AKID...", "..."),': (
            "source=Credential(emulator.secret_id, emulator.secret_key),"
            " endpoint=emulator.endpoint,"
        ),
        'region="ap-guangzhou") as client:': (
            'region="ap-guangzhou", endpoint=emulator.endpoint) as client:'
        ),
    },
    STREAM: {},
    EMULATOR: {},
    PLUGIN: {},
}

GIVEN_PLUGIN = '''\
def my_provisioning_code(client, iid):
    """What the README leaves to the reader: here, one enabled device identity."""
    client.create_device_identity(instance_id=iid, device_id="d1", status="1")
'''
"""Prepended to the pytest plugin block, which calls the reader's own code."""


def block(marker: str) -> Block:
    (found,) = [b for b in blocks("python") if marker in b.code]
    return found


def adapted(marker: str) -> tuple[Block, str]:
    """The block and its code after SUBSTITUTIONS; each must apply exactly once."""
    found = block(marker)
    code = found.code
    for old, new in SUBSTITUTIONS[marker].items():
        assert code.count(old) == 1, f"{found.where}: {old!r} is no longer in the block"
        code = code.replace(old, new)
    return found, code


def run(marker: str, **given: Any) -> tuple[dict[str, Any], str]:
    """Execute the adapted block with ``given`` names defined; its globals and stdout."""
    found, code = adapted(marker)
    namespace: dict[str, Any] = {"__name__": "readme", **given}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, found.where, "exec"), namespace)
    return namespace, out.getvalue()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        seed_doc_instance(emu)
        yield emu


# --------------------------------------------------------------------------- blocks


def test_every_python_block_is_run_here() -> None:
    """A block added to the README without a test here fails this."""
    markers = [[m for m in SUBSTITUTIONS if m in b.code] for b in blocks("python")]
    assert all(len(m) == 1 for m in markers), markers
    assert sorted(m for (m,) in markers) == sorted(SUBSTITUTIONS)


def test_usage_creates_the_identity_then_catches_the_duplicate(emulator: Emulator) -> None:
    _, out = run(USAGE, emulator=emulator)
    created, duplicate = out.splitlines()
    first, second = (r for r in emulator.requests if r.action == "CreateDeviceIdentity")
    assert created == first.request_id and first.error_code is None
    code, _, rest = duplicate.partition(" ")
    assert code == "UnsupportedOperation.ResourceAlreadyExists" == second.error_code
    assert rest.endswith(second.request_id)
    with emulator.client(MqttClient) as client:
        identity = client.describe_device_identity(instance_id=DOC_INSTANCE, device_id="device-2")
    assert identity.primary_key == "pk1"
    assert [(p.key, p.value) for p in identity.propagating_properties or []] == [("key-1", "key-b")]


def documented_deltas() -> str:
    """The contents of the deltas of the first documented ChatCompletions event stream
    (what the emulator streams), in order."""
    package = HunyuanClient.__module__.rpartition(".")[0]
    examples = json.loads(files(package).joinpath("examples.json").read_text("utf-8"))
    events = next(e["events"] for e in examples["ChatCompletions"] if "events" in e)
    return "".join(e["Choices"][0]["Delta"]["Content"] for e in events)


def test_streaming_prints_each_chunk_as_it_comes(emulator: Emulator) -> None:
    msgs = [hunyuan_models.Message(role="user", content="What is the weather in Beijing?")]
    with (
        warnings.catch_warnings(),  # hunyuan's chat actions are deprecated by their definitions
        emulator.client(HunyuanClient) as client,
    ):
        warnings.simplefilter("ignore", DeprecationWarning)
        _, out = run(STREAM, client=client, msgs=msgs)
    assert "get_current_weather" in out
    assert out == documented_deltas()
    (record,) = emulator.requests
    assert record.action == "ChatCompletions" and record.error_code is None
    assert record.params == {
        "Model": "hunyuan-turbo",
        "Messages": [{"Role": "user", "Content": "What is the weather in Beijing?"}],
        "Stream": True,
    }


def test_assume_role_provider_signs_with_the_role(emulator: Emulator) -> None:
    namespace, _ = run(ASSUME_ROLE, emulator=emulator)
    role = namespace["role"]
    assert isinstance(role, AssumeRoleProvider)
    (issued,) = sts_service(emulator.app).issued
    assert issued.role_arn == "qcs::cam::uin/100000000001:roleName/ops"
    assert issued.role_session_name == "nightly-report"
    assert issued.caller == emulator.secret_id
    assert [(r.action, r.error_code) for r in emulator.requests] == [
        ("AssumeRole", None),
        ("DescribeInstanceList", None),
    ]
    # The client signed with the role's temporary credential (the emulator accepts
    # it with its token only).
    assert role.get_credential().secret_id == issued.tmp_secret_id != emulator.secret_id


def test_emulator_block_creates_and_waits() -> None:
    namespace, out = run(EMULATOR)
    assert out == ""
    emu = namespace["emu"]
    assert isinstance(emu, Emulator) and namespace["iid"].startswith("mqtt-")
    actions = [r.action for r in emu.requests]
    assert actions[0] == "CreateInstance" and actions[-1] == "DescribeInstance"
    assert all(r.error_code is None for r in emu.requests)
    assert sum(emu.fault_counts.values()) == 0  # faults set last, no request after


def test_pytest_plugin_block_passes_as_a_users_test(tmp_path: Path) -> None:
    """The block as a test file of its own, run by pytest with tcapi installed: the
    ``tcapi_emulator_clean`` fixture comes from the plugin, nothing else."""
    found, code = adapted(PLUGIN)
    (tmp_path / "test_users_code.py").write_text(GIVEN_PLUGIN + "\n\n" + code)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_users_code.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{found.where}\n{done.stdout}{done.stderr}"
    assert re.search(r"\b1 passed\b", done.stdout)


# --------------------------------------------------------------------------- prose

CALL = re.compile(r"(?<![\w.<>])(?:(\w+)\.)?(\w+)\(([^()`]*)\)")
RECEIVERS: dict[str | None, Callable[[str], Any]] = {
    None: lambda name: getattr(tcapi, name, None) or _service_client(name),
    "tcapi": lambda name: getattr(tcapi, name, None),
    "client": lambda name: getattr(MqttClient, name, None),
    "cls_client": lambda name: getattr(_service_client("ClsClient"), name, None),
    "cii_client": lambda name: getattr(_service_client("CiiClient"), name, None),
}
"""What an inline call's receiver is: ``client`` is the MQTT client of the Usage
section, ``cls_client`` and ``cii_client`` those services' clients."""


def _service_client(name: str) -> Any:
    """``CvmClient`` → tcapi.cvm.CvmClient (None for other names)."""
    if not re.fullmatch(r"[A-Z][a-z]+Client", name):
        return None
    module = importlib.import_module(f"tcapi.{name.removesuffix('Client').lower()}")
    return getattr(module, name)


def parameters(target: Any) -> set[str] | None:
    """The keyword names ``target`` accepts: a class's through its ``__init__``s
    (``**options`` passed up to the base), a function's from its overloads (a
    generated method's members) or else its signature; None when ``**kwargs``
    leaves it open."""
    if isinstance(target, type):
        names: set[str] = set()
        for cls in target.__mro__:
            if "__init__" not in cls.__dict__:
                continue
            init = inspect.signature(cls.__dict__["__init__"]).parameters.values()
            names |= {p.name for p in init if p.kind is not p.VAR_KEYWORD}
            if all(p.kind is not p.VAR_KEYWORD for p in init):
                return names
        return None
    signatures = [inspect.signature(f) for f in typing.get_overloads(target) or [target]]
    params = [p for signature in signatures for p in signature.parameters.values()]
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params}


def check_inline_calls(markdown: str) -> tuple[list[str], dict[str, list[str]]]:
    """The keywords of tcapi calls in ``markdown``'s inline code spans that their
    callee does not take (one message each), and the keywords checked per callee."""
    wrong: list[str] = []
    checked: dict[str, list[str]] = {}
    for span in re.findall(r"`([^`]+)`", FENCE.sub("", markdown)):
        for receiver, name, args in CALL.findall(span):
            resolve = RECEIVERS.get(receiver or None)
            callee = resolve(name) if resolve else None
            if not callable(callee):
                continue
            keywords = re.findall(r"(?<![\w.])(\w+)=", args)
            accepted = parameters(callee)
            if accepted is None:
                continue
            unknown = [k for k in keywords if k not in accepted]
            if unknown:
                wrong.append(f"`{span}`: {callee.__qualname__} takes no {', '.join(unknown)}")
            checked.setdefault(callee.__qualname__, []).extend(keywords)
    return wrong, checked


def test_inline_calls_name_real_parameters() -> None:
    wrong, checked = check_inline_calls(TEXT)
    assert wrong == []
    # The ones the Credentials and Usage sections document, so the check is not empty.
    for name in (
        "CvmRoleProvider",
        "WebIdentityProvider",
        "ProfileFileProvider",
        "TccliProfileProvider",
        "DefaultCredentialChain",
        "RetryPolicy",
        "Throttle",
        "CvmClient",
        "CommonClient",
    ):
        assert checked.get(name), (name, sorted(checked))


def test_inline_check_catches_a_wrong_keyword() -> None:
    """The check above fails for the mistake the README once had, and for an option
    no client takes (``**options`` followed to the base class)."""
    text = "`AssumeRoleProvider(arn, sts_endpoint=url)` and `CvmClient(regoin=...)`"
    wrong, checked = check_inline_calls(text)
    assert wrong == [
        "`AssumeRoleProvider(arn, sts_endpoint=url)`: AssumeRoleProvider takes no sts_endpoint",
        "`CvmClient(regoin=...)`: CvmClient takes no regoin",
    ]
    assert checked == {"AssumeRoleProvider": ["sts_endpoint"], "CvmClient": ["regoin"]}
    assert check_inline_calls("`AssumeRoleProvider(arn, endpoint=url)`")[0] == []


# --------------------------------------------------------------------------- commands


def commands() -> Mapping[str, str]:
    """The two commands at the top, by their comment's first words."""
    (first,) = [b for b in blocks("bash") if "nox -s quickstart" in b.code]
    lines = [line for line in first.code.splitlines() if line and not line.startswith("#")]
    quickstart, tests = lines
    return {"quickstart": quickstart, "tests": tests}


def test_ci_runs_the_readmes_test_command() -> None:
    command = commands()["tests"]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert [line for line in ci if line and not line.startswith("#")][-1] == command


def test_commands_use_a_virtual_environment_not_the_system_python() -> None:
    for command in commands().values():
        steps = [s.strip() for s in command.split("&&")]
        assert steps[0] == "python3 -m venv .venv"
        assert all(s.startswith(".venv/bin/") for s in steps[1:]), command
    assert commands()["quickstart"].endswith("nox -s quickstart")
    assert commands()["tests"].endswith("nox")


def _cli_recipes() -> list[list[str]]:
    """The ``tcapi ...`` command lines of the README's command line section."""
    import shlex

    text = README.read_text(encoding="utf-8").split("## Command line", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            while words:  # `a | b` in the README lists alternatives
                cut = words.index("|") if "|" in words else len(words)
                if words[0] == "tcapi":
                    commands.append(words[:cut])
                words = words[cut + 1 :]
    return commands


def test_the_command_line_recipes_run(emulator: Emulator, tmp_path: Path) -> None:
    """Every tcapi line of the README's CLI section, as a real subprocess against the
    emulator with --dry-run (nothing sent; the values are checked, the request built):
    each must be accepted as written. `| ` and `>` end a command (`>` writes stdout)."""
    recipes = _cli_recipes()
    assert len(recipes) >= 15
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "TCCLI_"))}
    env.update(HOME=str(tmp_path), TCAPI_DISABLE_METADATA="1",
               TENCENTCLOUD_SECRET_ID=emulator.secret_id,
               TENCENTCLOUD_SECRET_KEY=emulator.secret_key)  # fmt: skip
    target = ["--endpoint", emulator.endpoint, "--region", "ap-guangzhou"]
    ran = 0
    for words in recipes:
        redirect = words.index(">") if ">" in words else None
        args, out_file = (words[1:redirect], words[redirect + 1]) if redirect else (words[1:], "")
        if args[0] == "configure":
            continue  # interactive: tests/test_cli_configure.py runs it
        extra = [] if "help" in args or "--help" in args or "completion" in args else [
            *target, "--dry-run"]  # fmt: skip
        if "--endpoint" in args:
            extra = [e for e in extra if e not in target[:2]]  # its own endpoint
        result = subprocess.run(
            [sys.executable, "-m", "tcapi", *args, *extra], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, (words, result.stderr)
        if out_file:
            (tmp_path / out_file).write_text(result.stdout)
        ran += 1
    assert ran >= 12
