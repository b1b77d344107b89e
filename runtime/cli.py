"""``tcapi``: call any Tencent Cloud API action from the shell, as tccli does.

Driven by the same schema tables as the library (:mod:`tcapi.schema`); there is
no second description of the API. Only the chosen service version's schema is
loaded, found through the ``tcapi.services`` entry points.

Usage::

    tcapi <service> <Action> [--Param value ...] [global options]
    tcapi mqtt DescribeInstanceList
    tcapi mqtt CreateDeviceIdentity --InstanceId mqtt-1 --DeviceId d1
    tcapi mqtt create-device-identity --instance-id mqtt-1 --device-id d1
    tcapi help | tcapi <service> help | tcapi <service> <Action> --help

Parameter values: scalars are parsed by their spec type (``int64``, ``uint64``,
``float``, ``boolean``: true/false, else string); structures and lists as JSON; a
list of scalars also by repeating the flag. ``--cli-input-json`` takes the whole
request (wire names) as JSON text, ``file://path`` or ``-`` (stdin); flags given
beside it override its members.

Global options: ``--region``, ``--profile``, ``--endpoint``, ``--language``
(en-US, zh-CN), ``--timeout`` (read timeout, seconds), ``--api-version``
(default: the newest), ``--output json|text``, ``--dry-run`` (print the request
that would be sent, secrets and sensitive members redacted; send nothing).

``--output json`` prints the ``Response`` object (``RequestId`` included);
``--output text`` prints one ``path<TAB>value`` line per scalar
(``InstanceList[0].InstanceId	mqtt-1``).

Exit codes:

* 0 — success
* 1 — an unexpected internal error
* 2 — usage or validation error (unknown service, action or option, bad value,
  bad configuration such as a missing region); nothing was sent
* 3 — no usable credentials
* 4 — the API answered with an error (``Code: message (RequestId: ...)``)
* 5 — network failure, timeout or an unusable response
* 130 — interrupted
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from .schema import Member, ServiceSchema

__all__ = ["main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_CREDENTIALS = 3
EXIT_API = 4
EXIT_NETWORK = 5
EXIT_INTERRUPTED = 130

SERVICES_GROUP = "tcapi.services"
_VERSION_PACKAGE = re.compile(r"v\d{8}")
_REDACTED = "***"
_VALUE_OPTIONS = (
    "region",
    "profile",
    "endpoint",
    "language",
    "timeout",
    "output",
    "api-version",
    "cli-input-json",
)
_FLAG_OPTIONS = ("dry-run", "help")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


class UsageError(Exception):
    """A mistake in the command line: exit 2 with this message."""


@dataclass
class Invocation:
    """The parsed command line."""

    positionals: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    help: bool = False
    params: list[tuple[str, str | None]] = field(default_factory=list)
    """(flag name without ``--``, value or None) of the action's parameters, in order."""


def parse_argv(argv: Sequence[str]) -> Invocation:
    inv = Invocation()
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg in {"-h", "--help"}:
            inv.help = True
            continue
        if not arg.startswith("--") or arg == "--":
            inv.positionals.append(arg)
            continue
        name, eq, inline = arg[2:].partition("=")
        value: str | None = inline if eq else None
        if name in _FLAG_OPTIONS:
            if name == "dry-run":
                inv.dry_run = True
            else:
                inv.help = True
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
    import pkgutil  # noqa: PLC0415

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    locations = spec.submodule_search_locations if spec is not None else None
    found = []
    for info in pkgutil.iter_modules(locations or []):
        if info.ispkg and _VERSION_PACKAGE.fullmatch(info.name):
            v = info.name[1:]
            found.append(f"{v[:4]}-{v[4:6]}-{v[6:]}")
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


