"""A small base for the runtime's immutable value classes (Credential,
RetryPolicy …): slotted, frozen, compared and hashed by their fields.

They are built with every client, so they are plain classes rather than attrs
ones: defining an attrs class, and importing attrs, costs more than the rest of
building a client.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

_HIDDEN = "'***'"


class FrozenInstanceError(AttributeError):
    """Raised on an attempt to change a frozen instance's attribute."""


class Frozen:
    """Subclasses list their fields in ``__slots__`` (in ``__init__``'s order) and set
    them with ``object.__setattr__`` in ``__init__``; ``_hidden`` names the fields
    whose value ``repr()`` shows as ``'***'``."""

    __slots__ = ()
    _hidden: ClassVar[frozenset[str]] = frozenset()

    def _names(self) -> tuple[str, ...]:
        names: tuple[str, ...] = self.__slots__
        return names

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._names())

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"{type(self).__name__}.{name} cannot be changed")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"{type(self).__name__}.{name} cannot be deleted")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((type(self), self._fields()))

    def __repr__(self) -> str:
        hidden = self._hidden
        shown = ", ".join(
            f"{name}={_HIDDEN if name in hidden and value is not None else repr(value)}"
            for name, value in zip(self._names(), self._fields(), strict=True)
        )
        return f"{type(self).__name__}({shown})"

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (checked like the constructor's)."""
        values = dict(zip(self._names(), self._fields(), strict=True))
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        values.update(changes)
        return type(self)(**values)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._fields())
