"""``tcapi``: call any Tencent Cloud API action from the shell, as tccli does.

Driven by the same schema tables as the library (:mod:`tcapi.schema`); there is
no second description of the API. Only the chosen service version's schema is
loaded, found through the ``tcapi.services`` entry points.

Usage::

    tcapi <service> <Action> [--Param value ...] [global options]
    tcapi <service> wait <Waiter> [--Param value ...]
    tcapi mqtt DescribeInstanceList
    tcapi mqtt CreateDeviceIdentity --InstanceId mqtt-1 --DeviceId d1
    tcapi mqtt create-device-identity --instance-id mqtt-1 --device-id d1
    tcapi help | tcapi <service> help | tcapi <service> <Action> --help
    tcapi configure [list | set KEY VALUE ... | get KEY]
    tcapi completion bash|zsh|fish

Parameter values: scalars are parsed by their spec type (``int64``, ``uint64``,
``float``, ``boolean``: true/false, else string); structures as JSON or aws-cli
shorthand (``Key=k,Value=v``, ``Name=zone,Values=a,b``, ``{...}`` and ``[...]``
nest); a list by repeating the flag (one item each) or as a JSON list.
``--cli-input-json`` takes the whole request (wire names) as JSON text,
``file://path`` or ``-`` (stdin); flags given beside it override its members;
``--generate-cli-skeleton [input|output]`` prints every member with a placeholder
of its type, which ``--cli-input-json`` reads back.

Global options: ``--region``, ``--profile``, ``--endpoint``, ``--language``
(en-US, zh-CN), ``--timeout`` (read timeout, seconds), ``--api-version``
(default: the newest), ``--output json|yaml|table|text`` (default: the
profile's, else json), ``--query`` (JMESPath, applied before the output),
``--paginate`` (every page merged into one answer), ``--waiter NAME`` (poll the
action until the waiter's state; ``--waiter-delay``, ``--waiter-max-attempts``),
``--dry-run`` (print the request that would be sent, secrets and sensitive
members redacted; send nothing), ``--debug`` (that request and the library's
log on stderr, redacted).

The region is ``--region``, else ``TENCENTCLOUD_REGION``, else the profile's
(``tcapi configure set region ...``). The answer on stdout is the API's answer:
sensitive *response* members (a key the action hands out) are printed, because
that is what was asked for; they never appear in ``--debug``/``--dry-run`` output
or error messages.

Exit codes:

* 0 — success
* 1 — an unexpected internal error (a bug: ``TCAPI_DEBUG=1`` shows the traceback)
* 2 — usage or validation error (unknown service, action or option, bad value,
  bad configuration such as a missing region); nothing was sent
* 3 — no usable credentials
* 4 — the API answered with an error: ``Code: message (RequestId: ...)`` on
  stderr, or the error envelope as JSON when ``--output json`` is given
* 5 — network failure, timeout or an unusable response
* 6 — a waiter reached a failure state or ran out of attempts
* 130 — interrupted
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from .schema import Member, ServiceSchema, WaiterSchema

if TYPE_CHECKING:
    from .errors import ApiError

__all__ = ["main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_CREDENTIALS = 3
EXIT_API = 4
EXIT_NETWORK = 5
EXIT_WAITER = 6
EXIT_INTERRUPTED = 130

SERVICES_GROUP = "tcapi.services"
_VERSION_PACKAGE = re.compile(r"v\d{8}")


class _StartUp:
    gc_paused = False
    """True while the console script holds the cyclic collector off during start-up."""


def _pause_gc() -> None:
    """The console script's start-up: no cyclic collection while it imports.

    A command's objects are almost all modules, classes and functions that live
    until the process ends, yet the collector would walk them again and again
    while they load, and once more at exit: ~30 ms of a ~230 ms call. Only for the
    process's own command (``main()`` without ``argv``): a caller's interpreter
    keeps its collector as it was."""
    if gc.isenabled():
        gc.disable()
        _StartUp.gc_paused = True


def _resume_gc() -> None:
    """Start-up is over: freeze what is loaded (the collector, and the one at exit,
    skip it from now on) and collect again, so a long ``--paginate`` or waiter
    reclaims its garbage as usual."""
    if _StartUp.gc_paused:
        gc.freeze()
        gc.enable()
        _StartUp.gc_paused = False


_REDACTED = "***"
_VALUE_OPTIONS = (
    "region",
    "profile",
    "endpoint",
    "language",
    "timeout",
    "output",
    "query",
    "api-version",
    "cli-input-json",
    "waiter",
    "waiter-delay",
    "waiter-max-attempts",
)
_FLAG_OPTIONS = ("dry-run", "help", "paginate", "debug", "generate-cli-skeleton")
_SKELETON_KINDS = ("input", "output")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


class UsageError(Exception):
    """A mistake in the command line: exit 2 with this message."""


class Invocation:
    """The parsed command line (a plain class: ``dataclasses`` costs a CLI start ~10 ms)."""

    __slots__ = ("flags", "options", "params", "positionals", "skeleton")

    def __init__(self) -> None:
        self.positionals: list[str] = []
        self.options: dict[str, str] = {}
        self.flags: set[str] = set()
        """The flag options given (``dry-run``, ``paginate``, ``debug`` ...)."""
        self.skeleton: str | None = None
        """``--generate-cli-skeleton [input|output]``: which skeleton, else None."""
        self.params: list[tuple[str, str | None]] = []
        """(flag name without ``--``, value or None) of the action's parameters, in order."""


