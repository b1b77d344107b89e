"""What changed between two spec trees, and which changes break users.

``python -m generator diff OLD NEW`` compares two spec trees. Each side is a
folder (a spec root such as ``spec/``, a service folder such as ``spec/mqtt``,
or one service-version folder such as ``spec/mqtt/2024-05-16``) or, when no
such folder exists, a git revision of the repository around the current
directory, whose ``spec/`` (``--spec-path``) is extracted to a temporary
folder. Service versions are paired by (service, version); two single
service-version folders of one service are paired even if their versions
differ, to compare two API versions.

Each change is judged from the seat of someone using the generated SDK (and
the wire under it): *breaking* when code that worked before may now fail,
behave differently or stop type-checking. Descriptions are ignored unless
``--descriptions`` is given (then they are listed, never breaking).

The rules below are :data:`RULES`; a test keeps this table and the code equal.
"Requests" cover action inputs and structures reachable from them; "responses"
cover outputs and structures reachable from them. A structure reachable from
both is judged by both sets of rules; one reachable from neither is judged as
if it were reachable from both, since its model class is public all the same.
On requests, ``required`` and ``nullable`` count; on responses,
``output_required`` and ``nullable`` (``required`` there is documentation).
Breaking messages end with the rule's effect, so a report says why.

========================  ========  ===============================================================
kind                      breaking  effect
========================  ========  ===============================================================
service-added             no        a new subpackage tcapi.<service>.v<date>
service-removed           yes       tcapi.<service>.v<date> is no longer generated
default-version-changed   yes       tcapi.<service> now re-exports another API version
client-renamed            yes       the client classes get new names
endpoint-changed          no        clients send to another default host
region-now-required       yes       clients made without a region now fail
region-now-optional       no        clients no longer need a region
error-added               no        a new documented error code and exception class
error-removed             no        note: no longer documented; its exception class may go
action-added              no        a new client method
action-removed            yes       the client method disappears
action-deprecated         no        warning: calls now emit DeprecationWarning
action-undeprecated       no        calls no longer warn
action-error-added        no        the action documents one more error code
action-error-removed      no        note: the action no longer documents the code
action-endpoint-changed   no        the action is sent to another host
streaming-added           no        a new <method>_stream() for server-sent events
streaming-removed         yes       the <method>_stream() method disappears
request-body-changed      yes       the method takes its request another way (JSON, form, bytes)
paginate-added            no        a new paginator
paginate-removed          yes       the paginator disappears
paginate-changed          yes       the paginator pages by or yields other members
page-size-changed         no        only the paginator's default page size
idempotency-changed       no        only which failures are retried
rate-limit-changed        no        only client-side pacing
structure-added           no        a new model class
structure-removed         yes       the model class disappears
member-added              no        a new optional request field or a new response field
member-added-required     yes       every request must now pass it
member-removed            yes       the field disappears from the model and the wire
member-type-changed       yes       values of the old type are rejected or read wrongly
member-type-refined       no        a string stays a string (string, date, datetime, binary)
member-python-renamed     yes       the Python attribute and keyword are renamed
member-made-required      yes       every request must now pass it
member-made-optional      no        requests may leave it out
member-null-rejected      yes       requests may no longer send null for it
member-null-accepted      no        requests may send null for it
member-may-be-absent      yes       code reading the response may now get None
member-always-present     no        responses always carry it
member-made-nullable      yes       code reading the response may now get None
member-made-non-nullable  no        responses no longer send null for it
member-deprecated         no        noted in the docstring
member-undeprecated       no        no longer noted as deprecated
member-sensitive-changed  no        only what repr() and logs show
description-changed       no        documentation only (listed with --descriptions)
========================  ========  ===============================================================

A removed error code is a note rather than a break because the server may
still send it: the runtime raises the nearest generated ancestor class
(``ResourceNotFound`` for ``ResourceNotFound.Topic``), so only an ``except``
naming the dropped class itself needs attention; the message says when the
class goes.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from .schema import SpecError
from .spec import SCALARS, Action, Member, Paginate, Service, find_services, load_service

# --------------------------------------------------------------------------- rules

Scope = Literal["service", "action", "structure"]
Side = Literal["in", "out"]


@attrs.frozen
class Rule:
    """Whether a kind of change breaks users, and the effect that makes it so."""

    breaking: bool
    effect: str


def _rule(breaking: str, effect: str) -> Rule:
    """``"yes"``/``"no"``, so :data:`RULES` reads like the docstring's table."""
    return Rule(breaking == "yes", effect)


