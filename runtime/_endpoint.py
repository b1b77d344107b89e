"""Where requests go: parse the endpoint option into the URL and the signed host."""

from __future__ import annotations

from typing import NamedTuple

from ._transport import shown_url
from .errors import ConfigurationError


class Endpoint(NamedTuple):
    """Where requests go: ``url`` to post to and the ``host`` that is signed."""

    url: str
    host: str


def resolve_endpoint(endpoint: str | None, default_host: str) -> Endpoint:
    """Accept a bare host, or an http(s) URL; default to the service's host.

    Plain http is only ever used when explicitly asked for (local emulators).
    """
    if endpoint is None:
        return Endpoint(f"https://{default_host}/", default_host)
    from urllib.parse import urlsplit  # noqa: PLC0415 - keeps `import tcapi` light

    if not isinstance(endpoint, str) or not endpoint.strip():
        raise ConfigurationError("endpoint must be a non-empty string")
    text = endpoint.strip()
    shown = shown_url(text)
    if not text.isascii() or not text.isprintable() or any(c.isspace() for c in text):
        raise ConfigurationError(
            f"endpoint {shown!r} has whitespace, control or non-ASCII characters "
            "(an IDN host goes in its xn-- form)"
        )
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:  # a bad IPv6 literal or port: say which, never the URL's password
        what = "an invalid port" if "port" in str(exc).lower() else "an invalid host"
        raise ConfigurationError(f"endpoint {shown!r} has {what}") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"endpoint {shown!r}: scheme must be http or https")
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            f"endpoint {shown!r} has user information (user:password@): API 3.0 "
            "endpoints take none (a proxy's credentials go in proxy=)"
        )
    if not parts.hostname:
        raise ConfigurationError(f"endpoint {shown!r} has no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigurationError(f"endpoint {shown!r}: API 3.0 requests always go to '/'")
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default_port = 443 if parts.scheme == "https" else 80
    if port is not None and port != default_port:
        host = f"{host}:{port}"
    return Endpoint(f"{parts.scheme}://{host}/", host)
