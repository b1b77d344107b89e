"""Hostile spec files: whatever a spec says, the generator either stops with a
spec error naming the file and line, or writes code that compiles, imports and
behaves — descriptions stay inert text, every member keeps its own Python name
and round-trips through its wire name.

A hypothesis fuzz writes hundreds of tiny services full of keyword, builtin and
colliding names, odd error codes and hostile descriptions, generates each into a
temporary folder (a few example tests below also check the output is exactly as
black would format it) and imports it in-process. Its oracle predicts from the documented
naming rules (generator/names.py, spec/README.md) whether the spec must be
rejected, and checks the generated package against the spec when it is not.
"""

from __future__ import annotations

import builtins
import importlib
import itertools
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import black
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.names import (
    ERROR_MODULE_NAMES,
    KEYWORDS,
    MODEL_MODULE_NAMES,
    RESERVED,
    error_class_name,
    method_name,
    module_name,
    safe_attr_name,
    snake_case,
)
from generator.render import render_all
from generator.schema import SpecError
from generator.spec import load_service
from tcapi import InvalidParameterError, ResponseError
from tcapi.errors import COMMON_ERRORS, ApiError

PACKAGE = "fz"  # the generated service's package, imported from a temporary folder
VERSION = "2020-01-01"
CANARY = "TCAPI_SPEC_INJECTION"
"""Set on ``builtins`` by every injection payload below: it must never appear."""

PAYLOADS = [
    f'"""; import builtins; builtins.{CANARY} = 1 #',
    f'"""\nimport builtins\nbuiltins.{CANARY} = 2\n"""',
    f"'''; import builtins; builtins.{CANARY} = 3 #",
    f'\\"""; import builtins; builtins.{CANARY} = 4 #',
    f'"\\"""; __import__("builtins").{CANARY} = 5 #',
    f'{{{{ 7*7 }}}} {{% if 1 %}}{{% endif %}} {{# x #}} {{{{ "builtins.{CANARY}" }}}}',
]
HOSTILE_TEXT = [
    '"',
    '""',
    '"""',
    "'''",
    "\\",
    "ends with a backslash \\",
    "\\n \\t \\x00 \\u0041 \\N{BULLET}",
    "{{ 7*7 }}",
    "{% raw %}",
    "{#",
    "#}",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\u2028",
    "\u202e RTL \u05e9\u05dc\u05d5\u05dd",
    "\u4e2d\u6587\u63cf\u8ff0",
    "\U0001f600\U0001f4a5",
    "%s %(x)s {0} {x!r}",
    "\t",
    "\f\v",
    "`code` *bold*",
    "x" * 3000,
    *PAYLOADS,
]


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --------------------------------------------------------------------------- writing and generating


def write_spec(
    root: Path,
    *,
    service: dict[str, Any] | None = None,
    actions: list[dict[str, Any]] | tuple[()] = (),
    structures: list[dict[str, Any]] | tuple[()] = (),
    overrides: dict[str, Any] | None = None,
) -> Path:
    """A service folder under ``root/spec`` (replacing any), from plain data."""
    svc = {
        "service": PACKAGE,
        "version": VERSION,
        "client_name": "Fz",
        "endpoint": "fz.example.com",
    }
    svc.update(service or {})
    spec = root / "spec"
    if spec.exists():
        shutil.rmtree(spec)
    folder = spec / svc["service"] / svc["version"]
    (folder / "actions").mkdir(parents=True)
    (folder / "structures").mkdir()
    dump(folder / "service.yaml", svc)
    for a in actions:
        dump(folder / "actions" / f"{a['action']}.yaml", a)
    for s in structures:
        dump(folder / "structures" / f"{s['structure']}.yaml", s)
    if overrides is not None:
        dump(folder / "overrides.yaml", overrides)
    return folder


class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML without anchors: a spec may not use aliases (spec/README.md)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


DUMPER = Dumper


def dump(path: Path, data: Any) -> None:
    text = yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


BLACK_MODE = black.Mode(line_length=100, target_versions={black.mode.TargetVersion.PY311})


def purge(package: str) -> None:
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]


def generate(
    root: Path, folder: Path, *, formatted: bool = False, package: str = PACKAGE
) -> ModuleType:
    """Load, render, write to ``root/gen`` and import; ``formatted`` also checks that
    every module is exactly as black would format it (the generator runs no formatter)."""
    files = render_all([load_service(folder, root / "spec")])
    if formatted:
        for rel, text in files.items():
            if rel.endswith(".py"):
                assert black.format_str(text, mode=BLACK_MODE) == text, rel
    out = root / "gen"
    if out.exists():
        shutil.rmtree(out)
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for rel, text in files.items():
        if rel.endswith(".py"):
            compile(text, rel, "exec")
    purge(package)
    importlib.invalidate_caches()
    sys.path.insert(0, str(out))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(out))


@pytest.fixture(autouse=True)
def _clean_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    yield
    purge(PACKAGE)
    assert not hasattr(builtins, CANARY), "a spec description ran as code"