RULES: Final[dict[str, Rule]] = {
    "service-added": _rule("no", "a new subpackage tcapi.<service>.v<date>"),
    "service-removed": _rule("yes", "tcapi.<service>.v<date> is no longer generated"),
    "default-version-changed": _rule("yes", "tcapi.<service> now re-exports another API version"),
    "client-renamed": _rule("yes", "the client classes get new names"),
    "endpoint-changed": _rule("no", "clients send to another default host"),
    "region-now-required": _rule("yes", "clients made without a region now fail"),
    "region-now-optional": _rule("no", "clients no longer need a region"),
    "error-added": _rule("no", "a new documented error code and exception class"),
    "error-removed": _rule("no", "note: no longer documented; its exception class may go"),
    "action-added": _rule("no", "a new client method"),
    "action-removed": _rule("yes", "the client method disappears"),
    "action-deprecated": _rule("no", "warning: calls now emit DeprecationWarning"),
    "action-undeprecated": _rule("no", "calls no longer warn"),
    "action-error-added": _rule("no", "the action documents one more error code"),
    "action-error-removed": _rule("no", "note: the action no longer documents the code"),
    "action-endpoint-changed": _rule("no", "the action is sent to another host"),
    "streaming-added": _rule("no", "a new <method>_stream() for server-sent events"),
    "streaming-removed": _rule("yes", "the <method>_stream() method disappears"),
    "request-body-changed": _rule(
        "yes", "the method takes its request another way (JSON, form, bytes)"
    ),
    "paginate-added": _rule("no", "a new paginator"),
    "paginate-removed": _rule("yes", "the paginator disappears"),
    "paginate-changed": _rule("yes", "the paginator pages by or yields other members"),
    "page-size-changed": _rule("no", "only the paginator's default page size"),
    "idempotency-changed": _rule("no", "only which failures are retried"),
    "rate-limit-changed": _rule("no", "only client-side pacing"),
    "structure-added": _rule("no", "a new model class"),
    "structure-removed": _rule("yes", "the model class disappears"),
    "member-added": _rule("no", "a new optional request field or a new response field"),
    "member-added-required": _rule("yes", "every request must now pass it"),
    "member-removed": _rule("yes", "the field disappears from the model and the wire"),
    "member-type-changed": _rule("yes", "values of the old type are rejected or read wrongly"),
    "member-type-refined": _rule("no", "a string stays a string (string, date, datetime, binary)"),
    "member-python-renamed": _rule("yes", "the Python attribute and keyword are renamed"),
    "member-made-required": _rule("yes", "every request must now pass it"),
    "member-made-optional": _rule("no", "requests may leave it out"),
    "member-null-rejected": _rule("yes", "requests may no longer send null for it"),
    "member-null-accepted": _rule("no", "requests may send null for it"),
    "member-may-be-absent": _rule("yes", "code reading the response may now get None"),
    "member-always-present": _rule("no", "responses always carry it"),
    "member-made-nullable": _rule("yes", "code reading the response may now get None"),
    "member-made-non-nullable": _rule("no", "responses no longer send null for it"),
    "member-deprecated": _rule("no", "noted in the docstring"),
    "member-undeprecated": _rule("no", "no longer noted as deprecated"),
    "member-sensitive-changed": _rule("no", "only what repr() and logs show"),
    "description-changed": _rule("no", "documentation only (listed with --descriptions)"),
}
"""Change kind → whether it breaks users, and why. The one place that decides."""


