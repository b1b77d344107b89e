"""tcapi — a typed, sync and async SDK for Tencent Cloud API 3.0.

The runtime (this package) is shared by every service; each service lives in
its own generated subpackage, e.g. ``tcapi.mqtt``.
"""

from typing import TYPE_CHECKING

from ._constants import SDK_VERSION as __version__

if TYPE_CHECKING:
    from .breaker import CircuitBreaker
    from .client import AsyncCommonClient, CommonClient
    from .credential_providers import (
        AssumeRoleProvider,
        CvmRoleProvider,
        TkeOidcProvider,
        WebIdentityProvider,
    )
    from .credentials import (
        Credential,
        CredentialProvider,
        CredentialSource,
        DefaultCredentialChain,
        EnvironmentProvider,
        ProfileFileProvider,
        RefreshableCredentialProvider,
        TccliProfileProvider,
        TemporaryCredential,
    )
    from .errors import (
        ApiError,
        ClientError,
        ConnectError,
        CredentialsError,
        InvalidParameterError,
        KeywordArgumentError,
        RequestTimeoutError,
        ResponseError,
        TencentCloudError,
        TransportError,
    )
    from .retry import RetryEvent, RetryPolicy
    from .streaming import AsyncEventStream, EventStream, ServerSentEvent
    from .throttle import Throttle

__all__ = [
    "ApiError",
    "AssumeRoleProvider",
    "AsyncCommonClient",
    "AsyncEventStream",
    "CircuitBreaker",
    "ClientError",
    "CommonClient",
    "ConnectError",
    "Credential",
    "CredentialProvider",
    "CredentialSource",
    "CredentialsError",
    "CvmRoleProvider",
    "DefaultCredentialChain",
    "EnvironmentProvider",
    "EventStream",
    "InvalidParameterError",
    "KeywordArgumentError",
    "ProfileFileProvider",
    "RefreshableCredentialProvider",
    "RequestTimeoutError",
    "ResponseError",
    "RetryEvent",
    "RetryPolicy",
    "ServerSentEvent",
    "TccliProfileProvider",
    "TemporaryCredential",
    "TencentCloudError",
    "Throttle",
    "TkeOidcProvider",
    "TransportError",
    "WebIdentityProvider",
    "__version__",
]


_HOMES = {
    "CircuitBreaker": "breaker",
    "AsyncCommonClient": "client",
    "CommonClient": "client",
    "AssumeRoleProvider": "credential_providers",
    "CvmRoleProvider": "credential_providers",
    "TkeOidcProvider": "credential_providers",
    "WebIdentityProvider": "credential_providers",
    "Credential": "credentials",
    "CredentialProvider": "credentials",
    "CredentialSource": "credentials",
    "DefaultCredentialChain": "credentials",
    "EnvironmentProvider": "credentials",
    "ProfileFileProvider": "credentials",
    "RefreshableCredentialProvider": "credentials",
    "TccliProfileProvider": "credentials",
    "TemporaryCredential": "credentials",
    "ApiError": "errors",
    "ClientError": "errors",
    "ConnectError": "errors",
    "CredentialsError": "errors",
    "InvalidParameterError": "errors",
    "KeywordArgumentError": "errors",
    "RequestTimeoutError": "errors",
    "ResponseError": "errors",
    "TencentCloudError": "errors",
    "TransportError": "errors",
    "RetryEvent": "retry",
    "RetryPolicy": "retry",
    "AsyncEventStream": "streaming",
    "EventStream": "streaming",
    "ServerSentEvent": "streaming",
    "Throttle": "throttle",
}
"""Where each public name lives: ``import tcapi`` (and so ``import tcapi.cvm``)
loads none of these modules; a name loads its module on first use (PEP 562)."""


_SUBMODULES = frozenset(
    {
        "breaker",
        "client",
        "credential_providers",
        "credentials",
        "errors",
        "model",
        "pagination",
        "retry",
        "schema",
        "signing",
        "streaming",
        "throttle",
        "waiters",
    }
)
"""The runtime's public modules, loaded on first use as ``tcapi.<module>`` too."""


def __getattr__(name: str) -> object:
    import importlib  # noqa: PLC0415

    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tcapi' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
