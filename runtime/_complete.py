"""Shell completion of ``tcapi`` (bash, zsh, fish) through argcomplete.

``tcapi completion bash|zsh|fish`` prints the shell's registration (argcomplete's
``shellcode``); on each Tab the shell runs ``tcapi`` with ``_ARGCOMPLETE`` set and
:func:`autocomplete` answers: it reads the words typed so far, loads the schema of
at most the one service they name, builds an argparse parser of just what can come
next (services, actions and waiters, that action's parameters, the global options
and their finite values) and hands it to argcomplete, which prints and exits.

Names are offered in the spelling being typed: PascalCase (``CreateDeviceIdentity``,
``--DeviceId``) when the word has a capital letter or is empty, kebab case
(``create-device-identity``, ``--device-id``) when it is lower case.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["SHELLS", "autocomplete", "completion_script"]

SHELLS = ("bash", "zsh", "fish")
_COMMANDS = ("help", "configure", "completion")
_CONFIGURE = ("list", "set", "get")
_KEYS = ("secretId", "secretKey", "token", "region", "output", "language")


def completion_script(shell: str) -> str:
    """What the shell's startup file should evaluate to complete ``tcapi``."""
    try:
        from argcomplete.shell_integration import shellcode  # noqa: PLC0415
    except ImportError:
        from ._cli_output import CLI_EXTRA, OutputError  # noqa: PLC0415

        raise OutputError(f"completion needs the argcomplete library: {CLI_EXTRA}") from None
    script: str = shellcode(["tcapi"], shell=shell)
    return script


def _words(line: str) -> tuple[list[str], str]:
    """The complete words of ``line`` after the program name, and the word being typed."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    words: list[str] = []
    try:
        words.extend(lexer)
    except ValueError:  # an open quote: the rest is the word being typed
        words.append(lexer.token)
    current = "" if not line or line[-1].isspace() else (words.pop() if words else "")
    return words[1:], current


def _positionals(words: Sequence[str]) -> list[str]:
    from .cli import _FLAG_OPTIONS  # noqa: PLC0415

    found: list[str] = []
    takes_value = False
    for word in words:
        if takes_value:
            takes_value = False
        elif word.startswith("--"):
            name, eq, _ = word[2:].partition("=")
            takes_value = not eq and name not in _FLAG_OPTIONS
        elif not word.startswith("-"):
            found.append(word)
    return found


def _kebab_style(prefix: str) -> bool:
    bare = prefix.lstrip("-")
    return bool(bare) and bare == bare.lower()


def _styled(prefix: str, pascal: Sequence[str], kebab: Sequence[str]) -> list[str]:
    return list(kebab if _kebab_style(prefix) else pascal)


def _profiles() -> list[str]:
    folder = Path("~/.tccli").expanduser()
    try:
        return sorted(
            {p.stem for p in folder.iterdir() if p.suffix in {".credential", ".configure"}}
        )
    except OSError:
        return []


def _next_words(positionals: list[str], current: str) -> tuple[list[str], Any]:
    """What the positional being typed can be, and the schema with the action chosen
    (None until a service and an action are known): (choices, (schema, action))."""
    from .cli import UsageError, find_action, find_waiter, installed_services, load_service  # noqa: PLC0415

    if not positionals:
        return sorted(installed_services()) + list(_COMMANDS), None
    first = positionals[0]
    if first == "help":
        return (sorted(installed_services()) if len(positionals) == 1 else []), None
    if first == "completion":
        return (list(SHELLS) if len(positionals) == 1 else []), None
    if first == "configure":
        if len(positionals) == 1:
            return list(_CONFIGURE), None
        return (list(_KEYS) if positionals[1] in {"set", "get"} else []), None
    try:
        schema = load_service(first, None)
    except UsageError:
        return [], None
    actions = sorted(schema.actions)
    kebab = sorted(a.py.replace("_", "-") for a in schema.actions.values() if a.py)
    if len(positionals) == 1:
        extra = ["help", *(["wait"] if schema.waiters else [])]
        return _styled(current, actions, kebab) + extra, None
    second = positionals[1]
    try:
        if second == "wait":
            if len(positionals) == 2:
                names = list(schema.waiters)
                kebab_names = [_kebab_name(n) for n in names]
                return _styled(current, names, kebab_names), None
            return [], (schema, find_waiter(schema, positionals[2]).action)
        if second == "help":
            return (_styled(current, actions, kebab) if len(positionals) == 2 else []), None
        return [], (schema, find_action(schema, second))
    except UsageError:
        return [], None


def _kebab_name(name: str) -> str:
    import re  # noqa: PLC0415

    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def build_parser(line: str) -> Any:
    """The argparse parser of what may follow ``line`` (``COMP_LINE`` up to the cursor)."""
    import argparse  # noqa: PLC0415

    from .cli import _FLAG_OPTIONS, _VALUE_OPTIONS, UsageError, load_service, versions  # noqa: PLC0415

    words, current = _words(line)
    positionals = _positionals(words)
    choices, chosen = _next_words(positionals, current)
    parser = argparse.ArgumentParser(prog="tcapi", add_help=False)

    def offer(values: Sequence[str]) -> Callable[..., list[str]]:
        return lambda **_: list(values)

    parser.add_argument("words", nargs="*").completer = offer(choices)  # type: ignore[attr-defined]
    value_choices: dict[str, Callable[[], list[str]]] = {
        "output": lambda: ["json", "yaml", "table", "text"],
        "language": lambda: ["en-US", "zh-CN"],
        "profile": _profiles,
        "generate-cli-skeleton": lambda: ["input", "output"],
    }
    if positionals and positionals[0] not in _COMMANDS:

        def api_versions() -> list[str]:
            try:
                return versions(load_service(positionals[0], None).package.rpartition(".")[0])
            except UsageError:
                return []

        value_choices["api-version"] = api_versions
    if chosen is not None:
        schema, action = chosen
        members = schema.members(schema.actions[action].input)
        params = _styled(
            current, [m.wire for m in members], [m.py.replace("_", "-") for m in members]
        )
        for name in params:
            parser.add_argument(f"--{name}")
        if schema.waiters:
            value_choices["waiter"] = lambda: [
                w.name for w in schema.waiters.values() if w.action == action
            ]
    for name in _VALUE_OPTIONS:
        if any(action.option_strings == [f"--{name}"] for action in parser._actions):
            continue
        arg = parser.add_argument(f"--{name}")
        if name in value_choices:
            arg.completer = offer(value_choices[name]())  # type: ignore[attr-defined]
    for name in _FLAG_OPTIONS:
        parser.add_argument(f"--{name}", action="store_true")
    return parser


def autocomplete() -> None:
    """Answer the shell's completion request (argcomplete's protocol) and exit."""
    import argcomplete  # noqa: PLC0415

    line = os.environ.get("COMP_LINE", "")
    try:
        point = int(os.environ.get("COMP_POINT", len(line)))
    except ValueError:
        point = len(line)
    parser = build_parser(line[:point])
    argcomplete.autocomplete(parser, always_complete_options=False)
    os._exit(0)  # argcomplete exits itself; this is for a request it did not recognise