@attrs.frozen
class Flag:
    """A boolean attribute and the change kind (with wording) for each direction it flips.

    ``side`` limits a member flag to requests ("in") or responses ("out").
    """

    attr: str
    on: tuple[str, str]  # became true: (kind, wording)
    off: tuple[str, str]  # became false
    side: Side | None = None


MEMBER_FLAGS: Final = (
    Flag("required", ("member-made-required", "now required"),
         ("member-made-optional", "now optional"), side="in"),
    Flag("nullable", ("member-null-accepted", "now accepts null"),
         ("member-null-rejected", "no longer accepts null"), side="in"),
    Flag("output_required", ("member-always-present", "now always present"),
         ("member-may-be-absent", "no longer always present"), side="out"),
    Flag("nullable", ("member-made-nullable", "may now be null"),
         ("member-made-non-nullable", "no longer null"), side="out"),
    Flag("deprecated", ("member-deprecated", "deprecated"),
         ("member-undeprecated", "no longer deprecated")),
    Flag("sensitive", ("member-sensitive-changed", "now sensitive (hidden from repr and logs)"),
         ("member-sensitive-changed", "no longer sensitive: repr() and logs will show it")),
)  # fmt: skip
ACTION_FLAGS: Final = (
    Flag("deprecated", ("action-deprecated", "deprecated"),
         ("action-undeprecated", "no longer deprecated")),
    Flag("idempotent", ("idempotency-changed", "now idempotent (retried on more failures)"),
         ("idempotency-changed", "no longer idempotent (retried on fewer failures)")),
    Flag("streams", ("streaming-added", "may now answer with server-sent events"),
         ("streaming-removed", "no longer answers with server-sent events")),
)  # fmt: skip
SERVICE_FLAGS: Final = (
    Flag("region_required", ("region-now-required", "now true"),
         ("region-now-optional", "now false")),
)  # fmt: skip

_SCOPE_ORDER: Final[dict[str, int]] = {"service": 0, "action": 1, "structure": 2}
BOTH_SIDES: Final[frozenset[Side]] = frozenset({"in", "out"})


@attrs.frozen
class Change:
    """One difference. ``message`` reads on its own under its service and owner."""

    service: str
    version: str  # "2024-05-16", or "2024-05-16..2025-01-01" for two paired versions
    scope: Scope
    owner: str  # the action or structure name; "" for the service itself
    path: str  # what inside the owner: "input.InstanceId", "errors.X", "paginate", or ""
    kind: str
    breaking: bool
    message: str
    old: str | None = None
    new: str | None = None

    def sort_key(self) -> tuple[str, str, int, str, str, str]:
        return (
            self.service,
            self.version,
            _SCOPE_ORDER[self.scope],
            self.owner,
            self.path,
            self.kind,
        )

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


def sort_changes(changes: Iterable[Change]) -> list[Change]:
    return sorted(changes, key=Change.sort_key)


# --------------------------------------------------------------------------- collecting


