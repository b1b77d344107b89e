"""When to retry a failed attempt, how long to wait first, and when to stop.

Small named pieces, each replaceable:

* the *condition* — :func:`is_retryable`, built from :func:`not_processed` and
  :func:`may_have_been_processed`: which failures are worth another attempt;
* the *backoff* — :func:`backoff_delay`: exponential, capped, full jitter;
* the *policy* — :class:`RetryPolicy`: the two above plus the maximum number of
  attempts, an overall deadline per call and a hook called before each retry.

A retry never duplicates work: a failure where the request may have reached
the server and been acted on (a read timeout, a reset after sending, a 5xx
gateway page, ``InternalError``) is only retried for actions the spec marks
idempotent. Everything else gets another attempt only when the server certainly
did not act: no connection was made, or it refused the request (throttling).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import _constants as C
from ._frozen import Frozen
from .errors import (
    ConnectError,
    InternalError,
    RequestLimitExceeded,
    RequestTimeoutError,
    ResponseError,
    ServiceUnavailable,
    TencentCloudError,
    TransportError,
)


def not_processed(error: TencentCloudError) -> bool:
    """The server certainly did not act on the request: no connection was made,
    the request timed out before it was completely written, or the API refused
    it before processing (``RequestLimitExceeded*``). Safe to repeat for any action."""
    if isinstance(error, TransportError):
        return not error.sent and isinstance(error, ConnectError | RequestTimeoutError)
    return isinstance(error, RequestLimitExceeded)


def may_have_been_processed(error: TencentCloudError) -> bool:
    """The request may have reached the server and been acted on, but no answer
    says how it went: a read timeout, a reset or a cut-off body after sending, a
    5xx gateway page, a 2xx answer that cannot be read (not JSON, no
    ``Response``, over ``max_body``), ``InternalError`` or ``ServiceUnavailable``."""
    if isinstance(error, TransportError):
        return error.sent
    if isinstance(error, ResponseError):
        status = error.status
        return status is not None and (status >= 500 or 200 <= status < 300)
    return isinstance(error, InternalError | ServiceUnavailable)


def is_retryable(error: TencentCloudError, idempotent: bool = False) -> bool:
    """The default retry condition: :func:`not_processed` failures for every
    action, :func:`may_have_been_processed` ones only for idempotent actions."""
    return not_processed(error) or (idempotent and may_have_been_processed(error))


if TYPE_CHECKING:
    import random


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**(attempt-1)))."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    if rng is None:
        import random  # noqa: PLC0415 - only once a call is retried

        return random.uniform(0.0, ceiling)
    return rng.uniform(0.0, ceiling)


class RetryEvent:
    """What :attr:`RetryPolicy.on_retry` is told before each retry."""

    __slots__ = ("action", "attempt", "code", "delay", "error", "max_attempts", "service")

    def __init__(
        self,
        *,
        service: str,
        action: str,
        attempt: int,
        max_attempts: int,
        code: str,
        delay: float,
        error: TencentCloudError,
    ) -> None:
        self.service = service
        self.action = action
        self.attempt = attempt
        """The attempt that just failed (1-based); the next one is ``attempt + 1``."""
        self.max_attempts = max_attempts
        self.code = code
        """The failed attempt's error code (``RequestLimitExceeded`` ...)."""
        self.delay = delay
        """Seconds the client sleeps before the next attempt."""
        self.error = error

    def __repr__(self) -> str:
        return (
            f"RetryEvent({self.service}.{self.action}, attempt={self.attempt}/"
            f"{self.max_attempts}, code={self.code!r}, delay={self.delay:.3f})"
        )


RetryCondition = Callable[[TencentCloudError, bool], bool]
"""``(error, idempotent) -> bool``: whether a failed attempt may be repeated."""


class RetryPolicy(Frozen):
    """How a client retries. ``max_attempts=1`` turns retries off.

    ``total_timeout`` (seconds, or None for none) is a deadline for the whole
    call: no retry sleeps or starts past it, an attempt under way (connecting,
    sending or reading) ends when it passes, and the last error is raised with a
    note saying so. A retryable answer's ``Retry-After`` (seconds or an HTTP-date)
    is waited at least, within ``max_delay``: a server asking for longer is not
    retried. ``retry_on`` is the retry condition; ``on_retry`` is called with
    a :class:`RetryEvent` before each retry's sleep (an exception it raises
    ends the call). Immutable; ``replace()`` makes a changed copy.
    """

    __slots__ = (  # noqa: RUF023 - the constructor's order, which Frozen relies on
        "max_attempts",
        "base_delay",
        "max_delay",
        "total_timeout",
        "retry_on",
        "on_retry",
    )

    max_attempts: int
    base_delay: float
    max_delay: float
    total_timeout: float | None
    retry_on: RetryCondition
    on_retry: Callable[[RetryEvent], object] | None

    def __init__(  # noqa: PLR0917 - positional, as it always was
        self,
        max_attempts: int = C.DEFAULT_MAX_ATTEMPTS,
        base_delay: float = C.DEFAULT_BASE_DELAY,
        max_delay: float = C.DEFAULT_MAX_DELAY,
        total_timeout: float | None = None,
        retry_on: RetryCondition = is_retryable,
        on_retry: Callable[[RetryEvent], object] | None = None,
    ) -> None:
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be an integer >= 1")
        for name, value in (("base_delay", base_delay), ("max_delay", max_delay)):
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"RetryPolicy.{name} must be a number >= 0")
        if total_timeout is not None and (
            not isinstance(total_timeout, int | float) or total_timeout <= 0
        ):
            raise ValueError("RetryPolicy.total_timeout must be a number > 0, or None")
        put = object.__setattr__
        put(self, "max_attempts", max_attempts)
        put(self, "base_delay", base_delay)
        put(self, "max_delay", max_delay)
        put(self, "total_timeout", total_timeout)
        put(self, "retry_on", retry_on)
        put(self, "on_retry", on_retry)

    def next_delay(
        self, attempt: int, error: TencentCloudError, idempotent: bool = False
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up.

        ``attempt`` is the number of the attempt that just failed (1-based);
        ``idempotent`` is whether the action may safely run twice.
        """
        if attempt >= self.max_attempts or not self.retry_on(error, idempotent):
            return None
        delay = backoff_delay(attempt, self.base_delay, self.max_delay)
        asked = error.retry_after
        if asked is not None:
            if asked > self.max_delay:
                return None  # the server asks for longer than this policy waits
            delay = max(delay, asked)
        return delay


NO_RETRY = RetryPolicy(max_attempts=1)
