"""Compile a model's schema entry into its ``validate``/``to_dict``/``from_dict``.

Runs once per model class, the first time one of the three is called, and
installs plain functions on the class: the same straight-line code a template
would have generated, written here once instead of once per model. The rare
paths (a value of an unexpected type, an explicit null, building an error)
call the helpers below.

* ``validate(path)`` checks every member against its declared type, range and
  required flag (requests are validated before anything is sent).
* ``to_dict()`` gives the wire form. When the model came from ``from_dict``
  with nulls or deviations, the generic :func:`_to_dict_replay` gives back
  exactly what was sent for the members that were not changed since.
* ``from_dict(data)`` of a model that parses server data (``side != "in"``) is
  tolerant: coerces what converts without loss, keeps the rest as sent, records
  both as :class:`~tcapi.model.Deviation`; of a request-only model it keeps
  values as given for ``validate()`` to judge.
"""

from __future__ import annotations

import importlib
import logging
import math
import re
import threading
from collections.abc import Mapping
from typing import Any

from ._checks import INT64_MAX, INT64_MIN, UINT64_MAX, missing, out_of_range, wrong_type
from .errors import InvalidParameterError
from .model import Deviation, Model, ResponseModel
from .schema import PY_SCALARS, Member, ModelSchema, ServiceSchema, load_schema, schema_module

logger = logging.getLogger("tcapi")

_lock = threading.Lock()
_NO_REPLAY = object()
"""In a model's sent map: nothing to give back, but ``to_dict`` must take the
generic path (the member holds a value of another shape, kept as sent)."""

_STR_TYPES = frozenset({"string", "date", "datetime", "datetime_iso", "binary"})
_INT_RE = re.compile(r"-?[0-9]+")


class NotAnObject(Exception):
    """``from_dict`` was given something that is not a JSON object."""


def install(cls: type[Model]) -> None:
    """Compile and install the three methods on ``cls`` (once; thread-safe)."""
    with _lock:
        if "_tcapi_compiled" in cls.__dict__:
            return
        where, name = cls.__tcapi_schema__
        if not where:
            raise TypeError(f"{cls.__qualname__} has no schema entry (__tcapi_schema__)")
        module = schema_module(where)
        schema = load_schema(module)
        namespace = _namespace(schema, schema.model(name))
        namespace["_CLS"] = cls
        namespace["_new"] = object.__new__
        source = _source(schema.model(name), issubclass(cls, ResponseModel))
        exec(compile(source, f"<tcapi model {module}:{name}>", "exec"), namespace)  # noqa: S102
        cls.validate = namespace["validate"]  # type: ignore[method-assign]
        cls.to_dict = namespace["to_dict"]  # type: ignore[method-assign]
        cls.from_dict = classmethod(namespace["from_dict"])  # type: ignore[method-assign,assignment]
        cls._tcapi_compiled = True  # type: ignore[attr-defined]


def model_class(schema: ServiceSchema, name: str) -> type[Model]:
    """The generated class of model ``name`` of ``schema``'s service version."""
    models = importlib.import_module(schema.package + ".models")
    cls: type[Model] = getattr(models, name)
    return cls


def _namespace(schema: ServiceSchema, model: ModelSchema) -> dict[str, Any]:
    ns: dict[str, Any] = {
        "missing": missing,
        "wrong_type": wrong_type,
        "out_of_range": out_of_range,
        "INT64_MIN": INT64_MIN,
        "INT64_MAX": INT64_MAX,
        "UINT64_MAX": UINT64_MAX,
        "Mapping": Mapping,
        "NotAnObject": NotAnObject,
        "_as_object": _as_object,
        "_wrong_structure": _wrong_structure,
        "_null": _null,
        "_fix": _fix,
        "_fix_shape": _fix_shape,
        "_prefix": _prefix,
        "_struct_list_slow": _struct_list_slow,
        "_scalar_list": _scalar_list,
        "_to_dict_replay": _to_dict_replay,
        "_NO_REPLAY": _NO_REPLAY,
        "_MEMBERS": model.members,
        "_KNOWN": frozenset(m.wire for m in model.members),
    }
    for i, m in enumerate(model.members):
        if m.is_structure:
            ns[f"C{i}"] = model_class(schema, m.type)
    return ns


