"""The type rules of request members, and their errors, without the model classes.

The generated models compile these rules into their ``validate()``
(:mod:`tcapi._compile`); :func:`check_wire` applies the same rules to a
wire-form request dict read from the schema, for callers that never build a
model (the command line, which would otherwise import attrs and compile model
classes on every start). Neither quotes a value in its message (it may be a
secret), only its type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidParameterError
from .schema import Member, ServiceSchema

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "UINT64_MAX",
    "check_wire",
    "missing",
    "out_of_range",
    "wrong_type",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1
_RANGES = {"int64": (INT64_MIN, INT64_MAX), "uint64": (0, UINT64_MAX)}
_PY_NAMES = {"float": "float", "boolean": "bool", "int64": "int", "uint64": "int"}


def wrong_type(field: str, expected: str, value: object) -> InvalidParameterError:
    """The error for a member of the wrong type: names the type, never the value."""
    return InvalidParameterError(
        f"parameter {field}: expected {expected}, got {type(value).__name__}", field=field
    )


def out_of_range(field: str, expected: str) -> InvalidParameterError:
    return InvalidParameterError(f"parameter {field}: out of range for {expected}", field=field)


def missing(field: str) -> InvalidParameterError:
    return InvalidParameterError(f"parameter {field} is required", field=field)


def _check_value(schema: ServiceSchema, m: Member, value: Any, field: str) -> None:
    t = m.type
    if m.is_structure:
        if not isinstance(value, Mapping):
            raise wrong_type(field, f"a {t} object", value)
        check_wire(schema, t, value, field + ".")
    elif t == "binary":
        if not isinstance(value, bytes | bytearray | str):
            raise wrong_type(field, "bytes", value)
    elif t in _RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong_type(field, "int", value)
        lo, hi = _RANGES[t]
        if not lo <= value <= hi:
            raise out_of_range(field, t)
    elif t == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong_type(field, "float", value)
    elif t == "boolean":
        if not isinstance(value, bool):
            raise wrong_type(field, "bool", value)
    elif not isinstance(value, str):
        raise wrong_type(field, "str", value)


def check_wire(schema: ServiceSchema, model: str, data: Mapping[str, Any], path: str = "") -> None:
    """Raise :class:`~tcapi.errors.InvalidParameterError` naming the first member of
    ``data`` (wire names, a request of ``model``) that is missing or of the wrong
    type, as the model's ``validate()`` would; ``None`` counts as absent."""
    for m in schema.members(model):
        field = path + m.wire
        value = data.get(m.wire)
        if value is None:
            if m.required:
                raise missing(field)
            continue
        if m.is_list:
            if not isinstance(value, list):
                raise wrong_type(field, "list", value)
            for i, item in enumerate(value):
                _check_value(schema, m, item, f"{field}[{i}]")
        else:
            _check_value(schema, m, value, field)
