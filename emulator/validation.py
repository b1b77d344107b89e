"""Checks request parameters against an action's input members, as the real API does.

The whole tree is walked once and every problem is collected, then the most
important kind is reported first — unknown keys, then missing required members,
then wrong value types — so a request with several mistakes always gets the same,
predictable answer. Problems are named by their flattened path
(``PropagatingProperties.0.Key``), the form Tencent's error messages use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .catalog import Member
from .errors import ApiError, missing

_INT64 = (-(2**63), 2**63 - 1)
_UINT64 = (0, 2**64 - 1)
_EXPECTED = {
    "int64": "an integer",
    "uint64": "a non-negative integer",
    "float": "a number",
    "boolean": "a boolean",
    "list": "an array",
}


def _is_int(value: Any, bounds: tuple[int, int]) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and (bounds[0] <= value <= bounds[1])
    )


def scalar_ok(type_: str, value: Any) -> bool:
    """Whether a JSON value has the wire type of a scalar member type."""
    if type_ == "int64":
        return _is_int(value, _INT64)
    if type_ == "uint64":
        return _is_int(value, _UINT64)
    if type_ == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_ == "boolean":
        return isinstance(value, bool)
    return isinstance(value, str)  # string, date, datetime, datetime_iso, binary


@dataclass
class _Problems:
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    wrong_type: list[tuple[str, str]] = field(default_factory=list)

    def first(self) -> ApiError | None:
        if self.unknown:
            return ApiError(
                "UnknownParameter", f"The parameter `{self.unknown[0]}` is not recognized."
            )
        if self.missing:
            return missing(self.missing[0])
        if self.wrong_type:
            path, expected = self.wrong_type[0]
            return ApiError(
                "InvalidParameterValue",
                f"The value type of parameter `{path}` is not valid: expected {expected}.",
            )
        return None


class _Walker:
    def __init__(self, structures: Mapping[str, Sequence[Member]]) -> None:
        self.structures = structures
        self.problems = _Problems()

    def object(self, members: Sequence[Member], value: Mapping[str, Any], prefix: str) -> None:
        known = {m.wire for m in members}
        self.problems.unknown.extend(prefix + k for k in value if k not in known)
        for m in members:
            item = value.get(m.wire)
            if item is None:  # null counts as absent, like the official SDKs send it
                if m.required:
                    self.problems.missing.append(prefix + m.wire)
                continue
            if m.is_list:
                if not isinstance(item, list):
                    self.problems.wrong_type.append((prefix + m.wire, "an array"))
                    continue
                for i, x in enumerate(item):
                    self.value(m.type, x, f"{prefix}{m.wire}.{i}")
            else:
                self.value(m.type, item, prefix + m.wire)

    def value(self, type_: str, value: Any, path: str) -> None:
        if type_ in self.structures:
            if isinstance(value, dict):
                self.object(self.structures[type_], value, path + ".")
            else:
                self.problems.wrong_type.append((path, f"an object ({type_})"))
        elif not scalar_ok(type_, value):
            self.problems.wrong_type.append((path, _EXPECTED.get(type_, "a string")))


def validate_params(
    members: Sequence[Member],
    structures: Mapping[str, Sequence[Member]],
    params: Mapping[str, Any],
) -> None:
    """Raise the ApiError the real API would answer for these parameters, if any."""
    walker = _Walker(structures)
    walker.object(members, params, "")
    problem = walker.problems.first()
    if problem is not None:
        raise problem
