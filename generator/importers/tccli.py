"""Import service versions from the official machine-readable definitions.

The PyPI packages ``tccli`` (Chinese docs, every action) and ``tccli-intl-en``
(English docs, the international site's subset) ship
``tccli/services/<folder>/v<YYYYMMDD>/{api,examples}.json``. Both install as the
same ``tccli`` package, so they cannot share an environment: the importer reads
them straight from their wheels (or from unpacked folders).

A folder is not always the API service's name (``autoscaling`` serves ``as``):
the spec folder and ``service:`` use ``metadata.serviceShortName``, which the
signing scope and the host are made of.

What it writes is owned by the importer and marked with a header: service.yaml,
actions/*.yaml and structures/*.yaml. Files without the header are hand-written
and never touched; hand additions to imported definitions go in overrides.yaml,
which the importer never writes. Re-importing unchanged inputs rewrites nothing.
``import_all`` imports every service version of the Chinese package; a version
that cannot be imported is reported (IMPORT-REPORT.md / .json in the spec root)
and the others go on.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import attrs

from ..cli_io import write_atomic
from .htmltext import to_text
from .yamlout import dump

HEADER = (
    "Imported by `python -m generator import tccli`. Do not edit: the next import\n"
    "rewrites this file. Put hand-made changes in overrides.yaml (see spec/README.md)."
)
HEADER_MARK = "# Imported by `python -m generator import tccli`"
REPORT_MD = "IMPORT-REPORT.md"
REPORT_JSON = "IMPORT-REPORT.json"

_SCALARS = {
    "string": "string",
    "int64": "int64",
    "uint64": "uint64",
    "int": "int64",
    "float": "float",
    "double": "float",
    "bool": "boolean",
    "boolean": "boolean",
    "binary": "binary",
    "date": "date",
    "datetime": "datetime",
    "datetime_iso": "datetime_iso",
    "timestamp": "datetime",
}
_VERSION_FOLDER = re.compile(r"v(\d{4})(\d{2})(\d{2})")
_NO_EXAMPLE = frozenset({"无", "-"})


class ImportError_(Exception):
    """The definitions could not be read or do not have the expected shape."""


@attrs.frozen
class Definitions:
    """One package's definitions of one service version."""

    package: str  # "tccli" or "tccli-intl-en"
    package_version: str
    api: dict[str, Any]
    examples: dict[str, Any]
    folder: str = ""  # tccli/services/<folder>/


@attrs.frozen
class ExampleProblem:
    action: str
    index: int
    reason: str


