"""When to retry a failed attempt, and how long to wait first.

Small named pieces, each replaceable: :func:`is_retryable` decides *whether*,
:func:`backoff_delay` decides *how long*, :class:`RetryPolicy` ties them to a
maximum number of attempts. A retry is only ever safe when the request either
never reached the server or was refused before any processing (throttling).
"""

from __future__ import annotations

import random

import attrs

from . import _constants as C
from .errors import ConnectError, RequestLimitExceeded, TencentCloudError


def is_retryable(error: TencentCloudError) -> bool:
    """Connection failures before sending, and server-side throttling.

    Both are safe for every action: the server did not act on the request.
    """
    return isinstance(error, ConnectError | RequestLimitExceeded)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**(attempt-1)))."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(0.0, ceiling)


@attrs.frozen
class RetryPolicy:
    """How a client retries. ``max_attempts=1`` turns retries off."""

    max_attempts: int = attrs.field(default=C.DEFAULT_MAX_ATTEMPTS)
    base_delay: float = C.DEFAULT_BASE_DELAY
    max_delay: float = C.DEFAULT_MAX_DELAY

    @max_attempts.validator
    def _check(self, attribute: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or value < 1:
            raise ValueError("RetryPolicy.max_attempts must be an integer >= 1")

    def next_delay(self, attempt: int, error: TencentCloudError) -> float | None:
        """Seconds to wait before the next attempt, or None to give up.

        ``attempt`` is the number of the attempt that just failed (1-based).
        """
        if attempt >= self.max_attempts or not is_retryable(error):
            return None
        return backoff_delay(attempt, self.base_delay, self.max_delay)


NO_RETRY = RetryPolicy(max_attempts=1)
