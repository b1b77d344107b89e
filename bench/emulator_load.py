#!/usr/bin/env python3
"""How much concurrent traffic the emulator sustains, and proof that it stays consistent.

A benchmark, not a test: 32 clients (threads, each with its own tcapi client and
connection) run 1,000 random create / describe / modify / delete operations each
on 40 shared device ids of one instance, against ``tcapi-emulator`` running in
its own process. It prints throughput and latency percentiles, then checks that
the final state is what a serial replay of the successful operations gives
(see ``tests/load.py``); any inconsistency makes the exit status 1.

    python bench/emulator_load.py                       # in-memory and file-backed, 32 x 1000
    python bench/emulator_load.py --db memory --workers 8 --ops 200   # a quick look

Rate limits are off (``--no-rate-limit``): the point is the emulator's own
capacity, not the documented 20 requests per second.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the load harness lives with the tests

from tcapi import Credential  # noqa: E402
from tcapi.mqtt import MqttClient  # noqa: E402
from tests.load import check_consistency, final_state, make_client, run_load  # noqa: E402


@contextmanager
def emulator_process(db: str, secret_id: str, secret_key: str) -> Iterator[str]:
    """``tcapi-emulator`` in a child process; yields its endpoint."""
    args = [sys.executable, "-m", "tcapi.emulator", "--port", "0", "--db", db]
    args += ["--secret-id", secret_id, "--secret-key", secret_key]
    args += ["--no-rate-limit", "--instance-ready-delay", "0.5"]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        endpoint = ""
        for line in proc.stdout:
            if line.startswith("endpoint:"):
                endpoint = line.split(None, 1)[1].strip()
            if line.startswith("ready"):
                break
        if not endpoint:
            raise RuntimeError(f"the emulator did not start (exit {proc.poll()})")
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def one_run(label: str, db: str, workers: int, ops: int, devices: int) -> dict[str, object]:
    secret_id = "AKID" + secrets.token_hex(16)
    secret_key = secrets.token_hex(16)
    with emulator_process(db, secret_id, secret_key) as endpoint:
        with MqttClient(
            credential=Credential(secret_id, secret_key), region="ap-guangzhou", endpoint=endpoint
        ) as client:
            created = client.create_instance(
                instance_type="BASIC", name="load-test", sku_code="basic_1k"
            )
            t0 = time.perf_counter()
            ready = client.wait_until_instance_ready(instance_id=created.instance_id, delay=0.1)
            waited = time.perf_counter() - t0
        instance = created.instance_id
        result = run_load(
            endpoint,
            secret_id,
            secret_key,
            instance,
            workers=workers,
            ops_per_worker=ops,
            devices=devices,
        )
        with make_client(endpoint, secret_id, secret_key) as client:
            final = final_state(client, instance, devices)
    problems = check_consistency(result, final)
    print(f"## {label}: {workers} clients x {ops} operations on {devices} device ids")
    print(f"instance {instance}: {ready.instance_status} after waiting {waited:.2f}s")
    print(result.summary())
    print(f"devices left: {sum(v is not None for v in final.values())} of {devices}")
    print("consistency: " + ("OK" if not problems else "FAILED"))
    for p in problems:
        print(f"  - {p}")
    print()
    return {
        "label": label,
        "workers": workers,
        "ops_per_worker": ops,
        "operations": len(result.outcomes),
        "seconds": round(result.wall, 3),
        "ops_per_second": round(result.throughput, 1),
        "p50_ms": round(result.percentile(0.5) * 1000, 2),
        "p99_ms": round(result.percentile(0.99) * 1000, 2),
        "consistent": not problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("memory", "file", "both"), default="both")
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--ops", type=int, default=1000, help="operations per client")
    parser.add_argument("--devices", type=int, default=40, help="distinct device ids")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        kinds = ("memory", "file") if args.db == "both" else (args.db,)
        for kind in kinds:
            db = ":memory:" if kind == "memory" else str(Path(tmp) / "state.sqlite")
            label = "in-memory SQLite" if kind == "memory" else "file-backed SQLite (WAL)"
            rows.append(one_run(label, db, args.workers, args.ops, args.devices))
    print("| state | operations | ops/s | p50 ms | p99 ms | consistent |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['label']} | {r['operations']} | {r['ops_per_second']} | {r['p50_ms']} "
            f"| {r['p99_ms']} | {'yes' if r['consistent'] else 'NO'} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["consistent"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
