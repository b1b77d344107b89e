"""Shell completion of ``tcapi`` (bash, zsh, fish) through argcomplete.

``tcapi completion bash|zsh|fish`` prints the shell's registration
(:func:`completion_script`, argcomplete's ``shellcode``). On each Tab the shell runs
``tcapi`` with ``_ARGCOMPLETE`` set, and :func:`autocomplete` answers: it reads the
words typed so far (``COMP_LINE`` up to ``COMP_POINT``, split as argcomplete splits
them), loads the schema of at most the one service they name, builds an argparse
parser of just what can come next and hands it to argcomplete, which prints the
candidates and exits. No other service is imported; the services themselves are
listed from the ``tcapi.services`` entry points, only when the service is the word
being typed.

What is offered:

* the services and the commands ``help``, ``configure`` (``list``, ``set``/``get``
  and their keys, the values of ``output`` and ``language``) and ``completion``
  (the shells);
* a service's actions, ``help`` and, where it has waiters, ``wait`` and the waiters;
* the action's parameters (also right after the action, before a ``-`` is typed),
  each one once unless it is a list (repeated flags); ``true``/``false`` for a
  boolean one;
* the global options, and their values where there are few: ``--output``,
  ``--language``, ``--profile`` (the configured profiles), ``--api-version`` (the
  service's installed versions), ``--waiter`` (the action's waiters) and
  ``--generate-cli-skeleton``.

Names are offered in the spelling being typed: PascalCase (``CreateDeviceIdentity``,
``--DeviceId``) when the word has a capital letter or nothing but dashes yet, kebab
case (``create-device-identity``, ``--device-id``) when it is lower case. A member
whose kebab name is a global option's (``DryRun`` and ``--dry-run``) is offered in
PascalCase only: the command line reads ``--dry-run`` as the global option.

zsh and fish show a description beside each candidate: the action's title, the
parameter's type.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from .schema import ServiceSchema

__all__ = ["SHELLS", "autocomplete", "build_parser", "completion_script"]

SHELLS = ("bash", "zsh", "fish")
COMMANDS = ("help", "configure", "completion")
_CONFIGURE_VERBS = ("list", "set", "get")
_BOOLEAN_VALUES = ("true", "false")
_OPTION_HELP = {
    "region": "region (ap-guangzhou ...)",
    "profile": "profile of ~/.tccli",
    "endpoint": "endpoint host or URL",
    "language": "language of the answer's messages",
    "timeout": "read timeout, seconds",
    "output": "output format",
    "query": "JMESPath applied to the answer",
    "api-version": "API version (default: the newest)",
    "cli-input-json": "the request as JSON, file://PATH or -",
    "waiter": "poll until the waiter's state",
    "waiter-delay": "seconds between polls",
    "waiter-max-attempts": "polls at most",
    "dry-run": "print the request, send nothing",
    "help": "the action's parameters",
    "paginate": "every page merged into one answer",
    "debug": "the request and the library's log on stderr",
    "generate-cli-skeleton": "print a request (input) or answer (output) template",
}

Candidates = Sequence[str] | Mapping[str, str]
"""What a completer answers: names, or names with their descriptions (zsh, fish)."""


def completion_script(shell: str) -> str:
    """What the shell's startup file should evaluate to complete ``tcapi``
    (``eval "$(tcapi completion bash)"``; fish: ``tcapi completion fish | source``)."""
    if shell not in SHELLS:
        raise ValueError(f"no completion for shell {shell!r}: one of {', '.join(SHELLS)}")
    try:
        from argcomplete.shell_integration import shellcode  # noqa: PLC0415 - only here
    except ImportError:
        from ._cli_output import CLI_EXTRA, OutputError  # noqa: PLC0415

        raise OutputError(f"completion needs the argcomplete library: {CLI_EXTRA}") from None
    return shellcode(["tcapi"], shell=shell)


def autocomplete() -> None:
    """Answer the shell's completion request (argcomplete's protocol) and exit; return
    only when ``_ARGCOMPLETE`` is not set (no request)."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        from argcomplete.completers import SuppressCompleter  # noqa: PLC0415 - only on a Tab
        from argcomplete.finders import ExclusiveCompletionFinder  # noqa: PLC0415
        from argcomplete.lexers import split_line  # noqa: PLC0415
    except ImportError:  # completion was set up, the library is gone: no candidates
        os._exit(1)
    line = os.environ.get("COMP_LINE", "")
    try:
        point = int(os.environ.get("COMP_POINT", len(line)))
        start = max(int(os.environ["_ARGCOMPLETE"]) - 1, 0)
    except ValueError:
        os._exit(1)
    _, prefix, _, words, _ = split_line(line, point)
    parser, exclude, always = build_parser(words[start + 1 :], prefix)
    ExclusiveCompletionFinder()(
        parser,
        always_complete_options=always,
        exclude=exclude,
        default_completer=SuppressCompleter(),
    )
    os._exit(1)  # argcomplete exits itself after answering


