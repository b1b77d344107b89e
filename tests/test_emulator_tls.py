"""The emulator over https (``Emulator(tls=True)``, ``tcapi-emulator --tls``).

Clients that only speak https (tccli, the official SDK's default profile, SDKs
in other languages) can be tested against the emulator when they trust its
throwaway CA: tcapi through ``verify=<ca_path>``, the official Python SDK
through ``HttpProfile(certification=<ca_path>)``, plain requests through
``REQUESTS_CA_BUNDLE``. A client that does not trust it gets a typed
certificate error, and neither that nor a silent or plain-http client harms the
server. Every target is 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcapi import RetryPolicy
from tcapi._transport import CA_BUNDLE_VARIABLES
from tcapi.emulator import Emulator
from tcapi.errors import ConfigurationError, ConnectError
from tcapi.mqtt import AsyncMqttClient, MqttClient

from .seeds import DOC_INSTANCE, seed_doc_instance

pytest.importorskip("trustme")

REGION = "ap-guangzhou"
NO_RETRY = RetryPolicy(max_attempts=1)
CERT_PROBLEM = "unable to get local issuer certificate"  # OpenSSL's words, sync and async
SUBPROCESS_TIMEOUT = 60.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def tls_emulator() -> Iterator[Emulator]:
    with Emulator(tls=True) as emu:
        seed_doc_instance(emu)
        yield emu


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without proxies (a proxy must not carry 127.0.0.1 traffic) or
    CA overrides from outside the test, plus ``extra``."""
    drop = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"}
    env = {k: v for k, v in os.environ.items() if k.upper() not in drop}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    return {**env, **extra}


# -- tcapi's own clients ---------------------------------------------------------------


def test_emulator_serves_https_with_its_own_ca(tls_emulator: Emulator) -> None:
    assert tls_emulator.endpoint == f"https://127.0.0.1:{tls_emulator.port}"
    assert tls_emulator.admin_url.startswith("https://127.0.0.1:")
    assert Path(tls_emulator.ca_path).read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    with tls_emulator.client(MqttClient, verify=tls_emulator.ca_path, retry=NO_RETRY) as c:
        c.create_device_identity(instance_id=DOC_INSTANCE, device_id="over-tls")
        got = c.describe_device_identity(instance_id=DOC_INSTANCE, device_id="over-tls")
    assert (got.instance_id, got.device_id) == (DOC_INSTANCE, "over-tls")
    assert tls_emulator.requests[-1].action == "DescribeDeviceIdentity"


def test_a_client_without_the_ca_gets_a_typed_certificate_error(tls_emulator: Emulator) -> None:
    with (
        tls_emulator.client(MqttClient, retry=NO_RETRY) as untrusting,
        pytest.raises(ConnectError) as info,
    ):
        untrusting.describe_device_identity(instance_id=DOC_INSTANCE, device_id="x")
    assert CERT_PROBLEM in str(info.value)
    assert not tls_emulator.requests  # refused in the handshake, before any request
    # The rejected handshake did not break the server: a trusting client still gets in.
    with tls_emulator.client(MqttClient, verify=tls_emulator.ca_path, retry=NO_RETRY) as c:
        c.create_device_identity(instance_id=DOC_INSTANCE, device_id="after-a-rejection")


@pytest.mark.anyio
async def test_async_client_over_https(tls_emulator: Emulator) -> None:
    async with tls_emulator.client(
        AsyncMqttClient, verify=tls_emulator.ca_path, retry=NO_RETRY
    ) as c:
        await c.create_device_identity(instance_id=DOC_INSTANCE, device_id="async-tls")
        got = await c.describe_device_identity(instance_id=DOC_INSTANCE, device_id="async-tls")
    assert got.device_id == "async-tls"
    async with tls_emulator.client(AsyncMqttClient, retry=NO_RETRY) as untrusting:
        with pytest.raises(ConnectError) as info:
            await untrusting.describe_device_identity(instance_id=DOC_INSTANCE, device_id="x")
    assert CERT_PROBLEM in str(info.value)


