"""The httpx transports, for a caller's own ``http_client=`` (an ``httpx.Client``
or ``httpx.AsyncClient``), and their error translation.

Imported only when such a client is given: the default transports are urllib3
(sync) and aiohttp (async).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Generic, TypeVar

import httpx

from . import _constants as C
from ._transport import Reply, Timeouts, TransportSettings
from .errors import (
    ConnectError,
    RequestTimeoutError,
    TransportError,
)


def timeouts(connect: float, read: float) -> httpx.Timeout:
    return httpx.Timeout(
        connect=connect, read=read, write=C.DEFAULT_WRITE_TIMEOUT, pool=C.DEFAULT_POOL_TIMEOUT
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


ClientT = TypeVar("ClientT", bound="httpx.Client | httpx.AsyncClient")


class _Transport(Generic[ClientT]):
    """What both httpx transports share: the caller's client, the URL, and the
    request they build (the client's own settings and hooks apply; a per-call
    ``timeout`` overrides its timeouts). The caller's client is the caller's to
    manage, across a fork too: ``close()`` leaves it open."""

    def __init__(self, settings: TransportSettings, client: ClientT) -> None:
        self._settings = settings
        self._url = httpx.URL(settings.url)
        self._client = client
        self.is_closed = False

    def _request(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None
    ) -> httpx.Request:
        if timeout is None:
            return self._client.build_request("POST", self._url, content=body, headers=headers)
        return self._client.build_request(
            "POST",
            self._url,
            content=body,
            headers=headers,
            timeout=timeouts(timeout.connect, timeout.read),
        )


class SyncTransport(_Transport[httpx.Client]):
    """POST a body with a caller's ``httpx.Client``, get (status, body) back."""

    def post(self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None) -> Reply:
        """(status, body, Retry-After); the body is None, unread, when the answer is
        an event stream."""
        response = self._client.send(self._request(headers, body, timeout), stream=True)
        try:
            retry_after = response.headers.get("retry-after")
            if _is_event_stream(response):
                return response.status_code, None, retry_after
            return response.status_code, response.read(), retry_after
        finally:
            response.close()

    def open(self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None) -> Answer:
        """Send, and return once the answer's headers are in (its body unread)."""
        response = self._client.send(self._request(headers, body, timeout), stream=True)
        return Answer(response, self._settings.url)

    def close(self) -> None:
        """Mark the transport closed; the caller's client stays open."""
        self.is_closed = True


class AsyncTransport(_Transport[httpx.AsyncClient]):
    """The asyncio twin of :class:`SyncTransport`, with a caller's ``httpx.AsyncClient``."""

    async def post(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> Reply:
        """(status, body, Retry-After); the body is None, unread, when the answer is
        an event stream."""
        response = await self._client.send(self._request(headers, body, timeout), stream=True)
        try:
            retry_after = response.headers.get("retry-after")
            if _is_event_stream(response):
                return response.status_code, None, retry_after
            return response.status_code, await response.aread(), retry_after
        finally:
            await response.aclose()

    async def open(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> AsyncAnswer:
        """Send, and return once the answer's headers are in (its body unread)."""
        response = await self._client.send(self._request(headers, body, timeout), stream=True)
        return AsyncAnswer(response, self._settings.url)

    async def aclose(self) -> None:
        """Mark the transport closed; the caller's client stays open."""
        self.is_closed = True
