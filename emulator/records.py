"""A bounded, thread-safe log of the requests the emulator received.

Tests assert on what a client really put on the wire (headers, action, typed
parameters, signature method) and on the faults injected into it. Credentials
never enter the log: the Authorization and X-TC-Token headers are dropped
before a request is recorded, v1 signatures and tokens (form parameters) are
not among the recorded parameters, and repr() leaves the parameters out.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

REDACTED_HEADERS = frozenset({"authorization", "x-tc-token"})


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    """Lowercase header names, credentials removed."""
    service: str | None
    version: str | None
    action: str | None
    region: str | None
    params: Mapping[str, Any] | None = field(repr=False)
    """The parsed parameters, or None when the body/query could not be parsed.
    Left out of repr(): parameters may hold keys the spec marks sensitive."""
    request_id: str
    error_code: str | None
    """The error code answered, or None for a success."""
    fault: str | None = None
    """The fault injected into this request (``faults.py``), if any."""
    signature: str | None = None
    """How the request was signed: ``TC3-HMAC-SHA256``, ``HmacSHA1`` or ``HmacSHA256``
    (v1), or None when it was unsigned or not authenticated."""


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in REDACTED_HEADERS}


class RequestLog:
    def __init__(self, maxlen: int = 1000) -> None:
        self._items: deque[RecordedRequest] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
