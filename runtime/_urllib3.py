"""The default synchronous transport: urllib3's connections, a small pool tcapi owns.

urllib3 makes each connection: DNS, connect timeout, socket options, TLS with
hostname checks, the proxy (``CONNECT`` tunnel, TLS to an https proxy). The
request is written as one buffer and the answer parsed by ``http.client`` (which
urllib3's own connections use too), read through a reader that bounds every
wait by the answer's deadline. Driving the connections directly skips
urllib3's pool, retry and response layers, which a Tencent Cloud call never
needs (no redirects, no retries inside the transport, no cookies) and which
cost more CPU than the rest of a call.

Limits, each a typed error:

* the body: at most ``max_body`` bytes, also after decompression (a declared
  Content-Length over it fails before reading; a chunked or read-until-close
  body fails as soon as it passes it) — :class:`~tcapi.errors.ResponseError`;
* the head (status line and headers): at most :data:`MAX_HEAD_BYTES`, and
  ``http.client``'s own limits (100 header lines, 64 KiB a line) —
  :class:`~tcapi.errors.ResponseError`;
* time: ``read_timeout`` bounds the whole answer (head and body) from the moment
  the request is written, not each socket read, so a server that drips a byte
  at a time cannot keep a call alive — :class:`~tcapi.errors.RequestTimeoutError`.
  Writing the request is bounded by ``read_timeout`` too. An event stream's body
  (``Answer.chunks()``) is read at the stream's pace: each wait for more bytes is
  bounded by ``read_timeout``, and its events by ``streaming.MAX_EVENT_BYTES``.

Compression: the request says ``Accept-Encoding: identity``; a server that
compresses anyway (gzip or deflate) is decoded, within the same ``max_body``
bound, and never inflated beyond it.

Secrets: messages name the URL (without any ``user:password@``), the proxy's
host and the exception's class, never a header value; the proxy's credentials
are sent as ``Proxy-Authorization`` and appear in no repr. Errors are raised
outside the ``except`` that caught the library's exception, so they carry no
library exception (and no library frame with the request's bytes) as context.
urllib3 logs nothing about these exchanges (its pool, which logs the request
line at DEBUG, is not used; its connections log only a hostname mismatch, at
WARNING, with the host and the server's certificate).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import os
import re
import select
import socket
import ssl
import time
import zlib
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Final, NamedTuple
from urllib.parse import unquote, urlsplit

import urllib3
from urllib3._version import __version__ as _urllib3_version
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connection import ProxyConfig as _ProxyConfig

from . import _constants as C
from ._fork import fork_safe_lock
from ._tls import check_ca_bundle, ssl_context
from ._transport import Reply, Timeouts, TransportSettings, is_event_stream
from .errors import (
    ConfigurationError,
    ConnectError,
    RequestTimeoutError,
    ResponseError,
    TencentCloudError,
    TransportError,
)

LIBRARY: Final = f"urllib3/{_urllib3_version}"
"""The transport's library and version, for the User-Agent."""

MAX_HEAD_BYTES: Final = 100 * 1024
"""The largest answer head (status line and headers) read: 100 KiB (httpx's limit)."""
KEEPALIVE_EXPIRY: Final = 5.0
"""Seconds an idle connection is kept for reuse (httpx's default)."""
MAX_IDLE: Final = C.DEFAULT_MAX_CONNECTIONS
"""Idle connections kept per transport; more are closed when released."""

_READ_SIZE: Final = 64 * 1024
_BUFFER_SIZE: Final = 8192
_INLINE_BODY: Final = 64 * 1024  # bodies up to this size leave in the head's buffer
_TLS_RECORD: Final = 16 * 1024
_HEAD_BUDGET: Final = MAX_HEAD_BYTES + _BUFFER_SIZE  # one read may bring body bytes too
_NO_BUDGET: Final = 1 << 62
_INFINITY: Final = float("inf")
_POLLIN: Final = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+").fullmatch
_good_names: set[str] = set()  # header names already checked against _TOKEN
_STATUS_IN = re.compile(r"\b([1-5]\d\d)\b").search


# --------------------------------------------------------------------------- TLS


# --------------------------------------------------------------------------- proxies


