"""How the ``tcapi`` command line prints an answer: ``--query`` and ``--output``.

* ``json`` (default): the ``Response`` object, indented, non-ASCII kept.
* ``yaml``: the same as YAML (PyYAML, block style, keys in the server's order).
* ``table``: readable columns: a list of structures becomes one row per item
  (nested values as compact JSON), scalars become ``Key | value`` rows, each list
  under a title line naming it.
* ``text``: one ``path<TAB>value`` line per scalar, for ``grep``/``cut``/``awk``.

``--query`` is a JMESPath expression (the ``jmespath`` library) applied first.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping
from typing import IO, Any

__all__ = ["FORMATS", "OutputError", "apply_query", "render"]

FORMATS = ("json", "yaml", "table", "text")
CLI_EXTRA = "pip install 'tcapi[cli]'"


class OutputError(Exception):
    """A bad ``--query`` or a missing optional library: a usage error."""


def apply_query(expression: str, data: Any = None, *, check_only: bool = False) -> Any:
    """``data`` filtered by the JMESPath ``expression``; with ``check_only``, just
    parse the expression (a bad one is an error before anything is sent)."""
    try:
        import jmespath  # noqa: PLC0415 - only for --query
        from jmespath.exceptions import JMESPathError  # noqa: PLC0415
    except ImportError:
        raise OutputError(f"--query needs the jmespath library: {CLI_EXTRA}") from None
    try:
        compiled = jmespath.compile(expression)
        return None if check_only else compiled.search(data)
    except JMESPathError as exc:
        raise OutputError(f"--query {expression!r}: {str(exc).splitlines()[0]}") from None


def render(result: Any, output: str, out: IO[str]) -> None:
    if output == "text":
        for line in _text_lines(result, ""):
            out.write(f"{line}\n")
    elif output == "yaml":
        out.write(_yaml(result))
    elif output == "table":
        out.write(table(result))
    else:
        out.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


# -- text --------------------------------------------------------------------------


def _scalar_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _text_lines(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, Mapping):
        if not value and path:
            yield f"{path}\t{{}}"
        for k, v in value.items():
            yield from _text_lines(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        if not value:
            yield f"{path}\t[]" if path else "[]"
        for i, v in enumerate(value):
            yield from _text_lines(v, f"{path}[{i}]")
    else:
        yield f"{path}\t{_scalar_text(value)}" if path else _scalar_text(value)


# -- yaml --------------------------------------------------------------------------


def _yaml(result: Any) -> str:
    try:
        import yaml  # noqa: PLC0415 - only for --output yaml
    except ImportError:
        raise OutputError(f"--output yaml needs PyYAML: {CLI_EXTRA}") from None
    text: str = yaml.safe_dump(
        result, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000
    )
    return text


# -- table -------------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _cell(value: Any) -> str:
    return " ".join(_scalar_text(value).split()) if isinstance(value, str) else _scalar_text(value)


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [_width(h) for h in header]
    for row in rows:
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    return [rule, line(header), rule, *(line(r) for r in rows), rule]


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _list_table(title: str, items: list[Mapping[str, Any]]) -> list[str]:
    columns: list[str] = []
    for item in items:
        columns += [k for k in item if k not in columns]
    rows = [[_cell(item.get(c)) if c in item else "" for c in columns] for item in items]
    return [f"{title} ({len(items)})" if title else f"({len(items)})", *_grid(columns, rows)]


def table(result: Any) -> str:
    """``result`` as text tables: scalars of a structure in one ``Key | Value``
    grid, each list of structures (at any depth) in its own grid under its path."""
    blocks: list[list[str]] = []

    def walk(value: Any, path: str) -> None:
        if _is_table(value):
            blocks.append(_list_table(path, value))
            for i, item in enumerate(value):
                for k, v in item.items():
                    if _is_table(v):
                        walk(v, f"{path}[{i}].{k}")
            return
        if isinstance(value, Mapping):
            scalars = [[str(k), _cell(v)] for k, v in value.items() if not _is_table(v)]
            if scalars:
                blocks.append(([path] if path else []) + _grid(["Key", "Value"], scalars))
            for k, v in value.items():
                if _is_table(v):
                    walk(v, f"{path}.{k}" if path else str(k))
            return
        if isinstance(value, list):
            blocks.append(([path] if path else []) + _grid(["Value"], [[_cell(v)] for v in value]))
            return
        blocks.append([_cell(value)])

    walk(result, "")
    return "\n".join("\n".join(b) for b in blocks) + "\n"
