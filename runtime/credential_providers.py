"""Temporary credentials over the network: CVM instance role, STS AssumeRole,
web identity (OIDC) and TKE's OIDC setup.

Each is a :class:`~tcapi.credentials.RefreshableCredentialProvider`: fetched
when first needed, refreshed before expiry, one fetch at a time however many
threads and tasks ask; ``aget_credential()`` fetches in a worker thread (the
metadata service, over urllib3) or with the async STS client, so it never blocks
an event loop.

The CVM role and TKE providers are also sources of the default chain: their
``load()`` says whether they apply here (a metadata service that answers with a
role; the four ``TKE_*`` variables), quickly, so the chain does not hang when
running off-cloud.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .credentials import (
    DEFAULT_ADVISORY_REFRESH,
    DEFAULT_MANDATORY_REFRESH,
    Credential,
    CredentialProvider,
    RefreshableCredentialProvider,
    TemporaryCredential,
    _reason,
    _truthy,
)
from .errors import ConfigurationError, CredentialsError

if TYPE_CHECKING:
    from .retry import RetryPolicy
    from .sts import models as sts_models

# The CVM metadata service (the official SDK's URL).
METADATA_ENDPOINT: Final = "http://metadata.tencentyun.com"
METADATA_ROLE_PATH: Final = "/latest/meta-data/cam/security-credentials/"
_METADATA_MAX_BODY: Final = 64 * 1024
"""The metadata service's answers are a role name or a small JSON object."""
ENV_DISABLE_METADATA: Final = "TCAPI_DISABLE_METADATA"
"""tcapi's own switch (Tencent defines none): set to 1 to never ask the metadata service."""
METADATA_CONNECT_TIMEOUT: Final = 1.0
_ROLE_NAME: Final = re.compile(r"[\w+=,.@-]{1,128}")
"""What a CAM role name may be (so a captive portal's page is not taken for one)."""
METADATA_READ_TIMEOUT: Final = 2.0

# TKE's OIDC setup (variables the official SDK and tccli read).
ENV_TKE_REGION: Final = "TKE_REGION"
ENV_TKE_PROVIDER_ID: Final = "TKE_PROVIDER_ID"
ENV_TKE_TOKEN_FILE: Final = "TKE_WEB_IDENTITY_TOKEN_FILE"  # noqa: S105 - a variable name
ENV_TKE_ROLE_ARN: Final = "TKE_ROLE_ARN"
TKE_VARIABLES: Final = (ENV_TKE_REGION, ENV_TKE_PROVIDER_ID, ENV_TKE_TOKEN_FILE, ENV_TKE_ROLE_ARN)

# STS limits (protocol.md): the default and the longest DurationSeconds.
DEFAULT_DURATION: Final = 7200
MAX_DURATION: Final = 43200
STS_DEFAULT_REGION: Final = "ap-guangzhou"
"""STS needs a Region parameter; the official SDK's AssumeRole uses this one."""
ENV_REGION: Final = "TENCENTCLOUD_REGION"


def _session_name() -> str:
    return f"tcapi-{time.time_ns() // 1000}"


def _check_duration(duration_seconds: int) -> int:
    if isinstance(duration_seconds, bool) or not isinstance(duration_seconds, int):
        raise ConfigurationError("duration_seconds must be an int")
    if not 0 < duration_seconds <= MAX_DURATION:
        raise ConfigurationError(
            f"duration_seconds must be 1..{MAX_DURATION}, not {duration_seconds}"
        )
    return duration_seconds


def _from_sts(
    resp: sts_models.AssumeRoleResponse | sts_models.AssumeRoleWithWebIdentityResponse,
) -> TemporaryCredential:
    creds: Any = getattr(resp, "credentials", None)
    sid = getattr(creds, "tmp_secret_id", None)
    key = getattr(creds, "tmp_secret_key", None)
    token = getattr(creds, "token", None)
    expired = getattr(resp, "expired_time", None)
    if not (isinstance(sid, str) and sid and isinstance(key, str) and key):
        raise CredentialsError("STS answered without Credentials.TmpSecretId/TmpSecretKey")
    if not isinstance(expired, int) or isinstance(expired, bool):
        raise CredentialsError("STS answered without ExpiredTime")
    return TemporaryCredential(Credential(sid, key, token or None), float(expired))