class _Proxy(NamedTuple):
    scheme: str
    host: str
    port: int
    authorization: str | None  # the Proxy-Authorization value: never shown

    @property
    def display(self) -> str:
        return f"{self.scheme}://{_netloc(self.host, self.port)}"

    def __repr__(self) -> str:
        return f"<proxy {self.display}>"


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _parse_proxy(url: str, source: str) -> _Proxy:
    """The proxy of ``url`` (``http://user:pass@host:3128``); errors name the host,
    never the credentials."""
    if "://" not in url:
        url = "http://" + url  # as requests and httpx read "proxy:3128"
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
        username, password = parts.username, parts.password
    except ValueError:
        host = port = username = password = None
        parts = None
    if parts is None or not host:
        raise ConfigurationError(f"{source}: not a proxy URL (scheme://host:port)")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ConfigurationError(
            f"{source}: proxy scheme {scheme!r} is not supported (http or https) "
            f"for the proxy at {host}"
        )
    authorization = None
    if username is not None or password is not None:
        pair = f"{unquote(username or '')}:{unquote(password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return _Proxy(scheme, host, port or (443 if scheme == "https" else 80), authorization)


def _proxy_for(settings: TransportSettings, scheme: str, host: str, port: int) -> _Proxy | None:
    """``settings.proxy``; else, when ``trust_env``, the environment's proxy for
    the URL (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``, either case, lowercase
    first, ``NO_PROXY`` bypassing) as ``urllib.request`` reads them."""
    if settings.proxy:
        return _parse_proxy(settings.proxy, "proxy")
    if not settings.trust_env or not any(k[-6:].lower() == "_proxy" for k in os.environ):
        return None
    import urllib.request  # noqa: PLC0415 - only when a *_proxy variable is set

    proxies = urllib.request.getproxies_environment()
    chosen = proxies.get(scheme) or proxies.get("all")
    if not chosen:
        return None
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if bypass(_netloc(host, port), proxies):
        return None
    return _parse_proxy(chosen, f"the {scheme.upper()}_PROXY environment variable")


# --------------------------------------------------------------------------- connections


class _HeadTooLarge(Exception):
    pass


class _Reader(io.RawIOBase):
    """The socket's bytes as ``http.client`` reads them, every wait bounded.

    Each read waits at most ``wait`` seconds and never past ``deadline``, so the
    whole answer is bounded in time however the server paces it; while the head
    is read, ``budget`` bounds its size."""

    def __init__(self, sock: socket.socket | ssl.SSLSocket) -> None:
        super().__init__()
        self.sock = sock
        self.deadline = _INFINITY
        self.wait = _INFINITY
        self.budget = _NO_BUDGET

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        left = self.deadline - time.monotonic()
        left = min(left, self.wait)
        if left <= 0.0:
            raise TimeoutError("the answer's deadline passed")
        self.sock.settimeout(left)
        n = self.sock.recv_into(buffer)
        self.budget -= n
        if self.budget < 0:
            raise _HeadTooLarge
        return n

    def close(self) -> None:
        """Nothing: ``http.client`` closes its reader after each answer, the
        connection outlives it."""


class _Conn:
    """One keep-alive connection: its socket and the reader answers come through."""

    __slots__ = ("fp", "idle_since", "reader", "sock", "tls", "unsent")

    def __init__(self, sock: socket.socket | ssl.SSLSocket, tls: bool) -> None:
        self.sock = sock
        self.tls = tls
        self.reader = _Reader(sock)
        self.fp: io.BufferedReader | None = None
        self.idle_since = 0.0
        self.unsent = False

    def makefile(self, mode: str) -> io.BufferedReader:
        """What ``http.client.HTTPResponse`` reads from: this exchange's buffer."""
        assert self.fp is not None
        return self.fp

    def dropped(self) -> bool:
        """True when the idle connection has something to read: the server closed
        it (or sent bytes nobody asked for), so it must not carry a request."""
        try:
            poller = select.poll()
            poller.register(self.sock, _POLLIN)
            if poller.poll(0):
                return True
            sock = self.sock  # TLS may hold decrypted bytes the socket no longer shows
            return isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
        except (OSError, ValueError):  # closed meanwhile
            return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


# --------------------------------------------------------------------------- answers' heads

_MAXLINE: Final = 65536  # http.client's limits: a line, and the header lines of a head
_MAXHEADERS: Final = 100
_MAX_INFORMATIONAL: Final = 8
_END_OF_HEAD: Final = frozenset({b"\r\n", b"\n"})


