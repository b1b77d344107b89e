"""Per-action request rate limits, as a stage: the real API's ``RequestLimitExceeded``.

Each action documents a limit ("A maximum of 20 requests can be initiated per
second for this API"), carried as ``rate_limit`` in service.json (per action,
with the service's value as the fallback). The limiter counts requests per
(SecretId, service, action) in fixed one-second windows of the app's clock —
the window of a request is ``int(ctx.received_at)`` — so a test that controls
``app.clock`` controls the limiter too: the (limit + 1)-th request in a second
is refused and the first one of the next second is accepted. Refused requests
count towards the window, like the real API's.
"""

from __future__ import annotations

import threading

from .errors import ApiError
from .handlers import RequestContext

_ANONYMOUS = ""
"""The key of unsigned requests (they have no SecretId)."""


def limit_exceeded(count: int, limit: float, language: str | None = None) -> ApiError:
    """The real API's error for the ``count``-th request in a second over ``limit``."""
    if language == "zh-CN":
        message = f"您当前每秒请求 `{count}` 次，超过了每秒频率上限 `{limit}`，请稍后重试。"  # noqa: RUF001
    else:
        message = (
            f"Your current request times equals to `{count}` in a second, which exceeds "
            f"the frequency limit `{limit}` for a second. Please reduce the frequency of calls."
        )
    return ApiError("RequestLimitExceeded", message)


class RateLimiter:
    """A stage: fixed one-second windows per (SecretId, service, action).

    Put it after routing (it needs the action's spec and the caller). Switch it
    off and on at run time with ``enabled``; ``reset()`` forgets every window.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str, str], tuple[int, int]] = {}
        self.refused = 0
        """How many requests were refused since the last reset."""

    def __repr__(self) -> str:
        return f"RateLimiter(enabled={self.enabled}, keys={len(self._windows)})"

    @staticmethod
    def limit_of(ctx: RequestContext) -> float | None:
        """The action's limit per second, or the service's; None means unlimited."""
        if ctx.action_spec is not None and ctx.action_spec.rate_limit is not None:
            return ctx.action_spec.rate_limit
        return ctx.spec.rate_limit if ctx.spec is not None else None

    def __call__(self, ctx: RequestContext) -> None:
        if not self.enabled:
            return
        limit = self.limit_of(ctx)
        if limit is None or limit <= 0:
            return
        caller = (ctx.caller.secret_id if ctx.caller is not None else None) or _ANONYMOUS
        key = (caller, ctx.service or "", ctx.action or "")
        window = int(ctx.received_at)
        with self._lock:
            start, count = self._windows.get(key, (window, 0))
            count = count + 1 if start == window else 1
            self._windows[key] = (window, count)
            if count > limit:
                self.refused += 1
        if count > limit:
            raise limit_exceeded(count, limit, ctx.language)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self.refused = 0
