"""Signature v3's canonical headers, apart from the rest of :mod:`tcapi.signing`
so that building a client (which canonicalizes its endpoint's signed headers once)
loads no hashing module."""

from __future__ import annotations

from collections.abc import Mapping


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """Return (CanonicalHeaders, SignedHeaders) for the headers to be signed.

    Names and values are lowercased and trimmed, sorted by name, as the
    signature v3 documentation specifies.
    """
    items = sorted((k.strip().lower(), v.strip().lower()) for k, v in headers.items())
    canonical = "".join(f"{k}:{v}\n" for k, v in items)
    signed = ";".join(k for k, _ in items)
    return canonical, signed
