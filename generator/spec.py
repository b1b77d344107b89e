"""The spec as typed objects: load a service folder, apply overrides, cross-check.

Layout of one service version (see spec/README.md)::

    spec/<service>/<YYYY-MM-DD>/service.yaml
    spec/<service>/<YYYY-MM-DD>/actions/<Action>.yaml
    spec/<service>/<YYYY-MM-DD>/structures/<Structure>.yaml
    spec/<service>/<YYYY-MM-DD>/overrides.yaml      (optional, hand-written)

Importers write the first three; people write overrides.yaml, which is merged
on load, so a re-import never loses what was added by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from . import schema
from .names import (
    CLIENT_BASE_NAMES,
    KEYWORDS,
    MODEL_MODULE_NAMES,
    RESERVED,
    method_name,
    python_package,
    safe_attr_name,
    snake_case,
)
from .schema import SpecError

SCALARS = {
    "string": "str",
    "int64": "int",
    "uint64": "int",
    "float": "float",
    "boolean": "bool",
    "date": "str",
    "datetime": "str",
    "datetime_iso": "str",
    "binary": "bytes | str",
}
"""Spec scalar type → Python type. Dates and datetimes are strings on the wire and
stay strings in the models. A binary member is bytes or text: a file part of a
multipart request (text as UTF-8), base64 in a JSON body (bytes are encoded)."""

LIST = "list"
IMPLICIT_REQUEST_ID = "RequestId"
OVERRIDES_FILE = "overrides.yaml"


@attrs.frozen
class Member:
    name: str
    type: str
    items: str | None
    required: bool
    output_required: bool
    nullable: bool
    sensitive: bool
    deprecated: bool
    description: str
    lang: str
    example: Any
    py_name: str

    @property
    def is_list(self) -> bool:
        return self.type == LIST

    @property
    def element(self) -> str:
        """The type of the value, or of each list item."""
        return self.items if self.items is not None else self.type


@attrs.frozen
class Structure:
    name: str
    description: str
    lang: str
    members: tuple[Member, ...]
    source: str


@attrs.frozen
class Example:
    title: str
    description: str
    request: dict[str, Any]
    response: dict[str, Any]
    """The Response object; empty when the answer is ``events``."""
    events: tuple[dict[str, Any], ...] | None = None
    """The data objects of an answer sent as server-sent events, in order."""


@attrs.frozen
class Paginate:
    offset: str
    limit: str
    items: str
    total: str | None
    page_size: int | None


@attrs.frozen
class Action:
    name: str
    title: str
    description: str
    lang: str
    rate_limit: float | None
    idempotent: bool
    deprecated: bool
    unsigned: bool
    paginate: Paginate | None
    input: tuple[Member, ...]
    output: tuple[Member, ...]
    errors: tuple[str, ...]
    examples: tuple[Example, ...]
    source: str
    py_name: str
    streams: bool = False
    """The action may answer with server-sent events (the client gets ``<name>_stream``)."""
    request_body: str = "json"
    """``json`` (the API's default), ``multipart`` (form parts, ``binary`` members as
    files) or ``octet-stream`` (raw bytes given by the caller, members in headers)."""
    param_header_prefix: str = ""
    """octet-stream: the prefix of the headers that carry the members (``X-CLS-``)."""
    endpoint: str = ""
    """A host of the action's own that a client on the service's default endpoint
    sends it to (es ChatCompletions: ``es.ai.tencentcloudapi.com``); empty: the
    client's endpoint."""


@attrs.frozen
class Waiter:
    name: str
    action: str
    field: tuple[str, ...]  # wire names, outermost first
    success: tuple[Any, ...]
    failure: tuple[Any, ...]
    delay: float
    max_attempts: int
    description: str


@attrs.frozen
class ErrorCode:
    code: str
    description: str


