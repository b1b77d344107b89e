#!/usr/bin/env python3
"""tcapi vs the official Tencent Cloud SDK: client CPU per call, cold import, generator time.

A benchmark, not a test: it prints a markdown table (and optionally writes JSON).

    python bench/run.py                 # full run (about a minute on 2 cores)
    python bench/run.py --quick         # smoke run for CI
    python bench/run.py --json out.json # also write the numbers
    python bench/run.py --profile       # also profile the tcapi sync path (cProfile)

Every client talks to the same local server, which runs in a *separate process*
so that only the client's CPU is counted (``time.process_time()`` around N calls
after a warm-up). ``--server emulator`` (default) is tcapi's own emulator, which
checks TC3 signatures; ``--server simple`` is a tiny stdlib HTTP/1.1 keep-alive
server that answers every request with a fixed success envelope.

Any failed call aborts the run: tcapi clients are built with retries off, so a
retried error can never hide in the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import hashlib
import hmac
import http.client
import io
import json
import logging
import os
import pstats
import secrets
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from tencentcloud.common import credential as official_credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.mqtt.v20240516 import models as official_models
from tencentcloud.mqtt.v20240516 import mqtt_client, mqtt_client_async

from tcapi import Credential, RetryPolicy
from tcapi.mqtt import AsyncMqttClient, MqttClient, models

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-guangzhou"
SERVICE = "mqtt"
VERSION = "2024-05-16"
ACTION = "CreateDeviceIdentity"
PARAMS: dict[str, Any] = {
    "InstanceId": "mqtt-qzgaq8bk",
    "DeviceId": "device-2",
    "Status": "1",
    "PrimaryKey": "pk1",
    "SecondaryKey": "sk1",
    "PropagatingProperties": [{"Key": "key-1", "Value": "key-b"}],
}
ENV_SID = "TCAPI_BENCH_SECRET_ID"
ENV_SKEY = "TCAPI_BENCH_SECRET_KEY"
TARGET_RATIO = 0.5
SERVER_START_TIMEOUT = 30.0
# socketserver listens with a backlog of 5: 32 clients connecting at once overflow it
# and some connections get reset, so both servers listen with a deeper queue.
LISTEN_BACKLOG = 128


class BenchError(RuntimeError):
    """A call failed or a tool misbehaved: the numbers would be meaningless."""


# --------------------------------------------------------------------------------------
# The server (runs in its own process)
# --------------------------------------------------------------------------------------


class _SimpleHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench-simple"
    sys_version = ""
    # One buffered write per answer (flushed by handle_one_request) and no Nagle:
    # headers and body written separately meet the client's delayed ACK (~40 ms).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        body = json.dumps({"Response": {"RequestId": str(uuid.uuid4())}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _SimpleServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG


def serve(kind: str) -> int:
    """Server-process entry point: print ``PORT n``, serve until stdin closes."""
    logging.disable(logging.CRITICAL)
    httpd: Any
    if kind == "simple":
        httpd = _SimpleServer(("127.0.0.1", 0), _SimpleHandler)
        port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    else:
        from tcapi.emulator import Emulator  # noqa: PLC0415 (only the server process needs it)

        sid, skey = os.environ[ENV_SID], os.environ[ENV_SKEY]
        # Every check still runs (signature, timestamp, routing, parameters); only the
        # stateful handlers are off, since the bench repeats one CreateDeviceIdentity
        # that the stateful emulator would refuse as a duplicate. The per-action rate
        # limit (20/s) is off too: the bench sends thousands of calls a second.
        emulator = Emulator(sid, skey, port=0, record_limit=1, semantics=False, rate_limit=False)
        httpd = emulator.start()
        port = httpd.port
    print(f"PORT {port}", flush=True)
    sys.stdin.read()  # the parent closes our stdin (or dies) to stop us
    return 0


@dataclass
class ServerProcess:
    proc: subprocess.Popen[str]
    port: int
    description: str

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def close(self) -> None:
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _read_lines_until(
    proc: subprocess.Popen[str], done: Callable[[str], bool], timeout: float
) -> list[str]:
    """Lines of ``proc``'s stdout up to and including the one ``done`` accepts."""
    assert proc.stdout is not None
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    lines: list[str] = []
    try:
        while True:
            line = proc.stdout.readline()
            if not line:
                err = proc.stderr.read() if proc.stderr is not None else ""
                raise BenchError(
                    f"server process exited before it was ready: {''.join(lines)}{err}".strip()
                )
            lines.append(line)
            if done(line):
                return lines
    finally:
        timer.cancel()


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise BenchError(f"nothing accepts connections on port {port}") from None
            time.sleep(0.05)


