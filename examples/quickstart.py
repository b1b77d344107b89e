"""tcapi quickstart: a real MQTT story against the local emulator, no account needed.

The emulator runs embedded in this process. It checks signatures and parameters
the way the real API does and keeps state like it: instances take a moment to
become ready, device identities can be listed, changed and deleted, and
mistakes come back as the API's error codes. The story:

 1. create an MQTT instance and wait until it is ready (a spec-declared waiter)
 2. create the device identity of the CreateDeviceIdentity doc page
 3. list the instance's identities, two per page
 4. disable one
 5. create it again: the typed error for a duplicate
 6. delete it: describing it now is a typed "not found"
 7. a bad parameter is refused before anything is sent
 8. the same API with asyncio: devices created concurrently

Run:  nox -s quickstart     (or: pip install . && python examples/quickstart.py)
"""

from __future__ import annotations

import asyncio
import time

from tcapi import InvalidParameterError
from tcapi.emulator import Emulator
from tcapi.mqtt import AsyncMqttClient, MqttClient, errors, models

READY_DELAY = 1.5  # seconds the emulator's new instances spend CREATING


def doc_page_identity(instance_id: str) -> models.CreateDeviceIdentityRequest:
    """The example request of the CreateDeviceIdentity doc page, on our instance."""
    return models.CreateDeviceIdentityRequest(
        instance_id=instance_id,
        device_id="device-2",
        status="1",
        primary_key="pk1",
        secondary_key="sk1",
        propagating_properties=[models.PropagatingProperty(key="key-1", value="key-b")],
    )


def step(n: int, title: str) -> None:
    print(f"\n{n}. {title}")


def show(label: str, value: object) -> None:
    print(f"   {label:<12} {value}")


def story(emu: Emulator) -> str:
    with emu.client(MqttClient) as client:
        step(1, "Create an MQTT instance and wait until it is ready")
        created = client.create_instance(
            instance_type="BASIC", name="quickstart", sku_code="basic_1k"
        )
        instance_id = created.instance_id
        status = client.describe_instance(instance_id=instance_id).instance_status
        show("created", f"{instance_id} ({status})")
        t0 = time.monotonic()
        ready = client.wait_until_instance_ready(instance_id=instance_id, delay=0.25)
        show("ready", f"{ready.instance_status} after {time.monotonic() - t0:.1f}s")

        step(2, "Create the doc page's device identity")
        resp = client.create_device_identity(doc_page_identity(instance_id))
        show("RequestId", resp.request_id)
        device = client.describe_device_identity(instance_id=instance_id, device_id="device-2")
        show("described", device)  # the keys stay out of repr()
        for n in range(3, 7):  # a few more, letting the service generate their keys
            client.create_device_identity(instance_id=instance_id, device_id=f"device-{n}")

        step(3, "List the instance's device identities, two per page")
        before = len(emu.requests)
        for item in client.paginate_describe_device_identities(instance_id=instance_id, limit=2):
            state = "enabled" if item.status == 1 else "disabled"
            show(item.device_id, f"{state}, key of {len(item.primary_key)} characters")
        show("pages", len(emu.requests) - before)

        step(4, "Disable device-2")
        client.modify_device_identity(instance_id=instance_id, device_id="device-2", status="2")
        device = client.describe_device_identity(instance_id=instance_id, device_id="device-2")
        show("status", f"{device.status} (2 = disabled)")

        step(5, "Create device-2 again: the API refuses a duplicate")
        try:
            client.create_device_identity(doc_page_identity(instance_id))
        except errors.UnsupportedOperation as err:  # caught by its parent code's class
            show("raised", type(err).__name__)
            show("code", err.code)
            show("message", err.message)
            show("RequestId", err.request_id)

        step(6, "Delete device-2; describing it now fails with a typed error")
        client.delete_device_identity(instance_id=instance_id, device_id="device-2")
        try:
            client.describe_device_identity(instance_id=instance_id, device_id="device-2")
        except errors.ResourceNotFound as err:
            show("raised", type(err).__name__)
            show("message", err.message)

        step(7, "A bad parameter never leaves the machine")
        before = len(emu.requests)
        try:
            client.create_device_identity(instance_id=instance_id, device_id=42)  # type: ignore[call-overload]
        except InvalidParameterError as err:
            show("raised", f"{type(err).__name__}: {err}")
            show("sent", f"{len(emu.requests) - before} requests")
    return instance_id


async def concurrently(emu: Emulator, instance_id: str) -> None:
    step(8, "The same API with asyncio: five devices created concurrently")
    async with emu.client(AsyncMqttClient) as client:
        await asyncio.gather(
            *(
                client.create_device_identity(instance_id=instance_id, device_id=f"async-{n}")
                for n in range(5)
            )
        )
        listed = await client.describe_device_identities(instance_id=instance_id)
        show("identities", sorted(item.device_id for item in listed.data or []))


def main() -> None:
    with Emulator(instance_ready_delay=READY_DELAY) as emu:
        print(f"Local emulator on {emu.endpoint} (SecretId {emu.secret_id})")
        instance_id = story(emu)
        asyncio.run(concurrently(emu, instance_id))
    print("\nDone: the emulator is stopped and every connection is closed.")


if __name__ == "__main__":
    main()
