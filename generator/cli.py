"""Command line: ``python -m generator generate|check``."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
import time
from pathlib import Path

from .render import REPO, render_all
from .schema import SpecError
from .spec import Service, find_services, load_service

IGNORED_DIRS = {"__pycache__"}


def load_all(spec_root: Path) -> list[Service]:
    folders = find_services(spec_root)
    if not folders:
        raise SpecError(spec_root, None, "no <service>/<version>/service.yaml found")
    return [load_service(f, spec_root) for f in folders]


def existing_files(out: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    if not out.is_dir():
        return files
    for path in sorted(out.rglob("*")):
        if path.is_file() and not IGNORED_DIRS.intersection(path.relative_to(out).parts):
            files[path.relative_to(out).as_posix()] = path.read_text(encoding="utf-8")
    return files


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def generate(spec_root: Path, out: Path) -> tuple[int, int, int]:
    """Render everything first, then write: a spec error leaves generated/ untouched."""
    wanted = render_all(load_all(spec_root))
    have = existing_files(out)
    written = 0
    for rel, text in wanted.items():
        if have.get(rel) != text:
            _write_atomic(out / rel, text)
            written += 1
    removed = 0
    for rel in sorted(set(have) - set(wanted)):
        (out / rel).unlink()
        removed += 1
    for d in sorted((p for p in out.rglob("*") if p.is_dir()), reverse=True):
        if d.name not in IGNORED_DIRS and not any(
            c for c in d.iterdir() if c.name not in IGNORED_DIRS
        ):
            for c in d.iterdir():
                if c.is_dir():
                    for f in c.iterdir():
                        f.unlink()
                    c.rmdir()
            d.rmdir()
    return len(wanted), written, removed


def check(spec_root: Path, out: Path, context: int = 3, max_lines: int = 40) -> list[str]:
    """Differences between generated/ and what generate would write (empty = clean)."""
    wanted = render_all(load_all(spec_root))
    have = existing_files(out)
    problems: list[str] = []
    for rel in sorted(set(wanted) | set(have)):
        if rel not in have:
            problems.append(f"missing: generated/{rel}")
        elif rel not in wanted:
            problems.append(f"not produced by the generator (stale or hand-made): generated/{rel}")
        elif have[rel] != wanted[rel]:
            diff = list(
                difflib.unified_diff(
                    have[rel].splitlines(),
                    wanted[rel].splitlines(),
                    f"generated/{rel} (on disk)",
                    f"generated/{rel} (from spec)",
                    n=context,
                    lineterm="",
                )
            )
            shown = diff[:max_lines]
            if len(diff) > max_lines:
                shown.append(f"... {len(diff) - max_lines} more diff lines")
            problems.append(f"differs: generated/{rel}\n" + "\n".join(shown))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument(
        "--spec", type=Path, default=REPO / "spec", help="spec root (default: spec/)"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "generated", help="output root (default: generated/)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("generate", help="render spec/ into generated/ (only changed files are written)")
    sub.add_parser("check", help="exit 1 if generated/ differs from what generate would write")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.command == "generate":
            total, written, removed = generate(args.spec, args.out)
            print(
                f"generated {total} files into {args.out} ({written} written, {removed} removed) "
                f"in {time.perf_counter() - started:.2f}s"
            )
            return 0
        problems = check(args.spec, args.out)
    except SpecError as exc:
        print(f"spec error: {exc}", file=sys.stderr)
        return 2
    if problems:
        print(
            f"generated/ is out of date with spec/ ({len(problems)} files); "
            "run `python -m generator generate`:",
            file=sys.stderr,
        )
        for p in problems:
            print(p, file=sys.stderr)
        return 1
    print(f"generated/ matches spec/ ({time.perf_counter() - started:.2f}s)")
    return 0