# --------------------------------------------------------------------------- source


def _expected(m: Member) -> str:
    return "str" if m.type in _STR_TYPES else PY_SCALARS[m.type].__name__


def _check(m: Member, i: int, v: str, field: str) -> list[str]:
    """Statements that raise when ``v`` is not a valid value of ``m``'s type."""
    t = m.type
    if m.is_structure:
        return [
            f"if not isinstance({v}, C{i}):",
            f"    raise _wrong_structure({field}, {t!r}, {v})",
            f"{v}.validate({field} + '.')",
        ]
    if t == "binary":  # a file part of a multipart request: bytes, or text sent as UTF-8
        return [
            f"if not isinstance({v}, bytes | bytearray | str):",
            f"    raise wrong_type({field}, 'bytes', {v})",
        ]
    if t in _STR_TYPES:
        return [
            f"if {v}.__class__ is not str and not isinstance({v}, str):",
            f"    raise wrong_type({field}, 'str', {v})",
        ]
    if t in ("int64", "uint64"):
        lo, hi = ("0", "UINT64_MAX") if t == "uint64" else ("INT64_MIN", "INT64_MAX")
        return [
            f"if {v}.__class__ is not int and (isinstance({v}, bool) or not isinstance({v}, int)):",
            f"    raise wrong_type({field}, 'int', {v})",
            f"if not {lo} <= {v} <= {hi}:",
            f"    raise out_of_range({field}, {t!r})",
        ]
    if t == "float":
        return [
            f"if {v}.__class__ is not float and (",
            f"    isinstance({v}, bool) or not isinstance({v}, (int, float))",
            "):",
            f"    raise wrong_type({field}, 'float', {v})",
        ]
    return [  # boolean
        f"if {v}.__class__ is not bool:",
        f"    raise wrong_type({field}, 'bool', {v})",
    ]


def _indent(lines: list[str], n: int = 1) -> list[str]:
    pad = "    " * n
    return [pad + line for line in lines]


def _validate(model: ModelSchema) -> list[str]:
    out = ["def validate(self, path=''):"]
    for i, m in enumerate(model.members):
        field = f"path + {m.wire!r}"
        out.append(f"    v = self.{m.py}")
        if m.is_list:
            item_field = f"path + {m.wire!r} + '[' + str(i) + ']'"
            body = [
                "if not isinstance(v, list):",
                f"    raise wrong_type({field}, 'list', v)",
                "for i, x in enumerate(v):",
                *_indent(_check(m, i, "x", item_field)),
            ]
        else:
            body = _check(m, i, "v", field)
        if m.required:
            out += ["    if v is None:", f"        raise missing({field})", *_indent(body)]
        else:
            out += ["    if v is not None:", *_indent(body, 2)]
    out.append("    return None")
    return out


def _to_wire(m: Member, v: str) -> str:
    if m.is_structure:
        return f"[x.to_dict() for x in {v}]" if m.is_list else f"{v}.to_dict()"
    return f"list({v})" if m.is_list else v


def _to_dict(model: ModelSchema) -> list[str]:
    out = [
        "def to_dict(self):",
        "    if self._tcapi_sent is not None:",
        "        return _to_dict_replay(self, _MEMBERS)",
        "    u = self.unknown_fields",
        "    d = dict(u) if u else {}",
    ]
    for m in model.members:
        out += [
            f"    v = self.{m.py}",
            "    if v is not None:",
            f"        d[{m.wire!r}] = {_to_wire(m, 'v')}",
        ]
    out.append("    return d")
    return out


