"""A small schema checker over PyYAML nodes, so every error names file:line.

The schema language is tiny on purpose: mappings with known keys, lists,
scalars of a given kind, optional regex patterns. Validation walks the
*node* tree (which keeps line numbers), then the already-checked data is
built with PyYAML's safe constructor.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml


class SpecError(Exception):
    """An invalid spec file. The message starts with ``file:line:column:``."""

    def __init__(self, path: Path | str, line: int | None, message: str, column: int | None = None):
        self.path = str(path)
        self.line = line
        self.column = column
        self.reason = message
        where = self.path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


@attrs.frozen
class Scalar:
    kind: str  # "str", "int", "number", "bool", "any"
    pattern: str | None = None
    choices: tuple[str, ...] | None = None
    minimum: float | None = None  # numbers: the smallest allowed value
    positive: bool = False  # numbers: must be > 0 (and >= minimum)


@attrs.frozen
class Seq:
    item: Schema


@attrs.frozen
class Map:
    fields: Mapping[str, Schema]
    required: frozenset[str] = frozenset()


@attrs.frozen
class MapOf:
    """A mapping from identifiers to values of one schema (overrides by name)."""

    value: Schema


@attrs.frozen
class AnyValue:
    pass


Schema = Scalar | Seq | Map | MapOf | AnyValue

_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_PLAIN_TAGS = frozenset({_BOOL_TAG, _INT_TAG, _FLOAT_TAG, _STR_TAG, _NULL_TAG, _SEQ_TAG, _MAP_TAG})
"""What a spec may hold: the JSON types. Dates, binary, sets and custom tags
have no JSON form (examples end up in service.json) and no Python literal."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMBERS = yaml.constructor.SafeConstructor()


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _col(node: yaml.Node) -> int:
    return int(node.start_mark.column) + 1


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return {
        _BOOL_TAG: "a boolean",
        _INT_TAG: "an integer",
        _FLOAT_TAG: "a number",
        _NULL_TAG: "null",
        _STR_TAG: "a string",
    }.get(node.tag, "a scalar")


class Validator:
    """Checks one file's node tree; records the line of every checked path."""

    def __init__(self, path: Path):
        self.path = path
        self.lines: dict[tuple[str | int, ...], int] = {}

    def fail(self, node: yaml.Node, message: str) -> SpecError:
        return SpecError(self.path, _line(node), message, _col(node))

    def check(self, node: yaml.Node, schema: Schema, where: tuple[str | int, ...]) -> None:
        self.lines[where] = _line(node)
        label = _label(where)
        if isinstance(schema, AnyValue):
            self.walk(node, label)
            return
        if not isinstance(node, yaml.ScalarNode) or (
            isinstance(schema, Scalar) and schema.kind == "any"
        ):
            self.plain(node, label)  # typed scalars say what they want below
        if isinstance(schema, Map):
            if not isinstance(node, yaml.MappingNode):
                raise self.fail(node, f"{label} must be a mapping, not {_describe(node)}")
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR_TAG:
                    raise self.fail(key_node, f"{label}: keys must be strings")
                key = key_node.value
                if key in seen:
                    raise self.fail(key_node, f"{label}: duplicate key {key!r}")
                seen.add(key)
                if key not in schema.fields:
                    allowed = ", ".join(sorted(schema.fields))
                    raise self.fail(key_node, f"{label}: unknown key {key!r} (allowed: {allowed})")
                self.check(value_node, schema.fields[key], (*where, key))
            for key in sorted(schema.required - seen):
                raise self.fail(node, f"{label}: missing required key {key!r}")
            return
        if isinstance(schema, MapOf):
            if not isinstance(node, yaml.MappingNode):
                raise self.fail(node, f"{label} must be a mapping, not {_describe(node)}")
            seen_names: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or not re.fullmatch(
                    IDENT, str(key_node.value)
                ):
                    raise self.fail(key_node, f"{label}: keys must be names like InstanceId")
                if key_node.value in seen_names:
                    raise self.fail(key_node, f"{label}: duplicate key {key_node.value!r}")
                seen_names.add(key_node.value)
                self.check(value_node, schema.value, (*where, key_node.value))
            return
        if isinstance(schema, Seq):
            if not isinstance(node, yaml.SequenceNode):
                raise self.fail(node, f"{label} must be a list, not {_describe(node)}")
            for i, item in enumerate(node.value):
                self.check(item, schema.item, (*where, i))
            return
        # Scalar
        if schema.kind == "any":
            if not isinstance(node, yaml.ScalarNode):
                raise self.fail(
                    node,
                    f"{label} must be a string, number, boolean or null, not {_describe(node)}",
                )
            return
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(
                node, f"{label} must be {_kind_name(schema.kind)}, not {_describe(node)}"
            )
        ok = {
            "str": node.tag == _STR_TAG,
            "int": node.tag == _INT_TAG,
            "number": node.tag in (_INT_TAG, _FLOAT_TAG),
            "bool": node.tag == _BOOL_TAG,
        }[schema.kind]
        if not ok:
            hint = ""
            if schema.kind == "str" and node.tag != _STR_TAG:
                hint = f' (quote it: "{node.value}")'
            raise self.fail(
                node, f"{label} must be {_kind_name(schema.kind)}, not {_describe(node)}{hint}"
            )
        if _SURROGATE.search(node.value):
            raise self.fail(node, f"{label}: contains a lone surrogate (not valid Unicode)")
        if schema.kind in ("int", "number"):
            number = (
                _NUMBERS.construct_yaml_float(node)
                if node.tag == _FLOAT_TAG
                else _NUMBERS.construct_yaml_int(node)
            )
            if not math.isfinite(number):
                raise self.fail(node, f"{label} must be a finite number, not {node.value}")
            if schema.minimum is not None and number < schema.minimum:
                raise self.fail(node, f"{label} must be at least {schema.minimum:g}")
            if schema.positive and number <= 0:
                raise self.fail(node, f"{label} must be greater than 0")
        if schema.choices is not None and node.value not in schema.choices:
            raise self.fail(
                node, f"{label}: {node.value!r} is not one of {', '.join(schema.choices)}"
            )
        if schema.pattern is not None and not re.fullmatch(schema.pattern, node.value):
            raise self.fail(node, f"{label}: {node.value!r} does not match {schema.pattern}")

    def plain(self, node: yaml.Node, label: str) -> None:
        """Only JSON-like values: no dates, binary, sets or custom tags, no lone surrogates."""
        if node.tag not in _PLAIN_TAGS:
            kind = node.tag.rsplit(":", 1)[-1]
            hint = " (quote it)" if isinstance(node, yaml.ScalarNode) else ""
            raise self.fail(node, f"{label}: {kind!r} values are not allowed{hint}")
        if isinstance(node, yaml.ScalarNode) and _SURROGATE.search(node.value):
            raise self.fail(node, f"{label}: contains a lone surrogate (not valid Unicode)")

    def walk(self, node: yaml.Node, label: str) -> None:
        """Check a free-form value (an example, a waiter state) all the way down."""
        stack = [node]
        while stack:
            n = stack.pop()
            self.plain(n, label)
            if isinstance(n, yaml.SequenceNode):
                stack.extend(n.value)
            elif isinstance(n, yaml.MappingNode):
                seen: set[object] = set()
                for key_node, value_node in n.value:
                    self.plain(key_node, label)
                    key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
                    if key in seen:
                        raise self.fail(key_node, f"{label}: duplicate key {key!r}")
                    seen.add(key)
                    stack.append(value_node)