def spec_error(root: Path, folder: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        render_all([load_service(folder, root / "spec")])
    assert_names_a_line(info.value)
    return info.value


def assert_names_a_line(err: SpecError) -> None:
    """The error names an existing file and a line inside it, in its message too."""
    path = Path(err.path)
    assert path.is_file(), err
    assert err.line is not None, err
    assert 1 <= err.line <= max(1, len(path.read_bytes().splitlines())), err
    assert str(err).startswith(f"{err.path}:{err.line}"), err


def inert(text: str) -> str:
    """What a description looks like in a docstring at run time, whitespace aside."""
    shown = "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)
    return " ".join(shown.split())


def doc_of(obj: object) -> str:
    return " ".join((obj.__doc__ or "").split())


# --------------------------------------------------------------------------- the oracle

SCALAR_VALUES: dict[str, Any] = {
    "string": "s\u4e2d\U0001f600\"'\\",
    "int64": -(2**63),
    "uint64": 2**64 - 1,
    "float": 2.5,
    "boolean": True,
    "date": "2020-01-01",
    "binary": "aGk=",
}


def member_pys(members: list[dict[str, Any]]) -> list[str]:
    """The Python names of a model's members, as spec/README.md documents them:
    an explicit python_name, else the snake_case name; of wire names that snake_case
    alike, the greatest keeps it and the others get _2, _3... in descending order."""
    defaults = [str(m["name"]) for m in members if not m.get("python_name")]
    groups: dict[str, list[str]] = {}
    for wire in defaults:
        groups.setdefault(safe_attr_name(snake_case(wire)), []).append(wire)
    taken, chosen = set(groups), {}
    for base, wires in groups.items():
        for rank, wire in enumerate(sorted(wires, reverse=True)):
            n, name = rank + 1, base
            while rank and (name == base or name in taken):
                name = f"{base}_{n}"
                n += 1
            taken.add(name)
            chosen[wire] = name
    return [str(m.get("python_name") or chosen[m["name"]]) for m in members]


def member_py(m: dict[str, Any], siblings: list[dict[str, Any]]) -> str:
    return member_pys(siblings)[siblings.index(m)]


def wire_value(m: dict[str, Any], structs: dict[str, Any], depth: int) -> tuple[Any, bool]:
    """A valid wire value for a member (and whether it is complete enough to validate)."""
    element = m["items"] if m["type"] == "list" else m["type"]
    if element in structs:
        value, complete = wire_object(structs[element]["members"], structs, depth + 1)
    else:
        value, complete = SCALAR_VALUES[element], True
    return ([value] if m["type"] == "list" else value), complete


def wire_object(
    members: list[dict[str, Any]], structs: dict[str, Any], depth: int
) -> tuple[dict[str, Any], bool]:
    if depth > 2:  # recursive structures: stop, which leaves required members unset
        return {}, not any(m.get("required") for m in members)
    out: dict[str, Any] = {}
    complete = True
    for m in members:
        out[m["name"]], ok = wire_value(m, structs, depth)
        complete = complete and ok
    return out, complete


def predicted_error(
    actions: list[dict[str, Any]], structures: list[dict[str, Any]], codes: list[str]
) -> str | None:
    """Why the generator must reject this spec (None: it must accept it)."""
    models = [(s["structure"], s["members"], False) for s in structures]
    for a in actions:
        models += [(a["action"] + " input", a.get("input", []), False)]
        models += [(a["action"] + " output", a.get("output", []), True)]
    for owner, members, is_output in models:
        wires = [m["name"] for m in members]
        if len(set(wires)) != len(wires):
            return f"{owner}: a wire name twice"
        for m in members:
            if m.get("python_name") in KEYWORDS | RESERVED:
                return f"{owner}: python_name {m['python_name']!r}"
        pys = member_pys(members)
        if len(set(pys)) != len(pys):
            return f"{owner}: two members become one Python name"
        if is_output and "RequestId" not in wires and "request_id" in pys:
            return f"{owner}: collides with the implicit RequestId"
    struct_names = {s["structure"] for s in structures}
    for s in structures:
        if s["structure"] in KEYWORDS | MODEL_MODULE_NAMES:
            return f"structure {s['structure']} is reserved"
    methods = [method_name(a["action"]) for a in actions]
    if len(set(methods)) != len(methods):
        return "two actions of one method"
    for a in actions:
        if {a["action"] + "Request", a["action"] + "Response"} & struct_names:
            return "a structure named like a request/response model"
    common = {code: cls.__name__ for code, cls in COMMON_ERRORS.items()}
    wanted = {c for c in codes if c not in common}
    for code in list(wanted):
        parts = code.split(".")
        wanted |= {".".join(parts[:i]) for i in range(1, len(parts))} - set(common)
    taken = set(common.values()) | ERROR_MODULE_NAMES
    for code in sorted(wanted, key=lambda c: (c.count("."), c)):
        cls = error_class_name(code)
        if cls in taken:
            return f"error code {code!r} becomes a taken class {cls}"
        taken.add(cls)
    return None


def check_package(
    pkg: ModuleType,
    service: dict[str, Any],
    actions: list[dict[str, Any]],
    structures: list[dict[str, Any]],
    codes: list[str],
) -> None:
    """The generated package, held to the spec it came from."""
    models, errors = pkg.models, pkg.errors
    structs = {s["structure"]: s for s in structures}
    assert inert(service.get("title", PACKAGE)) in doc_of(pkg.FzClient)
    described = [(s["structure"], s["members"], s.get("description")) for s in structures]
    for a in actions:
        described.append((a["action"] + "Request", a.get("input", []), None))
        described.append((a["action"] + "Response", a.get("output", []), None))
    for name, members, description in described:
        cls = getattr(models, name)
        expected = member_pys(members)
        if name.endswith("Response") and "RequestId" not in [m["name"] for m in members]:
            expected.append("request_id")
        fields = [f.name for f in attrs.fields(cls) if not f.name.startswith("_tcapi")]
        assert fields == ["unknown_fields", *expected], name  # unknown_fields: the base's
        doc = doc_of(cls)
        if description and inert(description):
            assert inert(description) in doc, name
        for m in members:
            if m.get("description") and inert(m["description"]):
                assert inert(m["description"]) in doc, (name, m["name"])
        wire, complete = wire_object(members, structs, 0)
        wire["zz-unknown"] = [1, {"a": None}]
        obj = cls.from_dict(json.loads(json.dumps(wire)))
        assert obj.to_dict() == wire, name
        again = cls(**{f.name: getattr(obj, f.name) for f in attrs.fields(cls) if f.init})
        assert again == obj and again.to_dict() == wire, name
        if complete:
            obj.validate()
        for m in members:
            if m.get("sensitive") and getattr(obj, member_py(m, members)) is not None:
                assert f"{member_py(m, members)}='***'" in repr(obj), (name, m["name"])
    client = pkg.FzClient(credential=object(), region="ap-guangzhou")
    sent: list[Any] = []
    client._invoke = lambda op, request, *rest: sent.append((op, request))
    for a in actions:
        wire, _ = wire_object(a.get("input", []), structs, 0)
        request = getattr(models, a["action"] + "Request").from_dict(wire)
        kwargs = {f.name: getattr(request, f.name) for f in attrs.fields(type(request)) if f.init}
        del kwargs["unknown_fields"]
        getattr(client, method_name(a["action"]))(**kwargs)
        op, built = sent.pop()
        assert op.action == a["action"] and built.to_dict() == wire
    client.close()
    for code in codes:
        cls = errors.ERRORS[code]
        assert issubclass(cls, ApiError) and cls.default_code() == code
        parent = code.rpartition(".")[0]
        if parent:
            assert issubclass(cls, errors.ERRORS[parent])
    # No error class took one of the module's own names.
    assert errors.ApiError is ApiError and errors.COMMON_ERRORS is COMMON_ERRORS
    assert all(errors.ERRORS[code] is cls for code, cls in COMMON_ERRORS.items())


# --------------------------------------------------------------------------- the fuzz

IDENT_RE = r"[A-Za-z][A-Za-z0-9_]{0,10}"
PY_RE = r"[a-z][a-z0-9_]{2,10}"
MEMBER_NAMES = [
    *("Class", "class", "Def", "From", "import", "Lambda", "None", "True", "False", "Async"),
    *("await", "Match", "case", "Type", "type", "Id", "List", "Dict", "Str", "Int", "Float"),
    *("Bool", "Object", "Property", "Self", "Cls", "Request", "Params", "ToDict", "to_dict"),
    *("FromDict", "Validate", "UnknownFields", "RequestId", "Request_Id", "DeviceID"),
    *("DeviceId", "URLPath", "UrlPath", "A_B", "AB", "Attrs", "Redacted", "Classmethod"),
    *("Path", "V", "V1", "D", "X", "Exc", "K", "I", "Item", "Data", "Missing", "WrongType"),
    *("WireStr", "Mapping", "Any", "Annotations", "Isinstance", "Super", "Print", "X_", "a"),
]  # fmt: skip
STRUCT_NAMES = [
    *("Tag", "Node", "Leaf", "Any", "Mapping", "WireTypeError", "TYPE_CHECKING", "Importlib"),
    *("Annotations", "Str", "Class", "None", "True", "Foo_Bar", "FooBar", "Models", "Errors"),
    *("Client", "Operation", "Attrs", "ApiError", "Self"),
]  # fmt: skip
ACTION_NAMES = [
    *("DescribeFoo", "Describe_Foo", "DescribeFOO", "Class", "Close", "Aclose", "Retry"),
    *("Region", "Endpoint", "Validate", "ToDict", "None", "Import", "Tag", "Foo", "Node"),
    *("Request", "Response", "Models", "Errors", "Client", "Importlib", "Paginate", "Any"),
]  # fmt: skip
ERROR_CODES = [
    *("FailedOperation.Foo", "Foo.Bar_baz", "Foo.BarBaz", "Api.Error", "ApiError", "Mapping"),
    *("ERRORS", "None", "True.X", "InternalError", "Internal.Error", "X.1"),
    *("X._", "X.__a", "Foo.Bar.Baz", "a.b", "A", "AuthFailure.New", "Lambda.Class"),
]  # fmt: skip
SCALARS = ["string", "int64", "uint64", "float", "boolean", "date", "binary"]

names_of = st.sampled_from  # a readable alias below


def one_in(n: int) -> st.SearchStrategy[bool]:
    """True about once in ``n`` draws (hypothesis favours 0 and the bounds themselves)."""
    return st.integers(0, n - 1).map(lambda v: v == n // 2)


def pick(pool: list[str], regex: str) -> st.SearchStrategy[str]:
    """A hostile name from the pool one time in three, else a random one."""
    random_name = st.from_regex(regex, fullmatch=True)
    return st.one_of(names_of(pool), random_name, random_name)


DESCRIPTION = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(HOSTILE_TEXT), min_size=1, max_size=4).map(" ".join),
    st.tuples(st.text(max_size=10), st.sampled_from(PAYLOADS)).map("".join),
)