# -- what the words typed so far say ------------------------------------------------


class _Typed:
    """The words before the one being typed, read as ``cli.parse_argv`` reads them."""

    __slots__ = ("awaiting", "options", "positionals")

    def __init__(self, words: Sequence[str]) -> None:
        from .cli import _FLAG_OPTIONS, _SKELETON_KINDS, _VALUE_OPTIONS  # noqa: PLC0415

        self.positionals: list[str] = []
        self.options: dict[str, str] = {}
        """The global value options given (``api-version``, ``profile`` ...)."""
        self.awaiting = False
        """The last word is an option whose value is the word being typed."""
        i = 0
        while i < len(words):
            word = words[i]
            i += 1
            if not word.startswith("--") or word == "--":
                if word not in {"-h"}:
                    self.positionals.append(word)
                continue
            name, eq, value = word[2:].partition("=")
            if name == "generate-cli-skeleton":  # an optional value: input or output
                if not eq and i < len(words) and words[i] in _SKELETON_KINDS:
                    i += 1
                self.awaiting = not eq and i == len(words)
                continue
            if name in _FLAG_OPTIONS or eq:
                if eq and name in _VALUE_OPTIONS:
                    self.options[name] = value
                continue
            if i == len(words):
                self.awaiting = True
            elif not words[i].startswith("--"):
                if name in _VALUE_OPTIONS:
                    self.options[name] = words[i]
                i += 1


def _kebab_style(prefix: str) -> bool:
    """Whether the word being typed asks for kebab-case names (lower case, not empty)."""
    bare = prefix.lstrip("-")
    return bool(bare) and bare == bare.lower()


def _kebab(snake: str) -> str:
    from .cli import _kebab as kebab  # noqa: PLC0415

    return kebab(snake)


def _kebab_name(pascal: str) -> str:
    from .cli import kebab_name  # noqa: PLC0415 - the spelling cli.find_waiter reads

    return kebab_name(pascal)


def _actions(schema: ServiceSchema, kebab: bool) -> dict[str, str]:
    """The service's actions in one spelling, with their titles."""
    if kebab:
        return dict(sorted((_kebab(a.py), a.title) for a in schema.actions.values() if a.py))
    return {name: a.title for name, a in sorted(schema.actions.items())}


def _waiters(schema: ServiceSchema, kebab: bool, action: str | None = None) -> dict[str, str]:
    """The service's waiters (or the ones polling ``action``) in one spelling."""
    return {
        (_kebab_name(w.name) if kebab else w.name): f"polls {w.action}"
        for w in schema.waiters.values()
        if action is None or w.action == action
    }


def _load(service: str, api_version: str | None) -> ServiceSchema | None:
    """The schema of ``service`` (at ``api_version`` if it has it), else None."""
    from .cli import UsageError, load_service  # noqa: PLC0415

    for version in dict.fromkeys((api_version, None)):  # one it lacks: as for the newest
        try:
            return load_service(service, version)
        except UsageError:
            continue
    return None


