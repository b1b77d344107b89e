"""State the tests put into the emulator before they run."""

from __future__ import annotations

from tcapi.emulator import Emulator
from tcapi.emulator.services.mqtt import seed_instance

#: The instance the doc pages' examples use.
DOC_INSTANCE = "mqtt-qzgaq8bk"


def seed_doc_instance(emu: Emulator, region: str = "ap-guangzhou") -> None:
    """A ready ``mqtt-qzgaq8bk`` in ``region``, so the examples replay as they are."""
    seed_instance(emu.app, DOC_INSTANCE, region=region)
