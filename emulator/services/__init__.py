"""Behaviour beyond documented examples, per service.

Each module here exposes ``install(app)``, which registers handlers for the
actions whose semantics the emulator models. Services without a module are
answered from their examples.

Stateful services keep their data in the app's one SQLite store
(``emulator/state.py``), opened at ``app.db_path`` (``:memory:`` by default) by
the first service that needs it. Installing puts on ``app.state``:

``"store"``
    the :class:`~emulator.state.Store`;
``"reset"``
    a callable that empties every table (``POST /_admin/reset``, ``app.reset()``);
``"close"``
    a callable that closes the database (the next request reopens it);
``"<service>"``
    the service's own object, e.g. ``state["mqtt"]`` (:class:`.mqtt.MqttService`).

STS (``sts.py``) keeps no store: the temporary credentials it issues go into
the app's credential table; ``state["sts"]`` is its :class:`.sts.StsService`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from . import mqtt, sts

if TYPE_CHECKING:
    from ..app import EmulatorApp

_INSTALLERS: Mapping[str, Callable[[EmulatorApp], None]] = {
    "mqtt": mqtt.install,
    "sts": sts.install,
}


def install_all(app: EmulatorApp) -> None:
    for service, install in _INSTALLERS.items():
        if app.catalog.has_service(service):
            install(app)
