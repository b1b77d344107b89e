"""The httpx transports, for a caller's own ``http_client=`` (an ``httpx.Client``
or ``httpx.AsyncClient``), and their error translation.

Imported only when such a client is given: the default transports are urllib3
(sync) and aiohttp (async).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from typing import Generic, TypeVar

import httpx

from . import _constants as C
from ._fork import fork_safe_lock
from ._transport import Timeouts, TransportSettings
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

    * no connection (refused, unreachable, connect or pool timeout, proxy
      refused): :class:`ConnectError`, nothing was sent;
    * a timeout while writing the request: ``RequestTimeoutError(sent=False)`` —
      the server never had the whole request, so it cannot have acted on it;
    * a read timeout, or a reset / close / cut-off body after the request was
      written (httpcore goes on to read the answer even when a write fails, so
      a reset always surfaces here): ``sent=True``, it may have been processed;
    * a local protocol error or an unsupported URL: ``sent=False``.

    Only the exception's class and message are kept: httpx exceptions hold the
    request, whose headers carry the Authorization and token.
    """
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return ConnectError(f"could not connect to {url} ({what})")
    if isinstance(exc, httpx.ProxyError):
        return ConnectError(f"the proxy refused the connection to {url} ({what})")
    if isinstance(exc, httpx.WriteTimeout):
        return RequestTimeoutError(f"timed out sending the request to {url} ({what})", sent=False)
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeoutError(f"no response from {url} in time ({what})")
    if isinstance(exc, httpx.LocalProtocolError | httpx.UnsupportedProtocol):
        return TransportError(f"could not send the request to {url} ({what})", sent=False)
    return TransportError(f"HTTP exchange with {url} failed ({what})")


LIBRARY = f"httpx/{httpx.__version__}"
"""For the User-Agent."""

HTTP_ERRORS = httpx.HTTPError
"""What the transports raise; the clients catch it and translate it."""


EVENT_STREAM = "text/event-stream"