@attrs.frozen
class Service:
    service: str
    version: str
    title: str
    description: str
    client_name: str
    endpoint: str
    endpoints: dict[str, str]
    region_required: bool
    rate_limit: float | None
    errors: tuple[ErrorCode, ...]
    offline_actions: tuple[str, ...]
    waiters: tuple[Waiter, ...]
    actions: tuple[Action, ...]
    structures: tuple[Structure, ...]
    root: str  # the spec folder, relative to the spec root ("mqtt/2024-05-16")
    error_lines: dict[str, tuple[str, int | None]] = attrs.field(factory=dict, eq=False, repr=False)
    """Where each error code is declared first: code → (file, line), for error messages."""

    @property
    def package(self) -> str:
        return "v" + self.version.replace("-", "")

    def all_error_codes(self) -> list[ErrorCode]:
        """Service codes plus any code an action names, sorted, each once."""
        codes = {e.code: e for e in self.errors}
        for action in self.actions:
            for code in action.errors:
                codes.setdefault(code, ErrorCode(code, ""))
        return [codes[c] for c in sorted(codes)]

    def structure_usage(self) -> dict[str, set[str]]:
        """For each structure, whether it is reachable from requests ("in"),
        responses ("out") or both."""
        by_name = {s.name: s for s in self.structures}
        usage: dict[str, set[str]] = {name: set() for name in by_name}

        def walk(members: tuple[Member, ...], side: str) -> None:
            for m in members:
                name = m.element
                if name in by_name and side not in usage[name]:
                    usage[name].add(side)
                    walk(by_name[name].members, side)

        for a in self.actions:
            walk(a.input, "in")
            walk(a.output, "out")
        return usage


# --------------------------------------------------------------------------- loading


@attrs.define
class _RawFile:
    """One loaded YAML file: its data and where each part of it was."""

    path: Path
    data: dict[str, Any]
    validator: schema.Validator

    def line(self, *where: str | int) -> int | None:
        return self.validator.lines.get(tuple(where))

    def error(self, message: str, *where: str | int) -> SpecError:
        return SpecError(self.path, self.line(*where) if where else 1, message)


def _load_folder(folder: Path) -> tuple[_RawFile, list[_RawFile], list[_RawFile]]:
    service_file = folder / "service.yaml"
    if not service_file.is_file():
        raise SpecError(service_file, None, "missing service.yaml")
    svc = _RawFile(service_file, *schema.load_yaml(service_file, schema.SERVICE))
    structures = [
        _RawFile(p, *schema.load_yaml(p, schema.STRUCTURE))
        for p in sorted((folder / "structures").glob("*.yaml"))
    ]
    actions = [
        _RawFile(p, *schema.load_yaml(p, schema.ACTION))
        for p in sorted((folder / "actions").glob("*.yaml"))
    ]
    for raw, key in [(s, "structure") for s in structures] + [(a, "action") for a in actions]:
        name = raw.data[key]
        if raw.path.stem != name:
            raise raw.error(f"{key} {name!r} must live in {name}.yaml", key)
    return svc, structures, actions


def _patch_members(
    members: list[dict[str, Any]], patches: dict[str, Any], ov: _RawFile, where: tuple[str, ...]
) -> None:
    by_name = {m["name"]: m for m in members}
    for name, patch in patches.items():
        if name not in by_name:
            raise ov.error(f"{'.'.join(where)}: no member {name!r} to override", *where, name)
        by_name[name].update(patch)


def _apply_overrides(
    folder: Path, svc: _RawFile, structures: list[_RawFile], actions: list[_RawFile]
) -> _RawFile | None:
    """Merge overrides.yaml into the loaded files; returns it (for error lines)."""
    path = folder / OVERRIDES_FILE
    if not path.is_file():
        return None
    ov = _RawFile(path, *schema.load_yaml(path, schema.OVERRIDES))
    service_patch = dict(ov.data.get("service") or {})
    extra_errors = service_patch.pop("errors", [])
    svc.data.update(service_patch)
    known = {e["code"] for e in svc.data.get("errors", [])}
    svc.data["errors"] = list(svc.data.get("errors", [])) + [
        e for e in extra_errors if e["code"] not in known
    ]

    by_struct = {s.data["structure"]: s for s in structures}
    for name, struct_patch in (ov.data.get("structures") or {}).items():
        if name not in by_struct:
            raise ov.error(f"structures: no structure {name!r} to override", "structures", name)
        target = by_struct[name].data
        patch = dict(struct_patch)
        _patch_members(
            target["members"], patch.pop("members", {}), ov, ("structures", name, "members")
        )
        target.update(patch)

    by_action = {a.data["action"]: a for a in actions}
    for name, action_patch in (ov.data.get("actions") or {}).items():
        if name not in by_action:
            raise ov.error(f"actions: no action {name!r} to override", "actions", name)
        target = by_action[name].data
        patch = dict(action_patch)
        for side in ("input", "output"):
            target.setdefault(side, [])
            _patch_members(target[side], patch.pop(side, {}), ov, ("actions", name, side))
        target["errors"] = list(
            dict.fromkeys([*target.get("errors", []), *patch.pop("errors", [])])
        )
        target["examples"] = [*target.get("examples", []), *patch.pop("examples", [])]
        target.update(patch)
    return ov


