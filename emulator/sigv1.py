"""Signature v1 (HmacSHA1 / HmacSHA256): the legacy form-parameter signature.

Everything travels as flat form parameters, in the query string of a GET or in
an ``application/x-www-form-urlencoded`` POST body: the common parameters
(Action, Nonce, Timestamp, Version, Region, SecretId, SignatureMethod,
Signature, Token, Language) and the action's own parameters flattened as
``Name.N`` (lists) and ``Name.Key`` (structures), recursively.

The string to sign is ``METHOD + host + "/?" + "&".join("k=v" sorted by k)``
over every parameter except Signature, with the values *not* URL-encoded, and
``Signature = base64(HMAC(SecretKey, string))``. ``host`` is the Host header as
sent (clients that talk to ``127.0.0.1:PORT`` sign the port too).

The functions that build the string and the signature are public so that tests
and tools can sign v1 requests without an SDK.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import parse_qsl

from .errors import ApiError, missing

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
DEFAULT_METHOD = "HmacSHA1"
DIGESTS: Mapping[str, Callable[[], Any]] = {
    "HmacSHA1": hashlib.sha1,
    "HmacSHA256": hashlib.sha256,
}
COMMON_PARAMETERS = frozenset(
    {
        "Action",
        "Nonce",
        "Timestamp",
        "Version",
        "Region",
        "SecretId",
        "SignatureMethod",
        "Signature",
        "Token",
        "Language",
        "RequestClient",
    }
)
"""Parameters that are not the action's own (RequestClient is sent by official SDKs)."""

MAX_POST_BYTES = 1024 * 1024
"""A v1 POST body may be at most 1 MB."""


@dataclass(frozen=True, slots=True)
class V1Request:
    """A verified v1 request: its common parameters and its own flattened ones."""

    secret_id: str
    signature_method: str
    action: str | None
    version: str | None
    region: str | None
    language: str | None
    token: str | None
    params: tuple[tuple[str, str], ...]
    """The action's parameters, still flat (``Filters.0.Name``) and as strings."""


# -- signing (client side too) ---------------------------------------------------------


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"A": [{"B": 1}]}`` → ``{"A.0.B": "1"}``; None values are left out."""
    out: dict[str, str] = {}

    def walk(name: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(f"{name}.{key}" if name else str(key), item)
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(f"{name}.{index}" if name else str(index), item)
        else:
            out[name] = _scalar_text(value)

    walk(prefix, params)
    return out


def string_to_sign(method: str, host: str, params: Mapping[str, str]) -> str:
    """``METHOD + host + "/?" + sorted k=v pairs``, values not URL-encoded.

    ``params`` must not include Signature.
    """
    joined = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return f"{method.upper()}{host}/?{joined}"


def signature(secret_key: str, text: str, method: str = DEFAULT_METHOD) -> str:
    """base64(HMAC(secret_key, text)) with the digest ``method`` names."""
    digest = DIGESTS.get(method)
    if digest is None:
        raise ValueError(f"unknown signature method {method!r}")
    mac = hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


# -- verification (server side) --------------------------------------------------------


def _media_type(content_type: str) -> str:
    msg = Message()
    msg["content-type"] = content_type
    return msg.get_content_type()


def form_pairs(
    method: str, query: str, headers: Mapping[str, str], body: bytes
) -> list[tuple[str, str]] | None:
    """The v1 form parameters of a request, or None when it is not a v1 request.

    A v1 request has no Authorization header and carries a ``Signature``
    parameter: in the query string (GET) or in a form-encoded body (POST).
    ``headers`` must have lowercase names.
    """
    if headers.get("authorization", "").strip():
        return None
    if method == "GET":
        raw = query
    elif method == "POST" and _media_type(headers.get("content-type", "")) == FORM_CONTENT_TYPE:
        try:
            raw = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError("InvalidParameter", "The form body is not valid UTF-8.") from None
    else:
        return None
    pairs = parse_qsl(raw, keep_blank_values=True)
    if not any(k == "Signature" for k, _ in pairs):
        return None
    return pairs


def _signatures_to_try(
    method: str, host: str, params: Mapping[str, str], secret_key: str, sign_method: str
) -> list[str]:
    wanted = [signature(secret_key, string_to_sign(method, host, params), sign_method)]
    if any("_" in k for k in params):
        # Observed: the official SDKs replace "_" with "." in the names they sign.
        dotted = {k.replace("_", "."): v for k, v in params.items()}
        wanted.append(signature(secret_key, string_to_sign(method, host, dotted), sign_method))
    return wanted


def verify(
    *,
    method: str,
    pairs: Sequence[tuple[str, str]],
    host: str,
    credentials: Mapping[str, str],
    now: float,
    max_skew: float,
) -> V1Request:
    """Check a v1 request's signature; raise ApiError with the real API's codes."""
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise ApiError(
                "InvalidParameter", f"The parameter `{key}` is repeated or conflicts with another."
            )
        params[key] = value
    for name in ("SecretId", "Timestamp", "Nonce"):
        if not params.get(name, "").strip():
            raise missing(name)
    try:
        timestamp = int(params["Timestamp"])
    except ValueError:
        raise ApiError(
            "InvalidParameter", "The parameter `Timestamp` must be an integer (Unix seconds)."
        ) from None
    if abs(now - timestamp) > max_skew:
        raise ApiError(
            "AuthFailure.SignatureExpire",
            f"Signature expired. Timestamp:{timestamp}, server time:{int(now)}.",
        )
    sign_method = params.get("SignatureMethod") or DEFAULT_METHOD
    if sign_method not in DIGESTS:
        raise ApiError(
            "AuthFailure.SignatureFailure",
            f"SignatureMethod `{sign_method}` is not supported; use HmacSHA1 or HmacSHA256.",
        )
    secret_id = params["SecretId"]
    secret_key = credentials.get(secret_id)
    if secret_key is None:
        raise ApiError("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
    given = params.pop("Signature")
    wanted = _signatures_to_try(method, host, params, secret_key, sign_method)
    if not any(hmac.compare_digest(w.encode(), given.encode()) for w in wanted):
        raise ApiError(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. "
            "Please check your signature is correct.",
        )

    def common(name: str) -> str | None:
        return params.get(name, "").strip() or None

    return V1Request(
        secret_id=secret_id,
        signature_method=sign_method,
        action=common("Action"),
        version=common("Version"),
        region=common("Region"),
        language=common("Language"),
        token=common("Token"),
        params=tuple((k, v) for k, v in pairs if k not in COMMON_PARAMETERS),
    )
