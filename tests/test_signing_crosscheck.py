"""Our Authorization equals the official SDK's for the same request (hypothesis).

The official ``tencentcloud-sdk-python-common`` is a test-only dependency: it
builds and signs a request; we sign the very same bytes with tcapi's signer.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tencentcloud.common import abstract_client, credential
from tencentcloud.common.http.request import RequestInternal
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from tcapi.signing import Tc3Signer

text = st.text(st.characters(codec="utf-8"), max_size=20)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    text,
    st.floats(allow_nan=False, allow_infinity=False),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.from_regex(r"[A-Z][A-Za-z]{0,8}", fullmatch=True), inner, max_size=4),
    ),
    max_leaves=12,
)
params = st.dictionaries(
    st.from_regex(r"[A-Z][A-Za-z0-9]{0,12}", fullmatch=True), values, max_size=6
)
ascii_token = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)


class _Client(abstract_client.AbstractClient):  # type: ignore[misc]
    _apiVersion = "2024-05-16"
    _endpoint = "mqtt.tencentcloudapi.com"
    _service = "mqtt"


def official_request(
    *,
    service: str,
    host: str,
    action: str,
    body: dict[str, Any],
    sid: str,
    key: str,
    token: str | None,
    ts: int,
    monkeypatch: pytest.MonkeyPatch,
) -> RequestInternal:
    profile = ClientProfile(httpProfile=HttpProfile(endpoint=host))
    client = _Client(credential.Credential(sid, key, token), "ap-guangzhou", profile)
    client._service = service
    monkeypatch.setattr(abstract_client.time, "time", lambda: ts)
    req = RequestInternal(host, "POST", "/")
    client._build_req_inter(action, body, req)
    return req


@settings(
    max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=params,
    sid=ascii_token,
    key=ascii_token,
    token=st.none() | ascii_token,
    ts=st.integers(0, 4_102_444_800),
    service=st.from_regex(r"[a-z][a-z0-9]{1,10}", fullmatch=True),
    host=st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){1,3}", fullmatch=True),
    action=st.from_regex(r"[A-Z][A-Za-z]{0,30}", fullmatch=True),
)
def test_authorization_matches_official_sdk(
    monkeypatch: pytest.MonkeyPatch,
    body: dict[str, Any],
    sid: str,
    key: str,
    token: str | None,
    ts: int,
    service: str,
    host: str,
    action: str,
) -> None:
    req = official_request(
        service=service,
        host=host,
        action=action,
        body=body,
        sid=sid,
        key=key,
        token=token,
        ts=ts,
        monkeypatch=monkeypatch,
    )
    data = req.data.encode("utf-8") if isinstance(req.data, str) else req.data
    ours = Tc3Signer(service).authorization(
        secret_id=sid,
        secret_key=key,
        timestamp=int(req.header["X-TC-Timestamp"]),
        headers={"content-type": req.header["Content-Type"], "host": req.header["Host"]},
        body=data,
    )
    assert ours == req.header["Authorization"]
