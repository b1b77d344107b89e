"""Fault injection: the failures a real network and a real gateway produce, on demand.

A fault specification is a comma-separated list of ``kind=value``::

    reset_before=0.05,reset_after=0.05,internal_error=0.05,http_502=0.02,
    truncated=0.01,throttle=0.05,latency_ms=20

Probabilities (each request gets at most one of these kinds):

``reset_before``
    The connection is reset (TCP RST) once the request has been read, before
    anything is processed: nothing happens.
``reset_after``
    The request is processed (state is committed), then the connection is reset
    without an answer: the client cannot tell whether its call took effect.
``internal_error``
    An ``InternalError`` answer (the usual HTTP 200 envelope); nothing is processed.
``http_502``
    An HTML ``502 Bad Gateway`` page (``Content-Type: text/html``), as a load
    balancer sends it; nothing is processed.
``truncated``
    The request is processed (state is committed), then the answer is sent with
    its full ``Content-Length`` but only half of the body, and the connection is
    closed: clients see a protocol error after the call took effect.
``throttle``
    ``RequestLimitExceeded`` without processing, in bursts: a throttled request
    starts a burst of ``throttle_burst`` (default 3) consecutive throttled requests.

Other settings:

``latency_ms``
    Milliseconds added before every answer (and before every reset).
``throttle_burst``
    The length of a throttle burst (an integer of at least 1).

Repeatability: the generator is ``random.Random(seed)`` and exactly one number
is drawn per API request while any probability is set, so the same seed and the
same sequence of requests give the same faults. Admin requests draw nothing.

The decision is sans-IO: :meth:`FaultInjector.decide` names the fault, the app
answers (or not) accordingly and marks its response, and the HTTP adapter
performs the resets, truncation and delay.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RESET_BEFORE = "reset_before"
RESET_AFTER = "reset_after"
INTERNAL_ERROR = "internal_error"
HTTP_502 = "http_502"
TRUNCATED = "truncated"
THROTTLE = "throttle"
LATENCY = "latency_ms"

FAULT_KINDS = (RESET_BEFORE, RESET_AFTER, INTERNAL_ERROR, HTTP_502, TRUNCATED, THROTTLE)
"""The probabilistic kinds, in the order their probability ranges are laid out."""
BEFORE_PROCESSING = frozenset({RESET_BEFORE, INTERNAL_ERROR, HTTP_502, THROTTLE})
"""Kinds that answer (or reset) instead of processing the request."""
AFTER_PROCESSING = frozenset({RESET_AFTER, TRUNCATED})
"""Kinds that process the request, then spoil its answer."""
DEFAULT_THROTTLE_BURST = 3


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """A parsed fault specification."""

    probabilities: Mapping[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    throttle_burst: int = DEFAULT_THROTTLE_BURST

    @classmethod
    def parse(cls, spec: str | None) -> FaultConfig:
        """Parse ``"kind=value,..."``; ``None``, ``""``, ``"none"`` and ``"off"`` mean no faults.

        Raises ValueError for an unknown kind, a bad value or probabilities over 1.
        """
        text = (spec or "").strip()
        if text.lower() in ("", "none", "off"):
            return cls()
        probabilities: dict[str, float] = {}
        latency = 0.0
        burst = DEFAULT_THROTTLE_BURST
        for item in text.split(","):
            if not item.strip():
                continue
            name, sep, raw = item.partition("=")
            name, raw = name.strip(), raw.strip()
            if not sep:
                raise ValueError(f"fault {name!r} needs a value: {name}=...")
            if name == "throttle_burst":
                try:
                    burst = int(raw)
                except ValueError:
                    raise ValueError(f"throttle_burst must be an integer, not {raw!r}") from None
                if burst < 1:
                    raise ValueError("throttle_burst must be at least 1")
                continue
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number, not {raw!r}") from None
            if name == LATENCY:
                if not 0 <= value <= 600_000:
                    raise ValueError("latency_ms must be between 0 and 600000")
                latency = value
            elif name in FAULT_KINDS:
                if not 0 <= value <= 1:
                    raise ValueError(f"{name} is a probability: between 0 and 1, not {value}")
                probabilities[name] = value
            else:
                known = ", ".join((*FAULT_KINDS, LATENCY, "throttle_burst"))
                raise ValueError(f"unknown fault {name!r} (known: {known})")
        if sum(probabilities.values()) > 1 + 1e-9:
            raise ValueError("the fault probabilities add up to more than 1")
        return cls(
            probabilities={k: v for k, v in probabilities.items() if v > 0},
            latency_ms=latency,
            throttle_burst=burst,
        )

    @property
    def active(self) -> bool:
        return bool(self.probabilities) or self.latency_ms > 0

    def spec(self) -> str:
        """The canonical specification string (``""`` for no faults)."""
        parts = [f"{k}={self.probabilities[k]:g}" for k in FAULT_KINDS if k in self.probabilities]
        if self.latency_ms:
            parts.append(f"{LATENCY}={self.latency_ms:g}")
        if THROTTLE in self.probabilities and self.throttle_burst != DEFAULT_THROTTLE_BURST:
            parts.append(f"throttle_burst={self.throttle_burst}")
        return ",".join(parts)


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What happens to one request: at most one fault kind, plus a delay."""

    kind: str | None = None
    delay: float = 0.0
    """Seconds to wait before answering."""


