"""Helpers the generated models call: validation errors, wire type checks and
secret redaction.

Generated ``validate()``/``to_dict()``/``from_dict()`` are straight-line code;
only the rare paths (a value of an unexpected class, building an error message,
rendering a redacted repr) come here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .errors import InvalidParameterError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1

T = TypeVar("T")


def wrong_type(field: str, expected: str, value: object) -> InvalidParameterError:
    """The error for a member of the wrong type. Never quotes the value itself
    (it may be a secret), only its type."""
    return InvalidParameterError(
        f"parameter {field}: expected {expected}, got {type(value).__name__}", field=field
    )


def out_of_range(field: str, expected: str) -> InvalidParameterError:
    return InvalidParameterError(f"parameter {field}: out of range for {expected}", field=field)


def missing(field: str) -> InvalidParameterError:
    return InvalidParameterError(f"parameter {field} is required", field=field)


def redacted(value: object) -> str:
    """repr() of a sensitive member: shows whether it is set, never its value."""
    return "None" if value is None else "'***'"


# --------------------------------------------------------------------------- from_dict


class WireTypeError(InvalidParameterError):
    """``from_dict()`` met a member whose wire value has the wrong type.

    ``field`` is the wire path (``Data[3].Status``; empty for the object itself).
    The message names the expected and the actual type, never the value (it may
    be a secret). The client turns it into a :class:`tcapi.ResponseError`.
    """

    def __init__(self, field: str, expected: str, got: str) -> None:
        self.expected = expected
        self.got = got
        where = f"member {field}" if field else "the object"
        super().__init__(f"{where}: expected {expected}, got {got}", field=field)

    def under(self, prefix: str) -> WireTypeError:
        """The same error seen from the enclosing object (``prefix`` is the member)."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return WireTypeError(field, self.expected, self.got)


def _wrong(field: str, expected: str, value: object) -> WireTypeError:
    return WireTypeError(field, expected, type(value).__name__)


# Each wire_* is called only when the value's class is not exactly the expected
# one (the generated code checks ``v.__class__ is not str`` inline): subclasses
# are accepted, ints widen to float, everything else is an error.


def wire_str(value: object, field: str) -> str:
    if isinstance(value, str):
        return value
    raise _wrong(field, "str", value)


def wire_int(value: object, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _wrong(field, "int", value)


def wire_float(value: object, field: str) -> float:
    if isinstance(value, float):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise WireTypeError(field, "float", "int too large for a float") from None
    raise _wrong(field, "float", value)


def wire_bool(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _wrong(field, "bool", value)


def wire_object(value: object, field: str) -> Mapping[str, Any]:
    """A structure's wire form: a JSON object (any Mapping)."""
    if isinstance(value, Mapping):
        return value
    raise _wrong(field, "object", value)


def wire_list(value: object, field: str) -> list[Any]:
    """A list member's wire form: a JSON array (a list or tuple); returns a new list."""
    if isinstance(value, list | tuple):
        return list(value)
    raise _wrong(field, "list", value)


def wire_items(
    value: object, field: str, exact: type[T], check: Callable[[object, str], T]
) -> list[T]:
    """A new list of scalars of class ``exact``, each checked by ``check``."""
    items = wire_list(value, field)
    for i, x in enumerate(items):
        if x.__class__ is not exact:
            items[i] = check(x, f"{field}[{i}]")
    return items


def wire_item_error(parse: Callable[[Any], object], items: list[Any], field: str) -> WireTypeError:
    """Which item of a list of structures ``parse`` rejected, as an error naming it.

    Only called after the fast path failed: parses the items again, one by one."""
    for i, x in enumerate(items):
        try:
            parse(x)
        except WireTypeError as exc:
            return exc.under(f"{field}[{i}]")
    return WireTypeError(field, "list of objects", "a list it rejected once")