def _kind_name(kind: str) -> str:
    return {"str": "a string", "int": "an integer", "number": "a number", "bool": "a boolean"}[kind]


def _label(where: tuple[str | int, ...]) -> str:
    if not where:
        return "the document"
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases: a spec never needs them, and an alias
    makes the node tree a graph (exponential to walk, or a cycle)."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not supported", event.start_mark
            )
        return super().compose_node(parent, index)


def _fast_compose(text: str) -> yaml.Node | None:
    """The node tree from libyaml's composer (about ten times faster than PyYAML's),
    or None when that is unavailable, the text is not valid YAML or uses an alias:
    the pure-Python loader then composes it again and says exactly what is wrong."""
    if not getattr(yaml, "__with_libyaml__", False):
        return None
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    if node is None or _has_alias(node):
        return None
    return node


def _has_alias(root: yaml.Node) -> bool:
    """An alias makes libyaml reuse the anchored node object: seen twice = an alias."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                todo.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return False


def load_yaml(path: Path, schema: Schema) -> tuple[Any, Validator]:
    """Parse, validate and construct one YAML file."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            path, raw[: exc.start].count(b"\n") + 1, f"not valid UTF-8 ({exc.reason})", at
        ) from None
    node = _fast_compose(text)
    try:
        if node is None:
            node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        raise SpecError(path, line, f"invalid YAML: {exc.problem or exc.context}", col) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        raise SpecError(
            path,
            before.count("\n") + 1,
            f"invalid YAML: character {exc.character!r} is not allowed",
            len(before) - (before.rfind("\n") + 1) + 1,
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(path, None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise SpecError(path, None, "invalid YAML: nested too deeply") from None
    if node is None:
        raise SpecError(path, 1, "the file is empty")
    validator = Validator(path)
    validator.check(node, schema, ())
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    except RecursionError:
        raise SpecError(path, _line(node), "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    return data, validator


# --------------------------------------------------------------------------- the schemas

IDENT = r"[A-Za-z][A-Za-z0-9_]*"
ERROR_CODE = r"[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)*"
PY_IDENT = r"[a-z][a-z0-9_]*"
STRUCT_IDENT = r"[A-Z][A-Za-z0-9_]*"

_str = Scalar("str")
_bool = Scalar("bool")

LANG = Scalar("str", choices=("en", "zh-CN"))

_MEMBER_FIELDS: dict[str, Schema] = {
    "name": Scalar("str", IDENT),
    "type": Scalar("str", IDENT),
    "items": Scalar("str", IDENT),
    "required": _bool,
    "output_required": _bool,
    "nullable": _bool,
    "sensitive": _bool,
    "deprecated": _bool,
    "description": _str,
    "lang": LANG,
    "example": AnyValue(),
    "python_name": Scalar("str", PY_IDENT),
}

MEMBER = Map(_MEMBER_FIELDS, required=frozenset({"name", "type"}))

ERROR = Map(
    {"code": Scalar("str", ERROR_CODE), "description": _str},
    required=frozenset({"code"}),
)

EXAMPLE = Map(
    {
        "title": _str,
        "description": _str,
        "request": AnyValue(),
        "response": AnyValue(),
        "events": Seq(AnyValue()),
    },
    required=frozenset({"request"}),
)
"""A documented call: ``request`` and either ``response`` (the Response object) or
``events`` (the data objects of an answer sent as server-sent events)."""

WAITER = Map(
    {
        "action": Scalar("str", IDENT),
        "field": Scalar("str", r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*"),
        "success": Seq(Scalar("any")),
        "failure": Seq(Scalar("any")),
        "delay": Scalar("number", minimum=0),
        "max_attempts": Scalar("int", minimum=1),
        "description": _str,
    },
    required=frozenset({"action", "field", "success"}),
)
"""Poll ``action`` until the output member at ``field`` (dotted wire path) takes a
``success`` value; a ``failure`` value stops the wait with an error."""

_SERVICE_FIELDS: dict[str, Schema] = {
    "service": Scalar("str", r"[a-z][a-z0-9]*"),
    "version": Scalar("str", r"\d{4}-\d{2}-\d{2}"),
    "title": _str,
    "description": _str,
    "lang": LANG,
    "client_name": Scalar("str", r"[A-Z][A-Za-z0-9]*"),
    "endpoint": Scalar("str", r"[A-Za-z0-9.-]+"),
    "endpoints": AnyValue(),
    "region_required": _bool,
    "rate_limit": Scalar("number", positive=True),
    "errors": Seq(ERROR),
    "offline_actions": Seq(Scalar("str", IDENT)),
    "source": AnyValue(),
    "waiters": MapOf(WAITER),
}

SERVICE = Map(
    _SERVICE_FIELDS, required=frozenset({"service", "version", "client_name", "endpoint"})
)

STRUCTURE = Map(
    {
        "structure": Scalar("str", STRUCT_IDENT),
        "description": _str,
        "lang": LANG,
        "members": Seq(MEMBER),
    },
    required=frozenset({"structure", "members"}),
)

PAGINATE = Map(
    {
        "offset": Scalar("str", IDENT),
        "limit": Scalar("str", IDENT),
        "items": Scalar("str", IDENT),
        "total": Scalar("str", IDENT),
        "page_size": Scalar("int", minimum=1),
    },
    required=frozenset({"offset", "limit", "items"}),
)
"""Offset/Limit paging: the request members that page, the response list that
holds the items, and the response member with the total count (optional)."""

_ACTION_FIELDS: dict[str, Schema] = {
    "action": Scalar("str", IDENT),
    "title": _str,
    "description": _str,
    "lang": LANG,
    "rate_limit": Scalar("number", positive=True),
    "idempotent": _bool,
    "deprecated": _bool,
    "unsigned": _bool,
    "streams": _bool,
    "request_body": Scalar("str", choices=("json", "multipart", "octet-stream")),
    "param_header_prefix": Scalar("str", r"[A-Za-z0-9-]*"),
    "endpoint": Scalar("str", r"[A-Za-z0-9.-]+"),
    "paginate": PAGINATE,
    "input": Seq(MEMBER),
    "output": Seq(MEMBER),
    "errors": Seq(Scalar("str", ERROR_CODE)),
    "examples": Seq(EXAMPLE),
}

ACTION = Map(_ACTION_FIELDS, required=frozenset({"action"}))

# overrides.yaml: hand-made additions that importers never touch. Every key is
# optional; members are addressed by wire name; lists (errors, examples) are
# appended to what the imported files say, everything else replaces it.
_MEMBER_PATCH = Map({k: v for k, v in _MEMBER_FIELDS.items() if k != "name"})
_MEMBERS_PATCH = MapOf(_MEMBER_PATCH)

OVERRIDES = Map(
    {
        "service": Map(
            {k: v for k, v in _SERVICE_FIELDS.items() if k not in ("service", "version")}
        ),
        "actions": MapOf(
            Map(
                {
                    **{
                        k: v
                        for k, v in _ACTION_FIELDS.items()
                        if k not in ("action", "input", "output")
                    },
                    "input": _MEMBERS_PATCH,
                    "output": _MEMBERS_PATCH,
                }
            )
        ),
        "structures": MapOf(Map({"description": _str, "lang": LANG, "members": _MEMBERS_PATCH})),
    }
)