NO_FAULT = FaultDecision()


class FaultInjector:
    """Decides, request by request, which fault to inject; counts what it injected."""

    def __init__(self, spec: str | FaultConfig | None = None, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self.config = FaultConfig()
        self.seed = 0
        self._rng = random.Random(0)
        self._burst_left = 0
        self.counts: dict[str, int] = {}
        self.configure(spec, seed)

    def __repr__(self) -> str:
        return f"FaultInjector({self.config.spec()!r}, seed={self.seed})"

    def configure(self, spec: str | FaultConfig | None, seed: int | None = None) -> None:
        """Replace the configuration; restarts the generator and the counts.

        ``seed=None`` picks a random seed, readable afterwards as ``seed`` so
        that a failing run can be repeated. Raises ValueError for a bad spec.
        """
        config = spec if isinstance(spec, FaultConfig) else FaultConfig.parse(spec)
        if seed is None:
            seed = secrets.randbelow(2**31)
        with self._lock:
            self.config = config
            self.seed = seed
            self._rng = random.Random(seed)
            self._burst_left = 0
            self.counts = {}

    @property
    def active(self) -> bool:
        return self.config.active

    def decide(self) -> FaultDecision:
        """The fault for the next API request (thread-safe; one draw per request)."""
        config = self.config
        if not config.active:
            return NO_FAULT
        delay = config.latency_ms / 1000.0
        kind: str | None = None
        with self._lock:
            if config.probabilities:
                draw = self._rng.random()
                if self._burst_left > 0:
                    self._burst_left -= 1
                    kind = THROTTLE
                else:
                    edge = 0.0
                    for name in FAULT_KINDS:
                        edge += config.probabilities.get(name, 0.0)
                        if draw < edge:
                            kind = name
                            break
                    if kind == THROTTLE:
                        self._burst_left = config.throttle_burst - 1
            if kind is not None:
                self.counts[kind] = self.counts.get(kind, 0) + 1
            if delay > 0:
                self.counts[LATENCY] = self.counts.get(LATENCY, 0) + 1
        return FaultDecision(kind=kind, delay=delay)

    def snapshot(self) -> dict[str, Any]:
        """The configuration and counts, JSON-ready."""
        with self._lock:
            return {
                "faults": self.config.spec(),
                "probabilities": dict(self.config.probabilities),
                "latency_ms": self.config.latency_ms,
                "throttle_burst": self.config.throttle_burst,
                "seed": self.seed,
                "counts": dict(self.counts),
            }
