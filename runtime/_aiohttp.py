"""The default asyncio transport: one aiohttp ``ClientSession`` per transport.

Nothing here imports aiohttp until the first request: building a client costs no
network-library import and no SSL work (aiohttp builds two SSL contexts of its
own when it is imported). What the transport does, and why:

* **Session lifecycle.** The session (with its ``TCPConnector`` keep-alive pool)
  is made inside the running event loop on first use, so a transport built in a
  synchronous constructor works under ``asyncio.run`` later. Each event loop that
  uses the transport gets its own session; when one is found whose loop has been
  closed (``asyncio.run`` called twice with one client), its sockets are closed
  directly, since no loop is left to close them. A child of ``os.fork()`` opens
  its own session on first use and never touches the parent's (their sockets and
  the epoll set are shared with the parent).
* **Bounds.** ``read_timeout`` is a wall-clock bound on one answer: a deadline
  armed when the connection is obtained (a hook in the connector) covers writing
  the request and reading the answer's headers and body, however slowly a server
  drips it. The body is capped at ``max_body`` bytes while it is read (a
  Content-Length over the cap fails before reading). tcapi sends
  ``Accept-Encoding: identity`` and aiohttp's decompression is off; a server
  that compresses anyway (gzip, deflate) is decoded by tcapi, never to more than
  ``max_body`` bytes. Header lines are capped at 8190 bytes and 128 headers
  (aiohttp's parser limits, set explicitly). An event stream's body
  (``chunks()``) has ``read_timeout`` per read instead of in total.
* **Errors.** Every failure is one of tcapi's typed errors, ``sent`` derived from
  whether a connection had been obtained and the request written (see
  ``_transport``); messages name the URL and the exception class and never copy
  aiohttp's text (its exceptions' reprs hold the request's headers), and they
  are raised outside the ``except``, so no aiohttp exception rides along as their
  context. ``asyncio.CancelledError`` propagates untouched and the connection is
  dropped. aiohttp's loggers never see a header: ``aiohttp.client`` logs only
  ``.netrc`` problems (``trust_env`` is off) and errors from closing sockets.
* **Proxies** are resolved once, when the transport is built: ``proxy=`` wins,
  else (``trust_env``) ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` and
  ``NO_PROXY``, either case, as requests and httpx read them. aiohttp's own
  ``trust_env`` is off: it reads the environment and ``~/.netrc`` in a thread on
  every request, ignores ``ALL_PROXY`` and logs proxy URLs. Proxy credentials go
  into a ``Proxy-Authorization`` header, never into aiohttp's URLs or connection
  keys, so no repr or log line carries them.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import os
import zlib
from collections.abc import AsyncIterator, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Final, NamedTuple
from urllib.parse import unquote, urlsplit

from . import _constants as C
from ._fork import fork_safe_lock
from ._redact import Redacted
from ._tls import check_ca_bundle, ssl_context
from ._transport import EVENT_STREAM, Reply, Timeouts, TransportSettings, is_event_stream, shown_url
from .errors import (
    ConfigurationError,
    ConnectError,
    RequestTimeoutError,
    ResponseError,
    TencentCloudError,
    TransportError,
)

if TYPE_CHECKING:
    import ssl

    import aiohttp
    from yarl import URL

__all__ = ["AiohttpAnswer", "AiohttpTransport", "Proxy", "env_proxy", "ssl_context"]

MAX_LINE_SIZE: Final = 8190
"""The longest status or header line read, in bytes (aiohttp's default)."""
MAX_FIELD_SIZE: Final = 8190
"""The longest header (name and value) read, in bytes (aiohttp's default)."""
MAX_HEADERS: Final = 128
"""The most header lines an answer may have (aiohttp's default)."""
KEEPALIVE_TIMEOUT: Final = 15.0
"""Seconds an idle connection is kept for reuse (aiohttp's default)."""

_DEFAULT_HEADERS: Final = {"Accept-Encoding": "identity"}
# The client sends its own User-Agent; tcapi wants no compression (see above).
_SKIP_AUTO_HEADERS: Final = ("User-Agent", "Accept-Encoding")


# --------------------------------------------------------------------------- TLS

# --------------------------------------------------------------------------- proxies


class Proxy(NamedTuple):
    """A proxy to use: its URL without credentials, the ``Proxy-Authorization``
    value they make (None without), and where it came from (for messages)."""

    url: str
    authorization: str | None
    source: str

    def __repr__(self) -> str:
        auth = ", authorization=<redacted>" if self.authorization else ""
        return f"Proxy(url={self.url!r}{auth}, source={self.source!r})"


def _env_proxies(environ: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{scheme: url, "no": hosts}`` from ``*_proxy`` variables, as
    ``urllib.request.getproxies_environment`` reads them (lowercase wins over
    uppercase; ``HTTP_PROXY`` is ignored in a CGI request), without importing it."""
    items = list(environ)
    proxies: dict[str, str] = {}
    for name, value in items:  # any case first ...
        low = name.lower()
        if value and low.endswith("_proxy"):
            proxies[low[:-6]] = value
    if "REQUEST_METHOD" in os.environ:
        proxies.pop("http", None)
    for name, value in items:  # ... then those spelt "..._proxy", which win
        if name.endswith("_proxy"):
            name = name.lower()  # noqa: PLW2901
            if value:
                proxies[name[:-6]] = value
            else:
                proxies.pop(name[:-6], None)
    return proxies


def _no_proxy(host: str, port: int | None, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` exempts ``host``: ``*``; a domain (with or without a
    leading ``.`` or ``*.``) matching the host or a parent domain of it; an IP
    address or CIDR network; each optionally with ``:port``."""
    host = host.lower().strip("[]").rstrip(".")
    ip: Any = None
    for raw in no_proxy.replace(" ", ",").split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        entry_port: int | None = None
        if entry.startswith("["):  # [v6]:port
            addr, _, rest = entry[1:].partition("]")
            entry = addr
            if rest.startswith(":") and rest[1:].isdigit():
                entry_port = int(rest[1:])
        elif entry.count(":") == 1:
            name, _, p = entry.partition(":")
            if p.isdigit():
                entry, entry_port = name, int(p)
        if entry_port is not None and entry_port != port:
            continue
        if entry[0].isdigit() or ":" in entry:  # an IP address or network?
            import ipaddress  # noqa: PLC0415

            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                pass  # a domain after all (1password.com)
            else:
                if ip is None:
                    try:
                        ip = ipaddress.ip_address(host)
                    except ValueError:
                        ip = False
                if ip is not False and ip in network:
                    return True
                continue
        domain = entry.removeprefix("*").lstrip(".").rstrip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def _split_proxy(raw: str, source: str) -> Proxy:
    """Checks a proxy URL and moves its credentials into a header value."""
    value = raw.strip()
    if "://" not in value:
        value = "http://" + value  # requests and httpx read "host:3128" so
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"{source}: not a proxy URL") from None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in ("http", "https") or not host:
        raise ConfigurationError(
            f"{source}: the proxy scheme {scheme!r} is not supported (http:// or https://"
            " proxies are; trust_env=False ignores the environment's)"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    authorization = None
    if parts.username is not None or parts.password is not None:
        user = unquote(parts.username or "")
        password = unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        authorization = f"Basic {token}"
    return Proxy(f"{scheme}://{netloc}", authorization, source)


def env_proxy(url: str, environ: Iterable[tuple[str, str]] | None = None) -> Proxy | None:
    """The proxy the environment names for ``url``, None when there is none or
    ``NO_PROXY`` exempts the host: ``HTTPS_PROXY`` for https, ``HTTP_PROXY`` for
    http, else ``ALL_PROXY``; either case (lowercase wins), as requests and httpx."""
    proxies = _env_proxies(os.environ.items() if environ is None else environ)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    raw = proxies.get(scheme)
    source = f"{scheme.upper()}_PROXY"
    if not raw:
        raw, source = proxies.get("all"), "ALL_PROXY"
    if not raw:
        return None
    no_proxy = proxies.get("no")
    if no_proxy and parts.hostname:
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            port = None
        if _no_proxy(parts.hostname, port, no_proxy):
            return None
    return _split_proxy(raw, f"the proxy in {source}")


# --------------------------------------------------------------------------- the transport


class _Attempt:
    """One request's state, reached from the connector through a context variable.

    Once a connection is obtained the connector arms the answer's wall-clock
    deadline: a timer that cancels the task, as ``asyncio.timeout`` does (without
    its per-call overhead); ``expired`` tells that cancellation from the caller's
    own, which propagates untouched."""

    __slots__ = (
        "cancelling",
        "connected",
        "deadline",
        "expired",
        "handle",
        "read",
        "task",
        "undone",
        "until",
    )

    def __init__(self, read: float, task: asyncio.Task[Any], until: float | None = None) -> None:
        self.read = read
        self.until = until
        """The call's deadline (``time.monotonic()``, the loop's clock), if any."""
        self.task = task
        self.cancelling = task.cancelling()
        self.connected = False
        self.expired = False
        self.undone = False
        self.deadline: float | None = None
        self.handle: asyncio.TimerHandle | None = None

    def arm(self, loop: asyncio.AbstractEventLoop) -> None:
        self.connected = True
        deadline = loop.time() + self.read
        until = self.until
        if until is not None and until < deadline:
            deadline = until
        self.deadline = deadline
        self.handle = loop.call_at(deadline, self._expire)

    def _expire(self) -> None:
        self.expired = True
        self.task.cancel()

    def undo(self) -> bool:
        """Takes back the deadline's cancellation; True when no other is pending
        (the CancelledError was the deadline's alone)."""
        if not self.expired or self.undone:
            return False
        self.undone = True
        return self.task.uncancel() <= self.cancelling

    def disarm(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None
        if self.expired:
            self.undo()


_library: str | None = None


def library() -> str:
    """``aiohttp/<version>`` for the User-Agent, without importing aiohttp."""
    global _library  # noqa: PLW0603
    if _library is None:
        from importlib.metadata import version  # noqa: PLC0415

        _library = f"aiohttp/{version('aiohttp')}"
    return _library


_ATTEMPT: Final[contextvars.ContextVar[_Attempt | None]] = contextvars.ContextVar(
    "tcapi_aiohttp_attempt", default=None
)

_connector_class: type[aiohttp.TCPConnector] | None = None


def _connector_type() -> type[aiohttp.TCPConnector]:
    """A TCPConnector that arms the current attempt's answer deadline as soon as it
    hands out a connection (pooled or new): ``read_timeout`` then bounds writing the
    request and reading the whole answer, not the connect (``connect_timeout`` does)."""
    global _connector_class  # noqa: PLW0603
    if _connector_class is not None:
        return _connector_class
    import aiohttp  # noqa: PLC0415

    class Connector(aiohttp.TCPConnector):
        async def connect(
            self, req: Any, traces: Any, timeout: aiohttp.ClientTimeout
        ) -> aiohttp.connector.Connection:
            connection = await super().connect(req, traces, timeout)
            attempt = _ATTEMPT.get()
            if attempt is not None and attempt.handle is None:
                attempt.arm(self._loop)
            return connection

    _connector_class = Connector
    return Connector


def _close_on_dead_loop(session: aiohttp.ClientSession) -> None:
    """Closes a session whose event loop is closed (or idle): no loop will run its
    transports' callbacks, so their sockets are closed here, directly."""
    connector = session.connector
    session.detach()  # the session now counts as closed: no "Unclosed" warning
    if connector is None:
        return
    with suppress(Exception):  # best effort: whatever is left, GC closes
        conns: Any = getattr(connector, "_conns", {})
        protocols = [proto for queue in conns.values() for proto, _ in queue]
        protocols += list(getattr(connector, "_acquired", ()))
        for proto in protocols:
            transport = getattr(proto, "transport", None)
            # Under TLS, asyncio's SSL transport wraps the socket's transport.
            ssl_protocol = getattr(transport, "_ssl_protocol", None)
            if ssl_protocol is not None:
                transport = getattr(ssl_protocol, "_transport", None)
            sock = getattr(transport, "_sock", None)
            if sock is not None:
                sock.close()
                transport._sock = None  # type: ignore[union-attr]  # closed: no ResourceWarning
    with suppress(Exception):
        connector._close()  # marks it closed; on a closed loop it touches nothing else


def _retire(session: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop) -> None:
    """Closes a session from outside its event loop."""
    if loop.is_closed():
        _close_on_dead_loop(session)
    elif loop.is_running():  # another thread's loop: close it there
        asyncio.run_coroutine_threadsafe(session.close(), loop)
    else:  # idle: unregister and schedule the closes; they finish when it runs again
        connector = session.connector
        session.detach()
        if connector is not None:
            with suppress(Exception):
                connector._close()


_forks = 0
"""How many times this process is a forked child: a transport whose count differs
was made in an ancestor, and opens its own sessions."""


def _after_fork_in_child() -> None:
    global _forks  # noqa: PLW0603
    _forks += 1


os.register_at_fork(after_in_child=_after_fork_in_child)


class AiohttpTransport:
    """POST a prepared request over a keep-alive aiohttp session; see the module."""

    def __init__(self, settings: TransportSettings) -> None:
        self._settings = settings
        self._display_url = shown_url(settings.url)
        self._https = settings.url[:6].lower() == "https:"
        self._max_body = settings.max_body
        check_ca_bundle(settings.verify)
        if settings.proxy:
            self._proxy: Proxy | None = _split_proxy(settings.proxy, "proxy=")
        elif settings.trust_env:
            self._proxy = env_proxy(settings.url)
        else:
            self._proxy = None
        proxy = self._proxy
        self._request_options: dict[str, Any] = {"allow_redirects": False}
        self._plain_proxy_auth: str | None = None
        if proxy is not None:
            self._request_options["proxy"] = proxy.url
            if proxy.authorization is not None:
                if self._https:  # sent with the CONNECT
                    self._request_options["proxy_headers"] = {
                        "Proxy-Authorization": proxy.authorization
                    }
                else:  # sent to the proxy with the request itself
                    self._plain_proxy_auth = Redacted(proxy.authorization)
        self._timeouts: dict[tuple[tuple[float, float] | None, bool], aiohttp.ClientTimeout] = {}
        self._read_timeout = settings.read_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: aiohttp.ClientSession | None = None
        self._url: URL | None = None
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}
        self._forks = _forks
        self._inherited: list[object] = []  # the parent's sessions and connectors: kept
        self._lock = fork_safe_lock(self)
        self.is_closed = False

    def __repr__(self) -> str:
        via = f" via {self._proxy.url}" if self._proxy is not None else ""
        return f"<AiohttpTransport {self._display_url}{via}>"

    # ----------------------------------------------------------------- session

    def _session_for(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        """The running loop's session, opened on first use (after a fork, in a new loop)."""
        with self._lock:
            if self.is_closed:
                raise TransportError(f"the transport for {self._display_url} is closed", sent=False)
            if self._forks != _forks:
                # A forked child: the parent's sessions share their sockets and the
                # epoll instance with the parent, where closing a transport would
                # unregister the parent's sockets. So they are kept, never closed
                # nor collected, and their connectors marked closed (a collected
                # connector closes its connections; a marked one does not).
                for inherited in self._sessions.values():
                    connector = inherited.connector
                    inherited.detach()
                    if connector is not None:
                        connector._closed = True
                    self._inherited.append((inherited, connector))
                self._sessions.clear()
                self._forks = _forks
            for other in [lp for lp in self._sessions if lp.is_closed()]:
                _close_on_dead_loop(self._sessions.pop(other))
            session = self._sessions.get(loop)
            if session is None:
                session = self._sessions[loop] = self._new_session()
            self._loop, self._session = loop, session
            return session

    def _new_session(self) -> aiohttp.ClientSession:
        import aiohttp  # noqa: PLC0415
        from yarl import URL  # noqa: PLC0415

        s = self._settings
        tls: ssl.SSLContext | bool = (
            ssl_context(s.verify) if (self._https and s.verify is not False) else False
        )
        if self._url is None:
            # "https://host" is POSTed to "/": say so, also to a proxy (absolute form)
            parts = urlsplit(s.url)
            self._url = URL(s.url if parts.path else parts._replace(path="/").geturl())
        connector = _connector_type()(
            ssl=tls,
            limit=C.DEFAULT_MAX_CONNECTIONS,
            limit_per_host=0,
            keepalive_timeout=KEEPALIVE_TIMEOUT,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers=_DEFAULT_HEADERS,
            skip_auto_headers=_SKIP_AUTO_HEADERS,
            auto_decompress=False,
            trust_env=False,
            requote_redirect_url=False,
            max_line_size=MAX_LINE_SIZE,
            max_field_size=MAX_FIELD_SIZE,
            max_headers=MAX_HEADERS,
        )

    def _timeout(self, timeout: Timeouts | None, stream: bool) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for a call: ``connect`` bounds the pool wait and the
        connect (with a proxy's CONNECT and the TLS handshake), ``sock_connect``
        each connect attempt; the answer's wall-clock bound is tcapi's own deadline,
        and a stream's body (not bounded in total) gets ``sock_read`` per read."""
        key = (None if timeout is None else (timeout.connect, timeout.read), stream)
        found = self._timeouts.get(key)
        if found is None:
            import aiohttp  # noqa: PLC0415

            connect, read = (timeout or self._settings.timeouts)[:2]
            found = aiohttp.ClientTimeout(
                total=None,
                connect=connect,
                sock_connect=connect,
                sock_read=read if stream else None,
            )
            if len(self._timeouts) > 16:
                self._timeouts.clear()
            self._timeouts[key] = found
        return found

    # ----------------------------------------------------------------- requests

    async def post(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> Reply:
        """(status, body, Retry-After); the body is None, unread, when the answer is
        an event stream."""
        task = asyncio.current_task()
        assert task is not None, "call it from a task"
        loop = task.get_loop()
        session = self._session
        if loop is not self._loop or session is None or self._forks != _forks:
            session = self._session_for(loop)
        if self._plain_proxy_auth is not None:
            headers = {**headers, "Proxy-Authorization": self._plain_proxy_auth}
        attempt = (
            _Attempt(self._read_timeout, task)
            if timeout is None
            else _Attempt(timeout.read, task, timeout.deadline)
        )
        token = _ATTEMPT.set(attempt)
        try:
            response = await session.request(
                "POST",
                self._url,  # type: ignore[arg-type]
                data=body,
                headers=headers,
                timeout=self._timeout(timeout, False),
                **self._request_options,
            )
            try:
                status = response.status
                fields = response.headers
                content_type = fields.get("Content-Type")
                if content_type is not None and content_type.startswith(EVENT_STREAM):
                    return status, None, fields.get("Retry-After")
                return status, await self._read(response), fields.get("Retry-After")
            finally:
                response.release()
        except TencentCloudError:
            raise
        except asyncio.CancelledError:
            if not attempt.undo():
                raise  # the caller's: untouched
            error: TencentCloudError = self._late(attempt)
        except Exception as exc:
            error = self._late(attempt) if attempt.expired else self._error(exc, attempt)
        finally:
            _ATTEMPT.reset(token)
            attempt.disarm()
        # Raised here, outside the except: the error carries no aiohttp exception
        # (nor its frames, whose locals hold the request) as its context.
        raise error

    async def open(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> AiohttpAnswer:
        """Send, and return once the answer's headers are in (its body unread)."""
        task = asyncio.current_task()
        assert task is not None, "call it from a task"
        loop = task.get_loop()
        session = self._session
        if loop is not self._loop or session is None or self._forks != _forks:
            session = self._session_for(loop)
        if self._plain_proxy_auth is not None:
            headers = {**headers, "Proxy-Authorization": self._plain_proxy_auth}
        attempt = (
            _Attempt(self._read_timeout, task)
            if timeout is None
            else _Attempt(timeout.read, task, timeout.deadline)
        )
        token = _ATTEMPT.set(attempt)
        try:
            response = await session.request(
                "POST",
                self._url,  # type: ignore[arg-type]
                data=body,
                headers=headers,
                timeout=self._timeout(timeout, True),
                **self._request_options,
            )
        except TencentCloudError:
            raise
        except asyncio.CancelledError:
            if not attempt.undo():
                raise  # the caller's: untouched
            error: TencentCloudError = self._late(attempt)
        except Exception as exc:
            error = self._late(attempt) if attempt.expired else self._error(exc, attempt)
        else:
            return AiohttpAnswer(self, response, attempt)
        finally:
            _ATTEMPT.reset(token)
            attempt.disarm()
        raise error

    def _late(self, attempt: _Attempt) -> RequestTimeoutError:
        return RequestTimeoutError(
            f"no complete answer from {self._display_url} within the read timeout of "
            f"{attempt.read:g}s (the answer's wall-clock bound)",
            sent=True,
        )

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        """The whole body, at most ``max_body`` bytes (checked before reading when
        the answer says its length, else while reading), decoded when a server
        compressed it anyway (gzip, deflate), within the same bound."""
        limit = self._max_body
        length = response.content_length
        if length is not None:
            if length > limit:
                raise self._too_large(response)
            body = await response.read()
        else:
            parts: list[bytes] = []
            size = 0
            content = response.content
            while chunk := await content.readany():
                size += len(chunk)
                if size > limit:
                    raise self._too_large(response)
                parts.append(chunk)
            body = b"".join(parts)
        encoding = response.headers.get("Content-Encoding")
        if encoding is not None and body:
            inflater = self._inflater(encoding, response)
            if inflater is not None:
                body = self._inflate(inflater, body, response)
        return body

    def _inflater(self, encoding: str, response: aiohttp.ClientResponse) -> _Inflater | None:
        encoding = encoding.strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            return _Inflater(encoding, self._max_body)
        return None  # identity, or one tcapi cannot decode: handed on as it came

    def _inflate(self, inflater: _Inflater, data: bytes, response: aiohttp.ClientResponse) -> bytes:
        try:
            return inflater.feed(data)
        except _Oversize:
            raise self._too_large(response, decoded=True) from None
        except zlib.error:
            response.close()
            raise ResponseError(
                f"the compressed answer from {self._display_url} could not be decoded (zlib.error)",
                status=response.status,
                request_id=response.headers.get("X-TC-RequestId"),
            ) from None

    def _too_large(self, response: aiohttp.ClientResponse, decoded: bool = False) -> ResponseError:
        response.close()  # the rest is never read: drop the connection
        what = " once decompressed" if decoded else ""
        return ResponseError(
            f"the answer from {self._display_url} is larger{what} than the max_body limit "
            f"of {self._max_body} bytes",
            status=response.status,
            request_id=response.headers.get("X-TC-RequestId"),
        )

    def _error(self, exc: BaseException, attempt: _Attempt) -> TencentCloudError:
        """tcapi's typed error for an aiohttp/asyncio/ssl/socket failure (see _transport)."""
        import aiohttp  # noqa: PLC0415

        url, name = self._display_url, type(exc).__name__
        proxy = self._proxy
        if isinstance(exc, aiohttp.ConnectionTimeoutError) or (
            isinstance(exc, TimeoutError) and not attempt.connected
        ):
            via = f" through the proxy {proxy.url}" if proxy is not None else ""
            return ConnectError(f"timed out connecting to {url}{via} ({name})")
        if isinstance(exc, TimeoutError):
            return RequestTimeoutError(
                f"no answer from {url} within the read timeout of {attempt.read:g}s ({name})",
                sent=True,
            )
        if isinstance(exc, aiohttp.ClientHttpProxyError):
            return ConnectError(
                f"the proxy {_proxy_url(proxy)} refused the connection to {url} "
                f"({name}: HTTP {exc.status})"
            )
        if isinstance(exc, aiohttp.ClientProxyConnectionError):
            return ConnectError(
                f"could not connect to the proxy {_proxy_url(proxy)} for {url} "
                f"({name}{_os_reason(exc)})"
            )
        if isinstance(exc, aiohttp.ClientConnectorCertificateError):
            reason = getattr(exc.certificate_error, "verify_message", "") or ""
            return ConnectError(
                f"the TLS certificate of {url} was not accepted ({name}"
                f"{': ' + reason if reason else ''})"
            )
        if isinstance(exc, aiohttp.ClientSSLError) or (
            not attempt.connected and _is_ssl_error(exc)
        ):
            return ConnectError(f"the TLS handshake with {url} failed ({name}{_os_reason(exc)})")
        if isinstance(exc, aiohttp.ClientConnectorDNSError):
            return ConnectError(f"could not resolve the host of {url} ({name}{_os_reason(exc)})")
        if isinstance(exc, aiohttp.ClientConnectorError) or not attempt.connected:
            return ConnectError(f"could not connect to {url} ({name}{_os_reason(exc)})")
        # A connection was obtained: the request may have been (partly) written.
        if isinstance(exc, aiohttp.ClientResponseError):
            # The parser's error, under aiohttp's HttpProcessingError copy of it.
            cause: BaseException | None = exc
            for _ in range(3):
                if cause is None or cause.__cause__ is None:
                    break
                cause = cause.__cause__
            cause_name = type(cause).__name__
            message = str(getattr(cause, "message", ""))
            if isinstance(cause, aiohttp.http_exceptions.LineTooLong):
                return ResponseError(
                    f"an answer header from {url} is longer than {MAX_FIELD_SIZE} bytes "
                    f"({cause_name})"
                )
            if "Too many headers" in message:
                return ResponseError(
                    f"the answer from {url} has more than {MAX_HEADERS} headers ({cause_name})"
                )
            return TransportError(f"the answer from {url} is not valid HTTP ({cause_name})")
        if isinstance(exc, aiohttp.ClientPayloadError):
            return TransportError(f"the answer from {url} was cut off ({name})")
        if isinstance(exc, aiohttp.ServerDisconnectedError):
            return TransportError(f"{url} closed the connection before answering ({name})")
        if isinstance(exc, aiohttp.ClientOSError) and isinstance(
            exc.__cause__, aiohttp.ClientConnectionResetError
        ):
            # aiohttp could not write the request: the (reused) connection was
            # already closing. The server has no complete request to act on.
            return TransportError(
                f"the connection to {url} closed before the request was written ({name})",
                sent=False,
            )
        if isinstance(exc, ValueError | TypeError):
            # aiohttp refuses a header value (CR/LF, not latin-1) before writing it.
            return TransportError(
                f"could not send the request to {url}: a header is not valid ({name})",
                sent=False,
            )
        if isinstance(exc, OSError):
            return TransportError(f"the connection to {url} broke ({name}{_os_reason(exc)})")
        return TransportError(f"HTTP exchange with {url} failed ({name})")

    async def aclose(self) -> None:
        """Close every session (and connector) this transport opened in this process
        (a forked child leaves the parent's alone)."""
        with self._lock:
            self.is_closed = True
            sessions = list(self._sessions.items())
            self._sessions.clear()
            self._loop = self._session = None
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, session in sessions:
            if loop is running:
                await session.close()
            else:
                _retire(session, loop)


def _proxy_url(proxy: Proxy | None) -> str:
    return proxy.url if proxy is not None else "<none>"


def _os_reason(exc: BaseException) -> str:
    """``: <strerror>`` of the OS error under an aiohttp error, if any."""
    reason = getattr(exc, "strerror", None)
    if not reason:
        os_error = getattr(exc, "os_error", None)
        reason = getattr(os_error, "strerror", None)
    return f": {reason}" if isinstance(reason, str) and reason else ""


def _is_ssl_error(exc: BaseException) -> bool:
    import ssl  # noqa: PLC0415

    return isinstance(exc, ssl.SSLError | ssl.CertificateError)


class _Oversize(Exception):
    """Decoding would pass ``max_body``."""


class _Inflater:
    """Decodes a gzip or deflate body, never to more than ``limit`` bytes in all."""

    __slots__ = ("_done", "_limit", "_obj", "_probe", "_size")

    def __init__(self, encoding: str, limit: int) -> None:
        self._probe = encoding == "deflate"  # zlib-wrapped by the RFC, raw by some servers
        self._obj = zlib.decompressobj(zlib.MAX_WBITS if self._probe else 16 + zlib.MAX_WBITS)
        self._limit = limit
        self._size = 0
        self._done = False

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of the next piece of the body (raises _Oversize, zlib.error)."""
        obj = self._obj
        if self._probe and data:
            self._probe = False
            if not (data[0] & 0x0F == 8 and (len(data) < 2 or (data[0] << 8 | data[1]) % 31 == 0)):
                obj = self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        out: list[bytes] = []
        while data and not self._done:
            # At most one byte over the limit: enough to know it was passed.
            piece = obj.decompress(data, self._limit + 1 - self._size)
            self._size += len(piece)
            if self._size > self._limit:
                raise _Oversize
            out.append(piece)
            data = obj.unconsumed_tail
            if obj.eof:
                data = obj.unused_data
                if not data.strip(b"\0"):
                    self._done = True  # whatever follows the end is not body
                else:  # a gzip body may have several members
                    obj = self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return b"".join(out)


class AiohttpAnswer:
    """An answer whose body has not been read (a stream call's response).

    ``read()`` finishes within the answer's wall-clock deadline (``read_timeout``
    from when the connection was obtained); ``chunks()`` has a ``read_timeout`` per
    read instead, since a stream may rightly last longer (the client's
    ``total_timeout`` bounds it), and its total is capped at ``max_body`` bytes too."""

    def __init__(
        self,
        transport: AiohttpTransport,
        response: aiohttp.ClientResponse,
        attempt: _Attempt,
    ) -> None:
        self._transport = transport
        self._response = response
        self._attempt = attempt
        self.status: int = response.status
        self.is_event_stream = is_event_stream(response.headers.get("Content-Type"))
        self.request_id: str | None = response.headers.get("X-TC-RequestId")

    async def read(self) -> bytes:
        transport = self._transport
        try:
            async with asyncio.timeout_at(self._attempt.deadline):
                return await transport._read(self._response)
        except TencentCloudError:
            raise
        except TimeoutError:
            error: TencentCloudError = transport._late(self._attempt)
        except Exception as exc:
            error = transport._error(exc, self._attempt)
        finally:
            self._response.release()
        raise error

    async def chunks(self) -> AsyncIterator[bytes]:
        transport = self._transport
        response = self._response
        limit, size = transport._max_body, 0
        content = response.content
        encoding = response.headers.get("Content-Encoding")
        inflater = transport._inflater(encoding, response) if encoding else None
        try:
            while chunk := await content.readany():
                size += len(chunk)
                if size > limit:
                    raise transport._too_large(response)
                if inflater is not None:
                    chunk = transport._inflate(inflater, chunk, response)
                    if not chunk:
                        continue
                yield chunk
        except TencentCloudError:
            response.close()
            raise
        except Exception as exc:
            response.close()
            error = transport._error(exc, self._attempt)
        except BaseException:  # cancelled, or the consumer left: drop the connection
            response.close()
            raise
        else:
            return
        raise error

    async def close(self) -> None:
        """Release the connection (dropped unless the body was read to its end)."""
        self._response.release()


if TYPE_CHECKING:
    from ._transport import AsyncAnswer, AsyncTransport

    def _conforms(t: AiohttpTransport, a: AiohttpAnswer) -> tuple[AsyncTransport, AsyncAnswer]:
        return t, a  # mypy checks both against the seam's protocols
