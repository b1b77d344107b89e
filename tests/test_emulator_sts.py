"""The emulator's STS issues real temporary credentials, honoured until they expire.

Everything goes over real sockets with the generated clients: AssumeRole
(signed) and AssumeRoleWithWebIdentity (unsigned) hand out a key pair and token
that the same emulator then accepts for MQTT calls, until ExpiredTime on the
emulator's clock.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterator

import pytest

from tcapi import Credential, RetryPolicy
from tcapi.emulator import Emulator
from tcapi.emulator.services.sts import StsService, sts_service
from tcapi.mqtt import MqttClient
from tcapi.mqtt import errors as mqtt_errors
from tcapi.sts import StsClient, errors

ROLE_ARN = "qcs::cam::uin/100000000001:roleName/emulated-role"
REGION = "ap-guangzhou"


class OffsetClock:
    """Real time plus an offset. Signatures are checked against this clock too,
    so the offset stays within the 5 minutes the API tolerates."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture
def emu(clock: OffsetClock) -> Iterator[Emulator]:
    with Emulator(clock=clock) as emu:
        yield emu


@pytest.fixture
def sts(emu: Emulator) -> Iterator[StsClient]:
    with emu.client(StsClient, retry=RetryPolicy(max_attempts=1)) as client:
        yield client


def mqtt_with(emu: Emulator, credential: Credential) -> MqttClient:
    return emu.client(MqttClient, credential=credential, retry=RetryPolicy(max_attempts=1))


def test_assume_role_issues_credentials_accepted_until_they_expire(
    emu: Emulator, sts: StsClient, clock: OffsetClock
) -> None:
    clock.offset = -290.0
    before = int(clock())
    resp = sts.assume_role(role_arn=ROLE_ARN, role_session_name="s-1", duration_seconds=500)
    assert before + 500 <= resp.expired_time <= int(clock()) + 500
    assert calendar.timegm(time.strptime(resp.expiration, "%Y-%m-%dT%H:%M:%SZ")) == (
        resp.expired_time
    )
    creds = resp.credentials
    assert creds.tmp_secret_id.startswith("AKID") and creds.tmp_secret_id != emu.secret_id
    temporary = Credential(creds.tmp_secret_id, creds.tmp_secret_key, creds.token)

    with mqtt_with(emu, temporary) as mqtt:
        assert mqtt.describe_instance_list().request_id
    with mqtt_with(emu, Credential(creds.tmp_secret_id, creds.tmp_secret_key)) as mqtt:
        with pytest.raises(mqtt_errors.AuthFailure, match="must carry its token"):
            mqtt.describe_instance_list()

    clock.offset = 250.0  # 540 s later on the emulator's clock: past ExpiredTime
    with mqtt_with(emu, temporary) as mqtt:
        with pytest.raises(mqtt_errors.AuthFailure) as info:
            mqtt.describe_instance_list()
    assert info.value.code == "AuthFailure.TokenFailure"
    assert "expired" in info.value.message

    [issued] = sts_service(emu.app).issued
    assert (issued.action, issued.role_arn, issued.role_session_name) == (
        "AssumeRole",
        ROLE_ARN,
        "s-1",
    )
    assert issued.caller == emu.secret_id and issued.tmp_secret_id == creds.tmp_secret_id
    assert creds.tmp_secret_key not in repr(issued) and creds.token not in repr(issued)


def test_each_assume_role_issues_new_credentials_with_the_default_duration(
    sts: StsClient, clock: OffsetClock
) -> None:
    first = sts.assume_role(role_arn=ROLE_ARN, role_session_name="s-1")
    second = sts.assume_role(role_arn=ROLE_ARN, role_session_name="s-1")
    assert abs(first.expired_time - (clock() + 7200)) <= 2
    assert first.credentials.tmp_secret_id != second.credentials.tmp_secret_id
    assert first.credentials.token != second.credentials.token


@pytest.mark.parametrize("duration", [0, 43201])
def test_assume_role_duration_out_of_range_is_over_time_error(
    sts: StsClient, emu: Emulator, duration: int
) -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        sts.assume_role(role_arn=ROLE_ARN, role_session_name="s-1", duration_seconds=duration)
    assert info.value.code == "InvalidParameter.OverTimeError"
    assert "43200" in info.value.message
    assert sts_service(emu.app).issued == []


def test_assume_role_accepts_the_longest_duration(sts: StsClient, clock: OffsetClock) -> None:
    resp = sts.assume_role(role_arn=ROLE_ARN, role_session_name="s-1", duration_seconds=43200)
    assert abs(resp.expired_time - (clock() + 43200)) <= 2


@pytest.mark.parametrize(
    ("role_arn", "session", "named"),
    [
        ("arn:aws:iam::1:role/x", "s-1", "RoleArn"),
        (ROLE_ARN, "x", "RoleSessionName"),
        (ROLE_ARN, "has space", "RoleSessionName"),
    ],
)
def test_malformed_role_or_session_name_is_param_error(
    sts: StsClient, role_arn: str, session: str, named: str
) -> None:
    with pytest.raises(errors.InvalidParameter, match=named) as info:
        sts.assume_role(role_arn=role_arn, role_session_name=session)
    assert info.value.code == "InvalidParameter.ParamError"


def test_web_identity_is_unsigned_and_its_credentials_work(emu: Emulator) -> None:
    with StsClient(region=REGION, endpoint=emu.endpoint, credential=_no_credentials()) as sts:
        resp = sts.assume_role_with_web_identity(
            provider_id="tke-oidc",
            web_identity_token="eyJhbGciOi.payload.sig",
            role_arn=ROLE_ARN,
            role_session_name="pod-1",
            duration_seconds=900,
        )
    [rec] = emu.requests
    assert rec.signature is None and rec.error_code is None  # Authorization: SKIP
    [issued] = sts_service(emu.app).issued
    assert issued.caller is None and issued.provider_id == "tke-oidc"
    creds = resp.credentials
    with mqtt_with(emu, Credential(creds.tmp_secret_id, creds.tmp_secret_key, creds.token)) as m:
        assert m.describe_instance_list().request_id


def test_web_identity_token_allow_list_and_duration(emu: Emulator) -> None:
    service: StsService = sts_service(emu.app)
    service.web_identity_tokens = {"good-token"}
    with StsClient(region=REGION, endpoint=emu.endpoint, credential=_no_credentials()) as sts:

        def call(token: str, duration: int = 900) -> object:
            return sts.assume_role_with_web_identity(
                provider_id="p",
                web_identity_token=token,
                role_arn=ROLE_ARN,
                role_session_name="pod-1",
                duration_seconds=duration,
            )

        with pytest.raises(errors.InvalidParameter) as info:
            call("bad-token")
        assert info.value.code == "InvalidParameter.WebIdentityTokenError"
        with pytest.raises(errors.InvalidParameter) as info:
            call("good-token", duration=43201)
        assert info.value.code == "InvalidParameter.ParamError"
        call("good-token")
    assert len(service.issued) == 1


def _no_credentials() -> Credential:
    # Never used: the web identity action is unsigned. A made-up key proves it.
    return Credential("AKIDnever-used", "never-used")