@st.composite
def members(draw: st.DrawFn, struct_names: list[str]) -> list[dict[str, Any]]:
    out = []
    names: set[str] = set()
    for _ in range(draw(st.integers(0, 6))):
        name = draw(pick(MEMBER_NAMES, IDENT_RE))
        if name in names and not draw(one_in(8)):
            continue  # the same wire name twice, but only now and then
        names.add(name)
        element = draw(names_of(SCALARS + struct_names))
        m: dict[str, Any] = {"name": name}
        if draw(one_in(4)):
            m.update(type="list", items=element)
        else:
            m["type"] = element
        for flag in ("required", "output_required", "nullable", "sensitive", "deprecated"):
            if draw(one_in(4)):
                m[flag] = True
        if draw(st.booleans()):
            m["description"] = draw(DESCRIPTION)
        if draw(one_in(30)):
            m["python_name"] = draw(pick(["from", "validate", "class", "to_dict"], PY_RE))
        out.append(m)
    return out


@st.composite
def tiny_services(
    draw: st.DrawFn,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    struct_names = draw(
        st.lists(pick(STRUCT_NAMES, r"[A-Z][A-Za-z0-9_]{0,8}"), max_size=3, unique=True)
    )
    structures = []
    for name in struct_names:
        s: dict[str, Any] = {"structure": name, "members": draw(members(struct_names))}
        if draw(st.booleans()):
            s["description"] = draw(DESCRIPTION)
        structures.append(s)
    action_names = draw(st.lists(pick(ACTION_NAMES, IDENT_RE), min_size=1, max_size=3, unique=True))
    actions = []
    for name in action_names:
        a: dict[str, Any] = {"action": name}
        a["input"] = draw(members(struct_names))
        a["output"] = draw(members(struct_names))
        if draw(st.booleans()):
            a["description"] = draw(DESCRIPTION)
        actions.append(a)
    codes = draw(
        st.lists(
            pick(ERROR_CODES, r"[A-Za-z][A-Za-z0-9]{0,6}(\.[A-Za-z0-9_]{1,6}){0,2}"),
            max_size=4,
            unique=True,
        )
    )
    service: dict[str, Any] = {"title": draw(DESCRIPTION)}
    if codes:
        service["errors"] = [{"code": c, "description": draw(DESCRIPTION)} for c in codes]
        actions[0]["errors"] = codes[:1]
    return service, actions, structures, codes


SPEC_CASES = 300


def test_generated_hostile_specs_are_rejected_with_a_line_or_generate_working_code(
    tmp_path: Path,
) -> None:
    counter = itertools.count()
    outcomes: dict[str, int] = {"generated": 0, "rejected": 0}

    @fuzz_settings(SPEC_CASES)
    @given(tiny_services())
    def run(
        case: tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[str]],
    ) -> None:
        service, actions, structures, codes = case
        root = tmp_path / str(next(counter))
        folder = write_spec(root, service=service, actions=actions, structures=structures)
        why = predicted_error(actions, structures, codes)
        if why is not None:
            err = spec_error(root, folder)
            assert err.path.startswith(str(folder)), err
            outcomes["rejected"] += 1
        else:
            pkg = generate(root, folder)
            check_package(pkg, service, actions, structures, codes)
            outcomes["generated"] += 1
        shutil.rmtree(root)

    run()
    assert sum(outcomes.values()) >= SPEC_CASES
    assert outcomes["generated"] > SPEC_CASES // 4, outcomes
    assert outcomes["rejected"] > SPEC_CASES // 10, outcomes