def _default_py_names(wire_names: list[str]) -> dict[str, str]:
    """Python names for members without a ``python_name``, collisions resolved.

    Wire names that differ only in case or punctuation (``PublicIP`` and
    ``PublicIp``) snake_case alike. Of such a group, the greatest wire name in
    code-point order (the conventional CamelCase one, ``PublicIp``) keeps the
    plain name and the others, in descending order, get ``_2``, ``_3``…: the
    result depends only on the set of names, never on their order in the file.
    """
    groups: dict[str, list[str]] = {}
    for name in wire_names:
        groups.setdefault(safe_attr_name(snake_case(name)), []).append(name)
    taken = set(groups)
    out: dict[str, str] = {}
    for py, names in groups.items():
        for rank, name in enumerate(sorted(names, reverse=True)):
            if rank == 0:
                out[name] = py
                continue
            n = rank + 1
            while f"{py}_{n}" in taken:
                n += 1
            taken.add(f"{py}_{n}")
            out[name] = f"{py}_{n}"
    return out


def _members(raw: _RawFile, where: tuple[str, ...], owner: str) -> tuple[Member, ...]:
    items: list[dict[str, Any]] = raw.data[where[0]]
    out: list[Member] = []
    wire_seen: set[str] = set()
    py_seen: dict[str, str] = {}
    defaults = _default_py_names([str(m["name"]) for m in items if m.get("python_name") is None])
    for i, m in enumerate(items):
        at: tuple[str | int, ...] = (*where, i)
        name = m["name"]
        if name in wire_seen:
            raise raw.error(f"{owner}: member {name!r} is declared twice", *at)
        wire_seen.add(name)
        given = m.get("python_name")
        if given is not None and (given in KEYWORDS or given in RESERVED):
            raise raw.error(
                f"{owner}.{name}: python_name {given!r} is a Python keyword or a name the "
                "generated code uses itself",
                *at,
                "python_name",
            )
        py = given or defaults[name]
        if py in py_seen:
            raise raw.error(
                f"{owner}: members {py_seen[py]!r} and {name!r} both become the Python name "
                f"{py!r}; give one of them a python_name",
                *at,
            )
        py_seen[py] = name
        typ, item_type = m["type"], m.get("items")
        if typ == LIST and item_type is None:
            raise raw.error(f"{owner}.{name}: a list needs 'items'", *at, "type")
        if typ != LIST and item_type is not None:
            raise raw.error(f"{owner}.{name}: 'items' only goes with type: list", *at, "items")
        if item_type == LIST:
            raise raw.error(f"{owner}.{name}: lists of lists are not supported", *at, "items")
        out.append(
            Member(
                name=name,
                type=typ,
                items=item_type,
                required=bool(m.get("required", False)),
                output_required=bool(m.get("output_required", False)),
                nullable=bool(m.get("nullable", False)),
                sensitive=bool(m.get("sensitive", False)),
                deprecated=bool(m.get("deprecated", False)),
                description=str(m.get("description", "")).strip(),
                lang=str(m.get("lang", "en")),
                example=m.get("example"),
                py_name=py,
            )
        )
    return tuple(out)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def load_service(folder: Path, spec_root: Path | None = None) -> Service:
    """Load one service version folder, apply its overrides, and check it."""
    folder = Path(folder)
    root = spec_root if spec_root is not None else folder.parent.parent
    svc, raw_structures, raw_actions = _load_folder(folder)
    data = svc.data
    expected = f"{data['service']}/{data['version']}"
    rel = _relative(folder, root)
    if rel not in (expected, folder.name):
        raise svc.error(f"folder {rel!r} does not match service/version {expected!r}", "service")
    error_sources = _error_sources(svc, raw_actions)  # before overrides add to the lists
    overrides = _apply_overrides(folder, svc, raw_structures, raw_actions)
    if overrides is not None:
        error_sources = _error_sources(overrides, [], overrides.data) + error_sources
    _check_service_names(svc)  # overrides may replace client_name
    endpoints = data.get("endpoints") or {}
    if not isinstance(endpoints, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in endpoints.items()
    ):
        raise svc.error("endpoints must map names to hosts", "endpoints")

    structures = [
        Structure(
            name=r.data["structure"],
            description=str(r.data.get("description", "")).strip(),
            lang=str(r.data.get("lang", "en")),
            members=_members(r, ("members",), r.data["structure"]),
            source=_relative(r.path, root),
        )
        for r in raw_structures
    ]
    struct_names = {s.name for s in structures}
    for st, r in zip(structures, raw_structures, strict=True):
        if st.name in MODEL_MODULE_NAMES or st.name in KEYWORDS:
            raise r.error(
                f"structure {st.name!r} is a Python keyword or would shadow a name the "
                f"generated models use ({', '.join(sorted(MODEL_MODULE_NAMES))})",
                "structure",
            )

    actions: list[Action] = []
    for r in raw_actions:
        a = r.data
        name = a["action"]
        inputs = _members(r, ("input",), f"{name} input") if "input" in a else ()
        outputs = _members(r, ("output",), f"{name} output") if "output" in a else ()
        if not any(m.name == IMPLICIT_REQUEST_ID for m in outputs):
            implicit = _request_id_member()
            for i, m in enumerate(outputs):
                if m.py_name == implicit.py_name:
                    raise r.error(
                        f"{name} output: member {m.name!r} becomes the Python name "
                        f"{m.py_name!r}, which the implicit RequestId member has; "
                        "give it a python_name",
                        "output",
                        i,
                    )
            outputs = (*outputs, implicit)
        examples = []
        for i, ex in enumerate(a.get("examples", [])):
            events = ex.get("events")
            if ("response" in ex) == (events is not None):
                raise r.error(
                    f"{name} examples[{i}] needs either a response or events, not "
                    + ("both" if events is not None else "neither"),
                    "examples",
                    i,
                )
            parts = ["request"] if events is not None else ["request", "response"]
            for part in parts:
                if not isinstance(ex.get(part), dict):
                    raise r.error(
                        f"{name} examples[{i}].{part} must be a mapping of wire names to values",
                        "examples",
                        i,
                    )
            if events is not None and not all(isinstance(e, dict) for e in events):
                raise r.error(
                    f"{name} examples[{i}].events must be a list of event data mappings",
                    "examples",
                    i,
                )
            examples.append(
                Example(
                    title=str(ex.get("title", "")),
                    description=str(ex.get("description", "")),
                    request=ex["request"],
                    response=ex.get("response") or {},
                    events=None if events is None else tuple(events),
                )
            )
        body_kind = str(a.get("request_body", "json"))
        prefix = str(a.get("param_header_prefix", ""))
        if prefix and body_kind != "octet-stream":
            raise r.error(
                f"{name}: param_header_prefix applies only to request_body: octet-stream",
                "param_header_prefix",
            )
        if body_kind == "octet-stream" and any(m.py_name == "body" for m in inputs):
            raise r.error(
                f"{name}: an octet-stream action's method takes the request body as "
                "'body'; give the member named so a python_name",
                "input",
            )
        paginate = _paginate(r, a.get("paginate"), inputs, outputs)
        idem = a.get("idempotent")
        actions.append(
            Action(
                name=name,
                title=str(a.get("title", "")),
                description=str(a.get("description", "")).strip(),
                lang=str(a.get("lang", "en")),
                rate_limit=a.get("rate_limit", data.get("rate_limit")),
                idempotent=bool(idem) if idem is not None else name.startswith("Describe"),
                deprecated=bool(a.get("deprecated", False)),
                unsigned=bool(a.get("unsigned", False)),
                paginate=paginate,
                input=inputs,
                output=outputs,
                errors=tuple(dict.fromkeys(a.get("errors", []))),
                examples=tuple(examples),
                source=_relative(r.path, root),
                py_name=method_name(name),
                streams=bool(a.get("streams", False)),
                request_body=body_kind,
                param_header_prefix=prefix,
                endpoint=str(a.get("endpoint", "")),
            )
        )

    _check_references(structures, raw_structures, actions, raw_actions, struct_names)
    offline = tuple(data.get("offline_actions", []))
    # Waiter errors point at the file that declares them.
    where: tuple[str, ...] = ("waiters",)
    declared_in = svc
    if overrides is not None and "waiters" in (overrides.data.get("service") or {}):
        declared_in, where = overrides, ("service", "waiters")
    waiters = _waiters(declared_in, where, data.get("waiters") or {}, actions, structures)
    error_lines: dict[str, tuple[str, int | None]] = {}
    for code, raw, at in error_sources:
        error_lines.setdefault(code, (str(raw.path), raw.line(*at)))
    return Service(
        service=data["service"],
        version=data["version"],
        title=str(data.get("title", data["service"])),
        description=str(data.get("description", "")).strip(),
        client_name=data["client_name"],
        endpoint=data["endpoint"],
        endpoints=dict(endpoints),
        region_required=bool(data.get("region_required", True)),
        rate_limit=data.get("rate_limit"),
        errors=tuple(
            ErrorCode(e["code"], str(e.get("description", "")).strip())
            for e in data.get("errors", [])
        ),
        offline_actions=offline,
        waiters=waiters,
        actions=tuple(actions),
        structures=tuple(structures),
        root=expected,
        error_lines=error_lines,
    )


