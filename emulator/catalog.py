"""The API descriptions the emulator answers for.

Installed services are read from the same generated schema table the SDK's
models and clients use (``tcapi.<service>.<vNNNNNNNN>._schema``, found through
the ``tcapi.services`` entry-point group), plus the version's documented
examples (``examples.json``), which answer every action the emulator does not
model. Members are :class:`tcapi.schema.Member`: there is no second
description of the API here.

Each version is parsed the first time a request names it, so a catalog of
hundreds of services starts in milliseconds. A service can also be passed in
as a dict (tests and experiments): ``{"service", "version", "endpoint",
"region_required", "rate_limit", "structures": {name: {"members": [...]}},
"actions": {name: {"input": [...], "output": [...], "examples": [...], ...}}}``
with members as ``{"name", "type", "items"?, "required"?, "nullable"?,
"sensitive"?}``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.resources
import importlib.util
import json
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tcapi.schema import SCALAR_TYPES, Member, ServiceSchema, load_schema

__all__ = ["SCALAR_TYPES", "ActionSpec", "Catalog", "Member", "ServiceVersion"]

ENTRY_POINT_GROUP = "tcapi.services"
_VERSION_PACKAGE = re.compile(r"v\d{8}")


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    input: tuple[Member, ...]
    output: tuple[Member, ...]
    examples: tuple[Mapping[str, Any], ...] = ()
    errors: tuple[str, ...] = ()
    rate_limit: float | None = None
    idempotent: bool = False
    deprecated: bool = False
    unsigned: bool = False
    """The API accepts this action with ``Authorization: SKIP``."""
    streams: bool = False
    """The action may answer with server-sent events."""
    body: str = "json"
    """``json``, ``multipart`` or ``octet-stream`` (see tcapi.schema.ActionSchema)."""
    files: tuple[str, ...] = ()
    header_prefix: str = ""


class _Lazy(Mapping[str, Any]):
    """A read-only mapping whose values are built on first lookup."""

    def __init__(self, names: Iterable[str], build: Callable[[str], Any]) -> None:
        self._names = tuple(names)
        self._known = frozenset(self._names)
        self._build = build
        self._done: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        value = self._done.get(name)
        if value is None:
            if name not in self._known:
                raise KeyError(name)
            value = self._done[name] = self._build(name)
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass(frozen=True, slots=True)
class ServiceVersion:
    """One API version of one service: its actions and shared structures."""

    service: str
    version: str
    endpoint: str
    region_required: bool
    actions: Mapping[str, ActionSpec]
    structures: Mapping[str, tuple[Member, ...]]
    errors: tuple[str, ...] = ()
    rate_limit: float | None = None

    @classmethod
    def from_schema(
        cls,
        schema: ServiceSchema,
        examples: Callable[[], Mapping[str, list[dict[str, Any]]]],
    ) -> ServiceVersion:
        """``examples`` gives the documented examples by action; it is called when an
        action is first looked up (a catalog-wide scan for an action name reads no
        example file)."""

        def action(name: str) -> ActionSpec:
            a = schema.actions[name]
            return ActionSpec(
                name=name,
                input=schema.members(a.input),
                output=schema.members(a.output),
                examples=tuple(examples().get(name, ())),
                errors=a.errors,
                rate_limit=a.rate_limit,
                idempotent=a.idempotent,
                deprecated=a.deprecated,
                unsigned=a.unsigned,
                streams=a.streams,
                body=a.body,
                files=a.files,
                header_prefix=a.header_prefix,
            )

        request_or_response = {a.input for a in schema.actions.values()} | {
            a.output for a in schema.actions.values()
        }
        structures = [n for n in schema.model_names() if n not in request_or_response]
        return cls(
            service=schema.service,
            version=schema.version,
            endpoint=schema.endpoint,
            region_required=schema.region_required,
            actions=_Lazy(schema.actions, action),
            structures=_Lazy(structures, schema.members),
            errors=schema.errors,
            rate_limit=schema.rate_limit,
        )


def _member(raw: Mapping[str, Any]) -> Member:
    is_list = raw["type"] == "list"
    return Member(
        wire=str(raw["name"]),
        py=str(raw.get("py", raw["name"])),
        type=str(raw.get("items") or "string") if is_list else str(raw["type"]),
        is_list=is_list,
        required=bool(raw.get("required", False)),
        nullable=bool(raw.get("nullable", False)),
        sensitive=bool(raw.get("sensitive", False)),
    )


def _check_types(where: str, members: Iterable[Member], structures: Mapping[str, Any]) -> None:
    for m in members:
        if m.type not in SCALAR_TYPES and m.type not in structures:
            raise ValueError(f"{where}.{m.wire}: unknown type {m.type!r}")


def parse_service(desc: Mapping[str, Any]) -> ServiceVersion:
    """Build a ServiceVersion from a dict description (see the module docstring)."""
    structures = {
        name: tuple(_member(m) for m in body.get("members", ()))
        for name, body in desc.get("structures", {}).items()
    }
    actions: dict[str, ActionSpec] = {}
    for name, body in desc.get("actions", {}).items():
        actions[name] = ActionSpec(
            name=name,
            input=tuple(_member(m) for m in body.get("input", ())),
            output=tuple(_member(m) for m in body.get("output", ())),
            examples=tuple(body.get("examples", ())),
            errors=tuple(body.get("errors", ())),
            rate_limit=body.get("rate_limit"),
            idempotent=bool(body.get("idempotent", False)),
            deprecated=bool(body.get("deprecated", False)),
            unsigned=bool(body.get("unsigned", False)),
        )
    service = str(desc["service"])
    for sname, members in structures.items():
        _check_types(f"{service}:{sname}", members, structures)
    for action in actions.values():
        _check_types(f"{service}:{action.name}", action.input, structures)
    return ServiceVersion(
        service=service,
        version=str(desc["version"]),
        endpoint=str(desc.get("endpoint", f"{service}.tencentcloudapi.com")),
        region_required=bool(desc.get("region_required", True)),
        actions=actions,
        structures=structures,
        errors=tuple(desc.get("errors", ())),
        rate_limit=desc.get("rate_limit"),
    )


def installed_packages() -> Iterator[tuple[str, str]]:
    """(API service name, version package) of every installed generated service
    version (``("mqtt", "tcapi.mqtt.v20240516")``), found without importing any.

    The entry point's name is the API service name, its value the Python package
    (``as = tcapi.as_``: the package name cannot be a keyword)."""
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=str):
        spec = importlib.util.find_spec(ep.value)
        locations = spec.submodule_search_locations if spec is not None else None
        for info in sorted(pkgutil.iter_modules(locations or []), key=lambda i: i.name):
            if info.ispkg and _VERSION_PACKAGE.fullmatch(info.name):
                yield ep.name, f"{ep.value}.{info.name}"


def _examples(package: str) -> dict[str, list[dict[str, Any]]]:
    resource = importlib.resources.files(package) / "examples.json"
    if not resource.is_file():
        return {}
    data: dict[str, list[dict[str, Any]]] = json.loads(resource.read_text(encoding="utf-8"))
    return data


class Catalog:
    """Every service version the emulator knows, looked up by (service, version)."""

    def __init__(self, specs: Iterable[ServiceVersion] = ()) -> None:
        self._by_service: dict[str, dict[str, Callable[[], ServiceVersion]]] = {}
        for spec in specs:
            self.add(spec)

    @classmethod
    def from_descriptions(cls, descriptions: Iterable[Mapping[str, Any]]) -> Catalog:
        catalog = cls()
        for desc in descriptions:
            catalog.add(parse_service(desc))
        return catalog

    @classmethod
    def installed(cls) -> Catalog:
        """Every installed generated service version, each parsed on first use."""
        catalog = cls()
        for service, package in installed_packages():
            catalog.add_lazy(service, package.rsplit(".", 1)[1], package)
        return catalog

    def add(self, spec: ServiceVersion) -> None:
        self._by_service.setdefault(spec.service, {})[spec.version] = lambda: spec

    def add_lazy(self, service: str, package_version: str, package: str) -> None:
        """A generated version package, loaded when a request first names it.
        ``package_version`` is ``vYYYYMMDD``; the key is the API version."""
        v = package_version.removeprefix("v")
        api_version = f"{v[:4]}-{v[4:6]}-{v[6:]}"

        @functools.cache
        def load() -> ServiceVersion:
            examples = functools.cache(functools.partial(_examples, package))
            return ServiceVersion.from_schema(load_schema(package + "._schema"), examples)

        self._by_service.setdefault(service, {})[api_version] = load

    def has_service(self, service: str) -> bool:
        return service in self._by_service

    def get(self, service: str, version: str) -> ServiceVersion | None:
        load = self._by_service.get(service, {}).get(version)
        return load() if load is not None else None

    def __iter__(self) -> Iterator[ServiceVersion]:
        for versions in self._by_service.values():
            for load in versions.values():
                yield load()

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_service.values())
