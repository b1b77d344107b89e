"""aws-cli's shorthand for structures on the command line, read by the schema.

``--Filter Name=zone,Values=ap-1,ap-2`` is ``{"Name": "zone", "Values": ["ap-1",
"ap-2"]}``; ``{...}`` nests a structure (``Owner={Id=1,Name=x}``), ``[...]`` a
list (``Tags=[{Key=a,Value=b},{Key=c,Value=d}]``), quotes (``"`` or ``'``) keep
``,={}[]`` literal. The schema decides what a value is: a list member takes every
comma-separated value up to the next ``Key=``, a scalar member is parsed by its
type, and an unknown key is refused with the nearest member's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .schema import Member, ServiceSchema

__all__ = ["ShorthandError", "parse_shorthand"]

_SPECIAL = ",={}[]"
_VALUE_STOPS = ",}]"


class ShorthandError(ValueError):
    """The text is not shorthand for the structure: the message says where and why."""


Scalar = Callable[[Member, str, str], Any]
"""Parse one scalar value of a member: (member, text, path of the value)."""


class _Reader:
    def __init__(self, text: str, schema: ServiceSchema, scalar: Scalar) -> None:
        self.text = text
        self.pos = 0
        self.schema = schema
        self.scalar = scalar

    def fail(self, what: str) -> ShorthandError:
        return ShorthandError(f"{what} at character {self.pos + 1} of {self.text!r}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.fail(f"expected {char!r}, found {found}")
        self.pos += 1

    def word(self, stops: str = _SPECIAL) -> str:
        """A quoted word, or a bare one up to the next of ``stops`` (a key stops at
        any special character, a scalar value only at ``,`` ``}`` ``]``: ``x=y``
        is a value)."""
        quote = self.peek()
        if quote in {'"', "'"}:
            end = self.text.find(quote, self.pos + 1)
            if end < 0:
                raise self.fail("unclosed quote")
            value = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return value
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stops:
            self.pos += 1
        return self.text[start : self.pos].strip()

    def at_key(self) -> bool:
        """Whether a ``Key=`` starts here (ends a list given without brackets)."""
        start = self.pos
        try:
            if self.peek() in {'"', "'"}:
                return False
            self.word()
            return self.peek() == "="
        finally:
            self.pos = start

    def structure(self, model: str, path: str, closing: str) -> dict[str, Any]:
        members = {m.wire: m for m in self.schema.members(model)}
        out: dict[str, Any] = {}
        while True:
            key = self.word()
            if not key:
                raise self.fail(f"expected a member name of {model}")
            m = members.get(key)
            if m is None:
                from ._kwargs import suggest_name  # noqa: PLC0415 - only for a typo

                meant = suggest_name(key, list(members))
                hint = f"; did you mean {meant!r}?" if meant else ""
                raise ShorthandError(f"{path}: {model} has no member {key!r}{hint}")
            if key in out:
                raise ShorthandError(f"{path}.{key} given twice")
            self.expect("=")
            out[key] = self.value(m, f"{path}.{key}", closing)
            if self.peek() == ",":
                self.pos += 1
                continue
            if self.peek() == closing or (not closing and not self.peek()):
                return out
            if not self.peek():
                raise self.fail(f"expected {closing!r}, found the end")
            raise self.fail(f"expected ',' or the end of {path}")

    def value(self, m: Member, path: str, closing: str) -> Any:
        if self.peek() == "{":
            if not m.is_structure or m.is_list:
                raise ShorthandError(f"{path} is {self._kind(m)}, not a structure")
            self.pos += 1
            value = self.structure(m.type, path, "}")
            self.expect("}")
            return value
        if self.peek() == "[":
            if not m.is_list:
                raise ShorthandError(f"{path} is {self._kind(m)}, not a list")
            self.pos += 1
            items = self.items(m, path, "]")
            self.expect("]")
            return items
        if m.is_list:
            return self.items(m, path, closing)
        if m.is_structure:
            raise ShorthandError(f"{path} is a structure ({m.type}): write {{Member=value,...}}")
        return self.scalar(m, self.word(_VALUE_STOPS), path)

    def items(self, m: Member, path: str, closing: str) -> list[Any]:
        """Comma-separated list items, up to ``closing`` or (without brackets) the
        next ``Key=``."""
        bracketed = closing == "]"
        items: list[Any] = []
        while True:
            index = f"{path}[{len(items)}]"
            if bracketed and self.peek() == "]" and not items:
                return items
            if m.is_structure:
                self.expect("{")
                items.append(self.structure(m.type, index, "}"))
                self.expect("}")
            else:
                items.append(self.scalar(m, self.word(_VALUE_STOPS), index))
            if self.peek() != ",":
                return items
            self.pos += 1
            if not bracketed and self.at_key():
                self.pos -= 1  # the comma separates the next member: leave it
                return items

    @staticmethod
    def _kind(m: Member) -> str:
        if m.is_list:
            return f"a list of {m.type}"
        return f"a structure ({m.type})" if m.is_structure else f"a {m.type}"


def parse_shorthand(
    text: str, schema: ServiceSchema, model: str, path: str, scalar: Scalar
) -> dict[str, Any]:
    """The structure ``model`` written in shorthand; ``path`` names it in errors
    (``--Filter``), ``scalar`` parses each scalar by its member's type."""
    reader = _Reader(text, schema, scalar)
    value = reader.structure(model, path, "")
    if reader.peek():
        raise reader.fail("unexpected text")
    return value
