"""The httpx-facing pieces: endpoint parsing, pool settings, error translation."""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs
import httpx

from . import _constants as C
from .errors import (
    ConfigurationError,
    ConnectError,
    RequestTimeoutError,
    TransportError,
)


@attrs.frozen
class Endpoint:
    """Where requests go: ``url`` to post to and the ``host`` that is signed."""

    url: str
    host: str


def resolve_endpoint(endpoint: str | None, default_host: str) -> Endpoint:
    """Accept a bare host, or an http(s) URL; default to the service's host.

    Plain http is only ever used when explicitly asked for (local emulators).
    """
    if endpoint is None:
        return Endpoint(f"https://{default_host}/", default_host)
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise ConfigurationError("endpoint must be a non-empty string")
    text = endpoint.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"endpoint {endpoint!r}: scheme must be http or https")
    if not parts.hostname:
        raise ConfigurationError(f"endpoint {endpoint!r} has no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigurationError(f"endpoint {endpoint!r}: API 3.0 requests always go to '/'")
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"endpoint {endpoint!r} has an invalid port") from None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default_port = 443 if parts.scheme == "https" else 80
    if port is not None and port != default_port:
        host = f"{host}:{port}"
    return Endpoint(f"{parts.scheme}://{host}/", host)


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
