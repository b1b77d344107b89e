#!/usr/bin/env python3
"""The whole catalog, every service version in spec/, through six stages.

    python bench/catalog.py                       # everything (about 6 minutes on 2 cores)
    python bench/catalog.py --quick               # stages b-f on a fixed small set (CI)
    python bench/catalog.py --services cvm,vpc    # those services only (all their versions)
    python bench/catalog.py --json OUT            # also write every figure and failure

a. import     re-import the catalog from the pinned definition wheels
              (``python -m generator import tccli --all``) into a temporary spec
              root seeded with spec/'s hand-written files; every file must equal spec/'s
b. generate   render every service version into a temporary tree
c. compile    every generated .py compiles (and leaves its .pyc for stage d)
d. load       every version package imports from that tree (``tcapi.__path__``), its
              two client classes and every action's method exist, and every model an
              action reaches loads and compiles its methods; each version within
              ``--timeout`` seconds
e. examples   every documented example round-trips: ``Request.from_dict(ex).to_dict()``
              and ``Response.from_dict(ex).to_dict()`` give back the same JSON (compared
              as canonical JSON text, so 1 and 1.0 differ); response members of another
              type than declared (``wire_deviations``) are counted, not failed
f. crosscheck every request and response model of the official SDK
              (tencentcloud-sdk-python) against our schema's wire names; a member the
              official SDK has that the definitions mark ``disabled`` (so the importer
              leaves it out) is an expected difference, listed but not failed

A stage failure of one version never stops the others; a version that failed a
stage fails the later stages that need it. An action passes every stage when it
passes all of those run. Stage a needs the definition wheels (``--cn``/``--en``,
by default build/defs/ as ``nox -s import`` downloads them); stage f needs the
official SDK installed (or ``--official WHEEL``) and reads the Chinese wheel for
the ``disabled`` flags. ``nox -s catalog`` installs all of it.

Exits 0 when at least 99.9 % of the actions pass every stage run and every
service version generates, else 1 (2 for bad arguments).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import importlib.metadata
import importlib.util
import json
import py_compile
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import types
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the generator is run from the source checkout

import tcapi  # noqa: E402
from generator.names import python_package  # noqa: E402
from generator.render import render_all  # noqa: E402
from generator.spec import Service, find_services, load_service  # noqa: E402
from tcapi._compile import install, model_class  # noqa: E402
from tcapi.model import Model, ResponseModel  # noqa: E402
from tcapi.schema import ServiceSchema, load_schema  # noqa: E402

STAGES = ("import", "generate", "compile", "load", "examples", "crosscheck")
TITLES = {
    "import": "a. import",
    "generate": "b. generate",
    "compile": "c. compile",
    "load": "d. load",
    "examples": "e. examples",
    "crosscheck": "f. crosscheck",
}
QUICK = ("mqtt", "sts", "cvm", "vpc", "as", "hunyuan", "cls", "ame", "tcss", "cdwch", "sms")
"""The --quick set, chosen to cover the naming collisions the generator resolves:
a keyword service (as → tcapi.as_), an action whose module a structure takes (ame
TakeMusicOffShelves, sms), members whose names snake_case alike (cdwch, tcss), members
named like keywords or reserved names (mqtt, cls, tcss), a service with two versions
(sms), the large ones (vpc, tcss, cls), event-stream actions (hunyuan, cls) and the
two committed services (mqtt, sts)."""
IMPORT_HEADER = "# Imported by `python -m generator import tccli`"
TARGET_ALL = 99.9
TARGET_GENERATE = 100.0


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Version:
    """One service version of spec/."""

    spec: str  # "cvm/2017-03-12"
    service: str
    version: str
    folder: Path
    actions: tuple[str, ...]

    @property
    def package(self) -> str:
        return python_package(self.service)

    @property
    def vdir(self) -> str:
        return "v" + self.version.replace("-", "")

    @property
    def module(self) -> str:
        return f"tcapi.{self.package}.{self.vdir}"


@dataclass(frozen=True)
class Failure:
    version: str
    action: str  # "" when the whole version failed
    cause: str  # a short category, for counting
    detail: str  # what exactly, for reading


@dataclass
class Stage:
    name: str
    ran: bool = False
    skipped: str = ""
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Lines printed under the table (counts that are not pass/fail)."""
    data: dict[str, Any] = field(default_factory=dict)
    """Extra figures for --json."""
    _versions: set[str] = field(default_factory=set)
    _actions: dict[str, set[str]] = field(default_factory=dict)

    def fail_version(self, version: str, cause: str, detail: str = "") -> None:
        self.failures.append(Failure(version, "", cause, detail or cause))
        self._versions.add(version)

    def fail_action(self, version: str, action: str, cause: str, detail: str = "") -> None:
        self.failures.append(Failure(version, action, cause, detail or cause))
        self._actions.setdefault(version, set()).add(action)

    def version_ok(self, v: Version) -> bool:
        return v.spec not in self._versions and not self._actions.get(v.spec)

    def version_usable(self, v: Version) -> bool:
        """Not failed as a whole (some of its actions may have failed)."""
        return v.spec not in self._versions

    def action_ok(self, v: Version, action: str) -> bool:
        return v.spec not in self._versions and action not in self._actions.get(v.spec, ())


