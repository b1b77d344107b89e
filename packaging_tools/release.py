"""The changelog and the release gate, both from ``generator diff``.

``python -m packaging_tools.release changelog OLD NEW [--write CHANGELOG.md]``
(``nox -s changelog -- OLD NEW``) prints the changelog section for a definitions
bump: what ``generator diff`` finds between two spec trees (folders or git
revisions), per service version, breaking changes first, then what was added,
removed and changed. ``--write`` puts it into the newest section of the
changelog, replacing the block an earlier run wrote there, so regenerating it is
repeatable.

``python -m packaging_tools.release check`` (``nox -s release-check``, run in the
repository's top folder: its CHANGELOG.md, spec/ and history) fails
when the version about to be released does not say what the spec did since the
last release: a breaking change needs a major version bump (while the major
version is 0, a minor one: 0.1 → 0.2, as semantic versioning leaves 0.x to the
project and Cargo and npm read it), a release that changes nothing may not reuse
the version, and the version must have its section in the changelog.

The changelog's format (CHANGELOG.md): one ``## [X.Y.Z] - YYYY-MM-DD`` section per
release, newest first, an optional ``## [Unreleased]`` on top, and in each
released section the line ``Spec: `<git revision>` `` naming the revision of
``spec/`` it shipped, which the check compares the working tree's spec with.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from generator.diff import Change, DiffInputError, diff_args, summary  # noqa: E402
from generator.schema import SpecError  # noqa: E402

BEGIN = "<!-- tcapi-spec-diff {old} {new}: written by `nox -s changelog`; edits are replaced -->"
END = "<!-- /tcapi-spec-diff -->"
_BLOCK = re.compile(r"<!-- tcapi-spec-diff .*?<!-- /tcapi-spec-diff -->\n?", re.S)
_SECTION = re.compile(r"^## \[(?P<version>[^\]]+)\](?P<rest>.*)$", re.M)
_SPEC_LINE = re.compile(r"^Spec: `(?P<rev>[^`]+)`", re.M)
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


class ReleaseError(Exception):
    """A changelog or version that the release gate refuses; the message says why."""


class Section(NamedTuple):
    version: str
    """``X.Y.Z``, or ``Unreleased``."""
    spec: str | None
    """The spec revision a released section names (None: unreleased or not named)."""
    line: int
    """Its heading's line in the changelog (1-based), for messages."""


def parse_version(text: str) -> tuple[int, int, int]:
    found = _VERSION.fullmatch(text)
    if found is None:
        raise ReleaseError(f"version {text!r} is not MAJOR.MINOR.PATCH (semantic versioning)")
    return int(found[1]), int(found[2]), int(found[3])


def sections(changelog: str) -> list[Section]:
    """The changelog's ``## [...]`` sections, newest first, with their spec revisions."""
    heads = list(_SECTION.finditer(changelog))
    out = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(changelog)
        spec = _SPEC_LINE.search(changelog, head.end(), end)
        line = changelog.count("\n", 0, head.start()) + 1
        out.append(Section(head["version"], spec["rev"] if spec else None, line))
    return out


def is_major_bump(old: str, new: str) -> bool:
    """Whether ``new`` may break users of ``old``: a new major version, or while
    the major version is 0, a new minor one."""
    a, b = parse_version(old), parse_version(new)
    if a[0] == 0 and b[0] == 0:
        return b[1] > a[1]
    return b[0] > a[0]


# --------------------------------------------------------------------------- the section


def _category(c: Change) -> str:
    """Added, Removed or Changed, by the change's kind (``action-added`` …)."""
    if c.kind.endswith("-added"):
        return "Added"
    if c.kind.endswith("-removed"):
        return "Removed"
    return "Changed"


def _where(c: Change) -> str:
    owner = f"{c.scope} `{c.owner}`" if c.owner else "service"
    return f"{owner}: {c.message}"