@attrs.define
class ImportReport:
    """What the import of one service version did."""

    written: list[str] = attrs.field(factory=list)
    unchanged: int = 0
    removed: list[str] = attrs.field(factory=list)
    kept_hand_written: list[str] = attrs.field(factory=list)
    offline: list[str] = attrs.field(factory=list)
    deprecated: list[str] = attrs.field(factory=list)
    actions: int = 0
    structures: int = 0
    english_actions: int = 0
    documented_examples: int = 0  # in the definitions the import read
    examples: int = 0  # imported
    examples_from_chinese: int = 0  # English example unreadable, the Chinese one used
    skipped_examples: list[ExampleProblem] = attrs.field(factory=list)

    def summary(self) -> str:
        lines = [
            f"{self.actions} actions ({self.english_actions} with English docs), "
            f"{self.structures} structures, {self.examples} of {self.documented_examples} "
            f"examples ({self.examples_from_chinese} from the Chinese docs); "
            f"{len(self.written)} files written, {self.unchanged} unchanged, "
            f"{len(self.removed)} removed"
        ]
        if self.offline:
            lines.append(f"offline, left out: {', '.join(self.offline)}")
        if self.deprecated:
            lines.append(f"deprecated: {', '.join(self.deprecated)}")
        if self.kept_hand_written:
            lines.append(f"hand-written, not touched: {', '.join(self.kept_hand_written)}")
        for p in self.skipped_examples:
            lines.append(f"example not imported: {p.action}[{p.index}]: {p.reason}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading


def version_of(folder_name: str) -> str | None:
    """``v20240516`` → ``2024-05-16`` (None for anything else)."""
    m = _VERSION_FOLDER.fullmatch(folder_name)
    return f"{m[1]}-{m[2]}-{m[3]}" if m else None


class Package:
    """One definitions package, a wheel or an unpacked folder, open for reading."""

    def __init__(self, source: Path) -> None:
        self.source = Path(source)
        self._zip: zipfile.ZipFile | None = None
        try:
            if self.source.is_file():
                self._zip = zipfile.ZipFile(self.source)
                self._names = sorted(self._zip.namelist())
            elif self.source.is_dir():
                base = self.source / "tccli" / "services"
                self._names = sorted(
                    p.relative_to(self.source).as_posix()
                    for p in [
                        *base.glob("*/v*/api.json"),
                        *self.source.glob("*.dist-info/METADATA"),
                    ]
                )
            else:
                raise ImportError_(f"{self.source}: no such wheel or folder")
        except (OSError, zipfile.BadZipFile) as exc:
            raise ImportError_(f"{self.source}: cannot read definitions ({exc})") from None
        self._name_set = frozenset(self._names)
        self.name, self.version = self._package_of()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def _read(self, rel: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(rel)
        return (self.source / rel).read_bytes()

    def _has(self, rel: str) -> bool:
        if self._zip is not None:
            return rel in self._name_set
        return (self.source / rel).is_file()

    def _package_of(self) -> tuple[str, str]:
        # A wheel holds one dist-info; a site-packages folder holds many: take tccli's.
        for name in self._names:
            if re.fullmatch(r"tccli[^/]*\.dist-info/METADATA", name, re.IGNORECASE):
                meta = self._read(name).decode("utf-8", "replace")
                pkg = re.search(r"^Name: (.+)$", meta, re.M)
                ver = re.search(r"^Version: (.+)$", meta, re.M)
                if pkg and ver:
                    return pkg.group(1).strip(), ver.group(1).strip()
        return "tccli", "unknown"

    def versions(self) -> list[tuple[str, str]]:
        """Every (folder, version) the package defines, sorted."""
        out = []
        for name in self._names:
            parts = name.split("/")
            if len(parts) == 5 and parts[:2] == ["tccli", "services"] and parts[4] == "api.json":
                version = version_of(parts[3])
                if version is not None:
                    out.append((parts[2], version))
        return sorted(out)

    def _json(self, rel: str) -> Any:
        try:
            return json.loads(self._read(rel))
        except (OSError, KeyError, ValueError) as exc:
            raise ImportError_(f"{self.source}: cannot read {rel} ({exc})") from None

    def definitions(self, folder: str, version: str) -> Definitions | None:
        """The definitions of one service version, or None when the package lacks it."""
        rel = f"tccli/services/{folder}/v{version.replace('-', '')}"
        if not self._has(f"{rel}/api.json"):
            return None
        api = self._json(f"{rel}/api.json")
        if not isinstance(api, dict) or not isinstance(api.get("actions"), dict):
            raise ImportError_(f"{self.source}: {rel}/api.json lacks 'actions'/'objects'")
        if not isinstance(api.get("objects"), dict):
            raise ImportError_(f"{self.source}: {rel}/api.json lacks 'actions'/'objects'")
        examples = self._json(f"{rel}/examples.json") if self._has(f"{rel}/examples.json") else {}
        if not isinstance(examples, dict) or not isinstance(examples.get("actions"), dict):
            examples = {"actions": {}}
        return Definitions(self.name, self.version, api, examples, folder)

    def find(self, service: str, version: str) -> str | None:
        """The folder of ``service`` (a folder name or a serviceShortName) at ``version``."""
        folders = [f for f, v in self.versions() if v == version]
        if service in folders:
            return service
        for folder in folders:
            rel = f"tccli/services/{folder}/v{version.replace('-', '')}/api.json"
            meta = self._json(rel).get("metadata")
            if isinstance(meta, dict) and meta.get("serviceShortName") == service:
                return folder
        return None


def read_definitions(source: Path, service: str, version: str) -> Definitions | None:
    """Read one service version (``service``: folder or short name) from a wheel or
    folder; None when the package does not define it."""
    with Package(source) as package:
        folder = package.find(service, version)
        return package.definitions(folder, version) if folder is not None else None


# --------------------------------------------------------------------------- converting


def _type_of(m: Mapping[str, Any], where: str, objects: Mapping[str, Any]) -> dict[str, Any]:
    kind, member = str(m.get("type", "")), str(m.get("member", ""))
    if kind == "list":
        if member in _SCALARS:
            return {"type": "list", "items": _SCALARS[member]}
        if member in objects:
            return {"type": "list", "items": member}
        raise ImportError_(f"{where}: list of unknown type {member!r}")
    if kind == "object":
        if member in objects:
            return {"type": member}
        raise ImportError_(f"{where}: object of unknown structure {member!r}")
    if member in _SCALARS:
        return {"type": _SCALARS[member]}
    if kind in _SCALARS:
        return {"type": _SCALARS[kind]}
    raise ImportError_(f"{where}: unknown type {kind!r}/{member!r}")


def _doc(text: Any) -> str:
    """A description as plain text / light markdown (see htmltext)."""
    return to_text(text) if isinstance(text, str) else ""


class _Docs:
    """English text where the international definitions have it, else Chinese."""

    def __init__(self, cn: Definitions, en: Definitions | None) -> None:
        self.cn = cn
        self.en = en

    def _en_object(self, name: str) -> dict[str, Any] | None:
        if self.en is None:
            return None
        obj = self.en.api["objects"].get(name)
        return obj if isinstance(obj, dict) else None

    def object_doc(self, name: str) -> tuple[str, str]:
        en = self._en_object(name)
        if en and _doc(en.get("document")):
            return _doc(en.get("document")), "en"
        return _doc(self.cn.api["objects"][name].get("document")), "zh-CN"

    def member_doc(self, obj: str, member: str, cn_text: Any) -> tuple[str, str]:
        en = self._en_object(obj)
        if en:
            for m in en.get("members", []):
                if m.get("name") == member and _doc(m.get("document")):
                    return _doc(m["document"]), "en"
        return _doc(cn_text), "zh-CN"

    def action(self, name: str) -> tuple[dict[str, Any], str, Definitions]:
        if self.en is not None and isinstance(self.en.api["actions"].get(name), dict):
            return self.en.api["actions"][name], "en", self.en
        return self.cn.api["actions"][name], "zh-CN", self.cn


def _members(
    docs: _Docs, obj_name: str, obj: Mapping[str, Any], file_lang: str
) -> list[dict[str, Any]]:
    objects = docs.cn.api["objects"]
    out: list[dict[str, Any]] = []
    for m in obj.get("members", []):
        where = f"{obj_name}.{m.get('name')}"
        entry: dict[str, Any] = {"name": m["name"], **_type_of(m, where, objects)}
        if m.get("required"):
            entry["required"] = True
        if m.get("output_required"):
            entry["output_required"] = True
        if m.get("value_allowed_null"):
            entry["nullable"] = True
        text, lang = docs.member_doc(obj_name, m["name"], m.get("document"))
        if m.get("disabled"):
            # Hidden from the public docs, but the API (and the official SDK) still
            # has it: kept, as deprecated, for code that sends or reads it.
            entry["deprecated"] = True
            text = (text + "\n\n" if text else "") + _DISABLED_NOTE
        if text:
            entry["description"] = text
        if lang != file_lang:
            entry["lang"] = lang
        example = m.get("example")
        if isinstance(example, str) and example.strip() and example.strip() not in _NO_EXAMPLE:
            entry["example"] = example.strip()
        out.append(entry)
    return out


_DISABLED_NOTE = (
    "Not in the public documentation (the definitions mark it disabled); kept for "
    "code written against the official SDK, which has it."
)


def _referenced(api: Mapping[str, Any], roots: Iterable[str]) -> list[str]:
    """Structures reachable from the given objects through their members, sorted."""
    objects = api["objects"]
    seen: dict[str, None] = {}
    stack = list(roots)
    while stack:
        name = stack.pop()
        for m in objects.get(name, {}).get("members", []):
            ref = m.get("member")
            if ref in objects and ref not in seen:
                seen[ref] = None
                stack.append(ref)
    return sorted(seen)


_COMMON_QUERY = frozenset(
    {
        "Action",
        "Version",
        "Region",
        "Timestamp",
        "Nonce",
        "SecretId",
        "Signature",
        "SignatureMethod",
        "Token",
        "Language",
    }
)
_INTEGER = re.compile(r"[+-]?\d+")


def _typed(value: str, member: Mapping[str, Any] | None, objects: Mapping[str, Any]) -> Any:
    """A query-string value as the JSON type its member has (an integer literal
    stays an integer, for float members too)."""
    kind = _type_of(member, "query", objects).get("type") if member else "string"
    if kind in ("int64", "uint64"):
        return int(value)
    if kind == "float":
        return int(value) if _INTEGER.fullmatch(value) else float(value)
    if kind == "boolean":
        return value.lower() == "true"
    return value


def params_from_query(query: str, request_obj: str, api: Mapping[str, Any]) -> dict[str, Any]:
    """Rebuild typed parameters from a documented GET-style example.

    Keys are flattened (``Tags.0.Key``); values are URL-encoded once for
    transport, and typed by the members of the request object.
    """
    objects = api["objects"]
    params: dict[str, Any] = {}
    for part in query.replace("\n", "").split("&"):
        key, sep, value = part.partition("=")
        key = unquote(key.strip())
        if not sep or key.split(".")[0] in _COMMON_QUERY or key.startswith("<"):
            continue
        node: Any = params
        obj = request_obj
        path = key.split(".")
        for i, name in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, list):
                index = int(name)
                while len(node) <= index:
                    node.append({})
                if last:
                    node[index] = _typed(unquote(value), {"type": "string", "member": obj}, objects)
                    break
                node = node[index]
                continue
            member = next(
                (m for m in objects.get(obj, {}).get("members", []) if m["name"] == name), None
            )
            if last:
                node[name] = _typed(unquote(value), member, objects)
                break
            is_list = bool(member and member.get("type") == "list")
            node = node.setdefault(name, [] if is_list else {})
            obj = str(member.get("member")) if member else ""
    return params


class ExampleError(ValueError):
    """A documented example that cannot be imported; the message says why."""


_SURROGATE = re.compile("[\ud800-\udfff]")
_EVENT_LINE = re.compile(r"^data:", re.M)
_CONTENT_TYPE = re.compile(r"Content-Type\"?\s*:\s*\"?([^\s;\",]+)", re.I)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ExampleError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _non_finite(name: str) -> Any:
    raise ExampleError(f"{name} is not a JSON number")


def _strict_json(text: str, what: str) -> Any:
    """JSON as the SDK will send and read it: ints stay ints, null stays null;
    duplicate keys, NaN/Infinity and lone surrogates are refused."""
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_non_finite)
    except ExampleError as exc:
        raise ExampleError(f"{what}: {exc}") from None
    except ValueError as exc:
        raise ExampleError(f"{what} is not valid JSON ({exc})") from None
    _check_values(value, what)
    return value