class _Next:
    """What may follow the words typed: the positional's candidates and, once the
    service and the action are known, the schema and the action."""

    __slots__ = ("action", "choices", "schema", "waiting")

    def __init__(self, typed: _Typed, prefix: str) -> None:
        from .cli import UsageError, find_action, find_waiter  # noqa: PLC0415

        self.choices: Callable[[], Candidates] = list
        """The candidates for the positional being typed, asked only when it is."""
        self.schema: ServiceSchema | None = None
        self.action: str | None = None
        self.waiting = False
        """``tcapi <service> wait <waiter>``: the waiter is given."""
        pos = typed.positionals
        kebab = _kebab_style(prefix)
        helping = bool(pos) and pos[0] == "help"
        if helping:
            pos = pos[1:]
        if not pos:
            self.choices = _services if helping else lambda: [*_services(), *COMMANDS]
            return
        first = pos[0]
        if first in {"configure", "completion"} and not helping:
            self.choices = lambda: _command_words(pos)
            return
        schema = _load(first, typed.options.get("api-version"))
        if schema is None:
            return
        self.schema = schema
        if len(pos) == 1:
            extra = [] if helping else ["help", *(["wait"] if schema.waiters else [])]
            self.choices = lambda: {**_actions(schema, kebab), **dict.fromkeys(extra, "")}
            return
        second = pos[1]
        if helping or second == "help":
            if len(pos) == 2 and not helping:
                self.choices = lambda: _actions(schema, kebab)
            return
        try:
            if second == "wait":
                if len(pos) == 2:
                    self.choices = lambda: _waiters(schema, kebab)
                    return
                self.action = find_waiter(schema, pos[2]).action
                self.waiting = True
            else:
                self.action = find_action(schema, second)
        except UsageError:
            return


def _services() -> list[str]:
    from .cli import installed_services  # noqa: PLC0415

    return sorted(installed_services())


def _command_words(pos: Sequence[str]) -> list[str]:
    """What follows ``configure`` or ``completion`` (``pos[0]``)."""
    if pos[0] == "completion":
        return list(SHELLS) if len(pos) == 1 else []
    from ._configure import CREDENTIAL_KEYS, LANGUAGES, OUTPUTS, SETTING_KEYS  # noqa: PLC0415

    if len(pos) == 1:
        return list(_CONFIGURE_VERBS)
    verb, rest = pos[1], pos[2:]
    keys = [*CREDENTIAL_KEYS, *SETTING_KEYS]
    if verb == "get":
        return keys if not rest else []
    if verb != "set":
        return []
    if len(rest) % 2 == 0:  # KEY VALUE KEY VALUE ...: a key
        return keys
    return {"output": list(OUTPUTS), "language": list(LANGUAGES)}.get(rest[-1], [])


def _profiles() -> list[str]:
    """The profiles configured: tccli's files in ~/.tccli, the official SDK's INI file."""
    from ._configure import _folder, _ini_profiles  # noqa: PLC0415

    try:
        folder = _folder()
        names = {p.stem for p in folder.iterdir() if p.suffix in {".credential", ".configure"}}
    except OSError:
        names = set()
    return sorted(names | set(_ini_profiles()))


# -- the parser -----------------------------------------------------------------------


def _offer(values: Callable[[], Candidates]) -> Callable[..., Candidates]:
    """An argcomplete completer answering ``values()``, asked only when needed."""
    return lambda **_: values()