# --------------------------------------------------------------------------- example-based


def mem(name: str, type_: str = "string", **more: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **more}


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    assert len(hits) >= occurrence, (needle, path.read_text())
    return hits[occurrence - 1]


def test_hostile_descriptions_are_inert_docstrings_and_black_stable(tmp_path: Path) -> None:
    texts = iter(itertools.cycle(HOSTILE_TEXT))
    waiter_states = ['"""; import os #', "a'b\"c\\", "{{ x }}", '"""']
    service: dict[str, Any] = {
        "title": " ".join(HOSTILE_TEXT[:8]) + PAYLOADS[0],
        "description": PAYLOADS[1],
        "errors": [{"code": "FailedOperation.Odd", "description": t} for t in PAYLOADS[2:3]],
        "waiters": {
            "Odd": {
                "action": "DescribeThing",
                "field": "State",
                "success": waiter_states,
                "failure": [PAYLOADS[3], 1, True, None],
                "description": PAYLOADS[4],
            }
        },
    }
    members = [mem(f"M{i}", description=text) for i, text in enumerate(HOSTILE_TEXT)]
    structure = {"structure": "Thing", "description": PAYLOADS[5], "members": members}
    action: dict[str, Any] = {
        "action": "DescribeThing",
        "description": next(texts) + PAYLOADS[0],
        "input": [mem("Thing", "Thing", description=PAYLOADS[1])],
        "output": [mem("State", description=PAYLOADS[2]), mem("Thing", "Thing")],
        "errors": ["FailedOperation.Odd"],
    }
    folder = write_spec(tmp_path, service=service, actions=[action], structures=[structure])
    pkg = generate(tmp_path, folder, formatted=True)
    assert not hasattr(builtins, CANARY)
    thing = pkg.models.Thing
    for text in [PAYLOADS[5], *HOSTILE_TEXT]:
        if inert(text):
            assert inert(text) in doc_of(thing), text
    assert inert(service["title"]) in doc_of(pkg.FzClient)
    assert inert(PAYLOADS[2]) in doc_of(pkg.errors.FailedOperationOdd)
    assert inert(action["description"]) in doc_of(pkg.FzClient.describe_thing)
    waiter = doc_of(pkg.FzClient.wait_until_odd)
    assert inert(PAYLOADS[4]) in waiter and inert(repr(waiter_states[0])) in waiter
    source = (tmp_path / "gen/fz/v20200101/models/thing.py").read_text()
    assert "{{ 7*7 }}" in source and "{% raw %}" in source and "49" not in source
    # The waiter really waits for those (odd) values.
    client = pkg.FzClient(credential=object(), region="ap-guangzhou")
    answers = iter([{"State": "pending"}, {"State": waiter_states[0]}])
    client._invoke = lambda *a: pkg.models.DescribeThingResponse.from_dict(next(answers))
    done = client.wait_until_odd(thing=thing(), delay=0)
    assert done.state == waiter_states[0]


KEYWORD_MEMBERS = {
    "Class": "class_", "Def": "def_", "From": "from_", "import": "import_", "Lambda": "lambda_",
    "None": "none", "True": "true", "False": "false", "Async": "async_", "await": "await_",
    "Match": "match", "Case": "case", "Type": "type", "Id": "id", "List": "list_",
    "Dict": "dict_", "Str": "str_", "Int": "int_", "Float": "float_", "Bool": "bool_",
    "Object": "object", "Property": "property", "Self": "self_", "Cls": "cls_",
    "Request": "request_", "Params": "params_", "ToDict": "to_dict_", "FromDict": "from_dict_",
    "Validate": "validate_", "UnknownFields": "unknown_fields_", "Attrs": "attrs_",
    "Redacted": "redacted_", "Classmethod": "classmethod_", "Path": "path", "V1": "v1",
    "D": "d", "Data": "data", "Exc": "exc", "Isinstance": "isinstance", "Mapping": "mapping",
    "Any": "any", "Missing": "missing", "WireStr": "wire_str", "A_B": "a_b", "AB": "ab",
}  # fmt: skip


