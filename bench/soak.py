#!/usr/bin/env python3
"""Soak: many workers, a minute, a hostile network. Nothing lost, nothing duplicated.

A benchmark-style run, not a unit test (``nox -s soak``)::

    python bench/soak.py                      # 16 workers, 60 s, the faults below
    python bench/soak.py --seconds 10 --workers 4 --json soak.json

The emulator runs in its own process with file-backed state, its per-action rate
limits on, and faults injected into every request: 10 % connection resets (half
before processing, half after the change was committed), 5 % ``InternalError``
and throttling bursts. The workers share one tcapi client (default retry policy,
client-side throttle on). Each creates uniquely named device identities and
describes them. When a create's outcome is unknown (a reset, a timeout, an
``InternalError``: the SDK refuses to repeat a create that may have happened), the
worker describes the device to learn the truth, and creates it again only if it
is not there.

At the end the faults are switched off, the emulator's state is listed and
compared with what the workers know:

- lost writes: creates the client saw succeed (or found by describing) that are
  not in the state (must be 0);
- duplicated creates: device ids for which the emulator processed more than one
  create (must be 0);
- ghost writes: devices in the state that the workers never learnt were created
  (must be 0).

It also reports calls, retries, typed errors by kind, and the client process's
RSS at the start and at the end (flat within 10 %). Exit status 1 when any check
fails.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tcapi import Credential, RetryPolicy, TencentCloudError
from tcapi.mqtt import MqttClient, errors
from tcapi.retry import RetryEvent

FAULTS = "reset_before=0.05,reset_after=0.05,internal_error=0.05,throttle=0.02,throttle_burst=3"
SERVE_FLAG = "--serve"


# -- the emulator process ---------------------------------------------------------


def serve(port: int, db: str, secret_id: str, secret_key: str, faults: str, seed: int) -> None:
    """Child process: the emulator, counting the creates it actually processes."""
    from tcapi.emulator import Emulator, RequestContext  # noqa: PLC0415
    from tcapi.emulator.services.mqtt import seed_instance  # noqa: PLC0415

    processed: Counter[str] = Counter()
    lock = threading.Lock()

    def count_creates(ctx: RequestContext) -> None:
        # Runs after validation, right before the handler: only requests the
        # emulator processes get here (resets before processing, InternalError and
        # throttling are answered earlier).
        if ctx.action == "CreateDeviceIdentity" and ctx.params is not None:
            with lock:
                processed[str(ctx.params.get("DeviceId"))] += 1

    emu = Emulator(secret_id, secret_key, port=port, db=db, faults=faults, seed=seed)
    emu.app.stages.append(count_creates)
    instance = seed_instance(emu.app)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with emu:
        print(json.dumps({"endpoint": emu.endpoint, "instance": instance}), flush=True)
        stop.wait()
        with lock:
            report: dict[str, Any] = {"processed_creates": sum(processed.values())}
            report["duplicated"] = {d: n for d, n in processed.items() if n > 1}
    print(json.dumps(report), flush=True)


@dataclass
class Server:
    endpoint: str
    instance: str
    proc: subprocess.Popen[str]

    def fault_counts(self) -> dict[str, int]:
        answer = httpx.get(f"{self.endpoint}/_admin/faults").raise_for_status().json()
        counts: dict[str, int] = answer["counts"]
        return counts

    def set_faults(self, spec: str) -> None:
        httpx.post(f"{self.endpoint}/_admin/faults", json={"faults": spec}).raise_for_status()

    def stop(self) -> dict[str, Any]:
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.stdout is not None
        out, _ = self.proc.communicate(timeout=30)
        report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return report


@contextmanager
def emulator(db: str, secret_id: str, secret_key: str, faults: str, seed: int) -> Iterator[Server]:
    args = [sys.executable, __file__, SERVE_FLAG, db, secret_id, secret_key, faults, str(seed)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        yield Server(first["endpoint"], first["instance"], proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- the workers ------------------------------------------------------------------


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def outcome_unknown(exc: TencentCloudError) -> bool:
    """Whether the failed call may have taken effect (tcapi marks such errors)."""
    return bool(getattr(exc, "outcome_unknown", False))


@dataclass
class Tally:
    calls: int = 0
    retries: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    created: set[str] = field(default_factory=set)  # the workers know these exist
    unresolved: set[str] = field(default_factory=set)  # could not find out
    resolved_by_describe: int = 0
    recreated: int = 0
    describe_mismatches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, exc: TencentCloudError) -> None:
        with self.lock:
            self.errors[type(exc).__name__] += 1

    def call(self) -> None:
        with self.lock:
            self.calls += 1


def worker(n: int, client: MqttClient, instance: str, deadline: float, tally: Tally) -> None:
    seq = 0
    while time.monotonic() < deadline:
        seq += 1
        device = f"soak-{n:02d}-{seq:05d}"
        exists = create_until_known(client, instance, device, tally)
        if exists is None:
            with tally.lock:
                tally.unresolved.add(device)
            continue
        with tally.lock:
            tally.created.add(device)
        try:
            tally.call()
            got = client.describe_device_identity(instance_id=instance, device_id=device)
            if got.device_id != device:
                with tally.lock:
                    tally.describe_mismatches += 1
        except TencentCloudError as exc:
            tally.error(exc)


def create_until_known(
    client: MqttClient, instance: str, device: str, tally: Tally, tries: int = 5
) -> bool | None:
    """Create ``device``; True once it is known to exist, None if that stays unknown."""
    for _ in range(tries):
        try:
            tally.call()
            client.create_device_identity(instance_id=instance, device_id=device)
            return True
        except errors.UnsupportedOperationResourceAlreadyExists:
            return True  # only after an earlier create whose outcome was unknown
        except TencentCloudError as exc:
            tally.error(exc)
            if not outcome_unknown(exc):
                continue  # definitely not created (e.g. throttled past all retries)
        # Unknown outcome: look before creating again.
        try:
            tally.call()
            client.describe_device_identity(instance_id=instance, device_id=device)
            with tally.lock:
                tally.resolved_by_describe += 1
            return True
        except errors.ResourceNotFound:
            with tally.lock:
                tally.recreated += 1
        except TencentCloudError as exc:
            tally.error(exc)
            return None
    return None


def final_state(client: MqttClient, instance: str) -> set[str]:
    return {
        item.device_id
        for item in client.paginate_describe_device_identities(instance_id=instance, limit=100)
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--faults", default=FAULTS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    secret_id, secret_key = "AKID" + secrets.token_hex(16), secrets.token_hex(16)
    tally = Tally()

    def on_retry(event: RetryEvent) -> None:
        with tally.lock:
            tally.retries += 1

    with (
        tempfile.TemporaryDirectory() as tmp,
        emulator(
            str(Path(tmp) / "soak.sqlite"), secret_id, secret_key, args.faults, args.seed
        ) as server,
    ):
        client = MqttClient(
            credential=Credential(secret_id, secret_key),
            region="ap-guangzhou",
            endpoint=server.endpoint,
            retry=RetryPolicy(on_retry=on_retry),
        )
        with client:
            started = time.monotonic()
            deadline = started + args.seconds
            threads = [
                threading.Thread(target=worker, args=(n, client, server.instance, deadline, tally))
                for n in range(args.workers)
            ]
            for t in threads:
                t.start()
            # Steady state starts once every worker is running and every module a
            # call needs is loaded: take the start figure a tenth into the run.
            time.sleep(min(args.seconds / 10, 10))
            rss_start = rss_kib()
            for t in threads:
                t.join()
            wall = time.monotonic() - started
            rss_end = rss_kib()
            injected = server.fault_counts()
            server.set_faults("")
            state = final_state(client, server.instance)
        report = server.stop()
    lost = sorted(tally.created - state)
    ghosts = sorted(state - tally.created - tally.unresolved)
    duplicated = report["duplicated"]
    growth = round(100 * (rss_end - rss_start) / rss_start, 1)
    figures = {
        "workers": args.workers,
        "seconds": round(wall, 1),
        "faults": args.faults,
        "seed": args.seed,
        "calls": tally.calls,
        "calls_per_second": round(tally.calls / wall, 1),
        "retries": tally.retries,
        "typed_errors": dict(sorted(tally.errors.items())),
        "injected_faults": injected,
        "creates_processed_by_the_emulator": report["processed_creates"],
        "devices_created": len(tally.created),
        "unknown_outcomes_resolved_by_describe": tally.resolved_by_describe,
        "created_again_after_not_found": tally.recreated,
        "unresolved": len(tally.unresolved),
        "lost_writes": len(lost),
        "duplicated_creates": len(duplicated),
        "ghost_writes": len(ghosts),
        "describe_mismatches": tally.describe_mismatches,
        "rss_start_mib": round(rss_start / 1024, 1),
        "rss_end_mib": round(rss_end / 1024, 1),
        "rss_growth_percent": growth,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    ok = (
        not lost
        and not duplicated
        and not ghosts
        and not tally.describe_mismatches
        and abs(growth) <= 10
    )
    print("soak: " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == SERVE_FLAG:
        db, sid, key, faults, seed = sys.argv[2:7]
        serve(0, db, sid, key, faults, int(seed))
    else:
        sys.exit(main())
