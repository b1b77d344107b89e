#!/usr/bin/env python3
"""tcapi vs the official Tencent Cloud SDK: client CPU per call, memory, cold import, generator.

A benchmark, not a test: it prints a markdown table (and optionally writes JSON).

    python bench/run.py                 # full run (a few minutes on 2 cores)
    python bench/run.py --quick         # smoke run for CI
    python bench/run.py --json out.json # also write the numbers
    python bench/run.py --profile       # also profile the tcapi sync path (cProfile)
    python bench/run.py --only memory --memory-trace  # where memory goes, if it grows

Every client talks to the same local server, which runs in a *separate process*
so that only the client's CPU is counted (``time.process_time()`` around N calls
after a warm-up). ``--server emulator`` (default) is tcapi's own emulator, which
checks TC3 signatures; ``--server simple`` is a tiny stdlib HTTP/1.1 keep-alive
server that answers every request with a fixed success envelope. Before anything
is measured, the server must answer on 256 keep-alive connections open at once.

CPU per call: sync, and async at concurrency 1, 32 and 256, in interleaved rounds
(every case once per round), reported as the median with the spread of the rounds.

Memory: a fresh subprocess per SDK and mode (sync; async at concurrency 32) warms
up, then makes 10,000 calls (1,000 with --quick) and samples RSS and Python's
allocated blocks after 10 %, 50 % and 100 % of them; growth from the first sample to
the last decides "flat" (see MEMORY_FLAT_KIB and MEMORY_FLAT_BLOCKS).

Any failed call aborts the run: tcapi clients are built with retries off, so a
retried error can never hide in the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import cProfile
import functools
import gc
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
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
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
SERVER_START_TIMEOUT = 30.0
# socketserver listens with a backlog of 5: 32 clients connecting at once overflow it
# and some connections get reset, so both servers listen with a deeper queue (the
# emulator's is 256; the simple server's 1,024, the kernel caps it at somaxconn). Both
# run a thread per connection, so 256 keep-alive connections are 256 threads.
LISTEN_BACKLOG = 1024


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


async def run_concurrently(
    call: Callable[[], Awaitable[None]], calls: int, concurrency: int, failures: Failures
) -> None:
    """``calls`` calls by ``concurrency`` tasks (shares differ by one at most)."""

    async def worker(n: int) -> None:
        for _ in range(n):
            try:
                await call()
            except Exception as exc:
                failures.add(exc)

    base, extra = divmod(calls, concurrency)
    shares = [base + (1 if i < extra else 0) for i in range(concurrency)]
    await asyncio.gather(*(worker(n) for n in shares if n))


async def measure_async(
    what: str,
    call: Callable[[], Awaitable[None]],
    calls: int,
    warmup: int,
    concurrency: int,
) -> Sample:
    failures = Failures()
    # At least one warm-up call per task: every connection the pool will hold is open.
    await run_concurrently(call, max(warmup, concurrency), concurrency, failures)
    failures.check(f"{what} (warm-up)")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await run_concurrently(call, calls, concurrency, failures)
    cpu1, wall1 = time.process_time(), time.perf_counter()
    failures.check(what)
    return Sample(calls, cpu1 - cpu0, wall1 - wall0)


# -- the clients -----------------------------------------------------------------------
#
# Each SDK's client comes from a context manager that yields one call (the same
# CreateDeviceIdentity every time), so the CPU rounds and the memory subprocesses
# drive exactly the same code. ``port`` is the local server's. Both SDKs keep their
# default connection pools: at most 100 connections for tcapi's aiohttp connector,
# and httpx's defaults for the official async client (100 connections, of which 20
# are kept alive once idle), so at c=256 tasks queue for a connection in both.

SyncCall = Callable[[], None]
AsyncCall = Callable[[], Awaitable[None]]


def _ensure(cond: bool, what: str) -> None:
    if not cond:
        raise BenchError(what)


@contextlib.contextmanager
def tcapi_sync_client(port: int, sid: str, skey: str) -> Iterator[SyncCall]:
    client = MqttClient(
        credential=Credential(sid, skey),
        region=REGION,
        endpoint=f"http://127.0.0.1:{port}",
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
        yield call


@contextlib.asynccontextmanager
async def tcapi_async_client(port: int, sid: str, skey: str) -> AsyncIterator[AsyncCall]:
    async with AsyncMqttClient(
        credential=Credential(sid, skey),
        region=REGION,
        endpoint=f"http://127.0.0.1:{port}",
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

        yield call


def _official_profile(port: int) -> Any:
    # endpoint is a bare host[:port]; protocol picks the scheme; keepAlive asks the
    # sync client to send Connection: Keep-Alive and the async one to pool connections.
    http_profile = HttpProfile(protocol="http", endpoint=f"127.0.0.1:{port}", keepAlive=True)
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


@contextlib.contextmanager
def official_sync_client(port: int, sid: str, skey: str) -> Iterator[SyncCall]:
    client = mqtt_client.MqttClient(
        official_credential.Credential(sid, skey), REGION, _official_profile(port)
    )

    def call() -> None:
        resp = client.CreateDeviceIdentity(_official_request(official_models))
        _ensure(bool(resp.RequestId), "official: response without RequestId")

    try:
        yield call
    finally:
        with contextlib.suppress(AttributeError):  # its requests.Session, if still there
            client.request.conn._session.close()


@contextlib.asynccontextmanager
async def official_async_client(port: int, sid: str, skey: str) -> AsyncIterator[AsyncCall]:
    async with mqtt_client_async.MqttClient(
        official_credential.Credential(sid, skey), REGION, _official_profile(port)
    ) as client:

        async def call() -> None:
            resp = await client.CreateDeviceIdentity(_official_request(official_models))
            _ensure(bool(resp.RequestId), "official: response without RequestId")

        yield call


SYNC_CLIENTS: dict[str, Callable[[int, str, str], contextlib.AbstractContextManager[SyncCall]]]
SYNC_CLIENTS = {"tcapi": tcapi_sync_client, "official": official_sync_client}
ASYNC_CLIENTS: dict[
    str, Callable[[int, str, str], contextlib.AbstractAsyncContextManager[AsyncCall]]
]
ASYNC_CLIENTS = {"tcapi": tcapi_async_client, "official": official_async_client}


def run_sync(
    sdk: str, server: ServerProcess, sid: str, skey: str, calls: int, warmup: int
) -> Sample:
    with SYNC_CLIENTS[sdk](server.port, sid, skey) as call:
        return measure_sync(f"{sdk} sync", call, calls, warmup)


def run_async(
    sdk: str,
    server: ServerProcess,
    sid: str,
    skey: str,
    calls: int,
    warmup: int,
    concurrency: int,
) -> Sample:
    async def main() -> Sample:
        async with ASYNC_CLIENTS[sdk](server.port, sid, skey) as call:
            return await measure_async(
                f"{sdk} async c={concurrency}", call, calls, warmup, concurrency
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
            "max_ms": max(times[key]),
            "spread": round(_spread(times[key]), 4),
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
        holder["s"] = run_sync("tcapi", server, sid, skey, calls, warmup=50)

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
# The server under 256 connections
# --------------------------------------------------------------------------------------


def check_server_connections(server: ServerProcess, sid: str, skey: str, n: int) -> str:
    """Open ``n`` keep-alive connections at once and send two requests on each.

    Every connection answers its first request, then waits until all ``n`` have, so
    that ``n`` connections are open and idle-kept-alive together; then each sends a
    second request on the same connection. The async rows at c=256 do not prove this
    by themselves: both SDKs' default pools hold at most 100 connections.
    """
    body = json.dumps(PARAMS, separators=(",", ":")).encode()
    headers = _tc3_headers(sid, skey, server.host, body)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = (
        f"POST / HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    ).encode() + body
    failures = Failures()

    async def main() -> int:
        answered = 0
        all_open = asyncio.Event()

        async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(request)
            await writer.drain()
            status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
            fields = dict(line.split(": ", 1) for line in lines if ": " in line)
            length = int(fields.get("Content-Length", fields.get("content-length", "0")))
            data = json.loads(await reader.readexactly(length))["Response"]
            _ensure(status_line.split()[1] == "200" and "Error" not in data, f"{data}")

        async def one() -> None:
            nonlocal answered
            writer: asyncio.StreamWriter | None = None
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                await exchange(reader, writer)
                answered += 1
                if answered == n:
                    all_open.set()
                await asyncio.wait_for(all_open.wait(), 30)
                await exchange(reader, writer)
            except Exception as exc:
                failures.add(exc)
                all_open.set()  # nobody waits for a connection that failed
            finally:
                if writer is not None:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()

        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), 60)
        return answered

    t0 = time.perf_counter()
    answered = asyncio.run(main())
    failures.check(f"server check, {n} concurrent keep-alive connections")
    _ensure(answered == n, f"server check: {answered} of {n} connections answered")
    return (
        f"{n} concurrent keep-alive connections x 2 requests: all answered 200 "
        f"({time.perf_counter() - t0:.2f} s)"
    )


# --------------------------------------------------------------------------------------
# Memory over many calls (a fresh subprocess per SDK and mode)
# --------------------------------------------------------------------------------------

MEMORY_MODES = ("sync", "async_c32")
MEMORY_CONCURRENCY = 32
MEMORY_FLAT_KIB = 1024
"""Memory is "flat" when RSS grows by less than 1 MiB from the first sample (the
1,000th call after the warm-up) to the last (the 10,000th). RSS moves in pages as the
allocators touch them, not in objects: pymalloc maps 1 MiB arenas (Python 3.10+,
64-bit) and glibc's heap grows and trims at its own thresholds, so steps of a few
hundred KiB either way are allocator noise (the tcapi async run shows one of
+352 KiB between its 1,000th and 5,000th call, then none). 1 MiB over 9,000 calls is
~116 bytes a call, so a leak of one small object a call could hide under it: hence
the second threshold, on the Python heap."""
MEMORY_FLAT_BLOCKS = 1000
"""... and when Python's allocated blocks (sys.getallocatedblocks(): every object and
buffer the interpreter allocates, pymalloc or not, after gc.collect()) grow by fewer
than 1,000 between the same samples. Anything a call leaves behind is at least one
block a call, 9,000 over the full run; what moves without a leak (the connections an
async pool holds and their buffers, free lists) measured within ±600. With --quick
(900 calls between the samples) only a leak of more than one block a call shows."""
MEMORY_TIMEOUT = 600.0
"""Seconds one memory subprocess may take (the slowest, the official async client at
10,000 calls, takes one to two minutes on 2 cores)."""


def _rss_kib() -> float:
    """Resident set size now, in KiB (peak RSS where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1024
    except (OSError, ValueError, IndexError):
        import resource  # noqa: PLC0415 (only where /proc is missing)

        return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _memory_point(calls: int) -> dict[str, float]:
    gc.collect()
    return {
        "calls": calls,
        "rss_kib": round(_rss_kib(), 1),
        "blocks": sys.getallocatedblocks(),
        "objects": len(gc.get_objects()),
    }


def memory_child(sdk: str, mode: str, port: int, calls: int, trace: bool) -> dict[str, Any]:
    """Subprocess entry point: warm up, then ``calls`` calls, sampled at 10/50/100 %.

    Without ``trace`` nothing else runs in the process (tracemalloc is off: its own
    traces grow with every allocation and would be counted in RSS). ``trace`` is for
    finding where memory goes: tracemalloc starts after the warm-up, each sample adds
    the traced total and RSS less tracemalloc's own memory (which the verdict then
    uses), and the sites that grew most between the first and last samples are listed.
    """
    sid, skey = os.environ[ENV_SID], os.environ[ENV_SKEY]
    checkpoints = [calls // 10, calls // 2, calls]
    warmup = max(100, calls // 50)
    points: list[dict[str, float]] = []
    snapshots: list[Any] = []
    failures = Failures()

    def sample(done: int) -> None:
        point = _memory_point(done)
        if trace:
            # What Python allocated (traced), and RSS less tracemalloc's own traces.
            point["traced_kib"] = round(tracemalloc.get_traced_memory()[0] / 1024, 1)
            overhead = tracemalloc.get_tracemalloc_memory() / 1024
            point["rss_less_tracemalloc_kib"] = round(point["rss_kib"] - overhead, 1)
            snapshots.append(tracemalloc.take_snapshot())
        points.append(point)

    def start() -> None:
        failures.check(f"{sdk} {mode} memory (warm-up)")
        if trace:
            tracemalloc.start(10)

    t0 = time.perf_counter()
    if mode == "sync":
        with SYNC_CLIENTS[sdk](port, sid, skey) as call:
            for _ in range(warmup):
                call()
            start()
            done = 0
            for cp in checkpoints:
                for _ in range(cp - done):
                    call()
                done = cp
                sample(done)
    else:

        async def main() -> None:
            async with ASYNC_CLIENTS[sdk](port, sid, skey) as call:
                await run_concurrently(call, warmup, MEMORY_CONCURRENCY, failures)
                start()
                done = 0
                for cp in checkpoints:
                    await run_concurrently(call, cp - done, MEMORY_CONCURRENCY, failures)
                    failures.check(f"{sdk} {mode} memory")
                    done = cp
                    sample(done)

        asyncio.run(main())
    out: dict[str, Any] = {
        "sdk": sdk,
        "mode": mode,
        "warmup": warmup,
        "points": points,
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    if trace:
        stats = snapshots[-1].compare_to(snapshots[0], "lineno")
        out["top_growth"] = [
            f"{s.size_diff / 1024:+.1f} KiB {s.count_diff:+d} blocks {s.traceback[0]}"
            for s in stats[:8]
        ]
    return out


def _memory_summary(run: dict[str, Any]) -> dict[str, Any]:
    first, last = run["points"][0], run["points"][-1]
    rss_key = "rss_less_tracemalloc_kib" if "rss_less_tracemalloc_kib" in last else "rss_kib"
    rss = last[rss_key] - first[rss_key]
    blocks = last["blocks"] - first["blocks"]
    return {
        **run,
        "between_calls": [first["calls"], last["calls"]],
        "rss_growth_kib": round(rss, 1),
        "blocks_growth": blocks,
        "objects_growth": last["objects"] - first["objects"],
        "flat": rss < MEMORY_FLAT_KIB and blocks < MEMORY_FLAT_BLOCKS,
    }


MEMORY_RUNS = ("official_async_c32", "official_sync", "tcapi_async_c32", "tcapi_sync")
"""The memory subprocesses, slowest first (the official async client at concurrency 32
spends ~5 ms of CPU a call): with two at a time it has a core to itself while the
other three run one after another beside it."""


def _memory_run(key: str, port: int, calls: int, trace: bool, env: dict[str, str]) -> Any:
    sdk, mode = key.split("_", 1)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_memory", f"{sdk}:{mode}"]
    cmd += ["--_port", str(port), "--_calls", str(calls), *(["--_trace"] if trace else [])]
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=env,
            cwd=tempfile.gettempdir(),
            timeout=MEMORY_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"memory {key}: no answer in {MEMORY_TIMEOUT:.0f} s") from None
    lines = [s for s in proc.stdout.splitlines() if s.startswith("MEMORY ")]
    if proc.returncode or not lines:
        raise BenchError(f"memory {key} failed (exit {proc.returncode}):\n{proc.stderr}")
    return json.loads(lines[-1].removeprefix("MEMORY "))


def bench_memory(
    server: ServerProcess, sid: str, skey: str, calls: int, trace: bool
) -> dict[str, Any]:
    """One fresh subprocess per SDK and mode, two at a time.

    Side by side is fine here because nothing in them is timed: RSS and block counts
    do not depend on how the CPU is shared.
    """
    env = {**os.environ, ENV_SID: sid, ENV_SKEY: skey}
    for var in ("PYTHONTRACEMALLOC", "PYTHONMALLOC", "PYTHONMALLOCSTATS", "PYTHONDEVMODE"):
        env.pop(var, None)  # the allocator and no tracing, as a user gets them
    jobs = min(2, os.cpu_count() or 1)
    out: dict[str, Any] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {
            pool.submit(_memory_run, key, server.port, calls, trace, env): key
            for key in MEMORY_RUNS
        }
        for future in concurrent.futures.as_completed(futures):
            key = futures[future]
            try:
                run = out[key] = _memory_summary(future.result())
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)  # the running ones time out
                raise
            a, b = run["between_calls"]
            print(
                f"  memory {key:<19} RSS {run['rss_growth_kib']:+8.1f} KiB, "
                f"{run['blocks_growth']:+6d} blocks over calls {a}-{b} ({run['wall_s']} s)",
                file=sys.stderr,
                flush=True,
            )
    return {key: out[key] for key in sorted(out, key=MEMORY_RUNS.index)}


# --------------------------------------------------------------------------------------
# Orchestration and report
# --------------------------------------------------------------------------------------


@dataclass
class Results:
    config: dict[str, Any] = field(default_factory=dict)
    cpu_us: dict[str, float] = field(default_factory=dict)
    calls_per_s: dict[str, float] = field(default_factory=dict)
    rounds: dict[str, list[float]] = field(default_factory=dict)
    """CPU µs per call of every round, in order (the rounds are interleaved)."""
    rounds_calls_per_s: dict[str, list[float]] = field(default_factory=dict)
    spread: dict[str, float] = field(default_factory=dict)
    """Half the range of the rounds over their median, keyed like cpu_us: the rounds
    lie within median x (1 ± spread). Cold imports carry theirs in ``imports``."""
    imports: dict[str, dict[str, float]] = field(default_factory=dict)
    server_check: str = ""
    memory: dict[str, Any] = field(default_factory=dict)
    generator: dict[str, float] = field(default_factory=dict)


def _spread(values: list[float]) -> float:
    med = statistics.median(values)
    return (max(values) - min(values)) / 2 / med if med else 0.0


CONCURRENCIES = (1, 32, 256)


def bench_clients(
    server: ServerProcess,
    sid: str,
    skey: str,
    calls: int,
    async_calls: int,
    c256_calls: int,
    rounds: int,
) -> Results:
    warm = max(20, calls // 20)
    awarm = max(64, async_calls // 20)
    cases: dict[str, Callable[[], Sample]] = {}
    for sdk in ("tcapi", "official"):
        cases[f"{sdk}_sync"] = functools.partial(run_sync, sdk, server, sid, skey, calls, warm)
    for c in CONCURRENCIES:
        n = c256_calls if c == 256 else async_calls
        for sdk in ("tcapi", "official"):
            cases[f"{sdk}_async_c{c}"] = functools.partial(
                run_async, sdk, server, sid, skey, n, awarm, c
            )
    cases["raw_floor"] = functools.partial(run_raw_floor, server, sid, skey, calls, warm)
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
        cpu = [s.cpu_us_per_call for s in ss]
        res.rounds[name] = [round(v, 2) for v in cpu]
        res.rounds_calls_per_s[name] = [round(s.calls_per_s, 1) for s in ss]
        res.cpu_us[name] = statistics.median(cpu)
        res.calls_per_s[name] = statistics.median(s.calls_per_s for s in ss)
        if len(cpu) > 1:  # one round has no spread (the table shows "—")
            res.spread[name] = round(_spread(cpu), 4)
    return res


TARGETS: dict[str, float] = {
    # The "done when": tcapi's figure over the official SDK's, at most this.
    "sync": 0.35,
    "async_c1": 0.30,
    "async_c32": 0.15,
    "async_c256": 0.15,
    "import": 0.5,
    "first_client": 0.5,
}


def _ratio_cells(
    tcapi: float | None, official: float | None, target: float | None
) -> tuple[str, str]:
    if tcapi is None or official is None or official == 0:
        return "—", "(info)"
    ratio = tcapi / official
    if target is None:
        return f"{ratio:.2f}", "(info)"
    mark = "✓" if ratio <= target else "✗"
    return f"{ratio:.2f}", f"≤ {target:.2f} {mark}"


def _spread_cell(t: float | None, o: float | None) -> str:
    if t is None and o is None:
        return "—"
    return " / ".join("—" if v is None else f"±{100 * v:.0f}%" for v in (t, o))


def render_table(res: Results) -> str:
    """The markdown table: medians, each SDK's spread over the rounds, the targets."""
    rows: list[tuple[str, str, str, str, str, str]] = []

    def pair(
        label: str,
        t: float | None,
        o: float | None,
        fmt: str,
        target: float | None,
        spread: tuple[float | None, float | None] = (None, None),
    ) -> None:
        ratio, tgt = _ratio_cells(t, o, target)
        rows.append(
            (
                label,
                "—" if t is None else format(t, fmt),
                "—" if o is None else format(o, fmt),
                ratio,
                _spread_cell(*spread),
                tgt,
            )
        )

    c, w, sp = res.cpu_us, res.calls_per_s, res.spread
    if c:
        cpu_rows = [("sync, client CPU µs/call (keep-alive)", "sync")] + [
            (f"async c={n}, client CPU µs/call", f"async_c{n}") for n in CONCURRENCIES
        ]
        for label, key in cpu_rows:
            tk, ok = f"tcapi_{key}", f"official_{key}"
            pair(label, c.get(tk), c.get(ok), ".1f", TARGETS[key], (sp.get(tk), sp.get(ok)))
        wall_rows = [("sync, wall calls/s", "sync")] + [
            (f"async c={n}, wall calls/s", f"async_c{n}") for n in CONCURRENCIES
        ]
        for label, key in wall_rows:
            pair(label, w.get(f"tcapi_{key}"), w.get(f"official_{key}"), ".0f", None)
        floor = c["raw_floor"]
        rows.append(
            (
                "raw floor (http.client keep-alive, pre-signed), CPU µs/call",
                f"{floor:.1f}",
                "—",
                f"tcapi sync = {c['tcapi_sync'] / floor:.1f}x floor",
                _spread_cell(sp.get("raw_floor"), None),
                "(info)",
            )
        )
        rows.append(("raw floor, wall calls/s", f"{w['raw_floor']:.0f}", "—", "—", "—", "(info)"))
    if res.memory:
        m = res.memory
        for mode, label in [("sync", "sync"), ("async_c32", "async c=32")]:
            runs = [m.get(f"{sdk}_{mode}") for sdk in ("tcapi", "official")]
            a, b = next(r for r in runs if r is not None)["between_calls"]
            for what, key, limit in [
                ("RSS growth KiB", "rss_growth_kib", MEMORY_FLAT_KIB),
                ("Python blocks growth", "blocks_growth", MEMORY_FLAT_BLOCKS),
            ]:
                cells = ["—" if r is None else f"{r[key]:+,.0f}" for r in runs]
                marks = " ".join(
                    f"{sdk} {'✓' if r[key] < limit else '✗'}"
                    for sdk, r in zip(("tcapi", "official"), runs, strict=True)
                    if r is not None
                )
                rows.append(
                    (
                        f"memory, {label}: {what}, calls {a:,}→{b:,}",
                        cells[0],
                        cells[1],
                        "—",
                        "—",
                        f"< {limit:,}: {marks}",
                    )
                )
    if res.imports:
        imp = res.imports
        t = imp["tcapi"]
        for module, key in [
            ("mqtt_client", "official_sync"),
            ("mqtt_client_async", "official_async"),
        ]:
            o = imp[key]
            label = f"cold import ms: tcapi.mqtt vs {module}"
            spread = (t.get("spread"), o.get("spread"))
            pair(label, t["median_ms"], o["median_ms"], ".1f", TARGETS["import"], spread)
        for module, key in [
            ("mqtt_client", "official_sync"),
            ("mqtt_client_async", "official_async"),
        ]:
            o = imp[key]
            label = f"-X importtime ms: tcapi.mqtt vs {module}"
            pair(label, t["importtime_ms"], o["importtime_ms"], ".1f", None)
        t, o = imp["tcapi_first_client"], imp["official_first_client"]
        spread = (t.get("spread"), o.get("spread"))
        label = "cold import + first sync client ms"
        pair(label, t["median_ms"], o["median_ms"], ".1f", TARGETS["first_client"], spread)
    if res.generator:
        g = res.generator
        for label, key in [
            ("python -m generator generate, empty format cache (s)", "generate_cold_s"),
            ("python -m generator generate, fresh out dir (s)", "generate_fresh_s"),
            ("python -m generator generate, up to date (s)", "generate_up_to_date_s"),
            ("python -m generator check (s)", "check_s"),
        ]:
            pair(label, g[key], None, ".2f", None)
    head = (
        "| measurement | tcapi | official | ratio | spread (tcapi / official) | target |\n"
        "|---|---:|---:|---:|---:|---|\n"
    )
    return head + "".join(f"| {' | '.join(r)} |\n" for r in rows)


def render_memory_verdicts(memory: dict[str, Any]) -> str:
    """One line per SDK: "flat" when every mode stayed under both thresholds."""
    out = []
    for sdk in ("tcapi", "official"):
        runs = [(mode, memory.get(f"{sdk}_{mode}")) for mode in MEMORY_MODES]
        done = [(mode, run) for mode, run in runs if run is not None]
        if not done:
            continue
        verdict = "flat" if all(run["flat"] for _, run in done) else "NOT flat"
        detail = "; ".join(
            f"{mode}: RSS "
            + "/".join(f"{p['rss_kib'] / 1024:.1f}" for p in run["points"])
            + " MiB at "
            + "/".join(f"{p['calls']:,}" for p in run["points"])
            + f" calls ({run['rss_growth_kib']:+,.0f} KiB), {run['blocks_growth']:+,d} blocks"
            for mode, run in done
        )
        out.append(f"memory {sdk}: {verdict} — {detail}")
    return "\n".join(out)


def _versions() -> dict[str, str]:
    out: dict[str, str] = {"python": sys.version.split()[0]}
    dists = ("tcapi", "tencentcloud-sdk-python-common", "urllib3", "aiohttp", "httpx", "requests")
    for dist in dists:
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
    p.add_argument(
        "--c256-calls", type=int, default=None, help="async calls per round at c=256 (1000)"
    )
    p.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3)")
    p.add_argument(
        "--memory-calls", type=int, default=None, help="calls per memory run (default 10000)"
    )
    p.add_argument(
        "--memory-trace",
        action="store_true",
        help="also run the memory subprocesses under tracemalloc and list what grew",
    )
    p.add_argument("--import-runs", type=int, default=None, help="cold imports each (default 9)")
    p.add_argument("--gen-runs", type=int, default=None, help="generator runs each (default 3)")
    p.add_argument("--quick", action="store_true", help="small numbers, for a CI smoke run")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument("--profile", action="store_true", help="also cProfile the tcapi sync path")
    p.add_argument(
        "--only",
        choices=["clients", "memory", "imports", "generator"],
        action="append",
        help="run only these parts (repeatable)",
    )
    p.add_argument("--_serve", choices=["emulator", "simple"], help=argparse.SUPPRESS)
    p.add_argument("--_memory", help=argparse.SUPPRESS)
    p.add_argument("--_port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--_calls", type=int, help=argparse.SUPPRESS)
    p.add_argument("--_trace", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args._serve:
        return serve(args._serve)
    if args._memory:
        logging.disable(logging.CRITICAL)
        sdk, mode = args._memory.split(":")
        out = memory_child(sdk, mode, args._port, args._calls, args._trace)
        print("MEMORY " + json.dumps(out), flush=True)
        return 0

    logging.disable(logging.CRITICAL)
    q = args.quick
    calls = args.calls or (200 if q else 2000)
    async_calls = args.async_calls or (calls if args.calls else (256 if q else 2000))
    # At c=256 the official async client spends 6-14 ms of CPU a call on 2 cores (about
    # 70 calls/s when the machine is busy): 1,000 calls keep the run within minutes and
    # are still ~4 a task, after a warm-up of one a task.
    c256_calls = args.c256_calls or (async_calls if q or args.async_calls else 1000)
    rounds = args.rounds or (1 if q else 3)
    memory_calls = args.memory_calls or (1000 if q else 10000)
    import_runs = args.import_runs or (3 if q else 9)
    gen_runs = args.gen_runs or (1 if q else 3)
    parts = set(args.only or ["clients", "memory", "imports", "generator"])

    res = Results()
    sid, skey = make_credentials()
    started = time.perf_counter()
    timings: dict[str, float] = {}
    profile = None
    try:
        if parts & {"clients", "memory"} or args.profile:
            with running_server(args.server, sid, skey) as server:
                print(f"server: {server.description} on {server.url}", file=sys.stderr)
                res.config["server"] = server.description
                res.server_check = check_server_connections(server, sid, skey, 256)
                print(f"server check: {res.server_check}", file=sys.stderr, flush=True)
                if "clients" in parts:
                    t0 = time.perf_counter()
                    client_res = bench_clients(
                        server, sid, skey, calls, async_calls, c256_calls, rounds
                    )
                    res.cpu_us, res.calls_per_s = client_res.cpu_us, client_res.calls_per_s
                    res.rounds, res.spread = client_res.rounds, client_res.spread
                    res.rounds_calls_per_s = client_res.rounds_calls_per_s
                    timings["clients_s"] = time.perf_counter() - t0
                if "memory" in parts:
                    print(f"memory, {memory_calls} calls each ...", file=sys.stderr, flush=True)
                    t0 = time.perf_counter()
                    res.memory = bench_memory(server, sid, skey, memory_calls, args.memory_trace)
                    timings["memory_s"] = time.perf_counter() - t0
                if args.profile:
                    profile = profile_tcapi_sync(server, sid, skey, calls)
        if "imports" in parts:
            print("cold imports ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            res.imports = bench_imports(import_runs)
            timings["imports_s"] = time.perf_counter() - t0
        if "generator" in parts:
            print("generator ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            res.generator = bench_generator(gen_runs)
            timings["generator_s"] = time.perf_counter() - t0
    except BenchError as exc:
        print(f"bench: ABORTED: {exc}", file=sys.stderr)
        return 1
    res.config.update(
        {
            "calls": calls,
            "async_calls": async_calls,
            "c256_calls": c256_calls,
            "rounds": rounds,
            "memory_calls": memory_calls,
            "memory_flat_kib": MEMORY_FLAT_KIB,
            "memory_flat_blocks": MEMORY_FLAT_BLOCKS,
            "import_runs": import_runs,
            "gen_runs": gen_runs,
            "cpus": os.cpu_count(),
            "elapsed_s": round(time.perf_counter() - started, 1),
            "part_s": {k: round(v, 1) for k, v in timings.items()},
            **_versions(),
        }
    )
    cfg = res.config
    parts_s = ", ".join(f"{k.removesuffix('_s')} {v}s" for k, v in cfg["part_s"].items())
    print(
        f"\ntcapi bench — server: {cfg.get('server', 'n/a')}; {calls} sync / {async_calls} async "
        f"({c256_calls} at c=256) calls x {rounds} interleaved rounds (median, spread = "
        f"±half the range over the median); memory {memory_calls} calls per fresh process; "
        f"cold imports median of {import_runs}; generator median of {gen_runs}; "
        f"python {cfg['python']}, {cfg['cpus']} CPUs; {cfg['elapsed_s']}s ({parts_s})\n"
    )
    print(render_table(res))
    if res.memory:
        print(render_memory_verdicts(res.memory))
        for key, run in res.memory.items():
            if "top_growth" in run:
                first, last = run["points"][0], run["points"][-1]
                print(
                    f"  {key} under tracemalloc: traced {first['traced_kib']:,.0f} -> "
                    f"{last['traced_kib']:,.0f} KiB, RSS less tracemalloc "
                    f"{first['rss_less_tracemalloc_kib']:,.0f} -> "
                    f"{last['rss_less_tracemalloc_kib']:,.0f} KiB"
                )
            for line in run.get("top_growth", []):
                print(f"    {line}")
    if res.server_check:
        print(f"server check: {res.server_check}")
    if profile:
        print(profile)
    if args.json:
        args.json.write_text(json.dumps(asdict(res), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