class _Unsigned:
    """The credential of a client that only sends unsigned actions."""

    def __repr__(self) -> str:
        return "unsigned"

    def get_credential(self) -> Credential:
        raise CredentialsError("this STS client only sends unsigned actions")


# --------------------------------------------------------------------------- CVM role


def _resolves_within(host: str, timeout: float) -> bool:
    """Whether ``host`` resolves within ``timeout`` seconds. A resolver that
    hangs (no DNS off-cloud) must not hold up the chain: an HTTP library's connect
    timeout does not cover name resolution."""
    import ipaddress  # noqa: PLC0415
    import socket  # noqa: PLC0415

    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    done = threading.Event()
    resolved: list[bool] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, None)
            resolved.append(True)
        except OSError:
            pass
        finally:
            done.set()

    threading.Thread(target=lookup, name="tcapi-metadata-dns", daemon=True).start()
    done.wait(timeout)
    return bool(resolved)


class CvmRoleProvider(RefreshableCredentialProvider):
    """The CAM role bound to this CVM instance, from its metadata service.

    ``GET {endpoint}/latest/meta-data/cam/security-credentials/`` names the
    role (unless ``role_name`` is given); ``GET`` that URL plus the role name
    returns ``TmpSecretId``, ``TmpSecretKey``, ``Token``, ``ExpiredTime`` and
    ``Code: "Success"``. Timeouts are short (1 s to connect, 2 s to read): the
    service is on the instance's own network. No proxy is used.

    As a source of the default chain, ``load()`` asks for the role name and
    applies only if the service answers with one; ``TCAPI_DISABLE_METADATA=1``
    turns it off.
    """

    def __init__(
        self,
        role_name: str | None = None,
        *,
        endpoint: str | None = None,
        connect_timeout: float = METADATA_CONNECT_TIMEOUT,
        read_timeout: float = METADATA_READ_TIMEOUT,
        advisory_refresh: float = DEFAULT_ADVISORY_REFRESH,
        mandatory_refresh: float = DEFAULT_MANDATORY_REFRESH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            advisory_refresh=advisory_refresh, mandatory_refresh=mandatory_refresh, clock=clock
        )
        from urllib.parse import urlsplit  # noqa: PLC0415 - not needed at import time

        self.endpoint = (endpoint or METADATA_ENDPOINT).rstrip("/")
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"metadata endpoint must be an http(s) URL: {endpoint!r}")
        self.role_name = role_name
        self._role_given = role_name is not None
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._probe_note = ""

    def __repr__(self) -> str:
        return f"CvmRoleProvider(endpoint={self.endpoint!r}, role_name={self.role_name!r})"

    @property
    def roles_url(self) -> str:
        return self.endpoint + METADATA_ROLE_PATH

    def describe(self) -> str:
        note = f" ({self._probe_note})" if self._probe_note else ""
        return f"CVM instance role at {self.roles_url}{note}"

    def _get(self, url: str) -> tuple[int, bytes]:
        """GET ``url`` from the metadata service: (status, body of at most 64 KiB).
        No proxy (the service is link-local), no retry, no redirect; urllib3's
        errors propagate (the callers decide what a failure means)."""
        import urllib3  # noqa: PLC0415

        resp = urllib3.request(
            "GET",
            url,
            timeout=urllib3.Timeout(connect=self.connect_timeout, read=self.read_timeout),
            retries=False,
            redirect=False,
            preload_content=False,
        )
        try:
            return resp.status, resp.read(_METADATA_MAX_BODY)
        finally:
            resp.release_conn()

    # -- the chain's probe ----------------------------------------------------------

    def load(self) -> CredentialProvider | None:
        """This provider when the metadata service names a role, else None (fast)."""
        if _truthy(os.environ.get(ENV_DISABLE_METADATA)):
            self._probe_note = f"skipped: {ENV_DISABLE_METADATA} is set"
            return None
        if self.role_name:
            return self
        from urllib.parse import urlsplit  # noqa: PLC0415

        import urllib3  # noqa: PLC0415

        host = urlsplit(self.endpoint).hostname or ""
        if not _resolves_within(host, self.connect_timeout):
            self._probe_note = f"{host} does not resolve"
            return None
        try:
            status, body = self._get(self.roles_url)
        except urllib3.exceptions.HTTPError as exc:
            self._probe_note = f"no answer: {type(exc).__name__}"
            return None
        return self._found_role(status, body.decode("utf-8", "replace"))

    def _found_role(self, status: int, text: str) -> CvmRoleProvider | None:
        if status == 404:
            self._probe_note = "no CAM role is bound to this instance"
            return None
        if status != 200:
            self._probe_note = f"HTTP {status}"
            return None
        role = next((line.strip() for line in text.splitlines() if line.strip()), "")
        if not role:
            self._probe_note = "no CAM role is bound to this instance"
            return None
        if not _ROLE_NAME.fullmatch(role):
            self._probe_note = "the answer is not a role name"
            return None
        self.role_name = role
        self._probe_note = ""
        return self

    # -- fetching -----------------------------------------------------------------------

    def _role_or_error(self, status: int, text: str) -> str:
        if self._found_role(status, text) is None or not self.role_name:
            raise CredentialsError(f"the metadata service names no role: {self._probe_note}")
        return self.role_name

    def _credentials_url(self, role: str) -> str:
        from urllib.parse import quote  # noqa: PLC0415

        return self.roles_url + quote(role, safe="")

    def _parse(self, role: str, status: int, body: bytes) -> TemporaryCredential:
        if status == 404:
            if not self._role_given:
                self.role_name = None  # the role changed: look it up again next time
            raise CredentialsError(f"the metadata service has no role {role!r} (HTTP 404)")
        if status != 200:
            raise CredentialsError(f"the metadata service answered HTTP {status}")
        import json  # noqa: PLC0415

        try:
            data = json.loads(body)
        except ValueError:
            raise CredentialsError(
                "the metadata service answered with something not JSON"
            ) from None
        if not isinstance(data, Mapping):
            raise CredentialsError("the metadata service answered with something not a JSON object")
        code = data.get("Code")
        if code != "Success":
            shown = str(code)[:80] if isinstance(code, str | int) else type(code).__name__
            raise CredentialsError(
                f"the metadata service answered Code={shown!r} for role {role!r}, not 'Success'"
            )
        sid, key, token = data.get("TmpSecretId"), data.get("TmpSecretKey"), data.get("Token")
        expired = data.get("ExpiredTime")
        if not (isinstance(sid, str) and sid and isinstance(key, str) and key):
            raise CredentialsError("the metadata service answered without TmpSecretId/TmpSecretKey")
        if not isinstance(token, str) or not token:
            raise CredentialsError("the metadata service answered without Token")
        if isinstance(expired, bool) or not isinstance(expired, int | float):
            raise CredentialsError("the metadata service answered without ExpiredTime")
        return TemporaryCredential(Credential(sid, key, token), float(expired))

    def fetch_credential(self) -> TemporaryCredential:
        import urllib3  # noqa: PLC0415

        try:
            role = self.role_name
            if not role:
                status, listing = self._get(self.roles_url)
                role = self._role_or_error(status, listing.decode("utf-8", "replace"))
            status, body = self._get(self._credentials_url(role))
        except urllib3.exceptions.HTTPError as exc:
            raise CredentialsError(
                f"the metadata service at {self.endpoint} did not answer ({type(exc).__name__})"
            ) from None
        return self._parse(role, status, body)

    async def afetch_credential(self) -> TemporaryCredential:
        """The fetch in a worker thread: a refresh every few hours does not need an
        event-loop HTTP session of its own, and never blocks the loop."""
        import asyncio  # noqa: PLC0415

        return await asyncio.to_thread(self.fetch_credential)


