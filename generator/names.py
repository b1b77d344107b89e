"""Wire names → Python names, deterministically and without collisions.

Every list here is fixed, not read from the running interpreter: the generated
tree must be byte-identical whichever Python runs the generator (3.12 made
``type`` a soft keyword, for instance; soft keywords are valid names anyway).
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

_ACRONYM_BOUNDARY = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_BOUNDARY = re.compile(r"([a-z0-9])([A-Z])")
_NON_IDENT = re.compile(r"[^0-9a-zA-Z_]+")

KEYWORDS = frozenset(
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
        "return", "try", "while", "with", "yield",
    }
)  # fmt: skip
"""Python's hard keywords (the same from 3.11 to 3.13)."""

RESERVED = frozenset(
    {
        # the models' own attributes and the clients' method arguments
        "to_dict", "from_dict", "validate", "unknown_fields", "self", "cls", "request", "params",
        # names a model's class body evaluates after its members are defined
        "attrs", "redacted", "dict", "classmethod",
        # the builtin types the models' annotations name (a member called `str`
        # would make `x: str` in the same class body mean that member)
        "str", "int", "float", "bool", "list",
    }
)  # fmt: skip
"""Member names that get a trailing underscore (``from`` → ``from_``)."""

CLIENT_RESERVED = frozenset({"close", "aclose", "endpoint", "region", "retry"})
"""Public attributes of the base clients: an action of that name gets a trailing
underscore. :func:`client_reserved` adds whatever runtime/client.py defines today."""

_RUNTIME_CLIENT = Path(__file__).resolve().parent.parent / "runtime" / "client.py"
_BASE_CLIENTS = ("_ClientCore", "SyncClient", "AsyncClient")

MODEL_MODULE_NAMES = frozenset(
    {"Any", "Mapping", "INT64_MAX", "INT64_MIN", "UINT64_MAX", "WireTypeError", "TYPE_CHECKING"}
)
"""Module-level names of the generated model modules: no structure may take one."""

ERROR_MODULE_NAMES = frozenset({"ApiError", "COMMON_ERRORS", "ERRORS", "Mapping"})
"""Module-level names of a generated errors module: no error class may take one."""

CLIENT_BASE_NAMES = frozenset({"SyncClient", "AsyncClient"})
"""The base classes a generated client module imports: no client may be named so."""


def snake_case(name: str) -> str:
    """``InstanceId`` → ``instance_id``, ``VPCId`` → ``vpc_id``, ``TLSv1_2`` → ``tl_sv1_2``."""
    s = _NON_IDENT.sub("_", name)
    s = _ACRONYM_BOUNDARY.sub(r"\1_\2", s)
    s = _WORD_BOUNDARY.sub(r"\1_\2", s)
    s = re.sub(r"_+", "_", s).strip("_").lower()
    if not s or s[0].isdigit():
        s = "f_" + s
    return s


def safe_attr_name(name: str) -> str:
    """Append ``_`` to keywords and names the generated models reserve."""
    if name in KEYWORDS or name in RESERVED:
        return name + "_"
    return name


@functools.cache
def client_reserved() -> frozenset[str]:
    """The public names of the base clients: the fixed list, plus every method,
    property and ``self.<name>`` attribute the classes in runtime/client.py have
    (read with ``ast``, nothing is imported), so a name the runtime gains later
    is never shadowed by a generated method — ``generator check`` then says
    which method got renamed."""
    names = set(CLIENT_RESERVED)
    try:
        tree = ast.parse(_RUNTIME_CLIENT.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return frozenset(names)
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef) or cls.name not in _BASE_CLIENTS:
            continue
        for node in ast.walk(cls):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                names.add(node.attr)
    return frozenset(n for n in names if not n.startswith("_"))


def method_name(action: str) -> str:
    """The client method of an action: its snake_case, with ``_`` appended to
    keywords and to the base clients' own names (``close`` → ``close_``)."""
    name = snake_case(action)
    if name in KEYWORDS or name in client_reserved():
        return name + "_"
    return name


def module_name(name: str) -> str:
    """The models module of a structure or action."""
    name = snake_case(name)
    return name + "_" if name in KEYWORDS else name


def error_class_name(code: str) -> str:
    """The exception class name of an error code: the dotted code without dots.

    ``UnsupportedOperation.ResourceAlreadyExists`` → ``UnsupportedOperationResourceAlreadyExists``.
    """
    parts = [p for p in re.split(r"[._]", code) if p]
    name = "".join(p[0].upper() + p[1:] for p in parts)
    return name if name not in KEYWORDS else name + "_"


def python_package(service: str) -> str:
    """The Python package name of a service: its name, made importable
    (``as`` → ``as_``, ``-`` → ``_``)."""
    name = re.sub(r"\W", "_", service)
    if name[:1].isdigit():
        name = "s_" + name
    return name + "_" if name in KEYWORDS else name
