"""Behaviour beyond documented examples, per service.

Each module here exposes ``install(app)``, which registers handlers for the
actions whose semantics the emulator models. Services without a module are
answered from their examples.
"""

from __future__ import annotations

from ..app import EmulatorApp
from . import mqtt

_INSTALLERS = {"mqtt": mqtt.install}


def install_all(app: EmulatorApp) -> None:
    for service, install in _INSTALLERS.items():
        if app.catalog.has_service(service):
            install(app)