# --------------------------------------------------------------------------- STS AssumeRole


class AssumeRoleProvider(RefreshableCredentialProvider):
    """Temporary credentials of a CAM role, from STS ``AssumeRole``.

    ``source`` signs the AssumeRole call (any provider: a Credential, the
    default chain — the default —, a CVM role ...). ``duration_seconds`` is
    1..43200 (default 7200); the role session name defaults to ``tcapi-<µs>``.
    ``region`` defaults to ``TENCENTCLOUD_REGION``, else ap-guangzhou;
    ``endpoint`` to STS's (``sts.tencentcloudapi.com``).

    Example::

        role = AssumeRoleProvider("qcs::cam::uin/100000000001:roleName/ops",
                                  source=Credential("AKID...", "key"))
        client = MqttClient(credential=role, region="ap-guangzhou")
    """

    def __init__(
        self,
        role_arn: str,
        role_session_name: str | None = None,
        *,
        source: CredentialProvider | None = None,
        duration_seconds: int = DEFAULT_DURATION,
        policy: str | None = None,
        external_id: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        retry: RetryPolicy | None = None,
        advisory_refresh: float = DEFAULT_ADVISORY_REFRESH,
        mandatory_refresh: float = DEFAULT_MANDATORY_REFRESH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            advisory_refresh=advisory_refresh, mandatory_refresh=mandatory_refresh, clock=clock
        )
        if not isinstance(role_arn, str) or not role_arn.strip():
            raise ConfigurationError("role_arn must be a non-empty string")
        if source is None:
            from .credentials import DefaultCredentialChain  # noqa: PLC0415

            source = DefaultCredentialChain()
        self.role_arn = role_arn.strip()
        self.role_session_name = role_session_name or _session_name()
        self.source = source
        self.duration_seconds = _check_duration(duration_seconds)
        self.policy = policy
        self.external_id = external_id
        self.region = region or os.environ.get(ENV_REGION) or STS_DEFAULT_REGION
        self.endpoint = endpoint
        self.retry = retry

    def __repr__(self) -> str:
        return (
            f"AssumeRoleProvider(role_arn={self.role_arn!r}, "
            f"role_session_name={self.role_session_name!r}, source={self.source!r})"
        )

    def describe(self) -> str:
        return f"STS AssumeRole of {self.role_arn}"

    def _client_options(self) -> dict[str, Any]:
        return {
            "credential": self.source,
            "region": self.region,
            "endpoint": self.endpoint,
            "retry": self.retry,
        }

    def _params(self) -> dict[str, Any]:
        return {
            "role_arn": self.role_arn,
            "role_session_name": self.role_session_name,
            "duration_seconds": self.duration_seconds,
            "policy": self.policy,
            "external_id": self.external_id,
        }

    def fetch_credential(self) -> TemporaryCredential:
        from .sts import StsClient  # noqa: PLC0415 - the generated client imports this module

        with StsClient(**self._client_options()) as sts:
            return _from_sts(sts.assume_role(**self._params()))

    async def afetch_credential(self) -> TemporaryCredential:
        from .sts import AsyncStsClient  # noqa: PLC0415

        async with AsyncStsClient(**self._client_options()) as sts:
            return _from_sts(await sts.assume_role(**self._params()))