class _Headers(dict[str, str]):
    """An answer's header fields, names lowercased, repeated fields joined with ", "."""

    def get_all(self, name: str, failobj: object = None) -> list[str] | object:
        """What ``_Response.getheader`` asks an ``HTTPMessage``."""
        value = self.get(name.lower())
        return failobj if value is None else [value]


class _Response(http.client.HTTPResponse):
    """``http.client``'s answer (its body framing: Content-Length, chunked,
    read-until-close) with a head parser of its own: ``http.client`` parses
    headers with the ``email`` package, which costs more CPU than all the rest
    of a call. The limits are ``http.client``'s (100 lines, 64 KiB a line),
    informational (1xx) answers before the final one are skipped, and a head
    cut off, an unparseable status line or conflicting Content-Lengths are
    protocol errors."""

    fields: _Headers

    def begin(self) -> None:
        fp = self.fp
        assert fp is not None
        for _ in range(_MAX_INFORMATIONAL + 1):
            line = fp.readline(_MAXLINE + 1)
            if not line:
                raise http.client.RemoteDisconnected("closed before any answer")
            if len(line) > _MAXLINE:
                raise http.client.LineTooLong("status line")
            version, _, rest = line.partition(b" ")
            code, _, reason = rest.partition(b" ")
            if (
                version not in (b"HTTP/1.1", b"HTTP/1.0")
                or len(code) != 3
                or not code.isdigit()
                or code[0] == 48  # "0xx"
            ):
                raise http.client.BadStatusLine("status line")
            status = int(code)
            fields = _read_fields(fp)
            if status >= 200 or status == 101:
                break
        else:
            raise http.client.BadStatusLine("too many informational answers")
        self.version = 11 if version == b"HTTP/1.1" else 10
        self.code = self.status = status
        self.reason = reason.strip().decode("latin-1")
        self.fields = fields
        self.headers = self.msg = fields  # type: ignore[assignment]
        coding = fields.get("transfer-encoding")
        length: int | None = None
        if coding is not None:
            self.chunked = coding.rpartition(",")[2].strip().lower() == "chunked"
            self.chunk_left = None
        else:
            self.chunked = False
            declared = fields.get("content-length")
            if declared is not None:
                values = {v.strip() for v in declared.split(",")}
                if len(values) != 1 or not (value := values.pop()).isdigit():
                    raise http.client.BadStatusLine("Content-Length")
                length = int(value)
        tokens = fields.get("connection", "").lower()
        if self.version == 11:
            self.will_close = "close" in tokens
        else:
            self.will_close = "keep-alive" not in tokens
        if status in (204, 304) or status < 200:
            length = 0
        self.length = length
        if length is None and not self.chunked:
            self.will_close = True  # the body ends when the connection does


def _read_fields(fp: io.BufferedIOBase) -> _Headers:
    fields = _Headers()
    last: str | None = None
    for _ in range(_MAXHEADERS + 1):
        line = fp.readline(_MAXLINE + 1)
        if len(line) > _MAXLINE:
            raise http.client.LineTooLong("header line")
        if line in _END_OF_HEAD:
            return fields
        if not line:
            raise http.client.IncompleteRead(b"")  # the head was cut off
        if line[0] in (32, 9):  # an obsolete line folding: part of the last field
            if last is not None:
                fields[last] += " " + line.strip().decode("latin-1")
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            continue  # not a field: ignored, as http.client (email) does
        key = name.strip().lower().decode("latin-1")
        text = value.strip().decode("latin-1")
        previous = fields.get(key)
        fields[key] = text if previous is None else previous + ", " + text
        last = key
    raise http.client.HTTPException(f"got more than {_MAXHEADERS} headers")


# --------------------------------------------------------------------------- errors


def _describe(exc: BaseException) -> str:
    """The exception's class and what the OS or TLS library said, never its
    message (a library message may quote a request or its headers)."""
    name = type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, urllib3.exceptions.HTTPError) and cause is not None:
        name = f"{name} ({_describe(cause)})"  # urllib3 wraps the socket's error
        return name
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = f": {exc.verify_message}" if exc.verify_message else ""
        return f"{name}: certificate verify failed{detail}"
    if isinstance(exc, ssl.SSLError):
        return f"{name}: {exc.reason}" if exc.reason else name
    if isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        return f"{name}: [Errno {exc.errno}] {exc.strerror}"
    return name


