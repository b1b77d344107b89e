"""The httpx transports, for a caller's own ``http_client=`` (an ``httpx.Client``
or ``httpx.AsyncClient``), and their error translation.

Imported only when such a client is given: the default transports are urllib3
(sync) and aiohttp (async). The caller's client is used as it is — its TLS
verification (``verify=``), proxies (``proxy=``, or the environment's with
``trust_env=True``, ``NO_PROXY`` included), pool limits, HTTP/2, auth and event
hooks — and stays the caller's: ``close()`` leaves it open. tcapi's own
``verify``/``proxy``/``trust_env`` settings do not apply to it.

What tcapi adds, as the default transports do (see ``_transport``):

* **The body cap.** At most ``max_body`` bytes are read: a declared
  Content-Length over it fails before any body byte is read, a chunked or
  read-until-close body as soon as it passes it — a
  :class:`~tcapi.errors.ResponseError` naming the ``max_body`` limit. The body is
  read raw (``response.stream``), never through httpx's decoders.
* **Compression.** The request says ``Accept-Encoding: identity`` — tcapi never
  asks for compression, and the caller's client's default (httpx's ``gzip,
  deflate``, with ``br``/``zstd`` when those packages are installed) is replaced
  — unless the headers given to ``post()``/``open()`` carry an
  ``Accept-Encoding`` of their own: those headers are authoritative. A server
  that compresses anyway (gzip, deflate) is decoded here, within the same
  ``max_body`` bound, never inflated beyond it; another coding is handed on as
  it came.
* **A wall-clock bound on each answer.** ``read_timeout`` bounds writing the
  request and reading the whole answer (head and body) from the moment the
  request starts being written, however slowly a server drips it; a per-call
  ``Timeouts.deadline`` (the call's ``total_timeout``) ends the attempt
  wherever it is, whichever comes first — :class:`~tcapi.errors.RequestTimeoutError`
  (``sent=False`` while the request was still being written). Without a
  per-call ``timeout`` the bound is the client's ``read_timeout`` and httpx's
  per-operation timeouts are the caller's client's; with one (``with_options``,
  ``total_timeout``) they are tcapi's, capped by the deadline. An event
  stream's body is read at its own pace (each read bounded by httpx's read
  timeout) and not capped in total.

  * asyncio: the exchange runs under an ``asyncio.timeout`` rescheduled when the
    request starts being written; a cancellation by the caller propagates
    untouched.
  * threads: httpx cannot be interrupted, so a watchdog thread (one per process,
    started on demand, gone after 10 idle seconds) shuts the connection's socket
    down when the bound passes, which ends a blocked read at once, and the time
    is also checked between body chunks. The socket comes from httpcore's
    ``trace`` extension: a new connection's network stream is what its
    ``connect_tcp``/``start_tls`` step returns; a pooled connection's is read off
    httpcore's ``HTTP11Connection`` sending the request (the frame the trace is
    called from: an httpcore internal, checked by the tests).
    A connection shut down this way is dropped by httpcore, never reused.
    **Limitation:** over HTTP/2 (``http2=True``: several requests share one
    socket, so none is shut down) or through a transport that is not httpcore's
    (a custom ``transport=``/``mounts=``, ``httpx.MockTransport``) there is no
    socket to shut down: a dripping body is still ended between chunks, but a
    dripping *head* is bounded only by httpx's per-read timeout.

Errors are tcapi's typed errors (``_transport``), raised outside the ``except``
that caught httpx's (whose exceptions hold the request, headers included), so
none rides along as context; messages name the URL (without ``user:password@``)
and httpx's exception class, never a header value (an ``h11`` complaint about a
header quotes it, so that message is dropped); and the frame an error is raised
from holds no header or body (an error tracker's locals show nothing secret).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import os
import socket
import sys
import threading
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import httpcore
import httpx

from . import _constants as C
from ._transport import Reply, Timeouts, TransportSettings, is_event_stream, shown_url
from .errors import (
    ConnectError,
    RequestTimeoutError,
    ResponseError,
    TencentCloudError,
    TransportError,
)

if TYPE_CHECKING:
    from types import FrameType

    from ._urllib3 import _Inflater

LIBRARY: Final = f"httpx/{httpx.__version__}"
"""For the User-Agent."""

HTTP_ERRORS: Final = httpx.HTTPError
"""What httpx raises; the clients catch it and translate it (the transports here
translate their own, so it reaches the clients only from outside them)."""

MAX_HEAD_BYTES: Final = httpcore.HTTP11Connection.MAX_INCOMPLETE_EVENT_SIZE
"""The largest answer head httpcore reads (100 KiB): a larger one is a ResponseError."""

_DECODED: Final = frozenset({"gzip", "x-gzip", "deflate"})
_INFLATE_PIECE: Final = 1 << 20  # the most one decompress() call produces
_MESSAGE_CHARS: Final = 200  # of an httpx message quoted in an error
_FRAMES: Final = 6  # how far up the trace looks for httpcore's connection
_IDLE: Final = 10.0  # seconds the watchdog thread outlives its last deadline
_INFINITY: Final = float("inf")

_CONNECTING: Final = 0  # no request byte written yet (pool, connect, TLS, proxy tunnel)
_WRITING: Final = 1  # the request is being written
_READING: Final = 2  # the request was written; the answer is awaited or read


# --------------------------------------------------------------------------- errors


def _what(exc: BaseException) -> str:
    """httpx's exception class and message — not the message of a local protocol
    error, which quotes the offending header (h11: ``Illegal header value ...``)."""
    name = type(exc).__name__
    if isinstance(exc, httpx.LocalProtocolError):
        return name
    text = str(exc)
    if not text:
        return name
    text = "".join(c if c.isprintable() else " " for c in text[:_MESSAGE_CHARS])
    return f"{name}: {text}"


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

    Only the exception's class and message are kept (not the message of a local
    protocol error, which may quote a header): httpx exceptions hold the request,
    whose headers carry the Authorization and token.
    """
    url = shown_url(url)
    what = _what(exc)
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


