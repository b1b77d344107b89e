"""Concurrent mixed device-identity traffic against the emulator, and the checks
that nothing was lost or duplicated. Used by tests/test_emulator_concurrency.py
(small) and bench/emulator_load.py (32 clients x 1,000 operations)."""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tcapi import Credential, RetryPolicy, TencentCloudError
from tcapi.mqtt import MqttClient, errors

OPS = ("create", "describe", "modify", "delete")
ALLOWED_ERRORS = frozenset({"UnsupportedOperation.ResourceAlreadyExists", "ResourceNotFound"})
"""What overlapping operations legitimately meet: a create of an id another client
created first, or any other operation on an id that was just deleted."""


@dataclass
class Outcome:
    worker: int
    op: str
    device: str
    ok: bool
    code: str | None
    value: str | None  # the Status a successful create/modify wrote
    latency: float


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)
    wall: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.outcomes) / self.wall if self.wall else 0.0

    def percentile(self, q: float) -> float:
        lat = sorted(o.latency for o in self.outcomes)
        return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else 0.0

    def summary(self) -> str:
        codes = Counter(o.code or "ok" for o in self.outcomes)
        return (
            f"{len(self.outcomes)} ops in {self.wall:.2f}s = {self.throughput:.0f} ops/s; "
            f"latency p50 {self.percentile(0.5) * 1000:.1f} ms, "
            f"p99 {self.percentile(0.99) * 1000:.1f} ms, "
            f"mean {statistics.fmean(o.latency for o in self.outcomes) * 1000:.1f} ms; "
            f"outcomes {dict(sorted(codes.items()))}"
        )


def make_client(endpoint: str, secret_id: str, secret_key: str) -> MqttClient:
    return MqttClient(
        credential=Credential(secret_id, secret_key),
        region="ap-guangzhou",
        endpoint=endpoint,
        retry=RetryPolicy(max_attempts=1),  # every outcome is observed, none retried away
        throttle=False,  # the load runs against an emulator without rate limits
    )


def run_load(
    endpoint: str,
    secret_id: str,
    secret_key: str,
    instance_id: str,
    *,
    workers: int = 32,
    ops_per_worker: int = 1000,
    devices: int = 40,
    seed: int = 1,
) -> LoadResult:
    """``workers`` threads, each with its own client, run random create / describe /
    modify / delete operations on a small, shared set of device ids."""
    result = LoadResult()
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def worker(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        local: list[Outcome] = []
        with make_client(endpoint, secret_id, secret_key) as client:
            start.wait()
            for _ in range(ops_per_worker):
                op = rng.choice(OPS)
                device = f"dev-{rng.randrange(devices):03d}"
                value = rng.choice(("1", "2")) if op in ("create", "modify") else None
                t0 = time.perf_counter()
                code = None
                try:
                    if op == "create":
                        client.create_device_identity(
                            instance_id=instance_id, device_id=device, status=value
                        )
                    elif op == "describe":
                        client.describe_device_identity(instance_id=instance_id, device_id=device)
                    elif op == "modify":
                        client.modify_device_identity(
                            instance_id=instance_id, device_id=device, status=value
                        )
                    else:
                        client.delete_device_identity(instance_id=instance_id, device_id=device)
                except TencentCloudError as exc:
                    code = exc.code
                local.append(
                    Outcome(n, op, device, code is None, code, value, time.perf_counter() - t0)
                )
        with lock:
            result.outcomes.extend(local)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - t0
    return result


def check_consistency(
    result: LoadResult,
    final: dict[str, str | None],
    *,
    allowed_errors: frozenset[str] = ALLOWED_ERRORS,
) -> list[str]:
    """Problems found (empty = consistent).

    Each request is one transaction, so some serial order of the successful
    operations explains the final state. Creates fail on an existing id and
    deletes on a missing one, so in any such order a device's successful creates
    and deletes alternate, starting with a create: ``creates - deletes`` is 0 or 1
    and equals whether the device exists now (a lost write or a duplicated create
    breaks this). A device that exists holds a Status some successful write put there.
    """
    problems: list[str] = []
    unexpected = Counter(o.code for o in result.outcomes if o.code and o.code not in allowed_errors)
    if unexpected:
        problems.append(f"unexpected errors: {dict(unexpected)}")
    per_device: dict[str, Counter[str]] = defaultdict(Counter)
    written: dict[str, set[str]] = defaultdict(set)
    for o in result.outcomes:
        if o.ok:
            per_device[o.device][o.op] += 1
            if o.value is not None:
                written[o.device].add(o.value)
    for device in sorted(set(per_device) | set(final)):
        c = per_device[device]
        balance = c["create"] - c["delete"]
        exists = final.get(device) is not None
        if balance not in (0, 1) or balance != int(exists):
            problems.append(
                f"{device}: {c['create']} creates, {c['delete']} deletes succeeded, "
                f"but it {'exists' if exists else 'does not exist'}"
            )
        if exists and final[device] not in written[device]:
            problems.append(f"{device}: Status {final[device]!r} was never written")
    return problems


def final_state(client: MqttClient, instance_id: str, devices: int) -> dict[str, str | None]:
    """Status of every device id (None when it does not exist), read one by one."""
    state: dict[str, str | None] = {}
    for i in range(devices):
        device = f"dev-{i:03d}"
        try:
            resp = client.describe_device_identity(instance_id=instance_id, device_id=device)
        except errors.ResourceNotFound:
            state[device] = None
        else:
            state[device] = None if resp.status is None else str(resp.status)
    return state