@attrs.define
class _Owner:
    """Records the changes of one service, action or structure.

    Classification happens here, from :data:`RULES`, so no comparison
    function decides on its own what breaks.
    """

    service: str
    version: str
    scope: Scope
    name: str
    descriptions: bool
    changes: list[Change]

    def add(
        self, kind: str, path: str, what: str, old: str | None = None, new: str | None = None
    ) -> None:
        rule = RULES[kind]
        message = f"{what}; {rule.effect}" if rule.breaking else what
        self.changes.append(
            Change(
                service=self.service,
                version=self.version,
                scope=self.scope,
                owner=self.name,
                path=path,
                kind=kind,
                breaking=rule.breaking,
                message=message,
                old=old,
                new=new,
            )
        )

    def flags(self, path: str, old: object, new: object, flags: Iterable[Flag]) -> None:
        """Record each boolean in ``flags`` that differs between ``old`` and ``new``."""
        for f in flags:
            before, after = bool(getattr(old, f.attr)), bool(getattr(new, f.attr))
            if before != after:
                kind, what = f.on if after else f.off
                self.add(kind, path, _at(path, what))

    def text(self, path: str, label: str, before: str, after: str) -> None:
        """Description-like text: listed only with ``--descriptions``."""
        if self.descriptions and before != after:
            self.add("description-changed", path, _at(path, f"{label} changed"), before, after)

    def sub(self, scope: Scope, name: str) -> _Owner:
        return _Owner(self.service, self.version, scope, name, self.descriptions, self.changes)


def _at(path: str, what: str) -> str:
    return f"{path}: {what}" if path else what


def _type_of(m: Member) -> str:
    return f"list[{m.items}]" if m.is_list else m.type


def _only_string_changed(old: Member, new: Member) -> bool:
    """string ↔ date/datetime/binary: the same ``str`` in Python and on the wire."""
    return (
        old.is_list == new.is_list
        and SCALARS.get(old.element) == "str"
        and SCALARS.get(new.element) == "str"
    )


def _diff_member(o: _Owner, path: str, old: Member, new: Member, sides: frozenset[Side]) -> None:
    before, after = _type_of(old), _type_of(new)
    if before != after:
        kind = "member-type-refined" if _only_string_changed(old, new) else "member-type-changed"
        o.add(kind, path, _at(path, f"type {before} -> {after}"), before, after)
    if old.py_name != new.py_name:
        what = f"Python name {old.py_name} -> {new.py_name}"
        o.add("member-python-renamed", path, _at(path, what), old.py_name, new.py_name)
    o.flags(path, old, new, (f for f in MEMBER_FLAGS if f.side is None or f.side in sides))
    o.text(path, "description", old.description, new.description)


def _diff_members(
    o: _Owner,
    prefix: str,
    old: Sequence[Member],
    new: Sequence[Member],
    sides: frozenset[Side],
) -> None:
    olds, news = {m.name: m for m in old}, {m.name: m for m in new}
    for name in sorted(olds.keys() - news.keys()):
        o.add("member-removed", prefix + name, _at(prefix + name, "removed"))
    for name in sorted(news.keys() - olds.keys()):
        path = prefix + name
        if "in" in sides and news[name].required:
            o.add("member-added-required", path, _at(path, "added as required"))
        else:
            o.add("member-added", path, _at(path, "added"))
    for name in sorted(olds.keys() & news.keys()):
        _diff_member(o, prefix + name, olds[name], news[name], sides)


def _describe_paginate(p: Paginate) -> str:
    total = f", total={p.total}" if p.total else ""
    return f"offset={p.offset}, limit={p.limit}, items={p.items}{total}"


def _diff_paginate(o: _Owner, old: Paginate | None, new: Paginate | None) -> None:
    if old is None and new is None:
        return
    if old is None:
        assert new is not None
        o.add("paginate-added", "paginate", "paginated", None, _describe_paginate(new))
    elif new is None:
        o.add("paginate-removed", "paginate", "no longer paginated", _describe_paginate(old))
    else:
        before, after = _describe_paginate(old), _describe_paginate(new)
        if before != after:
            o.add("paginate-changed", "paginate", f"paging {before} -> {after}", before, after)
        if old.page_size != new.page_size:
            what = f"page size {old.page_size} -> {new.page_size}"
            o.add("page-size-changed", "paginate", what, str(old.page_size), str(new.page_size))


def _diff_codes(
    o: _Owner, old: Iterable[str], new: Iterable[str], added: str, removed: str
) -> None:
    olds, news = set(old), set(new)
    for code in sorted(olds - news):
        o.add(removed, f"errors.{code}", f"error code {code} removed")
    for code in sorted(news - olds):
        o.add(added, f"errors.{code}", f"error code {code} added")


