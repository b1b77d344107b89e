"""The exception hierarchy shared by every tcapi service.

Every error a call raises is a :class:`TencentCloudError` with ``code``,
``message`` and ``request_id``.

* :class:`ApiError` — the server answered with an error envelope. Its class
  follows the dotted code: ``FailedOperation.InstanceNotReady`` is raised as a
  subclass of :class:`FailedOperation`, so ``except FailedOperation`` catches
  it. The common API 3.0 codes are defined here; each generated service adds
  its own codes in its ``errors`` module. A code no spec knows maps to its
  nearest known ancestor (else :class:`ApiError`) and keeps its full ``code``.
* :class:`ClientError` — nothing usable came back, or nothing was sent:
  bad parameters, missing credentials, network failures, timeouts, malformed
  responses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class TencentCloudError(Exception):
    """Base class of every error tcapi raises."""

    code: str
    message: str
    request_id: str | None
    outcome_unknown: bool = False
    """True when the request may have been processed although no answer says so
    (a read timeout, a reset after sending, a 5xx gateway page, ``InternalError``)
    and the action is not idempotent, so the client did not repeat it: check
    whether it took effect before calling it again."""
    retry_after: float | None = None
    """Seconds the answer asked the client to wait before trying again (its
    ``Retry-After`` header), if it said; the retry policy waits at least this long."""
    note: str | None = None
    """What the client adds about the call, e.g. why it was not retried; part of
    ``str()``. ``message`` stays exactly what the server (or transport) said."""

    def __init__(self, message: str, *, code: str | None = None, request_id: str | None = None):
        super().__init__(message)
        self.code = code if code is not None else type(self).default_code()
        self.message = message
        self.request_id = request_id

    @classmethod
    def default_code(cls) -> str:
        return cls.__name__

    def __str__(self) -> str:
        rid = f" (RequestId: {self.request_id})" if self.request_id else ""
        note = f"; {self.note}" if self.note else ""
        return f"[{self.code}] {self.message}{rid}{note}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"request_id={self.request_id!r})"
        )


# --------------------------------------------------------------------------- client side


class ClientError(TencentCloudError):
    """Something went wrong on this side of the wire (or on the wire)."""

    @classmethod
    def default_code(cls) -> str:
        return "ClientError." + cls.__name__.removesuffix("Error")


class InvalidParameterError(ClientError, ValueError):
    """A request parameter is missing, of the wrong type or out of range.

    Raised before anything is sent. ``field`` is the wire path of the
    offending member (``PropagatingProperties[0].Key``).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class KeywordArgumentError(InvalidParameterError, TypeError):
    """A generated method was called with unknown keyword arguments, or without
    required ones. Raised before anything is sent.

    Also a ``TypeError``, as Python's own error for such a call is. ``field`` is
    the first unknown name as given, else the wire name of the first missing
    member; ``unknown`` and ``missing`` list the python names given that the
    request does not have and the ones it requires that were not given (those
    a suggestion covers left out), ``suggestions`` maps an unknown name to the
    python name meant.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        unknown: Sequence[str] = (),
        missing: Sequence[str] = (),
        suggestions: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.unknown = tuple(unknown)
        self.missing = tuple(missing)
        self.suggestions = dict(suggestions or {})

    @classmethod
    def default_code(cls) -> str:
        return InvalidParameterError.default_code()


class CredentialsError(ClientError):
    """No usable credentials were found, or a provider failed."""


class ConfigurationError(ClientError, ValueError):
    """The client was configured with an unusable option (endpoint, region …)."""


class TransportError(ClientError):
    """The HTTP exchange failed. ``sent`` says whether the request may have
    reached the server (``False`` means it certainly did not)."""

    sent: bool = True

    def __init__(self, message: str, *, sent: bool = True) -> None:
        super().__init__(message)
        self.sent = sent


class ConnectError(TransportError):
    """No connection could be made; the request was not sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message, sent=False)


class RequestTimeoutError(TransportError):
    """The server did not answer in time: the request may have been processed.
    (``sent=False``: it timed out while being written, so it was not.)"""


class ResponseError(ClientError):
    """The server's answer is not a valid API 3.0 response.

    ``status`` is the HTTP status and ``excerpt`` a short, printable prefix of
    the body, so the log says what actually came back.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        excerpt: str = "",
        request_id: str | None = None,
    ) -> None:
        if status is None:
            detail = f"{message} (body starts {excerpt!r})" if excerpt else message
        else:
            detail = f"{message} (HTTP {status}"
            detail += f", body starts {excerpt!r})" if excerpt else ", empty body)"
        super().__init__(detail)
        self.request_id = request_id
        self.status = status
        self.excerpt = excerpt


# --------------------------------------------------------------------------- API errors


class ApiError(TencentCloudError):
    """The API answered with an error envelope."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        action: str | None = None,
    ) -> None:
        super().__init__(message, code=code, request_id=request_id)
        self.action = action

    @classmethod
    def default_code(cls) -> str:
        return str(cls.__dict__.get("CODE", cls.__name__))


# The common error codes of every API 3.0 service. Class names are the dotted
# code with the dots removed; CODE keeps the dotted form.


class ActionOffline(ApiError):
    CODE = "ActionOffline"


class AuthFailure(ApiError):
    CODE = "AuthFailure"


class AuthFailureInvalidAuthorization(AuthFailure):
    CODE = "AuthFailure.InvalidAuthorization"


class AuthFailureInvalidSecretId(AuthFailure):
    CODE = "AuthFailure.InvalidSecretId"


