"""The API descriptions the emulator answers for, parsed once at start-up.

Descriptions come from the ``service.json`` file of every installed generated
service (found through the ``tcapi.services`` entry-point group) or are passed
in as dicts. They are turned into small typed records here so that every later
stage reads attributes instead of poking at nested dicts, and so that a broken
description fails loudly at start-up rather than on the first request.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources
import json
import pkgutil
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SCALAR_TYPES = frozenset(
    {"string", "int64", "uint64", "float", "boolean", "date", "datetime", "datetime_iso", "binary"}
)
ENTRY_POINT_GROUP = "tcapi.services"
_VERSION_PACKAGE = re.compile(r"v\d{8}")


@dataclass(frozen=True, slots=True)
class Member:
    """One field of an action's input/output or of a structure."""

    name: str
    type: str
    items: str | None = None
    required: bool = False
    nullable: bool = False
    sensitive: bool = False


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    input: tuple[Member, ...]
    output: tuple[Member, ...]
    examples: tuple[Mapping[str, Any], ...] = ()
    errors: tuple[str, ...] = ()
    rate_limit: int | None = None
    idempotent: bool = False
    deprecated: bool = False
    unsigned: bool = False
    """The API accepts this action with ``Authorization: SKIP``."""


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
    rate_limit: int | None = None


def _member(raw: Mapping[str, Any]) -> Member:
    return Member(
        name=str(raw["name"]),
        type=str(raw["type"]),
        items=None if raw.get("items") is None else str(raw["items"]),
        required=bool(raw.get("required", False)),
        nullable=bool(raw.get("nullable", False)),
        sensitive=bool(raw.get("sensitive", False)),
    )


def _check_types(where: str, members: Iterable[Member], structures: Mapping[str, Any]) -> None:
    for m in members:
        types = [m.type] if m.type != "list" else [m.items or ""]
        for t in types:
            if t not in SCALAR_TYPES and t not in structures:
                raise ValueError(f"{where}.{m.name}: unknown type {t!r}")


def parse_service(desc: Mapping[str, Any]) -> ServiceVersion:
    """Build a ServiceVersion from the generator's service.json data."""
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


def installed_descriptions() -> Iterator[dict[str, Any]]:
    """Yield the service.json data of every installed generated service version."""
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        module = importlib.import_module(ep.value)
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            if not (info.ispkg and _VERSION_PACKAGE.fullmatch(info.name)):
                continue
            resource = importlib.resources.files(f"{ep.value}.{info.name}") / "service.json"
            if resource.is_file():
                yield json.loads(resource.read_text(encoding="utf-8"))


class Catalog:
    """Every service version the emulator knows, looked up by (service, version)."""

    def __init__(self, specs: Iterable[ServiceVersion] = ()) -> None:
        self._by_service: dict[str, dict[str, ServiceVersion]] = {}
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
        return cls.from_descriptions(installed_descriptions())

    def add(self, spec: ServiceVersion) -> None:
        self._by_service.setdefault(spec.service, {})[spec.version] = spec

    def has_service(self, service: str) -> bool:
        return service in self._by_service

    def get(self, service: str, version: str) -> ServiceVersion | None:
        return self._by_service.get(service, {}).get(version)

    def __iter__(self) -> Iterator[ServiceVersion]:
        for versions in self._by_service.values():
            yield from versions.values()

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_service.values())