_RUNTIME_PACKAGE = Path(__file__).resolve().parent.parent / "runtime"
_RUNTIME_MODULES = frozenset(
    {"client", "credentials", "errors", "model", "pagination", "retry", "signing", "waiters"}
    | {"emulator", "services"}
)
"""Names under ``tcapi`` the runtime and emulator already use (the runtime folder
is listed too, so a module added there is covered at once)."""


def _check_service_names(svc: _RawFile) -> None:
    """The package ``tcapi.<service>`` and the client classes must not shadow anything."""
    data = svc.data
    taken = set(_RUNTIME_MODULES)
    if _RUNTIME_PACKAGE.is_dir():
        taken |= {p.stem for p in _RUNTIME_PACKAGE.iterdir() if p.suffix == ".py" or p.is_dir()}
    service = data["service"]
    package = python_package(service)
    if package in taken:
        raise svc.error(
            f"service {service!r} would be the package tcapi.{package}, a module of the runtime",
            "service",
        )
    client = data["client_name"]
    for cls in (f"{client}Client", f"Async{client}Client"):
        if cls in CLIENT_BASE_NAMES:
            raise svc.error(
                f"client_name {client!r} makes the class {cls}, the name of a base class",
                "client_name",
            )


def _error_sources(
    raw: _RawFile, actions: list[_RawFile], overrides: dict[str, Any] | None = None
) -> list[tuple[str, _RawFile, tuple[str | int, ...]]]:
    """Every declared error code with the file and path of its declaration."""
    out: list[tuple[str, _RawFile, tuple[str | int, ...]]] = []
    if overrides is None:
        for i, e in enumerate(raw.data.get("errors", [])):
            out.append((e["code"], raw, ("errors", i, "code")))
    else:
        service = overrides.get("service") or {}
        for i, e in enumerate(service.get("errors", [])):
            out.append((e["code"], raw, ("service", "errors", i, "code")))
        for name, patch in (overrides.get("actions") or {}).items():
            for i, code in enumerate(patch.get("errors", [])):
                out.append((code, raw, ("actions", name, "errors", i)))
    for r in actions:
        for i, code in enumerate(r.data.get("errors", [])):
            out.append((code, r, ("errors", i)))
    return out