def _oversized_head(response: httpx.Response, url: str) -> ResponseError | None:
    """The error for an answer whose head is over :data:`MAX_HEAD_BYTES`. httpcore's
    bound holds only while the head is incomplete: a large head that arrives in
    one read completes at once, so it is measured here as well."""
    size = sum(len(name) + len(value) + 4 for name, value in response.headers.raw)
    if size <= MAX_HEAD_BYTES:
        return None
    return ResponseError(
        f"the answer's head from {url} is larger than {MAX_HEAD_BYTES} bytes",
        status=response.status_code,
        request_id=response.headers.get("x-tc-requestid"),
    )


def _translate(exc: httpx.HTTPError, url: str, attempt: _Attempt) -> TencentCloudError:
    """:func:`translate_error`, told by the attempt's trace how far the exchange went."""
    error = translate_error(exc, url)
    if type(error) is ConnectError or error.sent is False:
        return error
    what = _what(exc)
    if isinstance(exc, httpx.RemoteProtocolError) and "Receive buffer too long" in str(exc):
        return ResponseError(f"the answer's head from {url} is larger than {MAX_HEAD_BYTES} bytes")
    if attempt.traced and attempt.phase == _CONNECTING:  # the proxy's tunnel broke
        return ConnectError(f"could not connect to {url} through its proxy ({what})")
    if attempt.head_failed:  # writing the request's head failed: none of it was sent
        return TransportError(
            f"the connection to {url} broke before the request was written ({what})", sent=False
        )
    return error


def _bad_header(url: str) -> TransportError:
    return TransportError(
        f"the request to {url} was not sent: a header name or value is not valid HTTP",
        sent=False,
    )


# --------------------------------------------------------------------------- attempts