def test_keyword_builtin_and_own_names_get_distinct_safe_python_names(tmp_path: Path) -> None:
    kinds = ["string", "int64", "boolean", "float", "uint64"]
    members = [
        mem(name, kinds[i % len(kinds)], required=i % 3 == 0, sensitive=i % 7 == 0)
        for i, name in enumerate(KEYWORD_MEMBERS)
    ]
    members.append(mem("Children", "list", items="Str"))  # a structure named like a builtin
    structure = {"structure": "Str", "members": members[:-1]}
    action: dict[str, Any] = {
        "action": "Class",  # the method is class_()
        "input": [*members, mem("Nested", "Str")],
        "output": [*members, mem("Nested", "Str")],
    }
    close = {"action": "Close", "input": [mem("Self")], "output": []}  # not SyncClient.close
    folder = write_spec(tmp_path, actions=[action, close], structures=[structure])
    pkg = generate(tmp_path, folder, formatted=True)
    spec_structs = {"Str": structure}
    check_package(pkg, {}, [action, close], [structure], [])
    request = pkg.models.ClassRequest
    names = [f.name for f in attrs.fields(request) if f.init and f.name != "unknown_fields"]
    assert names[: len(KEYWORD_MEMBERS)] == list(KEYWORD_MEMBERS.values())
    wire, _ = wire_object(action["input"], spec_structs, 0)
    built = request(
        **{
            KEYWORD_MEMBERS.get(k, snake_case(k)): v
            for k, v in wire.items()
            if not isinstance(v, dict | list)
        }
    )
    assert built.from_ == wire["From"] and built.to_dict()["Class"] == wire["Class"]
    with pytest.raises(InvalidParameterError, match=r"parameter Class: expected str, got int"):
        request(
            **{
                **{f.name: getattr(built, f.name) for f in attrs.fields(request) if f.init},
                "class_": 1,
            }
        ).validate()
    client = pkg.FzClient(credential=object(), region="ap-guangzhou")
    assert pkg.FzClient.close is not pkg.FzClient.close_ and callable(client.close_)
    client.close()  # still the base client's close()


@pytest.mark.parametrize(
    ("first", "second", "python_name"),
    [
        ("DeviceID", "DeviceId", "device_id"),
        ("URLPath", "UrlPath", "url_path"),
        ("ToDict", "to_dict", "to_dict_"),
        ("From", "from_", "from_"),
        ("Type", "TYPE", "type"),
        ("A__B", "A_B", "a_b"),
    ],
)
def test_members_that_become_one_python_name_are_told_apart_by_a_suffix(
    tmp_path: Path, first: str, second: str, python_name: str
) -> None:
    structure: dict[str, Any] = {
        "structure": "Pair",
        "members": [mem(first), mem("Other"), mem(second)],
    }
    folder = write_spec(tmp_path, actions=[{"action": "Get"}], structures=[structure])
    pkg = generate(tmp_path, folder)
    keeps, suffixed = sorted([first, second], reverse=True)  # the greatest wire name keeps it
    pair = pkg.models.Pair.from_dict({first: "1", "Other": "2", second: "3"})
    by_wire = {first: "1", second: "3"}
    assert getattr(pair, python_name) == by_wire[keeps]
    assert getattr(pair, python_name + "_2") == by_wire[suffixed]
    assert pair.to_dict() == {first: "1", "Other": "2", second: "3"}
    # An explicit python_name that takes a name already in use is still an error.
    structure["members"][2]["python_name"] = "other"
    folder = write_spec(tmp_path, actions=[{"action": "Get"}], structures=[structure])
    err = spec_error(tmp_path, folder)
    path = folder / "structures/Pair.yaml"
    assert err.path == str(path) and err.line == line_of(path, f"name: {second}")
    assert f"'Other' and {second!r} both become the Python name 'other'" in str(err)


@pytest.mark.parametrize("name", ["Request_Id", "RequestID", "REQUEST_ID"])
def test_an_output_member_colliding_with_the_implicit_request_id_is_an_error(
    tmp_path: Path, name: str
) -> None:
    action = {"action": "Get", "output": [mem("Data"), mem(name)]}
    folder = write_spec(tmp_path, actions=[action])
    err = spec_error(tmp_path, folder)
    path = folder / "actions/Get.yaml"
    assert err.path == str(path) and err.line == line_of(path, f"name: {name}")
    assert "implicit RequestId" in str(err)


@pytest.mark.parametrize(
    ("python_name", "says"),
    [
        ("from", "is a Python keyword or a name the generated code uses"),
        ("validate", "is a Python keyword or a name the generated code uses"),
        ("unknown_fields", "is a Python keyword or a name the generated code uses"),
        ("_private", "does not match"),  # attrs would strip the underscore from __init__
        ("Upper", "does not match"),
        ("with space", "does not match"),
    ],
)
def test_a_python_name_must_be_a_safe_identifier(
    tmp_path: Path, python_name: str, says: str
) -> None:
    action = {"action": "Get", "input": [mem("A"), mem("B", python_name=python_name)]}
    folder = write_spec(tmp_path, actions=[action])
    err = spec_error(tmp_path, folder)
    path = folder / "actions/Get.yaml"
    assert err.path == str(path) and says in str(err)
    assert err.line in (line_of(path, "name: B"), line_of(path, "python_name:"))


def paged(name: str) -> dict[str, Any]:
    return {
        "action": name,
        "input": [mem("Offset", "int64"), mem("Limit", "int64")],
        "output": [mem("Items", "list", items="string"), mem("Total", "int64")],
        "paginate": {"offset": "Offset", "limit": "Limit", "items": "Items", "total": "Total"},
    }


@pytest.mark.parametrize(
    ("actions", "structures", "service", "blamed", "says"),
    [
        (
            [{"action": "DescribeFoo"}, {"action": "Describe_Foo"}],
            [],
            {},
            "actions/Describe_Foo.yaml",
            "share the method name 'describe_foo'",
        ),
        (
            [{"action": "DescribeFOOBar"}, {"action": "DescribeFooBar"}],
            [],
            {},
            "actions/DescribeFooBar.yaml",
            "share the method name",
        ),
        (
            [{"action": "Get"}],
            [{"structure": "GetRequest", "members": []}],
            {},
            "actions/Get.yaml",
            "collides with the request model",
        ),
        (
            [paged("DescribeFoo"), {"action": "PaginateDescribeFoo"}],
            [],
            {},
            "actions/DescribeFoo.yaml",
            "paginator paginate_describe_foo() clashes",
        ),
        (
            [paged("DescribeFoo")],
            [],
            {
                "waiters": {
                    "Ready": {"action": "DescribeFoo", "field": "Total", "success": [1]},
                    "ready_": {"action": "DescribeFoo", "field": "Total", "success": [2]},
                }
            },
            "service.yaml",
            "wait_until_ready() clashes",
        ),
        (
            [paged("DescribeFoo"), {"action": "WaitUntilReady"}],
            [],
            {"waiters": {"Ready": {"action": "DescribeFoo", "field": "Total", "success": [1]}}},
            "service.yaml",
            "clashes with that of WaitUntilReady",
        ),
        (
            [{"action": "Get", "input": [mem("Delay", "float")]}],
            [],
            {"waiters": {"Ready": {"action": "Get", "field": "RequestId", "success": ["x"]}}},
            "service.yaml",
            "would shadow",
        ),
    ],
)
def test_colliding_action_structure_and_waiter_names_are_errors_with_a_line(
    tmp_path: Path,
    actions: list[dict[str, Any]],
    structures: list[dict[str, Any]],
    service: dict[str, Any],
    blamed: str,
    says: str,
) -> None:
    folder = write_spec(tmp_path, service=service, actions=actions, structures=structures)
    err = spec_error(tmp_path, folder)
    assert err.path == str(folder / blamed) and says in str(err), str(err)


