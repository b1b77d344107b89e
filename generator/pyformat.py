"""Python source for literals and signatures, laid out as black lays them out.

The templates write finished code instead of running a formatter over every
file (black took most of the time of a whole-catalog generate). These helpers
cover the constructs whose layout depends on the line length: a construct that
fits in :data:`WIDTH` columns goes on one line; otherwise a collection literal
puts one element per line with a trailing comma, and a signature or an import
puts its parameters on one indented line when they fit there, else one per line.
``tests/test_generator.py`` checks the output is stable under black.
"""

from __future__ import annotations

import math
from typing import Any

WIDTH = 100
INDENT = "    "


def pystr(value: str) -> str:
    """A string literal as black writes it: double quotes unless they need more
    escapes than single ones; ``repr`` escapes everything that could end it."""
    text = repr(value)
    if text.startswith('"'):
        return text  # repr chose double quotes already (the value has ' but no ")
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            escape = body[i : i + 2]
            out.append("'" if escape == "\\'" else escape)
            i += 2
            continue
        out.append('\\"' if ch == '"' else ch)
        i += 1
    if body.count('"') > body.count("\\'"):
        return text
    return '"' + "".join(out) + '"'


def one_line(value: Any) -> str:
    """The single-line source of a literal (str, int, float, bool, None, tuple,
    list, dict of them)."""
    if isinstance(value, str):
        return pystr(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({pystr(str(value))})"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(one_line(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(one_line(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{one_line(k)}: {one_line(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Python literal for {type(value).__name__}")


def literal(value: Any, column: int, indent: int, suffix: str = "") -> str:
    """``value`` as it starts at ``column`` on a line indented ``indent`` columns,
    followed by ``suffix`` (a ``,`` say): one line when it fits, else exploded."""
    flat = one_line(value)
    if column + len(flat) + len(suffix) <= WIDTH or not isinstance(value, tuple | list | dict):
        return flat
    if not value:
        return flat
    inner = indent + len(INDENT)
    pad = " " * inner
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            key = one_line(k) + ": "
            lines.append(pad + key + literal(v, inner + len(key), inner, ",") + ",")
    else:
        lines.extend(pad + literal(v, inner, inner, ",") + "," for v in value)
    brackets = {tuple: "()", list: "[]", dict: "{}"}[type(value)]
    return brackets[0] + "\n" + "\n".join(lines) + "\n" + " " * indent + brackets[1]


def assignment(name: str, value: Any, indent: int = 0) -> str:
    """``name = <literal>`` as black writes it."""
    head = " " * indent + name + " = "
    return head + literal(value, len(head), indent)


def entry(key: Any, value: Any, indent: int) -> str:
    """One ``key: value,`` line (or block) of a dict literal exploded at ``indent``."""
    head = " " * indent + one_line(key) + ": "
    return head + literal(value, len(head), indent, ",") + ","


def bracketed(head: str, items: list[str], tail: str, indent: int, *, hug: bool = True) -> str:
    """``head(items)tail`` for a def, call or import: one line when it fits; else
    (``hug``: defs and calls) the items on one indented line when they fit there;
    else one per line with a trailing comma (always so for imports, ``hug=False``).
    ``head`` ends with the opening bracket, ``tail`` starts with the closing one;
    neither includes the indentation."""
    pad = " " * indent
    flat = pad + head + ", ".join(items) + tail
    if len(flat) <= WIDTH:
        return flat
    inner = pad + INDENT
    joined = inner + ", ".join(items)
    if hug and items and len(joined) <= WIDTH:
        return f"{pad}{head}\n{joined}\n{pad}{tail}"
    body = "\n".join(f"{inner}{item}," for item in items)
    return f"{pad}{head}\n{body}\n{pad}{tail}"


def import_from(module: str, names: list[str], indent: int = 0) -> str:
    """``from module import names`` as black writes it: one line when it fits,
    else parenthesized, one name per line."""
    pad = " " * indent
    flat = f"{pad}from {module} import {', '.join(names)}"
    if len(flat) <= WIDTH:
        return flat
    return bracketed(f"from {module} import (", names, ")", indent, hug=False)
