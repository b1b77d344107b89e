"""tcapi quickstart: a real call, a real typed error, no Tencent Cloud account.

Starts the local emulator embedded in this process (it checks signatures and
parameters the way the real API does), then calls CreateDeviceIdentity with the
example from the API documentation, sync and async.

Run:  nox -s quickstart     (or: pip install . && python examples/quickstart.py)
"""

from __future__ import annotations

import asyncio

from tcapi import Credential, InvalidParameterError
from tcapi.emulator import Emulator
from tcapi.mqtt import AsyncMqttClient, MqttClient, errors, models

# The example request of the CreateDeviceIdentity doc page.
EXAMPLE = models.CreateDeviceIdentityRequest(
    instance_id="mqtt-qzgaq8bk",
    device_id="device-2",
    status="1",
    primary_key="pk1",
    secondary_key="sk1",
    propagating_properties=[models.PropagatingProperty(key="key-1", value="key-b")],
)


def main() -> None:
    with Emulator() as emu:
        print(f"Local emulator listening on {emu.endpoint} (SecretId {emu.secret_id})\n")
        credential = Credential(emu.secret_id, emu.secret_key)

        with MqttClient(
            credential=credential, region="ap-guangzhou", endpoint=emu.endpoint
        ) as client:
            print("1. CreateDeviceIdentity with the doc page's example")
            resp = client.create_device_identity(EXAMPLE)
            print(f"   -> {resp!r}")
            print(f"   RequestId: {resp.request_id}\n")

            print("2. The same device again: the API refuses a duplicate")
            try:
                client.create_device_identity(EXAMPLE)
            except errors.UnsupportedOperation as err:  # caught by the parent code's class
                print(f"   -> {type(err).__name__}")
                print(f"      code={err.code!r}")
                print(f"      message={err.message!r}")
                print(f"      request_id={err.request_id!r}\n")

            print("3. A bad parameter never leaves the machine")
            try:
                client.create_device_identity(instance_id="mqtt-qzgaq8bk", device_id=42)  # type: ignore[call-overload]
            except InvalidParameterError as err:
                print(f"   -> {type(err).__name__}: {err}")
                print(f"      requests the emulator saw for it: {len(emu.requests) - 2}\n")

        async def with_asyncio() -> None:
            async with AsyncMqttClient(
                credential=credential, region="ap-guangzhou", endpoint=emu.endpoint
            ) as aclient:
                created = await asyncio.gather(
                    *(
                        aclient.create_device_identity(
                            instance_id="mqtt-qzgaq8bk", device_id=f"device-async-{i}"
                        )
                        for i in range(5)
                    )
                )
                print("4. Five devices created concurrently with AsyncMqttClient")
                for r in created:
                    print(f"   -> RequestId {r.request_id}")

        asyncio.run(with_asyncio())
    print("\nDone: the emulator is stopped and every connection pool is closed.")


if __name__ == "__main__":
    main()