def test_generated_module_level_names_never_collide(tmp_path: Path) -> None:
    # DescribeFoo's page spec and the operation of DescribeFooPages had one name
    # (_DESCRIBE_FOO_PAGES); the same for waiter Foo and action WaitFoo (_WAIT_FOO).
    service = {"waiters": {"Foo": {"action": "DescribeFoo", "field": "Total", "success": [3]}}}
    actions = [paged("DescribeFoo"), {"action": "DescribeFooPages"}, {"action": "WaitFoo"}]
    actions.append({"action": "Importlib", "output": [mem("X")]})  # models/importlib.py
    folder = write_spec(tmp_path, service=service, actions=actions)
    pkg = generate(tmp_path, folder, formatted=True)
    client = pkg.FzClient(credential=object(), region="ap-guangzhou")
    calls: list[str] = []
    pages = iter([{"Items": ["a", "b"], "Total": 3}, {"Items": ["c"], "Total": 3}])

    def invoke(op: Any, request: Any, *rest: Any) -> Any:
        calls.append(op.action)
        if op.action == "DescribeFoo":
            return pkg.models.DescribeFooResponse.from_dict(next(pages))
        return getattr(pkg.models, op.action + "Response").from_dict({})

    client._invoke = invoke
    assert list(client.paginate_describe_foo(limit=2)) == ["a", "b", "c"]
    client.describe_foo_pages()
    client.wait_foo()
    pages = iter([{"Total": 3}])
    client.wait_until_foo(delay=0)
    assert calls == ["DescribeFoo", "DescribeFoo", "DescribeFooPages", "WaitFoo", "DescribeFoo"]
    # A models module named importlib does not break the lazy loading of the others.
    assert pkg.models.ImportlibResponse.from_dict({"X": "1"}).x == "1"
    assert pkg.models.DescribeFooRequest().to_dict() == {}


@pytest.mark.parametrize(
    ("structure", "says"),
    [
        ("Any", "would shadow a name the generated models use"),
        ("Mapping", "would shadow a name the generated models use"),
        ("WireTypeError", "would shadow a name the generated models use"),
        ("TYPE_CHECKING", "would shadow a name the generated models use"),
        ("None", "is a Python keyword"),
        ("tag", "does not match"),
    ],
)
def test_structure_names_that_would_shadow_are_errors(
    tmp_path: Path, structure: str, says: str
) -> None:
    folder = write_spec(
        tmp_path, actions=[{"action": "Get"}], structures=[{"structure": structure, "members": []}]
    )
    err = spec_error(tmp_path, folder)
    path = folder / f"structures/{structure}.yaml"
    assert err.path == str(path) and err.line == line_of(path, "structure:") and says in str(err)


