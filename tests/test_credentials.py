"""The credential chain and its temporary credentials, against real servers.

The CVM provider talks to a small metadata server on a local socket (it counts
what it is asked); STS AssumeRole and AssumeRoleWithWebIdentity go to the
emulator, whose temporary credentials then sign MQTT calls on the same
emulator. Expiry is reached with fake clocks, never by sleeping.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tcapi import (
    AssumeRoleProvider,
    Credential,
    CredentialsError,
    CvmRoleProvider,
    DefaultCredentialChain,
    EnvironmentProvider,
    ProfileFileProvider,
    RetryPolicy,
    TccliProfileProvider,
    TkeOidcProvider,
    WebIdentityProvider,
)
from tcapi import credentials as credentials_module
from tcapi.emulator import Emulator, RequestContext
from tcapi.emulator.services.sts import sts_service
from tcapi.errors import ConfigurationError
from tcapi.mqtt import AsyncMqttClient, MqttClient
from tcapi.signing import parse_authorization

ROLE_ARN = "qcs::cam::uin/100000000001:roleName/ci-role"
REGION = "ap-guangzhou"
ROLES_PATH = "/latest/meta-data/cam/security-credentials/"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --------------------------------------------------------------------------- helpers


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class OffsetClock:
    """Real time plus an offset, for the emulator and the providers alike: the
    emulator checks signature timestamps against it, so |offset| < 300 s."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


class MetadataServer:
    """A CVM metadata service on a local port: the role name, then credentials.

    Each credentials answer is new (``AKIDcvm<n>``) and expires at
    ``expires_in`` seconds after ``clock()``; ``code`` makes it a failure payload,
    ``status`` an HTTP error, ``delay`` holds each answer back.
    """

    def __init__(self, role: str | None = "cvm-role", clock: Callable[[], float] = time.time):
        self.role = role
        self.clock = clock
        self.expires_in = 3600.0
        self.code = "Success"
        self.status = 200
        self.delay = 0.0
        self.issue: Callable[[], tuple[str, str, str, float]] | None = None
        self.listings = 0
        self.fetches = 0
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def secret_key(self, n: int) -> str:
        return f"cvm-secret-key-{n}"

    def answer(self, path: str) -> tuple[int, bytes]:
        with self._lock:
            self.paths.append(path)
        if path == ROLES_PATH:
            with self._lock:
                self.listings += 1
            return (404, b"") if self.role is None else (200, self.role.encode())
        if self.role is None or path != ROLES_PATH + self.role:
            return 404, b""
        with self._lock:
            self.fetches += 1
            n = self.fetches
        time.sleep(self.delay)
        if self.status != 200:
            return self.status, b"<html>oops</html>"
        if self.issue is not None:
            sid, key, token, expires = self.issue()
        else:
            sid, key = f"AKIDcvm{n}", self.secret_key(n)
            token, expires = f"cvm-token-{n}", self.clock() + self.expires_in
        body = {
            "TmpSecretId": sid,
            "TmpSecretKey": key,
            "Token": token,
            "ExpiredTime": int(expires),
            "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
            "Code": self.code,
        }
        return 200, json.dumps(body).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = server.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> MetadataServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class SeenAuth:
    """An emulator stage that keeps, per request, the action, the signing
    SecretId and whether X-TC-Token came along (the request log drops both)."""

    def __init__(self, emu: Emulator) -> None:
        self.seen: list[tuple[str, str | None, bool]] = []
        emu.app.stages.insert(0, self)

    def __call__(self, ctx: RequestContext) -> None:
        parts = parse_authorization(ctx.headers.get("authorization", ""))
        self.seen.append(
            (
                ctx.headers.get("x-tc-action", ""),
                parts["secret_id"] if parts else None,
                bool(ctx.headers.get("x-tc-token")),
            )
        )

    def of(self, action: str) -> list[tuple[str | None, bool]]:
        return [(sid, token) for a, sid, token in self.seen if a == action]


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials anywhere: a fresh HOME, no /etc file, no variables."""
    for var in (
        "TENCENTCLOUD_SECRET_ID",
        "TENCENTCLOUD_SECRET_KEY",
        "TENCENTCLOUD_TOKEN",
        "TENCENTCLOUD_ROLE_ARN",
        "TENCENTCLOUD_ROLE_SESSION_NAME",
        "TENCENTCLOUD_PROFILE",
        "TCCLI_PROFILE",
        "TCAPI_DISABLE_METADATA",
        "TKE_REGION",
        "TKE_PROVIDER_ID",
        "TKE_WEB_IDENTITY_TOKEN_FILE",
        "TKE_ROLE_ARN",
    ):
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(credentials_module, "SYSTEM_CREDENTIALS_FILE", tmp_path / "etc-credentials")
    return home


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture
def emu(clock: OffsetClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, rate_limit=False) as emu:
        yield emu


def mqtt(emu: Emulator, credential: Any) -> MqttClient:
    return emu.client(
        MqttClient, credential=credential, retry=RetryPolicy(max_attempts=1), throttle=False
    )


def write_ini(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def write_json(path: Path, data: Mapping[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


# --------------------------------------------------------------------------- environment


def test_environment_gives_key_pair_and_token(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = EnvironmentProvider()
    assert provider.load() is None
    with pytest.raises(CredentialsError, match="TENCENTCLOUD_SECRET_ID"):
        provider.get_credential()
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv")
    assert "only TENCENTCLOUD_SECRET_ID is set" in provider.describe()
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "env-key")
    monkeypatch.setenv("TENCENTCLOUD_TOKEN", "env-token")
    assert EnvironmentProvider().get_credential() == Credential("AKIDenv", "env-key", "env-token")


def test_environment_role_arn_assumes_the_role(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, emu: Emulator
) -> None:
    """tccli's TENCENTCLOUD_ROLE_ARN / _ROLE_SESSION_NAME: the key pair assumes the role."""
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", emu.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", emu.secret_key)
    monkeypatch.setenv("TENCENTCLOUD_ROLE_ARN", ROLE_ARN)
    monkeypatch.setenv("TENCENTCLOUD_ROLE_SESSION_NAME", "from-env")
    chain = DefaultCredentialChain(sts_endpoint=emu.endpoint)
    with mqtt(emu, chain) as client:
        client.describe_instance_list()
    [issued] = sts_service(emu.app).issued
    assert (issued.role_arn, issued.role_session_name, issued.caller) == (
        ROLE_ARN,
        "from-env",
        emu.secret_id,
    )
    assert isinstance(chain.resolve(), AssumeRoleProvider)


