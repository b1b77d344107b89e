"""Credentials and where they come from.

A client asks its :class:`CredentialProvider` for a :class:`Credential` on every
attempt (cheap for static credentials; lets temporary ones refresh). Async
clients await ``aget_credential()`` when the provider has one.

This module holds the credential types, the refresh machinery every temporary
credential shares (:class:`RefreshableCredentialProvider`), the local sources
(environment, profile files) and :class:`DefaultCredentialChain`. The providers
that go over the network (CVM instance role, STS AssumeRole, web identity / TKE
OIDC) live in :mod:`tcapi.credential_providers`.

The default chain, in order (the official SDK's order, plus tccli's files):

1. the environment: ``TENCENTCLOUD_SECRET_ID`` / ``TENCENTCLOUD_SECRET_KEY``
   (/ ``TENCENTCLOUD_TOKEN``); with ``TENCENTCLOUD_ROLE_ARN`` (and
   ``TENCENTCLOUD_ROLE_SESSION_NAME``) they are the source of an AssumeRole, as
   tccli does;
2. the profile file ``~/.tencentcloud/credentials``, else
   ``/etc/tencentcloud/credentials`` (INI, the official SDK's), then tccli's
   ``~/.tccli/<profile>.credential`` (JSON);
3. the CVM instance role (metadata service);
4. TKE OIDC (``TKE_*`` variables, sts AssumeRoleWithWebIdentity).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar, Token
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar, runtime_checkable

from ._frozen import Frozen
from .errors import ConfigurationError, CredentialsError, TencentCloudError

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .credential_providers import AssumeRoleProvider, CvmRoleProvider

logger = logging.getLogger("tcapi.credentials")

ENV_SECRET_ID: Final = "TENCENTCLOUD_SECRET_ID"  # noqa: S105 - variable names, not secrets
ENV_SECRET_KEY: Final = "TENCENTCLOUD_SECRET_KEY"  # noqa: S105
ENV_TOKEN: Final = "TENCENTCLOUD_TOKEN"  # noqa: S105
# tccli: with these set, the environment's key pair assumes that role.
ENV_ROLE_ARN: Final = "TENCENTCLOUD_ROLE_ARN"
ENV_ROLE_SESSION_NAME: Final = "TENCENTCLOUD_ROLE_SESSION_NAME"
# Profile selection: Tencent's Terraform provider reads TENCENTCLOUD_PROFILE,
# tccli reads TCCLI_PROFILE; the first one set wins, else "default".
ENV_PROFILE: Final = "TENCENTCLOUD_PROFILE"
ENV_TCCLI_PROFILE: Final = "TCCLI_PROFILE"
DEFAULT_PROFILE: Final = "default"

HOME_CREDENTIALS_FILE: Final = Path("~/.tencentcloud/credentials")
"""The official SDKs' profile file (INI); ``~`` is expanded when it is read."""
SYSTEM_CREDENTIALS_FILE = Path("/etc/tencentcloud/credentials")
"""Read when the home file does not exist (as the official SDK does)."""
TCCLI_DIRECTORY: Final = Path("~/.tccli")
"""Where ``tccli configure`` writes ``<profile>.credential`` and ``<profile>.configure``."""

# Refresh windows (seconds before expiry), each at most a share of the
# credential's lifetime so short-lived credentials are not refreshed on every call.
DEFAULT_ADVISORY_REFRESH: Final = 300.0
"""Less than this left: one caller refreshes; a failure is logged and the
current credential is used while it is still valid."""
DEFAULT_MANDATORY_REFRESH: Final = 60.0
"""Less than this left: every caller waits for the refresh."""
RETRY_AFTER_FAILURE: Final = 10.0
"""After a failed refresh (current credential still valid), wait at most this long
before trying again, so a failing source is not hit on every call."""


def _check_secret(field: str, value: object) -> None:
    """A credential part goes into a header: printable ASCII without whitespace.
    The message names the field and the problem, never the value (a trailing newline
    from a file or a secrets manager is the usual one)."""
    if not isinstance(value, str) or not value:
        raise CredentialsError(f"Credential.{field} must be a non-empty string")
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        where = "at its end" if value.strip() and value != value.rstrip() else "in it"
        raise CredentialsError(
            f"Credential.{field} holds whitespace, a control or a non-ASCII character "
            f"{where}; check how it was read (a trailing newline is the usual cause)"
        )


