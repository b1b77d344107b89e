"""Turns a GET query string back into the JSON parameters a POST would carry.

GET requests send flattened parameters (``Filters.0.Name=x``) whose values are
all strings. The input members say which keys are lists or structures and which
strings are numbers or booleans, so the tree can be rebuilt and typed; values
that do not convert are left as strings for validation to report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from .catalog import Member
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
