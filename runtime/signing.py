"""TC3-HMAC-SHA256 request signing (Tencent Cloud API 3.0, signature v3).

Pure functions plus a small signer that caches the derived signing key per
(secret key, date, service): the three HMACs of the key chain only change once
a day, so a busy client should not redo them on every call.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from ._canonical import canonical_headers

__all__ = [
    "ALGORITHM",
    "UNSIGNED_PAYLOAD",
    "Tc3Signer",
    "canonical_headers",
    "canonical_request",
    "derive_signing_key",
    "parse_authorization",
    "payload_hash",
    "string_to_sign",
    "utc_date",
]

ALGORITHM = "TC3-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def _hmac_sha256(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def utc_date(timestamp: int) -> str:
    """The UTC calendar date (YYYY-MM-DD) of a Unix timestamp."""
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def derive_signing_key(secret_key: str, date: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC("TC3" + key, date), service), "tc3_request")."""
    k_date = _hmac_sha256(("TC3" + secret_key).encode("utf-8"), date)
    k_service = _hmac_sha256(k_date, service)
    return _hmac_sha256(k_service, "tc3_request")


def canonical_request(
    *,
    method: str,
    query: str,
    headers: Mapping[str, str] | tuple[str, str],
    payload_hash: str,
) -> tuple[str, str]:
    """Return (CanonicalRequest, SignedHeaders). The canonical URI is always '/'.

    ``headers`` are the headers to sign, or their precomputed
    :func:`canonical_headers` (a client whose signed headers never change
    computes them once).
    """
    canon, signed = headers if isinstance(headers, tuple) else canonical_headers(headers)
    return f"{method.upper()}\n/\n{query}\n{canon}\n{signed}\n{payload_hash}", signed


def string_to_sign(timestamp: int, scope: str, hashed_canonical_request: str) -> str:
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashed_canonical_request}"


def payload_hash(body: bytes, *, unsigned: bool = False) -> str:
    if unsigned:
        return hashlib.sha256(UNSIGNED_PAYLOAD.encode()).hexdigest()
    return hashlib.sha256(body).hexdigest()


class Tc3Signer:
    """Builds Authorization headers for one service; caches the signing key.

    The secret key is only held in the cache, never exposed by repr().
    """

    __slots__ = ("_cache_id", "_cache_key", "service")

    def __init__(self, service: str) -> None:
        self.service = service
        self._cache_id: tuple[str, str] | None = None
        self._cache_key = b""

    def __repr__(self) -> str:
        return f"Tc3Signer(service={self.service!r})"

    def _signing_key(self, secret_key: str, date: str) -> bytes:
        ident = (secret_key, date)
        if self._cache_id != ident:
            # Assign the key before the id: a concurrent reader that sees the
            # new id always finds the matching key.
            key = derive_signing_key(secret_key, date, self.service)
            self._cache_key = key
            self._cache_id = ident
            return key
        return self._cache_key

    def authorization(
        self,
        *,
        secret_id: str,
        secret_key: str,
        timestamp: int,
        headers: Mapping[str, str] | tuple[str, str],
        body: bytes = b"",
        method: str = "POST",
        query: str = "",
        unsigned_payload: bool = False,
    ) -> str:
        """The value of the Authorization header for a request.

        ``headers`` are the headers to sign (at least content-type and host),
        with exactly the values that are sent, or their precomputed
        :func:`canonical_headers`.
        """
        date = utc_date(timestamp)
        creq, signed = canonical_request(
            method=method,
            query=query,
            headers=headers,
            payload_hash=payload_hash(body, unsigned=unsigned_payload),
        )
        scope = f"{date}/{self.service}/tc3_request"
        sts = string_to_sign(timestamp, scope, hashlib.sha256(creq.encode("utf-8")).hexdigest())
        signature = hmac.new(
            self._signing_key(secret_key, date), sts.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        return (
            f"{ALGORITHM} Credential={secret_id}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature}"
        )


def parse_authorization(value: str) -> dict[str, str] | None:
    """Split a TC3 Authorization header into its parts (for servers and tests).

    Returns keys algorithm, secret_id, date, service, signed_headers, signature;
    None when the header is not a well-formed TC3 authorization.
    """
    algo, _, rest = value.partition(" ")
    if algo != ALGORITHM:
        return None
    parts: dict[str, str] = {}
    for item in rest.split(","):
        k, sep, v = item.strip().partition("=")
        if not sep:
            return None
        parts[k] = v
    try:
        cred = parts["Credential"].split("/")
        if len(cred) != 4 or cred[3] != "tc3_request":
            return None
        return {
            "algorithm": algo,
            "secret_id": cred[0],
            "date": cred[1],
            "service": cred[2],
            "signed_headers": parts["SignedHeaders"],
            "signature": parts["Signature"],
        }
    except KeyError:
        return None