def _spawn(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )


def start_server(kind: str, sid: str, skey: str) -> ServerProcess:
    env = {**os.environ, ENV_SID: sid, ENV_SKEY: skey}
    if kind == "emulator":
        description = "tcapi emulator (Emulator() in a subprocess, stateless handler)"
    else:
        description = "stdlib ThreadingHTTPServer (no signature check)"
    proc = _spawn([sys.executable, str(Path(__file__).resolve()), "--_serve", kind], env)
    lines = _read_lines_until(proc, lambda s: s.startswith("PORT "), SERVER_START_TIMEOUT)
    port = int(lines[-1].split()[1])
    _wait_for_port(port)
    return ServerProcess(proc, port, description)


def make_credentials() -> tuple[str, str]:
    alphabet = string.ascii_letters + string.digits
    sid = "AKID" + "".join(secrets.choice(alphabet) for _ in range(32))
    return sid, "".join(secrets.choice(alphabet) for _ in range(32))


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


@dataclass
class Sample:
    calls: int
    cpu_s: float
    wall_s: float

    @property
    def cpu_us_per_call(self) -> float:
        return self.cpu_s / self.calls * 1e6

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.wall_s


@dataclass
class Failures:
    count: int = 0
    first: BaseException | None = None

    def add(self, exc: BaseException) -> None:
        self.count += 1
        if self.first is None:
            self.first = exc

    def check(self, what: str) -> None:
        if self.count:
            raise BenchError(
                f"{what}: {self.count} call(s) failed; first: {type(self.first).__name__}: "
                f"{self.first}"
            )


def measure_sync(what: str, call: Callable[[], None], calls: int, warmup: int) -> Sample:
    failures = Failures()
    for _ in range(warmup):
        try:
            call()
        except Exception as exc:
            failures.add(exc)
    failures.check(f"{what} (warm-up)")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(calls):
        try:
            call()
        except Exception as exc:
            failures.add(exc)
    cpu1, wall1 = time.process_time(), time.perf_counter()
    failures.check(what)
    return Sample(calls, cpu1 - cpu0, wall1 - wall0)


async def measure_async(
    what: str,
    call: Callable[[], Awaitable[None]],
    calls: int,
    warmup: int,
    concurrency: int,
) -> Sample:
    failures = Failures()

    async def worker(n: int) -> None:
        for _ in range(n):
            try:
                await call()
            except Exception as exc:
                failures.add(exc)

    def shares(total: int) -> list[int]:
        base, extra = divmod(total, concurrency)
        return [base + (1 if i < extra else 0) for i in range(concurrency)]

    await asyncio.gather(*(worker(n) for n in shares(max(warmup, concurrency))))
    failures.check(f"{what} (warm-up)")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(n) for n in shares(calls)))
    cpu1, wall1 = time.process_time(), time.perf_counter()
    failures.check(what)
    return Sample(calls, cpu1 - cpu0, wall1 - wall0)


# -- the clients -----------------------------------------------------------------------


def _ensure(cond: bool, what: str) -> None:
    if not cond:
        raise BenchError(what)


def run_tcapi_sync(server: ServerProcess, sid: str, skey: str, calls: int, warmup: int) -> Sample:
    client = MqttClient(
        credential=Credential(sid, skey),
        region=REGION,
        endpoint=server.url,
        retry=RetryPolicy(max_attempts=1),
        throttle=False,  # CPU per call is measured; the official SDK does not throttle
    )

    def call() -> None:
        resp = client.create_device_identity(
            instance_id="mqtt-qzgaq8bk",
            device_id="device-2",
            status="1",
            primary_key="pk1",
            secondary_key="sk1",
            propagating_properties=[models.PropagatingProperty(key="key-1", value="key-b")],
        )
        _ensure(bool(resp.request_id), "tcapi: response without RequestId")

    with client:
        return measure_sync("tcapi sync", call, calls, warmup)