def _from_member_tolerant(m: Member, i: int, v: str) -> list[str]:
    w, py = repr(m.wire), repr(m.py)
    null = [f"    if {w} in d:", f"        sent = _null(sent, {py}, {w})"]
    tuple_to_list = [
        f"if {v}.__class__ is not list and isinstance({v}, list | tuple):",
        f"    {v} = list({v})",
    ]
    if m.is_structure and m.is_list:
        return [
            f"{v} = d.get({w})",
            *tuple_to_list,
            f"if {v}.__class__ is list:",
            "    n = len(_dev)",
            "    try:",
            f"        {v} = [C{i}.from_dict(x, _dev) for x in {v}]",
            "        ok = len(_dev) == n",
            "    except NotAnObject:",
            "        ok = False",
            "    if not ok:",
            "        del _dev[n:]",
            f"        {v}, sent = _struct_list_slow(d[{w}], C{i}, {py}, {w}, sent, _dev)",
            f"elif {v} is None:",
            *null,
            "else:",
            f"    {v}, sent = _fix_shape({v}, 'list', {py}, {w}, sent, _dev)",
        ]
    if m.is_structure:
        return [
            f"{v} = d.get({w})",
            f"if {v}.__class__ is dict:",
            "    n = len(_dev)",
            f"    {v} = C{i}.from_dict({v}, _dev)",
            "    if len(_dev) > n:",
            f"        _prefix(_dev, n, {m.wire + '.'!r})",
            f"elif {v} is None:",
            *null,
            f"elif isinstance({v}, Mapping):",
            f"    {v} = C{i}.from_dict({v}, _dev)",
            "else:",
            f"    {v}, sent = _fix_shape({v}, {m.type!r}, {py}, {w}, sent, _dev)",
        ]
    if m.is_list:
        return [
            f"{v} = d.get({w})",
            *tuple_to_list,
            f"if {v}.__class__ is list:",
            f"    {v}, sent = _scalar_list({v}, {m.type!r}, {py}, {w}, sent, _dev)",
            f"elif {v} is None:",
            *null,
            "else:",
            f"    {v}, sent = _fix_shape({v}, 'list', {py}, {w}, sent, _dev)",
        ]
    exact = PY_SCALARS[m.type].__name__
    return [
        f"{v} = d.get({w})",
        f"if {v}.__class__ is not {exact}:",
        f"    if {v} is None:",
        *_indent(null),
        "    else:",
        f"        {v}, sent = _fix({v}, {m.type!r}, {py}, {w}, sent, _dev)",
    ]


def _from_member_lenient(m: Member, i: int, v: str) -> list[str]:
    w, py = repr(m.wire), repr(m.py)
    out = [
        f"{v} = d.get({w})",
        f"if {v} is None:",
        f"    if {w} in d:",
        f"        sent = _null(sent, {py}, {w})",
    ]
    if m.is_structure and m.is_list:
        out += [
            f"elif isinstance({v}, list | tuple):",
            f"    {v} = [C{i}.from_dict(x) if isinstance(x, Mapping) else x for x in {v}]",
        ]
    elif m.is_structure:
        out += [f"elif isinstance({v}, Mapping):", f"    {v} = C{i}.from_dict({v})"]
    elif m.is_list:
        out += [f"elif isinstance({v}, list | tuple):", f"    {v} = list({v})"]
    else:
        return out
    # Another shape than declared: kept as given (validate() names it), and to_dict
    # gives it back as it is.
    return [*out, "else:", f"    sent = _null(sent, {py}, {w}, _NO_REPLAY)"]


def _from_dict(model: ModelSchema, response: bool) -> list[str]:
    tolerant = model.parses_responses
    out = [
        "def from_dict(cls, data, _dev=None):",
        "    d = data if data.__class__ is dict else _as_object(data)",
        "    sent = None",
    ]
    if tolerant:
        out.append("    if _dev is None:")
        out.append("        _dev = []")
        if response:
            out.append("    n0 = len(_dev)")
    args = []
    for i, m in enumerate(model.members):
        v = f"v{i}"
        member = _from_member_tolerant(m, i, v) if tolerant else _from_member_lenient(m, i, v)
        out += _indent(member)
        args.append(f"{m.py}={v}")
    out += [
        "    if d.keys() <= _KNOWN:",
        "        unknown = {}",
        "    else:",
        "        unknown = {k: x for k, x in d.items() if k not in _KNOWN}",
        # The generated class itself: its slots are set directly (no keyword parsing
        # in __init__; the class has no validators, converters or post-init). A
        # subclass may add fields of its own, so it goes through its __init__.
        "    if cls is _CLS:",
        "        obj = _new(cls)",
        *(f"        obj.{m.py} = v{i}" for i, m in enumerate(model.members)),
        "        obj.unknown_fields = unknown",
        "        obj._tcapi_sent = sent",
    ]
    if response:
        out.append("        obj._tcapi_deviations = ()")
    out += [
        "    else:",
        f"        obj = cls({''.join(a + ', ' for a in args)}unknown_fields=unknown)",
        "        if sent is not None:",
        "            obj._tcapi_sent = sent",
    ]
    if tolerant and response:
        out += ["    if len(_dev) > n0:", "        obj._tcapi_deviations = tuple(_dev[n0:])"]
    out.append("    return obj")
    return out


