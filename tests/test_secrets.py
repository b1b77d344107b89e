"""Real-looking secrets go through every path; none may surface anywhere."""

from __future__ import annotations

import logging
import traceback

import pytest

from tcapi import ConnectError, Credential, InvalidParameterError, RetryPolicy, TencentCloudError
from tcapi.emulator import Emulator
from tcapi.mqtt import MqttClient, errors, models

from .scripted_server import Reply, scripted_server
from .seeds import DOC_INSTANCE, seed_doc_instance

SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3SuperSecretValue"
TOKEN = "TokenValue-8b1f0c9a7e6d5c4b3a2918273645"
PRIMARY = "UFJJTUFSWS1LRVktU0VDUkVU"  # base64, as the API wants
SECONDARY = "U0VDT05EQVJZLUtFWS1TRUNSRVQ="
WRONG_TYPED_SECRET = 12345.678  # a sensitive value of the wrong type


def chain_text(exc: BaseException) -> str:
    """Everything a user might print of an exception: str, repr, full traceback, causes."""
    parts = ["".join(traceback.format_exception(exc))]
    seen: BaseException | None = exc
    while seen is not None:
        parts += [str(seen), repr(seen), repr(vars(seen)) if hasattr(seen, "__dict__") else ""]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


def test_no_secret_surfaces_on_any_path(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []
    signatures: list[str] = []
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    with Emulator(secret_key=SECRET_KEY, secret_id="AKIDsecretstest0000000000000000000000") as emu:
        seed_doc_instance(emu)
        cred = Credential(emu.secret_id, SECRET_KEY)
        seen += [repr(cred), str(cred), repr(emu)]
        with MqttClient(credential=cred, region="ap-guangzhou", endpoint=emu.endpoint) as c:
            seen.append(repr(c))
            req = models.CreateDeviceIdentityRequest(
                instance_id=DOC_INSTANCE,
                device_id="d",
                primary_key=PRIMARY,
                secondary_key=SECONDARY,
            )
            seen += [repr(req), str(req)]
            resp = c.create_device_identity(req)  # success
            seen.append(repr(resp))
            with pytest.raises(errors.UnsupportedOperationResourceAlreadyExists) as dup:
                c.create_device_identity(req)  # API error
            seen.append(chain_text(dup.value))
            with pytest.raises(InvalidParameterError) as bad:  # client-side error
                c.create_device_identity(
                    instance_id=DOC_INSTANCE, device_id="d", primary_key=WRONG_TYPED_SECRET
                )  # type: ignore[call-overload]
            seen.append(chain_text(bad.value))
        signatures += [r.headers.get("authorization", "") for r in emu.requests]
        seen += [repr(r) for r in emu.requests]

    # Temporary credentials, throttling retries and a server error.
    temp = Credential("AKIDtemp", SECRET_KEY, TOKEN)
    seen.append(repr(temp))
    replies = [Reply.error("RequestLimitExceeded"), Reply.error("InternalError", "oops")]
    with scripted_server(*replies) as (url, script):
        with MqttClient(
            credential=temp,
            region="ap-guangzhou",
            endpoint=url,
            retry=RetryPolicy(max_attempts=3, base_delay=0.001),
        ) as c:
            with pytest.raises(errors.InternalError) as internal:
                c.create_device_identity(
                    instance_id=DOC_INSTANCE, device_id="d", primary_key=PRIMARY
                )
            seen.append(chain_text(internal.value))
    assert all(r["headers"]["X-TC-Token"] == TOKEN for r in script.received)  # it was sent...
    signatures += [str(r["headers"]["Authorization"]) for r in script.received]

    # A network failure with exception chaining.
    with MqttClient(
        credential=temp,
        region="ap-guangzhou",
        endpoint="http://127.0.0.1:9",
        retry=RetryPolicy(max_attempts=2, base_delay=0.001),
    ) as c:
        with pytest.raises(ConnectError) as conn:
            c.create_device_identity(
                instance_id=DOC_INSTANCE, device_id="d", secondary_key=SECONDARY
            )
        seen.append(chain_text(conn.value))

    out, err = capsys.readouterr()
    seen += [caplog.text, out, err, *(r.getMessage() for r in caplog.records)]
    everything = "\n".join(seen)
    assert "CreateDeviceIdentity" in caplog.text  # the debug lines were really captured
    assert any("retrying" in r.getMessage() for r in caplog.records)
    sig_values = [s.rsplit("Signature=", 1)[-1] for s in signatures if "Signature=" in s]
    assert (
        len(sig_values) == 2
    )  # the emulator never records Authorization; the scripted server does
    for secret in (SECRET_KEY, TOKEN, PRIMARY, SECONDARY, str(WRONG_TYPED_SECRET), *sig_values):
        assert secret not in everything, f"leaked: {secret[:6]}…"
    assert "Authorization" not in everything


def test_every_tcapi_error_exposes_code_message_request_id() -> None:
    for exc in (
        errors.UnsupportedOperationResourceAlreadyExists("m", request_id="r"),
        ConnectError("m"),
        InvalidParameterError("m", field="F"),
    ):
        assert isinstance(exc, TencentCloudError)
        assert exc.code and exc.message == "m"
        assert hasattr(exc, "request_id")
    assert errors.UnsupportedOperationResourceAlreadyExists("m").code == (
        "UnsupportedOperation.ResourceAlreadyExists"
    )
