"""``tcapi-emulator`` / ``python -m tcapi.emulator``: serve until Ctrl-C.

The secret key is printed only when it was made up for this run; a key given
on the command line is never echoed. The admin URL (``/_admin/health``,
``/_admin/reset``, ``/_admin/faults``) is printed too, and the fault seed when
faults are on, so that a failing run can be repeated with ``--seed``.
``--tls`` serves https with a throwaway CA (``pip install "tcapi[tls]"``) and
prints the CA file to trust; ``--tls-dir`` keeps it in a directory of your
choice instead of a temporary one removed on exit.

Example::

    tcapi-emulator --port 8086 --db state.sqlite \\
        --faults "reset_before=0.05,reset_after=0.05,latency_ms=20" --seed 1
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .runner import Emulator


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tcapi-emulator", description="Serve a local Tencent Cloud API 3.0 emulator."
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8086, help="port (default 8086; 0 = any free)")
    p.add_argument("--secret-id", help="SecretId to accept (default: a made-up test pair)")
    p.add_argument("--secret-key", help="SecretKey for --secret-id")
    p.add_argument(
        "--allow-unsigned", action="store_true", help="accept `Authorization: SKIP` requests"
    )
    p.add_argument(
        "--db",
        default=":memory:",
        metavar="PATH",
        help="SQLite file for the emulator's state (default: in memory, lost on exit)",
    )
    p.add_argument(
        "--instance-ready-delay",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="seconds a created instance takes to become ready (default 2.0)",
    )
    p.add_argument(
        "--no-rate-limit",
        dest="rate_limit",
        action="store_false",
        help="do not enforce the actions' documented requests-per-second limits",
    )
    p.add_argument(
        "--faults",
        metavar="SPEC",
        help="inject faults, e.g. 'reset_before=0.05,reset_after=0.05,internal_error=0.05,"
        "http_502=0.02,truncated=0.01,throttle=0.05,latency_ms=20'",
    )
    p.add_argument(
        "--seed", type=int, help="seed of the fault generator (default: random, printed)"
    )
    p.add_argument(
        "--tls",
        action="store_true",
        help="serve https with a throwaway local CA (needs trustme: pip install 'tcapi[tls]')",
    )
    p.add_argument(
        "--tls-dir",
        metavar="DIR",
        help="write the CA file into DIR and keep it (default: a temporary directory)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log one line per request")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if (args.secret_id is None) != (args.secret_key is None):
        _parser().error("--secret-id and --secret-key go together")
    if args.tls_dir is not None and not args.tls:
        _parser().error("--tls-dir goes with --tls")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    try:
        emulator = Emulator(
            args.secret_id,
            args.secret_key,
            host=args.host,
            port=args.port,
            allow_unsigned=args.allow_unsigned,
            db=args.db,
            instance_ready_delay=args.instance_ready_delay,
            rate_limit=args.rate_limit,
            faults=args.faults,
            seed=args.seed,
            tls=args.tls,
            tls_dir=args.tls_dir,
        )
    except ValueError as exc:
        _parser().error(str(exc))
    except ImportError as exc:  # --tls without trustme
        print(f"tcapi-emulator: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        emulator.start()
    except OSError as exc:
        print(f"tcapi-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"endpoint:  {emulator.endpoint}")
    if emulator.tls:
        ca = emulator.ca_path
        print(f"CA:        {ca}")
        print(f"           tcapi: verify={ca!r}")
        print(f"           official Python SDK: HttpProfile(certification={ca!r})")
        print(f"           requests: REQUESTS_CA_BUNDLE={ca}; OpenSSL, curl: SSL_CERT_FILE={ca}")
    for spec in emulator.app.catalog:
        print(f"service:   {spec.service} {spec.version} ({len(spec.actions)} actions)")
    if not len(emulator.app.catalog):
        print("warning:   no generated services are installed; every request will fail")
    print(f"SecretId:  {emulator.secret_id}")
    if args.secret_id is None:
        print(f"SecretKey: {emulator.secret_key}  (made up for this run)")
    print(f"admin:     {emulator.admin_url}/health  (also /reset, /faults)")
    print(f"state:     {args.db}")
    print(f"limits:    {'per-action rate limits' if args.rate_limit else 'off'}")
    if emulator.app.faults.active:
        faults = emulator.app.faults.config.spec()
        print(f"faults:    {faults}  (seed {emulator.seed})")
    print("ready (Ctrl-C to stop)", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