def _body(a: Action) -> str:
    """How the action's request travels: ``json``, ``multipart``, ``octet-stream (X-CLS-)``."""
    prefix = f" ({a.param_header_prefix})" if a.param_header_prefix else ""
    return a.request_body + prefix


def _diff_action(o: _Owner, old: Action, new: Action) -> None:
    o.flags("", old, new, ACTION_FLAGS)
    if old.rate_limit != new.rate_limit:
        before, after = str(old.rate_limit), str(new.rate_limit)
        o.add("rate-limit-changed", "rate_limit", f"rate limit {before} -> {after}", before, after)
    if old.endpoint != new.endpoint:
        before, after = old.endpoint or "the client's", new.endpoint or "the client's"
        what = f"host {before} -> {after}"
        o.add("action-endpoint-changed", "endpoint", what, old.endpoint, new.endpoint)
    before, after = _body(old), _body(new)
    if before != after:
        what = f"request body {before} -> {after}"
        o.add("request-body-changed", "request_body", what, before, after)
    _diff_paginate(o, old.paginate, new.paginate)
    _diff_codes(o, old.errors, new.errors, "action-error-added", "action-error-removed")
    o.text("", "description", old.description, new.description)
    o.text("title", "title", old.title, new.title)
    _diff_members(o, "input.", old.input, new.input, frozenset({"in"}))
    _diff_members(o, "output.", old.output, new.output, frozenset({"out"}))


def _diff_actions(o: _Owner, old: Service, new: Service) -> None:
    olds, news = {a.name: a for a in old.actions}, {a.name: a for a in new.actions}
    for name in sorted(olds.keys() - news.keys()):
        o.sub("action", name).add("action-removed", "", "removed")
    for name in sorted(news.keys() - olds.keys()):
        o.sub("action", name).add("action-added", "", "added")
    for name in sorted(olds.keys() & news.keys()):
        _diff_action(o.sub("action", name), olds[name], news[name])


def _structure_sides(old: Service, new: Service) -> dict[str, frozenset[Side]]:
    """Where each structure travels, in either tree: requests, responses or both."""
    sides: dict[str, set[str]] = {}
    for svc in (old, new):
        for name, used in svc.structure_usage().items():
            sides.setdefault(name, set()).update(used)
    return {
        name: frozenset(s for s in BOTH_SIDES if s in used) or BOTH_SIDES
        for name, used in sides.items()
    }


def _diff_structures(o: _Owner, old: Service, new: Service) -> None:
    olds, news = {s.name: s for s in old.structures}, {s.name: s for s in new.structures}
    sides = _structure_sides(old, new)
    for name in sorted(olds.keys() - news.keys()):
        o.sub("structure", name).add("structure-removed", "", "removed")
    for name in sorted(news.keys() - olds.keys()):
        o.sub("structure", name).add("structure-added", "", "added")
    for name in sorted(olds.keys() & news.keys()):
        s = o.sub("structure", name)
        s.text("", "description", olds[name].description, news[name].description)
        _diff_members(s, "", olds[name].members, news[name].members, sides[name])


def _diff_service_facts(o: _Owner, old: Service, new: Service) -> None:
    if old.client_name != new.client_name:
        what = f"client class prefix {old.client_name} -> {new.client_name}"
        o.add("client-renamed", "client_name", what, old.client_name, new.client_name)
    if old.endpoint != new.endpoint:
        what = f"default endpoint {old.endpoint} -> {new.endpoint}"
        o.add("endpoint-changed", "endpoint", what, old.endpoint, new.endpoint)
    o.flags("region_required", old, new, SERVICE_FLAGS)
    o.text("", "description", old.description, new.description)
    o.text("title", "title", old.title, new.title)


