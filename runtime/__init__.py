"""tcapi — a typed, sync and async SDK for Tencent Cloud API 3.0.

The runtime (this package) is shared by every service; each service lives in
its own generated subpackage, e.g. ``tcapi.mqtt``.
"""

from typing import TYPE_CHECKING

from ._constants import SDK_VERSION as __version__
from .breaker import CircuitBreaker
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
    RequestTimeoutError,
    ResponseError,
    TencentCloudError,
    TransportError,
)
from .retry import RetryEvent, RetryPolicy
from .throttle import Throttle

if TYPE_CHECKING:
    from .client import AsyncCommonClient, CommonClient
    from .streaming import AsyncEventStream, EventStream, ServerSentEvent

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


def __getattr__(name: str) -> object:
    # The clients load with the first one used: importing tcapi stays cheap.
    if name in ("CommonClient", "AsyncCommonClient"):
        from . import client  # noqa: PLC0415

        return getattr(client, name)
    if name in ("EventStream", "AsyncEventStream", "ServerSentEvent"):
        from . import streaming  # noqa: PLC0415

        return getattr(streaming, name)
    raise AttributeError(f"module 'tcapi' has no attribute {name!r}")
