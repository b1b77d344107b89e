"""The emulator's own control endpoints, under ``/_admin/`` on the API port.

They are for the tests and tools that drive the emulator, not part of any
Tencent Cloud API: requests are not signed, not rate limited, not recorded in
the request log and never hit by injected faults. All answers are JSON.

``GET /_admin/health``
    ``{"status": "ok", "uptime_seconds", "requests", "errors", "recorded", "services", ...}``
``POST /_admin/reset``
    Calls ``app.state["reset"]()`` when a service put a reset hook there, clears
    the request log and the rate limiter's windows.
``GET /_admin/faults``
    The fault configuration (``faults``, ``seed``, ...) and ``counts`` per kind.
``POST /_admin/faults``
    Body ``{"faults": "reset_before=0.1,...", "seed": 1}`` (``seed`` optional)
    replaces the configuration; ``{"faults": ""}`` switches faults off.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import EmulatorApp

ADMIN_PREFIX = "/_admin/"

AdminAnswer = tuple[int, dict[str, Any]]


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX.rstrip("/") or path.startswith(ADMIN_PREFIX)


def _error(status: int, message: str) -> AdminAnswer:
    return status, {"error": message}


def _json_body(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def health(app: EmulatorApp) -> dict[str, Any]:
    return {
        "status": "ok",
        **app.stats(),
        "services": [f"{s.service} {s.version}" for s in app.catalog],
        "rate_limit": app.rate_limiter.enabled,
        "faults": app.faults.snapshot(),
    }


def handle_admin(app: EmulatorApp, method: str, path: str, body: bytes) -> AdminAnswer:
    """Answer one admin request: (HTTP status, JSON object)."""
    name = path[len(ADMIN_PREFIX) :].strip("/") if path.startswith(ADMIN_PREFIX) else ""
    if name == "health":
        if method != "GET":
            return _error(405, "use GET /_admin/health")
        return 200, health(app)
    if name == "reset":
        if method != "POST":
            return _error(405, "use POST /_admin/reset")
        state_reset = app.reset()
        return 200, {"status": "ok", "state_reset": state_reset}
    if name == "faults":
        if method == "GET":
            return 200, app.faults.snapshot()
        if method != "POST":
            return _error(405, "use GET or POST /_admin/faults")
        data = _json_body(body)
        if data is None:
            return _error(400, 'the body must be a JSON object: {"faults": "...", "seed": 1}')
        spec, seed = data.get("faults", ""), data.get("seed")
        if not isinstance(spec, str):
            return _error(400, "`faults` must be a string such as `reset_before=0.1`")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            return _error(400, "`seed` must be an integer")
        try:
            app.faults.configure(spec, seed)
        except ValueError as exc:
            return _error(400, str(exc))
        return 200, app.faults.snapshot()
    known = ", ".join(f"{ADMIN_PREFIX}{n}" for n in ("health", "reset", "faults"))
    return _error(404, f"unknown admin endpoint {path!r} (known: {known})")
