"""What an action handler sees, and the default handler that answers examples.

A handler gets the fully checked request (authenticated, routed, validated) and
returns the members of ``Response`` except RequestId, or raises ApiError. The
stateful emulator replaces the default per (service, action) without touching
the checks in front of it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .auth import Caller
from .catalog import ActionSpec, ServiceVersion


@dataclass
class RequestContext:
    """One request as it moves through the stages; each stage fills in its part."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    """Lowercase names."""
    body: bytes
    request_id: str
    received_at: float
    caller: Caller | None = None
    service: str | None = None
    version: str | None = None
    action: str | None = None
    region: str | None = None
    language: str | None = None
    spec: ServiceVersion | None = None
    action_spec: ActionSpec | None = None
    params: dict[str, Any] | None = None
    state: dict[str, Any] = field(default_factory=dict)
    """Free space for stages added later (rate limiting, fault injection)."""


Handler = Callable[[RequestContext], Mapping[str, Any]]
Stage = Callable[[RequestContext], None]


def answer_with_example(ctx: RequestContext) -> dict[str, Any]:
    """The action's first documented example response (its RequestId is replaced)."""
    examples = ctx.action_spec.examples if ctx.action_spec else ()
    if not examples:
        return {}
    response = examples[0].get("response") or {}
    if set(response) == {"Response"} and isinstance(response["Response"], dict):
        response = response["Response"]  # tolerate the wrapped form
    answer = copy.deepcopy(dict(response))
    answer.pop("RequestId", None)
    return answer