def run_tcapi_async(
    server: ServerProcess, sid: str, skey: str, calls: int, warmup: int, concurrency: int
) -> Sample:
    async def main() -> Sample:
        async with AsyncMqttClient(
            credential=Credential(sid, skey),
            region=REGION,
            endpoint=server.url,
            retry=RetryPolicy(max_attempts=1),
            throttle=False,  # CPU per call is measured; the official SDK does not throttle
        ) as client:

            async def call() -> None:
                resp = await client.create_device_identity(
                    instance_id="mqtt-qzgaq8bk",
                    device_id="device-2",
                    status="1",
                    primary_key="pk1",
                    secondary_key="sk1",
                    propagating_properties=[models.PropagatingProperty(key="key-1", value="key-b")],
                )
                _ensure(bool(resp.request_id), "tcapi: response without RequestId")

            return await measure_async(
                f"tcapi async c={concurrency}", call, calls, warmup, concurrency
            )

    return asyncio.run(main())


def _official_profile(server: ServerProcess) -> Any:
    # endpoint is a bare host[:port]; protocol picks the scheme; keepAlive asks the
    # sync client to send Connection: Keep-Alive and the async one to pool connections.
    http_profile = HttpProfile(protocol="http", endpoint=server.host, keepAlive=True)
    return ClientProfile(httpProfile=http_profile)


def _official_request(models: Any) -> Any:
    req = models.CreateDeviceIdentityRequest()
    req.InstanceId = "mqtt-qzgaq8bk"
    req.DeviceId = "device-2"
    req.Status = "1"
    req.PrimaryKey = "pk1"
    req.SecondaryKey = "sk1"
    prop = models.PropagatingProperty()
    prop.Key = "key-1"
    prop.Value = "key-b"
    req.PropagatingProperties = [prop]
    return req


def run_official_sync(
    server: ServerProcess, sid: str, skey: str, calls: int, warmup: int
) -> Sample:
    client = mqtt_client.MqttClient(
        official_credential.Credential(sid, skey), REGION, _official_profile(server)
    )

    def call() -> None:
        resp = client.CreateDeviceIdentity(_official_request(official_models))
        _ensure(bool(resp.RequestId), "official: response without RequestId")

    try:
        return measure_sync("official sync", call, calls, warmup)
    finally:
        with contextlib.suppress(AttributeError):  # its requests.Session, if still there
            client.request.conn._session.close()


def run_official_async(
    server: ServerProcess, sid: str, skey: str, calls: int, warmup: int, concurrency: int
) -> Sample:
    async def main() -> Sample:
        async with mqtt_client_async.MqttClient(
            official_credential.Credential(sid, skey), REGION, _official_profile(server)
        ) as client:

            async def call() -> None:
                resp = await client.CreateDeviceIdentity(_official_request(official_models))
                _ensure(bool(resp.RequestId), "official: response without RequestId")

            return await measure_async(
                f"official async c={concurrency}", call, calls, warmup, concurrency
            )

    return asyncio.run(main())


def _tc3_headers(sid: str, skey: str, host: str, body: bytes) -> dict[str, str]:
    """Headers of one TC3-signed POST (written here from the public algorithm)."""
    ts = int(time.time())
    date = time.strftime("%Y-%m-%d", time.gmtime(ts))
    ctype = "application/json"
    creq = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{ctype}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{SERVICE}/tc3_request"
    sts = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(creq.encode()).hexdigest()}"
    key = ("TC3" + skey).encode()
    for part in (date, SERVICE, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": ctype,
        "Host": host,
        "X-TC-Action": ACTION,
        "X-TC-Version": VERSION,
        "X-TC-Region": REGION,
        "X-TC-Timestamp": str(ts),
        "Authorization": (
            f"TC3-HMAC-SHA256 Credential={sid}/{scope}, "
            f"SignedHeaders=content-type;host, Signature={sig}"
        ),
    }


def run_raw_floor(server: ServerProcess, sid: str, skey: str, calls: int, warmup: int) -> Sample:
    """http.client keep-alive posting one body signed once: the cost of HTTP + JSON alone."""
    body = json.dumps(PARAMS, separators=(",", ":")).encode()
    headers = _tc3_headers(sid, skey, server.host, body)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

    def call() -> None:
        conn.request("POST", "/", body, headers)
        resp = conn.getresponse()
        data = json.loads(resp.read())["Response"]
        _ensure(resp.status == 200 and "Error" not in data, f"raw floor: {data}")

    try:
        return measure_sync("raw floor", call, calls, warmup)
    finally:
        conn.close()