def _tunnel_refusal(exc: BaseException) -> str | None:
    """The proxy's status when ``http.client`` reports a refused CONNECT."""
    if type(exc) is OSError and exc.args and isinstance(exc.args[0], str):
        text = exc.args[0]
        if text.startswith("Tunnel connection failed"):
            match = _STATUS_IN(text)
            return f"HTTP {match.group(1)}" if match else "no status"
    return None


class _Failure(Exception):
    """A typed error to raise once outside the ``except`` that built it."""

    def __init__(self, error: TencentCloudError) -> None:
        super().__init__()
        self.error = error


# --------------------------------------------------------------------------- answers


class _Inflater:
    """A gzip or deflate body decoded at most ``limit`` bytes at a time."""

    __slots__ = ("_deflate", "_obj", "_started")

    def __init__(self, encoding: str) -> None:
        self._deflate = encoding == "deflate"
        self._obj = zlib.decompressobj(zlib.MAX_WBITS if self._deflate else 16 + zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes, limit: int) -> Iterator[bytes]:
        """The decoded bytes of ``data``, in pieces of at most ``limit`` bytes."""
        obj = self._obj
        if self._deflate and not self._started and data:
            self._started = True
            try:  # "deflate" is zlib-wrapped by the RFC, raw by some servers
                piece = obj.decompress(data, limit)
            except zlib.error:
                self._obj = obj = zlib.decompressobj(-zlib.MAX_WBITS)
            else:
                if piece:
                    yield piece
                data = obj.unconsumed_tail
        while data:
            piece = obj.decompress(data, limit)
            if piece:
                yield piece
            data = obj.unconsumed_tail
            if obj.eof:
                data = obj.unused_data  # a gzip body may have several members
                if not data.strip(b"\0"):
                    return
                self._obj = obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            elif not piece and not data:
                return


_DECODED: Final = frozenset({"gzip", "x-gzip", "deflate"})


class Answer:
    """An answer whose body has not been read: a stream call's HTTP response.

    ``read()`` reads the whole body (bounded by ``max_body``) and releases the
    connection for reuse; ``chunks()`` yields the body as it arrives (an event
    stream's at its own pace, see the module's docstring); ``close()`` drops
    the connection unless the body was read to its end."""

    __slots__ = (
        "_conn",
        "_max_body",
        "_owner",
        "_response",
        "_url",
        "is_event_stream",
        "request_id",
        "status",
    )

    def __init__(
        self,
        owner: Urllib3Transport,
        conn: _Conn,
        response: _Response,
        stream: bool,
    ) -> None:
        self._owner = owner
        self._conn: _Conn | None = conn
        self._response = response
        self._url = owner._display
        self._max_body = owner._settings.max_body
        self.status = response.status
        self.is_event_stream = stream
        self.request_id = response.fields.get("x-tc-requestid")

    def __repr__(self) -> str:
        return f"<Answer HTTP {self.status} from {self._url}>"

    def read(self) -> bytes:
        conn = self._conn
        if conn is None:
            return b""
        self._conn = None
        return self._owner._read_body(conn, self._response, self.request_id)

    def chunks(self) -> Iterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        response = self._response
        limit = _INFINITY if self.is_event_stream else self._max_body
        encoding = _content_encoding(response)
        inflater = _Inflater(encoding) if encoding in _DECODED else None
        total = 0
        failure: _Failure | None = None
        try:
            while True:
                try:
                    raw = response.read1(_READ_SIZE)
                    if not raw:
                        if response.length:  # Content-Length said more
                            raise http.client.IncompleteRead(b"", response.length)
                        break
                    pieces = [raw] if inflater is None else inflater.feed(raw, _READ_SIZE)
                    for piece in pieces:
                        total += len(piece)
                        if total > limit:
                            raise _over_limit(self._max_body, self.status, self.request_id)
                        yield piece
                except _Failure as exc:
                    failure = exc
                except TencentCloudError as exc:
                    failure = _Failure(exc)
                except Exception as exc:  # every library error is translated
                    failure = _Failure(_body_error(exc, self._url, self.status, self.request_id))
                if failure is not None:
                    break
        finally:
            self._conn = None
            if failure is not None or not self._owner._finished(conn, response):
                conn.close()
        if failure is not None:
            raise failure.error

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def _content_encoding(response: _Response) -> str:
    encoding = response.fields.get("content-encoding")
    return encoding.strip().lower() if encoding else ""