class Credential(Frozen):
    """A SecretId/SecretKey pair, with a token for temporary credentials.

    repr() and str() never show the key or the token. Immutable; ``replace()``
    makes a changed copy.
    """

    __slots__ = ("secret_id", "secret_key", "token")
    _hidden = frozenset({"secret_key", "token"})

    secret_id: str
    secret_key: str
    token: str | None

    def __init__(self, secret_id: str, secret_key: str, token: str | None = None) -> None:
        _check_secret("secret_id", secret_id)
        _check_secret("secret_key", secret_key)
        if token is not None:
            _check_secret("token", token)
        object.__setattr__(self, "secret_id", secret_id)
        object.__setattr__(self, "secret_key", secret_key)
        object.__setattr__(self, "token", token)

    def get_credential(self) -> Credential:
        """A Credential is its own (static) provider."""
        return self


class TemporaryCredential(Frozen):
    """A credential and when it expires (Unix seconds; None: it does not)."""

    __slots__ = ("credential", "expires_at")

    credential: Credential
    expires_at: float | None

    def __init__(self, credential: Credential, expires_at: float | None) -> None:
        object.__setattr__(self, "credential", credential)
        object.__setattr__(self, "expires_at", expires_at)


@runtime_checkable
class CredentialProvider(Protocol):
    """Anything that can hand out the credential to sign the next request with.

    Async clients call ``async aget_credential()`` instead when the provider has
    one, so that a provider that refreshes over the network does not block the
    event loop.
    """

    def get_credential(self) -> Credential: ...


class CredentialSource(Protocol):
    """One place the default chain looks: ``load()`` gives a provider, or None
    when this place has no credentials; ``describe()`` says where it looked."""

    def load(self) -> CredentialProvider | None: ...
    def describe(self) -> str: ...


