"""Lazy exports of the generated service packages (PEP 562).

``import tcapi.mqtt`` (or loading only a version's ``_schema``, as the command
line and the emulator do) must not pay for the client classes and models: the
package's ``__getattr__`` imports them on first use, once, and keeps them as
ordinary module attributes. Type checkers read the same names from the package's
``if TYPE_CHECKING:`` imports.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["export"]


def export(package: str, name: str, exports: Mapping[str, str]) -> Any:
    """The attribute ``name`` of ``package``: ``exports`` maps each name to the
    relative module holding it; a name that *is* the module (``errors``) is the
    module itself."""
    where = exports.get(name)
    if where is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    module = importlib.import_module(where, package)
    value = module if where.rpartition(".")[2] == name else getattr(module, name)
    setattr(sys.modules[package], name, value)
    return value