def _over_limit(limit: int, status: int, request_id: str | None) -> ResponseError:
    return ResponseError(
        f"the answer's body is larger than the {limit}-byte limit (max_body)",
        status=status,
        request_id=request_id,
    )


def _body_error(
    exc: BaseException, url: str, status: int, request_id: str | None
) -> TencentCloudError:
    what = _describe(exc)
    if isinstance(exc, TimeoutError):
        return RequestTimeoutError(f"the answer from {url} did not arrive in time ({what})")
    if isinstance(exc, _HeadTooLarge | http.client.LineTooLong):
        return ResponseError(
            f"a chunk-size or trailer line of the answer from {url} is too long ({what})",
            status=status,
            request_id=request_id,
        )
    if isinstance(exc, zlib.error):
        return ResponseError(
            f"the compressed body from {url} could not be decoded ({what})",
            status=status,
            request_id=request_id,
        )
    return TransportError(f"the answer's body from {url} was cut off ({what})")


# --------------------------------------------------------------------------- the transport


class Urllib3Transport:
    """POST a body, get (status, body) back, over a pool of keep-alive connections.

    Thread-safe: each call takes an idle connection (the most recently used one
    first) or makes one, and gives it back when its answer was read to the end.
    Fork-safe: a child of ``os.fork()`` opens its own connections on first use
    and leaves the inherited ones (its parent's) untouched. Nothing is retried
    here: tcapi's retry policy decides, knowing ``sent``.
    """

    def __init__(self, settings: TransportSettings) -> None:
        self._settings = settings
        self._timeouts = settings.timeouts
        try:
            parts = urlsplit(settings.url)
            scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
        except ValueError:
            scheme, host, port, parts = "", None, None, None
        if parts is None or scheme not in ("http", "https") or not host or _CONTROL(host):
            raise ConfigurationError("the endpoint is not an http:// or https:// URL")
        self._tls = scheme == "https"
        self._host = host
        self._port = port or (443 if self._tls else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        self._display = f"{scheme}://{parts.netloc.rpartition('@')[2]}{path}"  # no password
        self._authority = _netloc(host, self._port) if port else host
        self._proxy = _proxy_for(settings, scheme, host, self._port)
        if isinstance(settings.verify, str) and (
            self._tls or (self._proxy is not None and self._proxy.scheme == "https")
        ):
            check_ca_bundle(settings.verify)
        forwarding = self._proxy is not None and not self._tls
        target = f"{scheme}://{self._authority}{path}" if forwarding else path
        if _CONTROL(target):
            raise ConfigurationError("the endpoint's path has control characters or spaces")
        self._request_line = "POST " + target + " HTTP/1.1\r\n"
        extra = "Accept-Encoding: identity\r\n"
        if forwarding and self._proxy is not None and self._proxy.authorization:
            extra += "Proxy-Authorization: " + self._proxy.authorization + "\r\n"
        self._extra = extra
        self._extra_lines = extra.count("\n")
        self._pid = os.getpid()
        self._lock = fork_safe_lock(self)
        self._idle: deque[_Conn] = deque()
        self._inherited: deque[_Conn] | None = None  # the parent's, kept (not closed) in a child
        self.is_closed = False

    def __repr__(self) -> str:
        via = f" via {self._proxy.display}" if self._proxy is not None else ""
        return f"<Urllib3Transport {self._display}{via}>"

    # ------------------------------------------------------------------ the seam

    def post(self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None) -> Reply:
        """(status, body, Retry-After); None for an event stream's (unread) body."""
        t = self._timeouts if timeout is None else timeout
        conn, response = self._exchange(headers, body, t)
        fields = response.fields
        if is_event_stream(fields.get("content-type")):
            conn.close()
            return response.status, None, fields.get("retry-after")
        return response.status, self._read_body(conn, response, None), fields.get("retry-after")

    def open(self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None) -> Answer:
        """Send, and return once the answer's headers are in."""
        t = self._timeouts if timeout is None else timeout
        conn, response = self._exchange(headers, body, t)
        stream = is_event_stream(response.fields.get("content-type"))
        if stream:  # a stream lasts as long as it lasts: bound each wait, not the whole
            conn.reader.deadline = _INFINITY
            conn.reader.wait = t.read
        return Answer(self, conn, response, stream)

    def close(self) -> None:
        """Close this process's connections (a forked child leaves its parent's alone)."""
        self.is_closed = True
        if self._pid == os.getpid():
            self._drain()

    # ------------------------------------------------------------------ the pool

    def _drain(self) -> None:
        idle = self._idle
        while idle:
            try:
                conn = idle.pop()
            except IndexError:
                break
            conn.close()

    def _release(self, conn: _Conn) -> None:
        idle = self._idle
        if self.is_closed or len(idle) >= MAX_IDLE:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)
        if self._closed_meanwhile():  # another thread closed the transport: do not leave it open
            self._drain()

    def _closed_meanwhile(self) -> bool:
        # A method, not the attribute: type checkers narrow is_closed to False above.
        return self.is_closed

    def _after_fork(self) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._inherited, self._idle = self._idle, deque()
                self._pid = os.getpid()

    def _acquire(self, t: Timeouts) -> _Conn:
        if self._pid != os.getpid():
            self._after_fork()
        idle = self._idle
        while idle:
            try:
                conn = idle.pop()
            except IndexError:
                break
            if time.monotonic() - conn.idle_since < KEEPALIVE_EXPIRY and not conn.dropped():
                return conn
            conn.close()
        if self.is_closed:
            raise ConnectError(f"the transport to {self._display} is closed")
        return self._connect(t.connect)

    def _connect(self, connect_timeout: float) -> _Conn:
        proxy = self._proxy
        conn = self._new_connection(connect_timeout)  # may build the SSL context
        try:
            conn.connect()
            sock = conn.sock
            conn.sock = None  # the socket is ours now (the urllib3 object is dropped)
        except Exception as exc:  # every library error is translated
            error = self._connect_error(exc, proxy, connect_timeout)
            with contextlib.suppress(Exception):
                conn.close()
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        else:
            assert sock is not None
            return _Conn(sock, self._tls)
        raise error

    def _new_connection(self, connect_timeout: float) -> HTTPConnection:
        proxy = self._proxy
        if proxy is None:
            if self._tls:
                return HTTPSConnection(
                    self._host,
                    self._port,
                    timeout=connect_timeout,
                    ssl_context=ssl_context(self._settings.verify),
                )
            return HTTPConnection(self._host, self._port, timeout=connect_timeout)
        proxy_url = urllib3.util.Url(scheme=proxy.scheme, host=proxy.host, port=proxy.port)
        proxy_tls = proxy.scheme == "https"
        config = (
            _ProxyConfig(ssl_context(self._settings.verify), False, None, None)
            if proxy_tls
            else None
        )
        conn: HTTPConnection
        if self._tls:
            conn = HTTPSConnection(
                proxy.host,
                proxy.port,
                timeout=connect_timeout,
                ssl_context=ssl_context(self._settings.verify),
                proxy=proxy_url,
                proxy_config=config,
            )
            tunnel_headers = (
                {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
            )
            conn.set_tunnel(self._host, self._port, tunnel_headers, scheme=proxy.scheme)
        elif proxy_tls:  # forwarding through TLS to the proxy
            conn = HTTPSConnection(
                proxy.host,
                proxy.port,
                timeout=connect_timeout,
                ssl_context=ssl_context(self._settings.verify),
                proxy=proxy_url,
                proxy_config=config,
            )
        else:
            conn = HTTPConnection(proxy.host, proxy.port, timeout=connect_timeout, proxy=proxy_url)
        return conn

    def _connect_error(
        self, exc: BaseException, proxy: _Proxy | None, connect_timeout: float
    ) -> TencentCloudError:
        url = self._display
        what = _describe(exc)
        via = f" through the proxy {proxy.display}" if proxy is not None else ""
        refusal = _tunnel_refusal(exc) if proxy is not None else None
        if refusal is not None:
            assert proxy is not None
            return ConnectError(
                f"the proxy {proxy.display} refused to connect to {url} ({refusal})"
            )
        if isinstance(exc, urllib3.exceptions.NameResolutionError):
            return ConnectError(f"could not resolve the host of {url}{via} ({what})")
        # (urllib3's NewConnectionError is a ConnectTimeoutError too.)
        if isinstance(exc, TimeoutError) or type(exc) is urllib3.exceptions.ConnectTimeoutError:
            return ConnectError(
                f"connecting to {url}{via} timed out after {connect_timeout}s ({what})"
            )
        if isinstance(exc, ssl.SSLError | ssl.CertificateError):
            return ConnectError(f"the TLS handshake with {url}{via} failed ({what})")
        return ConnectError(f"could not connect to {url}{via} ({what})")

    # ------------------------------------------------------------------ one exchange

    def _exchange(
        self, headers: Mapping[str, str], body: bytes, t: Timeouts
    ) -> tuple[_Conn, _Response]:
        """Write the request on a connection and read the answer's head."""
        conn = self._acquire(t)
        error: TencentCloudError | None = None
        invalid: TencentCloudError | None = None
        failed_write: str | None = None  # what broke the write (its description only)
        limit = t.read if t.deadline is None else min(t.read, t.deadline - time.monotonic())
        try:
            self._write(conn, headers, body, limit)
        except _Failure as exc:  # a header is not valid HTTP: nothing was written
            invalid = exc.error
        except TimeoutError:
            error = RequestTimeoutError(
                f"timed out sending the request to {self._display} (read_timeout {t.read}s)",
                sent=False,
            )
        except Exception as exc:  # the server may still have answered
            # A reset or a closed connection while writing: read what the server
            # said (it may answer early: 413, say) before deciding what was sent.
            failed_write = _describe(exc)
        except BaseException:
            conn.close()
            raise
        if invalid is not None:
            self._release(conn)  # still good: nothing was written on it
            raise invalid
        if error is not None:
            conn.close()
            raise error
        reader = conn.reader
        reader.deadline = time.monotonic() + t.read
        if t.deadline is not None and t.deadline < reader.deadline:
            reader.deadline = t.deadline  # the call's total_timeout comes first
        reader.wait = _INFINITY
        reader.budget = _HEAD_BUDGET
        conn.fp = io.BufferedReader(reader, _BUFFER_SIZE)
        try:
            response = self._begin(conn)
        except _Failure as exc:
            error = exc.error
        except Exception as exc:  # every library error is translated
            error = self._head_error(exc, t, conn, failed_write)
        except BaseException:
            conn.close()
            raise
        else:
            reader.budget = _NO_BUDGET
            if failed_write is not None:
                response.will_close = True  # the connection is broken: never reuse it
            return conn, response
        conn.close()
        raise error

    def _write(self, conn: _Conn, headers: Mapping[str, str], body: bytes, limit: float) -> None:
        """Send the request within ``limit`` seconds; ``conn.unsent`` says whether
        provably nothing of it left this host when a write fails."""
        data = self._head(headers, len(body))
        if len(body) <= _INLINE_BODY:
            data += body
            rest = b""
        else:
            rest = body
        sock = conn.sock
        if limit <= 0.0:  # the call's deadline passed while connecting
            conn.unsent = True
            raise TimeoutError
        sock.settimeout(limit)
        # A failed first send() handed nothing to the kernel; over TLS, nothing the
        # server can decrypt only if the request fitted one record.
        conn.unsent = not conn.tls or len(data) <= _TLS_RECORD
        n = sock.send(data)
        conn.unsent = False
        if n == len(data) and not rest:
            return
        deadline = time.monotonic() + limit
        for buffer in (memoryview(data)[n:], memoryview(rest)):
            offset = 0
            while offset < len(buffer):
                left = deadline - time.monotonic()
                if left <= 0.0:
                    raise TimeoutError
                sock.settimeout(left)
                offset += sock.send(buffer[offset:])

    def _head(self, headers: Mapping[str, str], length: int) -> bytes:
        lines = [self._request_line]
        append = lines.append
        for name, value in headers.items():
            if name not in _good_names:
                if not _TOKEN(name):
                    raise _Failure(_bad_header(self._display))
                if len(_good_names) < 1024:
                    _good_names.add(name)
            append(name + ": " + value + "\r\n")
        append("Content-Length: " + str(length) + "\r\n")
        append(self._extra)
        if "Host" not in headers and "host" not in headers:
            append("Host: " + self._authority + "\r\n")
        append("\r\n")
        text = "".join(lines)
        # One CR and one LF a line, no NUL: a value cannot start a header of its own.
        expected = len(lines) - 1 + self._extra_lines
        if text.count("\n") != expected or text.count("\r") != expected or "\0" in text:
            raise _Failure(_bad_header(self._display))
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            error = _bad_header(self._display)
        raise _Failure(error)

    def _begin(self, conn: _Conn) -> _Response:
        response = _Response(conn, method="POST")  # type: ignore[arg-type]
        response.begin()
        status = response.status
        if status == 101:
            raise _Failure(
                TransportError(f"the answer from {self._display} is not valid HTTP (status 101)")
            )
        if status == 407 and self._proxy is not None and not self._tls:
            raise _Failure(
                ConnectError(
                    f"the proxy {self._proxy.display} refused to forward the "
                    f"request to {self._display} (HTTP 407)"
                )
            )
        return response

    def _head_error(
        self, exc: BaseException, t: Timeouts, conn: _Conn, failed_write: str | None
    ) -> TencentCloudError:
        url = self._display
        if failed_write is not None:
            # The write broke and no answer came: sent unless nothing left this host.
            return TransportError(
                f"the connection to {url} broke while sending the request ({failed_write})",
                sent=not conn.unsent,
            )
        what = _describe(exc)
        if isinstance(exc, TimeoutError):
            return RequestTimeoutError(
                f"no answer from {url} within the read timeout ({t.read}s; {what})"
            )
        if isinstance(exc, _HeadTooLarge):
            return ResponseError(
                f"the answer's head from {url} is larger than {MAX_HEAD_BYTES} bytes"
            )
        if isinstance(exc, http.client.LineTooLong):
            return ResponseError(f"a header line of the answer from {url} is too long ({what})")
        if type(exc) is http.client.HTTPException:  # more than 100 header lines
            return ResponseError(f"the answer from {url} has too many header lines")
        if isinstance(exc, http.client.RemoteDisconnected | ConnectionError):
            return TransportError(f"the connection to {url} closed before any answer ({what})")
        if isinstance(exc, http.client.HTTPException | ValueError | UnicodeError):
            return TransportError(f"the answer from {url} is not valid HTTP ({what})")
        return TransportError(f"the exchange with {url} failed before any answer ({what})")

    def _read_body(self, conn: _Conn, response: _Response, request_id: str | None) -> bytes:
        """The whole body, bounded by ``max_body`` (also when decoded); the
        connection goes back to the pool when the answer ended cleanly."""
        limit = self._settings.max_body
        status = response.status
        error: TencentCloudError | None = None
        try:
            length = response.length
            if length is not None and length > limit:
                raise _Failure(_over_limit(limit, status, _rid(response, request_id)))
            if length is not None and length <= _READ_SIZE:
                data = response.read()  # raises IncompleteRead when cut off
            else:
                # In pieces: memory follows what arrives, not what a header claims.
                parts: list[bytes] = []
                total = 0
                while True:
                    piece = response.read(min(_READ_SIZE, limit + 1 - total))
                    if not piece:
                        break
                    total += len(piece)
                    if total > limit:
                        raise _Failure(_over_limit(limit, status, _rid(response, request_id)))
                    parts.append(piece)
                if response.length:  # the connection ended before Content-Length did
                    raise http.client.IncompleteRead(b"", response.length)
                data = b"".join(parts)
            encoding = _content_encoding(response)
            if encoding in _DECODED and data:
                data = _inflate(data, encoding, limit, status, _rid(response, request_id))
        except _Failure as exc:
            error = exc.error
        except Exception as exc:  # every library error is translated
            error = _body_error(exc, self._display, status, _rid(response, request_id))
        except BaseException:
            conn.close()
            raise
        else:
            if not self._finished(conn, response):
                conn.close()
            return data
        conn.close()
        raise error

    def _finished(self, conn: _Conn, response: _Response) -> bool:
        """Give a connection whose answer ended cleanly back to the pool; False:
        the caller closes it."""
        if response.will_close or not (response.isclosed() or response.length == 0):
            return False
        self._release(conn)
        return True


_CONTROL = re.compile(r"[\x00-\x20\x7f]").search


def _rid(response: _Response, request_id: str | None) -> str | None:
    return request_id if request_id is not None else response.fields.get("x-tc-requestid")


def _bad_header(url: str) -> TransportError:
    return TransportError(
        f"the request to {url} was not sent: a header name or value is not valid HTTP "
        "(control characters, or not Latin-1)",
        sent=False,
    )


def _inflate(data: bytes, encoding: str, limit: int, status: int, request_id: str | None) -> bytes:
    parts: list[bytes] = []
    total = 0
    for piece in _Inflater(encoding).feed(data, min(limit + 1, _READ_SIZE * 16)):
        total += len(piece)
        if total > limit:
            raise _Failure(_over_limit(limit, status, request_id))
        parts.append(piece)
    return b"".join(parts)
