"""The behaviour every generated model shares, built from the service's schema.

A generated model is an attrs class that declares its fields, types and
docstrings and names its entry in the service version's schema table
(``__tcapi_schema__``). ``validate()``, ``to_dict()`` and ``from_dict()`` are
compiled from that entry the first time the class uses one of them (as attrs
builds ``__init__``): straight-line Python, one statement group per member, no
reflection per call. See :mod:`tcapi._compile` for what the compiled code does.

Parsing server data is lossless and tolerant: an explicit ``null`` and an int in
a float member come back out of ``to_dict()`` as they came in, and a member of
the wrong type never fails the call. It is coerced when that loses nothing
(``"12"`` for an int, ``"true"`` for a bool) and otherwise kept as sent; either
way ``to_dict()`` gives back what was sent, and the deviation is listed on the
response (``wire_deviations``) and logged once per action and member.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

import attrs

from .errors import InvalidParameterError


def redacted(value: object) -> str:
    """repr() of a sensitive member: shows whether it is set, never its value."""
    return "None" if value is None else "'***'"


class WireTypeError(InvalidParameterError):
    """A response member's wire value has the wrong type, in strict mode.

    ``field`` is the wire path (``Data[3].Status``; empty for the object itself).
    The message names the expected and the actual type, never the value (it may
    be a secret). The client turns it into a :class:`tcapi.ResponseError`.
    """

    def __init__(self, field: str, expected: str, got: str) -> None:
        self.expected = expected
        self.got = got
        where = f"member {field}" if field else "the object"
        super().__init__(f"{where}: expected {expected}, got {got}", field=field)


@attrs.frozen(slots=True)
class Deviation:
    """A response member whose wire value did not have its declared type."""

    path: str
    """The wire path (``Data[3].Status``)."""
    expected: str
    got: str
    """The JSON type that came (``str``, ``dict`` …), never the value."""
    coerced: bool
    """True: converted without loss (``"12"`` → 12); False: kept as sent."""

    def error(self) -> WireTypeError:
        return WireTypeError(self.path, self.expected, self.got)


@attrs.define(kw_only=True, slots=True, eq=True)
class Model:
    """Base class of every generated request, response and structure model."""

    __tcapi_schema__: ClassVar[tuple[str, str]] = ("", "")
    """(schema module, model name) of this class's entry in the schema table."""

    unknown_fields: dict[str, Any] = attrs.field(factory=dict, repr=False)
    """Members the server sent that this model does not know (wire names); sent
    back by ``to_dict()``."""
    _tcapi_sent: dict[str, tuple[str, Any, Any]] | None = attrs.field(
        default=None, init=False, repr=False, eq=False
    )
    """python name → (wire name, value parsed, value sent), for members whose wire
    form ``to_dict()`` must give back as it came (nulls, coerced values)."""

    def validate(self, path: str = "") -> None:
        """Check members against the spec; raises InvalidParameterError naming the field."""
        _compiled(type(self))
        type(self).validate(self, path)

    def to_dict(self) -> dict[str, Any]:
        """The wire form (PascalCase names); unset optional members are omitted."""
        _compiled(type(self))
        return type(self).to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], _dev: list[Deviation] | None = None) -> Self:
        """Build from the wire form; missing members become None, unknown ones
        go to ``unknown_fields``."""
        _compiled(cls)
        return cls.from_dict(data, _dev)


@attrs.define(kw_only=True, slots=True, eq=True)
class ResponseModel(Model):
    """Base class of every generated response model."""

    _tcapi_deviations: tuple[Deviation, ...] = attrs.field(
        default=(), init=False, repr=False, eq=False
    )

    @property
    def wire_deviations(self) -> tuple[Deviation, ...]:
        """The members whose wire value did not have the declared type (empty
        when the server kept to the spec)."""
        return self._tcapi_deviations


def _compiled(cls: type[Model]) -> None:
    from ._compile import install  # noqa: PLC0415 - loaded with the first model used

    install(cls)
