"""Import an API 3.0 doc page, in its text form, into spec YAML.

A doc page (``CreateDeviceIdentity.txt``) reads, top to bottom::

    Domain name for API request: mqtt.intl.tencentcloudapi.com.
    <description lines>
    A maximum of 20 requests can be initiated per second for this API.
    | Parameter Name | Required | Type | Description |      request members
    | Parameter Name | Type | Description |                 response members
    Example / POST / HTTP/1.1 / ... / <Common request parameters>
    {request JSON}
    {"Error": null, "RequestId": null, "Response": {...}}  response JSON
    | Error Code | Description |                            the action's errors

and, on some pages, structure tables, each under a line naming the structure.
Everything else (navigation text, stray lines) is ignored. The page gives an
action file ``actions/<Action>.yaml`` and one ``structures/<Name>.yaml`` per
structure table; structures the page only names come from other sources and
are reported.

``python -m generator import docpage FILE... [--out DIR] [--compare DIR]``
writes the YAML into a spec folder and/or prints where the pages and an
existing spec folder (e.g. the tccli import) disagree; nothing is ever
resolved silently. Exit status: 0 agreed (or nothing compared), 1 disagreements,
2 a page or the spec folder could not be read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..cli_io import write_atomic
from ..schema import ERROR_CODE, IDENT, SpecError
from ..spec import SCALARS, Example, Member, Service, load_service
from .yamlout import dump

HEADER_MARK = "# Imported from doc page "
COMMAND = "python -m generator import docpage"

_TYPES = {
    "string": "string",
    "integer": "int64",
    "int": "int64",
    "int64": "int64",
    "uint64": "uint64",
    "uint": "uint64",
    "float": "float",
    "double": "float",
    "boolean": "boolean",
    "bool": "boolean",
    "date": "date",
    "timestamp": "datetime",
    "datetime": "datetime",
    "timestamp iso8601": "datetime_iso",
    "binary": "binary",
}
"""Doc page type (lower case, spaces collapsed) → spec scalar type."""

_ARRAY = re.compile(r"array\s+of\s+(.+)", re.IGNORECASE)
_DOMAIN = re.compile(r"Domain name for API request:\s*(\S+?)\.?\s*$", re.IGNORECASE)
_RATE = re.compile(
    r"A maximum of (\d+) requests? can be initiated per second for this API", re.IGNORECASE
)
_PARAM_INTRO = re.compile(r"The following request parameter list", re.IGNORECASE)
_SECTION = re.compile(r"(\d+\.\s*)?(API Description|Input Parameters|Output Parameters)\s*$")
_COMMON = re.compile(r"Common Param", re.IGNORECASE)
_VALUE_FOR_API = re.compile(r"The value used for this API:\s*([A-Za-z0-9-]+?)\.?\s*$")
_TC_ACTION = re.compile(r"X-TC-Action:\s*([A-Za-z][A-Za-z0-9]*)\s*$", re.IGNORECASE)
_HTTP_REQUEST = re.compile(r"(POST|GET) \S+ HTTP/\d")
_COMMON_REQUEST = "<common request parameters>"
_NULLABLE = re.compile(r"may return null|此字段可能返回 ?null", re.IGNORECASE)
_SEPARATOR_CELL = re.compile(r":?-+:?")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_BR = re.compile(r"\s*<br\s*/?>\s*", re.IGNORECASE)
_USED_BY = re.compile(r"(Used by actions|Referenced by)\b", re.IGNORECASE)
_NOT_A_STRUCTURE = frozenset(
    {"Example", "Examples", "Input", "Output", "Description", "Note", "Notes", "SDK", "API"}
)
_YES = frozenset({"yes", "true", "required", "是"})

_NAME_COLUMNS = ("parameter name", "name", "parameter")


class DocPageError(Exception):
    """A page that cannot be imported; the message starts with ``file:line:``."""


# --------------------------------------------------------------------------- the page


@attrs.define
class DocMember:
    name: str
    type: str
    items: str | None
    required: bool
    nullable: bool
    description: str
    example: str | None
    line: int

    def type_text(self) -> str:
        return f"list of {self.items}" if self.items is not None else self.type

    def to_yaml(self, with_required: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.items is not None:
            out["items"] = self.items
        if with_required and self.required:
            out["required"] = True
        if self.nullable:
            out["nullable"] = True
        if self.description:
            out["description"] = self.description
        if self.example is not None:
            out["example"] = self.example
        return out


@attrs.define
class DocStructure:
    name: str
    description: str
    members: list[DocMember]
    has_required: bool
    line: int


@attrs.define
class DocExample:
    title: str
    request: dict[str, Any]
    response: dict[str, Any]
    line: int


@attrs.define
class DocPage:
    """What one doc page says."""

    file_name: str
    action: str
    version: str | None = None
    endpoint: str | None = None
    description: str = ""
    rate_limit: int | None = None
    input: list[DocMember] = attrs.Factory(list)
    output: list[DocMember] = attrs.Factory(list)
    errors: list[str] = attrs.Factory(list)
    examples: list[DocExample] = attrs.Factory(list)
    structures: list[DocStructure] = attrs.Factory(list)
    notes: list[str] = attrs.Factory(list)
    """Things skipped or guessed while reading, for the report."""

    def missing_structures(self) -> list[str]:
        """Structure names the members use that this page does not define."""
        defined = {s.name for s in self.structures}
        members = [*self.input, *self.output]
        for s in self.structures:
            members.extend(s.members)
        used = {m.items if m.items is not None else m.type for m in members}
        return sorted(used - defined - set(SCALARS))

    def header(self) -> str:
        return f"Imported from doc page {self.file_name} by {COMMAND}"

    def action_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.action}
        if self.description:
            data["description"] = self.description
        data["lang"] = "en"
        if self.rate_limit is not None:
            data["rate_limit"] = self.rate_limit
        if self.input:
            data["input"] = [m.to_yaml(with_required=True) for m in self.input]
        if self.output:
            data["output"] = [m.to_yaml(with_required=False) for m in self.output]
        if self.errors:
            data["errors"] = list(self.errors)
        if self.examples:
            data["examples"] = [
                {"title": e.title, "request": e.request, "response": e.response}
                for e in self.examples
            ]
        return data

    def structure_data(self, structure: DocStructure) -> dict[str, Any]:
        data: dict[str, Any] = {"structure": structure.name}
        if structure.description:
            data["description"] = structure.description
        data["lang"] = "en"
        data["members"] = [m.to_yaml(structure.has_required) for m in structure.members]
        return data

    def files(self) -> dict[str, str]:
        """Spec-folder-relative path → YAML text."""
        out = {f"actions/{self.action}.yaml": dump(self.action_data(), self.header())}
        for s in self.structures:
            out[f"structures/{s.name}.yaml"] = dump(self.structure_data(s), self.header())
        return out


# --------------------------------------------------------------------------- reading


@attrs.define
class _Table:
    line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]
    before: list[tuple[int, str]]
    """The text lines between the previous table and this one."""

    def column(self, *names: str) -> int | None:
        for name in names:
            if name in self.header:
                return self.header.index(name)
        return None


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body.removeprefix("|")
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = [c.replace("\\|", "|") for c in _UNESCAPED_PIPE.split(body)]
    return [_BR.sub("\n", c).strip() for c in cells]


def _blocks(lines: list[str]) -> tuple[list[_Table], list[tuple[int, str]]]:
    """The tables of the page, and every line outside them (1-based line numbers)."""
    tables: list[_Table] = []
    text: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []
    current: _Table | None = None

    def is_separator(index: int) -> bool:
        if index >= len(lines) or not lines[index].lstrip().startswith("|"):
            return False
        return all(_SEPARATOR_CELL.fullmatch(c) for c in _cells(lines[index]))

    for no, line in enumerate(lines, start=1):
        if line.lstrip().startswith("|"):
            cells = _cells(line)
            # A header row is followed by a separator row; tables may touch.
            if current is None or (not is_separator(no - 1) and is_separator(no)):
                header = [" ".join(c.lower().split()) for c in cells]
                current = _Table(no, header, [], pending)
                tables.append(current)
                pending = []
            elif not all(_SEPARATOR_CELL.fullmatch(c) for c in cells):
                current.rows.append((no, cells))
            continue
        current = None
        text.append((no, line))
        if line.strip():
            pending.append((no, line.strip()))
    return tables, text


def _fit(cells: list[str], width: int, last_free: bool) -> list[str]:
    """Pad a short row; a long one had an unescaped pipe in its last column."""
    if len(cells) > width and last_free:
        cells = [*cells[: width - 1], " | ".join(cells[width - 1 :])]
    return cells + [""] * (width - len(cells))


def _scalar_or_structure(text: str, where: str) -> str:
    key = " ".join(text.lower().split())
    if key in _TYPES:
        return _TYPES[key]
    if re.fullmatch(IDENT, text):
        return text
    raise DocPageError(f"{where}: cannot read the type {text!r}")


def _member_type(text: str, where: str) -> tuple[str, str | None]:
    array = _ARRAY.fullmatch(text.strip())
    if array is None:
        return _scalar_or_structure(text.strip(), where), None
    inner = array.group(1).strip()
    if _ARRAY.fullmatch(inner):
        raise DocPageError(f"{where}: lists of lists are not supported ({text!r})")
    return "list", _scalar_or_structure(inner, where)


def _members(table: _Table, source: str, *, skip_common: bool) -> list[DocMember]:
    name_col = table.column(*_NAME_COLUMNS)
    type_col = table.column("type")
    desc_col = table.column("description")
    req_col = table.column("required")
    example_col = table.column("example", "sample value")
    assert name_col is not None and type_col is not None
    width = len(table.header)
    last_free = desc_col == width - 1
    out: list[DocMember] = []
    seen: dict[str, int] = {}
    for no, raw in table.rows:
        cells = _fit(raw, width, last_free)
        where = f"{source}:{no}"
        wire = cells[name_col]
        description = cells[desc_col] if desc_col is not None else ""
        if not wire:
            continue
        if skip_common and (
            wire in ("Action", "Version")
            or (wire == "Region" and _COMMON.match(description) is not None)
        ):
            continue
        is_n = wire.endswith(".N")
        name = wire.removesuffix(".N")
        if not re.fullmatch(IDENT, name):
            raise DocPageError(f"{where}: {wire!r} is not a member name")
        if name in seen:
            raise DocPageError(f"{where}: member {name!r} already listed on line {seen[name]}")
        seen[name] = no
        typ, items = _member_type(cells[type_col], f"{where}: {name}")
        if is_n and typ != "list":
            typ, items = "list", typ
        example = cells[example_col] if example_col is not None and cells[example_col] else None
        out.append(
            DocMember(
                name=name,
                type=typ,
                items=items,
                required=req_col is not None and cells[req_col].lower() in _YES,
                nullable=_NULLABLE.search(description) is not None,
                description=description,
                example=example,
                line=no,
            )
        )
    return out


def _structure_heading(table: _Table) -> tuple[str, str] | None:
    """The structure name over a table, and the description lines under the name."""
    for i in range(len(table.before) - 1, -1, -1):
        text = table.before[i][1]
        if re.fullmatch(r"[A-Z][A-Za-z0-9_]*", text) and text not in _NOT_A_STRUCTURE:
            rest = [t for _, t in table.before[i + 1 :] if not _USED_BY.match(t)]
            return text, "\n".join(rest)
    return None


def _read_examples(lines: list[str], source: str, notes: list[str]) -> list[DocExample]:
    decoder = json.JSONDecoder()
    examples: list[DocExample] = []
    for i, line in enumerate(lines):
        if line.strip().lower() != _COMMON_REQUEST:
            continue
        title = "Example"
        for j in range(i - 1, -1, -1):
            if _HTTP_REQUEST.match(lines[j].strip()):
                titles = [t.strip() for t in lines[max(0, j - 3) : j] if t.strip()]
                if titles and not titles[-1].startswith("|"):
                    title = titles[-1]
                break
        text = "\n".join(lines[i + 1 :])
        where = f"{source}:{i + 2}"
        try:
            pos = len(text) - len(text.lstrip())
            request, pos = decoder.raw_decode(text, pos)
            pos += len(text[pos:]) - len(text[pos:].lstrip())
            wrapper, _ = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            notes.append(
                f"{where}: example {title!r} skipped: no JSON request and response ({exc})"
            )
            continue
        if not isinstance(request, dict) or not isinstance(wrapper, dict):
            notes.append(f"{where}: example {title!r} skipped: request or response not an object")
            continue
        response = wrapper.get("Response")
        if not isinstance(response, dict):
            notes.append(f"{where}: example {title!r}: no 'Response' wrapper; taken as is")
            response = wrapper
        examples.append(DocExample(title, request, response, i + 1))
    return examples


def _value_for_api(members: list[tuple[int, list[str]]], wire: str) -> str | None:
    for _, cells in members:
        if cells and cells[0] == wire:
            for cell in cells[1:]:
                found = _VALUE_FOR_API.search(cell)
                if found:
                    return found.group(1)
    return None


def parse_text(text: str, file_name: str = "page.txt") -> DocPage:
    """Read one doc page; ``file_name`` is used in messages and in the header."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    tables, text_lines = _blocks(lines)
    notes: list[str] = []

    input_table = output_table = errors_table = None
    structure_tables: list[tuple[_Table, str, str]] = []
    for table in tables:
        has_member_columns = (
            table.column(*_NAME_COLUMNS) is not None
            and table.column("type") is not None
            and table.column("description") is not None
        )
        if table.header and table.header[0] == "error code":
            if errors_table is None:
                errors_table = table
            else:
                notes.append(f"{file_name}:{table.line}: a second error code table was skipped")
            continue
        if has_member_columns:
            has_required = table.column("required") is not None
            if input_table is None and output_table is None and has_required:
                input_table = table
                continue
            heading = _structure_heading(table)
            if output_table is None and not has_required and input_table is not None:
                output_table = table
                continue
            if heading is not None:
                structure_tables.append((table, *heading))
                continue
        notes.append(f"{file_name}:{table.line}: table {table.header} not recognized; skipped")

    if input_table is None:
        raise DocPageError(
            f"{file_name}: no request parameter table "
            "(| Parameter Name | Required | Type | Description |)"
        )
    # The action's name: the Action row, else the X-TC-Action header, else the file name.
    action = _value_for_api(input_table.rows, "Action")
    if action is None:
        for line in lines:
            found = _TC_ACTION.match(line.strip())
            if found:
                action = found.group(1)
                break
    if action is None:
        action = Path(file_name).stem
    if not re.fullmatch(IDENT, action):
        raise DocPageError(f"{file_name}: cannot tell the action's name")
    page = DocPage(file_name=file_name, action=action, notes=notes)
    page.version = _value_for_api(input_table.rows, "Version")

    # The description runs from the domain line to the rate limit or the tables.
    description: list[str] = []
    collecting = True
    for no, line in text_lines:
        if no > input_table.line:
            break
        stripped = line.strip()
        domain = _DOMAIN.match(stripped)
        if domain and page.endpoint is None:
            page.endpoint = domain.group(1)
            description, collecting = [], True
            continue
        rate = _RATE.search(stripped)
        if rate:
            page.rate_limit = int(rate.group(1))
            collecting = False
        elif _PARAM_INTRO.match(stripped):
            collecting = False
        elif collecting and stripped and not _SECTION.match(stripped):
            description.append(stripped)
    page.description = "\n".join(description)
    if page.endpoint is None:
        notes.append(f"{file_name}: no 'Domain name for API request' line")

    page.input = _members(input_table, file_name, skip_common=True)
    if output_table is not None:
        page.output = _members(output_table, file_name, skip_common=False)
    else:
        notes.append(f"{file_name}: no response parameter table")
    if errors_table is not None:
        for no, cells in errors_table.rows:
            code = cells[0] if cells else ""
            if re.fullmatch(ERROR_CODE, code):
                if code not in page.errors:
                    page.errors.append(code)
            elif code:
                notes.append(f"{file_name}:{no}: {code!r} is not an error code; skipped")
    else:
        notes.append(f"{file_name}: no error code table")
    page.examples = _read_examples(lines, file_name, notes)
    if not page.examples:
        notes.append(f"{file_name}: no example")

    names = {page.action + "Request", page.action + "Response"}
    for table, name, desc in structure_tables:
        if name in names or any(s.name == name for s in page.structures):
            notes.append(f"{file_name}:{table.line}: structure {name} skipped (name taken)")
            continue
        page.structures.append(
            DocStructure(
                name=name,
                description=desc,
                members=_members(table, file_name, skip_common=False),
                has_required=table.column("required") is not None,
                line=table.line,
            )
        )
    return page


