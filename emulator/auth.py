"""TC3-HMAC-SHA256 verification: who is calling, and did they sign correctly.

(Signature v1, the legacy form-parameter signature, is verified in ``sigv1.py``.)

The signature is recomputed with the runtime's own signer over exactly the
headers the caller lists in SignedHeaders, using the values received. Reusing
the signer means the emulator and the SDK can never disagree on the algorithm
silently: the signing test vectors pin it, and the official SDK cross-checks it
from the other side.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from tcapi.signing import ALGORITHM as TC3_ALGORITHM
from tcapi.signing import UNSIGNED_PAYLOAD, Tc3Signer, parse_authorization

from .errors import ApiError, missing

MAX_CLOCK_SKEW = 300
"""Seconds X-TC-Timestamp may be off the server clock (the real API's 5 minutes)."""

_REQUIRED_SIGNED = ("content-type", "host")


__all__ = ["MAX_CLOCK_SKEW", "TC3_ALGORITHM", "Caller", "authenticate"]


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller; both fields are None for an accepted unsigned request.

    ``service`` is the credential scope's service (signature v3 only)."""

    secret_id: str | None
    service: str | None


def _timestamp(headers: Mapping[str, str], now: float) -> int:
    raw = headers.get("x-tc-timestamp", "").strip()
    if not raw:
        raise missing("X-TC-Timestamp")
    try:
        timestamp = int(raw)
    except ValueError:
        raise ApiError(
            "InvalidParameter", "The parameter `X-TC-Timestamp` must be an integer (Unix seconds)."
        ) from None
    if abs(now - timestamp) > MAX_CLOCK_SKEW:
        raise ApiError(
            "AuthFailure.SignatureExpire",
            f"Signature expired. Timestamp:{timestamp}, server time:{int(now)}.",
        )
    return timestamp


def authenticate(
    *,
    method: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Mapping[str, str],
    now: float,
    allow_unsigned: bool = False,
) -> Caller:
    """Check a request's TC3 signature; raise ApiError with the real API's code if it fails.

    ``headers`` must have lowercase names. ``credentials`` maps SecretId to SecretKey.
    """
    value = headers.get("authorization", "").strip()
    if not value:
        raise ApiError("AuthFailure.InvalidAuthorization", "The Authorization header is missing.")
    if value == "SKIP":
        if allow_unsigned:
            return Caller(secret_id=None, service=None)
        raise ApiError(
            "AuthFailure.InvalidAuthorization",
            "Unsigned requests (Authorization: SKIP) are refused.",
        )
    parts = parse_authorization(value)
    if parts is None:
        raise ApiError(
            "AuthFailure.InvalidAuthorization",
            "The Authorization header is not a valid TC3-HMAC-SHA256 authorization.",
        )
    timestamp = _timestamp(headers, now)
    secret_key = credentials.get(parts["secret_id"])
    if secret_key is None:
        raise ApiError("AuthFailure.SecretIdNotFound", "The SecretId is not found.")

    names = [n.strip().lower() for n in parts["signed_headers"].split(";") if n.strip()]
    if not all(n in names for n in _REQUIRED_SIGNED):
        raise ApiError(
            "AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host."
        )
    absent = [n for n in names if n not in headers]
    if absent:
        raise ApiError(
            "AuthFailure.SignatureFailure", f"Signed header `{absent[0]}` is not in the request."
        )
    expected = Tc3Signer(parts["service"]).authorization(
        secret_id=parts["secret_id"],
        secret_key=secret_key,
        timestamp=timestamp,
        headers={n: headers[n] for n in names},
        body=body,
        method=method,
        query=query,
        unsigned_payload=headers.get("x-tc-content-sha256", "").strip() == UNSIGNED_PAYLOAD,
    )
    want = (parse_authorization(expected) or {}).get("signature", "")
    if not hmac.compare_digest(want.encode(), parts["signature"].encode()):
        raise ApiError(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. "
            "Please check your signature is correct.",
        )
    return Caller(secret_id=parts["secret_id"], service=parts["service"])