async def aget_credential(provider: CredentialProvider) -> Credential:
    """``provider.aget_credential()`` when it has one, else ``get_credential()``."""
    aget: Callable[[], Awaitable[Credential]] | None = getattr(provider, "aget_credential", None)
    if aget is not None:
        return await aget()
    return provider.get_credential()


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _reason(exc: BaseException) -> str:
    """An exception as a line for a message. Ours and httpx's never carry secrets."""
    if isinstance(exc, CredentialsError):
        return exc.message
    if isinstance(exc, TencentCloudError):
        return str(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------- single flight

T = TypeVar("T")


class _LeaderGone(Exception):
    """The caller doing the work was cancelled: a waiter takes over."""


_LEADING: ContextVar[tuple[object, ...]] = ContextVar("tcapi_credentials_leading", default=())
"""The flights the current call is leading: asking one of them again from inside
its own work (a provider that is its own source) is an error, not a deadlock."""


class _Flight(Generic[T]):
    __slots__ = ("future", "thread")

    def __init__(self) -> None:
        from concurrent.futures import Future  # noqa: PLC0415 - loaded with the first fetch

        self.future: Future[T] = Future()
        # RUNNING: an async waiter's cancellation cannot cancel the shared future.
        self.future.set_running_or_notify_cancel()
        self.thread = threading.get_ident()


class _SingleFlight(Generic[T]):
    """At most one call of a function at a time, shared by threads and tasks.

    The first caller (the leader) runs it; callers arriving meanwhile wait for
    its result: threads on a ``concurrent.futures.Future``, tasks on the same
    future wrapped for their loop, so any mix of threads, event loops and sync
    and async callers shares one fetch. One case cannot wait: a sync caller on
    the thread whose event loop runs the async leader would block that loop
    forever, so it does the work itself.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flight: _Flight[T] | None = None

    @property
    def busy(self) -> bool:
        return self._flight is not None

    def _join(self) -> tuple[_Flight[T], bool]:
        with self._lock:
            if self._flight is None:
                self._flight = _Flight()
                return self._flight, True
            return self._flight, False

    def _leave(self, flight: _Flight[T]) -> None:
        with self._lock:
            if self._flight is flight:
                self._flight = None

    def _land(self, flight: _Flight[T], result: T) -> None:
        self._leave(flight)
        flight.future.set_result(result)

    def _crash(self, flight: _Flight[T], error: BaseException) -> None:
        self._leave(flight)
        flight.future.set_exception(error if isinstance(error, Exception) else _LeaderGone())

    def _check_not_leading(self) -> None:
        if self in _LEADING.get():
            raise CredentialsError("a credential provider asked itself for credentials")

    def _lead(self) -> Token[tuple[object, ...]]:
        return _LEADING.set((*_LEADING.get(), self))

    def run(self, fn: Callable[[], T]) -> T:
        self._check_not_leading()
        while True:
            flight, leader = self._join()
            if leader:
                return self._run_leading(fn, flight)
            if flight.thread == threading.get_ident():
                # The leader is a task of the event loop this very call is blocking:
                # waiting would never end, so this caller does the work itself.
                return self._run_leading(fn, None)
            try:
                return flight.future.result()
            except _LeaderGone:
                continue

    def _run_leading(self, fn: Callable[[], T], flight: _Flight[T] | None) -> T:
        token = self._lead()
        try:
            result = fn()
        except BaseException as exc:
            if flight is not None:
                self._crash(flight, exc)
            raise
        finally:
            _LEADING.reset(token)
        if flight is not None:
            self._land(flight, result)
        return result

    async def arun(self, fn: Callable[[], Awaitable[T]]) -> T:
        import asyncio  # noqa: PLC0415 - only async callers pay for asyncio

        self._check_not_leading()
        while True:
            flight, leader = self._join()
            if leader:
                token = self._lead()
                try:
                    result = await fn()
                except BaseException as exc:  # CancelledError too: a waiter takes over
                    self._crash(flight, exc)
                    raise
                finally:
                    _LEADING.reset(token)
                self._land(flight, result)
                return result
            try:
                return await asyncio.wrap_future(flight.future)
            except _LeaderGone:
                continue


# --------------------------------------------------------------------------- refreshing


class RefreshableCredentialProvider(ABC):
    """Temporary credentials, fetched when first needed and refreshed before expiry.

    Subclasses implement :meth:`fetch_credential` (and :meth:`afetch_credential`
    to fetch without blocking an event loop; by default it runs the sync one in
    a worker thread) and :meth:`describe`.

    With less than ``advisory_refresh`` seconds left, one caller refreshes while
    the others carry on with the current credential; if the refresh fails, a
    warning is logged and the current credential is used (and the refresh retried
    after at most 10 s). With less than ``mandatory_refresh`` left every caller
    waits for the refresh; once the credential has expired, a failed refresh
    raises :class:`CredentialsError` naming the provider. Both windows shrink to a
    half and a quarter of the credential's lifetime when that is shorter. However
    many threads or tasks (or both) ask at once, one fetch runs at a time.

    ``clock`` gives the time in Unix seconds (tests pass a fake one).
    """

    def __init__(
        self,
        *,
        advisory_refresh: float = DEFAULT_ADVISORY_REFRESH,
        mandatory_refresh: float = DEFAULT_MANDATORY_REFRESH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 <= mandatory_refresh <= advisory_refresh:
            raise ConfigurationError("need 0 <= mandatory_refresh <= advisory_refresh")
        self.advisory_refresh = float(advisory_refresh)
        self.mandatory_refresh = float(mandatory_refresh)
        self._clock = clock
        self._current: TemporaryCredential | None = None
        self._advisory = 0.0
        self._mandatory = 0.0
        self._not_before = 0.0
        self._flight: _SingleFlight[Credential] = _SingleFlight()

    # -- what subclasses provide -----------------------------------------------------

    @abstractmethod
    def fetch_credential(self) -> TemporaryCredential:
        """Get a new credential (network or file I/O). Raise on failure."""

    async def afetch_credential(self) -> TemporaryCredential:
        """Async :meth:`fetch_credential`; by default it runs in a worker thread."""
        import asyncio  # noqa: PLC0415

        return await asyncio.to_thread(self.fetch_credential)

    @abstractmethod
    def describe(self) -> str:
        """Where the credentials come from, for messages (no secrets)."""

    # -- the provider interface ---------------------------------------------------------

    @property
    def expires_at(self) -> float | None:
        """When the current credential expires (None: none fetched yet, or it does not)."""
        current = self._current
        return None if current is None else current.expires_at

    def get_credential(self) -> Credential:
        current = self._current
        if current is not None and not self._should_refresh(current, leader=False):
            return current.credential
        return self._flight.run(self._refresh)

    async def aget_credential(self) -> Credential:
        current = self._current
        if current is not None and not self._should_refresh(current, leader=False):
            return current.credential
        return await self._flight.arun(self._arefresh)

    # -- the refresh logic ----------------------------------------------------------------

    def _should_refresh(self, current: TemporaryCredential, *, leader: bool) -> bool:
        if current.expires_at is None:
            return False
        now = self._clock()
        remaining = current.expires_at - now
        if remaining > self._advisory:
            return False
        if remaining > 0 and now < self._not_before:
            return False  # a refresh just failed (or gave no newer credential)
        # Advisory window: whoever is refreshing already does it for everyone.
        return remaining <= self._mandatory or leader or not self._flight.busy

    def _refresh(self) -> Credential:
        current = self._current
        if current is not None and not self._should_refresh(current, leader=True):
            return current.credential  # refreshed by the caller we waited for
        try:
            fresh = self.fetch_credential()
        except Exception as exc:
            return self._failed(current, exc)
        return self._store(current, fresh)

    async def _arefresh(self) -> Credential:
        current = self._current
        if current is not None and not self._should_refresh(current, leader=True):
            return current.credential
        try:
            fresh = await self.afetch_credential()
        except Exception as exc:
            return self._failed(current, exc)
        return self._store(current, fresh)

    def _store(self, current: TemporaryCredential | None, fresh: TemporaryCredential) -> Credential:
        now = self._clock()
        if fresh.expires_at is None:
            self._current = fresh
            logger.debug("credentials from %s fetched (no expiry)", self.describe())
            return fresh.credential
        lifetime = fresh.expires_at - now
        if lifetime <= 0:
            return self._failed(
                current, CredentialsError(f"the credentials fetched expired {-lifetime:.0f} s ago")
            )
        # Windows relative to what is left of this credential: a source that hands
        # out the same soon-to-expire credential again is asked ever less often.
        self._advisory = min(self.advisory_refresh, lifetime / 2)
        self._mandatory = min(self.mandatory_refresh, lifetime / 4)
        self._not_before = 0.0
        self._current = fresh
        logger.info(
            "credentials from %s %s; they expire in %.0f s",
            self.describe(),
            "fetched" if current is None else "refreshed",
            lifetime,
        )
        return fresh.credential

    def _failed(self, current: TemporaryCredential | None, exc: Exception) -> Credential:
        now = self._clock()
        if current is not None and (current.expires_at is None or now < current.expires_at):
            remaining = float("inf") if current.expires_at is None else current.expires_at - now
            self._not_before = now + min(RETRY_AFTER_FAILURE, remaining / 2)
            logger.warning(
                "refreshing the credentials from %s failed (%s); using the current ones, "
                "which expire in %.0f s",
                self.describe(),
                _reason(exc),
                remaining,
            )
            return current.credential
        what = "the credentials expired and refreshing them" if current else "getting credentials"
        raise CredentialsError(f"{self.describe()}: {what} failed: {_reason(exc)}") from exc


# --------------------------------------------------------------------------- local sources


class _ResolvingProvider(ABC):
    """A source that is also a provider: the first call loads it (once, however
    many callers) and every call then asks what it loaded."""

    def __init__(self) -> None:
        self._resolved: CredentialProvider | None = None
        self._resolving: _SingleFlight[CredentialProvider] = _SingleFlight()

    @abstractmethod
    def load(self) -> CredentialProvider | None:
        """The provider this source finds, or None when it has nothing."""

    @abstractmethod
    def describe(self) -> str:
        """Where this source looks, for error messages."""

    def _not_found(self) -> CredentialsError:
        return CredentialsError(f"no Tencent Cloud credentials in {self.describe()}")

    def _resolve_now(self) -> CredentialProvider:
        if self._resolved is None:
            found = self.load()
            if found is None:
                raise self._not_found()
            self._resolved = found
        return self._resolved

    async def _aresolve_now(self) -> CredentialProvider:
        import asyncio  # noqa: PLC0415

        return await asyncio.to_thread(self._resolve_now)

    def resolve(self) -> CredentialProvider:
        """The provider this source found (loading it the first time)."""
        found = self._resolved
        return found if found is not None else self._resolving.run(self._resolve_now)

    def get_credential(self) -> Credential:
        return self.resolve().get_credential()

    async def aget_credential(self) -> Credential:
        found = self._resolved
        if found is None:
            found = await self._resolving.arun(self._aresolve_now)
        return await aget_credential(found)


def _assume_role(
    role_arn: str,
    session_name: str | None,
    source: Credential,
    sts_endpoint: str | None,
    duration: str | int | None = None,
) -> AssumeRoleProvider:
    from .credential_providers import AssumeRoleProvider  # noqa: PLC0415 - avoids a cycle

    seconds = 7200
    if duration is not None and str(duration).strip():
        try:
            seconds = int(str(duration).strip())
        except ValueError:
            raise CredentialsError(
                f"duration_seconds must be an integer, not {duration!r}"
            ) from None
    return AssumeRoleProvider(
        role_arn,
        session_name or None,
        source=source,
        duration_seconds=seconds,
        endpoint=sts_endpoint,
    )


class EnvironmentProvider(_ResolvingProvider):
    """``TENCENTCLOUD_SECRET_ID`` / ``TENCENTCLOUD_SECRET_KEY`` (/ ``TENCENTCLOUD_TOKEN``).

    With ``TENCENTCLOUD_ROLE_ARN`` set too (tccli's convention), the key pair is
    the source of an STS AssumeRole of that role (session name
    ``TENCENTCLOUD_ROLE_SESSION_NAME`` or a generated one); ``sts_endpoint``
    overrides the STS endpoint for that.
    """

    def __init__(self, *, sts_endpoint: str | None = None) -> None:
        super().__init__()
        self.sts_endpoint = sts_endpoint

    def __repr__(self) -> str:
        return "EnvironmentProvider()"

    def load(self) -> CredentialProvider | None:
        sid = os.environ.get(ENV_SECRET_ID, "").strip()
        key = os.environ.get(ENV_SECRET_KEY, "").strip()
        if not sid or not key:
            return None
        cred = Credential(sid, key, os.environ.get(ENV_TOKEN, "").strip() or None)
        role_arn = os.environ.get(ENV_ROLE_ARN, "").strip()
        if role_arn:
            session = os.environ.get(ENV_ROLE_SESSION_NAME, "").strip()
            return _assume_role(role_arn, session, cred, self.sts_endpoint)
        return cred

    def describe(self) -> str:
        text = f"environment variables {ENV_SECRET_ID} and {ENV_SECRET_KEY}"
        has_id, has_key = bool(os.environ.get(ENV_SECRET_ID)), bool(os.environ.get(ENV_SECRET_KEY))
        if has_id != has_key:
            text += f" (only {ENV_SECRET_ID if has_id else ENV_SECRET_KEY} is set)"
        return text


def _profile_name(profile: str | None = None) -> tuple[str, str | None]:
    """The profile to read and what chose it: ``profile`` itself, else
    ``TENCENTCLOUD_PROFILE``, else ``TCCLI_PROFILE``, else ``"default"`` (None)."""
    if profile:
        return profile, "profile="
    for var in (ENV_PROFILE, ENV_TCCLI_PROFILE):
        value = os.environ.get(var, "").strip()
        if value:
            return value, var
    return DEFAULT_PROFILE, None


class ProfileFileProvider(_ResolvingProvider):
    """A profile of the official SDKs' INI file.

    The file is ``path``, else ``~/.tencentcloud/credentials`` when it exists,
    else ``/etc/tencentcloud/credentials``. The profile is the section named
    ``profile``, else by ``TENCENTCLOUD_PROFILE`` or ``TCCLI_PROFILE``, else
    ``[default]``. Keys: ``secret_id``, ``secret_key``, optionally ``token``;
    with ``role_arn`` (and optionally ``role_session_name``, ``duration_seconds``)
    the key pair is the source of an STS AssumeRole of that role.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        profile: str | None = None,
        *,
        sts_endpoint: str | None = None,
    ) -> None:
        super().__init__()
        self.path = Path(path) if path is not None else None
        self._profile = profile
        self.sts_endpoint = sts_endpoint

    @property
    def profile(self) -> str:
        return _profile_name(self._profile)[0]

    def __repr__(self) -> str:
        return f"ProfileFileProvider(path={str(self._path())!r}, profile={self.profile!r})"

    def _candidates(self) -> list[Path]:
        if self.path is not None:
            return [self.path]
        return [HOME_CREDENTIALS_FILE.expanduser(), SYSTEM_CREDENTIALS_FILE]

    def _path(self) -> Path:
        """The first candidate that exists (the home file when none does)."""
        candidates = self._candidates()
        return next((p for p in candidates if p.is_file()), candidates[0])

    def load(self) -> CredentialProvider | None:
        path = self._path()
        if not path.is_file():
            return None
        import configparser  # noqa: PLC0415 - only needed when a profile file exists

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError) as exc:
            raise CredentialsError(
                f"cannot read credentials file {path}: {type(exc).__name__}"
            ) from None
        profile = self.profile
        if not parser.has_section(profile):
            return None
        section = parser[profile]
        sid = (section.get("secret_id") or "").strip()
        key = (section.get("secret_key") or "").strip()
        if not sid or not key:
            raise CredentialsError(
                f"credentials file {path}, profile [{profile}], needs both secret_id and secret_key"
            )
        cred = Credential(sid, key, (section.get("token") or "").strip() or None)
        role_arn = (section.get("role_arn") or "").strip()
        if role_arn:
            session = (section.get("role_session_name") or "").strip()
            duration = section.get("duration_seconds")
            return _assume_role(role_arn, session, cred, self.sts_endpoint, duration)
        return cred

    def describe(self) -> str:
        files = " or ".join(str(p) for p in self._candidates())
        return f"profile [{self.profile}] of {files}"