def parse_argv(argv: Sequence[str]) -> Invocation:
    inv = Invocation()
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg in {"-h", "--help"}:
            inv.flags.add("help")
            continue
        if not arg.startswith("--") or arg == "--":
            inv.positionals.append(arg)
            continue
        name, eq, inline = arg[2:].partition("=")
        value: str | None = inline if eq else None
        if name == "generate-cli-skeleton":
            if value is None and i < len(argv) and argv[i] in _SKELETON_KINDS:
                value = argv[i]
                i += 1
            if (value or "input") not in _SKELETON_KINDS:
                raise UsageError(f"--generate-cli-skeleton takes input or output, not {value!r}")
            inv.skeleton = value or "input"
            continue
        if name in _FLAG_OPTIONS:
            if eq:
                raise UsageError(f"--{name} takes no value")
            inv.flags.add(name)
            continue
        if value is None and i < len(argv) and not argv[i].startswith("--"):
            value = argv[i]
            i += 1
        if name in _VALUE_OPTIONS:
            if value is None:
                raise UsageError(f"--{name} needs a value")
            inv.options[name] = value
        else:
            inv.params.append((name, value))
    return inv


# -- the catalog: entry points, version packages ------------------------------------


def installed_services() -> dict[str, str]:
    """API service name → its package (``{"mqtt": "tcapi.mqtt", "as": "tcapi.as_"}``),
    read from the entry points without importing any service."""
    from importlib.metadata import entry_points  # noqa: PLC0415

    return {ep.name: ep.value for ep in entry_points(group=SERVICES_GROUP)}


def versions(package: str) -> list[str]:
    """The API versions of a service package, oldest first (``["2024-05-16"]``)."""
    import importlib.util  # noqa: PLC0415

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    locations = spec.submodule_search_locations if spec is not None else None
    found = set()
    # The folders themselves, not pkgutil.iter_modules: that loads inspect (~12 ms of
    # a ~250 ms command). A version package is a folder with an __init__.py.
    for location in locations or []:
        try:
            entries = list(os.scandir(location))
        except OSError:
            continue
        for entry in entries:
            if _VERSION_PACKAGE.fullmatch(entry.name) and os.path.isfile(
                os.path.join(entry.path, "__init__.py")
            ):
                v = entry.name[1:]
                found.add(f"{v[:4]}-{v[4:6]}-{v[6:]}")
    return sorted(found)


def _suggest(word: str, choices: Sequence[str]) -> str:
    from ._kwargs import suggest_name  # noqa: PLC0415 - only for a mistyped name

    meant = suggest_name(word, choices)
    return f"; did you mean {meant!r}?" if meant else ""


def load_service(service: str, api_version: str | None) -> ServiceSchema:
    import keyword  # noqa: PLC0415

    from .schema import load_schema  # noqa: PLC0415

    # Fast path: the generated package of a service is tcapi.<name> (tcapi.as_ for a
    # keyword), so a well-formed name skips scanning every distribution's entry
    # points (~70 ms); anything else, or a package without versions, asks them.
    package: str | None = None
    known: list[str] = []
    if service.isascii() and service.replace("-", "").isalnum():
        package = f"tcapi.{service}_" if keyword.iskeyword(service) else f"tcapi.{service}"
        known = versions(package)
    if not known:
        services = installed_services()
        package = services.get(service)
        if package is None:
            raise UsageError(
                f"unknown service {service!r}{_suggest(service, sorted(services))} "
                "(tcapi help lists the installed services)"
            )
        known = versions(package)
    if not known:
        raise UsageError(f"service {service!r} has no installed API version")
    version = api_version or known[-1]
    if version not in known:
        raise UsageError(f"{service} has no API version {version!r}; installed: {', '.join(known)}")
    return load_schema(f"{package}.v{version.replace('-', '')}._schema")