def _check_values(value: Any, what: str) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k, item in v.items():
                if _SURROGATE.search(k):
                    raise ExampleError(f"{what}: a key holds a lone surrogate")
                stack.append(item)
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str) and _SURROGATE.search(v):
            raise ExampleError(f"{what}: a string holds a lone surrogate")
        elif isinstance(v, float) and not math.isfinite(v):
            raise ExampleError(f"{what}: a number is not finite")


def read_example(
    raw: Any, request_obj: str = "", api: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(request params, Response object) of one documented example.

    ``input`` is raw HTTP request text whose JSON body follows the first blank
    line, or a URL whose query string carries the parameters. ``output`` is JSON
    in the documentation wrapper ``{"Error": null, "RequestId": null, "Response": {...}}``.
    Raises :class:`ExampleError` saying why an example cannot be used.
    """
    request, output = _read_parts(raw, request_obj, api)
    if isinstance(output, list):
        raise ExampleError("output is an event stream (data: lines), not one answer")
    response = output.get("Response") if isinstance(output, dict) else None
    if not isinstance(response, dict):
        raise ExampleError("output is not in the documentation wrapper (no Response object)")
    return request, response


def read_any_example(
    raw: Any, request_obj: str = "", api: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any] | list[dict[str, Any]]]:
    """Like :func:`read_example`, but an output that is an event stream (``data:``
    lines, each a JSON object; other lines are the page's notes) gives the list of
    the events' data objects in place of the Response object."""
    request, output = _read_parts(raw, request_obj, api)
    if isinstance(output, list):
        return request, output
    response = output.get("Response") if isinstance(output, dict) else None
    if not isinstance(response, dict):
        raise ExampleError("output is not in the documentation wrapper (no Response object)")
    return request, response


def _events(answer: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for line in answer.replace("\r\n", "\n").split("\n"):
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            continue
        event = _strict_json(data, f"event {len(events) + 1} of the output")
        if not isinstance(event, dict):
            raise ExampleError(f"event {len(events) + 1} of the output is not a JSON object")
        events.append(event)
    if not events:
        raise ExampleError("output is an event stream without data events")
    return events


def _read_parts(
    raw: Any, request_obj: str, api: Mapping[str, Any] | None
) -> tuple[dict[str, Any], Any]:
    """(request params, parsed output: JSON, or a list of events' data objects)."""
    if not isinstance(raw, dict):
        raise ExampleError("not an object with input/output")
    text = str(raw.get("input", "")).replace("\r\n", "\n").strip()
    answer = str(raw.get("output", ""))
    try:
        output: Any = _strict_json(answer, "output")
    except ExampleError:
        if not _EVENT_LINE.search(answer):
            raise
        output = _events(answer)
    if text.startswith(("http://", "https://")) and "?" in text:
        if api is None:
            raise ExampleError("a query-string request needs the definitions to type it")
        try:
            request = params_from_query(text.partition("?")[2], request_obj, api)
        except (ValueError, IndexError, TypeError, AttributeError) as exc:
            raise ExampleError(f"query-string request does not fit the members ({exc})") from None
        _check_values(request, "query-string request")
    else:
        head, sep, body = text.partition("\n\n")
        content_type = _CONTENT_TYPE.search(head)
        if content_type and "json" not in content_type.group(1).lower():
            raise ExampleError(f"request body is {content_type.group(1)}, not JSON")
        request = _strict_json(body, "request body") if sep and body.strip() else {}
    if not isinstance(request, dict):
        raise ExampleError("request body is not a JSON object")
    return request, output


def parse_example(
    raw: Mapping[str, Any], request_obj: str = "", api: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Like :func:`read_example`, None when the example cannot be used."""
    try:
        return read_example(raw, request_obj, api)
    except ExampleError:
        return None


def _examples(
    name: str, req_name: str, cn: Definitions, en: Definitions | None, report: ImportReport
) -> list[dict[str, Any]]:
    """The examples of one action: the English ones when the international
    definitions document the action, each one that does not parse replaced by
    the Chinese example at the same index; else the Chinese ones."""
    cn_list = cn.examples["actions"].get(name) or []
    en_list = (en.examples["actions"].get(name) or []) if en is not None else []
    api = cn.api
    out: list[dict[str, Any]] = []
    for i, raw in enumerate(en_list or cn_list):
        report.documented_examples += 1
        try:
            request, response = read_any_example(raw, req_name, api)
            used = raw
        except ExampleError as exc:
            if not en_list:
                report.skipped_examples.append(ExampleProblem(name, i, str(exc)))
                continue
            reason = f"English: {exc}"
            if i >= len(cn_list):
                report.skipped_examples.append(
                    ExampleProblem(name, i, f"{reason}; no Chinese example at this index")
                )
                continue
            try:
                request, response = read_any_example(cn_list[i], req_name, api)
            except ExampleError as cn_exc:
                report.skipped_examples.append(
                    ExampleProblem(name, i, f"{reason}; Chinese: {cn_exc}")
                )
                continue
            used = cn_list[i]
            report.examples_from_chinese += 1
        title = _doc(used.get("title")) or f"Example {i + 1}"
        entry: dict[str, Any] = {"title": title}
        description = _doc(used.get("document"))
        if description and description != title:
            entry["description"] = description
        entry["request"] = request
        entry["events" if isinstance(response, list) else "response"] = response
        out.append(entry)
        report.examples += 1
    return out


_SSE_WORD = re.compile(r"\bSSE\b")


def _streams(
    name: str, document: str, request_members: list[Any], examples: list[dict[str, Any]]
) -> bool:
    """Whether an action may answer with server-sent events, as its definition
    shows it: a boolean ``Stream``/``Streaming`` request member, an ``SSE`` in its
    name or description, or a documented answer that is an event stream."""
    if any(
        m.get("name") in ("Stream", "Streaming") and m.get("type") == "bool"
        for m in request_members
    ):
        return True
    if name.endswith("SSE") or _SSE_WORD.search(document):
        return True
    return any("events" in e for e in examples)


def convert(
    cn: Definitions,
    en: Definitions | None,
    errors_by_action: Mapping[str, list[str]],
    report: ImportReport,
) -> dict[str, str]:
    """The spec files of one service version: {relative path: YAML text}."""
    api = cn.api
    meta = api.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    service = str(meta.get("serviceShortName", ""))
    version = str(meta.get("apiVersion", ""))
    if not service or not version:
        raise ImportError_("api.json metadata lacks serviceShortName/apiVersion")
    if not re.fullmatch(r"[a-z][a-z0-9]*", service):
        raise ImportError_(f"service name {service!r} is not a lowercase identifier")
    docs = _Docs(cn, en)
    files: dict[str, str] = {}
    common = _common_errors() if errors_by_action else frozenset()

    actions: list[str] = []
    for name in sorted(api["actions"]):
        status = api["actions"][name].get("status", "online")
        if status == "offline":
            report.offline.append(name)
            continue
        actions.append(name)
    if not actions:
        raise ImportError_(f"no online actions ({len(report.offline)} offline)")
    service_codes: set[str] = set()
    for name in actions:
        action, lang, _ = docs.action(name)
        cn_action = api["actions"][name]
        req_name, resp_name = cn_action["input"], cn_action["output"]
        for obj in (req_name, resp_name):
            if obj not in api["objects"]:
                raise ImportError_(f"{name}: no object {obj!r} in api.json")
        data: dict[str, Any] = {"action": name}
        if _doc(action.get("name")):
            data["title"] = _doc(action.get("name"))
        data["description"] = _doc(action.get("document")) or name
        data["lang"] = lang
        if cn_action.get("status") == "deprecated":
            data["deprecated"] = True
            report.deprecated.append(name)
        if cn_action.get("skip_sign"):
            data["unsigned"] = True
        request_members = api["objects"][req_name].get("members", [])
        if any(m.get("type") == "binary" or m.get("member") == "binary" for m in request_members):
            data["request_body"] = "multipart"
        data["input"] = _members(docs, req_name, api["objects"][req_name], lang)
        data["output"] = _members(docs, resp_name, api["objects"][resp_name], lang)
        codes = sorted(set(errors_by_action.get(name, [])))
        service_codes.update(c for c in codes if c not in common)
        if codes:
            data["errors"] = codes
        examples = _examples(name, req_name, cn, en if lang == "en" else None, report)
        if examples:
            data["examples"] = examples
        if _streams(name, str(cn_action.get("document", "")), request_members, examples):
            # with the other action facts, before the members
            at = list(data).index("input")
            items = list(data.items())
            data = dict([*items[:at], ("streams", True), *items[at:]])
        if lang == "en":
            report.english_actions += 1
        files[f"actions/{name}.yaml"] = dump(data, HEADER)

    roots = [r for n in actions for r in (api["actions"][n]["input"], api["actions"][n]["output"])]
    structures = _referenced(api, roots)
    for name in structures:
        doc, lang = docs.object_doc(name)
        data = {"structure": name, "description": doc or name, "lang": lang}
        data["members"] = _members(docs, name, api["objects"][name], lang)
        files[f"structures/{name}.yaml"] = dump(data, HEADER)

    svc: dict[str, Any] = {
        "service": service,
        "version": version,
        "title": _doc(meta.get("serviceNameCN")) or service,
    }
    if _doc(meta.get("api_brief")):
        svc["description"] = _doc(meta.get("api_brief"))
    svc.update(
        lang="zh-CN",
        client_name=service[:1].upper() + service[1:],
        endpoint=f"{service}.tencentcloudapi.com",
        # The China site's host always; the international site's when its
        # definitions document this service version.
        endpoints={
            "china": f"{service}.tencentcloudapi.com",
            **({"international": f"{service}.intl.tencentcloudapi.com"} if en is not None else {}),
        },
        region_required=True,
        errors=[{"code": c} for c in sorted(service_codes)],
    )
    if report.offline:
        svc["offline_actions"] = sorted(report.offline)
    svc["source"] = {
        cn.package: cn.package_version,
        **({en.package: en.package_version} if en is not None else {}),
    }
    files["service.yaml"] = dump(svc, HEADER)
    report.actions = len(actions)
    report.structures = len(structures)
    return files


def _common_errors() -> frozenset[str]:
    """The common API 3.0 codes the runtime defines (not listed per service)."""
    from ..render import runtime_common_errors  # noqa: PLC0415 - only with error lists

    return frozenset(runtime_common_errors())


def spec_folder_of(defs: Definitions) -> str:
    """``<serviceShortName>/<apiVersion>``: where a service version goes in spec/."""
    meta = defs.api.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return f"{meta.get('serviceShortName', '')}/{meta.get('apiVersion', '')}"


# --------------------------------------------------------------------------- writing


def _is_imported(path: Path) -> bool:
    with path.open(encoding="utf-8", errors="replace") as fh:
        return fh.readline().startswith(HEADER_MARK)


def write_spec(folder: Path, files: Mapping[str, str], report: ImportReport) -> None:
    """Write what changed; remove imported files the definitions no longer have;
    never touch hand-written files."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, text in sorted(files.items()):
        path = folder / rel
        if path.exists():
            if not _is_imported(path):
                report.kept_hand_written.append(rel)
                continue
            if path.read_text(encoding="utf-8") == text:
                report.unchanged += 1
                continue
        write_atomic(path, text)
        report.written.append(rel)
    for sub in ("actions", "structures"):
        for path in sorted((folder / sub).glob("*.yaml")):
            rel = f"{sub}/{path.name}"
            if rel not in files and _is_imported(path):
                path.unlink()
                report.removed.append(rel)


def load_errors(path: Path | None) -> dict[str, list[str]]:
    """Per-action error codes: ``{"actions": {Action: [codes]}}`` JSON."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImportError_(f"{path}: cannot read error codes ({exc})") from None
    actions = data.get("actions") if isinstance(data, dict) else None
    if not isinstance(actions, dict):
        raise ImportError_(f"{path}: expected {{'actions': {{Action: [codes]}}}}")
    return {str(k): [str(c) for c in v] for k, v in actions.items()}


def _import_one(
    cn_defs: Definitions,
    en_defs: Definitions | None,
    spec_root: Path,
    errors: Path | None = None,
) -> tuple[str, ImportReport]:
    rel = spec_folder_of(cn_defs)
    folder = Path(spec_root) / rel
    if errors is None and (folder / "errors-by-action.json").is_file():
        errors = folder / "errors-by-action.json"
    report = ImportReport()
    files = convert(cn_defs, en_defs, load_errors(errors), report)
    write_spec(folder, files, report)
    return rel, report


def import_service(
    *,
    service: str,
    version: str,
    cn: Path,
    en: Path | None,
    spec_root: Path,
    errors: Path | None = None,
) -> ImportReport:
    """Import one service version; ``service`` is its folder or its short name."""
    with Package(cn) as cn_pkg:
        folder = cn_pkg.find(service, version)
        cn_defs = cn_pkg.definitions(folder, version) if folder is not None else None
    if cn_defs is None:
        raise ImportError_(f"{cn} does not define {service} {version}")
    en_defs = None
    if en is not None:
        with Package(en) as en_pkg:
            en_defs = en_pkg.definitions(cn_defs.folder, version)
    return _import_one(cn_defs, en_defs, spec_root, errors)[1]


# --------------------------------------------------------------------------- the whole catalog


@attrs.frozen
class VersionResult:
    """One service version of an ``import_all`` run."""

    folder: str  # tccli/services/<folder>/
    version: str
    spec: str = ""  # <service>/<version> in spec/, when known
    report: ImportReport | None = None
    reason: str = ""  # why it was not imported


@attrs.define
class CatalogReport:
    sources: dict[str, str] = attrs.field(factory=dict)
    results: list[VersionResult] = attrs.field(factory=list)
    english_only: list[str] = attrs.field(factory=list)  # folder/version
    stale: list[str] = attrs.field(factory=list)  # imported spec folders no package defines

    @property
    def imported(self) -> list[VersionResult]:
        return [r for r in self.results if r.report is not None]

    @property
    def failed(self) -> list[VersionResult]:
        return [r for r in self.results if r.report is None]

    def totals(self) -> dict[str, int]:
        reports = [r.report for r in self.imported if r.report is not None]
        return {
            "service_versions": len(self.results),
            "imported": len(reports),
            "not_imported": len(self.failed),
            "services": len({r.spec.split("/")[0] for r in self.imported}),
            "actions": sum(r.actions for r in reports),
            "actions_with_english_docs": sum(r.english_actions for r in reports),
            "offline_actions_left_out": sum(len(r.offline) for r in reports),
            "deprecated_actions": sum(len(r.deprecated) for r in reports),
            "structures": sum(r.structures for r in reports),
            "documented_examples": sum(r.documented_examples for r in reports),
            "examples_imported": sum(r.examples for r in reports),
            "examples_from_chinese": sum(r.examples_from_chinese for r in reports),
            "examples_not_imported": sum(len(r.skipped_examples) for r in reports),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "sources": dict(sorted(self.sources.items())),
            "totals": self.totals(),
            "not_imported": [
                {"folder": r.folder, "version": r.version, "spec": r.spec, "reason": r.reason}
                for r in self.failed
            ],
            "examples_not_imported": [
                {"spec": r.spec, "action": p.action, "index": p.index, "reason": p.reason}
                for r in self.imported
                if r.report is not None
                for p in r.report.skipped_examples
            ],
            "english_only": self.english_only,
            "stale_spec_folders": self.stale,
        }

    def to_markdown(self) -> str:
        data = self.to_json()
        src = ", ".join(f"{k} {v}" for k, v in data["sources"].items())
        lines = [
            "# Import report",
            "",
            f"Written by `python -m generator import tccli --all` from {src}.",
            "It lists what could not be imported, and why; the same data is in",
            f"{REPORT_JSON}. Re-importing the same definitions rewrites it unchanged.",
            "",
            "## Totals",
            "",
            "| | |",
            "| --- | --- |",
        ]
        lines += [f"| {k.replace('_', ' ')} | {v} |" for k, v in data["totals"].items()]
        lines += ["", "## Service versions not imported", ""]
        if data["not_imported"]:
            lines += ["| definitions folder | version | reason |", "| --- | --- | --- |"]
            lines += [
                f"| {r['folder']} | {r['version']} | {_cell(r['reason'])} |"
                for r in data["not_imported"]
            ]
        else:
            lines.append("None.")
        lines += ["", "## Examples not imported", ""]
        if data["examples_not_imported"]:
            lines += [
                "An example is left out when neither its English nor (at the same index) its",
                "Chinese version is a JSON request and a JSON `Response` object.",
                "",
                "| service version | action | example | reason |",
                "| --- | --- | --- | --- |",
            ]
            lines += [
                f"| {e['spec']} | {e['action']} | {e['index']} | {_cell(e['reason'])} |"
                for e in data["examples_not_imported"]
            ]
        else:
            lines.append("None.")
        if self.english_only:
            lines += [
                "",
                "## Defined only by the English package (not imported)",
                "",
                "The Chinese package is the catalog; these folders are not in it:",
                "",
            ]
            lines += [f"- {f}" for f in self.english_only]
        if self.stale:
            lines += [
                "",
                "## Imported spec folders no longer in the definitions (left in place)",
                "",
            ]
            lines += [f"- {f}" for f in self.stale]
        return "\n".join(lines) + "\n"

    def summary(self) -> str:
        t = self.totals()
        reports = [r.report for r in self.imported if r.report is not None]
        return (
            f"{t['imported']} of {t['service_versions']} service versions imported "
            f"({t['actions']} actions, {t['structures']} structures, "
            f"{t['examples_imported']} of {t['documented_examples']} examples, "
            f"{t['examples_from_chinese']} of them from the Chinese docs); "
            f"{t['not_imported']} not imported, {t['examples_not_imported']} examples left out; "
            f"{sum(len(r.written) for r in reports)} files written, "
            f"{sum(r.unchanged for r in reports)} unchanged, "
            f"{sum(len(r.removed) for r in reports)} removed"
        )


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _imported_folders(spec_root: Path) -> Iterator[str]:
    for path in sorted(Path(spec_root).glob("*/*/service.yaml")):
        if _is_imported(path):
            yield path.parent.relative_to(spec_root).as_posix()


def import_all(*, cn: Path, en: Path | None, spec_root: Path) -> CatalogReport:
    """Import every service version the Chinese package defines. A version that
    fails is recorded with its reason; the rest are imported. Writes the report
    (``IMPORT-REPORT.md`` and ``.json``) into the spec root."""
    spec_root = Path(spec_root)
    catalog = CatalogReport()
    with Package(cn) as cn_pkg:
        en_pkg = Package(en) if en is not None else None
        try:
            catalog.sources[cn_pkg.name] = cn_pkg.version
            cn_versions = cn_pkg.versions()
            if en_pkg is not None:
                catalog.sources[en_pkg.name] = en_pkg.version
                catalog.english_only = [
                    f"{f}/{v}" for f, v in sorted(set(en_pkg.versions()) - set(cn_versions))
                ]
            done: dict[str, str] = {}
            for folder, version in cn_versions:
                catalog.results.append(
                    _import_version(
                        cn_pkg=cn_pkg,
                        en_pkg=en_pkg,
                        folder=folder,
                        version=version,
                        spec_root=spec_root,
                        done=done,
                    )
                )
        finally:
            if en_pkg is not None:
                en_pkg.close()
    defined = {r.spec for r in catalog.results if r.spec}
    catalog.stale = [f for f in _imported_folders(spec_root) if f not in defined]
    write_atomic(
        spec_root / REPORT_JSON, json.dumps(catalog.to_json(), indent=2, ensure_ascii=False) + "\n"
    )
    write_atomic(spec_root / REPORT_MD, catalog.to_markdown())
    return catalog


def _import_version(
    *,
    cn_pkg: Package,
    en_pkg: Package | None,
    folder: str,
    version: str,
    spec_root: Path,
    done: dict[str, str],
) -> VersionResult:
    spec = ""
    try:
        cn_defs = cn_pkg.definitions(folder, version)
        if cn_defs is None:  # listed, so present: only a race with the file system
            raise ImportError_("api.json disappeared")
        spec = spec_folder_of(cn_defs)
        meta_version = spec.split("/", 1)[1]
        if meta_version != version:
            raise ImportError_(f"metadata.apiVersion {meta_version!r} is not the folder's")
        if spec in done:
            raise ImportError_(f"{spec} is already imported from folder {done[spec]!r}")
        done[spec] = folder
        en_defs = en_pkg.definitions(folder, version) if en_pkg is not None else None
        _, report = _import_one(cn_defs, en_defs, spec_root)
    except Exception as exc:  # one version's failure must not stop the catalog
        reason = str(exc) if isinstance(exc, ImportError_) else f"{type(exc).__name__}: {exc}"
        return VersionResult(folder, version, spec, None, reason)
    return VersionResult(folder, version, spec, report)