def parse_file(path: Path) -> DocPage:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DocPageError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocPageError(f"{path}: not valid UTF-8 ({exc.reason})") from None
    return parse_text(text, Path(path).name)


# --------------------------------------------------------------------------- writing


def write_spec(page: DocPage, folder: Path, *, force: bool = False) -> list[str]:
    """Write the page's files into a spec folder; say what was done with each.

    A file that exists and was not written by this importer (a tccli import, a
    hand-written file) is kept unless ``force``: the tccli importer would take
    a doc-page file for a hand-written one and never update it again.
    """
    done: list[str] = []
    for rel, text in page.files().items():
        path = Path(folder) / rel
        if path.exists():
            old = path.read_text(encoding="utf-8", errors="replace")
            if old == text:
                done.append(f"unchanged {rel}")
                continue
            if not old.startswith(HEADER_MARK) and not force:
                done.append(f"kept {rel} (not written by this importer; --force replaces it)")
                continue
        write_atomic(path, text)
        done.append(f"wrote {rel}")
    return done


# --------------------------------------------------------------------------- comparing


def _same(a: Any, b: Any) -> bool:
    """JSON equality that tells ``true`` from ``1`` and ``1`` from ``"1"``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and bool(a == b)


def _json_diff(doc: Any, spec: Any, path: str) -> Iterator[str]:
    if isinstance(doc, dict) and isinstance(spec, dict):
        for key in doc:
            if key not in spec:
                yield f"{path}.{key}: only on the doc page"
        for key in spec:
            if key not in doc:
                yield f"{path}.{key}: only in the spec"
        for key in doc:
            if key in spec:
                yield from _json_diff(doc[key], spec[key], f"{path}.{key}")
    elif isinstance(doc, list) and isinstance(spec, list) and len(doc) == len(spec):
        for i, (x, y) in enumerate(zip(doc, spec, strict=True)):
            yield from _json_diff(x, y, f"{path}[{i}]")
    elif not _same(doc, spec):
        yield f"{path}: doc page {json.dumps(doc)[:60]}, spec {json.dumps(spec)[:60]}"


def _spec_type(m: Member) -> str:
    return f"list of {m.items}" if m.items is not None else m.type


def _compare_members(
    where: str,
    doc: Sequence[DocMember],
    spec: Sequence[Member],
    *,
    required: bool,
    structure: bool = False,
) -> list[str]:
    """Members on one side only, types, and (if ``required``) the Required column.

    A structure's Required column covers both directions; the spec says
    ``required`` for requests and ``output_required`` for responses.
    """
    out: list[str] = []
    by_name = {m.name: m for m in spec}
    doc_names = {m.name for m in doc}
    for d in doc:
        s = by_name.get(d.name)
        if s is None:
            out.append(f"{where}.{d.name}: on the doc page, absent from the spec")
            continue
        if d.type_text() != _spec_type(s):
            out.append(f"{where}.{d.name}: type: doc page {d.type_text()}, spec {_spec_type(s)}")
        spec_required = s.required or (structure and s.output_required)
        if required and d.required != spec_required:
            out.append(f"{where}.{d.name}: required: doc page {d.required}, spec {spec_required}")
    out.extend(
        f"{where}.{s.name}: in the spec, absent from the doc page"
        for s in spec
        if s.name not in doc_names
    )
    return out


def _compare_examples(where: str, doc: list[DocExample], spec: Sequence[Example]) -> list[str]:
    left = list(doc)
    right = list(spec)
    for d in list(left):
        match = next(
            (s for s in right if _same(d.request, s.request) and _same(d.response, s.response)),
            None,
        )
        if match is not None:
            left.remove(d)
            right.remove(match)
    out: list[str] = []
    for d, s in zip(left, right, strict=False):
        for part in ("request", "response"):
            d_part, s_part = getattr(d, part), getattr(s, part)
            if not _same(d_part, s_part):
                details = list(_json_diff(d_part, s_part, part))
                shown = "; ".join(details[:5]) + (" ..." if len(details) > 5 else "")
                out.append(f"{where} example {d.title!r}: {part} JSON differs: {shown}")
    out.extend(
        f"{where} example {d.title!r}: on the doc page, not in the spec" for d in left[len(right) :]
    )
    out.extend(
        f"{where} example {s.title!r}: in the spec, not on the doc page" for s in right[len(left) :]
    )
    return out


def compare(page: DocPage, spec: Service) -> tuple[list[str], list[str]]:
    """(disagreements, notes) between a page and a loaded spec folder.

    Disagreements: members present on one side only, their types, the request
    members' ``required`` (the response's is documentation the definitions do
    not share), error codes, and the examples' request and response JSON.
    Endpoint and rate limit differences are notes: the spec may set them
    service-wide.
    """
    name = page.action
    notes: list[str] = []
    actions = {a.name: a for a in spec.actions}
    action = actions.get(name)
    if action is None:
        return [f"{name}: on the doc page, not in the spec"], notes
    out = _compare_members(f"{name} input", page.input, action.input, required=True)
    out += _compare_members(f"{name} output", page.output, action.output, required=False)
    out.extend(
        f"{name} errors: {c} on the doc page, not in the spec"
        for c in page.errors
        if c not in action.errors
    )
    out.extend(
        f"{name} errors: {c} in the spec, not on the doc page"
        for c in action.errors
        if c not in page.errors
    )
    if page.examples:
        out += _compare_examples(name, page.examples, action.examples)
    else:
        notes.append(f"{name}: the doc page has no example to compare")
    structures = {s.name: s for s in spec.structures}
    for st in page.structures:
        if st.name not in structures:
            out.append(f"structure {st.name}: on the doc page, not in the spec")
            continue
        out += _compare_members(
            f"structure {st.name}",
            st.members,
            structures[st.name].members,
            required=st.has_required,
            structure=True,
        )
    if page.rate_limit is not None and page.rate_limit != action.rate_limit:
        notes.append(
            f"{name}: rate limit {page.rate_limit}/s on the doc page, spec {action.rate_limit}"
        )
    hosts = {spec.endpoint, *spec.endpoints.values()}
    if page.endpoint is not None and page.endpoint not in hosts:
        notes.append(f"{name}: endpoint {page.endpoint} on the doc page, spec {spec.endpoint}")
    if page.version is not None and page.version != spec.version:
        notes.append(f"{name}: version {page.version} on the doc page, spec {spec.version}")
    return out, notes


# --------------------------------------------------------------------------- command line


def _report(page: DocPage) -> list[str]:
    counts = (
        f"input {len(page.input)}, output {len(page.output)}, errors {len(page.errors)}, "
        f"examples {len(page.examples)}, structures {len(page.structures)}"
    )
    lines = [f"{page.file_name}: action {page.action} ({counts})"]
    lines.append(f"  endpoint: {page.endpoint or '(none on the page)'}")
    if page.version:
        lines.append(f"  version: {page.version}")
    rate = f"{page.rate_limit} requests/s" if page.rate_limit is not None else "(none on the page)"
    lines.append(f"  rate limit: {rate}")
    missing = page.missing_structures()
    if missing:
        lines.append(
            "  structures used but not defined on the page (they come from other sources): "
            + ", ".join(missing)
        )
    lines.extend(f"  note: {n}" for n in page.notes)
    return lines


def main(argv: list[str]) -> int:
    """``python -m generator import docpage FILE... [--out DIR] [--compare DIR]``."""
    parser = argparse.ArgumentParser(
        prog=COMMAND,
        description="Import API doc pages (text form) into spec YAML, or compare them "
        "with a spec folder.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="doc page (.txt)")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="spec folder (spec/<service>/<version>) to write actions/ and structures/ into",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --out: replace files that this importer did not write",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="SPEC_FOLDER",
        help="print where the pages disagree with this spec folder (exit 1 if they do)",
    )
    args = parser.parse_args(argv)

    pages: list[DocPage] = []
    try:
        for path in args.files:
            pages.append(parse_file(path))
    except DocPageError as exc:
        print(f"docpage error: {exc}", file=sys.stderr)
        return 2
    for page in pages:
        print("\n".join(_report(page)))
        if args.out is not None:
            for line in write_spec(page, args.out, force=args.force):
                print(f"  {line}")
    if args.out is not None:
        if not (args.out / "service.yaml").is_file():
            print(f"{args.out} has no service.yaml yet: the folder does not load without one")
        else:
            try:
                load_service(args.out)
            except SpecError as exc:
                print(f"warning: {args.out} does not load yet: {exc}", file=sys.stderr)

    if args.compare is None:
        return 0
    try:
        spec = load_service(args.compare)
    except SpecError as exc:
        print(f"spec error: {exc}", file=sys.stderr)
        return 2
    disagreements: list[str] = []
    print(f"compared with {args.compare}:")
    for page in pages:
        found, notes = compare(page, spec)
        disagreements += found
        for line in found:
            print(f"  DISAGREE {line}")
        for line in notes:
            print(f"  note: {line}")
        if not found:
            print(f"  {page.action}: agrees")
    if disagreements:
        print(f"{len(disagreements)} disagreement(s) between the doc pages and {args.compare}")
        return 1
    print(f"no disagreements between the doc pages and {args.compare}")
    return 0