@dataclass
class Run:
    versions: list[Version]
    spec_root: Path
    work: Path
    args: argparse.Namespace
    stages: dict[str, Stage] = field(default_factory=lambda: {s: Stage(s) for s in STAGES})
    services: dict[str, Service] = field(default_factory=dict)  # spec → loaded spec
    schemas: dict[str, ServiceSchema] = field(default_factory=dict)  # spec → runtime schema
    started: float = field(default_factory=time.perf_counter)

    @property
    def gen(self) -> Path:
        return self.work / "gen"

    def use_tree(self) -> None:
        """Make ``tcapi.<service>`` the generated tree's (ahead of an installed one)."""
        if str(self.gen) not in tcapi.__path__:
            tcapi.__path__.insert(0, str(self.gen))
            importlib.invalidate_caches()

    def service(self, v: Version) -> Service:
        if v.spec not in self.services:
            self.services[v.spec] = load_service(v.folder, self.spec_root)
        return self.services[v.spec]

    def schema(self, v: Version) -> ServiceSchema:
        if v.spec not in self.schemas:
            self.use_tree()
            self.schemas[v.spec] = load_schema(v.module + "._schema")
        return self.schemas[v.spec]

    def usable(self, v: Version, *stages: str) -> str | None:
        """Why ``v`` cannot go through a later stage (None: it can)."""
        for name in stages:
            stage = self.stages[name]
            if stage.ran and not stage.version_usable(v):
                return f"{name} failed"
        return None