# --------------------------------------------------------------------------- profile files


def test_ini_profile_chosen_by_name_with_token(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ini(
        isolated / ".tencentcloud/credentials",
        "[default]\nsecret_id = AKIDdefault\nsecret_key = k0\n\n"
        "[prod]\nsecret_id = AKIDprod\nsecret_key = k1\ntoken = t1\n",
    )
    assert ProfileFileProvider().get_credential().secret_id == "AKIDdefault"
    monkeypatch.setenv("TCCLI_PROFILE", "prod")
    assert ProfileFileProvider().get_credential() == Credential("AKIDprod", "k1", "t1")
    monkeypatch.setenv("TENCENTCLOUD_PROFILE", "default")  # wins over TCCLI_PROFILE
    assert ProfileFileProvider().get_credential().secret_id == "AKIDdefault"
    assert ProfileFileProvider(profile="prod").get_credential().secret_id == "AKIDprod"


def test_system_file_is_read_only_when_the_home_file_is_missing(isolated: Path) -> None:
    system = credentials_module.SYSTEM_CREDENTIALS_FILE
    write_ini(system, "[default]\nsecret_id = AKIDsystem\nsecret_key = k\n")
    assert ProfileFileProvider().get_credential().secret_id == "AKIDsystem"
    write_ini(
        isolated / ".tencentcloud/credentials", "[other]\nsecret_id = AKIDh\nsecret_key = k\n"
    )
    provider = ProfileFileProvider()
    assert provider.load() is None  # the home file exists, so /etc is not read
    assert str(system) in provider.describe()


def test_incomplete_or_unreadable_profile_is_an_error(isolated: Path) -> None:
    path = write_ini(isolated / ".tencentcloud/credentials", "[default]\nsecret_id = AKIDx\n")
    with pytest.raises(CredentialsError, match=r"profile \[default\], needs both"):
        ProfileFileProvider().load()
    path.write_bytes(b"\xff\xfe[default")
    with pytest.raises(CredentialsError, match="cannot read credentials file"):
        ProfileFileProvider().load()


def test_ini_profile_with_role_arn_assumes_the_role(isolated: Path, emu: Emulator) -> None:
    write_ini(
        isolated / ".tencentcloud/credentials",
        f"[default]\nsecret_id = {emu.secret_id}\nsecret_key = {emu.secret_key}\n"
        f"role_arn = {ROLE_ARN}\nrole_session_name = from-ini\nduration_seconds = 900\n",
    )
    chain = DefaultCredentialChain(sts_endpoint=emu.endpoint)
    with mqtt(emu, chain) as client:
        client.describe_instance_list()
    [issued] = sts_service(emu.app).issued
    assert issued.role_session_name == "from-ini" and issued.caller == emu.secret_id
    assert abs(issued.expired_time - (emu.app.clock() + 900)) <= 2


def test_tccli_profile_files(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_json(isolated / ".tccli/default.credential", {"secretId": "AKIDt", "secretKey": "k"})
    write_json(
        isolated / ".tccli/dev.credential",
        {"type": "default", "secretId": "AKIDdev", "secretKey": "k2", "token": "t2"},
    )
    assert TccliProfileProvider().get_credential() == Credential("AKIDt", "k")
    monkeypatch.setenv("TCCLI_PROFILE", "dev")
    assert TccliProfileProvider().get_credential() == Credential("AKIDdev", "k2", "t2")
    write_json(isolated / ".tccli/broken.credential", {"secretId": "AKIDb"})
    with pytest.raises(CredentialsError, match="needs both secretId and secretKey"):
        TccliProfileProvider("broken").get_credential()


def test_tccli_profile_with_role_uses_its_configured_sts_endpoint(
    isolated: Path, emu: Emulator
) -> None:
    write_json(
        isolated / ".tccli/default.credential",
        {
            "secretId": emu.secret_id,
            "secretKey": emu.secret_key,
            "role-arn": ROLE_ARN,
            "role-session-name": "from-tccli",
        },
    )
    write_json(isolated / ".tccli/default.configure", {"sts": {"endpoint": emu.endpoint}})
    with mqtt(emu, DefaultCredentialChain()) as client:
        client.describe_instance_list()
    assert [i.role_session_name for i in sts_service(emu.app).issued] == ["from-tccli"]


def test_tccli_login_credential_is_reread_near_expiry(isolated: Path) -> None:
    clock = FakeClock()
    path = isolated / ".tccli/default.credential"
    login = {"type": "oauth", "secretId": "AKIDo1", "secretKey": "k1", "token": "t1"}
    write_json(path, {**login, "expiresAt": int(clock()) + 3600})
    provider = TccliProfileProvider(clock=clock)
    assert provider.get_credential().secret_id == "AKIDo1"
    write_json(path, {**login, "secretId": "AKIDo2", "expiresAt": int(clock()) + 7200})
    assert provider.get_credential().secret_id == "AKIDo1"  # not near expiry: not re-read
    clock.now += 3600 - 30
    assert provider.get_credential().secret_id == "AKIDo2"
    clock.now += 7200
    with pytest.raises(CredentialsError, match="--profile default renews it"):
        provider.get_credential()


def test_a_named_profile_that_does_not_exist_stops_the_chain(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Choosing a profile by name never silently falls through to the instance role."""
    with MetadataServer() as metadata:
        monkeypatch.setenv("TENCENTCLOUD_PROFILE", "prod")
        chain = DefaultCredentialChain(metadata_endpoint=metadata.url)
        with pytest.raises(CredentialsError) as info:
            chain.get_credential()
        assert metadata.paths == []
    text = str(info.value)
    assert "'prod' (chosen by TENCENTCLOUD_PROFILE) not found" in text
    assert str(isolated / ".tccli/prod.credential") in text


# --------------------------------------------------------------------------- CVM role


def test_cvm_role_credentials_come_from_the_metadata_service() -> None:
    clock = FakeClock()
    with MetadataServer(clock=clock) as metadata:
        provider = CvmRoleProvider(endpoint=metadata.url, clock=clock)
        cred = provider.get_credential()
        assert cred == Credential("AKIDcvm1", metadata.secret_key(1), "cvm-token-1")
        assert provider.get_credential() is cred
        assert provider.expires_at == clock() + 3600
        assert (metadata.listings, metadata.fetches) == (1, 1)
        assert metadata.paths == [ROLES_PATH, ROLES_PATH + "cvm-role"]
        assert provider.role_name == "cvm-role"


def test_cvm_credentials_sign_real_calls(emu: Emulator) -> None:
    with MetadataServer() as metadata:
        metadata.issue = lambda: emu.issue_temporary_credentials(duration=600)
        with mqtt(emu, CvmRoleProvider(endpoint=metadata.url)) as client:
            client.describe_instance_list()
            client.describe_instance_list()
        assert metadata.fetches == 1


def test_cvm_credentials_refresh_before_expiry() -> None:
    clock = FakeClock()
    with MetadataServer(clock=clock) as metadata:
        provider = CvmRoleProvider(endpoint=metadata.url, clock=clock)
        assert provider.get_credential().secret_id == "AKIDcvm1"
        clock.now += 3600 - 301  # just outside the 5-minute window
        assert provider.get_credential().secret_id == "AKIDcvm1"
        clock.now += 2  # inside it: refreshed
        assert provider.get_credential().secret_id == "AKIDcvm2"
        clock.now += 3600 + 10  # long expired: refreshed before use
        assert provider.get_credential().secret_id == "AKIDcvm3"
        assert metadata.fetches == 3 and metadata.listings == 1


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda m: setattr(m, "code", "InternalError"), "Code='InternalError'"),
        (lambda m: setattr(m, "status", 500), "HTTP 500"),
        (lambda m: setattr(m, "role", None), "no CAM role is bound"),
    ],
    ids=["failure-payload", "http-error", "no-role"],
)
def test_cvm_failure_is_a_clear_error_without_secrets(
    setup: Callable[[MetadataServer], None], expected: str
) -> None:
    with MetadataServer() as metadata:
        setup(metadata)
        provider = CvmRoleProvider(endpoint=metadata.url)
        with pytest.raises(CredentialsError) as info:
            provider.get_credential()
    text = str(info.value)
    assert "CVM instance role" in text and expected in text
    assert metadata.secret_key(1) not in text and "cvm-token" not in text


def test_failed_refresh_keeps_the_valid_credential_then_raises_once_expired(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    caplog.set_level(logging.DEBUG, logger="tcapi")
    with MetadataServer(clock=clock) as metadata:
        provider = CvmRoleProvider(endpoint=metadata.url, clock=clock)
        first = provider.get_credential()
        metadata.code = "InternalError"

        clock.now += 3600 - 200  # advisory window: one try, the current one is kept
        assert provider.get_credential() is first
        assert metadata.fetches == 2
        assert provider.get_credential() is first  # no second try straight away
        assert metadata.fetches == 2
        [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert "CVM instance role" in warning.getMessage()
        assert "Code='InternalError'" in warning.getMessage()

        clock.now += 170  # mandatory window (30 s left), after the pause: tried again
        assert provider.get_credential() is first
        assert metadata.fetches == 3

        clock.now += 31  # expired: a failed refresh is an error naming the provider
        with pytest.raises(CredentialsError, match=r"CVM instance role.*expired") as info:
            provider.get_credential()
        assert metadata.fetches == 4

        metadata.code = "Success"  # recovers on the next call
        assert provider.get_credential().secret_id == "AKIDcvm5"
    logged = caplog.text + str(info.value)
    for n in range(1, 6):
        assert metadata.secret_key(n) not in logged and f"cvm-token-{n}" not in logged


def test_sixteen_threads_on_an_almost_expired_credential_fetch_once() -> None:
    clock = FakeClock()
    with MetadataServer(clock=clock) as metadata:
        provider = CvmRoleProvider(endpoint=metadata.url, clock=clock)
        provider.get_credential()
        clock.now += 3600 - 30  # 30 s left: every caller must wait for the refresh
        metadata.delay = 0.2
        barrier = threading.Barrier(16)
        got: list[str] = []

        def worker() -> None:
            barrier.wait()
            got.append(provider.get_credential().secret_id)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert got == ["AKIDcvm2"] * 16
        assert metadata.fetches == 2


def test_threads_in_the_advisory_window_do_not_wait_for_the_refresh() -> None:
    clock = FakeClock()
    with MetadataServer(clock=clock) as metadata:
        provider = CvmRoleProvider(endpoint=metadata.url, clock=clock)
        provider.get_credential()
        clock.now += 3600 - 200
        metadata.delay = 0.3
        refresher = threading.Thread(target=provider.get_credential)
        refresher.start()
        while metadata.fetches < 2:
            time.sleep(0.005)
        started = time.monotonic()
        assert provider.get_credential().secret_id == "AKIDcvm1"  # the current one, at once
        assert time.monotonic() - started < 0.15
        refresher.join(timeout=5)
        assert provider.get_credential().secret_id == "AKIDcvm2"
        assert metadata.fetches == 2


@pytest.mark.anyio
async def test_fifty_tasks_fetch_once() -> None:
    clock = FakeClock()
    with MetadataServer(clock=clock) as metadata:
        metadata.delay = 0.1
        provider = CvmRoleProvider(endpoint=metadata.url, clock=clock)
        creds = await asyncio.gather(*(provider.aget_credential() for _ in range(50)))
        assert {c.secret_id for c in creds} == {"AKIDcvm1"}
        assert (metadata.listings, metadata.fetches) == (1, 1)
        clock.now += 3600 - 30
        creds = await asyncio.gather(*(provider.aget_credential() for _ in range(50)))
        assert {c.secret_id for c in creds} == {"AKIDcvm2"}
        assert metadata.fetches == 2


def test_sync_and_async_callers_share_one_provider_without_deadlock() -> None:
    """An async refresh in flight: a thread waits for it; a sync call on the loop's
    own thread cannot wait (it would block the loop) and fetches by itself."""
    clock = FakeClock()
    outcome: dict[str, Any] = {}

    async def scenario(provider: CvmRoleProvider) -> None:
        leader = asyncio.create_task(provider.aget_credential())
        await asyncio.sleep(0.05)  # the async fetch is in flight (the server waits 0.4 s)
        waiter = asyncio.create_task(asyncio.to_thread(provider.get_credential))
        await asyncio.sleep(0.05)
        outcome["direct"] = provider.get_credential().secret_id  # on the loop's thread
        outcome["leader"] = (await leader).secret_id
        outcome["waiter"] = (await waiter).secret_id

    with MetadataServer(clock=clock) as metadata:
        metadata.delay = 0.4
        provider = CvmRoleProvider("cvm-role", endpoint=metadata.url, clock=clock)
        runner = threading.Thread(target=asyncio.run, args=(scenario(provider),), daemon=True)
        runner.start()
        runner.join(timeout=10)
        assert not runner.is_alive(), "deadlock"
        assert outcome["waiter"] == outcome["leader"]
        assert metadata.fetches == 2  # the async leader's and the loop thread's own


@pytest.mark.anyio
async def test_async_tasks_wait_for_a_refresh_running_in_a_thread() -> None:
    clock = FakeClock()
    with MetadataServer(clock=clock) as metadata:
        metadata.delay = 0.3
        provider = CvmRoleProvider("cvm-role", endpoint=metadata.url, clock=clock)
        thread = threading.Thread(target=provider.get_credential)
        thread.start()
        while metadata.fetches < 1:
            await asyncio.sleep(0.005)
        creds = await asyncio.gather(*(provider.aget_credential() for _ in range(10)))
        thread.join(timeout=5)
        assert {c.secret_id for c in creds} == {"AKIDcvm1"} and metadata.fetches == 1


@pytest.mark.anyio
async def test_a_cancelled_async_refresh_hands_over_to_a_waiter() -> None:
    with MetadataServer() as metadata:
        metadata.delay = 0.2
        provider = CvmRoleProvider("cvm-role", endpoint=metadata.url)
        leader = asyncio.create_task(provider.aget_credential())
        await asyncio.sleep(0.05)
        waiter = asyncio.create_task(provider.aget_credential())
        await asyncio.sleep(0.01)
        leader.cancel()
        assert (await waiter).secret_id in {"AKIDcvm1", "AKIDcvm2"}
        assert leader.cancelled()


def test_a_provider_that_is_its_own_source_fails_instead_of_hanging(emu: Emulator) -> None:
    provider = AssumeRoleProvider(ROLE_ARN, "ci", source=emu.credential(), endpoint=emu.endpoint)
    provider.source = provider
    errors: list[str] = []

    def both() -> None:
        for call in (provider.get_credential, lambda: asyncio.run(provider.aget_credential())):
            try:
                call()
            except CredentialsError as exc:
                errors.append(str(exc))

    runner = threading.Thread(target=both, daemon=True)
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive(), "deadlock"
    assert len(errors) == 2
    assert all("asked itself for credentials" in e for e in errors)


def test_metadata_probe_is_fast_off_cloud_and_can_be_disabled(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = time.monotonic()
    chain = DefaultCredentialChain(metadata_endpoint=closed_port_url())
    with pytest.raises(
        CredentialsError, match=r"CVM instance role at .*\(no answer: NewConnectionError"
    ):
        chain.get_credential()
    assert time.monotonic() - started < 1.0
    chain = DefaultCredentialChain(metadata_endpoint="http://metadata.invalid")
    with pytest.raises(CredentialsError, match=r"metadata\.invalid does not resolve"):
        chain.get_credential()
    assert time.monotonic() - started < 2.5  # name resolution is given at most 1 s
    with MetadataServer(role="<html><body>Sign in to the Wi-Fi</body></html>") as metadata:
        chain = DefaultCredentialChain(metadata_endpoint=metadata.url)
        with pytest.raises(CredentialsError, match="the answer is not a role name"):
            chain.get_credential()
        assert metadata.fetches == 0
    with MetadataServer() as metadata:
        monkeypatch.setenv("TCAPI_DISABLE_METADATA", "1")
        chain = DefaultCredentialChain(metadata_endpoint=metadata.url)
        with pytest.raises(CredentialsError, match="skipped: TCAPI_DISABLE_METADATA is set"):
            chain.get_credential()
        assert metadata.paths == []


# --------------------------------------------------------------------------- STS AssumeRole


def test_assume_role_credentials_sign_mqtt_calls_with_token(emu: Emulator) -> None:
    seen = SeenAuth(emu)
    provider = AssumeRoleProvider(
        ROLE_ARN, "ci", source=emu.credential(), endpoint=emu.endpoint, duration_seconds=900
    )
    with mqtt(emu, provider) as client:
        client.describe_instance_list()
        client.describe_instance_list()
    [issued] = sts_service(emu.app).issued
    assert (issued.role_arn, issued.role_session_name, issued.caller) == (
        ROLE_ARN,
        "ci",
        emu.secret_id,
    )
    assert seen.of("AssumeRole") == [(emu.secret_id, False)]
    assert seen.of("DescribeInstanceList") == [(issued.tmp_secret_id, True)] * 2
    assert provider.expires_at == issued.expired_time
    assert "ci-role" in repr(provider) and emu.secret_key not in repr(provider)


def test_assume_role_refreshes_and_the_new_credentials_are_used(
    emu: Emulator, clock: OffsetClock
) -> None:
    seen = SeenAuth(emu)
    clock.offset = -290.0
    provider = AssumeRoleProvider(
        ROLE_ARN,
        "ci",
        source=emu.credential(),
        endpoint=emu.endpoint,
        duration_seconds=500,
        clock=clock,
    )
    with mqtt(emu, provider) as client:
        client.describe_instance_list()
        old = provider.get_credential()
        clock.offset = 250.0  # 540 s on: the first credentials have expired
        client.describe_instance_list()
    first, second = sts_service(emu.app).issued
    assert seen.of("DescribeInstanceList") == [
        (first.tmp_secret_id, True),
        (second.tmp_secret_id, True),
    ]
    with mqtt(emu, old) as client, pytest.raises(Exception, match="expired"):
        client.describe_instance_list()  # the emulator no longer takes the old ones


@pytest.mark.anyio
async def test_async_assume_role_fetches_once_for_fifty_tasks(emu: Emulator) -> None:
    provider = AssumeRoleProvider(ROLE_ARN, "ci", source=emu.credential(), endpoint=emu.endpoint)
    creds = await asyncio.gather(*(provider.aget_credential() for _ in range(50)))
    [issued] = sts_service(emu.app).issued
    assert {c.secret_id for c in creds} == {issued.tmp_secret_id}
    async with AsyncMqttClient(
        credential=provider, region=REGION, endpoint=emu.endpoint, throttle=False
    ) as client:
        await asyncio.gather(*(client.describe_instance_list() for _ in range(5)))
    assert len(sts_service(emu.app).issued) == 1


def test_assume_role_errors_name_the_provider(emu: Emulator) -> None:
    bad_role = AssumeRoleProvider(
        "not-a-role", "ci", source=emu.credential(), endpoint=emu.endpoint
    )
    with pytest.raises(CredentialsError) as info:
        bad_role.get_credential()
    assert "STS AssumeRole of not-a-role" in str(info.value)
    assert "InvalidParameter.ParamError" in str(info.value)
    wrong_source = AssumeRoleProvider(
        ROLE_ARN,
        "ci",
        source=Credential("AKIDunknown", "sentinel-source-key"),
        endpoint=emu.endpoint,
        retry=RetryPolicy(max_attempts=1),
    )
    with pytest.raises(CredentialsError, match="AuthFailure") as info:
        wrong_source.get_credential()
    assert "sentinel-source-key" not in str(info.value)
    with pytest.raises(ConfigurationError, match=r"1\.\.43200"):
        AssumeRoleProvider(ROLE_ARN, source=emu.credential(), duration_seconds=43201)


# --------------------------------------------------------------------------- TKE OIDC


def test_tke_oidc_from_environment_refreshes_with_the_rotated_token(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, emu: Emulator, clock: OffsetClock
) -> None:
    token_file = isolated / "token"
    token_file.write_text("token-1\n")
    monkeypatch.setenv("TKE_REGION", "ap-shanghai")
    monkeypatch.setenv("TKE_PROVIDER_ID", "tke-oidc")
    monkeypatch.setenv("TKE_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("TKE_ROLE_ARN", ROLE_ARN)
    sts = sts_service(emu.app)
    sts.web_identity_tokens = {"token-1"}
    seen = SeenAuth(emu)
    clock.offset = -290.0
    provider = TkeOidcProvider(endpoint=emu.endpoint, duration_seconds=500, clock=clock)
    with mqtt(emu, provider) as client:
        client.describe_instance_list()
        token_file.write_text("token-2\n")  # the kubelet rotates the projected token
        sts.web_identity_tokens = {"token-2"}
        clock.offset = 250.0
        client.describe_instance_list()
    first, second = sts.issued
    assert first.action == second.action == "AssumeRoleWithWebIdentity"
    assert first.caller is None and first.provider_id == "tke-oidc"
    assert seen.of("AssumeRoleWithWebIdentity") == [(None, False)] * 2  # Authorization: SKIP
    assert [r.region for r in emu.requests if r.action == "AssumeRoleWithWebIdentity"] == [
        "ap-shanghai"
    ] * 2
    assert seen.of("DescribeInstanceList") == [
        (first.tmp_secret_id, True),
        (second.tmp_secret_id, True),
    ]


@pytest.mark.anyio
async def test_web_identity_provider_async(tmp_path: Path, emu: Emulator) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("oidc-token")
    provider = WebIdentityProvider(
        role_arn=ROLE_ARN,
        provider_id="oidc",
        region=REGION,
        web_identity_token_file=token_file,
        endpoint=emu.endpoint,
    )
    creds = await asyncio.gather(*(provider.aget_credential() for _ in range(20)))
    [issued] = sts_service(emu.app).issued
    assert {c.secret_id for c in creds} == {issued.tmp_secret_id}
    assert "oidc-token" not in repr(provider)


def test_tke_in_the_chain(isolated: Path, monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    monkeypatch.setenv("TCAPI_DISABLE_METADATA", "1")
    monkeypatch.setenv("TKE_REGION", REGION)
    monkeypatch.setenv("TKE_ROLE_ARN", ROLE_ARN)
    chain = DefaultCredentialChain(sts_endpoint=emu.endpoint)
    with pytest.raises(CredentialsError) as info:
        chain.get_credential()
    assert "TKE OIDC (TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE not set)" in str(info.value)
    (isolated / "token").write_text("tok")
    monkeypatch.setenv("TKE_PROVIDER_ID", "tke-oidc")
    monkeypatch.setenv("TKE_WEB_IDENTITY_TOKEN_FILE", str(isolated / "token"))
    with mqtt(emu, chain) as client:
        client.describe_instance_list()
    assert isinstance(chain.resolve(), TkeOidcProvider)
    assert [i.action for i in sts_service(emu.app).issued] == ["AssumeRoleWithWebIdentity"]


# --------------------------------------------------------------------------- the chain


def test_chain_order_environment_first(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_ini(
        isolated / ".tencentcloud/credentials", "[default]\nsecret_id=AKIDfile\nsecret_key=k\n"
    )
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "k")
    assert DefaultCredentialChain().get_credential().secret_id == "AKIDenv"
    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID")
    assert DefaultCredentialChain().get_credential().secret_id == "AKIDfile"
    (isolated / ".tencentcloud/credentials").unlink()
    write_json(isolated / ".tccli/default.credential", {"secretId": "AKIDtccli", "secretKey": "k"})
    chain = DefaultCredentialChain()
    assert chain.get_credential().secret_id == "AKIDtccli"
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv")
    assert chain.get_credential().secret_id == "AKIDtccli"  # resolved once, then kept


def test_chain_falls_back_to_the_cvm_role(isolated: Path) -> None:
    with MetadataServer() as metadata:
        chain = DefaultCredentialChain(metadata_endpoint=metadata.url)
        assert chain.get_credential().secret_id == "AKIDcvm1"
        assert chain.get_credential().secret_id == "AKIDcvm1"
        assert isinstance(chain.resolve(), CvmRoleProvider)
        assert (metadata.listings, metadata.fetches) == (1, 1)


def test_temporary_credentials_found_by_a_chain_refresh_through_it(isolated: Path) -> None:
    clock = FakeClock()
    with MetadataServer(clock=clock) as metadata:
        cvm = CvmRoleProvider(endpoint=metadata.url, clock=clock)
        chain = DefaultCredentialChain([EnvironmentProvider(), cvm])
        assert chain.get_credential().secret_id == "AKIDcvm1"
        assert chain.resolve() is cvm
        clock.now += 3600
        assert chain.get_credential().secret_id == "AKIDcvm2"


@pytest.mark.anyio
async def test_chain_async_resolves_once_for_many_tasks(isolated: Path) -> None:
    with MetadataServer() as metadata:
        metadata.delay = 0.05
        chain = DefaultCredentialChain(metadata_endpoint=metadata.url)
        creds = await asyncio.gather(*(chain.aget_credential() for _ in range(30)))
        assert {c.secret_id for c in creds} == {"AKIDcvm1"}
        assert (metadata.listings, metadata.fetches) == (1, 1)


def test_no_credentials_lists_every_place_it_looked(isolated: Path) -> None:
    chain = DefaultCredentialChain(metadata_endpoint=closed_port_url())
    with pytest.raises(CredentialsError) as info:
        chain.get_credential()
    text = str(info.value)
    for place in (
        "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY",
        f"profile [default] of {isolated / '.tencentcloud/credentials'}",
        str(credentials_module.SYSTEM_CREDENTIALS_FILE),
        f"tccli profile {isolated / '.tccli/default.credential'}",
        "CVM instance role at http://127.0.0.1:",
        "TKE OIDC (TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE, TKE_ROLE_ARN not set)",
    ):
        assert place in text


def test_a_credential_is_a_frozen_value() -> None:
    import pickle

    from tcapi.credentials import TemporaryCredential

    cred = Credential("AKIDvalue", "value-secret-key-0123456789", "tok-0123")
    same = Credential("AKIDvalue", "value-secret-key-0123456789", "tok-0123")
    assert cred == same and hash(cred) == hash(same) and len({cred, same}) == 1
    assert cred != Credential("AKIDvalue", "value-secret-key-0123456789")
    with pytest.raises(AttributeError, match="cannot be changed"):
        cred.secret_key = "other"
    assert pickle.loads(pickle.dumps(cred)) == cred
    rotated = cred.replace(token="tok-4567")
    assert rotated.token == "tok-4567" and rotated.secret_id == cred.secret_id
    with pytest.raises(CredentialsError, match=r"Credential\.token"):
        cred.replace(token="bad token")  # checked like the constructor
    assert repr(cred) == "Credential(secret_id='AKIDvalue', secret_key='***', token='***')"
    temp = TemporaryCredential(cred, 12.5)
    assert temp == TemporaryCredential(same, 12.5) and "value-secret" not in repr(temp)
