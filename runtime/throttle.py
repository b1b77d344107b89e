"""Client-side throttling: stay under each action's documented request rate.

Tencent Cloud limits how many requests per second each action accepts ("A
maximum of 20 requests can be initiated per second for this API") and refuses
the rest with ``RequestLimitExceeded``. The spec carries that limit
(``Operation.rate_limit``), so a client can pace itself instead of being refused.

**The bucket.** Each action has a bucket of N tokens, N being its limit. A
request takes a token, which comes back one window after the request was let
out; with no token left, a request waits for the earliest one to come back. The
window is one second stretched by a headroom (10 %), which absorbs the jitter
between a request leaving here and the server counting it. So any window of
that length holds at most N requests, however the server aligns its own
one-second windows, and a burst of up to N goes out at once. (A bucket refilled
continuously at N/s with room for N would let 2N through across the edge of a
server's window; one with room for a single token would space every burst out.)

**Adaptive.** When the server still says ``RequestLimitExceeded`` (another
process uses the same key, or the real limit is lower than documented),
:meth:`Throttle.throttled` cuts that action's tokens multiplicatively (x 0.7, at
most once per window); they recover additively (10 % of the full count per
window).

**Waiting is the caller's.** :meth:`Throttle.delay` only reserves a slot and
says how long to wait, so the sync client sleeps with ``time.sleep`` and the
async one with ``asyncio.sleep``; the event loop is never blocked. A lock, held
for a few arithmetic operations and never while waiting, makes one throttle safe
to share between threads and tasks, and between clients that use the same key.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from . import _constants as C


class _Bucket:
    """One action's tokens, kept as the start times of its latest requests."""

    def __init__(self, size: int, window: float) -> None:
        self.size = size
        self.window = window
        self._starts: deque[float] = deque(maxlen=size)  # nondecreasing
        self._cut_at: float | None = None  # when the last adaptive cut happened
        self._cut_level = float(size)  # tokens right after that cut

    def level(self, now: float) -> float:
        """Tokens the bucket holds now: ``size``, or less while recovering from a cut."""
        if self._cut_at is None:
            return float(self.size)
        recovered = self.size * C.THROTTLE_RECOVERY * (now - self._cut_at) / self.window
        level = self._cut_level + recovered
        if level >= self.size:
            self._cut_at = None
            return float(self.size)
        return level

    def reserve(self, now: float) -> float:
        """Take a token; returns the seconds until the request may start."""
        n = max(1, int(self.level(now)))
        starts = self._starts
        start = now
        if len(starts) >= n:
            start = max(now, starts[-n] + self.window)
        if starts and starts[-1] > start:  # only after a cut: keep the log in order
            start = starts[-1]
        starts.append(start)
        return start - now

    def cut(self, now: float, factor: float) -> None:
        if self._cut_at is not None and now - self._cut_at < self.window:
            return  # the same burst of refusals: cut once
        self._cut_level = max(1.0, self.level(now) * factor)
        self._cut_at = now


class Throttle:
    """Paces requests per action; see the module docstring.

    ``rate`` is requests per ``per`` seconds (default 1) for every action; None
    (the default) uses each action's documented limit per second, and actions
    without one are not throttled. ``headroom`` stretches each window (0.1: at
    most N requests in any 1.1 s). ``adaptive`` slows an action down when the
    server still refuses it. Share one instance between clients that use the
    same key.
    """

    def __init__(
        self,
        rate: float | None = None,
        *,
        per: float = 1.0,
        headroom: float = C.THROTTLE_HEADROOM,
        adaptive: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate is not None and (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or not math.isfinite(rate)
            or rate <= 0
        ):
            raise ValueError("Throttle rate must be a finite number of requests per second > 0")
        if not isinstance(per, int | float) or not math.isfinite(per) or per <= 0:
            raise ValueError("Throttle per must be a finite number of seconds > 0")
        if not isinstance(headroom, int | float) or not 0 <= headroom <= 10:
            raise ValueError("Throttle headroom must be between 0 and 10")
        self.rate = rate
        self.per = float(per) if rate is not None else 1.0
        self.headroom = float(headroom)
        self.adaptive = adaptive
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket | None] = {}
        from ._fork import fork_safe_lock  # noqa: PLC0415 - keeps `import tcapi` light

        self._lock = fork_safe_lock(self)

    def __repr__(self) -> str:
        rate = "documented" if self.rate is None else f"{self.rate:g} per {self.per:g}s"
        return f"Throttle(rate={rate}, headroom={self.headroom:g}, adaptive={self.adaptive})"

    def _bucket(self, service: str, action: str, documented: float | None) -> _Bucket | None:
        key = (service, action)
        try:
            return self._buckets[key]
        except KeyError:
            pass
        rate = self.rate if self.rate is not None else documented
        bucket = None
        if rate is not None and rate > 0:
            size = max(1, int(rate))
            window = size / rate * self.per * (1.0 + self.headroom)
            bucket = _Bucket(size, window)
        with self._lock:
            return self._buckets.setdefault(key, bucket)

    def delay(self, service: str, action: str, documented: float | None) -> float:
        """Reserve a slot for one request of ``service.action`` (documented limit
        ``documented`` requests per second); returns the seconds to wait first."""
        bucket = self._bucket(service, action, documented)
        if bucket is None:
            return 0.0
        with self._lock:
            return bucket.reserve(self._clock())

    def throttled(self, service: str, action: str) -> None:
        """The server refused a request of ``service.action`` with RequestLimitExceeded."""
        bucket = self._buckets.get((service, action))
        if bucket is None or not self.adaptive:
            return
        with self._lock:
            bucket.cut(self._clock(), C.THROTTLE_DECREASE)

    def current_rate(self, service: str, action: str) -> float | None:
        """Requests per second ``service.action`` may make now, headroom included
        (lower while recovering from refusals); None before its first request or
        when it is not throttled."""
        bucket = self._buckets.get((service, action))
        if bucket is None:
            return None
        with self._lock:
            level = bucket.level(self._clock())
        return max(1, int(level)) / bucket.window


ThrottleOption = bool | float | Throttle | None
"""What the ``throttle=`` option takes: True (each action's documented limit),
False or None (off), a number (that many requests per second for every action),
or a :class:`Throttle`."""


def make_throttle(option: ThrottleOption) -> Throttle | None:
    """The throttle a ``throttle=`` option asks for."""
    if option is None or option is False:
        return None
    if option is True:
        return Throttle()
    if isinstance(option, Throttle):
        return option
    if isinstance(option, int | float):
        return Throttle(rate=option)
    raise TypeError(
        "throttle must be True, False, a number of requests per second or a Throttle, "
        f"not {type(option).__name__}"
    )