def render_section(changes: Sequence[Change], old: str, new: str) -> str:
    """The changelog block for ``old`` → ``new``, breaking changes first: service
    versions removed, then each changed service version (those with a breaking
    change first) with its breaking changes, then what was added, removed and
    changed; new service versions last, on one line."""
    lines = [BEGIN.format(old=old, new=new), f"### API definitions: `{old}` → `{new}`", ""]
    lines += [f"{summary(changes)}.", ""]
    whole: dict[str, list[str]] = {"service-added": [], "service-removed": []}
    by_service: dict[str, list[Change]] = {}
    for c in changes:
        name = f"{c.service} {c.version}"
        if c.kind in whole and not c.owner:
            whole[c.kind].append(name)
        else:
            by_service.setdefault(name, []).append(c)
    if whole["service-removed"]:
        gone = ", ".join(sorted(whole["service-removed"]))
        lines += [f"**Breaking**: service versions removed ({len(whole['service-removed'])}): "
                  f"{gone}", ""]  # fmt: skip
    ordered = sorted(by_service, key=lambda n: (not any(c.breaking for c in by_service[n]), n))
    for heading in ordered:
        found = by_service[heading]
        lines += [f"#### {heading}", ""]
        groups = [("Breaking", [c for c in found if c.breaking])]
        for name in ("Added", "Removed", "Changed"):
            groups.append((name, [c for c in found if not c.breaking and _category(c) == name]))
        for name, group in groups:
            if group:
                lines += [f"**{name}**", ""]
                lines += [f"- {_where(c)}" for c in group]
                lines.append("")
    if whole["service-added"]:
        added = ", ".join(sorted(whole["service-added"]))
        lines += [f"**New service versions** ({len(whole['service-added'])}): {added}", ""]
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_section(changelog: str, block: str) -> str:
    """``changelog`` with ``block`` in its newest section: in place of the block an
    earlier run wrote there, else at the section's end."""
    heads = list(_SECTION.finditer(changelog))
    if not heads:
        raise ReleaseError("the changelog has no '## [version]' section to write into")
    start = heads[0].end()
    end = heads[1].start() if len(heads) > 1 else len(changelog)
    body = changelog[start:end]
    if _BLOCK.search(body):
        body = _BLOCK.sub(lambda _: block, body, count=1)
    else:
        body = body.rstrip("\n") + "\n\n" + block + ("\n" if len(heads) > 1 else "")
    return changelog[:start] + body + changelog[end:]


# --------------------------------------------------------------------------- the gate


def check(changelog: str, version: str, changes_since: Sequence[Change] | None) -> list[str]:
    """The release gate's verdict on releasing ``version``: problems, empty if none.

    ``changes_since`` are the spec changes since the last released section's
    revision (None when there is no earlier release)."""
    parse_version(version)
    found = sections(changelog)
    released = [s for s in found if s.version != "Unreleased"]
    problems: list[str] = []
    if not any(s.version == version for s in released):
        problems.append(
            f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section for the version "
            "being released"
        )
    previous = next((s for s in released if s.version != version), None)
    current = next((s for s in released if s.version == version), None)
    if current is not None and current.spec is None:
        problems.append(f"CHANGELOG.md line {current.line}: [{version}] names no 'Spec: `<rev>`'")
    if previous is None or changes_since is None:
        return problems
    if parse_version(version) <= parse_version(previous.version):
        problems.append(f"version {version} is not above the last release, {previous.version}")
        return problems
    breaking = [c for c in changes_since if c.breaking]
    if breaking and not is_major_bump(previous.version, version):
        listed = "; ".join(f"{c.service} {c.version} {_where(c)}" for c in breaking[:10])
        more = f" (and {len(breaking) - 10} more)" if len(breaking) > 10 else ""
        problems.append(
            f"{len(breaking)} breaking change(s) since {previous.version} need a major version "
            f"bump (for 0.x: the minor one), not {previous.version} -> {version}: {listed}{more}"
        )
    return problems


def _sdk_version(repo: Path) -> str:
    path = repo / "runtime" / "_constants.py"
    if not path.is_file():
        raise ReleaseError(f"{path} is missing: pass --version")
    text = path.read_text(encoding="utf-8")
    found = re.search(r'^SDK_VERSION(?:: \w+)? = "([^"]+)"', text, re.M)
    if found is None:
        raise ReleaseError("runtime/_constants.py has no SDK_VERSION")
    return found[1]


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m packaging_tools.release")
    sub = parser.add_subparsers(dest="command", required=True)
    log = sub.add_parser("changelog", help="the changelog section for a definitions bump")
    log.add_argument("old", help="spec folder or git revision")
    log.add_argument("new", help="spec folder or git revision")
    log.add_argument("--write", metavar="FILE", help="put it into FILE's newest section")
    gate = sub.add_parser("check", help="may the current version be released?")
    gate.add_argument("--changelog", default="CHANGELOG.md")
    gate.add_argument("--version", help="the version to release (default: SDK_VERSION)")
    args = parser.parse_args(argv)
    try:
        if args.command == "changelog":
            block = render_section(diff_args(args.old, args.new), args.old, args.new)
            if args.write:
                path = Path(args.write)
                path.write_text(write_section(path.read_text("utf-8"), block), "utf-8")
                print(f"{path}: wrote the {args.old} -> {args.new} section")
            else:
                sys.stdout.write(block)
            return 0
        changelog = Path(args.changelog).read_text("utf-8")
        here = Path.cwd()  # the repository whose spec/ and history are compared
        version = args.version or _sdk_version(here)
        last = next(
            (s for s in sections(changelog) if s.version not in ("Unreleased", version)), None
        )
        since = None
        if last is not None and last.spec is not None:
            since = diff_args(last.spec, "spec", cwd=here)
        problems = check(changelog, version, since)
    except (ReleaseError, SpecError, DiffInputError) as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"release-check: {problem}", file=sys.stderr)
    if not problems:
        against = f" against {last.version} ({last.spec})" if last and last.spec else ""
        print(f"release-check: {version} may be released{against}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
