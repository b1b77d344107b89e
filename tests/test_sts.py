"""STS, the second service: generated from its spec alone, driven through the emulator.

Nothing in the generator or the runtime knows STS; these tests call it over
real sockets exactly as a user would, sync and async.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.spec import Action, Example, load_service
from tcapi import Credential, CredentialsError, InvalidParameterError, RetryPolicy
from tcapi.emulator import Emulator, RequestContext, answer_with_example
from tcapi.errors import ConfigurationError
from tcapi.signing import parse_authorization
from tcapi.sts import AsyncStsClient, StsClient, errors, models

REGION = "ap-guangzhou"

# The documented AssumeRole example (its request), plus a duration.
ROLE_ARN = "qcs::cam::uin/100015158414:roleName/readOnlyRole"
ROLE_SESSION_NAME = "cts"
DURATION_SECONDS = 1800

# The documented AssumeRole example response, typed.
ASSUME_ROLE_EXAMPLE = models.AssumeRoleResponse(
    credentials=models.Credentials(
        token="da1e***", tmp_secret_id="AKID***", tmp_secret_key="q95K***"
    ),
    expired_time=1543914376,
    expiration="2018-12-04T09:06:16Z",
)
ASSUME_ROLE_EXAMPLE_REQUEST_ID = "4daec797-9cd2-4f09-9e7a-7d4c43b2a74c"

# The first documented GetCallerIdentity example response, typed.
CALLER_IDENTITY_EXAMPLE = models.GetCallerIdentityResponse(
    type="CAMUser",
    account_id="1000262***",
    user_id="1000261***",
    principal_id="1000261****",
    arn="qcs::cam:1000262***:uin/1000261***",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emu:
        # These tests are about the generated client and the documented examples:
        # answer with those instead of the emulator's real temporary credentials
        # (tested in test_emulator_sts.py and test_credentials.py).
        for action in ("AssumeRole", "AssumeRoleWithWebIdentity"):
            emu.register("sts", action, answer_with_example)
        yield emu


@pytest.fixture
def sts(emu: Emulator) -> Iterator[StsClient]:
    with StsClient(
        credential=Credential(emu.secret_id, emu.secret_key),
        region=REGION,
        endpoint=emu.endpoint,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        yield client


@pytest.fixture
async def async_sts(emu: Emulator) -> AsyncIterator[AsyncStsClient]:
    async with AsyncStsClient(
        credential=Credential(emu.secret_id, emu.secret_key),
        region=REGION,
        endpoint=emu.endpoint,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        yield client


def capture_authorization(emu: Emulator, action: str) -> list[str]:
    """Answer ``action`` with its documented example, keeping each Authorization header.

    The emulator's request log drops Authorization on purpose; a handler sees it.
    """
    seen: list[str] = []

    def handler(ctx: RequestContext) -> Mapping[str, Any]:
        seen.append(ctx.headers["authorization"])
        return answer_with_example(ctx)

    emu.register("sts", action, handler)
    return seen


def without_request_id(resp: models.AssumeRoleResponse) -> models.AssumeRoleResponse:
    return models.AssumeRoleResponse(
        credentials=resp.credentials,
        expired_time=resp.expired_time,
        expiration=resp.expiration,
        unknown_fields=resp.unknown_fields,
    )


def assert_routed_to_sts(emu: Emulator, authorizations: list[str], action: str) -> None:
    [rec] = emu.requests
    assert (rec.service, rec.version, rec.action) == ("sts", "2018-08-13", action)
    assert rec.region == REGION and rec.error_code is None
    assert rec.headers["x-tc-action"] == action
    assert rec.headers["x-tc-version"] == "2018-08-13"
    assert rec.headers["x-tc-region"] == REGION
    [authorization] = authorizations
    parts = parse_authorization(authorization)
    assert parts is not None
    assert parts["service"] == "sts" and parts["secret_id"] == emu.secret_id
    date = time.strftime("%Y-%m-%d", time.gmtime(int(rec.headers["x-tc-timestamp"])))
    assert f"Credential={emu.secret_id}/{date}/sts/tc3_request," in authorization


def assert_assume_role_example(resp: models.AssumeRoleResponse) -> None:
    assert isinstance(resp, models.AssumeRoleResponse)
    assert isinstance(resp.credentials, models.Credentials)
    assert without_request_id(resp) == ASSUME_ROLE_EXAMPLE
    assert resp.credentials.token == "da1e***"
    assert resp.credentials.tmp_secret_id == "AKID***"
    assert resp.credentials.tmp_secret_key == "q95K***"
    assert resp.expired_time == 1543914376
    assert resp.expiration == "2018-12-04T09:06:16Z"
    assert resp.request_id and resp.request_id != ASSUME_ROLE_EXAMPLE_REQUEST_ID
    assert resp.unknown_fields == {}


# --------------------------------------------------------------------------- the public API


def test_public_api_is_generated_for_sts() -> None:
    import tcapi.sts
    import tcapi.sts.v20180813

    assert tcapi.sts.StsClient is tcapi.sts.v20180813.StsClient
    assert StsClient.SERVICE.service == "sts"
    assert StsClient.SERVICE.version == "2018-08-13"
    assert StsClient.SERVICE.endpoint == "sts.tencentcloudapi.com"
    assert StsClient.SERVICE.region_required is True
    assert AsyncStsClient.SERVICE is StsClient.SERVICE
    assert issubclass(errors.MissingParameter, errors.ApiError)
    for name in ("assume_role", "get_caller_identity", "get_federation_token"):
        assert callable(getattr(StsClient, name)) and callable(getattr(AsyncStsClient, name))


def test_region_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENCENTCLOUD_REGION", raising=False)
    with pytest.raises(ConfigurationError, match="sts needs a region"):
        StsClient(credential=Credential("AKIDexample", "example-key"))


# --------------------------------------------------------------------------- AssumeRole


def test_assume_role_returns_the_documented_example(sts: StsClient, emu: Emulator) -> None:
    authorizations = capture_authorization(emu, "AssumeRole")
    resp = sts.assume_role(
        role_arn=ROLE_ARN, role_session_name=ROLE_SESSION_NAME, duration_seconds=DURATION_SECONDS
    )
    assert_assume_role_example(resp)
    assert_routed_to_sts(emu, authorizations, "AssumeRole")
    assert emu.requests[0].params == {
        "RoleArn": ROLE_ARN,
        "RoleSessionName": ROLE_SESSION_NAME,
        "DurationSeconds": DURATION_SECONDS,
    }


@pytest.mark.anyio
async def test_async_assume_role_returns_the_documented_example(
    async_sts: AsyncStsClient, emu: Emulator
) -> None:
    authorizations = capture_authorization(emu, "AssumeRole")
    resp = await async_sts.assume_role(
        role_arn=ROLE_ARN, role_session_name=ROLE_SESSION_NAME, duration_seconds=DURATION_SECONDS
    )
    assert_assume_role_example(resp)
    assert_routed_to_sts(emu, authorizations, "AssumeRole")


def test_prebuilt_request_object_sends_the_same_wire_form(sts: StsClient, emu: Emulator) -> None:
    request = models.AssumeRoleRequest(
        role_arn=ROLE_ARN,
        role_session_name=ROLE_SESSION_NAME,
        duration_seconds=DURATION_SECONDS,
        tags=[models.Tag(key="department", value="engineering")],
    )
    assert_assume_role_example(sts.assume_role(request))
    assert emu.requests[0].params == {
        "RoleArn": ROLE_ARN,
        "RoleSessionName": ROLE_SESSION_NAME,
        "DurationSeconds": DURATION_SECONDS,
        "Tags": [{"Key": "department", "Value": "engineering"}],
    }


# --------------------------------------------------------------------------- secrets


def test_temporary_secrets_are_redacted_in_repr(sts: StsClient) -> None:
    resp = sts.assume_role(role_arn=ROLE_ARN, role_session_name=ROLE_SESSION_NAME)
    text = repr(resp)
    # The example values themselves end in ***; the redacted form is exactly '***'.
    assert "da1e" not in text and "q95K" not in text
    assert "token='***'" in text and "tmp_secret_key='***'" in text
    # TmpSecretId only names the key: it stays visible.
    assert "tmp_secret_id='AKID***'" in text
    assert "expiration='2018-12-04T09:06:16Z'" in text


def test_secrets_from_the_wire_never_reach_repr(sts: StsClient, emu: Emulator) -> None:
    token, secret_key = "TOKEN-sentinel-0f3a", "KEY-sentinel-9b1c"

    def issue(ctx: RequestContext) -> Mapping[str, Any]:
        return {
            "Credentials": {"Token": token, "TmpSecretId": "AKIDtemp", "TmpSecretKey": secret_key},
            "ExpiredTime": 1543914376,
            "Expiration": "2018-12-04T09:06:16Z",
        }

    emu.register("sts", "GetFederationToken", issue)
    resp = sts.get_federation_token(name="readOnly", policy="%7B%7D")
    assert resp.credentials.token == token and resp.credentials.tmp_secret_key == secret_key
    for text in (repr(resp), str(resp), repr(resp.credentials)):
        assert token not in text and secret_key not in text
        assert "'***'" in text and "AKIDtemp" in text


@pytest.mark.parametrize(
    ("request_model", "attribute"),
    [
        (
            models.AssumeRoleWithWebIdentityRequest(
                provider_id="OIDC",
                web_identity_token="sentinel-secret-value",
                role_arn=ROLE_ARN,
                role_session_name="test_OIDC",
            ),
            "web_identity_token",
        ),
        (
            models.AssumeRoleWithSAMLRequest(
                saml_assertion="sentinel-secret-value",
                principal_arn="qcs::cam::uin/798950673:saml-provider/OneLogin",
                role_arn=ROLE_ARN,
                role_session_name="test",
            ),
            "saml_assertion",
        ),
        (
            models.GetSessionTokenRequest(
                serial_number="qcs::cam:uin/10001::mfa/softToken",
                token_code="sentinel-secret-value",
            ),
            "token_code",
        ),
        (
            models.AssumeRoleRequest(
                role_arn=ROLE_ARN,
                role_session_name=ROLE_SESSION_NAME,
                token_code="sentinel-secret-value",
            ),
            "token_code",
        ),
    ],
    ids=lambda x: x if isinstance(x, str) else type(x).__name__,
)
def test_secret_inputs_are_redacted_in_repr(request_model: object, attribute: str) -> None:
    text = repr(request_model)
    assert "sentinel-secret-value" not in text
    assert f"{attribute}='***'" in text


@pytest.mark.anyio
async def test_web_identity_token_is_sent_but_not_shown(
    async_sts: AsyncStsClient, emu: Emulator
) -> None:
    resp = await async_sts.assume_role_with_web_identity(
        provider_id="OIDC",
        web_identity_token="eyJraWQiOiJkT**********CNOQ",
        role_arn="qcs::cam::uin/7989***:roleName/OneLogin-Role",
        role_session_name="test_OIDC",
        duration_seconds=DURATION_SECONDS,
    )
    assert resp.expired_time == 1543914376
    assert resp.credentials.tmp_secret_key == "q95K***"
    [rec] = emu.requests
    assert rec.params is not None
    assert rec.params["WebIdentityToken"] == "eyJraWQiOiJkT**********CNOQ"
    assert "eyJraWQ" not in repr(rec)


# --------------------------------------------------------------------------- GetCallerIdentity


def test_get_caller_identity_returns_the_documented_example(sts: StsClient, emu: Emulator) -> None:
    authorizations = capture_authorization(emu, "GetCallerIdentity")
    resp = sts.get_caller_identity()
    assert isinstance(resp, models.GetCallerIdentityResponse)
    assert resp.request_id and resp.request_id != "1c875b55-128b-4152-9e73-0984fd489ba2"
    resp.request_id = None
    assert resp == CALLER_IDENTITY_EXAMPLE
    assert_routed_to_sts(emu, authorizations, "GetCallerIdentity")
    assert emu.requests[0].params == {}


@pytest.mark.anyio
async def test_async_get_caller_identity(async_sts: AsyncStsClient, emu: Emulator) -> None:
    resp = await async_sts.get_caller_identity()
    assert (resp.type, resp.account_id, resp.arn) == (
        "CAMUser",
        "1000262***",
        "qcs::cam:1000262***:uin/1000261***",
    )
    assert emu.requests[0].action == "GetCallerIdentity"


# --------------------------------------------------------------------------- errors


def incomplete_tag_request() -> models.AssumeRoleRequest:
    # The client checks every member it knows; a raw member in unknown_fields
    # goes out unchecked, so the server is the one to notice Tags.0.Value is missing.
    return models.AssumeRoleRequest(
        role_arn=ROLE_ARN,
        role_session_name=ROLE_SESSION_NAME,
        unknown_fields={"Tags": [{"Key": "department"}]},
    )


def test_missing_parameter_is_raised_as_the_typed_error(sts: StsClient, emu: Emulator) -> None:
    with pytest.raises(errors.MissingParameter) as info:
        sts.assume_role(incomplete_tag_request())
    err = info.value
    assert type(err) is errors.MissingParameter
    assert isinstance(err, errors.ApiError)
    assert err.code == "MissingParameter"
    assert "Tags.0.Value" in err.message
    assert err.action == "AssumeRole"
    [rec] = emu.requests
    assert (rec.service, rec.version, rec.error_code) == ("sts", "2018-08-13", "MissingParameter")
    assert err.request_id == rec.request_id


@pytest.mark.anyio
async def test_async_missing_parameter_is_raised_as_the_typed_error(
    async_sts: AsyncStsClient,
) -> None:
    with pytest.raises(errors.MissingParameter, match=r"Tags\.0\.Value"):
        await async_sts.assume_role(incomplete_tag_request())


def test_incomplete_request_from_dict_fails_before_sending(sts: StsClient, emu: Emulator) -> None:
    request = models.AssumeRoleRequest.from_dict({"RoleArn": ROLE_ARN})
    with pytest.raises(InvalidParameterError, match="RoleSessionName"):
        sts.assume_role(request)
    assert emu.requests == []


def test_unknown_parameter_is_raised_as_the_typed_error(sts: StsClient) -> None:
    request = models.AssumeRoleRequest(
        role_arn=ROLE_ARN,
        role_session_name=ROLE_SESSION_NAME,
        unknown_fields={"RoleSesionName": "typo"},
    )
    with pytest.raises(errors.UnknownParameter, match="RoleSesionName"):
        sts.assume_role(request)


# --------------------------------------------------------------------------- doc examples

SPEC = load_service(Path(__file__).resolve().parents[1] / "spec/sts/2018-08-13")

REQUEST_DEVIATIONS: dict[str, str] = {
    "AssumeRoleWithWebIdentity-0": (
        "DurationSeconds: expected int, got str"  # the doc example sends "1800" for an Integer
    ),
}
"""Documented example requests whose validate() fails: example id -> error text."""

EXAMPLES = [
    pytest.param(f"{action.name}-{i}", action, example, id=f"{action.name}-{i}")
    for action in SPEC.actions
    for i, example in enumerate(action.examples)
]


@pytest.mark.parametrize(("example_id", "action", "example"), EXAMPLES)
def test_documented_examples_round_trip_through_the_models(
    example_id: str, action: Action, example: Example
) -> None:
    request_model = getattr(models, f"{action.name}Request").from_dict(example.request)
    response_model = getattr(models, f"{action.name}Response").from_dict(example.response)
    assert request_model.to_dict() == example.request
    assert response_model.to_dict() == example.response
    response_model.validate()
    if example_id in REQUEST_DEVIATIONS:
        with pytest.raises(InvalidParameterError, match=REQUEST_DEVIATIONS[example_id]):
            request_model.validate()
    else:
        request_model.validate()


def test_unsigned_actions_need_no_credentials_and_send_skip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """AssumeRoleWithWebIdentity is documented as unsigned: it needs no credential
    and goes out with ``Authorization: SKIP``; the emulator accepts SKIP only for
    actions the spec marks unsigned."""
    for var in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TCAPI_DISABLE_METADATA", "1")  # off-cloud for sure, even on a CVM
    monkeypatch.setenv("HOME", str(tmp_path))  # no profile file either
    seen: list[str] = []

    def record(ctx: RequestContext) -> Mapping[str, Any]:
        seen.append(ctx.headers.get("authorization", ""))
        return answer_with_example(ctx)

    with Emulator() as emu:
        emu.register("sts", "AssumeRoleWithWebIdentity", record)
        with StsClient(region="ap-guangzhou", endpoint=emu.endpoint) as c:
            resp = c.assume_role_with_web_identity(
                provider_id="OIDC",
                web_identity_token="eyJ-token",
                role_arn="qcs::cam::uin/1:roleName/r",
                role_session_name="s",
            )
            assert resp.request_id
            with pytest.raises(CredentialsError):  # a signed action still needs credentials
                c.get_caller_identity()
        forged = httpx.post(
            emu.endpoint,
            content=b"{}",
            headers={
                "Authorization": "SKIP",
                "Content-Type": "application/json",
                "X-TC-Action": "GetCallerIdentity",
                "X-TC-Version": "2018-08-13",
                "X-TC-Region": "ap-guangzhou",
                "X-TC-Timestamp": str(int(time.time())),
            },
        ).json()
    assert seen == ["SKIP"]
    assert forged["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"
