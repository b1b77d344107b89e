#!/usr/bin/env python3
"""tcapi's command line vs tccli's: wall-clock time of the real console scripts.

A benchmark, not a test: it prints a markdown table (and optionally writes JSON).

    python bench/cli.py                  # 15 interleaved runs of each command
    python bench/cli.py --runs 5         # a quick look
    python bench/cli.py --json out.json  # also write the numbers
    nox -s bench-cli -- --runs 9         # the same from nox (`nox -s bench` runs it too)

Each measurement is one command run in a fresh subprocess, timed from spawn to
exit with ``time.perf_counter()`` (interpreter start, imports, argument parsing,
the request and the printing: what a person waits for):

- ``tcapi mqtt DescribeInstanceList`` vs ``tccli mqtt DescribeInstanceList``, both
  against the same ``Emulator(tls=True)`` on 127.0.0.1, seeded with one instance;
- ``tcapi mqtt DescribeInstanceList --help`` vs ``tccli mqtt DescribeInstanceList help``;
- ``tcapi --help`` vs ``tccli help``;
- ``python -c pass`` with each CLI's interpreter: the start-up floor (info only).

Every round runs every command once, the two CLIs in alternating order, after a
warm-up (which also fills the bytecode caches and tccli's ~/.tccli); each figure is
the median over the rounds, beside the fastest run and the spread (±half the
range over the median, as in bench/run.py). Every run's output is checked: both
must exit 0, the two calls must print the same instance list (the seeded one) with
the RequestId the emulator recorded for that very request, and the help texts
must be about DescribeInstanceList, so no error path is ever measured. Runs are
bounded (``--runs`` at most 200, ``--time-cap`` seconds for the rounds, a timeout
per subprocess).

The tcapi under test is the ``tcapi`` console script beside this interpreter
(``python -m tcapi`` if there is none). tccli is not a project dependency (tccli
3.1.x requires ``tencentcloud-sdk-python`` and so an official common package newer
than the test extra's pin): it lives in its own venv, ``build/bench-tccli/``,
made with ``python -m venv`` and ``pip install tccli==3.1.189.1`` on first use and
reused while it holds that version (``--tccli PATH`` uses another tccli instead).

How tccli trusts the emulator's throwaway CA: the official SDK under it hands
``verify=certifi.where()`` to requests on every call (tccli has no option for a
``certification``), so requests never reads ``REQUESTS_CA_BUNDLE``; nor does the
ssl module's ``SSL_CERT_FILE`` matter. The bench first tries those variables
anyway, and when tccli still refuses the certificate (it does with 3.1.189.1) it
uses a **bench-only trick**: it rewrites the certifi bundle *inside the tccli
venv* as certifi's own bundle plus the emulator's CA (the pristine file is kept
beside it as ``cacert.pem.bench-orig`` and put back when the bench ends). tcapi
gets the very same bundle through ``SSL_CERT_FILE``, so both load the same trust
store. Both CLIs get the same environment otherwise: a temporary HOME, the
emulator's credentials in ``TENCENTCLOUD_SECRET_ID``/``_KEY``,
``TCAPI_DISABLE_METADATA=1``, no proxies, no ``PYTHON*``/``TCAPI_*``/``TCCLI_*``
variables from outside.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from tcapi.emulator import Emulator
from tcapi.emulator.services.mqtt import seed_instance

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-guangzhou"
INSTANCE = "mqtt-qzgaq8bk"
TCCLI_VERSION = "3.1.189.1"
TCCLI_VENV = ROOT / "build" / "bench-tccli"
DEFAULT_RUNS = 15
MAX_RUNS = 200
DEFAULT_WARMUP = 2
MAX_WARMUP = 10
DEFAULT_TIME_CAP = 600.0
RUN_TIMEOUT = 60.0
"""Seconds one command may take before the bench gives up."""
INSTALL_TIMEOUT = 900.0
"""Seconds for making the tccli venv (pip downloads tencentcloud-sdk-python)."""
TARGET = 0.30
"""The "done when": tcapi's median wall time over tccli's, at most this."""
ORIG_SUFFIX = ".bench-orig"


class BenchError(RuntimeError):
    """A command failed or answered wrongly: the numbers would be meaningless."""


# --------------------------------------------------------------------------------------
# The two command lines
# --------------------------------------------------------------------------------------


def tcapi_command() -> list[str]:
    """The ``tcapi`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "tcapi"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "tcapi"]


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _run_checked(cmd: list[str], timeout: float, what: str) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{what}: no answer within {timeout:.0f}s") from None
    if done.returncode != 0:
        raise BenchError(f"{what} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _installed_version(python: Path, dist: str) -> str | None:
    if not python.exists():
        return None
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    try:
        return _run_checked([str(python), "-c", code], RUN_TIMEOUT, "version check").strip()
    except BenchError:
        return None


def ensure_tccli(venv: Path, wanted: str) -> Path:
    """``venv``'s tccli, making the venv (or remaking it) when it lacks ``wanted``."""
    venv = venv.resolve()  # the commands run in a temporary directory
    python = _venv_python(venv)
    tccli = python.parent / "tccli"
    if _installed_version(python, "tccli") == wanted and tccli.is_file():
        return tccli
    print(f"making {venv} with tccli=={wanted} (once) ...", file=sys.stderr, flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    _run_checked([sys.executable, "-m", "venv", "--clear", str(venv)], INSTALL_TIMEOUT, "venv")
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run_checked([*pip, f"tccli=={wanted}"], INSTALL_TIMEOUT, "pip install tccli")
    if _installed_version(python, "tccli") != wanted or not tccli.is_file():
        raise BenchError(f"{venv}: tccli=={wanted} did not install")
    return tccli


def tccli_python(tccli: Path) -> Path:
    """The interpreter the tccli script runs with (its ``#!`` line)."""
    first = tccli.read_bytes().split(b"\n", 1)[0].decode(errors="replace")
    if first.startswith("#!") and Path(first[2:].strip()).is_file():
        return Path(first[2:].strip())
    return tccli.parent / "python"


def certifi_bundle(python: Path) -> Path:
    code = "import certifi; print(certifi.where())"
    return Path(_run_checked([str(python), "-c", code], RUN_TIMEOUT, "certifi.where()").strip())


def restore_certifi(bundle: Path) -> None:
    """Put back the pristine bundle a killed run may have left beside ``bundle``."""
    orig = bundle.with_name(bundle.name + ORIG_SUFFIX)
    if orig.exists():
        shutil.copyfile(orig, bundle)
        orig.unlink()


@contextlib.contextmanager
def certifi_with_ca(bundle: Path, ca: Path) -> Iterator[None]:
    """``bundle`` (certifi's, in the bench's tccli venv) extended with ``ca`` while
    the block runs; the pristine file waits beside it and is put back afterwards."""
    restore_certifi(bundle)
    orig = bundle.with_name(bundle.name + ORIG_SUFFIX)
    shutil.copyfile(bundle, orig)
    try:
        bundle.write_bytes(combined_bundle(orig, ca))
        yield
    finally:
        restore_certifi(bundle)


def combined_bundle(base: Path, ca: Path) -> bytes:
    head = base.read_bytes()
    if not head.endswith(b"\n"):
        head += b"\n"
    return head + b"\n# tcapi bench: the emulator's throwaway CA\n" + ca.read_bytes()


# --------------------------------------------------------------------------------------
# The commands and their checks
# --------------------------------------------------------------------------------------

Check = Callable[[subprocess.CompletedProcess[str]], None]


@dataclass
class Case:
    key: str
    label: str
    tcapi: list[str]
    tccli: list[str]
    check_tcapi: Check
    check_tccli: Check
    target: float | None


def _fail(what: str, result: subprocess.CompletedProcess[str], why: str) -> BenchError:
    out = result.stdout.strip()[-1500:]
    err = result.stderr.strip()[-1500:]
    return BenchError(f"{what}: {why} (exit {result.returncode})\nstdout: {out}\nstderr: {err}")


def _exit_zero(what: str, result: subprocess.CompletedProcess[str]) -> None:
    if result.returncode != 0:
        raise _fail(what, result, "did not exit 0")


def check_listing(emulator: Emulator, what: str, latest: dict[str, Any]) -> Check:
    """The call printed the seeded instance list and the RequestId the emulator gave
    the request it just received; ``latest`` keeps each CLI's last list, and the two
    must be equal."""

    def check(result: subprocess.CompletedProcess[str]) -> None:
        _exit_zero(what, result)
        try:
            data = json.loads(result.stdout)
        except ValueError:
            raise _fail(what, result, "did not print JSON") from None
        if not isinstance(data, dict):
            raise _fail(what, result, "did not print a JSON object")
        data = data.get("Response", data)
        listed = [item.get("InstanceId") for item in data.get("Data") or []]
        if data.get("TotalCount") != 1 or listed != [INSTANCE]:
            raise _fail(what, result, f"listed {listed!r}, not [{INSTANCE!r}]")
        last = emulator.requests[-1] if emulator.requests else None
        if last is None or last.action != "DescribeInstanceList":
            raise _fail(what, result, "the emulator recorded no DescribeInstanceList")
        if data.get("RequestId") != last.request_id:
            raise _fail(what, result, f"RequestId is not the emulator's {last.request_id}")
        # tccli prints every member its model has, null where the answer had none
        latest[what] = [{k: v for k, v in item.items() if v is not None} for item in data["Data"]]
        if len(latest) == 2:
            a, b = latest.values()
            if a != b:
                raise BenchError(f"the two CLIs listed different instances:\n{a}\n{b}")

    return check


def check_contains(what: str, *needles: str) -> Check:
    def check(result: subprocess.CompletedProcess[str]) -> None:
        _exit_zero(what, result)
        missing = [n for n in needles if n not in result.stdout]
        if missing:
            raise _fail(what, result, f"output lacks {missing!r}")

    return check


def make_cases(
    emulator: Emulator, tcapi: list[str], tccli: Path, tcapi_py: str, tccli_py: Path
) -> list[Case]:
    endpoint = emulator.endpoint
    host = endpoint.removeprefix("https://")
    if not host.startswith("127.0.0.1:"):
        raise BenchError(f"the emulator is not on 127.0.0.1: {endpoint}")
    target = ["--region", REGION]
    action = ["mqtt", "DescribeInstanceList"]
    t, c = [*tcapi], [str(tccli)]
    listings: dict[str, Any] = {}
    return [
        Case(
            "call",
            "mqtt DescribeInstanceList against the emulator (https)",
            [*t, *action, "--endpoint", endpoint, *target],
            [*c, *action, "--endpoint", host, *target],
            check_listing(emulator, "tcapi call", listings),
            check_listing(emulator, "tccli call", listings),
            TARGET,
        ),
        Case(
            "action_help",
            "`mqtt DescribeInstanceList --help` / `... help`",
            [*t, *action, "--help"],
            [*c, *action, "help"],
            check_contains("tcapi action help", "DescribeInstanceList", "--Limit"),
            check_contains("tccli action help", "DescribeInstanceList", "--Limit"),
            TARGET,
        ),
        Case(
            "top_help",
            "`tcapi --help` / `tccli help`",
            [*t, "--help"],
            [*c, "help"],
            check_contains("tcapi --help", "mqtt"),
            check_contains("tccli help", "mqtt"),
            TARGET,
        ),
        Case(
            "python_floor",
            "interpreter start-up floor: each CLI's `python -c pass`",
            [tcapi_py, "-c", "pass"],
            [str(tccli_py), "-c", "pass"],
            lambda r: _exit_zero("tcapi's python", r),
            lambda r: _exit_zero("tccli's python", r),
            None,
        ),
    ]


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


def child_env(home: Path, emulator: Emulator, bundle: Path) -> dict[str, str]:
    drop_prefixes = ("TENCENTCLOUD_", "TCCLI_", "TKE_", "TCAPI_", "PYTHON")
    drop = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "VIRTUAL_ENV"}
    drop |= {"REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE"}
    env = {
        k: v
        for k, v in os.environ.items()
        if k.upper() not in drop and not k.upper().startswith(drop_prefixes)
    }
    env.update(
        HOME=str(home),
        TCAPI_DISABLE_METADATA="1",
        TENCENTCLOUD_SECRET_ID=emulator.secret_id,
        TENCENTCLOUD_SECRET_KEY=emulator.secret_key,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        SSL_CERT_FILE=str(bundle),
        REQUESTS_CA_BUNDLE=str(bundle),
    )
    return env


def timed_run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, Any]:
    t0 = time.perf_counter()
    try:
        result = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=RUN_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{' '.join(cmd)}: no exit within {RUN_TIMEOUT:.0f}s") from None
    return time.perf_counter() - t0, result


def tccli_trusts_environment(case: Case, env: dict[str, str], cwd: Path) -> bool:
    """Whether tccli's call succeeds with the CA given only through the environment."""
    _, result = timed_run(case.tccli, env, cwd)
    if result.returncode == 0:
        case.check_tccli(result)
        return True
    if "CERTIFICATE_VERIFY_FAILED" in result.stderr + result.stdout:
        return False
    raise _fail("tccli call (trust probe)", result, "failed, and not on the certificate")


@dataclass
class Results:
    config: dict[str, Any] = field(default_factory=dict)
    samples_ms: dict[str, list[float]] = field(default_factory=dict)
    summary: dict[str, dict[str, float | None]] = field(default_factory=dict)


def _spread(values: list[float]) -> float:
    med = statistics.median(values)
    return (max(values) - min(values)) / 2 / med if med else 0.0


def measure(
    cases: list[Case], env: dict[str, str], cwd: Path, runs: int, warmup: int, cap: float
) -> tuple[dict[str, list[float]], int, bool]:
    """``runs`` interleaved rounds (fewer when ``cap`` seconds are up): every case once
    a round, the two CLIs in alternating order. Returns the samples in ms, the rounds
    done and whether the cap cut them short."""
    for i in range(warmup):
        for case in cases:
            for cmd, check in ((case.tcapi, case.check_tcapi), (case.tccli, case.check_tccli)):
                check(timed_run(cmd, env, cwd)[1])
        print(f"warm-up {i + 1}/{warmup} done", file=sys.stderr, flush=True)
    samples: dict[str, list[float]] = {}
    for case in cases:
        samples[f"tcapi_{case.key}"] = []
        samples[f"tccli_{case.key}"] = []
    started = time.monotonic()
    done = 0
    for rnd in range(runs):
        if rnd and time.monotonic() - started > cap:
            break
        for n, case in enumerate(cases):
            pair = [
                ("tcapi", case.tcapi, case.check_tcapi),
                ("tccli", case.tccli, case.check_tccli),
            ]
            if (rnd + n) % 2:
                pair.reverse()
            for who, cmd, check in pair:
                elapsed, result = timed_run(cmd, env, cwd)
                check(result)
                samples[f"{who}_{case.key}"].append(elapsed * 1000)
        done += 1
        call_t, call_c = samples["tcapi_call"][-1], samples["tccli_call"][-1]
        print(
            f"round {done}/{runs}: call {call_t:.0f} vs {call_c:.0f} ms",
            file=sys.stderr,
            flush=True,
        )
    return samples, done, done < runs


def summarize(cases: list[Case], samples: dict[str, list[float]]) -> dict[str, Any]:
    out: dict[str, dict[str, float | None]] = {}
    for case in cases:
        t, c = samples[f"tcapi_{case.key}"], samples[f"tccli_{case.key}"]
        tm, cm = statistics.median(t), statistics.median(c)
        out[case.key] = {
            "tcapi_median_ms": round(tm, 1),
            "tccli_median_ms": round(cm, 1),
            "tcapi_min_ms": round(min(t), 1),
            "tccli_min_ms": round(min(c), 1),
            # one run has no spread (the table shows "—")
            "tcapi_spread": round(_spread(t), 4) if len(t) > 1 else None,
            "tccli_spread": round(_spread(c), 4) if len(c) > 1 else None,
            "ratio": round(tm / cm, 3) if cm else None,
            "min_ratio": round(min(t) / min(c), 3) if min(c) else None,
            "target": case.target,
        }
    return out


def render_table(cases: list[Case], summary: dict[str, Any]) -> str:
    head = (
        "| measurement | tcapi ms | tccli ms | ratio | min ms (tcapi / tccli) "
        "| spread (tcapi / tccli) | target |\n"
        "|---|---:|---:|---:|---:|---:|---|\n"
    )
    rows = []
    for case in cases:
        s = summary[case.key]
        ratio = "—" if s["ratio"] is None else f"{s['ratio']:.2f}"
        if case.target is None or s["ratio"] is None:
            target = "(info)"
        else:
            target = f"≤ {case.target:.2f} {'✓' if s['ratio'] <= case.target else '✗'}"
        cells = [
            case.label,
            f"{s['tcapi_median_ms']:.0f}",
            f"{s['tccli_median_ms']:.0f}",
            ratio,
            f"{s['tcapi_min_ms']:.0f} / {s['tccli_min_ms']:.0f}",
            " / ".join(
                "—" if v is None else f"±{100 * v:.0f}%"
                for v in (s["tcapi_spread"], s["tccli_spread"])
            ),
            target,
        ]
        rows.append(f"| {' | '.join(cells)} |\n")
    return head + "".join(rows)


def _versions(tccli_py: Path) -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    with contextlib.suppress(PackageNotFoundError):
        out["tcapi"] = version("tcapi")
    for dist in ("tccli", "tencentcloud-sdk-python", "requests"):
        got = _installed_version(tccli_py, dist)
        if got:
            out[dist] = got
    return out


# --------------------------------------------------------------------------------------


def _bounded(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        n = int(text)
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"expected {lo}..{hi}, got {n}")
        return n

    return parse


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "--runs",
        type=_bounded(1, MAX_RUNS),
        default=DEFAULT_RUNS,
        help=f"interleaved rounds (default {DEFAULT_RUNS}, at most {MAX_RUNS})",
    )
    p.add_argument(
        "--warmup",
        type=_bounded(0, MAX_WARMUP),
        default=DEFAULT_WARMUP,
        help=f"unmeasured rounds first (default {DEFAULT_WARMUP})",
    )
    p.add_argument(
        "--time-cap",
        type=float,
        default=DEFAULT_TIME_CAP,
        help=f"stop starting rounds after this many seconds (default {DEFAULT_TIME_CAP:.0f})",
    )
    p.add_argument("--tccli", type=Path, default=None, help="use this tccli, not the bench venv's")
    p.add_argument(
        "--tccli-venv",
        type=Path,
        default=TCCLI_VENV,
        help=f"the venv tccli=={TCCLI_VERSION} is made in or reused from (default {TCCLI_VENV})",
    )
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)

    started = time.perf_counter()
    try:
        tccli = args.tccli.resolve() if args.tccli else ensure_tccli(args.tccli_venv, TCCLI_VERSION)
        if not tccli.is_file():
            raise BenchError(f"no tccli at {tccli}")
        tccli_py = tccli_python(tccli)
        tcapi = tcapi_command()
        with contextlib.ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tcapi-bench-cli-")))
            home = tmp / "home"
            home.mkdir()
            emulator = stack.enter_context(Emulator(tls=True, tls_dir=tmp / "ca", rate_limit=False))
            seed_instance(emulator.app, INSTANCE, region=REGION)
            pristine = certifi_bundle(tccli_py)
            # Only certifi inside the bench's own tccli venv is ever rewritten.
            own_venv = args.tccli is None and pristine.is_relative_to(args.tccli_venv.resolve())
            if own_venv:
                restore_certifi(pristine)
            bundle = tmp / "bundle.pem"
            bundle.write_bytes(combined_bundle(pristine, Path(emulator.ca_path)))
            env = child_env(home, emulator, bundle)
            cases = make_cases(emulator, tcapi, tccli, sys.executable, tccli_py)
            if tccli_trusts_environment(cases[0], env, tmp):
                trust = "REQUESTS_CA_BUNDLE / SSL_CERT_FILE (the environment)"
            elif not own_venv:
                raise BenchError(
                    f"{tccli} does not trust the emulator's CA through REQUESTS_CA_BUNDLE or "
                    "SSL_CERT_FILE, and the bench rewrites certifi only in its own venv "
                    f"({args.tccli_venv}): drop --tccli"
                )
            else:
                stack.enter_context(certifi_with_ca(pristine, Path(emulator.ca_path)))
                trust = f"bench-only: the emulator's CA appended to {pristine}"
            print(f"tccli trusts the emulator's CA through {trust}", file=sys.stderr)
            samples, done, capped = measure(cases, env, tmp, args.runs, args.warmup, args.time_cap)
    except BenchError as exc:
        print(f"bench: ABORTED: {exc}", file=sys.stderr)
        return 1

    res = Results()
    res.samples_ms = {k: [round(v, 1) for v in vs] for k, vs in samples.items()}
    res.summary = summarize(cases, samples)
    res.config = {
        "runs": done,
        "runs_asked": args.runs,
        "warmup": args.warmup,
        "time_cap_s": args.time_cap,
        "capped": capped,
        "tcapi_command": tcapi,
        "tccli_command": [str(tccli)],
        "tccli_trust": trust,
        "cpus": os.cpu_count(),
        "load_avg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "elapsed_s": round(time.perf_counter() - started, 1),
        **_versions(tccli_py),
    }
    cfg = res.config
    capped_note = f" (cut at the {args.time_cap:.0f}s cap; {args.runs} asked)" if capped else ""
    versions = ", ".join(
        f"{k} {cfg[k]}"
        for k in ("python", "tcapi", "tccli", "tencentcloud-sdk-python", "requests")
        if k in cfg
    )
    print(
        f"\ntcapi CLI bench — wall ms per command in a fresh subprocess, median of {done} "
        f"interleaved runs{capped_note} after {args.warmup} warm-up rounds (min, and spread = "
        f"±half the range over the median); the call against Emulator(tls=True) on "
        f"127.0.0.1; tcapi = {' '.join(tcapi)}; tccli = {tccli}; tccli trusts the CA "
        f"through {trust}; {versions}; {cfg['cpus']} CPUs, load {cfg['load_avg']}; "
        f"{cfg['elapsed_s']}s\n"
    )
    print(render_table(cases, res.summary))
    if args.json:
        args.json.write_text(json.dumps(asdict(res), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
