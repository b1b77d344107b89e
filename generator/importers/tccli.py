"""Import a service version from the official machine-readable definitions.

The PyPI packages ``tccli`` (Chinese docs, every action) and ``tccli-intl-en``
(English docs, the international site's subset) ship
``tccli/services/<svc>/v<YYYYMMDD>/{api,examples}.json``. Both install as the
same ``tccli`` package, so they cannot share an environment: the importer reads
them straight from their wheels (or from unpacked folders).

What it writes is owned by the importer and marked with a header: service.yaml,
actions/*.yaml and structures/*.yaml. Files without the header are hand-written
and never touched; hand additions to imported definitions go in overrides.yaml,
which the importer never writes. Re-importing unchanged inputs rewrites nothing.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import attrs

from ..cli_io import write_atomic
from ..render import runtime_common_errors
from .yamlout import dump

HEADER = (
    "Imported by `python -m generator import tccli`. Do not edit: the next import\n"
    "rewrites this file. Put hand-made changes in overrides.yaml (see spec/README.md)."
)
HEADER_MARK = "# Imported by `python -m generator import tccli`"

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


class ImportError_(Exception):
    """The definitions could not be read or do not have the expected shape."""


@attrs.frozen
class Definitions:
    """One package's definitions of one service version."""

    package: str  # "tccli" or "tccli-intl-en"
    package_version: str
    api: dict[str, Any]
    examples: dict[str, Any]


