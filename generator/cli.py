"""Command line: ``python -m generator generate|check``."""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import os
import sys
import time
import tomllib
from collections.abc import Iterable
from pathlib import Path

from . import diff as spec_diff
from .cli_io import write_atomic
from .render import REPO, render_all
from .schema import SpecError
from .spec import Service, find_services, load_service

IGNORED_DIRS = {"__pycache__"}


def committed_services() -> tuple[str, ...]:
    """The services whose generated code is committed under generated/ (and checked
    by ``check``): ``[tool.tcapi] committed-services`` in pyproject.toml. Every other
    service is generated when the package is built (setup.py)."""
    with (REPO / "pyproject.toml").open("rb") as f:
        config = tomllib.load(f)
    return tuple(config.get("tool", {}).get("tcapi", {}).get("committed-services", ()))


def service_folders(
    spec_root: Path, services: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> dict[str, list[Path]]:
    """Version folders by service: only ``services`` (all when None), less ``exclude``."""
    folders = find_services(spec_root)
    if not folders:
        raise SpecError(spec_root, None, "no <service>/<version>/service.yaml found")
    wanted = None if services is None else set(services)
    skip = set(exclude)
    by_service: dict[str, list[Path]] = {}
    for folder in folders:
        name = folder.parent.name
        if (wanted is None or name in wanted) and name not in skip:
            by_service.setdefault(name, []).append(folder)
    if wanted is not None and wanted - set(by_service) - skip:
        missing = ", ".join(sorted(wanted - set(by_service) - skip))
        raise SpecError(spec_root, None, f"no such service in the spec: {missing}")
    return by_service


def load_all(spec_root: Path, services: Iterable[str] | None = None) -> list[Service]:
    return [
        load_service(f, spec_root)
        for folders in service_folders(spec_root, services).values()
        for f in folders
    ]


def _render_group(job: tuple[Path, list[Path]]) -> dict[str, str] | str:
    """All files of one service's versions, or the spec error that stops it."""
    spec_root, folders = job
    try:
        return render_all([load_service(f, spec_root) for f in folders])
    except SpecError as exc:
        return str(exc)


def render_tree(
    spec_root: Path,
    services: Iterable[str] | None = None,
    *,
    exclude: Iterable[str] = (),
    keep_going: bool = False,
    jobs: int | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Render the chosen services, one process per CPU: (files, errors).

    Without ``keep_going`` the first spec error is raised (nothing is written);
    with it, a service whose spec is broken is left out and its error returned."""
    groups = service_folders(spec_root, services, exclude)
    work = [(spec_root, groups[name]) for name in sorted(groups)]
    workers = min(jobs or os.cpu_count() or 1, len(work))
    if workers > 1:
        with concurrent.futures.ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_render_group, work, chunksize=4))
    else:
        results = [_render_group(job) for job in work]
    files: dict[str, str] = {}
    errors: list[str] = []
    for result in results:
        if isinstance(result, str):
            if not keep_going:
                raise SpecError(spec_root, None, result)
            errors.append(result)
        else:
            files.update(result)
    return dict(sorted(files.items())), errors


def existing_files(out: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    if not out.is_dir():
        return files
    for path in sorted(out.rglob("*")):
        if path.is_file() and not IGNORED_DIRS.intersection(path.relative_to(out).parts):
            files[path.relative_to(out).as_posix()] = path.read_text(encoding="utf-8")
    return files


def generate(
    spec_root: Path,
    out: Path,
    services: Iterable[str] | None = None,
    *,
    exclude: Iterable[str] = (),
    keep_going: bool = False,
) -> tuple[int, int, int]:
    """Render first, then write only what changed: a spec error leaves ``out``
    untouched (with ``keep_going``, only the broken services are left out)."""
    wanted, errors = render_tree(spec_root, services, exclude=exclude, keep_going=keep_going)
    for error in errors:
        print(f"spec error, service left out: {error}", file=sys.stderr)
    have = existing_files(out)
    written = 0
    for rel, text in wanted.items():
        if have.get(rel) != text:
            write_atomic(out / rel, text)
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


def check(
    spec_root: Path,
    out: Path,
    context: int = 3,
    max_lines: int = 40,
    services: Iterable[str] | None = None,
) -> list[str]:
    """Differences between ``out`` and what generate would write (empty = clean)."""
    wanted, _ = render_tree(spec_root, services)
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


def _import(args: argparse.Namespace) -> int:
    if args.kind == "docpage":
        from .importers import docpage  # noqa: PLC0415 - only this command needs it

        return docpage.main(list(args.rest))
    from .importers import tccli  # noqa: PLC0415

    spec_root = args.import_out if args.import_out is not None else args.spec
    started = time.perf_counter()
    try:
        if args.all:
            catalog = tccli.import_all(cn=args.cn, en=args.en, spec_root=spec_root)
            print(catalog.summary())
            for failed in catalog.failed:
                print(f"not imported: {failed.folder} {failed.version}: {failed.reason}")
            print(
                f"imported the catalog into {spec_root} in {time.perf_counter() - started:.1f}s "
                f"(report: {spec_root / tccli.REPORT_MD})"
            )
            return 0
        report = tccli.import_service(
            service=args.service,
            version=args.version,
            cn=args.cn,
            en=args.en,
            spec_root=spec_root,
            errors=args.errors,
        )
    except tccli.ImportError_ as exc:
        print(f"import error: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    print(f"imported {args.service} {args.version} in {time.perf_counter() - started:.2f}s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument(
        "--spec", type=Path, default=REPO / "spec", help="spec root (default: spec/)"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "generated", help="output root (default: generated/)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser(
        "generate",
        help="render the committed services (pyproject [tool.tcapi]) into generated/, "
        "or others with --services/--all (only changed files are written)",
    )
    pick = gen.add_mutually_exclusive_group()
    pick.add_argument("--all", action="store_true", help="every service in the spec")
    pick.add_argument("--services", help="comma-separated service names, e.g. cvm,vpc")
    gen.add_argument(
        "--exclude-committed",
        action="store_true",
        help="leave out the committed services (what a package build adds to generated/)",
    )
    gen.add_argument(
        "--keep-going",
        action="store_true",
        help="a service whose spec is broken is reported and left out, the rest written",
    )
    sub.add_parser(
        "check", help="exit 1 if generated/ differs from what generate would write for it"
    )
    imp = sub.add_parser("import", help="write spec/ YAML from official definitions or doc pages")
    kinds = imp.add_subparsers(dest="kind", required=True)
    tc = kinds.add_parser(
        "tccli", help="from the tccli / tccli-intl-en wheels (or unpacked folders)"
    )
    which = tc.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--all",
        action="store_true",
        help="every service version the tccli package defines (writes IMPORT-REPORT.md/.json)",
    )
    which.add_argument(
        "--service", help="short name (as) or definitions folder (autoscaling), e.g. mqtt"
    )
    tc.add_argument("--version", help="API version, e.g. 2024-05-16 (with --service)")
    tc.add_argument("--cn", type=Path, required=True, help="tccli wheel or folder (all actions)")
    tc.add_argument("--en", type=Path, help="tccli-intl-en wheel or folder (English docs)")
    tc.add_argument(
        "--out",
        dest="import_out",
        type=Path,
        metavar="SPEC_ROOT",
        help="spec root to import into (default: --spec, i.e. spec/)",
    )
    tc.add_argument(
        "--errors",
        type=Path,
        help="per-action error codes JSON (default: <spec folder>/errors-by-action.json)",
    )
    dp = kinds.add_parser("docpage", help="from API doc pages in text form", add_help=False)
    dp.add_argument("rest", nargs=argparse.REMAINDER)
    spec_diff.add_arguments(
        sub.add_parser("diff", help="list spec changes between two folders or git revisions")
    )
    args, extra = parser.parse_known_args(argv)
    if args.command == "import" and args.kind == "docpage":
        # The doc page importer has its own options (and --help): pass them through.
        args.rest = extra + list(args.rest)
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "import" and args.kind == "tccli":
        if args.service is not None and args.version is None:
            parser.error("import tccli --service needs --version")
        if args.all and (args.version is not None or args.errors is not None):
            parser.error("import tccli --all takes no --version or --errors")
    started = time.perf_counter()
    if args.command == "import":
        return _import(args)
    if args.command == "diff":
        return spec_diff.run(args)
    try:
        if args.command == "generate":
            if args.all:
                services = None
            elif args.services:
                services = [s.strip() for s in args.services.split(",") if s.strip()]
            else:
                services = list(committed_services())
            exclude = committed_services() if args.exclude_committed else ()
            total, written, removed = generate(
                args.spec, args.out, services, exclude=exclude, keep_going=args.keep_going
            )
            print(
                f"generated {total} files into {args.out} ({written} written, {removed} removed) "
                f"in {time.perf_counter() - started:.2f}s"
            )
            return 0
        problems = check(args.spec, args.out, services=committed_services())
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
