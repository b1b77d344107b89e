"""tcapi — a typed, sync and async SDK for Tencent Cloud API 3.0.

The runtime (this package) is shared by every service; each service lives in
its own generated subpackage, e.g. ``tcapi.mqtt``.
"""

from ._constants import SDK_VERSION as __version__
from .credentials import (
    Credential,
    CredentialProvider,
    DefaultCredentialChain,
    EnvironmentProvider,
    ProfileFileProvider,
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
from .retry import RetryPolicy

__all__ = [
    "ApiError",
    "ClientError",
    "ConnectError",
    "Credential",
    "CredentialProvider",
    "CredentialsError",
    "DefaultCredentialChain",
    "EnvironmentProvider",
    "InvalidParameterError",
    "ProfileFileProvider",
    "RequestTimeoutError",
    "ResponseError",
    "RetryPolicy",
    "TencentCloudError",
    "TransportError",
    "__version__",
]