@attrs.define
class ImportReport:
    written: list[str] = attrs.field(factory=list)
    unchanged: int = 0
    removed: list[str] = attrs.field(factory=list)
    kept_hand_written: list[str] = attrs.field(factory=list)
    offline: list[str] = attrs.field(factory=list)
    deprecated: list[str] = attrs.field(factory=list)
    skipped_examples: list[str] = attrs.field(factory=list)
    actions: int = 0
    structures: int = 0
    english_actions: int = 0

    def summary(self) -> str:
        lines = [
            f"{self.actions} actions ({self.english_actions} with English docs), "
            f"{self.structures} structures; {len(self.written)} files written, "
            f"{self.unchanged} unchanged, {len(self.removed)} removed"
        ]
        if self.offline:
            lines.append(f"offline, left out: {', '.join(self.offline)}")
        if self.deprecated:
            lines.append(f"deprecated: {', '.join(self.deprecated)}")
        if self.kept_hand_written:
            lines.append(f"hand-written, not touched: {', '.join(self.kept_hand_written)}")
        if self.skipped_examples:
            lines.append(f"examples not parsed: {', '.join(self.skipped_examples)}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading


def _package_of(names: Iterable[str], read: Any) -> tuple[str, str]:
    # A wheel holds one dist-info; a site-packages folder holds many: take tccli's.
    for name in names:
        if re.fullmatch(r"tccli[^/]*\.dist-info/METADATA", name, re.IGNORECASE):
            meta = read(name).decode("utf-8", "replace")
            pkg = re.search(r"^Name: (.+)$", meta, re.M)
            ver = re.search(r"^Version: (.+)$", meta, re.M)
            if pkg and ver:
                return pkg.group(1).strip(), ver.group(1).strip()
    return "tccli", "unknown"


def read_definitions(source: Path, service: str, version: str) -> Definitions | None:
    """Read ``api.json``/``examples.json`` of a service version from a wheel or folder.

    Returns None when the package does not define that service version.
    """
    rel = f"tccli/services/{service}/v{version.replace('-', '')}"
    source = Path(source)
    try:
        if source.is_file():
            with zipfile.ZipFile(source) as zf:
                names = set(zf.namelist())
                package, pkg_version = _package_of(sorted(names), zf.read)
                if f"{rel}/api.json" not in names:
                    return None
                api = json.loads(zf.read(f"{rel}/api.json"))
                examples = (
                    json.loads(zf.read(f"{rel}/examples.json"))
                    if f"{rel}/examples.json" in names
                    else {"actions": {}}
                )
        elif source.is_dir():
            base = source / rel
            if not (base / "api.json").is_file():
                return None
            metas = sorted(
                p.relative_to(source).as_posix() for p in source.glob("*.dist-info/METADATA")
            )
            package, pkg_version = _package_of(metas, lambda n: (source / n).read_bytes())
            api = json.loads((base / "api.json").read_text(encoding="utf-8"))
            ex_path = base / "examples.json"
            examples = (
                json.loads(ex_path.read_text(encoding="utf-8"))
                if ex_path.is_file()
                else {"actions": {}}
            )
        else:
            raise ImportError_(f"{source}: no such wheel or folder")
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise ImportError_(f"{source}: cannot read definitions ({exc})") from None
    if not isinstance(api, dict) or "actions" not in api or "objects" not in api:
        raise ImportError_(f"{source}: {rel}/api.json lacks 'actions'/'objects'")
    return Definitions(package, pkg_version, api, examples)


# --------------------------------------------------------------------------- converting


def _type_of(m: Mapping[str, Any], where: str) -> dict[str, Any]:
    kind, member = str(m.get("type", "")), str(m.get("member", ""))
    if kind == "list":
        return {"type": "list", "items": _SCALARS.get(member, member)}
    if kind == "object":
        return {"type": member}
    if member in _SCALARS:
        return {"type": _SCALARS[member]}
    if kind in _SCALARS:
        return {"type": _SCALARS[kind]}
    raise ImportError_(f"{where}: unknown type {kind!r}/{member!r}")


def _doc(text: Any) -> str:
    return str(text or "").replace("\r\n", "\n").strip()


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
        if self.en is not None and name in self.en.api["actions"]:
            return self.en.api["actions"][name], "en", self.en
        return self.cn.api["actions"][name], "zh-CN", self.cn


def _members(
    docs: _Docs, obj_name: str, obj: Mapping[str, Any], file_lang: str
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in obj.get("members", []):
        if m.get("disabled"):
            continue  # hidden from the public docs
        entry: dict[str, Any] = {"name": m["name"], **_type_of(m, f"{obj_name}.{m.get('name')}")}
        if m.get("required"):
            entry["required"] = True
        if m.get("output_required"):
            entry["output_required"] = True
        if m.get("value_allowed_null"):
            entry["nullable"] = True
        text, lang = docs.member_doc(obj_name, m["name"], m.get("document"))
        if text:
            entry["description"] = text
        if lang != file_lang:
            entry["lang"] = lang
        example = m.get("example")
        if isinstance(example, str) and example.strip() and example.strip() not in ("无", "-"):
            entry["example"] = example.strip()
        out.append(entry)
    return out


def _referenced(api: Mapping[str, Any], roots: Iterable[str]) -> list[str]:
    """Structures reachable from the given objects, in a stable order."""
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


def _typed(value: str, member: Mapping[str, Any] | None) -> Any:
    """A query-string value as the JSON type its member has."""
    kind = _type_of(member, "query").get("type") if member else "string"
    if kind in ("int64", "uint64"):
        return int(value)
    if kind == "float":
        return float(value)
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
                    node[index] = _typed(unquote(value), {"type": "string", "member": obj})
                    break
                node = node[index]
                continue
            member = next(
                (m for m in objects.get(obj, {}).get("members", []) if m["name"] == name), None
            )
            if last:
                node[name] = _typed(unquote(value), member)
                break
            is_list = bool(member and member.get("type") == "list")
            node = node.setdefault(name, [] if is_list else {})
            obj = str(member.get("member")) if member else ""
    return params


def parse_example(
    raw: Mapping[str, Any], request_obj: str = "", api: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(request params, Response object) of one documented example, or None.

    ``input`` is raw HTTP request text whose JSON body follows the first blank
    line, or a URL whose query string carries the parameters. ``output`` is JSON
    in the documentation wrapper ``{"Error": null, "RequestId": null, "Response": {...}}``.
    """
    text = str(raw.get("input", "")).replace("\r\n", "\n").strip()
    try:
        output = json.loads(str(raw.get("output", "")))
        if text.startswith(("http://", "https://")) and "?" in text:
            if api is None:
                return None
            request = params_from_query(text.partition("?")[2], request_obj, api)
        else:
            _, sep, body = text.partition("\n\n")
            request = json.loads(body) if sep and body.strip() else {}
    except ValueError:
        return None
    response = output.get("Response") if isinstance(output, dict) else None
    if not isinstance(request, dict) or not isinstance(response, dict):
        return None
    return request, response


def convert(
    cn: Definitions,
    en: Definitions | None,
    errors_by_action: Mapping[str, list[str]],
    report: ImportReport,
) -> dict[str, str]:
    """The spec files of one service version: {relative path: YAML text}."""
    api = cn.api
    meta = api.get("metadata", {})
    service = str(meta.get("serviceShortName", ""))
    version = str(meta.get("apiVersion", ""))
    if not service or not version:
        raise ImportError_("api.json metadata lacks serviceShortName/apiVersion")
    docs = _Docs(cn, en)
    files: dict[str, str] = {}
    common = set(runtime_common_errors())

    actions: list[str] = []
    for name in sorted(api["actions"]):
        status = api["actions"][name].get("status", "online")
        if status == "offline":
            report.offline.append(name)
            continue
        actions.append(name)
    service_codes: set[str] = set()
    for name in actions:
        action, lang, source = docs.action(name)
        cn_action = api["actions"][name]
        req_name, resp_name = cn_action["input"], cn_action["output"]
        data: dict[str, Any] = {"action": name}
        if _doc(action.get("name")):
            data["title"] = _doc(action.get("name"))
        data["description"] = _doc(action.get("document")) or name
        data["lang"] = lang
        if cn_action.get("status") == "deprecated":
            data["deprecated"] = True
            report.deprecated.append(name)
        data["input"] = _members(docs, req_name, api["objects"][req_name], lang)
        data["output"] = _members(docs, resp_name, api["objects"][resp_name], lang)
        codes = sorted(set(errors_by_action.get(name, [])))
        service_codes.update(c for c in codes if c not in common)
        if codes:
            data["errors"] = codes
        examples = []
        raw_examples = source.examples.get("actions", {}).get(name) or cn.examples.get(
            "actions", {}
        ).get(name, [])
        for i, raw in enumerate(raw_examples):
            parsed = parse_example(raw, req_name, api)
            if parsed is None:
                report.skipped_examples.append(f"{name}[{i}]")
                continue
            entry: dict[str, Any] = {"title": _doc(raw.get("title")) or f"Example {i + 1}"}
            if _doc(raw.get("document")) and _doc(raw.get("document")) != entry["title"]:
                entry["description"] = _doc(raw.get("document"))
            entry["request"], entry["response"] = parsed
            examples.append(entry)
        if examples:
            data["examples"] = examples
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


def import_service(
    *,
    service: str,
    version: str,
    cn: Path,
    en: Path | None,
    spec_root: Path,
    errors: Path | None = None,
) -> ImportReport:
    cn_defs = read_definitions(cn, service, version)
    if cn_defs is None:
        raise ImportError_(f"{cn} does not define {service} {version}")
    en_defs = read_definitions(en, service, version) if en is not None else None
    folder = Path(spec_root) / service / version
    if errors is None and (folder / "errors-by-action.json").is_file():
        errors = folder / "errors-by-action.json"
    report = ImportReport()
    files = convert(cn_defs, en_defs, load_errors(errors), report)
    write_spec(folder, files, report)
    return report
