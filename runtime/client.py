"""The base clients every generated service client derives from.

One sans-IO core (:class:`_ClientCore`) prepares, signs and parses; the sync
and async clients only add the send-and-retry loop around it, so the two can
never disagree on what goes over the wire.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, Self, TypeVar

import attrs

from . import _constants as C
from ._endpoint import Endpoint, resolve_endpoint
from .credentials import Credential, CredentialProvider, DefaultCredentialChain
from .errors import (
    COMMON_ERRORS,
    ApiError,
    ConfigurationError,
    InvalidParameterError,
    ResponseError,
    TencentCloudError,
    error_class_for,
)
from .retry import RetryPolicy

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("tcapi")

R = TypeVar("R")


class RequestModel(Protocol):
    """What the runtime needs of a generated request model."""

    def validate(self, path: str = "") -> None: ...
    def to_dict(self) -> dict[str, Any]: ...


@attrs.frozen
class Operation(Generic[R]):
    """Static facts about one API action, generated from its spec."""

    action: str
    parse: Callable[[Mapping[str, Any]], R]
    idempotent: bool = False
    rate_limit: float | None = None
    unsigned: bool = False
    """Sent with ``Authorization: SKIP`` and no credentials, as the API documents
    for a few actions (STS AssumeRoleWithWebIdentity/WithSAML)."""


@attrs.frozen
class ServiceInfo:
    """Static facts about one service version, generated from its spec."""

    service: str
    version: str
    endpoint: str
    region_required: bool
    errors: Mapping[str, type[ApiError]] = attrs.field(factory=lambda: dict(COMMON_ERRORS))


def _excerpt(body: bytes) -> str:
    text = body[: C.EXCERPT_CHARS * 4].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text[: C.EXCERPT_CHARS]


class _ClientCore:
    """Configuration plus the pure steps of a call: prepare, sign, parse."""

    SERVICE: ClassVar[ServiceInfo]

    def __init__(
        self,
        *,
        credential: CredentialProvider | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        language: str = C.DEFAULT_LANGUAGE,
        connect_timeout: float = C.DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = C.DEFAULT_READ_TIMEOUT,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        proxy: str | None = None,
        request_client: str | None = None,
    ) -> None:
        svc = self.SERVICE
        if region is None:
            region = os.environ.get(C.ENV_REGION) or None
        if svc.region_required and not region:
            raise ConfigurationError(
                f"{svc.service} needs a region: pass region=... or set {C.ENV_REGION}"
            )
        if language not in C.LANGUAGES:
            raise ConfigurationError(
                f"language must be one of {sorted(C.LANGUAGES)}, not {language!r}"
            )
        self._credentials: CredentialProvider = (
            credential if credential is not None else DefaultCredentialChain()
        )
        self.region = region
        self._endpoint: Endpoint = resolve_endpoint(endpoint, svc.endpoint)
        self.retry = retry if retry is not None else RetryPolicy()
        from . import _http  # noqa: PLC0415 - httpx is imported with the first client

        self._transport_settings = _http.TransportSettings(
            url=self._endpoint.url,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            verify=verify,
            proxy=proxy,
        )
        self._http_errors = _http.HTTP_ERRORS
        self._translate = _http.translate_error
        from .signing import (  # noqa: PLC0415 - hashlib/hmac load with the first client
            Tc3Signer,
            canonical_headers,
        )

        self._signer = Tc3Signer(svc.service)
        # The signed headers never change for a client: canonicalize them once.
        self._signed = canonical_headers(
            {"content-type": C.CONTENT_TYPE_JSON, "host": self._endpoint.host}
        )
        headers = {
            "Content-Type": C.CONTENT_TYPE_JSON,
            "Host": self._endpoint.host,
            "X-TC-Version": svc.version,
            "X-TC-Language": language,
            "X-TC-RequestClient": request_client or C.REQUEST_CLIENT,
        }
        if region:
            headers["X-TC-Region"] = region
        self._base_headers = headers

    @property
    def endpoint(self) -> str:
        return self._endpoint.url

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(service={self.SERVICE.service!r}, "
            f"version={self.SERVICE.version!r}, region={self.region!r}, "
            f"endpoint={self._endpoint.url!r}, credential={self._credentials!r})"
        )

    # -- the pure steps ------------------------------------------------------------

    def _serialize(self, op: Operation[Any], request: RequestModel) -> bytes:
        """Validate and encode once per call; raises before anything is sent."""
        request.validate()
        body = json.dumps(request.to_dict(), ensure_ascii=False, separators=(",", ":"))
        data = body.encode("utf-8")
        if len(data) > C.MAX_POST_BODY:
            raise InvalidParameterError(
                f"{op.action}: request body is {len(data)} bytes; the API accepts at most "
                f"{C.MAX_POST_BODY}"
            )
        return data

    def _sign(self, op: Operation[Any], body: bytes, cred: Credential | None) -> dict[str, str]:
        """Headers for one attempt: a fresh timestamp and signature each time.

        ``cred`` is None only for unsigned actions."""
        ts = int(time.time())
        headers = dict(self._base_headers)
        headers["X-TC-Action"] = op.action
        headers["X-TC-Timestamp"] = str(ts)
        if op.unsigned or cred is None:
            headers["Authorization"] = "SKIP"
            return headers
        if cred.token:
            headers["X-TC-Token"] = cred.token
        headers["Authorization"] = self._signer.authorization(
            secret_id=cred.secret_id,
            secret_key=cred.secret_key,
            timestamp=ts,
            headers=self._signed,
            body=body,
        )
        return headers

    def _parse(self, op: Operation[R], status: int, body: bytes) -> R:
        """Turn an HTTP answer into the typed response or a typed error."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise ResponseError(
                f"{op.action}: the response is not JSON", status=status, excerpt=_excerpt(body)
            ) from None
        resp = data.get("Response") if isinstance(data, dict) else None
        if not isinstance(resp, dict):
            raise ResponseError(
                f"{op.action}: the response has no 'Response' object",
                status=status,
                excerpt=_excerpt(body),
            )
        rid = resp.get("RequestId")
        request_id = rid if isinstance(rid, str) else None
        err = resp.get("Error")
        if err is not None:
            code = err.get("Code") if isinstance(err, dict) else None
            if not isinstance(code, str) or not code:
                raise ResponseError(
                    f"{op.action}: the error envelope has no Code",
                    status=status,
                    excerpt=_excerpt(body),
                    request_id=request_id,
                )
            message = err.get("Message")
            cls = error_class_for(code, self.SERVICE.errors)
            raise cls(
                message if isinstance(message, str) else "",
                code=code,
                request_id=request_id,
                action=op.action,
            )
        if status != 200:
            raise ResponseError(
                f"{op.action}: unexpected HTTP status",
                status=status,
                excerpt=_excerpt(body),
                request_id=request_id,
            )
        try:
            return op.parse(resp)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            raise ResponseError(
                f"{op.action}: the response does not match the model ({type(exc).__name__})",
                status=status,
                excerpt=_excerpt(body),
                request_id=request_id,
            ) from None

    def _log_attempt(
        self,
        op: Operation[Any],
        attempt: int,
        started: float,
        outcome: R | TencentCloudError,
        status: int | None,
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        rid = getattr(outcome, "request_id", None)
        result = f"error={outcome.code}" if isinstance(outcome, TencentCloudError) else "ok"
        logger.debug(
            "%s.%s attempt=%d status=%s request_id=%s latency_ms=%.1f %s",
            self.SERVICE.service,
            op.action,
            attempt,
            status,
            rid,
            (time.perf_counter() - started) * 1000.0,
            result,
        )

    def _next_delay(
        self, op: Operation[Any], attempt: int, error: TencentCloudError
    ) -> float | None:
        delay = self.retry.next_delay(attempt, error)
        if delay is not None:
            logger.info(
                "%s.%s: retrying after %s (attempt %d of %d, waiting %.2fs)",
                self.SERVICE.service,
                op.action,
                error.code,
                attempt,
                self.retry.max_attempts,
                delay,
            )
        return delay


class SyncClient(_ClientCore):
    """Base of generated synchronous clients: one pooled httpx.Client each."""

    def __init__(self, *, http_client: httpx.Client | None = None, **options: Any) -> None:
        super().__init__(**options)
        from ._http import SyncTransport  # noqa: PLC0415 - loaded with the first client

        self._http = SyncTransport(self._transport_settings, http_client)

    def _invoke(self, op: Operation[R], request: RequestModel) -> R:
        body = self._serialize(op, request)
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            status: int | None = None
            try:
                cred = None if op.unsigned else self._credentials.get_credential()
                headers = self._sign(op, body, cred)
                try:
                    status, content = self._http.post(headers, body)
                except self._http_errors as exc:
                    raise self._translate(exc, self._endpoint.url) from None
                result = self._parse(op, status, content)
            except TencentCloudError as error:
                self._log_attempt(op, attempt, started, error, status)
                delay = self._next_delay(op, attempt, error)
                if delay is None:
                    raise
                time.sleep(delay)
                continue
            self._log_attempt(op, attempt, started, result, status)
            return result

    def close(self) -> None:
        """Close the connection pool (a caller-supplied ``http_client`` stays open)."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_ClientCore):
    """Base of generated asyncio clients: one pooled httpx.AsyncClient each."""

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **options: Any) -> None:
        super().__init__(**options)
        from ._http import AsyncTransport  # noqa: PLC0415 - loaded with the first client

        self._http = AsyncTransport(self._transport_settings, http_client)

    async def _invoke(self, op: Operation[R], request: RequestModel) -> R:
        body = self._serialize(op, request)
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            status: int | None = None
            try:
                cred = None if op.unsigned else await self._credential_async()
                headers = self._sign(op, body, cred)
                try:
                    status, content = await self._http.post(headers, body)
                except self._http_errors as exc:
                    raise self._translate(exc, self._endpoint.url) from None
                result = self._parse(op, status, content)
            except TencentCloudError as error:
                self._log_attempt(op, attempt, started, error, status)
                delay = self._next_delay(op, attempt, error)
                if delay is None:
                    raise
                import asyncio  # noqa: PLC0415 - only a retry needs it

                await asyncio.sleep(delay)
                continue
            self._log_attempt(op, attempt, started, result, status)
            return result

    async def _credential_async(self) -> Credential:
        """The provider's ``aget_credential()`` when it has one (a refresh over the
        network must not block the event loop), else ``get_credential()``."""
        provider = self._credentials
        aget = getattr(provider, "aget_credential", None)
        if aget is not None:
            cred: Credential = await aget()
            return cred
        return provider.get_credential()

    async def aclose(self) -> None:
        """Close the connection pool (a caller-supplied ``http_client`` stays open)."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
