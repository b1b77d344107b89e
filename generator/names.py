"""Wire names → Python names, deterministically and without collisions."""

from __future__ import annotations

import keyword
import re

_ACRONYM_BOUNDARY = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_BOUNDARY = re.compile(r"([a-z0-9])([A-Z])")
_NON_IDENT = re.compile(r"[^0-9a-zA-Z_]+")

# Attribute names the generated models and clients use themselves.
RESERVED = frozenset(
    {"to_dict", "from_dict", "validate", "unknown_fields", "self", "cls", "request", "params"}
)


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
    """Append ``_`` to keywords and names the generated code reserves."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED:
        return name + "_"
    return name


def error_class_name(code: str) -> str:
    """The exception class name of an error code: the dotted code without dots.

    ``UnsupportedOperation.ResourceAlreadyExists`` → ``UnsupportedOperationResourceAlreadyExists``.
    """
    parts = [p for p in re.split(r"[._]", code) if p]
    name = "".join(p[0].upper() + p[1:] for p in parts)
    return name if not keyword.iskeyword(name) else name + "_"