class _Attempt:
    """One exchange's progress, followed through httpcore's ``trace`` extension:
    whether the request is being (or was) written, and the answer's deadline."""

    __slots__ = (
        "armed",
        "deadline",
        "done",
        "ended",
        "expired",
        "head_failed",
        "phase",
        "read",
        "traced",
        "tunnel",
    )

    def __init__(self, read: float, until: float | None) -> None:
        self.read = read
        self.deadline = until
        """``time.monotonic()`` instant: the call's deadline, then (once the request
        starts being written) the answer's, whichever comes first."""
        self.phase = _CONNECTING
        self.traced = False  # httpcore's trace came: ``phase`` is known
        self.tunnel = False  # the exchange under way is a proxy's CONNECT
        self.head_failed = False  # writing the request's head failed: nothing was sent
        self.armed = False
        self.expired = False
        self.ended = -1  # the phase the watchdog ended the attempt in (-1: it did not)
        self.done = False

    def event(self, name: str, info: dict[str, Any]) -> bool:
        """Note a trace event; True when the request starts being written."""
        self.traced = True
        what = name.partition(".")[2]
        if what == "send_request_headers.started":
            request = info.get("request")
            self.tunnel = request is not None and request.method == b"CONNECT"
            if self.tunnel:
                return False
            self.phase = _WRITING
            return True
        if self.tunnel:
            return False
        if what == "send_request_headers.failed":
            self.head_failed = True
        elif what == "receive_response_headers.started":
            self.phase = _READING
        return False

    def bound(self) -> float:
        """The answer's deadline, from now."""
        deadline = time.monotonic() + self.read
        if self.deadline is not None and self.deadline < deadline:
            return self.deadline
        return deadline

    @property
    def late(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


class _SyncAttempt(_Attempt):
    __slots__ = ("cut", "fresh", "stream")

    def __init__(self, read: float, until: float | None) -> None:
        super().__init__(read, until)
        self.fresh: Any = None  # the network stream of a connection this attempt made
        self.stream: Any = None  # the network stream the request goes over (HTTP/1.1)
        self.cut = False  # the watchdog shut its socket down

    def trace(self, name: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension (called in the requesting thread)."""
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.fresh = info.get("return_value")
        if not self.event(name, info):
            return
        if name.startswith("http11."):  # one request per socket: it may be shut down
            self.stream = _sending_stream() or self.fresh
        if not self.armed:
            _WATCHDOG.arm(self, self.bound())


def _sending_stream() -> Any:
    """The network stream of the httpcore ``HTTP11Connection`` whose
    ``handle_request`` called the trace (a pooled connection makes no
    ``connect_tcp`` event to learn it from); None when it cannot be found."""
    frame: FrameType | None
    try:
        frame = sys._getframe(2)  # _sending_stream <- trace <- Trace.trace
    except ValueError:
        return None
    for _ in range(_FRAMES):
        if frame is None:
            return None
        owner = frame.f_locals.get("self")
        if isinstance(owner, httpcore.HTTP11Connection):
            return getattr(owner, "_network_stream", None)
        frame = frame.f_back
    return None


def _shut_down(attempt: _SyncAttempt) -> None:
    """Ends whatever the attempt's thread waits for on its socket: a blocked read
    returns at once (end of file). The base class's shutdown: ``SSLSocket``'s
    would drop its TLS object under the reading thread."""
    stream = attempt.stream
    if stream is None:
        return
    try:
        sock = stream.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            attempt.cut = True  # before: the reading thread may run as soon as it is down
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except Exception:  # closed meanwhile: nothing was cut
        attempt.cut = False


class _Watchdog:
    """One daemon thread that ends the threads' attempts whose answer's deadline
    passed (see the module's docstring). Arming and disarming cost a heap push
    and a flag under one lock; the thread is woken only for a deadline earlier
    than the one it waits for, and leaves after ``_IDLE`` seconds with nothing
    armed. Disarmed entries are dropped when they come up, or all at once when
    they are most of the heap."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        """A fresh state (also in a forked child, where the thread does not exist)."""
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, _SyncAttempt]] = []
        self._stale = 0
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._wakes = _INFINITY  # when the thread next looks at the heap by itself

    def arm(self, attempt: _SyncAttempt, when: float) -> None:
        with self._cond:
            if attempt.done:
                return
            attempt.armed = True
            attempt.deadline = when
            heapq.heappush(self._heap, (when, next(self._order), attempt))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="tcapi-httpx-deadlines", daemon=True
                )
                self._thread.start()
            elif when < self._wakes:
                self._cond.notify()

    def disarm(self, attempt: _SyncAttempt) -> None:
        """The attempt is over (before its connection goes back to the pool): its
        socket is never shut down from here on."""
        with self._cond:
            if attempt.done:
                return
            attempt.done = True
            if attempt.armed:
                self._stale += 1
                heap = self._heap
                if self._stale == len(heap):  # nothing is armed any more
                    heap.clear()
                    self._stale = 0
                elif self._stale > 64 and 2 * self._stale > len(heap):
                    self._heap = [entry for entry in heap if not entry[2].done]
                    heapq.heapify(self._heap)
                    self._stale = 0

    def _run(self) -> None:
        cond = self._cond
        idle_since: float | None = None
        with cond:
            while True:
                heap = self._heap
                now = time.monotonic()
                while heap and (heap[0][2].done or heap[0][0] <= now):
                    attempt = heapq.heappop(heap)[2]
                    if attempt.done:
                        self._stale -= 1
                        continue
                    attempt.done = attempt.expired = True
                    attempt.ended = attempt.phase  # httpcore reads on after a failed write
                    _shut_down(attempt)
                if heap:
                    idle_since = None
                    self._wakes = heap[0][0]
                else:
                    if idle_since is None:
                        idle_since = now
                    elif now - idle_since >= _IDLE:
                        self._thread = None
                        self._wakes = _INFINITY
                        return
                    self._wakes = idle_since + _IDLE
                cond.wait(self._wakes - now)


_WATCHDOG: Final = _Watchdog()


class _AsyncAttempt(_Attempt):
    __slots__ = ("loop", "timer")

    def __init__(self, read: float, until: float | None, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(read, until)
        self.loop = loop
        self.timer: asyncio.Timeout | None = None

    def when(self) -> float | None:
        """The deadline on the loop's clock (None: none)."""
        if self.deadline is None:
            return None
        return self.loop.time() + (self.deadline - time.monotonic())

    async def trace(self, name: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension (awaited in the requesting task)."""
        if self.event(name, info) and not self.armed:
            self.arm()

    def arm(self) -> None:
        self.armed = True
        self.deadline = self.bound()
        if self.timer is not None:
            self.timer.reschedule(self.when())


# --------------------------------------------------------------------------- bodies


class _Body:
    """A body being read: its raw and decoded sizes bounded by ``limit``."""

    __slots__ = ("inflater", "limit", "over", "parts", "raw", "size")

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.raw = 0
        self.size = 0
        self.over = ""  # what passed the limit: "raw" or "decoded"
        encoding = response.headers.get("content-encoding", "").strip().lower()
        self.inflater: _Inflater | None = None
        if encoding in _DECODED:
            from ._urllib3 import _Inflater  # noqa: PLC0415 - only for a compressed answer

            self.inflater = _Inflater(encoding)

    def feed(self, raw: bytes, keep: bool = True) -> list[bytes] | None:
        """The decoded pieces of ``raw`` (also kept when ``keep``); None once the
        limit is passed (``over`` says how). Raises zlib.error."""
        self.raw += len(raw)
        if self.raw > self.limit:
            self.over = "raw"
            return None
        if self.inflater is None:
            pieces = [raw]
        else:
            pieces = []
            for piece in self.inflater.feed(raw, min(self.limit + 1, _INFLATE_PIECE)):
                self.size += len(piece)
                if self.size > self.limit:
                    self.over = "decoded"
                    return None
                pieces.append(piece)
        if keep:
            self.parts += pieces
        return pieces


def _declared_length(response: httpx.Response) -> int | None:
    if "transfer-encoding" in response.headers:
        return None
    try:
        return int(response.headers.get("content-length", ""))
    except ValueError:
        return None


def _is_event_stream(response: httpx.Response) -> bool:
    return is_event_stream(response.headers.get("content-type"))


# --------------------------------------------------------------------------- transports

ClientT = TypeVar("ClientT", bound="httpx.Client | httpx.AsyncClient")


class _Transport(Generic[ClientT]):
    """What both httpx transports share: the caller's client, the URL, the request
    they build and the errors they make."""

    def __init__(self, settings: TransportSettings, client: ClientT) -> None:
        self._settings = settings
        self._timeouts = settings.timeouts
        self._url = httpx.URL(settings.url)
        self._display = shown_url(settings.url)
        self._max_body = settings.max_body
        self._client = client
        self.is_closed = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._display} with {type(self._client).__name__}>"

    def _request(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None, trace: object
    ) -> httpx.Request | TencentCloudError:
        """The request the caller's client builds (its headers, cookies and auth
        apply; the headers given win, ``Accept-Encoding: identity`` unless they
        have one); a per-call ``timeout`` overrides the client's timeouts."""
        if self._client.is_closed:  # httpx would raise a RuntimeError
            return ConnectError(f"the httpx client for {self._display} was closed by its owner")
        if "Accept-Encoding" not in headers and not any(
            name.lower() == "accept-encoding" for name in headers
        ):
            headers = {"Accept-Encoding": "identity", **headers}
        extensions = {"trace": trace}
        try:
            if timeout is None:
                return self._client.build_request(
                    "POST", self._url, content=body, headers=headers, extensions=extensions
                )
            return self._client.build_request(
                "POST",
                self._url,
                content=body,
                headers=headers,
                timeout=_httpx_timeout(timeout),
                extensions=extensions,
            )
        except (UnicodeError, ValueError, TypeError):  # a value httpx cannot encode
            pass
        return _bad_header(self._display)

    def _error(self, exc: httpx.HTTPError, attempt: _Attempt) -> TencentCloudError:
        if attempt.expired:
            return self._late(attempt)
        return _translate(exc, self._display, attempt)

    def _late(self, attempt: _Attempt) -> TencentCloudError:
        url = self._display
        phase = attempt.phase if attempt.ended < 0 else attempt.ended
        if not attempt.traced:
            phase = _READING  # how far it went is not known: assume the worst
        if phase == _CONNECTING:
            return ConnectError(f"connecting to {url} did not finish before the call's deadline")
        bound = f"within the read timeout of {attempt.read:g}s"
        if phase == _WRITING or attempt.head_failed:
            return RequestTimeoutError(
                f"timed out sending the request to {url} ({bound})", sent=False
            )
        return RequestTimeoutError(
            f"no complete answer from {url} {bound} or the call's deadline "
            "(the answer's wall-clock bound)",
            sent=True,
        )

    def _too_large(
        self, response: httpx.Response, decoded: bool = False, length: int | None = None
    ) -> ResponseError:
        what = " once decompressed" if decoded else ""
        says = f" (its Content-Length says {length})" if length is not None else ""
        return ResponseError(
            f"the answer from {self._display} is larger{what} than the max_body limit of "
            f"{self._max_body} bytes{says}",
            status=response.status_code,
            request_id=response.headers.get("x-tc-requestid"),
        )

    def _undecodable(self, response: httpx.Response) -> ResponseError:
        return ResponseError(
            f"the compressed answer from {self._display} could not be decoded (zlib.error)",
            status=response.status_code,
            request_id=response.headers.get("x-tc-requestid"),
        )

    def _over(self, response: httpx.Response, body: _Body) -> ResponseError:
        return self._too_large(response, decoded=body.over == "decoded")

    def _precheck(self, response: httpx.Response) -> ResponseError | None:
        """A declared Content-Length over the cap: refused before reading."""
        length = _declared_length(response)
        if length is not None and length > self._max_body:
            return self._too_large(response, length=length)
        return None


def _httpx_timeout(t: Timeouts) -> httpx.Timeout:
    """httpx's per-operation timeouts for a per-call ``Timeouts``, none past its deadline."""
    connect, read = t.connect, t.read
    write, pool = C.DEFAULT_WRITE_TIMEOUT, C.DEFAULT_POOL_TIMEOUT
    if t.deadline is not None:
        left = max(t.deadline - time.monotonic(), 0.001)
        connect, read, write, pool = (min(x, left) for x in (connect, read, write, pool))
    return httpx.Timeout(connect=connect, read=read, write=write, pool=pool)


class SyncTransport(_Transport[httpx.Client]):
    """POST a body with a caller's ``httpx.Client``, get (status, body, Retry-After) back."""

    def post(self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None) -> Reply:
        """(status, body, Retry-After); the body is None, unread, when the answer is
        an event stream."""
        outcome = self._post(headers, body, timeout)
        if isinstance(outcome, TencentCloudError):
            del headers, body  # this frame's locals: what an error tracker shows
            raise outcome
        return outcome

    def open(self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None) -> Answer:
        """Send, and return once the answer's headers are in (its body unread)."""
        outcome = self._open(headers, body, timeout)
        if isinstance(outcome, TencentCloudError):
            del headers, body
            raise outcome
        return outcome

    def close(self) -> None:
        """Mark the transport closed; the caller's client stays open."""
        self.is_closed = True

    def _send(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None
    ) -> tuple[httpx.Response, _SyncAttempt] | TencentCloudError:
        t = self._timeouts if timeout is None else timeout
        attempt = _SyncAttempt(t.read, t.deadline)
        request = self._request(headers, body, timeout, attempt.trace)
        if isinstance(request, TencentCloudError):
            return request
        try:
            response = self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            _WATCHDOG.disarm(attempt)
            return self._error(exc, attempt)
        except BaseException:
            _WATCHDOG.disarm(attempt)
            raise
        oversized = _oversized_head(response, self._display)
        if oversized is not None:
            _WATCHDOG.disarm(attempt)
            _close(response)
            return oversized
        if not attempt.armed:  # no trace came (not httpcore's transport): bound the body
            attempt.deadline = attempt.bound()
        return response, attempt

    def _post(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None
    ) -> Reply | TencentCloudError:
        sent = self._send(headers, body, timeout)
        if isinstance(sent, TencentCloudError):
            return sent
        response, attempt = sent
        try:
            retry_after = response.headers.get("retry-after")
            if _is_event_stream(response):
                return response.status_code, None, retry_after
            content = self._read(response, attempt)
            if isinstance(content, TencentCloudError):
                return content
            return response.status_code, content, retry_after
        finally:
            _WATCHDOG.disarm(attempt)  # before the connection can go back to the pool
            _close(response)

    def _open(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None
    ) -> Answer | TencentCloudError:
        sent = self._send(headers, body, timeout)
        if isinstance(sent, TencentCloudError):
            return sent
        response, attempt = sent
        stream = _is_event_stream(response)
        if stream:  # read at the stream's own pace
            _WATCHDOG.disarm(attempt)
        return Answer(self, response, attempt, stream)

    def _read(self, response: httpx.Response, attempt: _SyncAttempt) -> bytes | TencentCloudError:
        """The whole body, bounded by ``max_body`` (also decoded) and the answer's
        deadline; the caller closes the response."""
        refused = self._precheck(response)
        if refused is not None:
            return refused
        if response.is_stream_consumed:  # a caller's event hook read (and decoded) it
            content = response.content
            return content if len(content) <= self._max_body else self._too_large(response)
        stream = response.stream
        if not isinstance(stream, httpx.SyncByteStream):
            return TransportError(f"the answer from {self._display} is not a sync stream")
        body = _Body(response, self._max_body)
        try:
            for raw in stream:
                if body.feed(raw) is None:
                    return self._over(response, body)
                if attempt.late:
                    attempt.expired = True
                    return self._late(attempt)
        except httpx.HTTPError as exc:
            return self._error(exc, attempt)
        except zlib.error:
            return self._undecodable(response)
        if attempt.cut:  # the watchdog shut the socket: a read-until-close body "ended"
            return self._late(attempt)
        return b"".join(body.parts)


def _close(response: httpx.Response) -> None:
    with suppress(httpx.HTTPError):
        response.close()


async def _aclose(response: httpx.Response) -> None:
    with suppress(httpx.HTTPError):
        await response.aclose()


class Answer:
    """An answer whose body has not been read: a stream call's HTTP response.

    ``read()`` reads the whole body (bounded by ``max_body`` and the answer's
    deadline) and releases the connection; ``chunks()`` yields the body as it
    arrives (an event stream's at its own pace); failures are tcapi's typed
    errors."""

    __slots__ = ("_attempt", "_response", "_transport", "is_event_stream", "request_id", "status")

    def __init__(
        self,
        transport: SyncTransport,
        response: httpx.Response,
        attempt: _SyncAttempt,
        stream: bool,
    ) -> None:
        self._transport = transport
        self._response = response
        self._attempt = attempt
        self.status = response.status_code
        self.is_event_stream = stream
        self.request_id = response.headers.get("x-tc-requestid")

    def __repr__(self) -> str:
        return f"<Answer HTTP {self.status} from {self._transport._display}>"

    def read(self) -> bytes:
        try:
            outcome = self._transport._read(self._response, self._attempt)
        finally:
            self.close()
        if isinstance(outcome, TencentCloudError):
            raise outcome
        return outcome

    def chunks(self) -> Iterator[bytes]:
        failure: TencentCloudError | None = None
        try:
            for piece in self._pieces():
                if isinstance(piece, TencentCloudError):
                    failure = piece
                    break
                yield piece
        finally:
            self.close()
        if failure is not None:
            raise failure

    def _pieces(self) -> Iterator[bytes | TencentCloudError]:
        transport, response, attempt = self._transport, self._response, self._attempt
        refused = None if self.is_event_stream else transport._precheck(response)
        if refused is not None:
            yield refused
            return
        stream = response.stream
        if not isinstance(stream, httpx.SyncByteStream):
            yield TransportError(f"the answer from {transport._display} is not a sync stream")
            return
        body = _Body(response, _NO_LIMIT if self.is_event_stream else transport._max_body)
        try:
            for raw in stream:
                pieces = body.feed(raw, keep=False)
                if pieces is None:
                    yield transport._over(response, body)
                    return
                if not self.is_event_stream and attempt.late:
                    attempt.expired = True
                    yield transport._late(attempt)
                    return
                yield from (piece for piece in pieces if piece)
        except httpx.HTTPError as exc:
            yield transport._error(exc, attempt)
        except zlib.error:
            yield transport._undecodable(response)
        else:
            if attempt.cut:  # shut down by the watchdog: the body did not end
                yield transport._late(attempt)

    def close(self) -> None:
        """Release the connection (dropped unless the body was read to its end)."""
        _WATCHDOG.disarm(self._attempt)
        _close(self._response)


_NO_LIMIT: Final = 1 << 62


class AsyncTransport(_Transport[httpx.AsyncClient]):
    """The asyncio twin of :class:`SyncTransport`, with a caller's ``httpx.AsyncClient``."""

    async def post(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> Reply:
        """(status, body, Retry-After); the body is None, unread, when the answer is
        an event stream."""
        outcome = await self._post(headers, body, timeout)
        if isinstance(outcome, TencentCloudError):
            del headers, body  # this frame's locals: what an error tracker shows
            raise outcome
        return outcome

    async def open(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> AsyncAnswer:
        """Send, and return once the answer's headers are in (its body unread)."""
        outcome = await self._open(headers, body, timeout)
        if isinstance(outcome, TencentCloudError):
            del headers, body
            raise outcome
        return outcome

    async def aclose(self) -> None:
        """Mark the transport closed; the caller's client stays open."""
        self.is_closed = True

    def _attempt(self, timeout: Timeouts | None) -> _AsyncAttempt:
        t = self._timeouts if timeout is None else timeout
        return _AsyncAttempt(t.read, t.deadline, asyncio.get_running_loop())

    async def _post(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None
    ) -> Reply | TencentCloudError:
        attempt = self._attempt(timeout)
        request = self._request(headers, body, timeout, attempt.trace)
        if isinstance(request, TencentCloudError):
            return request
        outcome: Reply | TencentCloudError
        try:
            async with asyncio.timeout_at(attempt.when()) as timer:
                attempt.timer = timer
                outcome = await self._exchange(request, attempt)
        except TimeoutError:
            if not timer.expired():
                raise  # not this attempt's deadline
            attempt.expired = True
            outcome = self._late(attempt)
        return outcome

    async def _exchange(
        self, request: httpx.Request, attempt: _AsyncAttempt
    ) -> Reply | TencentCloudError:
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            return self._error(exc, attempt)
        try:
            oversized = _oversized_head(response, self._display)
            if oversized is not None:
                return oversized
            if not attempt.armed:  # no trace came (not httpcore's transport): bound the body
                attempt.arm()
            retry_after = response.headers.get("retry-after")
            if _is_event_stream(response):
                return response.status_code, None, retry_after
            content = await self._read(response, attempt)
            if isinstance(content, TencentCloudError):
                return content
            return response.status_code, content, retry_after
        finally:
            await _aclose(response)

    async def _open(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None
    ) -> AsyncAnswer | TencentCloudError:
        attempt = self._attempt(timeout)
        request = self._request(headers, body, timeout, attempt.trace)
        if isinstance(request, TencentCloudError):
            return request
        try:
            async with asyncio.timeout_at(attempt.when()) as timer:
                attempt.timer = timer
                try:
                    response = await self._client.send(request, stream=True)
                except httpx.HTTPError as exc:
                    return self._error(exc, attempt)
        except TimeoutError:
            if not timer.expired():
                raise
            attempt.expired = True
            return self._late(attempt)
        attempt.timer = None
        oversized = _oversized_head(response, self._display)
        if oversized is not None:
            await _aclose(response)
            return oversized
        if not attempt.armed:
            attempt.arm()
        return AsyncAnswer(self, response, attempt, _is_event_stream(response))

    async def _read(
        self, response: httpx.Response, attempt: _AsyncAttempt
    ) -> bytes | TencentCloudError:
        """The whole body, bounded by ``max_body`` (also decoded); the caller bounds
        the time and closes the response."""
        refused = self._precheck(response)
        if refused is not None:
            return refused
        if response.is_stream_consumed:  # a caller's event hook read (and decoded) it
            content = response.content
            return content if len(content) <= self._max_body else self._too_large(response)
        stream = response.stream
        if not isinstance(stream, httpx.AsyncByteStream):
            return TransportError(f"the answer from {self._display} is not an async stream")
        body = _Body(response, self._max_body)
        try:
            async for raw in stream:
                if body.feed(raw) is None:
                    return self._over(response, body)
        except httpx.HTTPError as exc:
            return self._error(exc, attempt)
        except zlib.error:
            return self._undecodable(response)
        return b"".join(body.parts)


class AsyncAnswer:
    """The asyncio :class:`Answer`: ``read()`` finishes within the answer's
    deadline; ``chunks()`` reads an event stream at its own pace."""

    __slots__ = ("_attempt", "_response", "_transport", "is_event_stream", "request_id", "status")

    def __init__(
        self,
        transport: AsyncTransport,
        response: httpx.Response,
        attempt: _AsyncAttempt,
        stream: bool,
    ) -> None:
        self._transport = transport
        self._response = response
        self._attempt = attempt
        self.status = response.status_code
        self.is_event_stream = stream
        self.request_id = response.headers.get("x-tc-requestid")

    def __repr__(self) -> str:
        return f"<AsyncAnswer HTTP {self.status} from {self._transport._display}>"

    async def read(self) -> bytes:
        outcome = await self._read()
        if isinstance(outcome, TencentCloudError):
            raise outcome
        return outcome

    async def _read(self) -> bytes | TencentCloudError:
        transport, attempt = self._transport, self._attempt
        outcome: bytes | TencentCloudError
        try:
            async with asyncio.timeout_at(attempt.when()) as timer:
                outcome = await transport._read(self._response, attempt)
        except TimeoutError:
            if not timer.expired():
                raise
            attempt.expired = True
            outcome = transport._late(attempt)
        finally:
            await _aclose(self._response)
        return outcome

    async def chunks(self) -> AsyncIterator[bytes]:
        failure: TencentCloudError | None = None
        try:
            async for piece in self._pieces():
                if isinstance(piece, TencentCloudError):
                    failure = piece
                    break
                yield piece
        finally:
            await self.close()
        if failure is not None:
            raise failure

    async def _pieces(self) -> AsyncIterator[bytes | TencentCloudError]:
        transport, response, attempt = self._transport, self._response, self._attempt
        refused = None if self.is_event_stream else transport._precheck(response)
        if refused is not None:
            yield refused
            return
        stream = response.stream
        if not isinstance(stream, httpx.AsyncByteStream):
            yield TransportError(f"the answer from {transport._display} is not an async stream")
            return
        body = _Body(response, _NO_LIMIT if self.is_event_stream else transport._max_body)
        try:
            async for raw in stream:
                pieces = body.feed(raw, keep=False)
                if pieces is None:
                    yield transport._over(response, body)
                    return
                if not self.is_event_stream and attempt.late:
                    attempt.expired = True
                    yield transport._late(attempt)
                    return
                for piece in pieces:
                    if piece:
                        yield piece
        except httpx.HTTPError as exc:
            yield transport._error(exc, attempt)
        except zlib.error:
            yield transport._undecodable(response)

    async def close(self) -> None:
        """Release the connection (dropped unless the body was read to its end)."""
        await _aclose(self._response)


if TYPE_CHECKING:
    from ._transport import AsyncAnswer as AsyncAnswerProtocol
    from ._transport import AsyncTransport as AsyncTransportProtocol
    from ._transport import SyncTransport as SyncTransportProtocol

    def _conforms(
        s: SyncTransport, a: AsyncTransport, answer: AsyncAnswer
    ) -> tuple[SyncTransportProtocol, AsyncTransportProtocol, AsyncAnswerProtocol]:
        return s, a, answer  # mypy checks them against the seam's protocols