def _diff_service_errors(o: _Owner, old: Service, new: Service) -> None:
    olds = {e.code: e.description for e in old.errors}
    news = {e.code: e.description for e in new.errors}
    still_generated = {e.code for e in new.all_error_codes()}
    for code in sorted(olds.keys() - news.keys()):
        what = f"error code {code} removed"
        if code not in still_generated:
            what += " (its exception class is no longer generated)"
        o.add("error-removed", f"errors.{code}", what)
    for code in sorted(news.keys() - olds.keys()):
        o.add("error-added", f"errors.{code}", f"error code {code} added")
    for code in sorted(olds.keys() & news.keys()):
        o.text(f"errors.{code}", "description", olds[code], news[code])


def diff_services(old: Service, new: Service, *, descriptions: bool = False) -> list[Change]:
    """Every change from one service version to another (or to the same one, changed)."""
    version = old.version if old.version == new.version else f"{old.version}..{new.version}"
    o = _Owner(new.service, version, "service", "", descriptions, [])
    _diff_service_facts(o, old, new)
    _diff_service_errors(o, old, new)
    _diff_actions(o, old, new)
    _diff_structures(o, old, new)
    return sort_changes(o.changes)


# --------------------------------------------------------------------------- trees


@attrs.frozen
class SpecTree:
    """The services of one side; ``single`` when it was one service-version folder."""

    label: str
    services: dict[tuple[str, str], Service]
    single: bool


def _newest_versions(tree: SpecTree) -> dict[str, str]:
    newest: dict[str, str] = {}
    for service, version in sorted(tree.services):
        newest[service] = version
    return newest


def _default_version_changes(old: SpecTree, new: SpecTree) -> list[Change]:
    """``tcapi.<service>`` follows the newest version: a newer one changes what it is."""
    if old.single or new.single:
        return []
    before, after = _newest_versions(old), _newest_versions(new)
    changes: list[Change] = []
    for service in sorted(before.keys() & after.keys()):
        if before[service] != after[service]:
            o = _Owner(service, after[service], "service", "", False, changes)
            what = (
                f"tcapi.{service} now re-exports {after[service]} (was {before[service]}); "
                f"import a versioned subpackage to keep one"
            )
            o.add("default-version-changed", "", what, before[service], after[service])
    return changes


def _pairs(old: SpecTree, new: SpecTree) -> list[tuple[Service | None, Service | None]]:
    """Service versions matched by (service, version), or two lone folders of one service."""
    if old.single and new.single:
        (a,), (b,) = old.services.values(), new.services.values()
        if a.service == b.service:
            return [(a, b)]
    keys = sorted(old.services.keys() | new.services.keys())
    return [(old.services.get(k), new.services.get(k)) for k in keys]


def diff_trees(old: SpecTree, new: SpecTree, *, descriptions: bool = False) -> list[Change]:
    """Every change from one spec tree to another, sorted."""
    changes = _default_version_changes(old, new)
    for a, b in _pairs(old, new):
        if a is not None and b is not None:
            changes += diff_services(a, b, descriptions=descriptions)
        else:
            svc = a or b
            assert svc is not None
            kind, what = ("service-removed", "removed") if b is None else ("service-added", "added")
            o = _Owner(svc.service, svc.version, "service", "", descriptions, changes)
            o.add(kind, "", what)
    return sort_changes(changes)


# --------------------------------------------------------------------------- loading


class DiffInputError(Exception):
    """An OLD or NEW argument that is neither a spec folder nor a git revision."""


def _service_folders(folder: Path) -> tuple[list[Path], Path, bool]:
    """The service-version folders under ``folder``, their spec root, and whether
    ``folder`` was a single service version."""
    if (folder / "service.yaml").is_file():
        return [folder], folder.parent, True  # any folder name: diff only reads it
    found = find_services(folder)
    if found:
        return found, folder, False
    versions = sorted(p.parent for p in folder.glob("*/service.yaml"))  # a service folder
    if versions:
        return versions, folder.parent, False
    raise SpecError(
        folder,
        None,
        "no service.yaml found (expected a spec root, a service "
        "folder like spec/mqtt, or a version folder like spec/mqtt/2024-05-16)",
    )


