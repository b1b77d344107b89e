"""Where requests go: parse the endpoint option into the URL and the signed host."""

from __future__ import annotations

import attrs

from .errors import ConfigurationError


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
    from urllib.parse import urlsplit  # noqa: PLC0415 - keeps `import tcapi` light

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
