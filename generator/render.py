"""spec objects → Python source, through Jinja2 templates.

``render_all`` returns the whole generated tree as {relative path: text}; the
CLI either writes it (generate) or compares it (check). The templates emit
finished, formatter-stable code, so there is no formatting pass. Nothing here
knows about a particular service.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import jinja2

from . import pyformat
from .names import ERROR_MODULE_NAMES, error_class_name, module_name, python_package
from .schema import SpecError
from .spec import SCALARS, Member, Service, waiter_name

TEMPLATES = Path(__file__).parent / "templates"
REPO = Path(__file__).resolve().parent.parent


def _docstring(text: object) -> str:
    """Make arbitrary spec text safe inside a triple-quoted docstring."""
    s = str(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    s = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in s)
    s = re.sub(r"[ \t]+\n", "\n", s.strip())
    s = re.sub(r"\n{3,}", "\n\n", s)  # one blank line between paragraphs
    if s.startswith('"'):  # black pads a docstring that starts with a quote
        s = " " + s
    return s or "(no description)"


def _wrap_text(text: str, width: int = 72) -> str:
    """Fill each paragraph of a description to ``width`` columns (for docstrings)."""
    return "\n".join(
        textwrap.fill(p, width, break_long_words=False, break_on_hyphens=False) or p
        for p in text.split("\n")
    )


def _closing(text: str) -> str:
    """Docstring text followed directly by its closing quotes: padded when it ends
    with a quote, as black pads it."""
    return text + " " if text.endswith('"') else text


def _pyrepr(value: object) -> str:
    """A Python expression for a spec value (strings, numbers, bools, None, and
    tuples of them); ``repr`` of a str escapes everything that could end it."""
    return pyformat.one_line(value)


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
    env.globals.update(
        assignment=pyformat.assignment,
        bracketed=pyformat.bracketed,
        literal=pyformat.literal,
        import_from=pyformat.import_from,
    )
    env.filters["wrap_text"] = _wrap_text
    env.filters["docstring"] = _docstring
    env.filters["closing"] = _closing
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
    base: str
    """The runtime base class: ``ResponseModel`` for responses, else ``Model``."""
    side: str
    """Where the model is reached from (see tcapi.schema.ModelSchema.side)."""
    rows: tuple[tuple[str, str, str, str], ...]
    """The model's members as the schema table writes them."""


@attrs.frozen
class ModuleView:
    """One module of the models package: a structure, or an action's request+response."""

    name: str
    doc: str
    sources: str
    models: tuple[ModelView, ...]
    imports: tuple[tuple[str, str], ...]  # (module, class) of structures it uses
    """Only for type checkers: at run time structures are looked up by the compiled
    methods, so model modules never import each other (and cycles cannot bite)."""


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


def _examples_json(service: Service) -> str:
    """The documented examples, which only the emulator reads (its default answers)."""
    doc = {
        a.name: [
            {"title": e.title, "request": e.request, "response": e.response}
            if e.events is None
            else {"title": e.title, "request": e.request, "events": list(e.events)}
            for e in a.examples
        ]
        for a in service.actions
        if a.examples
    }
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def _flags(m: Member) -> str:
    return "".join(
        flag
        for flag, on in (
            ("r", m.required),
            ("o", m.output_required),
            ("n", m.nullable),
            ("s", m.sensitive),
            ("d", m.deprecated),
        )
        if on
    )


def _schema_row(m: Member) -> tuple[str, str, str, str]:
    typ = f"[{m.items}]" if m.is_list else m.type
    return (m.name, m.py_name, typ, _flags(m))


def _module_names(service: Service) -> tuple[dict[str, str], dict[str, str]]:
    """Module names of structures and of actions, unique and deterministic.

    A structure's module is its snake_case name; one whose name snake_cases like
    an earlier structure's (in name order) gets ``_2``, ``_3``…. An action whose
    module name a structure already took (``TakeMusicOffShelves`` the action and
    the structure) gets ``_action``."""
    taken: set[str] = set()

    def claim(base: str, suffix: str) -> str:
        name = base if base not in taken else base + suffix
        n = 2
        while name in taken:
            name = f"{base}{suffix}{n}"
            n += 1
        taken.add(name)
        return name

    structures = {
        s.name: claim(module_name(s.name), "_")
        for s in sorted(service.structures, key=lambda s: s.name)
    }
    actions = {a.name: claim(module_name(a.name), "_action") for a in service.actions}
    return structures, actions


