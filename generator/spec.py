"""The spec as typed objects: load a service folder, validate, cross-check.

Layout of one service version (see spec/README.md)::

    spec/<service>/<YYYY-MM-DD>/service.yaml
    spec/<service>/<YYYY-MM-DD>/actions/<Action>.yaml
    spec/<service>/<YYYY-MM-DD>/structures/<Structure>.yaml
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from . import schema
from .names import safe_attr_name, snake_case
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
    "binary": "str",
}
"""Spec scalar type → Python type. Dates, datetimes and binary (base64) are
strings on the wire and stay strings in the models."""

LIST = "list"
IMPLICIT_REQUEST_ID = "RequestId"


@attrs.frozen
class Member:
    name: str
    type: str
    items: str | None
    required: bool
    nullable: bool
    sensitive: bool
    deprecated: bool
    description: str
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
    members: tuple[Member, ...]
    source: str


@attrs.frozen
class Example:
    title: str
    description: str
    request: dict[str, Any]
    response: dict[str, Any]


@attrs.frozen
class Action:
    name: str
    description: str
    rate_limit: float | None
    idempotent: bool
    deprecated: bool
    input: tuple[Member, ...]
    output: tuple[Member, ...]
    errors: tuple[str, ...]
    examples: tuple[Example, ...]
    source: str
    py_name: str


@attrs.frozen
class ErrorCode:
    code: str
    description: str


@attrs.frozen
class Service:
    service: str
    version: str
    title: str
    client_name: str
    endpoint: str
    endpoints: dict[str, str]
    region_required: bool
    rate_limit: float | None
    errors: tuple[ErrorCode, ...]
    actions: tuple[Action, ...]
    structures: tuple[Structure, ...]
    root: str  # the spec folder, relative to the spec root ("mqtt/2024-05-16")

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


def _members(
    raw: list[dict[str, Any]], v: schema.Validator, where: tuple[str | int, ...], owner: str
) -> tuple[Member, ...]:
    out: list[Member] = []
    wire_seen: dict[str, int] = {}
    py_seen: dict[str, str] = {}
    for i, m in enumerate(raw):
        line = v.lines.get((*where, i))
        name = m["name"]
        if name in wire_seen:
            raise SpecError(v.path, line, f"{owner}: member {name!r} is declared twice")
        wire_seen[name] = i
        py = m.get("python_name") or safe_attr_name(snake_case(name))
        if py in py_seen:
            raise SpecError(
                v.path,
                line,
                f"{owner}: members {py_seen[py]!r} and {name!r} both become the Python name "
                f"{py!r}; give one of them a python_name",
            )
        py_seen[py] = name
        typ, items = m["type"], m.get("items")
        if typ == LIST and items is None:
            raise SpecError(
                v.path, v.lines.get((*where, i, "type")), f"{owner}.{name}: a list needs 'items'"
            )
        if typ != LIST and items is not None:
            raise SpecError(
                v.path,
                v.lines.get((*where, i, "items")),
                f"{owner}.{name}: 'items' only goes with type: list",
            )
        if items == LIST:
            raise SpecError(
                v.path,
                v.lines.get((*where, i, "items")),
                f"{owner}.{name}: lists of lists are not supported",
            )
        out.append(
            Member(
                name=name,
                type=typ,
                items=items,
                required=bool(m.get("required", False)),
                nullable=bool(m.get("nullable", False)),
                sensitive=bool(m.get("sensitive", False)),
                deprecated=bool(m.get("deprecated", False)),
                description=str(m.get("description", "")).strip(),
                example=m.get("example"),
                py_name=py,
            )
        )
    return tuple(out)


def load_service(folder: Path, spec_root: Path | None = None) -> Service:
    """Load and check one service version folder."""
    folder = Path(folder)
    root = spec_root if spec_root is not None else folder.parent.parent
    service_file = folder / "service.yaml"
    if not service_file.is_file():
        raise SpecError(service_file, None, "missing service.yaml")
    data, sv = schema.load_yaml(service_file, schema.SERVICE)
    expected = f"{data['service']}/{data['version']}"
    rel = (
        folder.resolve().relative_to(root.resolve()).as_posix()
        if _inside(folder, root)
        else expected
    )
    if rel != expected:
        raise SpecError(
            service_file,
            sv.lines.get(("service",)),
            f"folder {rel!r} does not match service/version {expected!r}",
        )
    endpoints = data.get("endpoints") or {}
    if not isinstance(endpoints, dict) or not all(
        isinstance(k, str) and isinstance(val, str) for k, val in endpoints.items()
    ):
        raise SpecError(
            service_file, sv.lines.get(("endpoints",)), "endpoints must map names to hosts"
        )

    structures: list[Structure] = []
    struct_validators: dict[str, schema.Validator] = {}
    for path in sorted((folder / "structures").glob("*.yaml")):
        sdata, v = schema.load_yaml(path, schema.STRUCTURE)
        name = sdata["structure"]
        if path.stem != name:
            raise SpecError(
                path, v.lines.get(("structure",)), f"structure {name!r} must live in {name}.yaml"
            )
        struct_validators[name] = v
        structures.append(
            Structure(
                name=name,
                description=str(sdata.get("description", "")).strip(),
                members=_members(sdata["members"], v, ("members",), name),
                source=path.relative_to(root).as_posix() if _inside(path, root) else path.name,
            )
        )
    struct_names = {s.name for s in structures}

    actions: list[Action] = []
    action_validators: dict[str, schema.Validator] = {}
    for path in sorted((folder / "actions").glob("*.yaml")):
        adata, v = schema.load_yaml(path, schema.ACTION)
        name = adata["action"]
        if path.stem != name:
            raise SpecError(
                path, v.lines.get(("action",)), f"action {name!r} must live in {name}.yaml"
            )
        inputs = _members(adata.get("input", []), v, ("input",), f"{name} input")
        outputs = _members(adata.get("output", []), v, ("output",), f"{name} output")
        if not any(m.name == IMPLICIT_REQUEST_ID for m in outputs):
            outputs = (*outputs, _request_id_member())
        examples = []
        for i, ex in enumerate(adata.get("examples", [])):
            for part in ("request", "response"):
                if not isinstance(ex[part], dict):
                    raise SpecError(
                        path,
                        v.lines.get(("examples", i, part)),
                        f"{name} examples[{i}].{part} must be a mapping of wire names to values",
                    )
            examples.append(
                Example(
                    title=str(ex.get("title", "")),
                    description=str(ex.get("description", "")),
                    request=ex["request"],
                    response=ex["response"],
                )
            )
        idem = adata.get("idempotent")
        actions.append(
            Action(
                name=name,
                description=str(adata.get("description", "")).strip(),
                rate_limit=adata.get("rate_limit", data.get("rate_limit")),
                idempotent=bool(idem) if idem is not None else name.startswith("Describe"),
                deprecated=bool(adata.get("deprecated", False)),
                input=inputs,
                output=outputs,
                errors=tuple(dict.fromkeys(adata.get("errors", []))),
                examples=tuple(examples),
                source=path.relative_to(root).as_posix() if _inside(path, root) else path.name,
                py_name=safe_attr_name(snake_case(name)),
            )
        )
        action_validators[name] = v

    # Cross-file checks: every type reference resolves.
    def check_refs(
        members: tuple[Member, ...], v: schema.Validator, where: tuple[str, ...], owner: str
    ) -> None:
        for i, m in enumerate(members):
            t = m.element
            if t not in SCALARS and t not in struct_names:
                key = "items" if m.is_list else "type"
                raise SpecError(
                    v.path,
                    v.lines.get((*where, i, key)),
                    f"{owner}.{m.name}: unknown type {t!r} (a scalar: {', '.join(SCALARS)}; "
                    f"'list' with 'items'; or a structure in structures/)",
                )

    for s in structures:
        check_refs(s.members, struct_validators[s.name], ("members",), s.name)
    py_actions: dict[str, str] = {}
    for a in actions:
        v = action_validators[a.name]
        check_refs(a.input, v, ("input",), f"{a.name} input")
        check_refs(a.output, v, ("output",), f"{a.name} output")
        if a.py_name in py_actions:
            raise SpecError(
                v.path,
                1,
                f"actions {py_actions[a.py_name]!r} and {a.name!r} share the method name "
                f"{a.py_name!r}",
            )
        py_actions[a.py_name] = a.name
    class_names = {s.name for s in structures}
    for a in actions:
        for suffix in ("Request", "Response"):
            if a.name + suffix in class_names:
                v = action_validators[a.name]
                raise SpecError(
                    v.path,
                    1,
                    f"structure {a.name + suffix!r} collides with the {suffix.lower()} "
                    f"model of {a.name}",
                )

    return Service(
        service=data["service"],
        version=data["version"],
        title=str(data.get("title", data["service"])),
        client_name=data["client_name"],
        endpoint=data["endpoint"],
        endpoints=dict(endpoints),
        region_required=bool(data.get("region_required", True)),
        rate_limit=data.get("rate_limit"),
        errors=tuple(
            ErrorCode(e["code"], str(e.get("description", "")).strip())
            for e in data.get("errors", [])
        ),
        actions=tuple(actions),
        structures=tuple(structures),
        root=expected,
    )


def _request_id_member() -> Member:
    return Member(
        name=IMPLICIT_REQUEST_ID,
        type="string",
        items=None,
        required=False,
        nullable=False,
        sensitive=False,
        deprecated=False,
        description=(
            "The unique request ID, returned for every request; quote it when reporting a problem."
        ),
        example=None,
        py_name="request_id",
    )


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def find_services(spec_root: Path) -> list[Path]:
    """Every ``<service>/<version>/`` folder under the spec root that has a service.yaml."""
    return sorted(p.parent for p in Path(spec_root).glob("*/*/service.yaml"))