class TccliProfileProvider(_ResolvingProvider):
    """A profile as ``tccli configure`` writes it: ``~/.tccli/<profile>.credential``.

    The profile is chosen as for :class:`ProfileFileProvider`. The JSON file has
    ``secretId``, ``secretKey``, optionally ``token``; ``role-arn`` (with
    ``role-session-name``) makes the key pair the source of an AssumeRole (the
    STS endpoint is ``sts_endpoint``, else the ``sts.endpoint`` of
    ``<profile>.configure``); ``"type": "cvm-role"`` means the CVM instance
    role; an ``expiresAt`` (tccli's OAuth and SSO logins) makes the credential
    temporary: the file is read again when it nears expiry (tccli refreshes it
    whenever it runs) and an expired one is an error.
    """

    def __init__(
        self,
        profile: str | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
        sts_endpoint: str | None = None,
        metadata_endpoint: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self._profile = profile
        self.directory = Path(directory) if directory is not None else None
        self.sts_endpoint = sts_endpoint
        self.metadata_endpoint = metadata_endpoint
        self._clock = clock

    @property
    def profile(self) -> str:
        return _profile_name(self._profile)[0]

    @property
    def path(self) -> Path:
        directory = self.directory if self.directory is not None else TCCLI_DIRECTORY.expanduser()
        return directory / f"{self.profile}.credential"

    def __repr__(self) -> str:
        return f"TccliProfileProvider(path={str(self.path)!r})"

    def load(self) -> CredentialProvider | None:
        path = self.path
        if not path.is_file():
            return None
        data = _read_json_object(path)
        if data.get("type") == "cvm-role":
            from .credential_providers import CvmRoleProvider  # noqa: PLC0415

            return CvmRoleProvider(endpoint=self.metadata_endpoint)
        if data.get("expiresAt") is not None:
            return _TccliTemporaryCredential(path, self.profile, self._clock)
        cred = _tccli_credential(path, data)
        role_arn = str(data.get("role-arn") or "").strip()
        if role_arn:
            session = str(data.get("role-session-name") or "").strip()
            return _assume_role(role_arn, session, cred, self.sts_endpoint or self._sts_endpoint())
        return cred

    def _sts_endpoint(self) -> str | None:
        configure = self.path.with_suffix(".configure")
        if not configure.is_file():
            return None
        sts = _read_json_object(configure).get("sts")
        endpoint = sts.get("endpoint") if isinstance(sts, dict) else None
        return endpoint.strip() or None if isinstance(endpoint, str) else None

    def describe(self) -> str:
        return f"tccli profile {self.path}"


def _read_json_object(path: Path) -> dict[str, Any]:
    import json  # noqa: PLC0415

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CredentialsError(f"cannot read {path}: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"cannot read {path}: not a JSON object")
    return data


def _tccli_credential(path: Path, data: dict[str, Any]) -> Credential:
    sid, key = data.get("secretId"), data.get("secretKey")
    if not isinstance(sid, str) or not isinstance(key, str) or not sid.strip() or not key.strip():
        raise CredentialsError(f"{path} needs both secretId and secretKey")
    token = data.get("token")
    return Credential(
        sid.strip(), key.strip(), token.strip() or None if isinstance(token, str) else None
    )


class _TccliTemporaryCredential(RefreshableCredentialProvider):
    """tccli's OAuth/SSO credential: re-read when near expiry (tccli rewrites it)."""

    def __init__(self, path: Path, profile: str, clock: Callable[[], float]) -> None:
        super().__init__(clock=clock)
        self.path = path
        self.profile = profile

    def __repr__(self) -> str:
        return f"TccliProfileProvider(path={str(self.path)!r})"

    def describe(self) -> str:
        return f"tccli profile {self.path}"

    def fetch_credential(self) -> TemporaryCredential:
        data = _read_json_object(self.path)
        expires = data.get("expiresAt")
        if not isinstance(expires, int | float):
            raise CredentialsError(f"{self.path}: expiresAt is not a number")
        if expires <= self._clock():
            raise CredentialsError(
                f"the credential in {self.path} has expired; any tccli command with "
                f"--profile {self.profile} renews it (or log in again)"
            )
        return TemporaryCredential(_tccli_credential(self.path, data), float(expires))


class _NamedProfile:
    """The profile files as one source: the INI file, then tccli's. A profile
    chosen by name (``profile=`` or an environment variable) must exist: the
    chain does not fall through to other credentials when it does not."""

    def __init__(self, ini: ProfileFileProvider, tccli: TccliProfileProvider, chooser: str | None):
        self.ini, self.tccli, self.chooser = ini, tccli, chooser

    def __repr__(self) -> str:
        return f"{self.ini!r}, {self.tccli!r}"

    def load(self) -> CredentialProvider | None:
        found = self.ini.load() or self.tccli.load()
        if found is None and self.chooser is not None:
            raise CredentialsError(
                f"profile {self.ini.profile!r} (chosen by {self.chooser}) not found: "
                f"looked in {self.describe()}"
            )
        return found

    def describe(self) -> str:
        return f"{self.ini.describe()}; {self.tccli.describe()}"


class DefaultCredentialChain(_ResolvingProvider):
    """Where credentials are looked for when a client is given none.

    In order: the environment, the profile files (INI, then tccli's), the CVM
    instance role, TKE OIDC (see the module docstring). The first source that
    has credentials is kept for the life of the chain (its temporary
    credentials refresh themselves); when none has any, the error lists where
    it looked. ``sources`` replaces the whole list; ``profile`` chooses the
    profile (default: ``TENCENTCLOUD_PROFILE``, ``TCCLI_PROFILE``, ``default``);
    ``sts_endpoint`` and ``metadata_endpoint`` point the network providers
    elsewhere (tests, private endpoints). ``TCAPI_DISABLE_METADATA=1`` skips
    the CVM metadata service.
    """

    def __init__(
        self,
        sources: Sequence[CredentialSource] | None = None,
        *,
        profile: str | None = None,
        sts_endpoint: str | None = None,
        metadata_endpoint: str | None = None,
    ) -> None:
        super().__init__()
        if sources is None:
            from .credential_providers import CvmRoleProvider, TkeOidcProvider  # noqa: PLC0415

            cvm: CvmRoleProvider = CvmRoleProvider(endpoint=metadata_endpoint)
            sources = [
                EnvironmentProvider(sts_endpoint=sts_endpoint),
                _NamedProfile(
                    ProfileFileProvider(profile=profile, sts_endpoint=sts_endpoint),
                    TccliProfileProvider(
                        profile, sts_endpoint=sts_endpoint, metadata_endpoint=metadata_endpoint
                    ),
                    _profile_name(profile)[1],
                ),
                cvm,
                TkeOidcProvider(endpoint=sts_endpoint),
            ]
        self.sources: list[CredentialSource] = list(sources)

    def __repr__(self) -> str:
        return f"DefaultCredentialChain({self.sources!r})"

    def load(self) -> CredentialProvider | None:
        for source in self.sources:
            found = source.load()
            if found is not None:
                logger.info("using credentials from %s", source.describe())
                return found
        return None

    def describe(self) -> str:
        return "; ".join(s.describe() for s in self.sources)

    def _not_found(self) -> CredentialsError:
        return CredentialsError(
            "no Tencent Cloud credentials found. Looked in: "
            f"{self.describe()}. Pass credential=Credential(secret_id, secret_key)."
        )