def test_recursive_structures_generate_import_and_parse(tmp_path: Path) -> None:
    structures = [
        {"structure": "Node", "members": [mem("Kids", "list", items="Node"), mem("Leaf", "Leaf")]},
        {"structure": "Leaf", "members": [mem("Back", "Node"), mem("V", "float")]},
    ]
    action = {"action": "GetTree", "input": [mem("Root", "Node")], "output": [mem("Root", "Node")]}
    folder = write_spec(tmp_path, actions=[action], structures=structures)
    pkg = generate(tmp_path, folder, formatted=True)
    wire = {"Root": {"Kids": [{"Leaf": {"Back": {"Kids": []}, "V": 1.5}}], "Leaf": {"V": 2.0}}}
    resp = pkg.models.GetTreeResponse.from_dict(wire)
    assert resp.to_dict() == wire and resp.root.kids[0].leaf.back.kids == []
    client = pkg.FzClient(credential=object(), region="ap-guangzhou")
    op: list[Any] = []
    client._invoke = lambda o, r, *rest: op.append(o)
    client.get_tree(root=resp.root)
    # Deep but valid nesting parses or, past the interpreter's recursion limit,
    # is a typed error (json or from_dict running out of stack), never a crash.
    outcomes = set()
    for depth in range(300, 600, 10):
        deep = b'{"Response": {"Root": ' + b'{"Leaf": {"Back": ' * depth + b"{}" + b"}}" * depth
        try:
            parsed = client._parse(op[0], 200, deep + b"}}")
        except ResponseError as exc:
            outcomes.add(str(exc).split(" (HTTP")[0].split(": ", 1)[1])
        else:
            assert type(parsed) is pkg.models.GetTreeResponse
            outcomes.add("parsed")
    assert "parsed" in outcomes and len(outcomes) > 1, outcomes

    def too_deep(data: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    with pytest.raises(ResponseError, match=r"does not match the model \(RecursionError\)"):
        client._parse(op[0]._replace(parse=too_deep), 200, b'{"Response": {}}')
    odd = b'{"Response": {"Root": {"Kids": [{"Leaf": {"V": "x"}}]}}}'
    strict = pkg.FzClient(credential=object(), region="ap-guangzhou", strict_responses=True)
    with pytest.raises(ResponseError, match=r"member Root\.Kids\[0\]\.Leaf\.V: expected float"):
        strict._parse(op[0], 200, odd)
    kept = client._parse(op[0], 200, odd)  # tolerant by default: kept, listed, round-trips
    assert [d.path for d in kept.wire_deviations] == ["Root.Kids[0].Leaf.V"]
    assert kept.root.kids[0].leaf.v == "x" and kept.to_dict()["Root"]["Kids"][0]["Leaf"]["V"] == "x"


@pytest.mark.parametrize(
    ("codes", "blamed", "says"),
    [
        (["Foo.Bar_baz", "Foo.BarBaz"], "service.yaml", "both become class 'FooBarBaz'"),
        (["Api.Error"], "service.yaml", "both become class 'ApiError'"),
        (["Mapping"], "service.yaml", "both become class 'Mapping'"),
        (["ERRORS.X"], "service.yaml", "both become class 'ERRORS'"),
        (["Internal.Error"], "service.yaml", "both become class 'InternalError'"),
        (["A.B", "AB"], "service.yaml", "both become class 'AB'"),
        (["Failed Operation"], "service.yaml", "does not match"),
        (["X..Y"], "service.yaml", "does not match"),
    ],
)
def test_error_codes_whose_classes_collide_are_errors_naming_the_line(
    tmp_path: Path, codes: list[str], blamed: str, says: str
) -> None:
    service = {"errors": [{"code": c} for c in codes]}
    folder = write_spec(tmp_path, service=service, actions=[{"action": "Get"}])
    err = spec_error(tmp_path, folder)
    path = folder / blamed
    assert err.path == str(path) and says in str(err), str(err)
    assert err.line in {line_of(path, f"code: {code}") for code in codes}


def test_an_error_code_declared_by_an_action_is_blamed_on_the_action(tmp_path: Path) -> None:
    actions = [{"action": "Get", "errors": ["FailedOperation.Ok", "Api.Error"]}]
    folder = write_spec(tmp_path, actions=actions)
    err = spec_error(tmp_path, folder)
    path = folder / "actions/Get.yaml"
    assert err.path == str(path) and err.line == line_of(path, "- Api.Error")


def test_odd_but_valid_error_codes_become_importable_classes(tmp_path: Path) -> None:
    codes = ["None", "True.X", "Lambda.Class", "X.1", "X.__a", "a.b", "FailedOperation.9Lives"]
    service = {"errors": [{"code": c, "description": PAYLOADS[0]} for c in codes]}
    folder = write_spec(tmp_path, service=service, actions=[{"action": "Get", "errors": codes}])
    pkg = generate(tmp_path, folder, formatted=True)
    check_package(pkg, service, [{"action": "Get"}], [], codes)
    errors = pkg.errors
    assert errors.None_.CODE == "None" and errors.ERRORS["X.__a"] is errors.XA
    assert issubclass(errors.FailedOperation9Lives, errors.FailedOperation)
    assert "errors.None_" in doc_of(pkg.FzClient.get)


@pytest.mark.parametrize(
    ("service", "key", "says"),
    [
        ({"service": "errors"}, "service:", "module of the runtime"),
        ({"service": "client"}, "service:", "module of the runtime"),
        ({"service": "emulator"}, "service:", "module of the runtime"),
        ({"client_name": "Async"}, "client_name:", "the name of a base class"),
        ({"client_name": "Sync"}, "client_name:", "the name of a base class"),
        ({"rate_limit": float("inf")}, "rate_limit:", "must be a finite number"),
        ({"rate_limit": 0}, "rate_limit:", "must be greater than 0"),
    ],
)
def test_service_names_that_would_shadow_the_runtime_are_errors(
    tmp_path: Path, service: dict[str, Any], key: str, says: str
) -> None:
    folder = write_spec(tmp_path, service=service, actions=[{"action": "Get"}])
    err = spec_error(tmp_path, folder)
    path = folder / "service.yaml"
    assert err.path == str(path) and err.line == line_of(path, key) and says in str(err)


def test_a_service_named_like_a_keyword_gets_a_package_with_an_underscore(
    tmp_path: Path,
) -> None:
    """The catalog's autoscaling service is ``as``: it signs as ``as`` and imports as
    ``tcapi.as_``."""
    folder = write_spec(tmp_path, service={"service": "class"}, actions=[{"action": "Get"}])
    pkg = generate(tmp_path, folder, package="class_", formatted=True)
    assert pkg.__name__ == "class_"
    client = pkg.FzClient(credential=object(), region="ap-guangzhou")
    assert client.SERVICE.service == "class" and client.SERVICE.schema.package == "class_.v20200101"


ACTION_YAML = """\
action: Get
description: fine
input:
  - name: Limit
    type: int64
output:
  - name: Data
    type: string
examples:
  - request: {Limit: 1}
    response: {Data: x}
"""


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        (ACTION_YAML.replace("type: int64", "type: [int64"), 6, "invalid YAML"),
        (
            ACTION_YAML.replace("description: fine", "description: fine\ndescription: again"),
            3,
            "duplicate key 'description'",
        ),
        (ACTION_YAML.replace("{Limit: 1}", "{Limit: 1, Limit: 2}"), 10, "duplicate key 'Limit'"),
        (ACTION_YAML.replace("    type: int64", "\ttype: int64"), 5, "invalid YAML"),
        (ACTION_YAML.replace("fine", "fine \x00 nul"), 2, "not allowed"),
        (ACTION_YAML.replace("fine", "fine \x1b esc"), 2, "not allowed"),
        (ACTION_YAML.replace("fine", '"\\ud800 lone"'), 2, "lone surrogate"),
        (
            ACTION_YAML.replace("{Data: x}", "{Data: 2024-01-01}"),
            11,
            "'timestamp' values are not allowed",
        ),
        (
            ACTION_YAML.replace("{Data: x}", "{Data: !!binary aGk=}"),
            11,
            "'binary' values are not allowed",
        ),
        (
            ACTION_YAML.replace("{Data: x}", "!!python/object:os.system {}"),
            11,
            "values are not allowed",
        ),
        (ACTION_YAML.replace("{Data: x}", "!custom {Data: x}"), 11, "values are not allowed"),
        (
            ACTION_YAML.replace("request: {Limit: 1}", "request: &r {Limit: 1}").replace(
                "{Data: x}", "*r"
            ),
            11,
            "aliases (*r) are not supported",
        ),
        (ACTION_YAML.replace("{Data: x}", "[" * 20000 + "]" * 20000), None, "nested too deeply"),
        ("", 1, "the file is empty"),
        ("# only a comment\n", 1, "the file is empty"),
        (ACTION_YAML + "---\naction: Get\n", 12, "invalid YAML"),
        ("action: Get\n  bad: indent\n", 2, "invalid YAML"),
    ],
)
def test_invalid_yaml_names_the_file_and_line(
    tmp_path: Path, text: str, line: int | None, says: str
) -> None:
    folder = write_spec(tmp_path, actions=[{"action": "Get"}])
    path = folder / "actions/Get.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_service(folder, tmp_path / "spec")
    err = info.value
    assert err.path == str(path) and says in str(err), str(err)
    if line is not None:
        assert err.line == line and str(err).startswith(f"{path}:{line}:"), str(err)


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    folder = write_spec(tmp_path, actions=[{"action": "Get"}])
    path = folder / "actions/Get.yaml"
    path.write_bytes(ACTION_YAML.replace("fine", "fi\xffne").encode("latin-1"))
    with pytest.raises(SpecError, match=r"Get\.yaml:2:16: not valid UTF-8"):
        load_service(folder, tmp_path / "spec")