class AuthFailureMFAFailure(AuthFailure):
    CODE = "AuthFailure.MFAFailure"


class AuthFailureSecretIdNotFound(AuthFailure):
    CODE = "AuthFailure.SecretIdNotFound"


class AuthFailureSignatureExpire(AuthFailure):
    CODE = "AuthFailure.SignatureExpire"


class AuthFailureSignatureFailure(AuthFailure):
    CODE = "AuthFailure.SignatureFailure"


class AuthFailureTokenFailure(AuthFailure):
    CODE = "AuthFailure.TokenFailure"


class AuthFailureUnauthorizedOperation(AuthFailure):
    CODE = "AuthFailure.UnauthorizedOperation"


class DryRunOperation(ApiError):
    CODE = "DryRunOperation"


class FailedOperation(ApiError):
    CODE = "FailedOperation"


class InternalError(ApiError):
    CODE = "InternalError"


class InvalidAction(ApiError):
    CODE = "InvalidAction"


class InvalidParameter(ApiError):
    CODE = "InvalidParameter"


class InvalidParameterValue(ApiError):
    CODE = "InvalidParameterValue"


class InvalidRequest(ApiError):
    CODE = "InvalidRequest"


class IpInBlacklist(ApiError):
    CODE = "IpInBlacklist"


class IpNotInWhitelist(ApiError):
    CODE = "IpNotInWhitelist"


class LimitExceeded(ApiError):
    CODE = "LimitExceeded"


class MissingParameter(ApiError):
    CODE = "MissingParameter"


class NoSuchProduct(ApiError):
    CODE = "NoSuchProduct"


class NoSuchVersion(ApiError):
    CODE = "NoSuchVersion"


class RequestLimitExceeded(ApiError):
    CODE = "RequestLimitExceeded"


class RequestLimitExceededGlobalRegionUinLimitExceeded(RequestLimitExceeded):
    CODE = "RequestLimitExceeded.GlobalRegionUinLimitExceeded"


class RequestLimitExceededIPLimitExceeded(RequestLimitExceeded):
    CODE = "RequestLimitExceeded.IPLimitExceeded"


class RequestLimitExceededUinLimitExceeded(RequestLimitExceeded):
    CODE = "RequestLimitExceeded.UinLimitExceeded"


class RequestSizeLimitExceeded(ApiError):
    CODE = "RequestSizeLimitExceeded"


class ResourceInUse(ApiError):
    CODE = "ResourceInUse"


class ResourceInsufficient(ApiError):
    CODE = "ResourceInsufficient"


class ResourceNotFound(ApiError):
    CODE = "ResourceNotFound"


class ResourceUnavailable(ApiError):
    CODE = "ResourceUnavailable"


class ResponseSizeLimitExceeded(ApiError):
    CODE = "ResponseSizeLimitExceeded"


class ServiceUnavailable(ApiError):
    CODE = "ServiceUnavailable"


class UnauthorizedOperation(ApiError):
    CODE = "UnauthorizedOperation"


class UnknownParameter(ApiError):
    CODE = "UnknownParameter"


class UnsupportedOperation(ApiError):
    CODE = "UnsupportedOperation"


class UnsupportedProtocol(ApiError):
    CODE = "UnsupportedProtocol"


class UnsupportedRegion(ApiError):
    CODE = "UnsupportedRegion"


def _code_map(*classes: type[ApiError]) -> dict[str, type[ApiError]]:
    return {c.default_code(): c for c in classes}


COMMON_ERRORS: Mapping[str, type[ApiError]] = _code_map(
    ActionOffline,
    AuthFailure,
    AuthFailureInvalidAuthorization,
    AuthFailureInvalidSecretId,
    AuthFailureMFAFailure,
    AuthFailureSecretIdNotFound,
    AuthFailureSignatureExpire,
    AuthFailureSignatureFailure,
    AuthFailureTokenFailure,
    AuthFailureUnauthorizedOperation,
    DryRunOperation,
    FailedOperation,
    InternalError,
    InvalidAction,
    InvalidParameter,
    InvalidParameterValue,
    InvalidRequest,
    IpInBlacklist,
    IpNotInWhitelist,
    LimitExceeded,
    MissingParameter,
    NoSuchProduct,
    NoSuchVersion,
    RequestLimitExceeded,
    RequestLimitExceededGlobalRegionUinLimitExceeded,
    RequestLimitExceededIPLimitExceeded,
    RequestLimitExceededUinLimitExceeded,
    RequestSizeLimitExceeded,
    ResourceInUse,
    ResourceInsufficient,
    ResourceNotFound,
    ResourceUnavailable,
    ResponseSizeLimitExceeded,
    ServiceUnavailable,
    UnauthorizedOperation,
    UnknownParameter,
    UnsupportedOperation,
    UnsupportedProtocol,
    UnsupportedRegion,
)
"""Common API 3.0 codes → exception classes."""


def error_class_for(code: str, errors: Mapping[str, type[ApiError]]) -> type[ApiError]:
    """The class for ``code``: exact match, else the nearest dotted ancestor."""
    cls = errors.get(code)
    if cls is not None:
        return cls
    # Only ancestors no longer than the longest known code can match, so a huge
    # code from a hostile server (megabytes of dots) costs one scan, not one slice per dot.
    end = code.rfind(".", 0, max(map(len, errors), default=0) + 1)
    while end >= 0:
        cls = errors.get(code[:end])
        if cls is not None:
            return cls
        end = code.rfind(".", 0, end)
    return ApiError