class StageTimeout(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise StageTimeout in the main thread once ``seconds`` have passed."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: types.FrameType | None) -> None:
        raise StageTimeout(f"took over {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def describe(exc: BaseException, limit: int = 300) -> str:
    """``Type: message (file:line)``, one line, for a failure's detail."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" ({Path(last.filename).name}:{last.lineno})"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- the catalog


def find_versions(spec_root: Path, wanted: set[str] | None) -> list[Version]:
    out = []
    for folder in find_services(spec_root):
        service, version = folder.parent.name, folder.name
        spec = f"{service}/{version}"
        if wanted is not None and service not in wanted and spec not in wanted:
            continue
        actions = tuple(sorted(p.stem for p in (folder / "actions").glob("*.yaml")))
        out.append(Version(spec, service, version, folder, actions))
    return out


def pinned_wheels() -> tuple[Path, Path]:
    """The definition wheels requirements-import.txt pins, where ``nox -s import``
    downloads them (build/defs/)."""
    pins = dict(
        line.strip().split("==", 1)
        for line in (REPO / "requirements-import.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    defs = REPO / "build" / "defs"
    return (
        defs / f"tccli-{pins['tccli']}-py2.py3-none-any.whl",
        defs / f"tccli_intl_en-{pins['tccli-intl-en']}-py2.py3-none-any.whl",
    )


class Files:
    """Read-only files of a wheel or a folder, by path relative to its top."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._zip = zipfile.ZipFile(source) if source.is_file() else None
        self._names: list[str] | None = None

    def names(self) -> list[str]:
        if self._names is None:
            if self._zip is not None:
                self._names = sorted(self._zip.namelist())
            else:
                self._names = sorted(
                    p.relative_to(self.source).as_posix()
                    for p in self.source.rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts
                )
        return self._names

    def read(self, rel: str, size: int = -1) -> str | None:
        """The file's text (its first ``size`` bytes when given); None if absent."""
        try:
            if self._zip is not None:
                with self._zip.open(rel) as fh:
                    data = fh.read(size)
            else:
                with (self.source / rel).open("rb") as fh:
                    data = fh.read(size)
        except (KeyError, FileNotFoundError):
            return None
        return data.decode("utf-8", "replace")

    def glob(self, pattern: str) -> list[str]:
        """Relative paths matching a regular expression."""
        rx = re.compile(pattern)
        return [n for n in self.names() if rx.fullmatch(n)]


# --------------------------------------------------------------------------- a. import


def _hand_written(path: Path) -> bool:
    if path.suffix != ".yaml":
        return True
    with path.open(encoding="utf-8", errors="replace") as fh:
        return not fh.readline().startswith(IMPORT_HEADER)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def stage_import(run: Run, stage: Stage) -> None:
    cn, en = run.args.cn, run.args.en
    for wheel in (cn, en):
        if not wheel.exists():
            stage.skipped = f"no definitions at {wheel} (`nox -s import` downloads them)"
            stage.ran = False
            return
    target = run.work / "spec"
    seeded = 0
    for path in sorted(run.spec_root.glob("*/*/*")):  # hand-written inputs the importer reads
        if path.is_file() and _hand_written(path):
            dest = target / path.relative_to(run.spec_root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            seeded += 1
    cmd = [sys.executable, "-m", "generator", "import", "tccli", "--all"]
    cmd += ["--cn", str(cn), "--en", str(en), "--out", str(target)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        for v in run.versions:
            stage.fail_version(v.spec, "import command failed", " | ".join(tail))
        return
    stage.notes.append(
        f"re-imported from {cn.name} + {en.name} ({seeded} hand-written files seeded from spec/)"
    )
    report = json.loads((target / "IMPORT-REPORT.json").read_text(encoding="utf-8"))
    for entry in report.get("not_imported", []):
        stage.notes.append(f"definitions not importable (not in spec/ either): {entry}")
    stage.data["import_totals"] = report.get("totals", {})
    for name in ("IMPORT-REPORT.json", "IMPORT-REPORT.md"):
        ours, theirs = run.spec_root / name, target / name
        if ours.is_file() and ours.read_bytes() != theirs.read_bytes():
            stage.notes.append(f"spec/{name} differs from the re-import's")
        elif ours.is_file():
            stage.notes.append(f"spec/{name} is the re-import's, byte for byte")
    wanted = {v.spec for v in run.versions}
    fresh = {p.parent.relative_to(target).as_posix() for p in target.glob("*/*/service.yaml")}
    if run.args.services is None and fresh - wanted:
        extra = sorted(fresh - wanted)
        stage.notes.append(
            f"the re-import made {len(extra)} versions spec/ lacks: {', '.join(extra[:5])}"
            + (" …" if len(extra) > 5 else "")
        )
    for v in run.versions:
        if v.spec not in fresh:
            stage.fail_version(v.spec, "not produced by the re-import")
            continue
        have, got = _tree(v.folder), _tree(target / v.spec)
        bad_actions: dict[str, str] = {}
        shared: list[str] = []
        for rel in sorted(set(have) | set(got)):
            if have.get(rel) == got.get(rel):
                continue
            why = (
                "only in spec/"
                if rel not in got
                else "only in the re-import"
                if rel not in have
                else "differs"
            )
            m = re.fullmatch(r"actions/(\w+)\.yaml", rel)
            if m:
                bad_actions[m[1]] = f"{rel}: {why}"
            else:
                shared.append(f"{rel}: {why}")
        if shared:
            stage.fail_version(v.spec, "spec files differ", "; ".join(shared[:5]))
        for action, why in bad_actions.items():
            stage.fail_action(v.spec, action, "action file differs", why)


# --------------------------------------------------------------------------- b. generate


def _write(out: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def stage_generate(run: Run, stage: Stage) -> None:
    started = time.perf_counter()
    by_service: dict[str, list[Service]] = defaultdict(list)
    loaded = 0
    for v in run.versions:
        try:
            service = load_service(v.folder, run.spec_root)
        except Exception as exc:
            stage.fail_version(v.spec, "spec does not load", describe(exc))
            continue
        names = tuple(sorted(a.name for a in service.actions))
        if names != v.actions:
            stage.fail_version(v.spec, "loaded actions differ from actions/*.yaml")
            continue
        run.services[v.spec] = service
        by_service[service.service].append(service)
        loaded += 1
    stage.data["load_spec_s"] = round(time.perf_counter() - started, 1)
    files = 0
    for name in sorted(by_service):
        group = by_service[name]
        try:
            rendered = render_all(group)
        except Exception:
            # Render each version alone to tell which one fails (newest last, so the
            # service package's __init__ is the newest good version's).
            rendered = {}
            for service in sorted(group, key=lambda s: s.version):
                try:
                    rendered.update(render_all([service]))
                except Exception as exc:
                    stage.fail_version(f"{name}/{service.version}", "render fails", describe(exc))
        _write(run.gen, rendered)
        files += len(rendered)
    stage.data["files"] = files
    stage.notes.append(f"{files} files rendered from {loaded} loaded service versions")


# --------------------------------------------------------------------------- c. compile


def stage_compile(run: Run, stage: Stage) -> None:
    by_dir = {(v.package, v.vdir): v for v in run.versions}
    newest: dict[str, list[Version]] = defaultdict(list)
    for v in run.versions:
        newest[v.package].append(v)
    count = 0
    for path in sorted(run.gen.rglob("*.py")):
        parts = path.relative_to(run.gen).parts
        try:
            py_compile.compile(str(path), doraise=True)
            count += 1
        except py_compile.PyCompileError as exc:
            detail = f"{path.relative_to(run.gen)}: {' '.join(str(exc.exc_value).split())}"
            owner = by_dir.get((parts[0], parts[1])) if len(parts) > 2 else None
            hit = [owner] if owner is not None else newest.get(parts[0], [])
            for v in hit:  # a service package's own file breaks all its versions
                stage.fail_version(v.spec, "does not compile", detail[:300])
    stage.notes.append(f"{count} .py files compiled")


# --------------------------------------------------------------------------- d. load


def _reachable(schema: ServiceSchema, roots: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen[name] = None
        stack.extend(m.type for m in schema.members(name) if m.is_structure)
    return list(seen)


def _load_model(schema: ServiceSchema, name: str, gen: Path) -> None:
    cls = model_class(schema, name)
    if not isinstance(cls, type) or not issubclass(cls, Model):
        raise TypeError(f"models.{name} is not a model class")
    if cls.__tcapi_schema__[1] != name:
        raise TypeError(f"models.{name} names schema entry {cls.__tcapi_schema__[1]!r}")
    source = sys.modules[cls.__module__].__file__ or ""
    if not source.startswith(str(gen)):
        raise ImportError(f"models.{name} came from {source}, not the generated tree")
    install(cls)


def _load_version(run: Run, v: Version, stage: Stage) -> None:
    service = run.service(v)
    module = importlib.import_module(v.module)
    where = module.__file__ or ""
    if not where.startswith(str(run.gen)):
        raise ImportError(f"{v.module} came from {where}, not the generated tree")
    importlib.import_module(f"tcapi.{v.package}")
    client_module = importlib.import_module(v.module + ".client")
    clients: list[type] = []
    for name in (f"{service.client_name}Client", f"Async{service.client_name}Client"):
        cls: object = getattr(module, name, None)
        if not isinstance(cls, type):
            raise ImportError(f"{v.module} has no client class {name}")
        clients.append(cls)
        if getattr(client_module, name, None) is not clients[-1]:
            raise ImportError(f"{v.module}.{name} is not {v.module}.client.{name}")
    schema = run.schema(v)
    if tuple(sorted(schema.actions)) != v.actions:
        raise ValueError("the schema's actions differ from the spec's")
    broken: dict[str, str] = {}
    for action in v.actions:
        row = schema.actions[action]
        missing = [c.__name__ for c in clients if not callable(getattr(c, row.py, None))]
        if missing:
            stage.fail_action(v.spec, action, "no client method", f"{row.py} on {missing}")
            continue
        try:
            reached = _reachable(schema, (row.input, row.output))
        except KeyError as exc:
            stage.fail_action(v.spec, action, "schema names an unknown model", describe(exc))
            continue
        for name in reached:
            if name not in broken:
                try:
                    _load_model(schema, name, run.gen)
                    broken[name] = ""
                except StageTimeout:
                    raise
                except Exception as exc:
                    broken[name] = f"{name}: {describe(exc)}"
            if broken[name]:
                stage.fail_action(v.spec, action, "model does not load", broken[name])
                break
    stage.data.setdefault("models_loaded", 0)
    stage.data["models_loaded"] += sum(1 for e in broken.values() if not e)


def stage_load(run: Run, stage: Stage) -> None:
    run.use_tree()
    times: list[tuple[float, str]] = []
    for v in run.versions:
        why = run.usable(v, "generate", "compile")
        if why:
            stage.fail_version(v.spec, f"not loaded: {why}")
            continue
        started = time.perf_counter()
        try:
            with deadline(run.args.timeout):
                _load_version(run, v, stage)
        except StageTimeout as exc:
            stage.fail_version(v.spec, "load timed out", str(exc))
        except Exception as exc:
            stage.fail_version(v.spec, "package does not load", describe(exc))
        times.append((time.perf_counter() - started, v.spec))
    times.sort(reverse=True)
    stage.notes.append(
        f"{stage.data.get('models_loaded', 0)} models loaded and compiled; slowest: "
        + ", ".join(f"{spec} {t:.1f}s" for t, spec in times[:3])
    )
    stage.data["slowest"] = [[spec, round(t, 2)] for t, spec in times[:10]]


# --------------------------------------------------------------------------- e. examples


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


def first_difference(sent: Any, got: Any, path: str) -> tuple[str, str]:
    """(cause, detail) of the first place where ``got`` differs from ``sent``."""
    if isinstance(sent, dict) and isinstance(got, dict):
        for key in sent:
            if key not in got:
                return "member dropped", f"{path}.{key} (sent {short(sent[key])})"
        for key in got:
            if key not in sent:
                return "member added", f"{path}.{key} = {short(got[key])}"
        for key in sent:
            if canonical(sent[key]) != canonical(got[key]):
                return first_difference(sent[key], got[key], f"{path}.{key}")
    if isinstance(sent, list) and isinstance(got, list):
        if len(sent) != len(got):
            return "list length changed", f"{path}: {len(sent)} items sent, {len(got)} back"
        for i, (a, b) in enumerate(zip(sent, got, strict=True)):
            if canonical(a) != canonical(b):
                return first_difference(a, b, f"{path}[{i}]")
    if type(sent) is not type(got):
        kind = f"{type(sent).__name__} became {type(got).__name__}"
        return kind, f"{path}: sent {short(sent)}, back {short(got)}"
    return "value changed", f"{path}: sent {short(sent)}, back {short(got)}"


def _round_trip(cls: type[Model], sent: dict[str, Any], side: str) -> tuple[Model | None, str, str]:
    """(parsed, cause, detail); cause is empty when the example comes back the same."""
    try:
        parsed = cls.from_dict(sent)
    except Exception as exc:
        return None, f"{side}.from_dict raises {type(exc).__name__}", describe(exc)
    try:
        want = canonical(json.loads(json.dumps(sent)))
    except (TypeError, ValueError) as exc:
        return parsed, f"{side}: the example is not JSON", describe(exc)
    try:
        text = canonical(parsed.to_dict())
    except Exception as exc:
        return parsed, f"{side}.to_dict raises {type(exc).__name__}", describe(exc)
    if text == want:
        return parsed, "", ""
    cause, detail = first_difference(json.loads(want), json.loads(text), side)
    return parsed, f"{side}: {cause}", detail


def _validation_kind(message: str) -> str:
    """``parameter Foo.Bar: expected int, got str`` → ``expected int, got str``."""
    message = re.sub(r"^\[[^]]*\]\s*", "", message)
    kind = re.sub(r"parameter \S+?:? ", "", message)
    return "a required member is missing" if kind == "is required" else kind


def stage_examples(run: Run, stage: Stage) -> None:
    totals: Counter[str] = Counter()
    dev_kinds: Counter[str] = Counter()
    dev_samples: list[str] = []
    invalid: Counter[str] = Counter()
    invalid_samples: list[str] = []
    dev_actions: set[tuple[str, str]] = set()
    for v in run.versions:
        why = run.usable(v, "generate", "compile", "load")
        if why:
            stage.fail_version(v.spec, f"not checked: {why}")
            continue
        try:
            with deadline(run.args.timeout):
                schema = run.schema(v)
                for action in run.service(v).actions:
                    if not action.examples:
                        continue
                    totals["actions with examples"] += 1
                    row = schema.actions[action.name]
                    try:
                        req_cls = model_class(schema, row.input)
                        resp_cls = model_class(schema, row.output)
                    except Exception as exc:
                        stage.fail_action(v.spec, action.name, "models missing", describe(exc))
                        continue
                    for i, ex in enumerate(action.examples):
                        totals["examples"] += 1
                        where = f"{action.name}[{i}]"
                        req, cause, detail = _round_trip(req_cls, ex.request, "Request")
                        if cause:
                            stage.fail_action(v.spec, action.name, cause, f"{where} {detail}")
                        elif req is not None:
                            try:
                                req.validate()
                            except Exception as exc:
                                invalid[_validation_kind(str(exc))] += 1
                                invalid_samples.append(f"{v.spec} {where}: {exc}")
                        resp, cause, detail = _round_trip(resp_cls, ex.response, "Response")
                        if cause:
                            stage.fail_action(v.spec, action.name, cause, f"{where} {detail}")
                        if isinstance(resp, ResponseModel) and resp.wire_deviations:
                            totals["examples with deviations"] += 1
                            totals["deviations"] += len(resp.wire_deviations)
                            dev_actions.add((v.spec, action.name))
                            for d in resp.wire_deviations:
                                kept = "coerced" if d.coerced else "kept"
                                dev_kinds[f"{d.expected} got {d.got} ({kept})"] += 1
                                dev_samples.append(
                                    f"{v.spec} {where} {d.path}: declared {d.expected}, "
                                    f"documented {d.got} ({kept})"
                                )
        except StageTimeout as exc:
            stage.fail_version(v.spec, "examples timed out", str(exc))
        except Exception as exc:
            stage.fail_version(v.spec, "examples fail", describe(exc))
    totals["actions with deviations"] = len(dev_actions)
    totals["request examples validate() rejects"] = sum(invalid.values())
    stage.data.update(
        totals=dict(totals),
        deviation_kinds=dict(dev_kinds.most_common()),
        deviations=dev_samples,
        invalid_requests=dict(invalid),
        invalid_request_samples=invalid_samples,
    )
    stage.notes.append(
        f"{totals['examples']} examples of {totals['actions with examples']} actions; "
        f"deviations (not failures): {totals['deviations']} in "
        f"{totals['examples with deviations']} examples of {len(dev_actions)} actions"
    )
    for kind, n in dev_kinds.most_common(6):
        stage.notes.append(f"  deviation {kind}: {n}")
    for sample in dev_samples[:4]:
        stage.notes.append(f"  e.g. {sample}")
    if invalid:
        stage.notes.append(
            f"request examples that validate() rejects (not failures): {sum(invalid.values())}"
        )
        for kind, n in invalid.most_common(6):
            stage.notes.append(f"  {kind}: {n}")
        for sample in invalid_samples[:3]:
            stage.notes.append(f"  e.g. {sample}")


# --------------------------------------------------------------------------- f. crosscheck


class Official:
    """The official SDK's models, read as source (nothing of it is imported)."""

    def __init__(self, files: Files, label: str) -> None:
        self.files = files
        self.label = label
        self._folders: dict[tuple[str, str], str] | None = None

    @classmethod
    def locate(cls, path: Path | None) -> Official | None:
        if path is not None:
            return cls(Files(path), path.name)
        try:  # the whole SDK, not only the per-service distributions the tests pin
            version = importlib.metadata.version("tencentcloud-sdk-python")
        except importlib.metadata.PackageNotFoundError:
            return None
        spec = importlib.util.find_spec("tencentcloud")
        if spec is None or not spec.submodule_search_locations:
            return None
        top = Path(next(iter(spec.submodule_search_locations))).parent
        return cls(Files(top), f"tencentcloud-sdk-python {version}")

    def _client(
        self, folder: str, vdir: str, head: bool = False
    ) -> tuple[str, str, set[str]] | None:
        """(service, version, actions) of the official client of a version folder
        (no actions with ``head``: only the top of the file is read)."""
        for rel in self.files.glob(rf"tencentcloud/{folder}/{vdir}/[a-z0-9_]+_client\.py"):
            text = self.files.read(rel, 4096 if head else -1) or ""
            svc = re.search(r"^\s+_service = '([^']+)'", text, re.M)
            ver = re.search(r"^\s+_apiVersion = '([^']+)'", text, re.M)
            if svc and ver:
                actions = set(re.findall(r"^    def (\w+)\(self, request\)", text, re.M))
                return svc[1], ver[1], actions
        return None

    def folder_of(self, service: str, version: str) -> tuple[str, set[str]] | None:
        """The official folder of a service version (``as`` lives in ``autoscaling``)
        and the actions its client has."""
        vdir = "v" + version.replace("-", "")
        direct = self._client(service, vdir)
        if direct is not None and direct[:2] == (service, version):
            return service, direct[2]
        if self._folders is None:
            self._folders = {}
            for rel in self.files.glob(r"tencentcloud/\w+/v\d{8}/models\.py"):
                _, name, v, _ = rel.split("/")
                client = self._client(name, v, head=True)
                if client is not None:
                    self._folders[client[:2]] = name
        folder = self._folders.get((service, version))
        if folder is None:
            return None
        client = self._client(folder, vdir)
        return folder, client[2] if client else set()

    def models(self, folder: str, version: str) -> dict[str, list[str]]:
        """Class name → member wire names (``self._X = None`` in ``__init__``)."""
        rel = f"tencentcloud/{folder}/v{version.replace('-', '')}/models.py"
        text = self.files.read(rel)
        if text is None:
            return {}
        out: dict[str, list[str]] = {}
        for node in ast.parse(text).body:
            if not isinstance(node, ast.ClassDef):
                continue
            members: list[str] = []
            for fn in node.body:
                if isinstance(fn, ast.FunctionDef) and fn.name == "__init__":
                    for stmt in ast.walk(fn):
                        if isinstance(stmt, ast.Assign):
                            for t in stmt.targets:
                                if (
                                    isinstance(t, ast.Attribute)
                                    and isinstance(t.value, ast.Name)
                                    and t.value.id == "self"
                                    and t.attr.startswith("_")
                                ):
                                    members.append(t.attr[1:])
            out[node.name] = members
        return out


@dataclass
class Definitions:
    """What the definitions (the Chinese tccli wheel) say of one service version."""

    members: dict[str, set[str]] = field(default_factory=dict)
    """Per object, every member name, disabled or not."""
    disabled: dict[str, set[str]] = field(default_factory=dict)
    """Per object, the members marked ``disabled`` (the importer leaves them out)."""
    actions: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, defs: Files | None, folder: str, version: str) -> Definitions:
        if defs is None:
            return cls()
        text = defs.read(f"tccli/services/{folder}/v{version.replace('-', '')}/api.json")
        if text is None:
            return cls()
        api = json.loads(text)
        out = cls(actions=api.get("actions", {}))
        for name, obj in api.get("objects", {}).items():
            members = obj.get("members", [])
            out.members[name] = {m["name"] for m in members}
            out.disabled[name] = {m["name"] for m in members if m.get("disabled")}
        return out


EXPECTED = "missing: disabled in the definitions (expected)"


def _compare(
    ours: list[str], theirs: list[str], defs: Definitions, obj: str
) -> dict[str, list[str]]:
    """Kinds of difference between our wire names and the official member names."""
    o, t = set(ours), set(theirs)
    disabled, defined = defs.disabled.get(obj, set()), defs.members.get(obj)
    out: dict[str, list[str]] = {}
    lower_o = {n.lower(): n for n in o - t}
    for name in sorted(t - o):
        if name in disabled:
            out.setdefault(EXPECTED, []).append(name)
        elif name.lower() in lower_o:
            out.setdefault("case differs", []).append(f"{lower_o[name.lower()]}≠{name}")
        elif defined is not None and name in defined:
            out.setdefault("missing on our side, though the definitions have it", []).append(name)
        else:
            out.setdefault("missing on our side: official SDK only", []).append(name)
    lower_t = {n.lower() for n in t - o}
    for name in sorted(o - t):
        if name.lower() in lower_t:
            continue
        if defined is not None and name not in defined:
            out.setdefault("extra on our side: not in the definitions either", []).append(name)
        else:
            out.setdefault("extra on our side: definitions only", []).append(name)
    return out


@dataclass
class Tally:
    """Member differences of one kind of model, by kind of difference."""

    counts: Counter[str] = field(default_factory=Counter)
    every: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    """Kind → ``"<version> <model>: <members>"``, one entry per model."""

    def add(self, where: str, diff: dict[str, list[str]]) -> None:
        for kind, names in diff.items():
            self.counts[kind] += len(names)
            self.every[kind].append(f"{where}: {', '.join(names)}")

    def lines(self) -> list[str]:
        return [
            f"  {kind}: {n} members of {len(self.every[kind])} models, e.g. {self.every[kind][0]}"
            for kind, n in self.counts.most_common()
        ]


@dataclass
class Crosscheck:
    official: Official
    defs: Files | None
    actions: Tally = field(default_factory=Tally)
    structures: Tally = field(default_factory=Tally)
    no_oracle: list[str] = field(default_factory=list)
    official_only: list[str] = field(default_factory=list)
    compared: int = 0

    def version(self, v: Version, schema: ServiceSchema, stage: Stage) -> None:
        found = self.official.folder_of(v.service, v.version)
        if found is None:
            stage.fail_version(v.spec, "not in the official SDK")
            return
        folder, official_actions = found
        theirs = self.official.models(folder, v.version)
        defs = Definitions.read(self.defs, folder, v.version)
        self.official_only += [f"{v.spec} {a}" for a in sorted(official_actions - set(v.actions))]
        own: set[str] = set()
        for action in v.actions:
            row = schema.actions[action]
            problems = []
            for side, model, key in (
                ("Request", row.input, "input"),
                ("Response", row.output, "output"),
            ):
                own.add(model)
                name = action + side
                if name not in theirs:
                    self.no_oracle.append(f"{v.spec} {name}")
                    continue
                self.compared += 1
                obj = defs.actions.get(action, {}).get(key, name)
                wires = [m.wire for m in schema.members(model)]
                diff = _compare(wires, theirs[name], defs, obj)
                self.actions.add(f"{v.spec} {name}", diff)
                problems += [
                    (kind, f"{name}: {', '.join(names[:6])}")
                    for kind, names in diff.items()
                    if kind != EXPECTED
                ]
            if problems:
                cause = problems[0][0]
                detail = "; ".join(
                    text if kind == cause else f"{text} ({kind})" for kind, text in problems
                )
                stage.fail_action(v.spec, action, cause, detail)
        for name in schema.model_names():
            if name not in own and name in theirs:
                wires = [m.wire for m in schema.members(name)]
                diff = _compare(wires, theirs[name], defs, name)
                self.structures.add(f"{v.spec} {name}", diff)


def stage_crosscheck(run: Run, stage: Stage) -> None:
    official = Official.locate(run.args.official)
    if official is None:
        stage.ran = False
        stage.skipped = "tencentcloud-sdk-python is not installed (or pass --official WHEEL)"
        return
    defs = Files(run.args.cn) if run.args.cn.exists() else None
    stage.notes.append(f"oracle: {official.label}; definitions: {run.args.cn.name}")
    if defs is None:
        stage.notes.append(f"no {run.args.cn}: disabled members cannot be told apart")
    check = Crosscheck(official, defs)
    for v in run.versions:
        why = run.usable(v, "generate", "compile", "load")
        if why:
            stage.fail_version(v.spec, f"not checked: {why}")
            continue
        try:
            with deadline(run.args.timeout):
                check.version(v, run.schema(v), stage)
        except StageTimeout as exc:
            stage.fail_version(v.spec, "crosscheck timed out", str(exc))
        except Exception as exc:
            stage.fail_version(v.spec, "crosscheck fails", describe(exc))
    stage.data.update(
        models_compared=check.compared,
        member_differences=dict(check.actions.counts),
        differences=dict(check.actions.every),
        structure_differences=dict(check.structures.counts),
        structures=dict(check.structures.every),
        no_official_model=check.no_oracle,
        official_only_actions=check.official_only,
    )
    stage.notes.append(f"{check.compared} request/response models compared; member differences:")
    stage.notes += check.actions.lines()
    if check.no_oracle:
        stage.notes.append(
            f"models the official SDK lacks (not compared): {len(check.no_oracle)}, e.g. "
            + ", ".join(check.no_oracle[:3])
        )
    if check.official_only:
        stage.notes.append(
            f"official client actions the catalog lacks: {len(check.official_only)}, e.g. "
            + ", ".join(check.official_only[:3])
        )
    if check.structures.counts:
        stage.notes.append("structures (informational, not failed):")
        stage.notes += check.structures.lines()
    expected = check.actions.every.get(EXPECTED, [])
    if expected:
        stage.notes.append(
            f"the expected differences, request/response members the definitions mark "
            f"disabled that the official SDK has ({len(expected)} models):"
        )
        stage.notes += [f"  {line}" for line in expected]


# --------------------------------------------------------------------------- report


RUNNERS: dict[str, Callable[[Run, Stage], None]] = {
    "import": stage_import,
    "generate": stage_generate,
    "compile": stage_compile,
    "load": stage_load,
    "examples": stage_examples,
    "crosscheck": stage_crosscheck,
}


def pct(n: int, total: int) -> float:
    return 100.0 * n / total if total else 100.0


def summarize(run: Run) -> dict[str, Any]:
    versions = run.versions
    n_actions = sum(len(v.actions) for v in versions)
    table: dict[str, Any] = {}
    for name, stage in run.stages.items():
        if not stage.ran:
            table[name] = {"ran": False, "skipped": stage.skipped}
            continue
        v_ok = sum(1 for v in versions if stage.version_ok(v))
        a_ok = sum(1 for v in versions for a in v.actions if stage.action_ok(v, a))
        causes = Counter(f.cause for f in stage.failures)
        table[name] = {
            "ran": True,
            "seconds": round(stage.seconds, 1),
            "versions_passed": v_ok,
            "versions_failed": len(versions) - v_ok,
            "actions_passed": a_ok,
            "actions_failed": n_actions - a_ok,
            "failure_causes": dict(causes.most_common()),
            "failures": [f.__dict__ for f in stage.failures],
            "notes": stage.notes,
            **stage.data,
        }
    ran = [s for s in run.stages.values() if s.ran]
    every = sum(1 for v in versions for a in v.actions if all(s.action_ok(v, a) for s in ran))
    gen = run.stages["generate"]
    generating = sum(1 for v in versions if gen.version_ok(v)) if gen.ran else 0
    return {
        "versions": len(versions),
        "actions": n_actions,
        "stages_run": [s.name for s in ran],
        "stages": table,
        "actions_passing_every_stage": every,
        "actions_passing_every_stage_pct": round(pct(every, n_actions), 3),
        "versions_generating": generating,
        "versions_generating_pct": round(pct(generating, len(versions)), 3),
        "seconds": round(time.perf_counter() - run.started, 1),
    }


def print_report(run: Run, summary: dict[str, Any], show: int) -> None:
    print()
    print(f"catalog: {summary['versions']} service versions, {summary['actions']} actions")
    print()
    print("| stage | versions pass | versions fail | actions pass | actions fail | time (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, row in summary["stages"].items():
        if not row["ran"]:
            print(f"| {TITLES[name]} | skipped: {row['skipped']} | | | | |")
            continue
        print(
            f"| {TITLES[name]} | {row['versions_passed']} | {row['versions_failed']} | "
            f"{row['actions_passed']} | {row['actions_failed']} | {row['seconds']:.1f} |"
        )
    print()
    every = summary["actions_passing_every_stage"]
    every_pct = summary["actions_passing_every_stage_pct"]
    print(
        f"actions passing every stage run ({', '.join(summary['stages_run'])}): "
        f"{every}/{summary['actions']} = {every_pct:.2f} % (target ≥ {TARGET_ALL} %)"
        + ("" if every_pct >= TARGET_ALL else "  ← BELOW TARGET")
    )
    if "generate" in summary["stages_run"]:
        gen_pct = summary["versions_generating_pct"]
        print(
            f"service versions generating: {summary['versions_generating']}/"
            f"{summary['versions']} = {gen_pct:.2f} % (target {TARGET_GENERATE:g} %)"
            + ("" if gen_pct >= TARGET_GENERATE else "  ← BELOW TARGET")
        )
    print(f"total wall time: {summary['seconds']:.1f}s")
    for name, stage in run.stages.items():
        if not stage.ran:
            continue
        print()
        print(f"## {TITLES[name]} ({stage.seconds:.1f}s)")
        for line in stage.notes:
            print(line)
        if stage.failures:
            causes = Counter(f.cause for f in stage.failures)
            print(f"{len(stage.failures)} failures by cause:")
            for cause, n in causes.most_common(8):
                print(f"  {n:6d}  {cause}")
            print(f"first {min(show, len(stage.failures))}:")
            for f in stage.failures[:show]:
                detail = "" if f.detail == f.cause else f": {f.detail}"
                print(f"  {f.version} {f.action or '(version)'}: {f.cause}{detail}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    cn, en = pinned_wheels()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help=f"stages b-f on {','.join(QUICK)}")
    p.add_argument(
        "--services", help="services (cvm) or versions (cvm/2017-03-12), comma-separated"
    )
    p.add_argument(
        "--skip", default="", help=f"stages to skip, comma-separated: {','.join(STAGES)}"
    )
    p.add_argument("--json", type=Path, help="write the figures and every failure here")
    p.add_argument("--spec", type=Path, default=REPO / "spec", help="spec root (default spec/)")
    p.add_argument("--cn", type=Path, default=cn, help="tccli wheel or folder")
    p.add_argument("--en", type=Path, default=en, help="tccli-intl-en wheel or folder")
    p.add_argument("--official", type=Path, help="official SDK wheel (default: the installed one)")
    p.add_argument("--timeout", type=float, default=300, help="seconds per version and stage")
    p.add_argument("--show", type=int, default=5, help="failures shown per stage")
    p.add_argument("--keep", type=Path, help="work in (and keep) this folder, not a temp dir")
    args = p.parse_args(argv)
    args.skip = {s for s in args.skip.split(",") if s}
    if args.skip - set(STAGES):
        p.error(f"unknown stages: {', '.join(sorted(args.skip - set(STAGES)))}")
    if args.quick:
        args.skip.add("import")
        if args.services is None:
            args.services = ",".join(QUICK)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = set(args.services.split(",")) if args.services else None
    versions = find_versions(args.spec, wanted)
    if not versions:
        print(f"no service versions under {args.spec} match {args.services}", file=sys.stderr)
        return 2
    if wanted is not None:
        found = {v.service for v in versions} | {v.spec for v in versions}
        if wanted - found:
            print(f"not in {args.spec}: {', '.join(sorted(wanted - found))}", file=sys.stderr)
            return 2
    with contextlib.ExitStack() as stack:
        if args.keep is not None:
            shutil.rmtree(args.keep, ignore_errors=True)
            args.keep.mkdir(parents=True)
            work = args.keep
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tcapi-catalog-")))
        run = Run(versions, args.spec, work, args)
        n_actions = sum(len(v.actions) for v in versions)
        print(f"{len(versions)} service versions, {n_actions} actions; work dir {work}")
        for name in STAGES:
            stage = run.stages[name]
            if name in args.skip:
                stage.skipped = "--quick" if args.quick and name == "import" else "--skip"
                continue
            stage.ran = True
            started = time.perf_counter()
            print(f"{TITLES[name]} ...", end=" ", flush=True)
            try:
                RUNNERS[name](run, stage)
            except Exception as exc:  # a bug in this script's stage: report, go on
                for v in versions:
                    stage.fail_version(v.spec, "stage crashed", describe(exc))
            stage.seconds = time.perf_counter() - started
            print(f"{stage.seconds:.1f}s" if stage.ran else f"skipped ({stage.skipped})")
        summary = summarize(run)
        print_report(run, summary, args.show)
        if args.json is not None:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
            print(f"\nwrote {args.json}")
    ok = summary["actions_passing_every_stage_pct"] >= TARGET_ALL
    if "generate" in summary["stages_run"]:
        ok = ok and summary["versions_generating_pct"] >= TARGET_GENERATE
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
