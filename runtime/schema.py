"""The one run-time description of a service version, read by the models, the
clients, the emulator and the CLI alike.

The generator writes it as plain data: a ``_schema`` module per service version
(``tcapi.<service>.<vNNNNNNNN>._schema``) holding ``SERVICE``, ``MODELS`` and
``ACTIONS``. Nothing in it is code, so it loads in a fraction of a millisecond
from its ``.pyc`` and any tool can read it without importing the models.

A member is written as ``(wire, python, type, flags)``: ``type`` is a scalar
(``string``, ``int64``, ``uint64``, ``float``, ``boolean``, ``date``,
``datetime``, ``datetime_iso``, ``binary``) or a structure name, ``[T]`` for a
list of ``T``; ``flags`` has ``r`` (required in requests), ``o`` (always in
responses), ``n`` (may be null), ``s`` (sensitive) and ``d`` (deprecated).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

SCALAR_TYPES = frozenset(
    {"string", "int64", "uint64", "float", "boolean", "date", "datetime", "datetime_iso", "binary"}
)
PY_SCALARS: Mapping[str, type] = {
    "string": str,
    "int64": int,
    "uint64": int,
    "float": float,
    "boolean": bool,
    "date": str,
    "datetime": str,
    "datetime_iso": str,
    "binary": str,
}
"""Scalar type → the Python class of its value (dates and base64 stay strings)."""


class Member(NamedTuple):
    """One member of a model: a request's or response's parameter or a structure's field.

    (The schema's classes are NamedTuples: defining them costs a fraction of what an
    attrs class does, and a client reads the schema when it is built.)"""

    wire: str
    py: str
    type: str
    """The scalar type or structure name of the value, or of each item of a list."""
    is_list: bool = False
    required: bool = False
    output_required: bool = False
    nullable: bool = False
    sensitive: bool = False
    deprecated: bool = False

    @property
    def is_structure(self) -> bool:
        return self.type not in SCALAR_TYPES

    @classmethod
    def parse(cls, row: tuple[str, str, str, str]) -> Member:
        wire, py, typ, flags = row
        is_list = typ.startswith("[")
        return cls(
            wire=wire,
            py=py,
            type=typ[1:-1] if is_list else typ,
            is_list=is_list,
            required="r" in flags,
            output_required="o" in flags,
            nullable="n" in flags,
            sensitive="s" in flags,
            deprecated="d" in flags,
        )


class ModelSchema(NamedTuple):
    name: str
    side: str
    """``in`` (reached from requests only), ``out`` (from responses only), ``both``,
    or empty (reached from neither)."""
    members: tuple[Member, ...]

    @property
    def parses_responses(self) -> bool:
        """Whether ``from_dict`` reads server data (tolerant, reports deviations)
        rather than user input (kept as given, checked by ``validate()``)."""
        return self.side != "in"


class ActionSchema(NamedTuple):
    name: str
    input: str
    """The request model's name."""
    output: str
    """The response model's name."""
    idempotent: bool = False
    deprecated: bool = False
    unsigned: bool = False
    rate_limit: float | None = None
    errors: tuple[str, ...] = ()
    py: str = ""
    """The client method's name."""
    streams: bool = False
    """The action may answer with server-sent events (``<py>_stream`` methods)."""
    body: str = "json"
    """How the request travels: ``json``, ``multipart`` (form parts) or
    ``octet-stream`` (the caller's bytes; members in headers)."""
    files: tuple[str, ...] = ()
    """multipart: the wire names of the members sent as file parts."""
    header_prefix: str = ""
    """octet-stream: the prefix of the headers carrying the members (``X-CLS-``)."""
    title: str = ""
    """One line saying what the action does (the spec's title)."""
    host: str = ""
    """A host of the action's own (es ChatCompletions: ``es.ai.tencentcloudapi.com``),
    used by a client on the service's default endpoint; empty: the client's."""
    pages: tuple[str, str, str, str | None, int | None] | None = None
    """A paginated action's wire names: offset and limit (input), items and total
    (output, total may be None), and the page size the spec sets (None: the server's)."""


class WaiterSchema(NamedTuple):
    """A waiter: poll ``action`` until the member at ``path`` (wire names, outermost
    first) holds a ``success`` value; a ``failure`` value ends the wait as failed."""

    name: str
    action: str
    path: tuple[str, ...]
    success: tuple[Any, ...]
    failure: tuple[Any, ...] = ()
    delay: float = 2.0
    max_attempts: int = 60


class ServiceSchema:
    """One service version's schema, parsed from its ``_schema`` module's data.

    Models are parsed on first lookup: a CLI or emulator that touches three
    actions of a 900-action service pays for three."""

    def __init__(self, data: Any, package: str) -> None:
        svc: Mapping[str, Any] = data.SERVICE
        self.service: str = svc["service"]
        self.version: str = svc["version"]
        self.title: str = svc.get("title", self.service)
        self.endpoint: str = svc["endpoint"]
        self.endpoints: Mapping[str, str] = dict(svc.get("endpoints", {}))
        """The hosts of the sites that document this version: ``china``,
        ``international`` (the international site's definitions have it)."""
        self.region_required: bool = bool(svc.get("region_required", True))
        self.rate_limit: float | None = svc.get("rate_limit")
        self.package = package
        """The Python package of this version (``tcapi.mqtt.v20240516``)."""
        self.errors: tuple[str, ...] = tuple(svc.get("errors", ()))
        self.waiters: Mapping[str, WaiterSchema] = {
            name: WaiterSchema(name=name, **row) for name, row in svc.get("waiters", {}).items()
        }
        self._models: Mapping[str, tuple[str, tuple[tuple[str, str, str, str], ...]]] = data.MODELS
        self._parsed: dict[str, ModelSchema] = {}
        self.actions: Mapping[str, ActionSchema] = {
            name: ActionSchema(name=name, **row) for name, row in data.ACTIONS.items()
        }
        self.action_hosts: Mapping[str, str] = {
            name: a.host for name, a in self.actions.items() if a.host
        }
        """The actions that have a host of their own, and that host."""

    def __repr__(self) -> str:
        return f"ServiceSchema({self.service!r}, {self.version!r})"

    def model_names(self) -> tuple[str, ...]:
        return tuple(self._models)

    def model(self, name: str) -> ModelSchema:
        parsed = self._parsed.get(name)
        if parsed is None:
            side, rows = self._models[name]
            parsed = ModelSchema(name, side, tuple(Member.parse(r) for r in rows))
            self._parsed[name] = parsed
        return parsed

    def members(self, name: str) -> tuple[Member, ...]:
        return self.model(name).members


def load_schema(module: str) -> ServiceSchema:
    """The schema in module ``module`` (``tcapi.mqtt.v20240516._schema``), parsed once
    per module object (kept on it, so a reloaded module is parsed anew); its package
    is the version package."""
    data = importlib.import_module(module)
    parsed: ServiceSchema | None = data.__dict__.get("_tcapi_parsed")
    if parsed is None:
        parsed = ServiceSchema(data, module.rpartition(".")[0])
        data._tcapi_parsed = parsed  # type: ignore[attr-defined]
    return parsed


def schema_module(models_module: str) -> str:
    """The schema module of a model module: ``<version package>.models.<module>``
    → ``<version package>._schema``."""
    return models_module.rsplit(".models.", 1)[0] + "._schema"


def schema_of(model: type) -> ModelSchema:
    """The schema entry of a generated model class (``models.CreateDeviceIdentityRequest``)."""
    where, name = model.__tcapi_schema__  # type: ignore[attr-defined]
    return load_schema(schema_module(where)).model(name)
