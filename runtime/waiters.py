"""Poll an action until a resource reaches a state: the engine behind the
generated ``wait_until_*`` methods, whose conditions are data in the spec."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from .errors import ClientError

R = TypeVar("R")


class WaiterError(ClientError):
    """A waiter stopped without reaching a success state."""

    def __init__(self, message: str, *, last_value: object = None, attempts: int = 0) -> None:
        super().__init__(message)
        self.last_value = last_value
        self.attempts = attempts


class WaiterFailedError(WaiterError):
    """The resource reached a state the spec names as failure."""


class WaiterTimeoutError(WaiterError):
    """``max_attempts`` polls went by without a success state."""


class WaiterSpec:
    """One waiter: the Python attribute path to poll and the values that end it.

    A plain class: the generated clients build theirs at import, which must stay cheap."""

    __slots__ = ("delay", "failure", "max_attempts", "name", "path", "success")

    def __init__(
        self,
        *,
        name: str,
        path: tuple[str, ...],
        success: Iterable[Any],
        failure: Iterable[Any] = (),
        delay: float = 2.0,
        max_attempts: int = 60,
    ) -> None:
        self.name = name
        self.path = path
        self.success: frozenset[Any] = frozenset(success)
        self.failure: frozenset[Any] = frozenset(failure)
        self.delay = delay
        self.max_attempts = max_attempts

    def __repr__(self) -> str:
        return (
            f"WaiterSpec(name={self.name!r}, path={self.path!r}, success={set(self.success)!r}, "
            f"failure={set(self.failure)!r}, delay={self.delay!r}, "
            f"max_attempts={self.max_attempts!r})"
        )

    def value(self, response: object) -> object:
        """The polled value: ``path`` followed through attributes, or through keys
        when the response is a mapping (the wire form, as the CLI polls)."""
        value: object = response
        for attr in self.path:
            value = value.get(attr) if isinstance(value, Mapping) else getattr(value, attr, None)
            if value is None:
                return None
        return value

    def outcome(self, response: object, attempt: int) -> bool:
        """True when done; raises when the wait has failed; False to poll again."""
        value = self.value(response)
        if value in self.success:
            return True
        if value in self.failure:
            raise WaiterFailedError(
                f"{self.name}: reached {value!r}, a failure state",
                last_value=value,
                attempts=attempt,
            )
        return False

    def timeout(self, attempts: int, last: object) -> WaiterTimeoutError:
        return WaiterTimeoutError(
            f"{self.name}: still {last!r} after {attempts} attempts",
            last_value=last,
            attempts=attempts,
        )


def _settings(spec: WaiterSpec, delay: float | None, max_attempts: int | None) -> tuple[float, int]:
    d = spec.delay if delay is None else delay
    n = spec.max_attempts if max_attempts is None else max_attempts
    if d < 0 or n < 1:
        raise ValueError("waiter delay must be >= 0 and max_attempts >= 1")
    return d, n


def wait(
    call: Callable[[Any], R],
    request: object,
    spec: WaiterSpec,
    *,
    delay: float | None = None,
    max_attempts: int | None = None,
) -> R:
    """Call until ``spec`` says done; returns the last response."""
    d, n = _settings(spec, delay, max_attempts)
    for attempt in range(1, n + 1):
        response = call(request)
        if spec.outcome(response, attempt):
            return response
        if attempt < n:
            time.sleep(d)
    raise spec.timeout(n, spec.value(response))


async def async_wait(
    call: Callable[[Any], Awaitable[R]],
    request: object,
    spec: WaiterSpec,
    *,
    delay: float | None = None,
    max_attempts: int | None = None,
) -> R:
    """The asyncio twin of :func:`wait`."""
    d, n = _settings(spec, delay, max_attempts)
    for attempt in range(1, n + 1):
        response = await call(request)
        if spec.outcome(response, attempt):
            return response
        if attempt < n:
            import asyncio  # noqa: PLC0415 - keeps `import tcapi.<service>` light

            await asyncio.sleep(d)
    raise spec.timeout(n, spec.value(response))
