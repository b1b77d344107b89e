"""Values that go on the wire but must never be shown: their ``repr()`` (what an
error tracker records of a frame's locals, what a logged dict prints) hides them.

A :class:`Redacted` string is the value itself everywhere else (sent, hashed,
compared), so transports need not know about it. The clients wrap the
Authorization and X-TC-Token header values and the JSON request body (which
holds members the spec marks sensitive) in them.
"""

from __future__ import annotations


class Redacted(str):
    """A header value whose repr hides it: ``'<redacted>'``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


class RedactedBody(bytes):
    """A request body whose repr says only its size."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<request body, {len(self)} bytes>"