def load_folder(folder: Path, label: str | None = None) -> SpecTree:
    """Load every service version under ``folder`` (see :func:`_service_folders`)."""
    folders, root, single = _service_folders(folder)
    services: dict[tuple[str, str], Service] = {}
    for f in folders:
        svc = load_service(f, root)
        services[(svc.service, svc.version)] = svc
    return SpecTree(label or str(folder), services, single)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    git = ["git", *args]  # a fixed program; the arguments are revisions and paths, never a shell
    return subprocess.run(git, cwd=cwd, capture_output=True, check=False)  # noqa: S603


def repo_root(cwd: Path) -> Path:
    """The git repository around ``cwd``: where revisions are looked up."""
    done = _git(cwd, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise DiffInputError(f"{cwd} is not inside a git repository, so revisions cannot be read")
    return Path(done.stdout.decode().strip())


def extract_revision(rev: str, spec_path: str, cwd: Path, dest: Path) -> Path:
    """Write ``<spec_path>`` as it was at ``rev`` under ``dest``; return its folder there."""
    root = repo_root(cwd)
    if rev.startswith("-") or (
        _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0
    ):
        raise DiffInputError(f"{rev!r} is neither a folder nor a git revision of {root}")
    done = _git(root, "archive", "--format=tar", rev, "--", spec_path)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        raise DiffInputError(f"{rev}: cannot read {spec_path!r} at that revision: {detail}")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tar.extractall(dest, filter="data")
        else:  # git archive of our own tree: still refuse links and paths that leave dest
            for member in tar.getmembers():
                target = (dest / member.name).resolve()
                if not (member.isfile() or member.isdir()) or not target.is_relative_to(
                    dest.resolve()
                ):
                    raise DiffInputError(f"{rev}: unexpected entry {member.name!r} in the archive")
            tar.extractall(dest)  # noqa: S202 - every member checked above
    return dest / spec_path


def _from_revision(error: SpecError, rev: str, tmp: Path, spec_path: str) -> SpecError:
    """Name a spec error's file as ``rev:spec/...`` instead of its temporary copy."""
    try:
        rel = Path(error.path).resolve().relative_to(tmp.resolve()).as_posix()
    except ValueError:
        return error
    return SpecError(f"{rev}:{rel}", error.line, error.reason, error.column)


def load_side(arg: str, spec_path: str, cwd: Path, tmp: Path) -> SpecTree:
    """A folder if ``arg`` names one, else a git revision of the repository at ``cwd``."""
    folder = cwd / arg
    if folder.is_dir():
        return load_folder(folder, arg)
    if folder.exists():
        raise DiffInputError(f"{arg}: not a folder")
    extracted = extract_revision(arg, spec_path, cwd, tmp)
    try:
        return load_folder(extracted, f"{arg}:{spec_path}")
    except SpecError as exc:
        raise _from_revision(exc, arg, tmp, spec_path) from exc


def diff_args(
    old: str,
    new: str,
    *,
    spec_path: str = "spec",
    cwd: Path | None = None,
    descriptions: bool = False,
) -> list[Change]:
    """Load both sides (extracting revisions to temporary folders) and compare them."""
    here = cwd or Path.cwd()
    with tempfile.TemporaryDirectory(prefix="tcapi-diff-") as tmp:
        before = load_side(old, spec_path, here, Path(tmp) / "old")
        after = load_side(new, spec_path, here, Path(tmp) / "new")
    return diff_trees(before, after, descriptions=descriptions)


# --------------------------------------------------------------------------- reports


def summary(changes: Sequence[Change]) -> str:
    n, m = len(changes), sum(c.breaking for c in changes)
    return f"{n} change{'' if n == 1 else 's'}, {m} breaking"


def _grouped(changes: Sequence[Change]) -> Iterable[tuple[str, list[list[Change]]]]:
    """(``"mqtt 2024-05-16"``, the changes of each owner) in report order."""
    for (service, version), in_service in groupby(changes, lambda c: (c.service, c.version)):
        owners = groupby(in_service, lambda c: (c.scope, c.owner))
        yield f"{service} {version}", [list(group) for _, group in owners]


def _title(c: Change, quote: str = "") -> str:
    return "service" if not c.owner else f"{c.scope} {quote}{c.owner}{quote}"


def _inline(group: list[Change]) -> bool:
    """A lone change to the owner itself ("action X: added") takes one line."""
    return len(group) == 1 and not group[0].path


def render_text(changes: Sequence[Change]) -> str:
    """Grouped by service version, then owner; ``BREAKING`` in a left gutter to scan or grep."""

    def row(breaking: bool, text: str) -> str:
        return f"{'BREAKING' if breaking else '':<10}{text}".rstrip()

    lines: list[str] = []
    for heading, owners in _grouped(changes):
        lines.append(heading)
        for group in owners:
            if _inline(group):
                lines.append(row(group[0].breaking, f"{_title(group[0])}: {group[0].message}"))
                continue
            lines.append(row(False, _title(group[0])))
            lines.extend(row(c.breaking, "  " + c.message) for c in group)
        lines.append("")
    lines.append(summary(changes))
    return "\n".join(lines) + "\n"


def render_markdown(changes: Sequence[Change]) -> str:
    """The same grouping as nested lists, for a pull-request comment or a changelog."""

    def item(c: Change, text: str) -> str:
        return f"**BREAKING** {text}" if c.breaking else text

    lines: list[str] = []
    for heading, owners in _grouped(changes):
        lines += [f"### {heading}", ""]
        for group in owners:
            first = group[0]
            if _inline(group):
                lines.append(f"- {item(first, _title(first, '`') + ': ' + first.message)}")
                continue
            lines.append(f"- {_title(first, '`')}")
            lines.extend(f"  - {item(c, c.message)}" for c in group)
        lines.append("")
    lines.append(f"**{summary(changes)}**")
    return "\n".join(lines) + "\n"


def render_json(changes: Sequence[Change]) -> str:
    """A stable document: sorted changes, sorted keys, counts alongside."""
    doc = {
        "changes": [c.to_json() for c in sort_changes(changes)],
        "summary": {"changes": len(changes), "breaking": sum(c.breaking for c in changes)},
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RENDERERS: Final[dict[str, Callable[[Sequence[Change]], str]]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``diff`` subcommand's options (kept here so cli.py only wires it in)."""
    parser.add_argument("old", help="spec folder, or a git revision of the current repository")
    parser.add_argument("new", help="spec folder, or a git revision of the current repository")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument(
        "--fail-on-breaking", action="store_true", help="exit 1 if any change is breaking"
    )
    parser.add_argument(
        "--descriptions", action="store_true", help="also list description and title changes"
    )
    parser.add_argument(
        "--spec-path",
        default="spec",
        help="the spec root inside a git revision, from the repository top (default: spec)",
    )


def run(args: argparse.Namespace) -> int:
    """0, or 1 with --fail-on-breaking and a breaking change; 2 for a bad spec or argument."""
    try:
        changes = diff_args(
            args.old, args.new, spec_path=args.spec_path, descriptions=args.descriptions
        )
    except SpecError as exc:
        print(f"spec error: {exc}", file=sys.stderr)
        return 2
    except DiffInputError as exc:
        print(f"diff error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(RENDERERS[args.format](changes))
    return 1 if args.fail_on_breaking and any(c.breaking for c in changes) else 0