# --------------------------------------------------------------------------------------
# Cold import, generator
# --------------------------------------------------------------------------------------

IMPORTS: dict[str, str] = {
    # Everything a user imports, not just the package: models and errors included.
    "tcapi": "from tcapi.mqtt import AsyncMqttClient, MqttClient, errors, models",
    "official_sync": "from tencentcloud.mqtt.v20240516 import mqtt_client",
    "official_async": "from tencentcloud.mqtt.v20240516 import mqtt_client_async",
    # tcapi imports httpx when the first client is built; count that too.
    "tcapi_first_client": (
        "from tcapi import Credential; from tcapi.mqtt import MqttClient; "
        "MqttClient(credential=Credential('AKIDx', 'k'), region='ap-guangzhou')"
    ),
    "official_first_client": (
        "from tencentcloud.common.credential import Credential; "
        "from tencentcloud.mqtt.v20240516 import mqtt_client; "
        "mqtt_client.MqttClient(Credential('AKIDx', 'k'), 'ap-guangzhou')"
    ),
}


def _python(args: list[str]) -> subprocess.CompletedProcess[str]:
    # -I: no cwd on sys.path, no PYTHON* variables, no user site: only the venv.
    proc = subprocess.run(
        [sys.executable, "-I", *args],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    if proc.returncode:
        raise BenchError(f"python {' '.join(args)} failed:\n{proc.stderr}")
    return proc


def cold_import_ms(statement: str) -> float:
    code = f"import time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    return float(_python(["-c", code]).stdout.strip()) * 1000.0


def _importtime_top(statement: str) -> dict[str, int]:
    """Top-level modules -X importtime reports, with their cumulative µs."""
    top: dict[str, int] = {}
    for line in _python(["-X", "importtime", "-c", statement]).stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name_field = line.split("|")
        if name_field.startswith(" ") and not name_field.startswith("  "):  # depth 0
            top[name_field.strip()] = int(cumulative)
    return top


def importtime_ms(statement: str, baseline: set[str]) -> float:
    top = _importtime_top(statement)
    return sum(us for name, us in top.items() if name not in baseline) / 1000.0


def bench_imports(runs: int) -> dict[str, dict[str, float]]:
    for stmt in IMPORTS.values():  # once untimed: compile .pyc files, warm the page cache
        cold_import_ms(stmt)
    times: dict[str, list[float]] = {k: [] for k in IMPORTS}
    for _ in range(runs):  # interleaved, so that a noisy moment hits every contender
        for key, stmt in IMPORTS.items():
            times[key].append(cold_import_ms(stmt))
    baseline = set(_importtime_top("pass"))
    result: dict[str, dict[str, float]] = {}
    for key, stmt in IMPORTS.items():
        it = [importtime_ms(stmt, baseline) for _ in range(max(3, runs // 2))]
        result[key] = {
            "median_ms": statistics.median(times[key]),
            "min_ms": min(times[key]),
            "importtime_ms": statistics.median(it),
        }
    return result


def _time_generator(args: list[str], cache: str | None = None) -> float:
    env = dict(os.environ)
    if cache is not None:
        env["TCAPI_GENERATOR_CACHE"] = cache
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "generator", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env=env,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode:
        raise BenchError(f"python -m generator {' '.join(args)} failed:\n{proc.stderr}")
    return elapsed


def bench_generator(runs: int) -> dict[str, float]:
    """Wall time of ``python -m generator`` run from the repo root.

    Output goes to scratch directories (never to generated/, which others may be
    editing): "cold" writes every file with an empty formatting cache (the worst
    case: black formats everything), "fresh" writes every file with the cache
    warm, "up to date" and "check" find nothing to do.
    """
    spec = ["--spec", str(ROOT / "spec")]
    cold: list[float] = []
    fresh: list[float] = []
    same: list[float] = []
    check: list[float] = []
    with tempfile.TemporaryDirectory(prefix="tcapi-bench-gen-") as tmp:
        for i in range(runs):
            cold.append(
                _time_generator(
                    [*spec, "--out", f"{tmp}/cold{i}", "generate"], cache=f"{tmp}/cache{i}"
                )
            )
        for i in range(runs):
            fresh.append(_time_generator([*spec, "--out", f"{tmp}/fresh{i}", "generate"]))
        out = f"{tmp}/same"
        if (ROOT / "generated").is_dir():
            shutil.copytree(ROOT / "generated", out)
        _time_generator([*spec, "--out", out, "generate"])  # bring the copy up to date
        for _ in range(runs):
            same.append(_time_generator([*spec, "--out", out, "generate"]))
            check.append(_time_generator([*spec, "--out", out, "check"]))
    return {
        "generate_cold_s": statistics.median(cold),
        "generate_fresh_s": statistics.median(fresh),
        "generate_up_to_date_s": statistics.median(same),
        "check_s": statistics.median(check),
    }


# --------------------------------------------------------------------------------------
# Profile (optional)
# --------------------------------------------------------------------------------------

_AREAS: list[tuple[str, str]] = [
    (str(ROOT / "runtime"), "tcapi runtime"),
    (str(ROOT / "generated"), "tcapi generated"),
    ("/httpcore/", "httpcore"),
    ("/httpx/", "httpx"),
    ("/h11/", "h11"),
    ("/attr/", "attrs"),
    ("/anyio/", "anyio"),
]


def _area(filename: str) -> str:
    for needle, name in _AREAS:
        if needle in filename:
            return name
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    return "stdlib/other"


def profile_tcapi_sync(server: ServerProcess, sid: str, skey: str, calls: int) -> str:
    """cProfile of the tcapi sync path: time by area, then the top functions."""
    profiler = cProfile.Profile()
    holder: dict[str, Any] = {}

    def go() -> None:
        holder["s"] = run_tcapi_sync(server, sid, skey, calls, warmup=50)

    profiler.runcall(go)
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values()) or 1.0
    by_area: dict[str, float] = {}
    for (filename, _, _), v in raw.items():
        by_area[_area(filename)] = by_area.get(_area(filename), 0.0) + v[2]
    out = io.StringIO()
    out.write(f"cProfile of {calls} tcapi sync calls (self time by area):\n\n")
    out.write("| area | self time | share |\n|---|---:|---:|\n")
    for name, t in sorted(by_area.items(), key=lambda kv: -kv[1]):
        out.write(f"| {name} | {t * 1e6 / calls:.1f} µs/call | {100 * t / total:.1f}% |\n")
    out.write("\nTop functions by self time (cumulative in parentheses):\n\n")
    out.write("| function | self % | cum % | calls/call |\n|---|---:|---:|---:|\n")
    ranked = sorted(raw.items(), key=lambda kv: -kv[1][2])[:25]
    for (filename, line, func), (_, ncalls, tt, ct, _) in ranked:
        short = filename.replace(str(ROOT) + "/", "")
        short = short.split("site-packages/")[-1].split("lib/python3.11/")[-1]
        out.write(
            f"| {short}:{line} {func} | {100 * tt / total:.1f} | {100 * ct / total:.1f} | "
            f"{ncalls / calls:.1f} |\n"
        )
    out.write("\ntcapi's own functions by cumulative time:\n\n")
    out.write("| function | cum % | self % |\n|---|---:|---:|\n")
    own = [
        (k, v) for k, v in raw.items() if _area(k[0]).startswith("tcapi") and v[3] / total > 0.005
    ]
    for (filename, line, func), (_, _, tt, ct, _) in sorted(own, key=lambda kv: -kv[1][3]):
        short = filename.replace(str(ROOT) + "/", "")
        out.write(f"| {short}:{line} {func} | {100 * ct / total:.1f} | {100 * tt / total:.1f} |\n")
    return out.getvalue()


# --------------------------------------------------------------------------------------
# Orchestration and report
# --------------------------------------------------------------------------------------


@dataclass
class Results:
    config: dict[str, Any] = field(default_factory=dict)
    cpu_us: dict[str, float] = field(default_factory=dict)
    calls_per_s: dict[str, float] = field(default_factory=dict)
    rounds: dict[str, list[float]] = field(default_factory=dict)
    imports: dict[str, dict[str, float]] = field(default_factory=dict)
    generator: dict[str, float] = field(default_factory=dict)


def bench_clients(
    server: ServerProcess, sid: str, skey: str, calls: int, async_calls: int, rounds: int
) -> Results:
    warm = max(20, calls // 20)
    awarm = max(64, async_calls // 20)
    cases: dict[str, Callable[[], Sample]] = {
        "tcapi_sync": lambda: run_tcapi_sync(server, sid, skey, calls, warm),
        "official_sync": lambda: run_official_sync(server, sid, skey, calls, warm),
        "tcapi_async_c1": lambda: run_tcapi_async(server, sid, skey, async_calls, awarm, 1),
        "official_async_c1": lambda: run_official_async(server, sid, skey, async_calls, awarm, 1),
        "tcapi_async_c32": lambda: run_tcapi_async(server, sid, skey, async_calls, awarm, 32),
        "official_async_c32": lambda: run_official_async(server, sid, skey, async_calls, awarm, 32),
        "raw_floor": lambda: run_raw_floor(server, sid, skey, calls, warm),
    }
    samples: dict[str, list[Sample]] = {k: [] for k in cases}
    for r in range(rounds):  # interleaved rounds: drift and noise hit everyone alike
        for name, case in cases.items():
            samples[name].append(case())
            print(
                f"  round {r + 1}/{rounds} {name:<19} "
                f"{samples[name][-1].cpu_us_per_call:8.1f} µs/call CPU  "
                f"{samples[name][-1].calls_per_s:8.0f} calls/s",
                file=sys.stderr,
                flush=True,
            )
    res = Results()
    for name, ss in samples.items():
        res.rounds[name] = [round(s.cpu_us_per_call, 2) for s in ss]
        res.cpu_us[name] = statistics.median(s.cpu_us_per_call for s in ss)
        res.calls_per_s[name] = statistics.median(s.calls_per_s for s in ss)
    return res


def _ratio_cells(tcapi: float | None, official: float | None, target: bool) -> tuple[str, str]:
    if tcapi is None or official is None or official == 0:
        return "—", "(info)"
    ratio = tcapi / official
    if not target:
        return f"{ratio:.2f}", "(info)"
    mark = "✓" if ratio <= TARGET_RATIO else "✗"
    return f"{ratio:.2f}", f"≤ {TARGET_RATIO} {mark}"


def render_table(res: Results) -> str:
    rows: list[tuple[str, str, str, str, str]] = []

    def pair(label: str, t: float | None, o: float | None, fmt: str, target: bool) -> None:
        ratio, tgt = _ratio_cells(t, o, target)
        rows.append(
            (
                label,
                "—" if t is None else format(t, fmt),
                "—" if o is None else format(o, fmt),
                ratio or "—",
                tgt or "—",
            )
        )

    c, w = res.cpu_us, res.calls_per_s
    if c:
        for label, key, fmt, target, values in [
            ("sync, client CPU µs/call (keep-alive)", "sync", ".1f", True, c),
            ("async c=1, client CPU µs/call", "async_c1", ".1f", True, c),
            ("async c=32, client CPU µs/call", "async_c32", ".1f", True, c),
            ("sync, wall calls/s", "sync", ".0f", False, w),
            ("async c=1, wall calls/s", "async_c1", ".0f", False, w),
            ("async c=32, wall calls/s", "async_c32", ".0f", False, w),
        ]:
            pair(label, values[f"tcapi_{key}"], values[f"official_{key}"], fmt, target)
        floor = c["raw_floor"]
        rows.append(
            (
                "raw floor (http.client keep-alive, pre-signed), CPU µs/call",
                f"{floor:.1f}",
                "—",
                f"tcapi sync = {c['tcapi_sync'] / floor:.1f}x floor",
                "(info)",
            )
        )
        rows.append(("raw floor, wall calls/s", f"{w['raw_floor']:.0f}", "—", "—", "(info)"))
    if res.imports:
        t = res.imports["tcapi"]
        for module, key in [
            ("mqtt_client", "official_sync"),
            ("mqtt_client_async", "official_async"),
        ]:
            o = res.imports[key]
            label = f"cold import ms: tcapi.mqtt vs {module}"
            pair(label, t["median_ms"], o["median_ms"], ".1f", True)
        for module, key in [
            ("mqtt_client", "official_sync"),
            ("mqtt_client_async", "official_async"),
        ]:
            o = res.imports[key]
            label = f"-X importtime ms: tcapi.mqtt vs {module}"
            pair(label, t["importtime_ms"], o["importtime_ms"], ".1f", False)
        pair(
            "cold import + first sync client ms",
            res.imports["tcapi_first_client"]["median_ms"],
            res.imports["official_first_client"]["median_ms"],
            ".1f",
            False,
        )
    if res.generator:
        g = res.generator
        for label, key in [
            ("python -m generator generate, empty format cache (s)", "generate_cold_s"),
            ("python -m generator generate, fresh out dir (s)", "generate_fresh_s"),
            ("python -m generator generate, up to date (s)", "generate_up_to_date_s"),
            ("python -m generator check (s)", "check_s"),
        ]:
            pair(label, g[key], None, ".2f", False)
    head = "| measurement | tcapi | official | ratio | target |\n|---|---:|---:|---:|---|\n"
    return head + "".join(f"| {' | '.join(r)} |\n" for r in rows)


def _versions() -> dict[str, str]:
    out: dict[str, str] = {"python": sys.version.split()[0]}
    for dist in ("tcapi", "tencentcloud-sdk-python-common", "httpx", "requests"):
        with contextlib.suppress(PackageNotFoundError):
            out[dist] = version(dist)
    return out


@contextlib.contextmanager
def running_server(kind: str, sid: str, skey: str) -> Iterator[ServerProcess]:
    server = start_server(kind, sid, skey)
    try:
        yield server
    finally:
        server.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--server", choices=["emulator", "simple"], default="emulator")
    p.add_argument("--calls", type=int, default=None, help="sync calls per round (default 2000)")
    p.add_argument("--async-calls", type=int, default=None, help="async calls per round")
    p.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3)")
    p.add_argument("--import-runs", type=int, default=None, help="cold imports each (default 9)")
    p.add_argument("--gen-runs", type=int, default=None, help="generator runs each (default 3)")
    p.add_argument("--quick", action="store_true", help="small numbers, for a CI smoke run")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument("--profile", action="store_true", help="also cProfile the tcapi sync path")
    p.add_argument(
        "--only",
        choices=["clients", "imports", "generator"],
        action="append",
        help="run only these parts (repeatable)",
    )
    p.add_argument("--_serve", choices=["emulator", "simple"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args._serve:
        return serve(args._serve)

    logging.disable(logging.CRITICAL)
    q = args.quick
    calls = args.calls or (200 if q else 2000)
    async_calls = args.async_calls or (calls if args.calls else (256 if q else 2000))
    rounds = args.rounds or (1 if q else 3)
    import_runs = args.import_runs or (3 if q else 9)
    gen_runs = args.gen_runs or (1 if q else 3)
    parts = set(args.only or ["clients", "imports", "generator"])

    res = Results()
    sid, skey = make_credentials()
    started = time.perf_counter()
    try:
        if "clients" in parts or args.profile:
            with running_server(args.server, sid, skey) as server:
                print(f"server: {server.description} on {server.url}", file=sys.stderr)
                if "clients" in parts:
                    client_res = bench_clients(server, sid, skey, calls, async_calls, rounds)
                    res.cpu_us, res.calls_per_s = client_res.cpu_us, client_res.calls_per_s
                    res.rounds = client_res.rounds
                profile = profile_tcapi_sync(server, sid, skey, calls) if args.profile else None
                res.config["server"] = server.description
        else:
            profile = None
        if "imports" in parts:
            print("cold imports ...", file=sys.stderr, flush=True)
            res.imports = bench_imports(import_runs)
        if "generator" in parts:
            print("generator ...", file=sys.stderr, flush=True)
            res.generator = bench_generator(gen_runs)
    except BenchError as exc:
        print(f"bench: ABORTED: {exc}", file=sys.stderr)
        return 1
    res.config.update(
        {
            "calls": calls,
            "async_calls": async_calls,
            "rounds": rounds,
            "import_runs": import_runs,
            "gen_runs": gen_runs,
            "cpus": os.cpu_count(),
            "elapsed_s": round(time.perf_counter() - started, 1),
            **_versions(),
        }
    )
    cfg = res.config
    print(
        f"\ntcapi bench — server: {cfg.get('server', 'n/a')}; {calls} sync / {async_calls} async "
        f"calls x {rounds} rounds (median); cold imports median of {import_runs}; "
        f"generator median of {gen_runs}; python {cfg['python']}, {cfg['cpus']} CPUs; "
        f"{cfg['elapsed_s']}s\n"
    )
    print(render_table(res))
    if profile:
        print(profile)
    if args.json:
        args.json.write_text(json.dumps(asdict(res), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
