"""spec objects → Python source (through Jinja2 templates) → black.

``render_all`` returns the whole generated tree as {relative path: text}; the
CLI either writes it (generate) or compares it (check). Nothing here knows
about a particular service.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import black
import jinja2

from .names import error_class_name
from .schema import SpecError
from .spec import SCALARS, Member, Service

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
    """A Python literal for a spec value (strings, numbers, bools, None)."""
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return repr(value)


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


def _member_view(m: Member, *, response: bool, structures: set[str]) -> MemberView:
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
    in_init_required = m.required and not m.nullable and not response
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
    views: list[ErrorView] = []
    for code in sorted(wanted, key=lambda c: (c.count("."), c)):
        cls = error_class_name(code)
        if cls in taken:
            raise SpecError(
                f"spec/{service.root}/service.yaml",
                None,
                f"error codes {taken[cls]!r} and {code!r} both become class {cls!r}",
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


def render_service(service: Service, versions: list[str], newest: bool) -> dict[str, str]:
    """All files of one service version, keyed by path relative to generated/."""
    env = _environment()
    common = {code: cls.__name__ for code, cls in _runtime_errors().COMMON_ERRORS.items()}
    structures = {s.name for s in service.structures}
    models: list[ModelView] = []
    for s in service.structures:
        models.append(
            ModelView(
                s.name,
                s.description or s.name,
                tuple(_member_view(m, response=False, structures=structures) for m in s.members),
            )
        )
    actions = []
    for a in service.actions:
        req = ModelView(
            a.name + "Request",
            f"Parameters of {a.name}.",
            tuple(_member_view(m, response=False, structures=structures) for m in a.input),
        )
        resp = ModelView(
            a.name + "Response",
            f"What {a.name} returns.",
            tuple(_member_view(m, response=True, structures=structures) for m in a.output),
        )
        models += [req, resp]
        codes = sorted(a.errors)
        actions.append(
            {
                "name": a.name,
                "py": a.py_name,
                "const": re.sub(r"\W", "_", a.py_name.upper()),
                "doc": a.description or a.name,
                "idempotent": a.idempotent,
                "deprecated": a.deprecated,
                "rate_limit": a.rate_limit,
                "params": req.members,
                "errors": [f"errors.{error_class_name(c)}: ``{c}``" for c in codes],
            }
        )
    models.sort(key=lambda m: m.name)
    errors = _error_views(service, common)
    all_names = sorted(
        {"ApiError", "COMMON_ERRORS", "ERRORS", *common.values(), *(e.cls for e in errors)}
    )
    example = errors[-1] if errors else None
    ctx: dict[str, Any] = {
        "service": service,
        "client_name": service.client_name,
        "models": models,
        "actions": actions,
        "any_deprecated": any(a["deprecated"] for a in actions),
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
        f"{base}/models.py": env.get_template("models.py.j2").render(ctx),
        f"{base}/errors.py": env.get_template("errors.py.j2").render(ctx),
        f"{base}/client.py": env.get_template("client.py.j2").render(ctx),
    }
    if newest:
        out[f"{service.service}/__init__.py"] = env.get_template("service_init.py.j2").render(ctx)
    out = {path: _format(path, text) for path, text in out.items()}
    out[f"{base}/service.json"] = _service_json(service)
    out[f"{base}/py.typed"] = ""
    if newest:
        out[f"{service.service}/py.typed"] = ""
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