def test_a_stalled_handshake_does_not_hold_up_other_clients(tls_emulator: Emulator) -> None:
    """A client that connects and says nothing (and one that speaks plain http to the
    https port) ties up only its own connection thread, not the accept loop."""
    with socket.create_connection(("127.0.0.1", tls_emulator.port), timeout=5) as silent:
        with socket.create_connection(("127.0.0.1", tls_emulator.port), timeout=5) as plain:
            plain.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
            started = time.monotonic()
            with tls_emulator.client(MqttClient, verify=tls_emulator.ca_path, retry=NO_RETRY) as c:
                c.create_device_identity(instance_id=DOC_INSTANCE, device_id="beside-a-stall")
            assert time.monotonic() - started < 5
            plain.settimeout(5)
            try:
                answer = plain.recv(1024)  # a TLS alert at most, then the close
            except ConnectionResetError:  # the unread request makes the close a reset
                answer = b""
            assert not answer.startswith(b"HTTP/")
        silent.sendall(b"")  # still open: the server waits for its handshake


def test_the_handshake_timeout_frees_the_connection(
    tls_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = tls_emulator._server
    assert server is not None
    monkeypatch.setattr(server, "tls_handshake_timeout", 0.2)
    with socket.create_connection(("127.0.0.1", tls_emulator.port), timeout=5) as silent:
        assert silent.recv(1) == b""  # the server gave up and closed it


def test_stdlib_client_trusts_the_ca_for_localhost_names(tls_emulator: Emulator) -> None:
    context = ssl.create_default_context(cafile=tls_emulator.ca_path)
    for name in ("127.0.0.1", "localhost"):
        with socket.create_connection(("127.0.0.1", tls_emulator.port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname=name) as tls:
                peer = tls.getpeercert()
    assert peer is not None
    names = {str(entry[1]) for entry in peer["subjectAltName"]}
    assert names >= {"127.0.0.1", "localhost", "0:0:0:0:0:0:0:1"}


# -- lifecycle and configuration ---------------------------------------------------------


def test_the_ca_file_goes_with_the_emulator(tmp_path: Path) -> None:
    with Emulator(tls=True) as emu:
        owned = Path(emu.ca_path)
        assert owned.is_file()
    assert not owned.parent.exists()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.ca_path
    kept = tmp_path / "ca"
    with Emulator(tls=True, tls_dir=kept) as emu:
        assert Path(emu.ca_path).parent == kept
    assert list(kept.iterdir()) == [kept / "tcapi-emulator-ca.pem"]


def test_plain_http_stays_the_default() -> None:
    with Emulator() as emu:
        assert emu.endpoint.startswith("http://") and not emu.tls
        with pytest.raises(RuntimeError, match="tls=True"):
            _ = emu.ca_path
    with pytest.raises(ValueError, match="tls_dir"):
        Emulator(tls_dir="/nonexistent")


def test_without_trustme_tls_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trustme", None)  # import trustme now fails
    with pytest.raises(ImportError, match=r'pip install "tcapi\[tls\]"'):
        Emulator(tls=True)
    Emulator()  # plain http never needs it


# -- the official SDK, in its own process ----------------------------------------------

OFFICIAL = """
import sys
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.mqtt.v20240516 import models
from tencentcloud.mqtt.v20240516.mqtt_client import MqttClient

port, secret_id, secret_key, instance, certification = sys.argv[1:]
http = HttpProfile(endpoint="127.0.0.1:" + port, reqTimeout=10,
                   certification=certification or None)  # protocol: https, the default
client = MqttClient(Credential(secret_id, secret_key), "ap-guangzhou",
                    ClientProfile(httpProfile=http))
req = models.CreateDeviceIdentityRequest()
req.InstanceId, req.DeviceId = instance, "official-tls"
try:
    print("ok", client.CreateDeviceIdentity(req).RequestId)
except TencentCloudSDKException as exc:
    print("error", exc.get_code(), exc.get_message())
"""


def _run_official(emu: Emulator, certification: str, env: dict[str, str]) -> str:
    argv = [sys.executable, "-c", OFFICIAL, str(emu.port), emu.secret_id, emu.secret_key]
    done = subprocess.run(
        [*argv, DOC_INSTANCE, certification],
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_official_sdk_over_https_with_the_ca_as_its_certification(
    tls_emulator: Emulator,
) -> None:
    out = _run_official(tls_emulator, tls_emulator.ca_path, _clean_env())
    assert out.startswith("ok "), out
    assert out.split()[1] == tls_emulator.requests[-1].request_id


def test_official_sdk_does_not_read_requests_ca_bundle(tls_emulator: Emulator) -> None:
    """It hands certifi's bundle to requests as verify= on every call, and requests
    reads REQUESTS_CA_BUNDLE only when verify is left at True; so the emulator's CA
    has to go in through HttpProfile(certification=...)."""
    env = _clean_env(REQUESTS_CA_BUNDLE=tls_emulator.ca_path, SSL_CERT_FILE=tls_emulator.ca_path)
    out = _run_official(tls_emulator, "", env)
    assert out.startswith("error ClientNetworkError") and "CERTIFICATE_VERIFY_FAILED" in out, out
    assert not tls_emulator.requests


def test_requests_trusts_the_ca_through_requests_ca_bundle(tls_emulator: Emulator) -> None:
    script = (
        "import sys, requests\n"
        "r = requests.post(sys.argv[1] + '/', data=b'{}', timeout=10)\n"
        "print(r.json()['Response']['Error']['Code'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, tls_emulator.endpoint],
        env=_clean_env(REQUESTS_CA_BUNDLE=tls_emulator.ca_path),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "AuthFailure.InvalidAuthorization"


# -- the command line --------------------------------------------------------------------


def _console_script() -> str:
    found = shutil.which("tcapi-emulator", path=str(Path(sys.executable).parent))
    assert found, "the tcapi-emulator console script is not installed beside this Python"
    return found


def _read_until_ready(proc: subprocess.Popen[str], timeout: float) -> list[str]:
    """The lines the emulator printed up to ``ready``, within ``timeout`` seconds."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while not seen or not seen[-1].startswith("ready"):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no 'ready' within {timeout}s: {seen}"
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        assert line, f"the emulator exited early: {seen}"
        seen.append(line)
    return seen


def test_command_line_tls_prints_the_ca_and_serves_https(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [_console_script(), "--port", "0", "--tls", "--tls-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )
    try:
        lines = _read_until_ready(proc, SUBPROCESS_TIMEOUT)
        text = "".join(lines)
        fields = {k.strip(): v.strip() for k, v in (ln.split(":", 1) for ln in lines if ":" in ln)}
        endpoint, ca = fields["endpoint"], fields["CA"]
        assert endpoint.startswith("https://127.0.0.1:")
        assert ca == str(tmp_path / "tcapi-emulator-ca.pem") and Path(ca).is_file()
        assert f"REQUESTS_CA_BUNDLE={ca}" in text and f"verify={ca!r}" in text
        port = int(endpoint.rsplit(":", 1)[1])
        context = ssl.create_default_context(cafile=ca)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(
                    b"GET /_admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                head = tls.recv(4096)
        assert head.startswith(b"HTTP/1.1 200"), head
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert Path(ca).is_file()  # a --tls-dir is the caller's: left in place
    finally:
        proc.kill()
        proc.wait(timeout=10)


# -- the CA from the environment -------------------------------------------------------


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_verify_true_takes_the_ca_bundle_the_environment_names(
    tls_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    for other in CA_BUNDLE_VARIABLES:  # this machine's own, say
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(variable, tls_emulator.ca_path)
    with tls_emulator.client(MqttClient, retry=NO_RETRY) as c:
        c.describe_device_identities(instance_id=DOC_INSTANCE)
    # trust_env=False: only the default CAs, which do not know the emulator's
    with tls_emulator.client(MqttClient, retry=NO_RETRY, trust_env=False) as c:
        with pytest.raises(ConnectError, match=CERT_PROBLEM):
            c.describe_device_identities(instance_id=DOC_INSTANCE)


def test_a_ca_bundle_variable_naming_nothing_is_a_configuration_error(
    tls_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-such-ca.pem")
    monkeypatch.setenv("SSL_CERT_FILE", missing)
    with pytest.raises(ConfigurationError, match=r"SSL_CERT_FILE=.*no CA bundle"):
        tls_emulator.client(MqttClient, retry=NO_RETRY)
    assert tls_emulator.requests == []