def _source(model: ModelSchema, response: bool) -> str:
    lines = [*_validate(model), "", *_to_dict(model), "", *_from_dict(model, response)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- rare paths


def _wrong_structure(field: str, name: str, value: object) -> InvalidParameterError:
    """A structure member holding something else; for a mapping, how to build the
    model (a generated method's keyword arguments take mappings, a model does not)."""
    if not isinstance(value, Mapping):
        return wrong_type(field, name, value)
    return InvalidParameterError(
        f"parameter {field}: expected {name}, got {type(value).__name__} (build it with "
        f"models.{name}(...) or models.{name}.from_dict(...))",
        field=field,
    )


def _as_object(data: object) -> Mapping[str, Any]:
    if isinstance(data, Mapping):
        return data
    raise NotAnObject(type(data).__name__)


def _null(
    sent: dict[str, tuple[str, Any, Any]] | None,
    py: str,
    wire: str,
    parsed: object = None,
) -> dict[str, tuple[str, Any, Any]]:
    """Record that ``wire`` came as null (or, with ``_NO_REPLAY``, in another shape)."""
    if sent is None:
        sent = {}
    sent[py] = (wire, parsed, None)
    return sent


_WARN_LIMIT = 10_000


def warn_once(warned: set[tuple[str, str]], action: str, deviation: Deviation) -> None:
    """Log a deviation once per action and member path (list indexes folded), as
    remembered in ``warned`` (a client's; bounded)."""
    path = re.sub(r"\[\d+\]", "[]", deviation.path)
    key = (action, path)
    if key in warned or len(warned) >= _WARN_LIMIT:
        return
    warned.add(key)
    logger.warning(
        "%s: response member %s is %s where the spec declares %s (%s); "
        "later deviations of this member are not logged",
        action,
        path,
        deviation.got,
        deviation.expected,
        "coerced without loss" if deviation.coerced else "kept as sent",
    )


def _coerce(value: Any, typ: str) -> tuple[bool, Any]:
    """(True, converted) when ``value`` converts to ``typ`` without loss, else (False, None)."""
    cls = value.__class__
    if typ in _STR_TYPES:
        if cls is int or cls is float:
            return True, str(value)
    elif typ in ("int64", "uint64"):
        if cls is str and _INT_RE.fullmatch(value):
            return True, int(value)
        if cls is float and value.is_integer():
            return True, int(value)
    elif typ == "float":
        if cls is str:
            try:
                number = float(value)
            except ValueError:
                return False, None
            if math.isfinite(number):
                return True, number
    elif typ == "boolean":
        if cls is str and value in ("true", "false"):
            return True, value == "true"
        if cls is int and value in (0, 1):
            return True, value == 1
    return False, None


def _accepts(value: Any, typ: str) -> bool:
    """Subclasses of the declared class (and ints for floats) are no deviation."""
    if isinstance(value, bool):
        return typ == "boolean"
    if typ in _STR_TYPES:
        return isinstance(value, str)
    if typ in ("int64", "uint64"):
        return isinstance(value, int)
    if typ == "float":
        return isinstance(value, int | float)
    return False


def _fix(
    value: Any,
    typ: str,
    py: str,
    wire: str,
    sent: dict[str, tuple[str, Any, Any]] | None,
    dev: list[Deviation],
) -> tuple[Any, dict[str, tuple[str, Any, Any]] | None]:
    """A scalar member whose value is not of its exact class."""
    if _accepts(value, typ):
        return value, sent
    ok, converted = _coerce(value, typ)
    dev.append(Deviation(wire, _EXPECTED[typ], type(value).__name__, ok))
    if ok:
        if sent is None:
            sent = {}
        sent[py] = (wire, converted, value)
        return converted, sent
    return value, _null(sent, py, wire, _NO_REPLAY)


def _fix_shape(
    value: Any,
    expected: str,
    py: str,
    wire: str,
    sent: dict[str, tuple[str, Any, Any]] | None,
    dev: list[Deviation],
) -> tuple[Any, dict[str, tuple[str, Any, Any]] | None]:
    """A list or structure member that came in another shape: kept as sent."""
    dev.append(Deviation(wire, expected, type(value).__name__, False))
    return value, _null(sent, py, wire, _NO_REPLAY)


_EXPECTED = {t: ("str" if t in _STR_TYPES else PY_SCALARS[t].__name__) for t in PY_SCALARS}


def _prefix(dev: list[Deviation], start: int, prefix: str) -> None:
    for k in range(start, len(dev)):
        d = dev[k]
        dev[k] = Deviation(prefix + d.path, d.expected, d.got, d.coerced)


def _struct_list_slow(
    raw: list[Any],
    cls: type[Model],
    py: str,
    wire: str,
    sent: dict[str, tuple[str, Any, Any]] | None,
    dev: list[Deviation],
) -> tuple[list[Any], dict[str, tuple[str, Any, Any]] | None]:
    """A list of structures with a deviation somewhere: item by item, so that each
    deviation names its index; items that are not objects are kept as sent."""
    items: list[Any] = []
    odd = False
    for i, x in enumerate(raw):
        if isinstance(x, Mapping):
            n = len(dev)
            items.append(cls.from_dict(x, dev))
            _prefix(dev, n, f"{wire}[{i}].")
        else:
            dev.append(Deviation(f"{wire}[{i}]", "object", type(x).__name__, False))
            items.append(x)
            odd = True
    if odd:
        sent = _null(sent, py, wire, _NO_REPLAY)
    return items, sent


def _scalar_list(
    raw: list[Any],
    typ: str,
    py: str,
    wire: str,
    sent: dict[str, tuple[str, Any, Any]] | None,
    dev: list[Deviation],
) -> tuple[list[Any], dict[str, tuple[str, Any, Any]] | None]:
    """A new list of scalars; an item of another class is coerced when lossless
    (the whole list is then given back as sent) or kept as sent."""
    exact = PY_SCALARS[typ]
    for x in raw:
        if x.__class__ is not exact:
            break
    else:
        return list(raw), sent
    items: list[Any] = []
    changed = False
    for i, x in enumerate(raw):
        if x.__class__ is exact or (x is not None and _accepts(x, typ)):
            items.append(x)
            continue
        ok, converted = _coerce(x, typ) if x is not None else (False, None)
        dev.append(Deviation(f"{wire}[{i}]", _EXPECTED[typ], type(x).__name__, ok))
        items.append(converted if ok else x)
        changed = changed or ok
    if sent is None:
        sent = {}
    sent[py] = (wire, items, list(raw)) if changed else (wire, _NO_REPLAY, None)
    return items, sent


def _to_dict_replay(self: Model, members: tuple[Member, ...]) -> dict[str, Any]:
    """to_dict for a model that came with nulls or deviations: members not changed
    since parsing come back exactly as sent; the rest as usual."""
    sent = self._tcapi_sent or {}
    u = self.unknown_fields
    d: dict[str, Any] = dict(u) if u else {}
    for m in members:
        v = getattr(self, m.py)
        record = sent.get(m.py)
        if record is not None and record[1] is not _NO_REPLAY and v is record[1]:
            d[m.wire] = record[2]
            continue
        if v is None:
            continue
        d[m.wire] = _wire_value(m, v)
    return d


def _wire_value(m: Member, v: Any) -> Any:
    if m.is_list:
        if not isinstance(v, list | tuple):
            return v
        if m.is_structure:
            return [x.to_dict() if isinstance(x, Model) else x for x in v]
        return list(v)
    if m.is_structure and isinstance(v, Model):
        return v.to_dict()
    return v
