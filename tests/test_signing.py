"""TC3-HMAC-SHA256 signing against the documented test vectors."""

from __future__ import annotations

import hashlib

from tcapi import signing

# protocol.md, vectors A (English doc) and B (Chinese doc).
BODY = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
TIMESTAMP = 1551113065
HEADERS_A = {"content-type": "application/json; charset=utf-8", "host": "cvm.tencentcloudapi.com"}


def test_vector_a_payload_canonical_request_and_signature() -> None:
    assert signing.payload_hash(BODY) == (
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    creq, signed = signing.canonical_request(
        method="POST", query="", headers=HEADERS_A, payload_hash=signing.payload_hash(BODY)
    )
    assert signed == "content-type;host"
    assert hashlib.sha256(creq.encode()).hexdigest() == (
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    auth = signing.Tc3Signer("cvm").authorization(
        secret_id="AKID**********************0123456789EXAMPLE",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        timestamp=TIMESTAMP,
        headers=HEADERS_A,
        body=BODY,
    )
    assert auth == (
        "TC3-HMAC-SHA256 Credential=AKID**********************0123456789EXAMPLE/2019-02-25/"
        "cvm/tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_vector_b_key_chain_and_extra_signed_header() -> None:
    headers = {**HEADERS_A, "x-tc-action": "DescribeInstances"}
    creq, signed = signing.canonical_request(
        method="POST", query="", headers=headers, payload_hash=signing.payload_hash(BODY)
    )
    assert signed == "content-type;host;x-tc-action"
    assert "x-tc-action:describeinstances\n" in creq
    assert hashlib.sha256(creq.encode()).hexdigest() == (
        "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
    )
    import hmac

    secret = "*" * 32
    k_date = hmac.new(("TC3" + secret).encode(), b"2019-02-25", hashlib.sha256).digest()
    assert k_date.hex() == "da98fb70dcf6b112dc21038d1eeeb3a95c74b4dcb12c1131f864f6066bd02be0"
    k_service = hmac.new(k_date, b"cvm", hashlib.sha256).digest()
    assert k_service.hex() == "8d70cbefb03939f929db64d32dc2ba89b1095620119fe3e050e2b18c5bd2752f"
    assert signing.derive_signing_key(secret, "2019-02-25", "cvm").hex() == (
        "b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af"
    )
    auth = signing.Tc3Signer("cvm").authorization(
        secret_id="AKIDEXAMPLE", secret_key=secret, timestamp=TIMESTAMP, headers=headers, body=BODY
    )
    assert auth.endswith(
        "Signature=10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
    )


def test_cached_signing_key_follows_key_and_date_changes() -> None:
    signer = signing.Tc3Signer("cvm")

    def sign(key: str, ts: int) -> str:
        return signer.authorization(
            secret_id="AKID", secret_key=key, timestamp=ts, headers=HEADERS_A, body=BODY
        )

    first = sign("key-one", TIMESTAMP)
    assert sign("key-two", TIMESTAMP) != first  # a rotated key is not served from the cache
    assert sign("key-one", TIMESTAMP) == first
    next_day = sign("key-one", TIMESTAMP + 86400)
    assert "/2019-02-26/cvm/" in next_day
    assert (
        signing.Tc3Signer("cvm").authorization(
            secret_id="AKID",
            secret_key="key-one",
            timestamp=TIMESTAMP + 86400,
            headers=HEADERS_A,
            body=BODY,
        )
        == next_day
    )


def test_signer_repr_holds_no_secret() -> None:
    signer = signing.Tc3Signer("cvm")
    signer.authorization(
        secret_id="AKID", secret_key="TopSecretKey123", timestamp=TIMESTAMP, headers=HEADERS_A
    )
    assert "TopSecretKey123" not in repr(signer)


def test_parse_authorization_round_trip() -> None:
    auth = signing.Tc3Signer("mqtt").authorization(
        secret_id="AKIDabc", secret_key="k", timestamp=TIMESTAMP, headers=HEADERS_A, body=b"{}"
    )
    parts = signing.parse_authorization(auth)
    assert parts is not None
    assert parts["secret_id"] == "AKIDabc"
    assert parts["service"] == "mqtt"
    assert parts["date"] == "2019-02-25"
    assert parts["signed_headers"] == "content-type;host"
    assert signing.parse_authorization("Basic abc") is None
    assert signing.parse_authorization("TC3-HMAC-SHA256 garbage") is None


def test_precomputed_canonical_headers_sign_identically() -> None:
    signer = signing.Tc3Signer("cvm")

    def sign(headers: dict[str, str] | tuple[str, str]) -> str:
        return signer.authorization(
            secret_id="AKID", secret_key="k", timestamp=TIMESTAMP, headers=headers, body=BODY
        )

    assert sign(signing.canonical_headers(HEADERS_A)) == sign(HEADERS_A)