def _kebab(snake: str) -> str:
    return snake.replace("_", "-")


def find_action(schema: ServiceSchema, name: str) -> str:
    if name in schema.actions:
        return name
    by_kebab = {_kebab(a.py): a.name for a in schema.actions.values() if a.py}
    if name in by_kebab:
        return by_kebab[name]
    choices = list(by_kebab) if "-" in name or name.islower() else list(schema.actions)
    raise UsageError(
        f"{schema.service} {schema.version} has no action {name!r}{_suggest(name, choices)} "
        f"(tcapi {schema.service} help lists them)"
    )


# -- descriptions, read from the generated models' and client's docstrings ---------


def _attribute_docs(schema: ServiceSchema, model: str) -> dict[str, str]:
    """Wire name → first line of its description, from the model class docstring."""
    from ._compile import model_class  # noqa: PLC0415

    try:
        doc = model_class(schema, model).__doc__ or ""
    except (ImportError, AttributeError):
        return {}
    docs: dict[str, str] = {}
    current: str | None = None
    head = re.compile(r"^\s{8}\w+ \((\w+)(?:, [^)]*)?\):\s*$")
    for line in doc.splitlines():
        match = head.match(line)
        if match:
            current = match.group(1)
            docs[current] = ""
        elif current is not None and line.strip() and not docs[current]:
            docs[current] = line.strip()
    return docs


def _examples(schema: ServiceSchema, action: str) -> list[dict[str, Any]]:
    """The documented examples of ``action`` (``examples.json`` beside the schema)."""
    import importlib.resources  # noqa: PLC0415

    try:
        text = (importlib.resources.files(schema.package) / "examples.json").read_text("utf-8")
        found = json.loads(text).get(action, [])
    except (OSError, ValueError, ModuleNotFoundError):
        return []
    return [e for e in found if isinstance(e, dict) and isinstance(e.get("request"), dict)]


def example_command(schema: ServiceSchema, action: str, request: Mapping[str, Any]) -> str:
    """A documented request as a command line that can be pasted into a shell."""
    import shlex  # noqa: PLC0415

    words = ["tcapi", schema.service, action]
    for key, value in request.items():
        if isinstance(value, str):
            text = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
            for item in value:
                words += [f"--{key}", shlex.quote(item)]
            continue
        else:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        words += [f"--{key}", shlex.quote(text)]
    return " ".join(words)


def _type_text(schema: ServiceSchema, m: Member) -> str:
    if m.is_structure:
        fields = ", ".join(f'"{f.wire}": {_short_type(f)}' for f in schema.members(m.type))
        inner = f"{{{fields}}}"
        if m.is_list:
            return f"list of {m.type} (JSON [{inner}, ...], or one Key=value,... per flag)"
        return f"{m.type} (JSON {inner} or Key=value,...)"
    return f"list of {m.type} (repeat the flag, or JSON)" if m.is_list else m.type


def _short_type(m: Member) -> str:
    return f"[{m.type}]" if m.is_list else m.type


