"""The httpx-facing pieces: pool settings and error translation.

Imported when the first client is built, not when ``tcapi`` is imported: httpx
(with asyncio) costs more import time than the rest of tcapi together.
"""

from __future__ import annotations

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


class SyncTransport:
    """POST a body, get (status, body back), over one keep-alive connection pool.

    By default the pool is an ``httpx.HTTPTransport`` driven directly: a
    Tencent Cloud call needs none of ``httpx.Client``'s cookies, redirects,
    auth flows or header merging, and skipping them halves the client's CPU
    per call. A caller-supplied ``httpx.Client`` is used as it is (its own
    settings and hooks apply).
    """

    def __init__(
        self,
        url: str,
        connect: float,
        read: float,
        *,
        verify: bool | str,
        proxy: str | None,
        client: httpx.Client | None = None,
    ) -> None:
        self._url = httpx.URL(url)
        self._client = client
        self._extensions = {"timeout": timeouts(connect, read).as_dict()}
        self._pool = (
            None
            if client is not None
            else httpx.HTTPTransport(verify=verify, proxy=proxy, limits=limits())
        )
        self.is_closed = False

    def post(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self._pool is None:
            assert self._client is not None
            response = self._client.post(self._url, content=body, headers=headers)
            return response.status_code, response.content
        request = httpx.Request(
            "POST", self._url, headers=headers, content=body, extensions=self._extensions
        )
        response = self._pool.handle_request(request)
        try:
            return response.status_code, response.read()
        finally:
            response.close()

    def close(self) -> None:
        """Close the pool this transport created (a caller's client stays open)."""
        if self._pool is not None:
            self._pool.close()
        self.is_closed = True


class AsyncTransport:
    """The asyncio twin of :class:`SyncTransport` (``httpx.AsyncHTTPTransport``)."""

    def __init__(
        self,
        url: str,
        connect: float,
        read: float,
        *,
        verify: bool | str,
        proxy: str | None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._url = httpx.URL(url)
        self._client = client
        self._extensions = {"timeout": timeouts(connect, read).as_dict()}
        self._pool = (
            None
            if client is not None
            else httpx.AsyncHTTPTransport(verify=verify, proxy=proxy, limits=limits())
        )
        self.is_closed = False

    async def post(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self._pool is None:
            assert self._client is not None
            response = await self._client.post(self._url, content=body, headers=headers)
            return response.status_code, response.content
        request = httpx.Request(
            "POST", self._url, headers=headers, content=body, extensions=self._extensions
        )
        response = await self._pool.handle_async_request(request)
        try:
            return response.status_code, await response.aread()
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
        self.is_closed = True
