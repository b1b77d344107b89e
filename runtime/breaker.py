"""A circuit breaker that sends traffic to a backup endpoint while the primary fails.

The semantics (and defaults) are the official SDK's region breaker:

* **closed** — every attempt goes to the primary endpoint and its outcome is
  counted, in fixed windows of ``window`` seconds (5 minutes; the counts start
  again with each window). The breaker opens when a window holds at least
  ``min_failures`` failures (5) making up at least ``failure_rate`` of its
  attempts (75 %), or ``consecutive_failures`` failures in a row (5).
* **open** — for ``open_for`` seconds (60) every attempt goes to the backup
  endpoint; its outcomes are not counted.
* **half-open** — then attempts go to the primary again: the first failure
  opens the breaker again, ``half_open_successes`` successes (5) close it.

An outcome reported after the state changed (an attempt that started under the
previous state) is ignored. A *failure* is an attempt that got no usable answer
— a network failure or timeout, a gateway page or a body that is no API
response — or an ``InternalError`` / ``ServiceUnavailable`` answer. Any other API
error is the service answering, and counts as a success.

The backup endpoint defaults to ``<service>.ap-guangzhou.tencentcloudapi.com``,
the official SDK's default backup region; the client resolves it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Literal

from . import _constants as C
from .errors import (
    InternalError,
    ResponseError,
    ServiceUnavailable,
    TencentCloudError,
    TransportError,
)

State = Literal["closed", "open", "half-open"]


def counts_as_failure(error: TencentCloudError) -> bool:
    """Whether a failed attempt says the endpoint is unhealthy (see the module docstring)."""
    if isinstance(error, TransportError | InternalError | ServiceUnavailable):
        return True
    return isinstance(error, ResponseError) and error.request_id is None


class CircuitBreaker:
    """Routes a client's attempts to ``backup_endpoint`` while the primary fails.

    Pass it as ``circuit_breaker=`` (``True`` builds one with the defaults). A
    breaker keeps state: give each client its own (its ``with_options`` copies
    share it). ``backup_endpoint`` takes what ``endpoint=`` takes: a host or an
    http(s) URL; None means ``<service>.ap-guangzhou.tencentcloudapi.com``.
    """

    def __init__(
        self,
        backup_endpoint: str | None = None,
        *,
        min_failures: int = C.BREAKER_MIN_FAILURES,
        failure_rate: float = C.BREAKER_FAILURE_RATE,
        consecutive_failures: int = C.BREAKER_CONSECUTIVE_FAILURES,
        window: float = C.BREAKER_WINDOW,
        open_for: float = C.BREAKER_OPEN_FOR,
        half_open_successes: int = C.BREAKER_HALF_OPEN_SUCCESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("CircuitBreaker failure_rate must be between 0 and 1")
        for name, count in (
            ("min_failures", min_failures),
            ("consecutive_failures", consecutive_failures),
            ("half_open_successes", half_open_successes),
        ):
            if not isinstance(count, int) or count < 1:
                raise ValueError(f"CircuitBreaker {name} must be an integer >= 1")
        if window <= 0 or open_for <= 0:
            raise ValueError("CircuitBreaker window and open_for must be > 0 seconds")
        self.backup_endpoint = backup_endpoint
        self.min_failures = min_failures
        self.failure_rate = failure_rate
        self.consecutive_failures = consecutive_failures
        self.window = window
        self.open_for = open_for
        self.half_open_successes = half_open_successes
        self._clock = clock
        from ._fork import fork_safe_lock  # noqa: PLC0415 - keeps `import tcapi` light

        self._lock = fork_safe_lock(self)
        self._state: State = "closed"
        self._generation = 0
        self._expires = clock() + window
        self._total = 0
        self._failures = 0
        self._streak = 0  # consecutive failures

    def __repr__(self) -> str:
        return (
            f"CircuitBreaker(state={self.state!r}, backup_endpoint={self.backup_endpoint!r}, "
            f"failures={self._failures}/{self._total})"
        )

    @property
    def state(self) -> State:
        with self._lock:
            return self._current(self._clock())

    def before(self) -> tuple[bool, int]:
        """Route one attempt: (whether to use the backup, the generation to report under)."""
        with self._lock:
            state = self._current(self._clock())
            return state == "open", self._generation

    def after(self, generation: int, failed: bool) -> None:
        """Report the outcome of an attempt routed by :meth:`before`."""
        with self._lock:
            now = self._clock()
            state = self._current(now)
            if generation != self._generation or state == "open":
                return
            self._total += 1
            if failed:
                self._failures += 1
                self._streak += 1
                if state == "half-open" or self._should_open():
                    self._switch("open", now)
            else:
                self._streak = 0
                if state == "half-open" and self._total - self._failures >= (
                    self.half_open_successes
                ):
                    self._switch("closed", now)

    # -- under the lock ----------------------------------------------------------

    def _should_open(self) -> bool:
        if self._streak >= self.consecutive_failures:
            return True
        return (
            self._failures >= self.min_failures
            and self._failures >= self.failure_rate * self._total
        )

    def _current(self, now: float) -> State:
        if self._state == "closed" and now >= self._expires:
            self._new_generation(now)  # a new counting window
        elif self._state == "open" and now >= self._expires:
            self._switch("half-open", now)
        return self._state

    def _switch(self, state: State, now: float) -> None:
        self._state = state
        self._new_generation(now)

    def _new_generation(self, now: float) -> None:
        self._generation += 1
        self._total = self._failures = self._streak = 0
        if self._state == "closed":
            self._expires = now + self.window
        elif self._state == "open":
            self._expires = now + self.open_for
        else:
            self._expires = math.inf  # half-open lasts until an outcome decides