def services_help(out: IO[str]) -> None:
    names = sorted(installed_services())
    out.write(
        "usage: tcapi <service> <Action> [--Param value ...] [options]\n"
        "       tcapi <service> help | tcapi <service> <Action> --help\n\n"
        "       tcapi <service> wait <Waiter> [--Param value ...]\n"
        "       tcapi configure [list|set KEY VALUE|get KEY] | tcapi completion bash|zsh|fish\n\n"
        "options: --region R  --profile P  --endpoint URL  --language en-US|zh-CN\n"
        "         --timeout SECONDS  --api-version YYYY-MM-DD  --output json|yaml|table|text\n"
        "         --query JMESPATH  --paginate  --waiter NAME  --cli-input-json JSON|file://PATH|-\n"
        "         --generate-cli-skeleton [input|output]  --dry-run  --debug\n\n"
        f"services ({len(names)}):\n"
    )
    width = max((len(n) for n in names), default=0) + 2
    per_line = max(1, 78 // width)
    for start in range(0, len(names), per_line):
        out.write("  " + "".join(n.ljust(width) for n in names[start : start + per_line]).rstrip())
        out.write("\n")


def actions_help(schema: ServiceSchema, out: IO[str]) -> None:
    out.write(f"{schema.title} ({schema.service} {schema.version})\n\n")
    out.write(f"usage: tcapi {schema.service} <Action> [--Param value ...]\n\nactions:\n")
    width = max((len(a) for a in schema.actions), default=0) + 2
    for name in sorted(schema.actions):
        deprecated = " (deprecated)" if schema.actions[name].deprecated else ""
        title = schema.actions[name].title
        out.write(f"  {name.ljust(width)}{title}{deprecated}".rstrip() + "\n")
    if schema.waiters:
        out.write(f"\nwaiters (tcapi {schema.service} wait <waiter> [--Param value ...]):\n")
        for w in schema.waiters.values():
            out.write(f"  {w.name}  polls {w.action} until {'.'.join(w.path)} is ")
            out.write(" or ".join(map(str, w.success)) + "\n")


def action_help(schema: ServiceSchema, action: str, out: IO[str]) -> None:
    a = schema.actions[action]
    title = a.title
    docs = _attribute_docs(schema, a.input)
    out.write(f"tcapi {schema.service} {action}  ({schema.version})\n")
    if title:
        out.write(f"  {title}\n")
    out.write(f"  also: tcapi {schema.service} {_kebab(a.py)}\n\nparameters:\n")
    members = schema.members(a.input)
    if not members:
        out.write("  (none)\n")
    for m in members:
        req = "required" if m.required else "optional"
        flags = " sensitive" if m.sensitive else ""
        kebab = _kebab(m.py)
        # --dry-run / --debug are the command line's own: DryRun is --DryRun only
        alias = "" if kebab in _VALUE_OPTIONS or kebab in _FLAG_OPTIONS else f" (--{kebab})"
        out.write(f"  --{m.wire}{alias}  {_type_text(schema, m)}  {req}{flags}\n")
        if docs.get(m.wire):
            out.write(f"      {docs[m.wire]}\n")
    extras = []
    if a.pages:
        extras.append(
            f"  --paginate  every page ({a.pages[0]}/{a.pages[1]}) merged into one answer"
        )
    extras += [
        f"  --waiter {w.name}  poll until {'.'.join(w.path)} is {' or '.join(map(str, w.success))}"
        for w in schema.waiters.values()
        if w.action == action
    ]
    if extras:
        out.write("\nalso:\n" + "\n".join(extras) + "\n")
    examples = _examples(schema, action)
    if examples:
        out.write("\nexample" + ("s" if len(examples) > 1 else "") + ":\n")
        for e in examples[:3]:
            if e.get("title"):
                out.write(f"  # {' '.join(str(e['title']).split())}\n")
            # a documented password is still a password: sensitive members show ***
            shown = redact(schema, a.input, e["request"])
            out.write(f"  {example_command(schema, action, shown)}\n")


# -- parameter values ------------------------------------------------------------


def _scalar(m: Member, raw: str) -> Any:
    t = m.type
    if t in {"int64", "uint64"}:
        try:
            value = int(raw)
        except ValueError:
            raise UsageError(f"--{m.wire}: expected an integer ({t}), got {raw!r}") from None
        if t == "uint64" and value < 0:
            raise UsageError(f"--{m.wire}: expected a non-negative integer (uint64), got {raw!r}")
        return value
    if t == "float":
        try:
            return float(raw)
        except ValueError:
            raise UsageError(f"--{m.wire}: expected a number (float), got {raw!r}") from None
    if t == "boolean":
        flag = _BOOLEANS.get(raw.lower())
        if flag is None:
            raise UsageError(f"--{m.wire}: expected true or false (boolean), got {raw!r}")
        return flag
    return raw


def _shorthand(schema: ServiceSchema, m: Member, raw: str) -> dict[str, Any]:
    """A structure value written as ``Key=value,...`` (see :mod:`tcapi._shorthand`)."""
    from ._shorthand import ShorthandError, parse_shorthand  # noqa: PLC0415

    def scalar(member: Member, text: str, path: str) -> Any:
        try:
            return _scalar(member, text)
        except UsageError as exc:
            raise ShorthandError(str(exc).replace(f"--{member.wire}", path, 1)) from None

    try:
        return parse_shorthand(raw, schema, m.type, f"--{m.wire}", scalar)
    except ShorthandError as exc:
        raise UsageError(f"{exc} (JSON works too: --{m.wire} '{{...}}')") from None


def skeleton(schema: ServiceSchema, model: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every member of ``model`` with a placeholder of its type (``""``, ``0``,
    ``0.0``, ``false``, nested structures, one-item lists): what
    ``--generate-cli-skeleton`` prints and ``--cli-input-json`` reads back."""
    placeholders: dict[str, Any] = {"int64": 0, "uint64": 0, "float": 0.0, "boolean": False}
    out: dict[str, Any] = {}
    for m in schema.members(model):
        if m.is_structure:
            if m.type in seen:  # a recursive structure: stop at the first repeat
                value: Any = {}
            else:
                value = skeleton(schema, m.type, (*seen, m.type))
        else:
            value = placeholders.get(m.type, "")
        out[m.wire] = [value] if m.is_list else value
    return out


def _json_value(m: Member, raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--{m.wire}: expected JSON ({_short_type(m)}): {exc}") from None


def flag_params(
    schema: ServiceSchema, action: str, given: list[tuple[str, str | None]]
) -> dict[str, Any]:
    members = schema.members(schema.actions[action].input)
    by_name: dict[str, Member] = {}
    for m in members:
        by_name[m.wire] = m
        by_name[_kebab(m.py)] = m
    params: dict[str, Any] = {}
    for name, given_value in given:
        found = by_name.get(name)
        if found is None:
            kebab_style = name.islower()
            choices = [k for k in by_name if k.islower() == kebab_style] or list(by_name)
            raise UsageError(
                f"{action}: unknown parameter --{name}{_suggest(name, choices)} "
                f"(tcapi {schema.service} {action} --help lists them)"
            )
        m, raw = found, given_value
        if raw is None:
            if m.type == "boolean" and not m.is_list:
                raw = "true"
            else:
                raise UsageError(f"--{m.wire} needs a value ({_short_type(m)})")
        stripped = raw.lstrip()
        if m.is_structure and not m.is_list:
            value = _json_value(m, raw) if stripped.startswith("{") else _shorthand(schema, m, raw)
        elif m.is_list:
            if stripped.startswith("["):
                items = _json_value(m, raw)
            elif m.is_structure:
                item = _json_value(m, raw) if stripped.startswith("{") else None
                items = [item if item is not None else _shorthand(schema, m, raw)]
            else:
                items = [_scalar(m, raw)]
            if not isinstance(items, list):
                raise UsageError(f"--{m.wire}: expected a JSON list")
            previous = params.get(m.wire)
            params[m.wire] = (previous or []) + items
            continue
        else:
            value = _scalar(m, raw)
        if m.wire in params:
            raise UsageError(f"--{m.wire} given twice (it takes one value)")
        params[m.wire] = value
    return params


def read_input_json(source: str) -> dict[str, Any]:
    if source == "-":
        text = sys.stdin.read()
        where = "stdin"
    elif source.startswith("file://"):
        path = source[len("file://") :]
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            raise UsageError(f"--cli-input-json: cannot read {path}: {exc.strerror}") from None
        where = path
    else:
        text, where = source, "the argument"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--cli-input-json: {where} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError("--cli-input-json: expected a JSON object of wire-named parameters")
    return data


def check_unknown(schema: ServiceSchema, model: str, data: Mapping[str, Any], path: str) -> None:
    """Every key of ``data`` (recursively) must be a member of ``model``."""
    members = {m.wire: m for m in schema.members(model)}
    for key, value in data.items():
        m = members.get(key)
        if m is None:
            where = f"{path}.{key}" if path else key
            raise UsageError(f"unknown parameter {where}{_suggest(key, list(members))}")
        if not m.is_structure or value is None:
            continue
        items = value if m.is_list and isinstance(value, list) else [value]
        for idx, item in enumerate(items):
            if isinstance(item, Mapping):
                sub = f"{path}.{key}" if path else key
                check_unknown(schema, m.type, item, f"{sub}[{idx}]" if m.is_list else sub)


def redact(schema: ServiceSchema, model: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with the members the spec marks sensitive replaced."""
    members = {m.wire: m for m in schema.members(model)}
    out: dict[str, Any] = {}
    for key, value in data.items():
        m = members.get(key)
        if m is not None and m.sensitive:
            out[key] = _REDACTED
        elif m is not None and m.is_structure and isinstance(value, list):
            out[key] = [redact(schema, m.type, v) if isinstance(v, Mapping) else v for v in value]
        elif m is not None and m.is_structure and isinstance(value, Mapping):
            out[key] = redact(schema, m.type, value)
        else:
            out[key] = value
    return out


# -- running ---------------------------------------------------------------------------


def _profile_defaults(inv: Invocation) -> tuple[str | None, str | None]:
    """The region and output format the chosen profile configures (tccli's files)."""
    from ._configure import profile_settings  # noqa: PLC0415

    settings = profile_settings(inv.options.get("profile"))  # one read of the file
    return settings.get("region"), settings.get("output")


def _make_client(schema: ServiceSchema, inv: Invocation, region: str | None) -> Any:
    from .client import ServiceInfo, SyncClient  # noqa: PLC0415
    from .credentials import DefaultCredentialChain  # noqa: PLC0415

    opts = inv.options
    kwargs: dict[str, Any] = {}
    if "timeout" in opts:
        kwargs["read_timeout"] = _positive("timeout", opts["timeout"])
    if "language" in opts:
        kwargs["language"] = opts["language"]
    if schema.region_required and not region:
        raise UsageError(
            f"{schema.service} needs a region: --region ap-guangzhou (or TENCENTCLOUD_REGION, "
            "or tcapi configure set region ap-guangzhou)"
        )
    cls = type("CliClient", (SyncClient,), {"SERVICE": ServiceInfo(schema.package)})
    return cls(
        credential=DefaultCredentialChain(profile=opts.get("profile")),
        region=region,
        endpoint=opts.get("endpoint"),
        **kwargs,
    )


def _positive(option: str, raw: str, kind: type[float] | type[int] = float) -> float:
    """A number option's value: above zero (``--waiter-delay``: zero or more)."""
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number of seconds"
        raise UsageError(f"--{option}: expected {what}, got {raw!r}") from None
    if value < 0 or (value == 0 and option != "waiter-delay"):
        raise UsageError(f"--{option} must be positive, got {raw!r}")
    return value


def _dry_run(client: Any, schema: ServiceSchema, action: str, params: dict[str, Any]) -> str:
    from .errors import CredentialsError  # noqa: PLC0415

    op, _ = client._generic(action, params, None)
    body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    route = client._route_for(action)
    try:
        cred = None if op.unsigned else client._credentials.get_credential()
    except CredentialsError:
        cred = None
    headers = dict(client._sign(op, body, cred, route))
    if "Authorization" in headers and headers["Authorization"] != "SKIP":
        headers["Authorization"] = f"TC3-HMAC-SHA256 Signature={_REDACTED}"
    if cred is None and not op.unsigned:
        headers["Authorization"] = "<not signed: no credentials found>"
    if "X-TC-Token" in headers:
        headers["X-TC-Token"] = _REDACTED
    shown = redact(schema, schema.actions[action].input, params)
    lines = [f"POST {route.url}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += ["", json.dumps(shown, indent=2, ensure_ascii=False)]
    return "\n".join(lines) + "\n"


def kebab_name(pascal: str) -> str:
    """``InstanceReady`` → ``instance-ready``: a waiter's other spelling."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", pascal).lower()


def find_waiter(schema: ServiceSchema, name: str) -> WaiterSchema:
    by_kebab = {kebab_name(w): w for w in schema.waiters}
    found = schema.waiters.get(name) or schema.waiters.get(by_kebab.get(name, ""))
    if found is None:
        known = ", ".join(schema.waiters) or "none"
        raise UsageError(
            f"{schema.service} {schema.version} has no waiter {name!r}"
            f"{_suggest(name, [*schema.waiters, *by_kebab])} (its waiters: {known})"
        )
    return found


def run(inv: Invocation, out: IO[str], err: IO[str]) -> int:
    pos = inv.positionals
    helping = "help" in inv.flags
    if pos and pos[0] == "configure":
        from ._configure import __doc__ as configure_help  # noqa: PLC0415
        from ._configure import run_configure  # noqa: PLC0415

        if helping:
            out.write(configure_help or "")
            return EXIT_OK

        if inv.params:
            raise UsageError(f"tcapi configure: unknown option --{inv.params[0][0]}")
        return run_configure(pos[1:], profile=inv.options.get("profile"), out=out, err=err)
    if pos and pos[0] == "completion":
        if len(pos) != 2 or pos[1] not in {"bash", "zsh", "fish"}:
            raise UsageError("usage: tcapi completion bash|zsh|fish")
        from ._cli_complete import completion_script  # noqa: PLC0415

        out.write(completion_script(pos[1]))
        return EXIT_OK
    if not pos or pos[0] == "help":
        if len(pos) > 1:
            pos = pos[1:]
        else:
            services_help(out)
            return EXIT_OK if helping or pos else EXIT_USAGE
    schema = load_service(pos[0], inv.options.get("api-version"))
    if len(pos) == 1 or pos[1] == "help":
        if len(pos) > 2:
            action_help(schema, find_action(schema, pos[2]), out)
            return EXIT_OK
        actions_help(schema, out)
        return EXIT_OK if helping or len(pos) > 1 else EXIT_USAGE
    waiter: WaiterSchema | None = None
    if pos[1] == "wait":
        if len(pos) < 3:
            known = ", ".join(schema.waiters) or "none"
            raise UsageError(f"usage: tcapi {schema.service} wait <waiter> (waiters: {known})")
        if "waiter" in inv.options:
            raise UsageError("give the waiter once: tcapi <service> wait <waiter> or --waiter")
        waiter = find_waiter(schema, pos[2])
        action, extra = waiter.action, pos[3:]
    else:
        action, extra = find_action(schema, pos[1]), pos[2:]
        if "waiter" in inv.options:
            waiter = find_waiter(schema, inv.options["waiter"])
            if waiter.action != action:
                raise UsageError(
                    f"waiter {waiter.name} polls {waiter.action}, not {action}: "
                    f"tcapi {schema.service} wait {waiter.name} [--Param value ...]"
                )
    if extra:
        raise UsageError(f"unexpected argument {extra[0]!r} (parameters are --Name value)")
    if helping:
        action_help(schema, action, out)
        return EXIT_OK
    a = schema.actions[action]
    if inv.skeleton:
        model = a.input if inv.skeleton == "input" else a.output
        out.write(json.dumps(skeleton(schema, model), indent=2) + "\n")
        return EXIT_OK
    region_default, output_default = _profile_defaults(inv)
    output = _output_format(inv, output_default)
    region = inv.options.get("region") or os.environ.get("TENCENTCLOUD_REGION") or region_default
    if "query" in inv.options:
        from ._cli_output import apply_query  # noqa: PLC0415

        apply_query(inv.options["query"], check_only=True)  # fails before anything is sent
    params: dict[str, Any] = {}
    if "cli-input-json" in inv.options:
        params.update(read_input_json(inv.options["cli-input-json"]))
    params.update(flag_params(schema, action, inv.params))
    check_unknown(schema, a.input, params, "")
    if "paginate" in inv.flags and a.pages is None:
        raise UsageError(f"{action} is not paginated (tcapi {schema.service} help: see --paginate)")
    if "paginate" in inv.flags and waiter is not None:
        raise UsageError("--paginate and a waiter do not go together")
    return _call(
        schema,
        action=action,
        params=params,
        inv=inv,
        waiter=waiter,
        settings=(region, output),
        out=out,
        err=err,
    )


def _without_nulls(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without its ``null`` members, at every depth (an absent member)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out[key] = _without_nulls(value)
        elif isinstance(value, list):
            out[key] = [_without_nulls(v) if isinstance(v, Mapping) else v for v in value]
        elif value is not None:
            out[key] = value
    return out


def _output_format(inv: Invocation, configured: str | None) -> str:
    from ._cli_output import FORMATS  # noqa: PLC0415

    output = inv.options.get("output") or configured or "json"
    if output not in FORMATS:
        where = "--output" if "output" in inv.options else "the profile's output setting"
        raise UsageError(f"{where} must be one of {', '.join(FORMATS)}, not {output!r}")
    return output


def _debug_log(err: IO[str]) -> None:
    """--debug: the library's (and urllib3's) log records to stderr."""
    import logging  # noqa: PLC0415

    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("tcapi", "urllib3"):
        log = logging.getLogger(name)
        log.setLevel(logging.DEBUG)
        log.addHandler(handler)


MAX_PAGES = 10_000
"""``--paginate`` stops with an error after this many pages."""


def _all_pages(client: Any, schema: ServiceSchema, action: str, wire: dict[str, Any]) -> Any:
    """Every page of ``action`` merged: the last answer, its items list holding all."""
    from .pagination import another_page  # noqa: PLC0415

    pages = schema.actions[action].pages
    assert pages is not None
    offset_key, limit_key, items_key, total_key, page_size = pages
    offset = wire.get(offset_key) or 0
    limit = wire.get(limit_key) or page_size
    items: list[Any] = []
    for _ in range(MAX_PAGES):
        request = {**wire, offset_key: offset}
        if limit is not None:
            request[limit_key] = limit
        answer = client.call(action, request)
        got = answer.get(items_key) or []
        total = answer.get(total_key) if total_key else None
        if not isinstance(got, list) or not (total is None or type(total) is int):
            from .errors import ResponseError  # noqa: PLC0415

            rid = answer.get("RequestId")
            raise ResponseError(
                f"--paginate: {action} answered {items_key} or {total_key} not as declared",
                request_id=rid if isinstance(rid, str) else None,
            )
        items += got
        offset += len(got)
        if not another_page(len(got), offset, total, limit):
            return {**answer, items_key: items}
    raise UsageError(f"--paginate: {action} still had more after {MAX_PAGES} pages")


def _wait(client: Any, waiter: WaiterSchema, wire: dict[str, Any], inv: Invocation) -> Any:
    from .waiters import WaiterSpec, wait  # noqa: PLC0415

    opts = inv.options
    delay = _positive("waiter-delay", opts["waiter-delay"]) if "waiter-delay" in opts else None
    attempts = opts.get("waiter-max-attempts")
    spec = WaiterSpec(
        name=waiter.name,
        path=waiter.path,
        success=waiter.success,
        failure=waiter.failure,
        delay=waiter.delay,
        max_attempts=waiter.max_attempts,
    )
    return wait(
        lambda request: client.call(waiter.action, request),
        wire,
        spec,
        delay=delay,
        max_attempts=int(_positive("waiter-max-attempts", attempts, int)) if attempts else None,
    )


def _call(
    schema: ServiceSchema,
    *,
    action: str,
    params: dict[str, Any],
    inv: Invocation,
    waiter: WaiterSchema | None,
    settings: tuple[str | None, str],
    out: IO[str],
    err: IO[str],
) -> int:
    """Validate, send (or show) the request, print the answer."""
    from ._checks import check_wire  # noqa: PLC0415 - the model classes' rules, no attrs
    from ._cli_output import apply_query, render  # noqa: PLC0415

    wire = _without_nulls(params)
    check_wire(schema, schema.actions[action].input, wire)
    region, output = settings
    query = inv.options.get("query")
    if "debug" in inv.flags:
        _debug_log(err)
    client = _make_client(schema, inv, region)
    try:
        if "dry-run" in inv.flags:
            out.write(_dry_run(client, schema, action, wire))
            return EXIT_OK
        if _StartUp.gc_paused:
            from . import _urllib3  # noqa: F401, PLC0415 - what the first request loads

            _resume_gc()
        if "debug" in inv.flags:
            err.write(_dry_run(client, schema, action, wire))
        if waiter is not None:
            result = _wait(client, waiter, wire, inv)
        elif "paginate" in inv.flags:
            result = _all_pages(client, schema, action, wire)
        else:
            result = client.call(action, wire)
    finally:
        client.close()
    if query is not None:
        result = apply_query(query, result)
    render(result, output, out)
    return EXIT_OK


def _fail(err: IO[str], message: str, code: int) -> int:
    err.write(f"tcapi: {message}\n")
    return code


def _api_error(exc: ApiError, inv: Invocation | None, err: IO[str]) -> int:
    if inv is not None and inv.options.get("output") == "json":
        error = {"Error": {"Code": exc.code, "Message": exc.message}, "RequestId": exc.request_id}
        err.write(json.dumps(error, indent=2, ensure_ascii=False) + "\n")
    else:
        rid = f" (RequestId: {exc.request_id})" if exc.request_id else ""
        err.write(f"{exc.code}: {exc.message}{rid}\n")
    return EXIT_API


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: returns the exit code (see the module docstring)."""
    if "_ARGCOMPLETE" in os.environ:  # a shell asking for completions (argcomplete)
        from ._cli_complete import autocomplete  # noqa: PLC0415

        autocomplete()
    if argv is None:
        _pause_gc()
    args = list(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    from ._cli_output import OutputError  # noqa: PLC0415
    from .errors import (  # noqa: PLC0415
        ApiError,
        ConfigurationError,
        CredentialsError,
        InvalidParameterError,
        TencentCloudError,
    )
    from .waiters import WaiterError  # noqa: PLC0415

    inv: Invocation | None = None
    try:
        inv = parse_argv(args)
        return run(inv, out, err)
    except (UsageError, OutputError) as exc:
        return _fail(err, str(exc), EXIT_USAGE)
    except ApiError as exc:
        return _api_error(exc, inv, err)
    except CredentialsError as exc:
        return _fail(err, exc.message, EXIT_CREDENTIALS)
    except (ConfigurationError, InvalidParameterError) as exc:
        return _fail(err, exc.message, EXIT_USAGE)
    except WaiterError as exc:
        return _fail(err, exc.message, EXIT_WAITER)
    except TencentCloudError as exc:
        note = f"; {exc.note}" if exc.note else ""
        return _fail(err, f"{exc.code}: {exc.message}{note}", EXIT_NETWORK)
    except KeyboardInterrupt:
        return _fail(err, "interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug, not a user mistake: say so, briefly
        if os.environ.get("TCAPI_DEBUG"):
            raise
        return _fail(
            err,
            f"internal error: {type(exc).__name__}: {exc} (TCAPI_DEBUG=1 shows more)",
            EXIT_INTERNAL,
        )
    finally:
        if _StartUp.gc_paused:  # a command that sent nothing: the collection at exit skips it all
            gc.freeze()
