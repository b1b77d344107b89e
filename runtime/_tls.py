"""The SSL contexts of the transports: one per ``verify`` value, built at the first
https connection and shared by every transport (urllib3 and aiohttp alike) of the
process. A context costs ~15-20 ms and ~0.8 MiB; ``http://`` endpoints build none."""

from __future__ import annotations

import os
import ssl

from .errors import ConfigurationError

_SSL_CONTEXTS: dict[bool | str, ssl.SSLContext] = {}


def ssl_context(verify: bool | str) -> ssl.SSLContext:
    """The context for ``verify``: True (certifi's CAs if installed, else the system
    store), False (no verification) or a CA bundle file or directory."""
    context = _SSL_CONTEXTS.get(verify)
    if context is None:
        # Two threads or tasks may build one each at once: both are equal, one is kept.
        context = _SSL_CONTEXTS.setdefault(verify, _build(verify))
    return context


def check_ca_bundle(verify: bool | str) -> None:
    """A ``verify=<path>`` that does not exist is a ConfigurationError naming it
    (checked when a transport is built, before any connection)."""
    if isinstance(verify, str) and not os.path.exists(verify):
        raise ConfigurationError(f"verify={verify!r}: no CA bundle (file or directory) there")


def _build(verify: bool | str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, checks the hostname
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if verify is True:
        try:
            import certifi  # noqa: PLC0415 - only for the first https connection
        except ImportError:
            context.load_default_certs()
        else:
            context.load_verify_locations(cafile=certifi.where())
        return context
    check_ca_bundle(verify)
    try:
        if os.path.isdir(verify):
            context.load_verify_locations(capath=verify)
        else:
            context.load_verify_locations(cafile=verify)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        error = ConfigurationError(
            f"verify={verify!r}: the CA bundle could not be loaded ({type(exc).__name__})"
        )
    else:
        return context
    raise error  # outside the except: no library exception rides along