# --------------------------------------------------------------------------- web identity


class WebIdentityProvider(RefreshableCredentialProvider):
    """Temporary credentials of a CAM role for an OIDC identity, from STS
    ``AssumeRoleWithWebIdentity`` (sent unsigned: ``Authorization: SKIP``).

    The identity token is ``web_identity_token``, or the content of
    ``web_identity_token_file``, read again for every refresh (Kubernetes
    rotates projected tokens). ``region`` is the STS Region parameter.
    """

    def __init__(
        self,
        *,
        role_arn: str,
        provider_id: str,
        region: str,
        web_identity_token: str | None = None,
        web_identity_token_file: str | os.PathLike[str] | None = None,
        role_session_name: str | None = None,
        duration_seconds: int = DEFAULT_DURATION,
        endpoint: str | None = None,
        retry: RetryPolicy | None = None,
        advisory_refresh: float = DEFAULT_ADVISORY_REFRESH,
        mandatory_refresh: float = DEFAULT_MANDATORY_REFRESH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            advisory_refresh=advisory_refresh, mandatory_refresh=mandatory_refresh, clock=clock
        )
        self._check_token_source(web_identity_token, web_identity_token_file)
        self.role_arn = role_arn
        self.provider_id = provider_id
        self.region = region
        self._token = web_identity_token
        self.token_file = Path(web_identity_token_file) if web_identity_token_file else None
        self.role_session_name = role_session_name or _session_name()
        self.duration_seconds = _check_duration(duration_seconds)
        self.endpoint = endpoint
        self.retry = retry

    @staticmethod
    def _check_token_source(token: str | None, token_file: object) -> None:
        if (token is None) == (token_file is None):
            raise ConfigurationError("give one of web_identity_token and web_identity_token_file")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(role_arn={self.role_arn!r}, "
            f"provider_id={self.provider_id!r}, token_file={self.token_file!r})"
        )

    def describe(self) -> str:
        return f"STS AssumeRoleWithWebIdentity of {self.role_arn}"

    def _settings(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(client options, request parameters) for the next fetch."""
        token = self._token
        if self.token_file is not None:
            try:
                token = self.token_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise CredentialsError(
                    f"cannot read the web identity token file {self.token_file}: {_reason(exc)}"
                ) from None
        if not token:
            raise CredentialsError("the web identity token is empty")
        client = {
            "credential": _Unsigned(),
            "region": self.region,
            "endpoint": self.endpoint,
            "retry": self.retry,
        }
        params = {
            "provider_id": self.provider_id,
            "web_identity_token": token,
            "role_arn": self.role_arn,
            "role_session_name": self.role_session_name,
            "duration_seconds": self.duration_seconds,
        }
        return client, params

    def fetch_credential(self) -> TemporaryCredential:
        from .sts import StsClient  # noqa: PLC0415

        client, params = self._settings()
        with StsClient(**client) as sts:
            return _from_sts(sts.assume_role_with_web_identity(**params))

    async def afetch_credential(self) -> TemporaryCredential:
        from .sts import AsyncStsClient  # noqa: PLC0415

        client, params = self._settings()
        async with AsyncStsClient(**client) as sts:
            return _from_sts(await sts.assume_role_with_web_identity(**params))


class TkeOidcProvider(WebIdentityProvider):
    """The OIDC identity TKE gives a pod: ``TKE_REGION``, ``TKE_PROVIDER_ID``,
    ``TKE_WEB_IDENTITY_TOKEN_FILE`` and ``TKE_ROLE_ARN`` (read when a credential
    is first needed; the token file again on every refresh).

    As a source of the default chain, ``load()`` applies when all four are set.
    """

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        role_session_name: str | None = None,
        duration_seconds: int = DEFAULT_DURATION,
        retry: RetryPolicy | None = None,
        advisory_refresh: float = DEFAULT_ADVISORY_REFRESH,
        mandatory_refresh: float = DEFAULT_MANDATORY_REFRESH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        env = {name: os.environ.get(name, "").strip() for name in TKE_VARIABLES}
        super().__init__(
            role_arn=env[ENV_TKE_ROLE_ARN],
            provider_id=env[ENV_TKE_PROVIDER_ID],
            region=env[ENV_TKE_REGION],
            web_identity_token_file=env[ENV_TKE_TOKEN_FILE] or None,
            role_session_name=role_session_name,
            duration_seconds=duration_seconds,
            endpoint=endpoint,
            retry=retry,
            advisory_refresh=advisory_refresh,
            mandatory_refresh=mandatory_refresh,
            clock=clock,
        )

    @staticmethod
    def _check_token_source(token: str | None, token_file: object) -> None:
        """The variables are read again (and checked) before every fetch."""

    @staticmethod
    def _missing() -> list[str]:
        return [name for name in TKE_VARIABLES if not os.environ.get(name, "").strip()]

    def _settings(self) -> tuple[dict[str, Any], dict[str, Any]]:
        missing = self._missing()
        if missing:
            raise CredentialsError(f"TKE OIDC needs {', '.join(missing)} in the environment")
        self.role_arn = os.environ[ENV_TKE_ROLE_ARN].strip()
        self.provider_id = os.environ[ENV_TKE_PROVIDER_ID].strip()
        self.region = os.environ[ENV_TKE_REGION].strip()
        self.token_file = Path(os.environ[ENV_TKE_TOKEN_FILE].strip())
        return super()._settings()

    def __repr__(self) -> str:
        return f"TkeOidcProvider(role_arn={os.environ.get(ENV_TKE_ROLE_ARN)!r})"

    def load(self) -> CredentialProvider | None:
        return None if self._missing() else self

    def describe(self) -> str:
        missing = self._missing()
        if missing:
            return f"TKE OIDC ({', '.join(missing)} not set)"
        role_arn = os.environ[ENV_TKE_ROLE_ARN].strip()
        return f"TKE OIDC: STS AssumeRoleWithWebIdentity of {role_arn}"