def waiter_name(name: str) -> str:
    """The Python name of a waiter: ``wait_until_<this>``."""
    return safe_attr_name(snake_case(name))


DEFAULT_WAITER_DELAY = 2.0
DEFAULT_WAITER_ATTEMPTS = 60


def _waiters(
    svc: _RawFile,
    prefix: tuple[str, ...],
    raw: dict[str, Any],
    actions: list[Action],
    structures: list[Structure],
) -> tuple[Waiter, ...]:
    """Waiters are data: check that each names an action and an output path."""
    by_action = {a.name: a for a in actions}
    by_struct = {s.name: s for s in structures}
    methods = {a.py_name: a.name for a in actions}
    methods.update({"paginate_" + a.py_name: a.name for a in actions if a.paginate})
    out = []
    for name, w in sorted(raw.items()):
        where = (*prefix, name)
        action = by_action.get(w["action"])
        if action is None:
            raise svc.error(f"waiter {name}: no action {w['action']!r}", *where, "action")
        method = "wait_until_" + waiter_name(name)
        if method in methods:
            raise svc.error(
                f"waiter {name}: its method {method}() clashes with that of {methods[method]}",
                *where,
            )
        methods[method] = f"waiter {name}"
        shadowed = sorted({m.py_name for m in action.input} & {"delay", "max_attempts"})
        if shadowed:
            raise svc.error(
                f"waiter {name}: {action.name} has members named {shadowed}, which the "
                "waiter's own delay/max_attempts arguments would shadow",
                *where,
            )
        members: tuple[Member, ...] = action.output
        path = tuple(w["field"].split("."))
        for i, part in enumerate(path):
            member = next((m for m in members if m.name == part), None)
            if member is None or (i < len(path) - 1 and member.element not in by_struct):
                raise svc.error(
                    f"waiter {name}: {w['field']!r} is not an output path of {action.name}",
                    *where,
                    "field",
                )
            if member.is_list:
                raise svc.error(f"waiter {name}: {part!r} is a list", *where, "field")
            if i < len(path) - 1:
                members = by_struct[member.element].members
        out.append(
            Waiter(
                name=name,
                action=action.name,
                field=path,
                success=tuple(w["success"]),
                failure=tuple(w.get("failure", [])),
                delay=float(w.get("delay", DEFAULT_WAITER_DELAY)),
                max_attempts=int(w.get("max_attempts", DEFAULT_WAITER_ATTEMPTS)),
                description=str(w.get("description", "")).strip(),
            )
        )
    return tuple(out)


