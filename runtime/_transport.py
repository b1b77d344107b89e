"""The seam between the clients and an HTTP library: what a transport is given,
what it returns, and which typed errors it raises. No HTTP library is imported here.

A transport POSTs one prepared request (headers and body already signed) to the
client's URL and answers with ``(status, body, retry_after)``; ``body`` is None,
unread, when the answer is an event stream (``text/event-stream``), which only
``open()`` reads; ``retry_after`` is the answer's ``Retry-After`` header as sent
(None without one). Implementations: ``_urllib3`` (sync default), ``_aiohttp`` (async
default), ``_http`` (httpx: a caller's own ``http_client=``).

Every failure is one of tcapi's typed errors, never the library's:

* :class:`~tcapi.errors.ConnectError` — no connection (refused, unreachable, DNS,
  connect timeout, proxy refused, TLS handshake failed): nothing was sent;
* :class:`~tcapi.errors.RequestTimeoutError` — ``sent=False`` when the request
  could not be written in time, ``sent=True`` when the answer did not come in time;
* :class:`~tcapi.errors.TransportError` — the exchange broke; ``sent`` says
  whether the server may have the request (a reset after the request was written,
  a body cut off: True);
* :class:`~tcapi.errors.ResponseError` — the answer broke a limit: a body over
  ``max_body`` bytes (also after decompression), too many or too large headers.

Messages name the URL and the library's exception class, never header values
(they carry the Authorization and the token).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Final, NamedTuple, Protocol, TypeAlias

EVENT_STREAM: Final = "text/event-stream"
DEFAULT_MAX_BODY: Final = 64 * 1024 * 1024
"""The largest answer body a client reads: 64 MiB (the largest documented answers
of the catalog are far smaller; configurable per client)."""


class Timeouts(NamedTuple):
    """Seconds: to connect, and to wait for the answer (also a wall-clock bound on
    reading one answer's headers and body). ``deadline`` (a ``time.monotonic()``
    instant) ends the attempt wherever it is, connecting or reading: the call's
    ``total_timeout``."""

    connect: float
    read: float
    deadline: float | None = None


Reply: TypeAlias = tuple[int, bytes | None, str | None]
"""What ``post()`` returns: (status, body or None for an event stream, Retry-After)."""


class TransportSettings(NamedTuple):
    """How a client's transport connects; fixed when the client is built."""

    url: str
    connect_timeout: float
    read_timeout: float
    verify: bool | str
    """True (the system/certifi CAs), False (no verification) or a CA bundle path."""
    proxy: str | None
    """An explicit proxy URL; None: the environment's (``HTTPS_PROXY`` …) when
    ``trust_env``, else none."""
    max_body: int = DEFAULT_MAX_BODY
    trust_env: bool = True

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(self.connect_timeout, self.read_timeout)

    def __repr__(self) -> str:
        proxy = None if self.proxy is None else shown_url(self.proxy)
        return (
            f"TransportSettings(url={self.url!r}, connect_timeout={self.connect_timeout!r}, "
            f"read_timeout={self.read_timeout!r}, verify={self.verify!r}, proxy={proxy!r}, "
            f"max_body={self.max_body!r}, trust_env={self.trust_env!r})"
        )


def shown_url(url: str) -> str:
    """``url`` fit for a message or a repr: a password in it becomes ``***``
    (``http://user:***@host:3128``), with or without a scheme. The one place the
    endpoint, proxy and transport messages hide URL passwords."""
    scheme, sep, rest = url.rpartition("://")
    authority = rest.split("/", 1)[0]
    userinfo, at, _ = authority.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{rest[len(userinfo) + 1 :]}"


CA_BUNDLE_VARIABLES: Final = (
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_DIR",
)
"""Where ``verify=True`` finds a CA bundle other than the default one, first set wins
(as OpenSSL, requests, curl and httpx read them), unless ``trust_env=False``."""


def ca_bundle_from_env() -> str | None:
    """The CA bundle (file or directory) the environment names, if any; one that does
    not exist is a ConfigurationError naming the variable."""
    import os  # noqa: PLC0415

    for name in CA_BUNDLE_VARIABLES:
        value = os.environ.get(name, "").strip()
        if not value:
            continue
        if not os.path.exists(value):
            from .errors import ConfigurationError  # noqa: PLC0415

            raise ConfigurationError(
                f"{name}={value!r}: no CA bundle (file or directory) there; fix or unset "
                "it, or pass verify= (trust_env=False ignores it)"
            )
        return value
    return None


MAX_RETRY_AFTER: Final = 24 * 3600.0
"""Seconds: a longer ``Retry-After`` is taken as this (the policy's ``max_delay``
decides anyway)."""


def parse_retry_after(value: str) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds (``"3"``, also
    ``"1.5"``) or an HTTP-date; None when it is neither (then it is ignored)."""
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.replace(".", "", 1).isdigit():
        seconds = float(text)
    else:
        import email.utils  # noqa: PLC0415 - dates are rare
        import time  # noqa: PLC0415

        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110: an HTTP-date is always GMT
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def is_event_stream(content_type: str | None) -> bool:
    return bool(content_type) and str(content_type).startswith(EVENT_STREAM)


class Answer(Protocol):
    """An answer whose body has not been read (a stream call's response)."""

    status: int
    is_event_stream: bool
    request_id: str | None
    """The ``X-TC-RequestId`` header, if any."""

    def read(self) -> bytes:
        """The whole body (bounded by ``max_body``), then the connection is released."""

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives; errors are tcapi's typed transport errors."""

    def close(self) -> None: ...


class AsyncAnswer(Protocol):
    status: int
    is_event_stream: bool
    request_id: str | None

    async def read(self) -> bytes: ...

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def close(self) -> None: ...


class SyncTransport(Protocol):
    is_closed: bool

    def post(self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None) -> Reply:
        """(status, body, Retry-After); None for an event stream's (unread) body."""

    def open(self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None) -> Answer:
        """Send, and return once the answer's headers are in."""

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    is_closed: bool

    async def post(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> Reply: ...

    async def open(
        self, headers: dict[str, str], body: bytes, timeout: Timeouts | None = None
    ) -> AsyncAnswer: ...

    async def aclose(self) -> None: ...