def _action_titles(schema: ServiceSchema) -> dict[str, str]:
    """Action → first line of its client method's docstring."""
    import importlib  # noqa: PLC0415

    from .client import SyncClient  # noqa: PLC0415

    try:
        module = importlib.import_module(schema.package + ".client")
    except ImportError:
        return {}
    classes = [
        c
        for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, SyncClient) and c is not SyncClient
    ]
    titles: dict[str, str] = {}
    for name, action in schema.actions.items():
        for cls in classes:
            doc = getattr(getattr(cls, action.py, None), "__doc__", None)
            if doc:
                titles[name] = doc.strip().splitlines()[0].strip()
                break
    return titles


def _type_text(schema: ServiceSchema, m: Member) -> str:
    if m.is_structure:
        fields = ", ".join(f'"{f.wire}": {_short_type(f)}' for f in schema.members(m.type))
        inner = f"{{{fields}}}"
        return f"JSON list of {m.type}: [{inner}, ...]" if m.is_list else f"JSON {m.type}: {inner}"
    return f"list of {m.type} (repeat the flag, or JSON)" if m.is_list else m.type


def _short_type(m: Member) -> str:
    return f"[{m.type}]" if m.is_list else m.type


def services_help(out: IO[str]) -> None:
    names = sorted(installed_services())
    out.write(
        "usage: tcapi <service> <Action> [--Param value ...] [options]\n"
        "       tcapi <service> help | tcapi <service> <Action> --help\n\n"
        "options: --region R  --profile P  --endpoint URL  --language en-US|zh-CN\n"
        "         --timeout SECONDS  --api-version YYYY-MM-DD  --output json|text\n"
        "         --cli-input-json JSON|file://PATH|-  --dry-run\n\n"
        f"services ({len(names)}):\n"
    )
    width = max((len(n) for n in names), default=0) + 2
    per_line = max(1, 78 // width)
    for start in range(0, len(names), per_line):
        out.write("  " + "".join(n.ljust(width) for n in names[start : start + per_line]).rstrip())
        out.write("\n")


def actions_help(schema: ServiceSchema, out: IO[str]) -> None:
    titles = _action_titles(schema)
    out.write(f"{schema.title} ({schema.service} {schema.version})\n\n")
    out.write(f"usage: tcapi {schema.service} <Action> [--Param value ...]\n\nactions:\n")
    width = max((len(a) for a in schema.actions), default=0) + 2
    for name in sorted(schema.actions):
        deprecated = " (deprecated)" if schema.actions[name].deprecated else ""
        out.write(f"  {name.ljust(width)}{titles.get(name, '')}{deprecated}\n".rstrip() + "\n")


def action_help(schema: ServiceSchema, action: str, out: IO[str]) -> None:
    a = schema.actions[action]
    title = _action_titles(schema).get(action, "")
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
        out.write(f"  --{m.wire} (--{_kebab(m.py)})  {_type_text(schema, m)}  {req}{flags}\n")
        if docs.get(m.wire):
            out.write(f"      {docs[m.wire]}\n")


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
        if m.is_structure:
            value = _json_value(m, raw)
        elif m.is_list:
            stripped = raw.lstrip()
            items = _json_value(m, raw) if stripped.startswith("[") else [_scalar(m, raw)]
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


# -- output --------------------------------------------------------------------------


def _text_lines(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _text_lines(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        if not value:
            yield f"{path}\t[]"
        for i, v in enumerate(value):
            yield from _text_lines(v, f"{path}[{i}]")
    else:
        text = "null" if value is None else json.dumps(value) if isinstance(value, bool) else value
        yield f"{path}\t{text}"


def print_result(result: Any, output: str, out: IO[str]) -> None:
    if output == "text":
        for line in _text_lines(result, ""):
            out.write(f"{line}\n")
    else:
        out.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


# -- running ---------------------------------------------------------------------------


def _make_client(schema: ServiceSchema, inv: Invocation) -> Any:
    from .client import ServiceInfo, SyncClient  # noqa: PLC0415
    from .credentials import DefaultCredentialChain  # noqa: PLC0415

    opts = inv.options
    kwargs: dict[str, Any] = {}
    if "timeout" in opts:
        try:
            kwargs["read_timeout"] = float(opts["timeout"])
        except ValueError:
            raise UsageError(f"--timeout: expected seconds, got {opts['timeout']!r}") from None
        if kwargs["read_timeout"] <= 0:
            raise UsageError("--timeout must be positive")
    if "language" in opts:
        kwargs["language"] = opts["language"]
    region = opts.get("region") or os.environ.get("TENCENTCLOUD_REGION") or None
    if schema.region_required and not region:
        raise UsageError(
            f"{schema.service} needs a region: --region ap-guangzhou (or TENCENTCLOUD_REGION)"
        )
    cls = type("CliClient", (SyncClient,), {"SERVICE": ServiceInfo(schema.package)})
    return cls(
        credential=DefaultCredentialChain(profile=opts.get("profile")),
        region=region,
        endpoint=opts.get("endpoint"),
        **kwargs,
    )


def _dry_run(client: Any, schema: ServiceSchema, action: str, params: dict[str, Any]) -> str:
    from .errors import CredentialsError  # noqa: PLC0415

    op, _ = client._generic(action, params, None)
    body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    route = client._routes[0]
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


def run(argv: Sequence[str], out: IO[str], err: IO[str]) -> int:
    inv = parse_argv(argv)
    output = inv.options.get("output", "json")
    if output not in {"json", "text"}:
        raise UsageError(f"--output must be json or text, not {output!r}")
    pos = inv.positionals
    if not pos or pos[0] == "help":
        if len(pos) > 1:
            pos = pos[1:]
        else:
            services_help(out)
            return EXIT_OK if inv.help or pos else EXIT_USAGE
    schema = load_service(pos[0], inv.options.get("api-version"))
    if len(pos) == 1 or pos[1] == "help":
        if len(pos) > 2:
            action_help(schema, find_action(schema, pos[2]), out)
            return EXIT_OK
        actions_help(schema, out)
        return EXIT_OK if inv.help or len(pos) > 1 else EXIT_USAGE
    if len(pos) > 2:
        raise UsageError(f"unexpected argument {pos[2]!r} (parameters are --Name value)")
    action = find_action(schema, pos[1])
    if inv.help:
        action_help(schema, action, out)
        return EXIT_OK
    model = schema.actions[action].input
    params: dict[str, Any] = {}
    if "cli-input-json" in inv.options:
        params.update(read_input_json(inv.options["cli-input-json"]))
    params.update(flag_params(schema, action, inv.params))
    check_unknown(schema, model, params, "")
    return _call(schema, action=action, params=params, inv=inv, output=output, out=out)


def _call(
    schema: ServiceSchema,
    *,
    action: str,
    params: dict[str, Any],
    inv: Invocation,
    output: str,
    out: IO[str],
) -> int:
    from ._compile import model_class  # noqa: PLC0415

    request = model_class(schema, schema.actions[action].input).from_dict(params)
    request.validate()
    wire = request.to_dict()
    client = _make_client(schema, inv)
    try:
        if inv.dry_run:
            out.write(_dry_run(client, schema, action, wire))
            return EXIT_OK
        result = client.call(action, wire)
    finally:
        client.close()
    print_result(result, output, out)
    return EXIT_OK


def _fail(err: IO[str], message: str, code: int) -> int:
    err.write(f"tcapi: {message}\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: returns the exit code (see the module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    from .errors import (  # noqa: PLC0415
        ApiError,
        ConfigurationError,
        CredentialsError,
        InvalidParameterError,
        TencentCloudError,
    )

    try:
        return run(args, out, err)
    except UsageError as exc:
        return _fail(err, str(exc), EXIT_USAGE)
    except ApiError as exc:
        rid = f" (RequestId: {exc.request_id})" if exc.request_id else ""
        err.write(f"{exc.code}: {exc.message}{rid}\n")
        return EXIT_API
    except CredentialsError as exc:
        return _fail(err, exc.message, EXIT_CREDENTIALS)
    except (ConfigurationError, InvalidParameterError) as exc:
        return _fail(err, exc.message, EXIT_USAGE)
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
