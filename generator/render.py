"""spec objects → Python source (through Jinja2 templates) → black.

``render_all`` returns the whole generated tree as {relative path: text}; the
CLI either writes it (generate) or compares it (check). Nothing here knows
about a particular service.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import importlib.util
import json
import math
import os
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import black
import jinja2

from .cli_io import write_atomic
from .names import ERROR_MODULE_NAMES, error_class_name, module_name
from .schema import SpecError
from .spec import SCALARS, Member, Service, waiter_name

TEMPLATES = Path(__file__).parent / "templates"
REPO = Path(__file__).resolve().parent.parent
BLACK_MODE = black.mode.Mode(line_length=100, target_versions={black.mode.TargetVersion.PY311})


def _docstring(text: object) -> str:
    """Make arbitrary spec text safe inside a triple-quoted docstring."""
    s = str(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    s = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in s)
    s = s.strip()
    if s.endswith('"'):
        s += " "
    return s or "(no description)"


def _wrap_text(text: str, width: int = 72) -> str:
    """Fill each paragraph of a description to ``width`` columns (for docstrings)."""
    return "\n".join(
        textwrap.fill(p, width, break_long_words=False, break_on_hyphens=False) or p
        for p in text.split("\n")
    )


def _pyrepr(value: object) -> str:
    """A Python expression for a spec value (strings, numbers, bools, None, and
    tuples of them); ``repr`` of a str escapes everything that could end it."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, tuple):
        inner = ", ".join(_pyrepr(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if value is None or isinstance(value, str | int | float):
        return repr(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - we emit Python, not HTML; values go through pyrepr/docstring
    )
    env.filters["pyrepr"] = _pyrepr
    env.filters["wrap_text"] = _wrap_text
    env.filters["docstring"] = _docstring
    return env


def _runtime_errors() -> ModuleType:
    """The runtime's errors module, loaded from its file (no install needed)."""
    path = REPO / "runtime" / "errors.py"
    spec = importlib.util.spec_from_file_location("_tcapi_runtime_errors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def runtime_common_errors() -> dict[str, str]:
    """The common API 3.0 codes the runtime defines: code → class name."""
    return dict(_common_errors())


@functools.cache
def _common_errors() -> tuple[tuple[str, str], ...]:
    return tuple((code, cls.__name__) for code, cls in _runtime_errors().COMMON_ERRORS.items())


# --------------------------------------------------------------------------- views


@attrs.frozen
class MemberView:
    py: str
    wire: str
    ann: str
    ann_qualified: str  # the annotation as the client module writes it (models.X)
    kind: str  # str | int64 | uint64 | float | bool | struct
    pytype: str
    is_list: bool
    required: bool
    in_init_required: bool
    sensitive: bool
    doc: str

    @property
    def wire_fstring(self) -> str:
        return self.wire  # wire names match [A-Za-z][A-Za-z0-9_]*: safe in an f-string


def _member_view(
    m: Member, *, response: bool, structures: set[str], output_only: bool = False
) -> MemberView:
    """How one member looks in Python.

    Request members (and members of structures that requests use) are required
    keyword arguments when the spec says ``required``. Response members (and
    members of structures only responses use) are typed non-optional when the
    spec guarantees them (``output_required`` and not ``nullable``); parsing
    stays lenient either way.
    """
    elem = m.element
    if elem in structures:
        kind, pytype = "struct", elem
    else:
        pytype = SCALARS[elem]
        kind = {"str": "str", "float": "float", "bool": "bool"}.get(pytype, elem)
        if pytype == "int":
            kind = elem if elem in ("int64", "uint64") else "int64"
    qualified = f"models.{pytype}" if kind == "struct" else pytype
    ann = f"list[{pytype}]" if m.is_list else pytype
    ann_qualified = f"list[{qualified}]" if m.is_list else qualified
    guaranteed = m.output_required if (response or output_only) else m.required
    in_init_required = guaranteed and not m.nullable
    if not in_init_required:
        ann += " | None"
        ann_qualified += " | None"
    doc = m.description
    if m.nullable:
        doc += " (may be null)"
    if m.deprecated:
        doc += " Deprecated."
    return MemberView(
        py=m.py_name,
        wire=m.name,
        ann=ann,
        ann_qualified=ann_qualified,
        kind=kind,
        pytype=pytype,
        is_list=m.is_list,
        required=m.required and not response,
        in_init_required=in_init_required,
        sensitive=m.sensitive,
        doc=doc or "(no description)",
    )


@attrs.frozen
class ModelView:
    name: str
    doc: str
    members: tuple[MemberView, ...]
    strict: bool
    """from_dict checks member types (responses, and structures responses use);
    request models leave that to validate(), which runs before sending."""


@attrs.frozen
class ModuleView:
    """One module of the models package: a structure, or an action's request+response."""

    name: str
    doc: str
    sources: str
    models: tuple[ModelView, ...]
    imports: tuple[tuple[str, str], ...]  # (module, class) of structures it uses
    late_imports: tuple[tuple[str, str], ...] = ()
    """Structures that (indirectly) use this one back: imported at the end of the
    module, once its own class exists, so that mutually recursive structures load."""


@attrs.frozen
class ErrorView:
    code: str
    cls: str
    parent: str
    doc: str


def _error_views(service: Service, common: dict[str, str]) -> list[ErrorView]:
    """One class per service code, parents first; missing ancestors are synthesized."""
    wanted = {e.code: e.description for e in service.all_error_codes() if e.code not in common}
    for code in list(wanted):
        parts = code.split(".")
        for i in range(1, len(parts)):
            ancestor = ".".join(parts[:i])
            if ancestor not in common and ancestor not in wanted:
                wanted[ancestor] = ""
    classes: dict[str, str] = dict(common)
    taken: dict[str, str] = {cls: code for code, cls in common.items()}
    taken.update({name: f"the module's own {name}" for name in ERROR_MODULE_NAMES})
    declared_by = {c: c for c in service.error_lines}
    for code in service.error_lines:  # a synthesized ancestor is blamed on its first child
        for i in range(code.count(".")):
            declared_by.setdefault(code.rsplit(".", i + 1)[0], code)
    views: list[ErrorView] = []
    for code in sorted(wanted, key=lambda c: (c.count("."), c)):
        cls = error_class_name(code)
        if cls in taken:
            path, line = service.error_lines.get(
                declared_by.get(code, code), (f"spec/{service.root}/service.yaml", None)
            )
            raise SpecError(
                path, line, f"error codes {taken[cls]!r} and {code!r} both become class {cls!r}"
            )
        taken[cls] = code
        parent_code = code.rpartition(".")[0]
        parent = classes.get(parent_code, "ApiError") if parent_code else "ApiError"
        classes[code] = cls
        views.append(ErrorView(code=code, cls=cls, parent=parent, doc=wanted[code]))
    return sorted(views, key=lambda v: (v.code.count("."), v.code))


def _service_json(service: Service) -> str:
    """The machine-readable description the emulator serves from."""

    def member(m: Member) -> dict[str, Any]:
        out: dict[str, Any] = {"name": m.name, "type": m.type}
        if m.items is not None:
            out["items"] = m.items
        out.update(required=m.required, nullable=m.nullable, sensitive=m.sensitive)
        return out

    doc = {
        "_generated": "Code generated by the tcapi generator from spec/"
        + service.root
        + "/. DO NOT EDIT.",
        "service": service.service,
        "version": service.version,
        "endpoint": service.endpoint,
        "region_required": service.region_required,
        "rate_limit": service.rate_limit,
        "errors": [e.code for e in service.all_error_codes()],
        "structures": {
            s.name: {"members": [member(m) for m in s.members]} for s in service.structures
        },
        "actions": {
            a.name: {
                "rate_limit": a.rate_limit,
                "idempotent": a.idempotent,
                "deprecated": a.deprecated,
                "unsigned": a.unsigned,
                "input": [member(m) for m in a.input],
                "output": [member(m) for m in a.output],
                "errors": list(a.errors),
                "examples": [
                    {"title": e.title, "request": e.request, "response": e.response}
                    for e in a.examples
                ],
            }
            for a in service.actions
        },
    }
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def _format(path: str, source: str) -> str:
    try:
        return black.format_str(source, mode=BLACK_MODE)
    except Exception as exc:  # black raises many kinds; all mean the template is broken
        numbered = "\n".join(
            f"{i + 1:5d} {line}" for i, line in enumerate(source.splitlines()[:4000])
        )
        raise RuntimeError(
            f"generated {path} is not valid Python ({exc}); source:\n{numbered}"
        ) from exc


CACHE_ENV = "TCAPI_GENERATOR_CACHE"


def cache_dir() -> Path | None:
    """Where formatted sources are cached: ``$TCAPI_GENERATOR_CACHE`` (``off`` to
    disable), else build/generator-cache/.

    Entries are keyed by a hash of (black version, mode, unformatted source):
    black is by far the slowest step and its output is a pure function of its
    input, so an unchanged file is never formatted twice.
    """
    value = os.environ.get(CACHE_ENV)
    if value is None:
        return REPO / "build" / "generator-cache"
    return None if value.strip().lower() in ("", "off", "0", "no") else Path(value)


def _cache_key(source: str) -> str:
    version = getattr(black, "__version__", "")
    h = hashlib.sha256(f"{version}\0{BLACK_MODE!r}\0".encode())
    h.update(source.encode("utf-8"))
    return h.hexdigest()


def _format_job(job: tuple[str, str]) -> str:
    return _format(*job)


def format_all(files: dict[str, str]) -> dict[str, str]:
    """black over every file; cached, and spread over the CPUs when there is work."""
    cache = cache_dir()
    out: dict[str, str] = {}
    todo: list[tuple[str, str, str]] = []
    for path, source in files.items():
        key = _cache_key(source)
        hit = cache / key[:2] / key if cache is not None else None
        if hit is not None and hit.is_file():
            out[path] = hit.read_text(encoding="utf-8")
        else:
            todo.append((path, source, key))
    if len(todo) > 8 and (os.cpu_count() or 1) > 1:
        with concurrent.futures.ProcessPoolExecutor() as pool:
            done = list(pool.map(_format_job, [(p, s) for p, s, _ in todo], chunksize=4))
    else:
        done = [_format(p, s) for p, s, _ in todo]
    for (path, _, key), text in zip(todo, done, strict=True):
        out[path] = text
        if cache is not None:
            write_atomic(cache / key[:2] / key, text)
    return out


def _module_name(name: str) -> str:
    return module_name(name)


def _modules(service: Service) -> list[ModuleView]:
    """The models package, one small module per structure and per action."""
    structures = {s.name for s in service.structures}
    usage = service.structure_usage()
    module_of = {s.name: _module_name(s.name) for s in service.structures}
    modules: list[ModuleView] = []

    def imports(models: tuple[ModelView, ...], own: set[str]) -> tuple[tuple[str, str], ...]:
        used = {m.pytype for model in models for m in model.members if m.kind == "struct"}
        return tuple(sorted((module_of[n], n) for n in used - own))

    uses = {
        s.name: {m.element for m in s.members if m.element in structures}
        for s in service.structures
    }

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name == goal:
                return True
            if name not in seen:
                seen.add(name)
                todo.extend(uses[name])
        return False

    for s in service.structures:
        output_only = usage[s.name] == {"out"}
        model = ModelView(
            s.name,
            s.description or s.name,
            tuple(
                _member_view(m, response=False, structures=structures, output_only=output_only)
                for m in s.members
            ),
            strict="out" in usage[s.name] or not usage[s.name],
        )
        used = imports((model,), {s.name})
        cyclic = tuple(i for i in used if reaches(i[1], s.name))
        modules.append(
            ModuleView(
                module_of[s.name],
                f"The {s.name} structure.",
                s.source.removeprefix(service.root + "/"),
                (model,),
                tuple(i for i in used if i not in cyclic),
                cyclic,
            )
        )
    taken = {m.name: f"structure {m.models[0].name}" for m in modules}
    for a in service.actions:
        req = ModelView(
            a.name + "Request",
            f"Parameters of {a.name}.",
            tuple(_member_view(m, response=False, structures=structures) for m in a.input),
            strict=False,
        )
        resp = ModelView(
            a.name + "Response",
            f"What {a.name} returns.",
            tuple(_member_view(m, response=True, structures=structures) for m in a.output),
            strict=True,
        )
        name = _module_name(a.name)
        if name in taken:
            raise SpecError(
                f"spec/{a.source}",
                None,
                f"action {a.name} and {taken[name]} would share the models module {name!r}",
            )
        taken[name] = f"action {a.name}"
        modules.append(
            ModuleView(
                name,
                f"Request and response models of {a.name}.",
                a.source.removeprefix(service.root + "/"),
                (req, resp),
                imports((req, resp), set()),
            )
        )
    return sorted(modules, key=lambda m: m.name)


@attrs.frozen
class PaginatorView:
    """Python names of an action's paging members (attributes, not dict keys:
    Jinja would resolve ``.items`` of a dict to the dict method)."""

    offset: str
    limit: str
    items: str
    item_type: str
    total: str | None
    page_size: int | None


def _paginator(a: Any, resp: ModelView, structures: set[str]) -> PaginatorView | None:
    p = a.paginate
    if p is None:
        return None
    items = next(m for m in resp.members if m.wire == p.items)
    total = next((m for m in resp.members if m.wire == p.total), None) if p.total else None
    params = {m.name: m for m in a.input}
    return PaginatorView(
        offset=_member_view(params[p.offset], response=False, structures=structures).py,
        limit=_member_view(params[p.limit], response=False, structures=structures).py,
        items=items.py,
        item_type=f"models.{items.pytype}" if items.kind == "struct" else items.pytype,
        total=total.py if total is not None else None,
        page_size=p.page_size,
    )


def _waiter_views(service: Service, actions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """What the client template needs of each waiter: Python names throughout."""
    structs = {s.name: s for s in service.structures}
    views = []
    for w in service.waiters:
        action = next(a for a in service.actions if a.name == w.action)
        members = action.output
        path: list[str] = []
        for part in w.field:
            member = next(m for m in members if m.name == part)
            path.append(member.py_name)
            if member.element in structs:
                members = structs[member.element].members
        py = waiter_name(w.name)  # spec.py checked it clashes with nothing
        views.append(
            {
                "py": py,
                "const": py.upper(),
                "action": actions[w.action],
                "field": ".".join(w.field),
                "path": tuple(path),
                "success": tuple(w.success),
                "failure": tuple(w.failure),
                "success_text": " or ".join(repr(v) for v in w.success),
                "failure_text": (
                    " or ".join(repr(v) for v in w.failure) if w.failure else "no failure state"
                ),
                "delay": w.delay,
                "max_attempts": w.max_attempts,
                "doc": w.description,
            }
        )
    return views


def render_service(
    service: Service, versions: list[str], newest: bool, *, formatted: bool = True
) -> dict[str, str]:
    """All files of one service version, keyed by path relative to generated/.

    ``formatted=False`` skips black (the slow step): valid Python all the same,
    for tests that generate many throwaway specs; never for generated/."""
    env = _environment()
    common = runtime_common_errors()
    structures = {s.name for s in service.structures}
    modules = _modules(service)
    by_model = {model.name: model for module in modules for model in module.models}
    actions: list[dict[str, Any]] = []
    for a in service.actions:
        req, resp = by_model[a.name + "Request"], by_model[a.name + "Response"]
        codes = sorted(a.errors)
        actions.append(
            {
                "name": a.name,
                "py": a.py_name,
                "const": re.sub(r"\W", "_", a.py_name.upper()),
                "doc": a.description or a.name,
                "idempotent": a.idempotent,
                "deprecated": a.deprecated,
                "unsigned": a.unsigned,
                "rate_limit": a.rate_limit,
                "params": req.members,
                "errors": [f"errors.{error_class_name(c)}: ``{c}``" for c in codes],
                "paginate": _paginator(a, resp, structures),
            }
        )
    waiters = _waiter_views(service, {a["name"]: a for a in actions})
    errors = _error_views(service, common)
    all_names = sorted(
        {"ApiError", "COMMON_ERRORS", "ERRORS", *common.values(), *(e.cls for e in errors)}
    )
    example = errors[-1] if errors else None
    lazy = sorted((model.name, module.name) for module in modules for model in module.models)
    ctx: dict[str, Any] = {
        "service": service,
        "client_name": service.client_name,
        "lazy": lazy,
        "actions": actions,
        "any_deprecated": any(a["deprecated"] for a in actions),
        "any_paginated": any(a["paginate"] for a in actions),
        "waiters": waiters,
        "errors": errors,
        "common": sorted({"ApiError", "COMMON_ERRORS", *common.values()}),
        "all_names": all_names,
        "example_code": example.code if example else "FailedOperation.Foo",
        "example_class": example.cls if example else "FailedOperationFoo",
        "example_parent": example.parent if example else "FailedOperation",
        "versions": versions,
    }
    base = f"{service.service}/{service.package}"
    out = {
        f"{base}/__init__.py": env.get_template("version_init.py.j2").render(ctx),
        f"{base}/models/__init__.py": env.get_template("models_init.py.j2").render(ctx),
        f"{base}/errors.py": env.get_template("errors.py.j2").render(ctx),
        f"{base}/client.py": env.get_template("client.py.j2").render(ctx),
    }
    module_template = env.get_template("model_module.py.j2")
    for module in modules:
        out[f"{base}/models/{module.name}.py"] = module_template.render({**ctx, "module": module})
    if newest:
        out[f"{service.service}/__init__.py"] = env.get_template("service_init.py.j2").render(ctx)
    if formatted:
        out = format_all(out)
    out[f"{base}/service.json"] = _service_json(service)
    out[f"{base}/py.typed"] = ""
    if newest:
        out[f"{service.service}/py.typed"] = ""
    return out


def render_all(services: list[Service], *, formatted: bool = True) -> dict[str, str]:
    """The whole generated/ tree for every service version in the spec."""
    by_name: dict[str, list[Service]] = {}
    for s in services:
        by_name.setdefault(s.service, []).append(s)
    files: dict[str, str] = {}
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=lambda s: s.version)
        labels = [f"{s.package} ({s.version})" for s in versions]
        for s in versions:
            files.update(render_service(s, labels, newest=s is versions[-1], formatted=formatted))
    return dict(sorted(files.items()))
