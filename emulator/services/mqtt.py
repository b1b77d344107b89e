"""MQTT device identities, kept in memory: enough state for duplicates to fail
the way the real API fails them. (A later issue moves this into SQLite.)"""

from __future__ import annotations

import threading
from typing import Any

from ..app import EmulatorApp
from ..errors import ApiError
from ..handlers import RequestContext


class DeviceIdentities:
    """Device identities per (caller, region, instance)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str, str, str], dict[str, Any]] = {}

    def create(self, ctx: RequestContext) -> dict[str, Any]:
        params = ctx.params or {}
        caller = (ctx.caller.secret_id if ctx.caller is not None else None) or ""
        instance, device = str(params["InstanceId"]), str(params["DeviceId"])
        key = (caller, ctx.region or "", instance, device)
        with self._lock:
            if key in self._items:
                raise ApiError(
                    "UnsupportedOperation.ResourceAlreadyExists",
                    f"Device identity `{device}` already exists in instance `{instance}`.",
                )
            self._items[key] = dict(params)
        return {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def install(app: EmulatorApp) -> None:
    identities = DeviceIdentities()
    app.state["mqtt.device_identities"] = identities
    app.register("mqtt", "CreateDeviceIdentity", identities.create)
