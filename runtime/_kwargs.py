"""Building a request model from a generated method's keyword arguments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def build_request(action: str, cls: Any, params: Mapping[str, Any]) -> Any:
    """``cls(**params)``: the request of ``action`` from keyword arguments."""
    return cls(**params)
