"""Turns a GET query string (or the headers of an octet-stream request, or the parts
of a multipart one) back into the JSON parameters a POST would carry.

GET requests send flattened parameters (``Filters.0.Name=x``) whose values are
all strings. The input members say which keys are lists or structures and which
strings are numbers or booleans, so the tree can be rebuilt and typed; values
that do not convert are left as strings for validation to report.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping, Sequence
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

from .catalog import ActionSpec, Member
from .errors import ApiError

_INTEGER = re.compile(r"-?\d+")


def _tree(query: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        if not isinstance(node, dict) or leaf in node:
            raise ApiError(
                "InvalidParameter", f"The parameter `{key}` is repeated or conflicts with another."
            )
        node[leaf] = value
    return tree


def _scalar(type_: str, raw: str) -> Any:
    if type_ in ("int64", "uint64") and _INTEGER.fullmatch(raw):
        return int(raw)
    if type_ == "float":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return number if math.isfinite(number) else raw
    if type_ == "boolean" and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    return raw


class _Typer:
    def __init__(self, structures: Mapping[str, Sequence[Member]]) -> None:
        self.structures = structures

    def object(self, members: Sequence[Member], node: Mapping[str, Any]) -> dict[str, Any]:
        by_name = {m.wire: m for m in members}
        out: dict[str, Any] = {}
        for key, value in node.items():
            m = by_name.get(key)
            if m is None:
                out[key] = value
            elif m.is_list:
                out[key] = self.list(m.type, value)
            else:
                out[key] = self.value(m.type, value)
        return out

    def list(self, type_: str, node: Any) -> Any:
        if not isinstance(node, dict) or not all(k.isdigit() for k in node):
            return node
        indexed = {int(k): v for k, v in node.items()}
        if sorted(indexed) != list(range(len(indexed))):
            return node
        return [self.value(type_, indexed[i]) for i in range(len(indexed))]

    def value(self, type_: str, node: Any) -> Any:
        if type_ in self.structures:
            return self.object(self.structures[type_], node) if isinstance(node, dict) else node
        return _scalar(type_, node) if isinstance(node, str) else node


def params_from_query(
    query: str, members: Sequence[Member], structures: Mapping[str, Sequence[Member]]
) -> dict[str, Any]:
    """The typed parameter object encoded in a flattened query string."""
    return _Typer(structures).object(members, _tree(query))


def _text_value(m: Member, raw: str) -> Any:
    """A member's value from text: a scalar converted as in a query string, a list
    or structure as JSON (left as text when it is not JSON, for validation to report)."""
    if m.is_list or m.is_structure:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return _scalar(m.type, raw)


def params_from_headers(
    headers: Mapping[str, str], prefix: str, members: Sequence[Member]
) -> dict[str, Any]:
    """The parameters of an octet-stream request: each member in the header
    ``<prefix><WireName>`` (header names compare case-insensitively)."""
    out: dict[str, Any] = {}
    for m in members:
        raw = headers.get((prefix + m.wire).lower())
        if raw is not None:
            out[m.wire] = _text_value(m, raw)
    return out


def params_from_multipart(content_type: str, body: bytes, action: ActionSpec) -> dict[str, Any]:
    """The parameters of a multipart/form-data request: one part per member, a file
    part's bytes kept base64-encoded (so the recorded request stays JSON)."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ApiError("InvalidParameter", "The multipart request body has no parts.")
    by_name = {m.wire: m for m in action.input}
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            raise ApiError("InvalidParameter", "A part of the multipart body has no name.")
        if name in out:
            raise ApiError("InvalidParameter", f"The parameter `{name}` is repeated.")
        data = part.get_payload(decode=True)
        raw = data if isinstance(data, bytes) else b""
        member = by_name.get(name)
        if name in action.files:
            out[name] = base64.b64encode(raw).decode("ascii")
        elif member is None or (member.type == "string" and not member.is_list):
            out[name] = raw.decode("utf-8", "replace")
        else:
            try:
                out[name] = json.loads(raw)
            except ValueError:
                out[name] = _text_value(member, raw.decode("utf-8", "replace"))
    return out