def _paginate(
    raw: _RawFile,
    spec: dict[str, Any] | None,
    inputs: tuple[Member, ...],
    outputs: tuple[Member, ...],
) -> Paginate | None:
    if spec is None:
        return None
    ins = {m.name: m for m in inputs}
    outs = {m.name: m for m in outputs}
    name = raw.data["action"]
    for key in ("offset", "limit"):
        member = ins.get(spec[key])
        if member is None or member.type not in ("int64", "uint64"):
            raise raw.error(
                f"{name} paginate.{key}: {spec[key]!r} must be an integer input member",
                "paginate",
                key,
            )
    items = outs.get(spec["items"])
    if items is None or not items.is_list:
        raise raw.error(
            f"{name} paginate.items: {spec['items']!r} must be a list output member",
            "paginate",
            "items",
        )
    total = spec.get("total")
    if total is not None and (total not in outs or outs[total].type not in ("int64", "uint64")):
        raise raw.error(
            f"{name} paginate.total: {total!r} must be an integer output member",
            "paginate",
            "total",
        )
    return Paginate(spec["offset"], spec["limit"], spec["items"], total, spec.get("page_size"))


def _check_references(
    structures: list[Structure],
    raw_structures: list[_RawFile],
    actions: list[Action],
    raw_actions: list[_RawFile],
    struct_names: set[str],
) -> None:
    """Every type reference resolves; no two names collide in Python."""

    def check(members: tuple[Member, ...], raw: _RawFile, where: str, owner: str) -> None:
        for i, m in enumerate(members):
            t = m.element
            if t not in SCALARS and t not in struct_names:
                key = "items" if m.is_list else "type"
                raise raw.error(
                    f"{owner}.{m.name}: unknown type {t!r} (a scalar: {', '.join(SCALARS)}; "
                    f"'list' with 'items'; or a structure in structures/)",
                    where,
                    i,
                    key,
                )

    for s, r in zip(structures, raw_structures, strict=True):
        check(s.members, r, "members", s.name)
    methods: dict[str, str] = {}
    for a, r in zip(actions, raw_actions, strict=True):
        check(a.input, r, "input", f"{a.name} input")
        check(a.output, r, "output", f"{a.name} output")
        if a.py_name in methods:
            raise r.error(
                f"actions {methods[a.py_name]!r} and {a.name!r} share the method name "
                f"{a.py_name!r}",
                "action",
            )
        methods[a.py_name] = a.name
        for suffix in ("Request", "Response"):
            if a.name + suffix in struct_names:
                raise r.error(
                    f"structure {a.name + suffix!r} collides with the {suffix.lower()} "
                    f"model of {a.name}",
                    "action",
                )
    for a, r in zip(actions, raw_actions, strict=True):
        if a.paginate is None:
            continue
        pager = "paginate_" + a.py_name
        if pager in methods:
            raise r.error(
                f"{a.name}: its paginator {pager}() clashes with the method of {methods[pager]!r}",
                "paginate",
            )
        methods[pager] = a.name


def _request_id_member() -> Member:
    return Member(
        name=IMPLICIT_REQUEST_ID,
        type="string",
        items=None,
        required=False,
        output_required=True,
        nullable=False,
        sensitive=False,
        deprecated=False,
        description=(
            "The unique request ID, returned for every request; quote it when reporting a problem."
        ),
        lang="en",
        example=None,
        py_name="request_id",
    )


def find_services(spec_root: Path) -> list[Path]:
    """Every ``<service>/<version>/`` folder under the spec root that has a service.yaml."""
    return sorted(p.parent for p in Path(spec_root).glob("*/*/service.yaml"))