def test_a_byte_order_mark_and_unicode_names_of_files_are_fine(tmp_path: Path) -> None:
    folder = write_spec(tmp_path, actions=[{"action": "Get"}])
    path = folder / "actions/Get.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + ACTION_YAML.replace("fine", "\u4e2d\u6587").encode())
    service = load_service(folder, tmp_path / "spec")
    assert service.actions[0].description == "\u4e2d\u6587"


@pytest.mark.parametrize(
    ("waiter", "says"),
    [
        ({"delay": -1}, "must be at least 0"),
        ({"max_attempts": 0}, "must be at least 1"),
        ({"delay": float("nan")}, "must be a finite number"),
        ({"success": [[1]]}, "must be a string"),
    ],
)
def test_waiter_numbers_and_states_are_checked(
    tmp_path: Path, waiter: dict[str, Any], says: str
) -> None:
    spec = {"action": "DescribeFoo", "field": "Total", "success": [1], **waiter}
    folder = write_spec(
        tmp_path, service={"waiters": {"Ready": spec}}, actions=[paged("DescribeFoo")]
    )
    with pytest.raises(SpecError) as info:
        load_service(folder, tmp_path / "spec")
    assert says in str(info.value) or "must be" in str(info.value), str(info.value)
    assert_names_a_line(info.value)


def test_page_size_must_be_positive(tmp_path: Path) -> None:
    action = paged("DescribeFoo")
    action["paginate"]["page_size"] = 0
    folder = write_spec(tmp_path, actions=[action])
    err = spec_error(tmp_path, folder)
    assert "must be at least 1" in str(err)
    assert err.line == line_of(folder / "actions/DescribeFoo.yaml", "page_size")


def test_overrides_cannot_introduce_a_collision_either(tmp_path: Path) -> None:
    action = {"action": "Get", "input": [mem("A"), mem("B")]}
    overrides = {"actions": {"Get": {"input": {"B": {"python_name": "a"}}}}}
    folder = write_spec(tmp_path, actions=[action], overrides=overrides)
    err = spec_error(tmp_path, folder)
    assert "both become the Python name 'a'" in str(err)


def test_python_names_do_not_depend_on_the_interpreter() -> None:
    # 3.12 made `type` a soft keyword; the generated tree must not change with it.
    assert frozenset(__import__("keyword").kwlist) == KEYWORDS
    for soft in ("type", "match", "case"):
        assert safe_attr_name(soft) == soft and method_name(soft.title()) == soft
    assert module_name("Class") == "class_" and method_name("Close") == "close_"


def test_names_that_collide_in_python_are_resolved_deterministically(tmp_path: Path) -> None:
    """The catalog has all three: an action named like a structure (ame
    TakeMusicOffShelves), structures that snake_case alike, and members that differ
    only in case (tcss PortInfo PublicIP/PublicIp)."""
    ports = [mem("PublicIP"), mem("PublicIp"), mem("Public_IP"), mem("Other")]
    folder = write_spec(
        tmp_path,
        actions=[
            {"action": "Tag", "input": [mem("Port", "PortInfo")], "output": [mem("Id")]},
            {"action": "Get", "output": [mem("A", "FooBar"), mem("B", "Foo_Bar")]},
        ],
        structures=[
            {"structure": "Tag", "members": [mem("Key")]},
            {"structure": "FooBar", "members": [mem("X", "int64")]},
            {"structure": "Foo_Bar", "members": [mem("Y", "boolean")]},
            {"structure": "PortInfo", "members": ports},
        ],
    )
    pkg = generate(tmp_path, folder, formatted=True)
    m = pkg.models
    # Greatest wire name keeps the plain name, the others _2, _3 in descending order.
    port = m.PortInfo(public_ip="c", public_ip_2="b", public_ip_3="a", other="o")
    # ("Public_IP" > "PublicIp" > "PublicIP": "_" sorts after the capitals.)
    assert port.to_dict() == {"Public_IP": "c", "PublicIp": "b", "PublicIP": "a", "Other": "o"}
    assert m.PortInfo.from_dict(port.to_dict()) == port
    # The action's models and the structure live in separate modules.
    assert m.TagRequest.__module__.endswith(".tag_action") and m.Tag.__module__.endswith(".tag")
    assert m.TagRequest(port=port).to_dict() == {"Port": port.to_dict()}
    got = m.GetResponse.from_dict({"A": {"X": 1}, "B": {"Y": True}, "RequestId": "r"})
    assert (type(got.a), type(got.b)) == (m.FooBar, m.Foo_Bar)
    assert {m.FooBar.__module__.rsplit(".", 1)[1], m.Foo_Bar.__module__.rsplit(".", 1)[1]} == {
        "foo_bar",
        "foo_bar_",
    }
    # Renaming members in another order changes nothing.
    again = write_spec(
        tmp_path / "again",
        actions=[{"action": "Get"}],
        structures=[{"structure": "PortInfo", "members": list(reversed(ports))}],
    )
    fields = {m["name"]: py for m, py in zip(ports, member_pys(ports), strict=True)}
    reloaded = load_service(again, tmp_path / "again" / "spec")
    assert {x.name: x.py_name for x in reloaded.structures[0].members} == fields