def _is_event_stream(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.startswith(EVENT_STREAM)


class Answer:
    """An answer whose body has not been read: a stream call's HTTP response.

    ``chunks()`` yields the body as it arrives; an httpx failure while reading
    becomes tcapi's typed TransportError (the request was sent)."""

    def __init__(self, response: httpx.Response, url: str) -> None:
        self._response = response
        self._url = url
        self.status = response.status_code
        self.is_event_stream = _is_event_stream(response)
        self.request_id = response.headers.get("x-tc-requestid")

    def read(self) -> bytes:
        try:
            return self._response.read()
        except httpx.HTTPError as exc:
            raise translate_error(exc, self._url) from None
        finally:
            self._response.close()

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self._response.iter_bytes()
        except httpx.HTTPError as exc:
            raise translate_error(exc, self._url) from None

    def close(self) -> None:
        self._response.close()


class AsyncAnswer:
    """The asyncio :class:`Answer`."""

    def __init__(self, response: httpx.Response, url: str) -> None:
        self._response = response
        self._url = url
        self.status = response.status_code
        self.is_event_stream = _is_event_stream(response)
        self.request_id = response.headers.get("x-tc-requestid")

    async def read(self) -> bytes:
        try:
            return await self._response.aread()
        except httpx.HTTPError as exc:
            raise translate_error(exc, self._url) from None
        finally:
            await self._response.aclose()

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_bytes():
                yield chunk
        except httpx.HTTPError as exc:
            raise translate_error(exc, self._url) from None

    async def close(self) -> None:
        await self._response.aclose()


PoolT = TypeVar("PoolT", bound="httpx.HTTPTransport | httpx.AsyncHTTPTransport")
ClientT = TypeVar("ClientT", bound="httpx.Client | httpx.AsyncClient")


class _Transport(ABC, Generic[PoolT, ClientT]):
    """What both transports share: the parsed URL, per-request timeouts and the
    fork check.

    A pool is tied to the process that opened it: a child of ``os.fork()`` that
    wrote to an inherited keep-alive connection would share it with its parent
    and read (or steal) the parent's answers. So each transport remembers the
    pid that opened its pool and, in a child, opens a fresh one on first use,
    leaving the inherited connections untouched for the parent. A caller-supplied
    httpx client is the caller's to manage across a fork.
    """

    def __init__(self, settings: TransportSettings, client: ClientT | None = None) -> None:
        self._settings = settings
        self._url = httpx.URL(settings.url)
        timeout = timeouts(settings.connect_timeout, settings.read_timeout)
        self._extensions = {"timeout": timeout.as_dict()}
        self._pid = os.getpid()
        self._lock = fork_safe_lock(self)
        self._inherited: object = None  # the parent's pool, kept (not closed) in a child
        self.is_closed = False
        self._client = client
        self._pool: PoolT | None = None if client is not None else self._open()

    @abstractmethod
    def _open(self) -> PoolT:
        """A new connection pool of this transport's kind."""

    def _pool_after_fork(self) -> PoolT:
        with self._lock:
            if self._pid != os.getpid():
                self._inherited, self._pool = self._pool, self._open()
                self._pid = os.getpid()
            assert self._pool is not None
            return self._pool

    def _request(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None
    ) -> httpx.Request:
        extensions = (
            self._extensions
            if timeout is None
            else {"timeout": timeouts(timeout.connect, timeout.read).as_dict()}
        )
        return httpx.Request(
            "POST", self._url, headers=headers, content=body, extensions=extensions
        )


class SyncTransport(_Transport[httpx.HTTPTransport, httpx.Client]):
    """POST a body, get (status, body back), over one keep-alive connection pool.

    By default the pool is an ``httpx.HTTPTransport`` driven directly: a
    Tencent Cloud call needs none of ``httpx.Client``'s cookies, redirects,
    auth flows or header merging, and skipping them halves the client's CPU
    per call. A caller-supplied ``httpx.Client`` is used as it is (its own
    settings and hooks apply; ``timeout`` overrides its timeouts for a call).
    """

    def _open(self) -> httpx.HTTPTransport:
        s = self._settings
        return httpx.HTTPTransport(verify=s.verify, proxy=s.proxy, limits=limits())

    def post(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> tuple[int, bytes | None]:
        """(status, body); the body is None, unread, when the answer is an event stream."""
        response = self._send(headers, body, timeout)
        try:
            if _is_event_stream(response):
                return response.status_code, None
            return response.status_code, response.read()
        finally:
            response.close()

    def open(self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None) -> Answer:
        """Send, and return once the answer's headers are in (its body unread)."""
        return Answer(self._send(headers, body, timeout), self._settings.url)

    def _send(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None
    ) -> httpx.Response:
        pool = self._pool
        if pool is None:
            assert self._client is not None
            client = self._client
            if timeout is None:
                request = client.build_request("POST", self._url, content=body, headers=headers)
            else:
                request = client.build_request(
                    "POST",
                    self._url,
                    content=body,
                    headers=headers,
                    timeout=timeouts(timeout.connect, timeout.read),
                )
            return client.send(request, stream=True)
        if self._pid != os.getpid():
            pool = self._pool_after_fork()
        return pool.handle_request(self._request(headers, body, timeout))

    def close(self) -> None:
        """Close the pool this transport created (a caller's client stays open;
        a forked child leaves the parent's pool alone)."""
        if self._pool is not None and self._pid == os.getpid():
            self._pool.close()
        self.is_closed = True


class AsyncTransport(_Transport[httpx.AsyncHTTPTransport, httpx.AsyncClient]):
    """The asyncio twin of :class:`SyncTransport` (``httpx.AsyncHTTPTransport``).

    After a fork it opens a fresh pool too: use the client from a new event
    loop in the child (``asyncio.run``), never from the parent's.
    """

    def _open(self) -> httpx.AsyncHTTPTransport:
        s = self._settings
        return httpx.AsyncHTTPTransport(verify=s.verify, proxy=s.proxy, limits=limits())

    async def post(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> tuple[int, bytes | None]:
        """(status, body); the body is None, unread, when the answer is an event stream."""
        response = await self._send(headers, body, timeout)
        try:
            if _is_event_stream(response):
                return response.status_code, None
            return response.status_code, await response.aread()
        finally:
            await response.aclose()

    async def open(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> AsyncAnswer:
        """Send, and return once the answer's headers are in (its body unread)."""
        return AsyncAnswer(await self._send(headers, body, timeout), self._settings.url)

    async def _send(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None
    ) -> httpx.Response:
        pool = self._pool
        if pool is None:
            assert self._client is not None
            client = self._client
            if timeout is None:
                request = client.build_request("POST", self._url, content=body, headers=headers)
            else:
                request = client.build_request(
                    "POST",
                    self._url,
                    content=body,
                    headers=headers,
                    timeout=timeouts(timeout.connect, timeout.read),
                )
            return await client.send(request, stream=True)
        if self._pid != os.getpid():
            pool = self._pool_after_fork()
        return await pool.handle_async_request(self._request(headers, body, timeout))

    async def aclose(self) -> None:
        """Close the pool this transport created (a caller's client stays open;
        a forked child leaves the parent's pool alone)."""
        if self._pool is not None and self._pid == os.getpid():
            await self._pool.aclose()
        self.is_closed = True
