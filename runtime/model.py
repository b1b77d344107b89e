"""Helpers the generated models call: validation errors and secret redaction.

Generated ``validate()``/``to_dict()``/``from_dict()`` are straight-line code;
only the rare paths (building an error message, rendering a redacted repr)
come here.
"""

from __future__ import annotations

from .errors import InvalidParameterError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1


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
