"""Building a request model from a generated method's keyword arguments.

The common case costs what ``cls(**params)`` costs, plus one look-up per
request class that has structure members. Only when attrs refuses the keywords
(``TypeError``) are they analysed, to say which names are unknown or missing
and which python name was meant: ``deviceid`` and ``InstanceId`` (the wire name)
are answered with ``device_id`` and ``instance_id``.

A structure member also takes a plain mapping of the structure's members, by
wire name (``{"Key": "a"}``, as ``from_dict`` takes them) or python name
(``{"key": "a"}``); it is built into the structure here, nested ones too, and an
unknown or missing member of it is reported like a keyword argument's. Its
values are kept as given: ``validate()`` checks them before anything is sent,
as for a structure built by hand.

No message quotes a value (values may be secrets), only names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import InvalidParameterError, KeywordArgumentError
from .model import Model

_Plan = tuple[tuple[str, bool, type], ...]
_PLANS: dict[type, _Plan] = {}
"""request class → (python name, is a list, class) of each structure member."""


def build_request(action: str, cls: Any, params: Mapping[str, Any], method: str = "") -> Any:
    """``cls(**params)``: the request of ``action`` from keyword arguments, with
    structure members given as mappings built into their models.

    ``method`` names the generated method in messages (default: the action's).
    Raises :class:`KeywordArgumentError` for unknown or missing keyword
    arguments and :class:`~tcapi.errors.InvalidParameterError` for a mapping
    that does not describe its structure.
    """
    try:
        request = cls(**params)
    except TypeError:
        error = _keyword_error(action, cls, params, method)
        if error is None:
            raise
        raise error from None
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _plan(cls)
    if plan:
        for py, is_list, structure in plan:
            if py in params:
                v = params[py]
                if is_list:
                    if v.__class__ is list:
                        for x in v:
                            if x.__class__ is not structure:
                                _build_structures(action, request, py, method)
                                break
                elif v.__class__ is not structure and v is not None:
                    _build_structures(action, request, py, method)
    return request


# --------------------------------------------------------------------------- rare paths


def _plan(cls: type) -> _Plan:
    """Note the structure members of request class ``cls`` (once per class)."""
    where = getattr(cls, "__tcapi_schema__", None)
    plan: _Plan = ()
    if isinstance(where, tuple) and where[0]:
        from ._compile import model_class  # noqa: PLC0415
        from .schema import load_schema, schema_module  # noqa: PLC0415

        schema = load_schema(schema_module(where[0]))
        plan = tuple(
            (m.py, m.is_list, model_class(schema, m.type))
            for m in schema.model(where[1]).members
            if m.is_structure
        )
    _PLANS[cls] = plan
    return plan


def _where(action: str, cls: type, method: str) -> str:
    """``create_device_identity()``: the method, for messages."""
    if not method:
        try:
            from .schema import load_schema, schema_module  # noqa: PLC0415

            where = cls.__tcapi_schema__[0]  # type: ignore[attr-defined]
            method = load_schema(schema_module(where)).actions[action].py
        except (AttributeError, KeyError, ImportError, TypeError, IndexError):
            method = ""
    return f"{method or action}()"


def _norm(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def suggest_name(
    name: str, candidates: Sequence[str], wire_to_py: Mapping[str, str] | None = None
) -> str | None:
    """The name meant by ``name`` among ``candidates``: its python name when it is a
    wire name (``wire_to_py``), the same letters without underscores or hyphens in
    any case (``deviceid``, ``DeviceID``, ``device-id``), else the closest (difflib).
    Used for keyword arguments and by the command line alike."""
    exact = None if wire_to_py is None else wire_to_py.get(name)
    if exact is not None:
        return exact
    norm = _norm(name)
    for c in candidates:
        if _norm(c) == norm:
            return c
    import difflib  # noqa: PLC0415

    by_norm = {_norm(c): c for c in candidates}
    close = difflib.get_close_matches(norm, list(by_norm), n=1)
    return by_norm[close[0]] if close else None


def _members_of(cls: type) -> tuple[dict[str, str], dict[str, str]]:
    """(wire → python, python → wire) of a generated model's members."""
    try:
        from .schema import schema_of  # noqa: PLC0415

        members = schema_of(cls).members
    except (AttributeError, KeyError, ImportError, TypeError, ValueError):
        return {}, {}
    return {m.wire: m.py for m in members}, {m.py: m.wire for m in members}


def _keyword_error(
    action: str, cls: type, params: Mapping[str, Any], method: str
) -> KeywordArgumentError | None:
    """The error for keywords attrs refused; None when the TypeError had another cause."""
    import attrs  # noqa: PLC0415

    try:
        fields = attrs.fields(cls)
    except (TypeError, attrs.exceptions.NotAnAttrsClassError):
        return None
    accepted = {f.alias for f in fields if f.init}
    required = [f.alias for f in fields if f.init and f.default is attrs.NOTHING]
    unknown = [k for k in params if k not in accepted]
    missing = [r for r in required if r not in params]
    if not unknown and not missing:
        return None
    wire_to_py, py_to_wire = _members_of(cls)
    candidates = [f.alias for f in fields if f.init and f.alias in py_to_wire]
    suggestions: dict[str, str] = {}
    for name in unknown:
        meant = suggest_name(name, candidates, wire_to_py) if isinstance(name, str) else None
        if meant is not None:
            suggestions[name] = meant
    missing = [r for r in missing if r not in suggestions.values()]
    where = _where(action, cls, method)
    parts = []
    if unknown:
        named = ", ".join(
            repr(n) + (f" (did you mean {suggestions[n]!r}?)" if n in suggestions else "")
            for n in unknown
        )
        s = "s" if len(unknown) > 1 else ""
        parts.append(f"got unknown keyword argument{s} {named}")
    if missing:
        named = ", ".join(
            repr(m) + (f" ({py_to_wire[m]})" if m in py_to_wire else "") for m in missing
        )
        s = "s" if len(missing) > 1 else ""
        parts.append(f"is missing required keyword argument{s} {named}")
    field = unknown[0] if unknown else py_to_wire.get(missing[0], missing[0])
    return KeywordArgumentError(
        f"{where} {' and '.join(parts)}",
        field=field,
        unknown=unknown,
        missing=missing,
        suggestions=suggestions,
    )


def _build_structures(action: str, request: Any, py: str, method: str) -> None:
    """Replace the mappings in structure member ``py`` of ``request`` by models."""
    from ._compile import model_class  # noqa: PLC0415
    from .schema import load_schema, schema_module  # noqa: PLC0415

    where, name = type(request).__tcapi_schema__
    schema = load_schema(schema_module(where))
    [member] = [m for m in schema.model(name).members if m.py == py]
    builder = _Builder(schema, model_class, _where(action, type(request), method))
    value = builder.member(member, getattr(request, py), member.wire)
    setattr(request, py, value)


class _Builder:
    """Builds structures from mappings, recursively, for one request."""

    def __init__(self, schema: Any, model_class: Any, where: str) -> None:
        self.schema = schema
        self.model_class = model_class
        self.where = where

    def member(self, m: Any, value: Any, path: str) -> Any:
        """``value`` of member ``m`` (at wire path ``path``), its mappings built."""
        if not m.is_structure or value is None:
            return value
        if m.is_list:
            if not isinstance(value, list):
                return value  # validate() names the shape
            return [
                self.structure(m.type, x, f"{path}[{i}]") if isinstance(x, Mapping) else x
                for i, x in enumerate(value)
            ]
        if isinstance(value, Mapping):
            return self.structure(m.type, value, path)
        return value

    def structure(self, name: str, data: Mapping[Any, Any], path: str) -> Model:
        """Structure ``name`` from ``data``, keyed by wire or python names."""
        members = self.schema.model(name).members
        by_name: dict[str, Any] = {m.wire: m for m in members}
        by_name.update((m.py, m) for m in members)
        kwargs: dict[str, Any] = {}
        given_as: dict[str, str] = {}
        unknown: list[str] = []
        for key, value in data.items():
            m = by_name.get(key) if isinstance(key, str) else None
            if m is None:
                unknown.append(key if isinstance(key, str) else f"<{type(key).__name__} key>")
                continue
            if m.py in kwargs:
                raise InvalidParameterError(
                    f"{self.where}: parameter {path} has member {m.wire} twice "
                    f"(as {given_as[m.py]!r} and {key!r})",
                    field=f"{path}.{m.wire}",
                )
            given_as[m.py] = key
            kwargs[m.py] = self.member(m, value, f"{path}.{m.wire}")
        if unknown:
            raise self._unknown(name, members, unknown, path)
        absent = [m.wire for m in members if m.required and m.py not in kwargs]
        if absent:
            s = "s" if len(absent) > 1 else ""
            raise InvalidParameterError(
                f"{self.where}: parameter {path} ({name}) is missing required member{s} "
                f"{', '.join(absent)}",
                field=f"{path}.{absent[0]}",
            )
        cls: type[Model] = self.model_class(self.schema, name)
        return cls(**kwargs)

    def _unknown(
        self, name: str, members: Sequence[Any], unknown: list[str], path: str
    ) -> InvalidParameterError:
        wire_to_py = {m.wire: m.py for m in members}
        py_to_wire = {m.py: m.wire for m in members}
        named = []
        for key in unknown:
            # Answer in the naming the mapping uses: a wire name for "Kye", a python one for "kye".
            pascal = key[:1].isupper()
            meant = suggest_name(key, list(py_to_wire), None if pascal else wire_to_py)
            if meant is not None and pascal:
                meant = py_to_wire[meant]
            named.append(repr(key) + (f" (did you mean {meant!r}?)" if meant else ""))
        s = "s" if len(unknown) > 1 else ""
        return InvalidParameterError(
            f"{self.where}: parameter {path} ({name}) has unknown member{s} {', '.join(named)}",
            field=f"{path}.{unknown[0]}",
        )
