"""``tcapi-emulator`` / ``python -m tcapi.emulator``: serve until Ctrl-C.

The secret key is printed only when it was made up for this run; a key given
on the command line is never echoed.
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
    p.add_argument("-v", "--verbose", action="store_true", help="log one line per request")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if (args.secret_id is None) != (args.secret_key is None):
        _parser().error("--secret-id and --secret-key go together")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    emulator = Emulator(
        args.secret_id,
        args.secret_key,
        host=args.host,
        port=args.port,
        allow_unsigned=args.allow_unsigned,
    )
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
    for spec in emulator.app.catalog:
        print(f"service:   {spec.service} {spec.version} ({len(spec.actions)} actions)")
    if not len(emulator.app.catalog):
        print("warning:   no generated services are installed; every request will fail")
    print(f"SecretId:  {emulator.secret_id}")
    if args.secret_id is None:
        print(f"SecretKey: {emulator.secret_key}  (made up for this run)")
    print("ready (Ctrl-C to stop)", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
