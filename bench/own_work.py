"""tcapi's own work per call, without the network: validate + serialize a
CreateDeviceIdentity request, sign it, and parse a 10-item DescribeDeviceIdentities
answer (best of 7 repeats, µs per operation).

    python bench/own_work.py            # this checkout's tcapi

To compare two revisions, point PYTHONPATH at a tree of each (``tcapi/`` = runtime/
plus ``tcapi/mqtt/`` = generated/mqtt/) and run it under both in the same minute.
"""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable
from typing import Any

from tcapi import Credential
from tcapi.mqtt import MqttClient, models

ITEMS = 10


def best_us(fn: Callable[[], Any], number: int = 2000) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def main() -> int:
    client = MqttClient(
        credential=Credential("AKID" + "a" * 32, "k" * 32),
        region="ap-guangzhou",
        endpoint="http://127.0.0.1:9",  # never contacted
    )
    create = MqttClient.SERVICE.operation("CreateDeviceIdentity")
    describe = MqttClient.SERVICE.operation("DescribeDeviceIdentities")
    request = models.CreateDeviceIdentityRequest(
        instance_id="mqtt-1",
        device_id="device-2",
        status="1",
        primary_key="pk1",
        secondary_key="sk1",
        propagating_properties=[models.PropagatingProperty(key="key-1", value="key-b")],
    )
    body = client._serialize(create, request)
    cred = client._credentials.get_credential()
    item = {
        "InstanceId": "mqtt-1",
        "Status": 1,
        "PrimaryKey": "p",
        "SecondaryKey": "s",
        "CreatedTime": 1,
        "UpdateTime": 2,
        "PropagatingProperties": [{"Key": "k", "Value": "v"}],
    }
    data = [{**item, "DeviceId": f"d{i}"} for i in range(ITEMS)]
    answer = json.dumps({"Response": {"Data": data, "TotalCount": ITEMS, "RequestId": "r"}})
    raw = answer.encode()
    figures = {
        "validate + serialize CreateDeviceIdentity": best_us(
            lambda: client._serialize(create, request)
        ),
        "sign (TC3-HMAC-SHA256)": best_us(lambda: client._sign(create, body, cred)),
        f"parse DescribeDeviceIdentities, {ITEMS} items": best_us(
            lambda: client._parse(describe, 200, raw)
        ),
    }
    print("| tcapi's own work | µs |\n|---|---:|")
    for name, us in figures.items():
        print(f"| {name} | {us:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
