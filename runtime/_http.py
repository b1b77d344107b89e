"""The httpx-facing pieces: pool settings and error translation.

Imported when the first client is built, not when ``tcapi`` is imported: httpx
(with asyncio) costs more import time than the rest of tcapi together.
"""

from __future__ import annotations

import attrs
import httpx

from . import _constants as C
from .errors import (
    ConnectError,
    RequestTimeoutError,
    TransportError,
)


def timeouts(connect: float, read: float) -> httpx.Timeout:
    return httpx.Timeout(
        connect=connect, read=read, write=C.DEFAULT_WRITE_TIMEOUT, pool=C.DEFAULT_POOL_TIMEOUT
    )


def limits() -> httpx.Limits:
    return httpx.Limits(
        max_connections=C.DEFAULT_MAX_CONNECTIONS,
        max_keepalive_connections=C.DEFAULT_MAX_KEEPALIVE,
    )


def translate_error(exc: httpx.HTTPError, url: str) -> TransportError:
    """Map an httpx failure to a typed tcapi error that says whether it was sent.

    Only the exception's class and message are kept: httpx exceptions hold the
    request, whose headers carry the Authorization and token.
    """
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return ConnectError(f"could not connect to {url} ({what})")
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeoutError(f"no response from {url} in time ({what})")
    return TransportError(f"HTTP exchange with {url} failed ({what})")


HTTP_ERRORS = httpx.HTTPError
"""What the transports raise; the clients catch it and translate it."""


@attrs.frozen
class TransportSettings:
    """How a client's transport connects; fixed when the client is built."""

    url: str
    connect_timeout: float
    read_timeout: float
    verify: bool | str
    proxy: str | None


class _Transport:
    """What both transports share: the parsed URL and per-request timeouts."""

    def __init__(self, settings: TransportSettings) -> None:
        self._url = httpx.URL(settings.url)
        timeout = timeouts(settings.connect_timeout, settings.read_timeout)
        self._extensions = {"timeout": timeout.as_dict()}
        self.is_closed = False

    def _request(self, headers: dict[str, str], body: bytes) -> httpx.Request:
        return httpx.Request(
            "POST", self._url, headers=headers, content=body, extensions=self._extensions
        )


class SyncTransport(_Transport):
    """POST a body, get (status, body back), over one keep-alive connection pool.

    By default the pool is an ``httpx.HTTPTransport`` driven directly: a
    Tencent Cloud call needs none of ``httpx.Client``'s cookies, redirects,
    auth flows or header merging, and skipping them halves the client's CPU
    per call. A caller-supplied ``httpx.Client`` is used as it is (its own
    settings and hooks apply).
    """

    def __init__(self, settings: TransportSettings, client: httpx.Client | None = None) -> None:
        super().__init__(settings)
        self._client = client
        self._pool = (
            None
            if client is not None
            else httpx.HTTPTransport(verify=settings.verify, proxy=settings.proxy, limits=limits())
        )

    def post(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self._pool is None:
            assert self._client is not None
            response = self._client.post(self._url, content=body, headers=headers)
            return response.status_code, response.content
        response = self._pool.handle_request(self._request(headers, body))
        try:
            return response.status_code, response.read()
        finally:
            response.close()

    def close(self) -> None:
        """Close the pool this transport created (a caller's client stays open)."""
        if self._pool is not None:
            self._pool.close()
        self.is_closed = True


class AsyncTransport(_Transport):
    """The asyncio twin of :class:`SyncTransport` (``httpx.AsyncHTTPTransport``)."""

    def __init__(
        self, settings: TransportSettings, client: httpx.AsyncClient | None = None
    ) -> None:
        super().__init__(settings)
        self._client = client
        self._pool = (
            None
            if client is not None
            else httpx.AsyncHTTPTransport(
                verify=settings.verify, proxy=settings.proxy, limits=limits()
            )
        )

    async def post(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self._pool is None:
            assert self._client is not None
            response = await self._client.post(self._url, content=body, headers=headers)
            return response.status_code, response.content
        response = await self._pool.handle_async_request(self._request(headers, body))
        try:
            return response.status_code, await response.aread()
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        """Close the pool this transport created (a caller's client stays open)."""
        if self._pool is not None:
            await self._pool.aclose()
        self.is_closed = True