def _modules(service: Service) -> list[ModuleView]:
    """The models package, one small module per structure and per action."""
    structures = {s.name for s in service.structures}
    usage = service.structure_usage()
    module_of, action_module = _module_names(service)
    modules: list[ModuleView] = []

    def imports(models: tuple[ModelView, ...], own: set[str]) -> tuple[tuple[str, str], ...]:
        used = {m.pytype for model in models for m in model.members if m.kind == "struct"}
        return tuple(sorted((module_of[n], n) for n in used - own))

    def side(uses: set[str]) -> str:
        return "both" if len(uses) == 2 else next(iter(uses), "")

    for s in service.structures:
        output_only = usage[s.name] == {"out"}
        model = ModelView(
            s.name,
            s.description or s.name,
            tuple(
                _member_view(m, response=False, structures=structures, output_only=output_only)
                for m in s.members
            ),
            base="Model",
            side=side(usage[s.name]),
            rows=tuple(_schema_row(m) for m in s.members),
        )
        modules.append(
            ModuleView(
                module_of[s.name],
                f"The {s.name} structure.",
                s.source.removeprefix(service.root + "/"),
                (model,),
                imports((model,), {s.name}),
            )
        )
    for a in service.actions:
        req = ModelView(
            a.name + "Request",
            f"Parameters of {a.name}.",
            tuple(_member_view(m, response=False, structures=structures) for m in a.input),
            base="Model",
            side="in",
            rows=tuple(_schema_row(m) for m in a.input),
        )
        resp = ModelView(
            a.name + "Response",
            f"What {a.name} returns.",
            tuple(_member_view(m, response=True, structures=structures) for m in a.output),
            base="ResponseModel",
            side="out",
            rows=tuple(_schema_row(m) for m in a.output),
        )
        modules.append(
            ModuleView(
                action_module[a.name],
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


def _action_row(a: Any, py: str) -> dict[str, Any]:
    """An action's entry in the schema table: only what differs from the defaults."""
    row: dict[str, Any] = {"input": a.name + "Request", "output": a.name + "Response", "py": py}
    title = " ".join(a.title.split())
    if title:
        row["title"] = title
    for key in ("idempotent", "deprecated", "unsigned"):
        if getattr(a, key):
            row[key] = True
    if a.rate_limit is not None:
        row["rate_limit"] = a.rate_limit
    if a.streams:
        row["streams"] = True
    if a.request_body != "json":
        row["body"] = a.request_body
        binary = tuple(m.name for m in a.input if m.element == "binary")
        if binary:
            row["files"] = binary
    if a.param_header_prefix:
        row["header_prefix"] = a.param_header_prefix
    if a.endpoint:
        row["host"] = a.endpoint
    if a.errors:
        row["errors"] = tuple(sorted(a.errors))
    p = a.paginate
    if p is not None:
        row["pages"] = (p.offset, p.limit, p.items, p.total, p.page_size)
    return row


def _waiter_rows(service: Service) -> dict[str, dict[str, Any]]:
    """The waiters in the schema table, by spec name, with wire-name paths."""
    return {
        w.name: {
            "action": w.action,
            "path": tuple(w.field),
            "success": tuple(w.success),
            "failure": tuple(w.failure),
            "delay": w.delay,
            "max_attempts": w.max_attempts,
        }
        for w in service.waiters
    }


def _tidy(source: str) -> str:
    """Blank lines as black leaves them: at most two in a row, one newline at the end."""
    source = re.sub(r"\n{4,}", "\n\n\n", source)
    source = re.sub(r"\n{3,}(?= )", "\n\n", source)  # inside a class: one blank line
    return source.rstrip("\n") + "\n"


def render_service(service: Service, versions: list[str], newest: bool) -> dict[str, str]:
    """All files of one service version, keyed by path relative to generated/."""
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
                "deprecated": a.deprecated,
                "params": req.members,
                "errors": [f"errors.{error_class_name(c)}: ``{c}``" for c in codes],
                "paginate": _paginator(a, resp, structures),
                "streams": a.streams,
                "octet": a.request_body == "octet-stream",
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
        "any_paginated": any(a["paginate"] for a in actions),
        "any_streams": any(a["streams"] for a in actions),
        "waiters": waiters,
        "errors": errors,
        "schema_service": {
            "service": service.service,
            "version": service.version,
            "title": service.title,
            "endpoint": service.endpoint,
            **({"endpoints": dict(service.endpoints)} if service.endpoints else {}),
            "region_required": service.region_required,
            "rate_limit": service.rate_limit,
            "errors": tuple(e.code for e in service.all_error_codes()),
            **({"waiters": _waiter_rows(service)} if service.waiters else {}),
        },
        "schema_models": {
            m.name: (m.side, m.rows) for m in sorted(by_model.values(), key=lambda m: m.name)
        },
        "schema_actions": {a.name: _action_row(a, a.py_name) for a in service.actions},
        "common": sorted({"ApiError", "COMMON_ERRORS", *common.values()}),
        "all_names": all_names,
        "example_code": example.code if example else "FailedOperation.Foo",
        "example_class": example.cls if example else "FailedOperationFoo",
        "example_parent": example.parent if example else "FailedOperation",
        "versions": versions,
        "package": python_package(service.service),
    }
    pkg = python_package(service.service)
    base = f"{pkg}/{service.package}"
    out = {
        f"{base}/__init__.py": env.get_template("version_init.py.j2").render(ctx),
        f"{base}/_schema.py": env.get_template("schema.py.j2").render(ctx),
        f"{base}/models/__init__.py": env.get_template("models_init.py.j2").render(ctx),
        f"{base}/errors.py": env.get_template("errors.py.j2").render(ctx),
        f"{base}/client.py": env.get_template("client.py.j2").render(ctx),
    }
    module_template = env.get_template("model_module.py.j2")
    for module in modules:
        out[f"{base}/models/{module.name}.py"] = module_template.render({**ctx, "module": module})
    if newest:
        out[f"{pkg}/__init__.py"] = env.get_template("service_init.py.j2").render(ctx)
    out = {path: _tidy(text) for path, text in out.items()}
    if any(a.examples for a in service.actions):
        out[f"{base}/examples.json"] = _examples_json(service)
    out[f"{base}/py.typed"] = ""
    if newest:
        out[f"{pkg}/py.typed"] = ""
    return out


def render_all(services: list[Service]) -> dict[str, str]:
    """The whole generated/ tree for every service version in the spec."""
    by_name: dict[str, list[Service]] = {}
    for s in services:
        by_name.setdefault(s.service, []).append(s)
    files: dict[str, str] = {}
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=lambda s: s.version)
        labels = [f"{s.package} ({s.version})" for s in versions]
        for s in versions:
            files.update(render_service(s, labels, newest=s is versions[-1]))
    return dict(sorted(files.items()))
