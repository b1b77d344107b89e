"""Real-looking secrets go through every path; none may surface anywhere."""

from __future__ import annotations

import logging
import traceback

import pytest

from tcapi import (
    CircuitBreaker,
    ConnectError,
    Credential,
    InvalidParameterError,
    RetryPolicy,
    TencentCloudError,
    Throttle,
    TransportError,
)
from tcapi.emulator import Emulator
from tcapi.mqtt import MqttClient, errors, models
from tcapi.retry import RetryEvent

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


def test_no_secret_surfaces_through_retries_throttling_and_the_breaker(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Temporary credentials and sensitive members through the retry path (throttled
    and retried, outcome unknown, attempts exhausted), the throttle path (waits and
    the adaptive cut) and the circuit breaker, with every logger at DEBUG."""
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    events: list[RetryEvent] = []
    temp = Credential("AKIDtempsecretstest000000000000000000", SECRET_KEY, TOKEN)
    throttle = Throttle(rate=1, per=0.02)  # every call waits ~22 ms for its slot
    retry = RetryPolicy(max_attempts=3, base_delay=0.001, on_retry=events.append)

    replies = [
        Reply.error("RequestLimitExceeded"),  # retried...
        Reply.ok(),  # ...then done
        Reply(reset=True),  # a create, reset after sending: outcome unknown
        *[Reply.error("RequestLimitExceeded")] * 3,  # attempts exhausted, rate cut
    ]
    with scripted_server(*replies) as (url, script):
        with MqttClient(
            credential=temp, region="ap-guangzhou", endpoint=url, retry=retry, throttle=throttle
        ) as c:
            seen.append(repr(c))
            c.create_device_identity(
                instance_id=DOC_INSTANCE,
                device_id="d1",
                primary_key=PRIMARY,
                secondary_key=SECONDARY,
            )
            with pytest.raises(TransportError) as unknown:
                c.create_device_identity(
                    instance_id=DOC_INSTANCE, device_id="d2", primary_key=PRIMARY
                )
            assert unknown.value.outcome_unknown
            with pytest.raises(errors.RequestLimitExceeded) as limited:
                c.modify_device_identity(
                    instance_id=DOC_INSTANCE, device_id="d1", primary_key=PRIMARY
                )
            seen += [chain_text(unknown.value), chain_text(limited.value), repr(throttle)]
    assert all(r["headers"]["X-TC-Token"] == TOKEN for r in script.received)
    signatures = [str(r["headers"]["Authorization"]) for r in script.received]

    # The breaker: the primary resets every request; a retried describe opens the
    # breaker and the backup serves it and the create after it.
    with (
        Emulator("AKIDsecretstest0000000000000000000000", SECRET_KEY) as primary,
        Emulator(primary.secret_id, SECRET_KEY) as backup,
    ):
        for emu in (primary, backup):
            emu.app.add_temporary_credentials(temp.secret_id, SECRET_KEY, TOKEN)
            seed_doc_instance(emu)
        primary.set_faults("reset_before=1", seed=1)
        breaker = CircuitBreaker(backup.endpoint)
        with primary.client(
            MqttClient,
            credential=temp,
            retry=RetryPolicy(max_attempts=6, base_delay=0.001, on_retry=events.append),
            throttle=throttle,
            circuit_breaker=breaker,
        ) as c:
            c.describe_device_identities(instance_id=DOC_INSTANCE)
            c.create_device_identity(
                instance_id=DOC_INSTANCE,
                device_id="d3",
                primary_key=PRIMARY,
                secondary_key=SECONDARY,
            )
            seen += [repr(c), repr(breaker)]
        seen += [repr(r) for r in (*primary.requests, *backup.requests)]
        assert breaker.state == "open" and len(backup.requests) == 2

    seen += [repr(e) for e in events] + [str(e.error) for e in events]
    out, err = capsys.readouterr()
    seen += [caplog.text, out, err, *(r.getMessage() for r in caplog.records)]
    everything = "\n".join(seen)
    for path in ("retrying after", "throttle_wait_ms=", "backup_endpoint=", "may have been"):
        assert path in everything, path  # each path really ran and was logged
    sig_values = [s.rsplit("Signature=", 1)[-1] for s in signatures]
    assert len(sig_values) == 6
    for secret in (SECRET_KEY, TOKEN, PRIMARY, SECONDARY, *sig_values):
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


# --------------------------------------------------------------------------- frame locals

LOCALS_SECRET_ID = "AKIDlocalsscan000000000000000000000"
LOCALS_KEY = "LocalsScanSecretKey-5e2c7d1b9a0f4e3d"
LOCALS_TOKEN = "LocalsScanToken-77aa88bb99cc00dd"
LOCALS_PRIMARY = "TG9jYWxzU2NhblByaW1hcnlLZXk="  # a member the spec marks sensitive


def locals_text(exc: BaseException) -> str:
    """The traceback as error trackers record it (Sentry, rich: every frame's
    locals, through the chain of causes and contexts)."""
    te = traceback.TracebackException.from_exception(exc, capture_locals=True)
    return "".join(te.format())


def _failing_server(kind: str) -> Reply:
    return {
        "api-error": Reply.error("FailedOperation.Boom", "no", "rid-x"),
        "not-json": Reply(status=200, body=b"<html>", content_type="text/html"),
        "gateway": Reply(status=502, body=b"bad gateway", content_type="text/plain"),
        "cut": Reply(status=200, body=b'{"Response": {"RequestId": "r"}}', truncate_to=5),
        "reset": Reply(reset=True),
        "slow": Reply(delay=1.0),
        "too-big": Reply(status=200, body=b"x" * 5000),
    }[kind]


@pytest.mark.parametrize("transport", ["urllib3", "aiohttp", "httpx", "httpx-async"])
@pytest.mark.parametrize(
    "failure", ["api-error", "not-json", "gateway", "cut", "reset", "slow", "too-big", "refused"]
)
def test_tracebacks_with_locals_never_show_the_authorization(transport: str, failure: str) -> None:
    import asyncio
    import socket

    import httpx

    from tcapi.mqtt import AsyncMqttClient

    options = {
        "credential": Credential(LOCALS_SECRET_ID, LOCALS_KEY, LOCALS_TOKEN),
        "region": "ap-guangzhou",
        "retry": RetryPolicy(max_attempts=1),
        "throttle": False,
        "read_timeout": 0.3,
        "max_body": 1000,
    }

    def call(url: str) -> BaseException:
        options["endpoint"] = url
        try:
            if transport in ("urllib3", "httpx"):
                http = httpx.Client() if transport == "httpx" else None
                with MqttClient(http_client=http, **options) as client:
                    client.create_device_identity(
                        instance_id="mqtt-1", device_id="d1", primary_key=LOCALS_PRIMARY
                    )
            else:

                async def main() -> None:
                    http = httpx.AsyncClient() if transport == "httpx-async" else None
                    async with AsyncMqttClient(http_client=http, **options) as client:
                        await client.create_device_identity(
                            instance_id="mqtt-1", device_id="d1", primary_key=LOCALS_PRIMARY
                        )

                asyncio.run(main())
        except TencentCloudError as exc:
            return exc
        raise AssertionError("the call did not fail")

    if failure == "refused":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        error = call(f"http://127.0.0.1:{port}")
    else:
        with scripted_server(_failing_server(failure)) as (url, _):
            error = call(url)
    text = locals_text(error) + chain_text(error)
    assert "Signature=" not in text
    assert "TC3-HMAC-SHA256 Credential" not in text
    assert LOCALS_KEY not in text and LOCALS_TOKEN not in text
    assert LOCALS_PRIMARY not in text