def build_parser(
    words: Sequence[str], prefix: str
) -> tuple[argparse.ArgumentParser, set[str], bool]:
    """The parser of what may follow ``words`` (the complete words after ``tcapi``)
    when ``prefix`` is being typed, the candidates not to offer (the other spelling
    of each parameter) and whether to offer options before a ``-`` is typed."""
    import argparse  # noqa: PLC0415

    from .cli import _FLAG_OPTIONS, _SKELETON_KINDS, _VALUE_OPTIONS  # noqa: PLC0415

    if prefix.startswith("-") and "=" in prefix:  # --option=VALUE: the option, then VALUE
        words = [*words, prefix.partition("=")[0]]
        prefix = prefix.partition("=")[2]
    typed = _Typed(words)
    nxt = _Next(typed, prefix)
    kebab = _kebab_style(prefix)
    parser = argparse.ArgumentParser(prog="tcapi", add_help=False, allow_abbrev=False)
    # argparse takes the positionals before an option as one run: after an option the
    # positional would be used up. While one is typed (no action yet: a service, an
    # action, a waiter ...), it takes the rest of the line instead, options included.
    typing_positional = nxt.action is None and not typed.awaiting and not prefix.startswith("-")
    words_arg = parser.add_argument(
        "_words", nargs=argparse.REMAINDER if typing_positional else "*"
    )
    words_arg.completer = _offer(nxt.choices)  # type: ignore[attr-defined]
    globals_ = {*_VALUE_OPTIONS, *_FLAG_OPTIONS}
    exclude: set[str] = set()
    params: set[str] = set()
    schema, action = nxt.schema, nxt.action
    if schema is not None and action is not None:
        for m in schema.members(schema.actions[action].input):
            spellings = [
                s for s in dict.fromkeys((m.wire, _kebab(m.py))) if s and s not in globals_
            ]
            spellings = [s for s in spellings if s not in params]
            if not spellings:
                continue
            params.update(spellings)
            if len(spellings) > 1:  # offer the spelling being typed
                exclude.add(f"--{m.wire if kebab else _kebab(m.py)}")
            kind = f"list of {m.type}" if m.is_list else m.type
            arg = parser.add_argument(
                *(f"--{s}" for s in spellings),
                dest=f"param {m.wire}",
                action="append" if m.is_list else "store",
                help=f"{kind}, required" if m.required else kind,
            )
            if m.type == "boolean":
                arg.completer = _offer(lambda: list(_BOOLEAN_VALUES))  # type: ignore[attr-defined]
    values: dict[str, Callable[[], Candidates]] = {
        "output": _formats,
        "language": _languages,
        "profile": _profiles,
    }
    if schema is not None:
        package = schema.package.rpartition(".")[0]
        values["api-version"] = lambda: _versions(package)
        if action is not None:
            polled, service = action, schema
            values["waiter"] = lambda: _waiters(service, kebab, polled)
    skip = set()
    if action is not None and schema is not None:
        if schema.actions[action].pages is None or nxt.waiting:
            skip.add("paginate")
        if nxt.waiting or not any(w.action == action for w in schema.waiters.values()):
            skip.add("waiter")
    for name in _VALUE_OPTIONS:
        if name in skip:
            continue
        arg = parser.add_argument(f"--{name}", dest=f"option {name}", help=_OPTION_HELP.get(name))
        if name in values:
            arg.completer = _offer(values[name])  # type: ignore[attr-defined]
    for name in _FLAG_OPTIONS:
        if name in skip:
            continue
        if name == "generate-cli-skeleton":
            arg = parser.add_argument(f"--{name}", nargs="?", help=_OPTION_HELP.get(name))
            arg.completer = _offer(lambda: list(_SKELETON_KINDS))  # type: ignore[attr-defined]
            continue
        parser.add_argument(f"--{name}", action="store_true", help=_OPTION_HELP.get(name))
    # Right after the action (nothing typed, no option waiting for its value): its
    # parameters, not the global options (those come with a "-").
    always = action is not None and not prefix and not typed.awaiting
    if always:
        exclude.update(f"--{name}" for name in globals_)
    return parser, exclude, always


def _formats() -> list[str]:
    from ._cli_output import FORMATS  # noqa: PLC0415

    return list(FORMATS)


def _languages() -> list[str]:
    from ._configure import LANGUAGES  # noqa: PLC0415

    return list(LANGUAGES)


def _versions(package: str) -> list[str]:
    from .cli import versions  # noqa: PLC0415

    return list(reversed(versions(package)))  # the newest first
