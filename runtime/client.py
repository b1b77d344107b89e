"""The base clients every generated service client derives from.

One sans-IO core (:class:`_ClientCore`) prepares, signs and parses; the sync
and async clients only add the send-and-retry loop around it, so the two can
never disagree on what goes over the wire.
"""

from __future__ import annotations

import copy
import enum
import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Literal,
    NamedTuple,
    Protocol,
    Self,
    TypeVar,
)

from . import _constants as C
from ._fork import fork_safe_lock
from ._redact import Redacted, RedactedBody
from ._transport import DEFAULT_MAX_BODY, Timeouts, parse_retry_after
from .errors import (
    COMMON_ERRORS,
    ApiError,
    ConfigurationError,
    InvalidParameterError,
    RequestLimitExceeded,
    ResponseError,
    TencentCloudError,
    TransportError,
    error_class_for,
)
from .streaming import AsyncEventStream, EventStream, ServerSentEvent, event_data

if TYPE_CHECKING:
    import httpx

    from ._endpoint import Endpoint
    from ._transport import (
        Answer,
        AsyncAnswer,
        AsyncTransport,
        SyncTransport,
        TransportSettings,
    )
    from .breaker import CircuitBreaker
    from .credentials import Credential, CredentialProvider
    from .retry import RetryPolicy
    from .schema import ServiceSchema
    from .signing import Tc3Signer
    from .throttle import Throttle, ThrottleOption

# What a client needs beyond this module (credentials, retry, throttle, breaker,
# endpoint parsing, attrs) loads when the first client is built: importing a
# service package stays cheap.

logger = logging.getLogger("tcapi")

R = TypeVar("R")
T = TypeVar("T")


class RequestModel(Protocol):
    """What the runtime needs of a generated request model."""

    def validate(self, path: str = "") -> None: ...
    def to_dict(self) -> dict[str, Any]: ...


class Operation(NamedTuple, Generic[R]):
    """Static facts about one API action, read from the service's schema."""

    action: str
    parse: Callable[..., R]
    """The response model's ``from_dict``."""
    request: Callable[..., RequestModel] | None = None
    """The request model's class (builds a request from keyword arguments)."""
    idempotent: bool = False
    rate_limit: float | None = None
    unsigned: bool = False
    """Sent with ``Authorization: SKIP`` and no credentials, as the API documents
    for a few actions (STS AssumeRoleWithWebIdentity/WithSAML)."""
    deprecated: bool = False
    streams: bool = False
    """The action may answer with server-sent events."""
    body: str = "json"
    """``json``, ``multipart`` or ``octet-stream`` (see tcapi.schema.ActionSchema)."""
    files: tuple[str, ...] = ()
    header_prefix: str = ""
    method: str = ""
    """The client method's name (for messages)."""


class ServiceInfo:
    """Static facts about one service version, read from its schema on first use.

    ``package`` is the generated version package (``tcapi.mqtt.v20240516``); its
    ``_schema`` module holds the facts, its ``errors`` module the error classes."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._schema: ServiceSchema | None = None
        self._errors: Mapping[str, type[ApiError]] | None = None
        self._ops: dict[str, Operation[Any]] = {}

    def has_action(self, action: str) -> bool:
        return action in self.schema.actions

    @property
    def schema(self) -> ServiceSchema:
        if self._schema is None:
            from .schema import load_schema  # noqa: PLC0415 - loaded with the first client

            self._schema = load_schema(self.package + "._schema")
        return self._schema

    @property
    def service(self) -> str:
        return self.schema.service

    @property
    def version(self) -> str:
        return self.schema.version

    @property
    def endpoint(self) -> str:
        return self.schema.endpoint

    @property
    def endpoints(self) -> Mapping[str, str]:
        return self.schema.endpoints

    @property
    def region_required(self) -> bool:
        return self.schema.region_required

    @property
    def action_hosts(self) -> Mapping[str, str]:
        """The actions with a host of their own, and that host."""
        return self.schema.action_hosts

    @property
    def errors(self) -> Mapping[str, type[ApiError]]:
        """Error code → class: the common codes plus the service's own."""
        if self._errors is None:
            import importlib  # noqa: PLC0415

            self._errors = importlib.import_module(self.package + ".errors").ERRORS
        return self._errors

    def operation(self, action: str) -> Operation[Any]:
        """The Operation of ``action`` (cached; KeyError if the schema lacks it)."""
        op = self._ops.get(action)
        if op is None:
            from ._compile import install, model_class  # noqa: PLC0415

            schema = self.schema
            a = schema.actions[action]
            response = model_class(schema, a.output)
            install(response)  # so that ``parse`` is the compiled from_dict, not the stub
            op = Operation(
                action=action,
                parse=response.from_dict,
                request=model_class(schema, a.input),
                idempotent=a.idempotent,
                rate_limit=a.rate_limit,
                unsigned=a.unsigned,
                deprecated=a.deprecated,
                streams=a.streams,
                body=a.body,
                files=a.files,
                header_prefix=a.header_prefix,
                method=a.py,
            )
            self._ops[action] = op
        return op


class StaticServiceInfo(ServiceInfo):
    """The facts of a service that has no generated package (CommonClient): given,
    not read from a schema; it knows no actions and only the common error codes."""

    def __init__(
        self, service: str, version: str, endpoint: str, *, region_required: bool = False
    ) -> None:
        super().__init__("")
        self._facts = (service, version, endpoint, region_required)
        self._errors = COMMON_ERRORS

    @property
    def service(self) -> str:
        return self._facts[0]

    @property
    def version(self) -> str:
        return self._facts[1]

    @property
    def endpoint(self) -> str:
        return self._facts[2]

    @property
    def endpoints(self) -> Mapping[str, str]:
        service = self._facts[0]
        return {
            "china": f"{service}.tencentcloudapi.com",
            "international": f"{service}.intl.tencentcloudapi.com",
        }

    @property
    def region_required(self) -> bool:
        return self._facts[3]

    @property
    def action_hosts(self) -> Mapping[str, str]:
        return {}

    def has_action(self, action: str) -> bool:
        return False


class _Params:
    """A plain parameter dict, sent as it is (the generic ``call()``)."""

    __slots__ = ("params",)

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params

    def validate(self, path: str = "") -> None:
        return None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.params)


def _response_dict(resp: Mapping[str, Any]) -> dict[str, Any]:
    return dict(resp)


def _excerpt(body: bytes) -> str:
    text = body[: C.EXCERPT_CHARS * 4].decode("utf-8", "replace")
    text = " ".join(text.split())[: C.EXCERPT_CHARS]
    # Printable only: a hostile body must not put terminal escapes into logs.
    return text if text.isprintable() else "".join(c if c.isprintable() else "?" for c in text)


def _log_safe(text: str) -> str:
    """A server-chosen string (an error code) fit for a log line: one line,
    printable, bounded, so it cannot forge log records or carry terminal escapes."""
    return _excerpt(text.encode("utf-8", "replace"))


_DEADLINE_SLACK = 0.01
"""Seconds: an attempt that failed this close to the call's deadline was ended by it
(event loops fire timers up to a clock tick early)."""

_REGION = re.compile(r"[a-z]{2,}(?:-[a-z0-9]+)+")
"""The shape of a region: ``ap-guangzhou``, ``na-siliconvalley``, ``ap-shanghai-fsi``."""


def _untranslated(exc: Any, url: str) -> TransportError:
    raise AssertionError("the default transports raise tcapi's errors themselves")


def _default_host(
    svc: ServiceInfo, endpoint: str | None, site: str | None, regional: bool, region: str | None
) -> str:
    """The host a client sends to unless ``endpoint`` names one: the spec's default,
    the host of ``site`` (``china``/``international``), and with ``regional`` the
    regional form ``<service>.<region>.tencentcloudapi.com``."""
    if endpoint is not None and (site is not None or regional):
        raise ConfigurationError("pass endpoint= or site=/regional=, not both")
    host = svc.endpoint
    if site is not None:
        sites = svc.endpoints
        if site not in sites:
            named = ", ".join(repr(s) for s in sorted(sites)) or "none"
            raise ConfigurationError(
                f"{svc.service} {svc.version} has no {site!r} endpoint (the definitions name: "
                f"{named})"
            )
        host = sites[site]
    if regional:
        if not region or not all(part.isalnum() for part in region.split("-")):
            raise ConfigurationError("regional=True needs a region such as ap-guangzhou")
        first, _, rest = host.partition(".")
        if rest != "tencentcloudapi.com":
            raise ConfigurationError(
                f"regional endpoints are <service>.<region>.tencentcloudapi.com; {host} has none"
            )
        host = f"{first}.{region}.{rest}"
    return host


def _base64(value: object) -> str:
    """JSON for bytes (a binary member): base64 text, as the API's binary type is."""
    if isinstance(value, bytes | bytearray | memoryview):
        import base64  # noqa: PLC0415 - only a binary member needs it

        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON")


def _request_id_of(result: object, default: str | None) -> str | None:
    """The RequestId of a parsed answer: a model's attribute or a dict's member."""
    if isinstance(result, dict):
        rid = result.get("RequestId")
    else:
        rid = getattr(result, "request_id", None)
    return rid if isinstance(rid, str) else default


def _header_value(action: str, wire: str, value: object) -> str:
    """A member's value as an octet-stream request header: text as it is, other
    values as JSON; never a line break or other control character (header injection)."""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if not text.isprintable():
        raise InvalidParameterError(
            f"{action}: {wire} travels in a header and may not hold line breaks or other "
            "control characters"
        )
    if not text.isascii():
        raise InvalidParameterError(f"{action}: {wire} travels in a header and must be ASCII")
    return text


def _multipart(fields: Mapping[str, Any], files: tuple[str, ...]) -> tuple[bytes, str]:
    """A multipart/form-data body of ``fields`` and its Content-Type: the members
    named in ``files`` as file parts (bytes, or text as UTF-8), text as it is,
    every other value as JSON."""
    import uuid  # noqa: PLC0415 - only multipart requests need it

    parts: list[tuple[bytes, bytes]] = []
    for wire, value in fields.items():
        text = f'Content-Disposition: form-data; name="{wire}"'
        if wire in files:
            data = value.encode() if isinstance(value, str) else bytes(value)
            text += f'; filename="{wire}"\r\nContent-Type: {C.CONTENT_TYPE_OCTET_STREAM}'
        elif isinstance(value, str):
            data = value.encode()
        else:
            data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
            text += f"\r\nContent-Type: {C.CONTENT_TYPE_JSON}"
        parts.append((text.encode(), data))
    for _ in range(8):  # a boundary must not occur in the data: draw another
        boundary = uuid.uuid4().hex.encode()
        if not any(boundary in data for _, data in parts):
            break
    out = bytearray()
    for head, data in parts:
        out += b"--" + boundary + b"\r\n" + head + b"\r\n\r\n" + data + b"\r\n"
    out += b"--" + boundary + b"--\r\n"
    return bytes(out), f"{C.CONTENT_TYPE_MULTIPART}; boundary={boundary.decode()}"


class _Unset(enum.Enum):
    UNSET = "UNSET"


_UNSET: Literal[_Unset.UNSET] = _Unset.UNSET


class _Route(NamedTuple):
    """One endpoint a client sends to, with the headers signed for its host."""

    url: str
    headers: Mapping[str, str]
    signed: tuple[str, str]
    """The precomputed (CanonicalHeaders, SignedHeaders) for this host."""
    slot: int
    """0 for the primary endpoint, 1 for the circuit breaker's backup."""


class _Call:
    """The state of one call across its attempts."""

    __slots__ = ("attempt", "deadline", "error", "generation", "op", "retry", "started", "waited")

    def __init__(self, op: Operation[Any], retry: RetryPolicy) -> None:
        self.op = op
        self.retry = retry
        self.attempt = 0
        self.deadline = (
            None if retry.total_timeout is None else time.monotonic() + retry.total_timeout
        )
        self.error: TencentCloudError | None = None
        """The failure the next attempt retries."""
        self.generation = 0
        self.started = 0.0
        self.waited = 0.0
        """Seconds the current attempt waited for the throttle."""


def _note(error: TencentCloudError, text: str) -> None:
    error.note = text if error.note is None else f"{error.note}; {text}"


def _make_route(endpoint: Endpoint, slot: int, headers: Mapping[str, str]) -> _Route:
    from ._canonical import canonical_headers  # noqa: PLC0415 - loaded with the first client

    # The signed headers never change for an endpoint: canonicalize them once.
    signed = canonical_headers({"content-type": C.CONTENT_TYPE_JSON, "host": endpoint.host})
    base = {"Content-Type": C.CONTENT_TYPE_JSON, "Host": endpoint.host}
    base.update(headers)
    return _Route(endpoint.url, base, signed, slot)


class _Transports(Generic[T]):
    """A client's transports (primary, then the breaker's backup), made on the first
    request: building a client imports no HTTP library and builds no SSL context.
    Shared by the client's ``with_options`` copies."""

    __slots__ = ("__weakref__", "_lock", "closed", "made", "make")

    def __init__(self, make: Callable[[], tuple[T, ...]] | None, made: tuple[T, ...] = ()) -> None:
        self.make = make
        self.made = made
        self.closed = False
        self._lock = fork_safe_lock(self)

    def get(self) -> tuple[T, ...]:
        with self._lock:
            if not self.made and self.make is not None:
                self.made = self.make()
                self.make = None
            return self.made


class _ClientCore:
    """Configuration plus the pure steps of a call: prepare, sign, parse, and
    the bookkeeping between attempts (throttle, circuit breaker, retries)."""

    SERVICE: ClassVar[ServiceInfo]

    def __init__(
        self,
        *,
        credential: CredentialProvider | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        site: str | None = None,
        regional: bool = False,
        language: str = C.DEFAULT_LANGUAGE,
        connect_timeout: float = C.DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = C.DEFAULT_READ_TIMEOUT,
        retry: RetryPolicy | None = None,
        throttle: ThrottleOption = True,
        circuit_breaker: CircuitBreaker | bool | None = None,
        verify: bool | str = True,
        proxy: str | None = None,
        trust_env: bool = True,
        max_body: int = DEFAULT_MAX_BODY,
        request_client: str | None = None,
        user_agent_extra: str | None = None,
        strict_responses: bool = False,
    ) -> None:

        from ._endpoint import resolve_endpoint  # noqa: PLC0415
        from .breaker import CircuitBreaker  # noqa: PLC0415
        from .credentials import DefaultCredentialChain  # noqa: PLC0415
        from .retry import RetryPolicy  # noqa: PLC0415
        from .throttle import make_throttle  # noqa: PLC0415

        svc = self.SERVICE
        self.strict_responses = strict_responses
        """True: a response member of another type than declared raises
        ResponseError; False (default): it is coerced or kept, and logged once."""
        self._warned: set[tuple[str, str]] = set()
        """(action, member path) of the deviations logged (shared by with_options copies)."""
        if region is None:
            region = os.environ.get(C.ENV_REGION) or None
        if svc.region_required and not region:
            raise ConfigurationError(
                f"{svc.service} needs a region: pass region=... or set {C.ENV_REGION}"
            )
        if region and not _REGION.fullmatch(region):
            raise ConfigurationError(
                f"region {region!r} does not look like a Tencent Cloud region "
                "(ap-guangzhou, na-siliconvalley, eu-frankfurt, ...)"
            )
        if language not in C.LANGUAGES:
            raise ConfigurationError(
                f"language must be one of {sorted(C.LANGUAGES)}, not {language!r}"
            )
        self._credentials: CredentialProvider = (
            credential if credential is not None else DefaultCredentialChain()
        )
        self.region = region
        self._endpoint: Endpoint = resolve_endpoint(
            endpoint, _default_host(svc, endpoint, site, regional, region)
        )
        self.retry = retry if retry is not None else RetryPolicy()
        self._throttle = make_throttle(throttle)
        from ._transport import TransportSettings, ca_bundle_from_env  # noqa: PLC0415

        if verify is True and trust_env and self._endpoint.url.startswith("https:"):
            verify = ca_bundle_from_env() or True
        self._transport_settings = TransportSettings(
            url=self._endpoint.url,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            verify=verify,
            proxy=proxy,
            max_body=max_body,
            trust_env=trust_env,
        )
        self._timeout: Timeouts | None = None
        """Per-call timeouts set by with_options(); None: the transport's own."""
        self._http_errors: type[BaseException] | tuple[type[BaseException], ...] = ()
        """What the transport raises besides tcapi's errors (httpx's, for a caller's
        http_client); translated by ``_translate``. The default transports raise
        tcapi's typed errors themselves."""
        self._translate: Callable[[Any, str], TransportError] = _untranslated
        self._signer: Tc3Signer | None = None
        """Made by the first signed request (hashlib and hmac load then)."""
        if user_agent_extra is not None and (
            not isinstance(user_agent_extra, str)
            or not user_agent_extra.isascii()
            or not user_agent_extra.isprintable()
        ):
            raise ConfigurationError("user_agent_extra must be printable ASCII")
        self._user_agent_extra = user_agent_extra
        headers = {  # Content-Type and Host: _make_route, per endpoint
            "User-Agent": C.USER_AGENT,
            "X-TC-Version": svc.version,
            "X-TC-Language": language,
            "X-TC-RequestClient": request_client or C.REQUEST_CLIENT,
        }
        if region:
            headers["X-TC-Region"] = region
        self._routes: tuple[_Route, ...] = (_make_route(self._endpoint, 0, headers),)
        self._breaker: CircuitBreaker | None = None
        if circuit_breaker:
            breaker = CircuitBreaker() if circuit_breaker is True else circuit_breaker
            if not isinstance(breaker, CircuitBreaker):
                raise ConfigurationError("circuit_breaker must be True, False or a CircuitBreaker")
            backup = resolve_endpoint(
                breaker.backup_endpoint,
                f"{svc.service}.{C.BREAKER_BACKUP_REGION}.tencentcloudapi.com",
            )
            if backup.url == self._endpoint.url:
                raise ConfigurationError(
                    f"the circuit breaker's backup endpoint is the endpoint itself ({backup.url})"
                )
            self._breaker = breaker
            self._routes += (_make_route(backup, 1, headers),)
        hosts = svc.action_hosts if endpoint is None and site is None and not regional else {}
        action_routes: dict[str, _Route] = {}
        by_host: dict[str, _Route] = {}
        for action, host in hosts.items():
            route = by_host.get(host)
            if route is None:
                route = _make_route(resolve_endpoint(None, host), len(self._routes), headers)
                self._routes += (route,)
                by_host[host] = route
            action_routes[action] = route
        self._action_routes: Mapping[str, _Route] = action_routes
        """The actions with a host of their own (``ActionSchema.host``) and its route.
        Only a client on the service's default endpoint uses them: an ``endpoint=``,
        ``site=`` or ``regional=`` the caller chose is where every action goes."""
        self._owns_transports = True

    @property
    def endpoint(self) -> str:
        return self._endpoint.url

    def _name_transport(self, library: str) -> None:
        """``User-Agent: tcapi/<v> Python/<x.y> <library>/<v> [user_agent_extra]``."""
        agent = f"{C.USER_AGENT} {library}"
        if self._user_agent_extra:
            agent += " " + self._user_agent_extra
        for route in self._routes:
            route.headers["User-Agent"] = agent  # type: ignore[index]

    def _all_settings(self) -> tuple[TransportSettings, ...]:
        """The transport settings of each route, by slot: the primary endpoint's, the
        breaker's backup (if any), then the hosts of actions that have their own."""
        primary = self._transport_settings
        return (primary, *(primary._replace(url=r.url) for r in self._routes[1:]))

    @property
    def throttle(self) -> Throttle | None:
        """The client-side throttle (None when off); shared by ``with_options`` copies."""
        return self._throttle

    @property
    def backup_endpoint(self) -> str | None:
        """Where the circuit breaker sends attempts while it is open (None: no breaker)."""
        return self._routes[1].url if self._breaker is not None else None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(service={self.SERVICE.service!r}, "
            f"version={self.SERVICE.version!r}, region={self.region!r}, "
            f"endpoint={self._endpoint.url!r}, credential={self._credentials!r})"
        )

    def with_options(
        self,
        *,
        retry: RetryPolicy | None = None,
        total_timeout: float | Literal[_Unset.UNSET] | None = _UNSET,
        throttle: ThrottleOption | Literal[_Unset.UNSET] = _UNSET,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
    ) -> Self:
        """A copy of this client with some options changed, for one call or a few:
        ``client.with_options(read_timeout=120).describe_message_list(...)``.

        The copy shares the connection pool, credentials, throttle buckets and
        circuit breaker with this client; only what is passed changes:
        ``retry`` (a RetryPolicy), ``total_timeout`` (the retry policy's deadline
        per call, seconds or None), ``throttle`` (as for the constructor; a new
        value gets new buckets) and the ``connect_timeout`` / ``read_timeout`` of
        each attempt. It is cheap to make; closing it does nothing (close the
        client it came from).
        """
        from .throttle import make_throttle  # noqa: PLC0415

        clone = copy.copy(self)
        clone._owns_transports = False
        if retry is not None:
            clone.retry = retry
        if total_timeout is not _UNSET:
            clone.retry = clone.retry.replace(total_timeout=total_timeout)
        if throttle is not _UNSET:
            clone._throttle = make_throttle(throttle)
        if connect_timeout is not None or read_timeout is not None:
            settings = self._transport_settings._replace(
                connect_timeout=(
                    self._transport_settings.connect_timeout
                    if connect_timeout is None
                    else connect_timeout
                ),
                read_timeout=(
                    self._transport_settings.read_timeout if read_timeout is None else read_timeout
                ),
            )
            clone._transport_settings = settings
            clone._timeout = settings.timeouts
        return clone

    # -- the pure steps ------------------------------------------------------------

    def _serialize(self, op: Operation[Any], request: RequestModel) -> bytes:
        """Validate and encode once per call; raises before anything is sent."""
        request.validate()
        # One expression: no local ever holds the body's text (its sensitive members)
        # unhidden, for an error tracker's view of this frame.
        data = RedactedBody(
            json.dumps(
                request.to_dict(), ensure_ascii=False, separators=(",", ":"), default=_base64
            ).encode("utf-8")
        )
        if len(data) > C.MAX_POST_BODY:
            raise InvalidParameterError(
                f"{op.action}: request body is {len(data)} bytes; the API accepts at most "
                f"{C.MAX_POST_BODY}"
            )
        return data

    def _encode(
        self, op: Operation[Any], request: RequestModel, payload: object
    ) -> tuple[bytes, dict[str, str]]:
        """The body and its own headers (Content-Type first) of a request that is
        not JSON: multipart form parts, or the caller's bytes with the members in
        headers (octet-stream). Validated first; raises before anything is sent."""
        request.validate()
        fields = request.to_dict()
        if op.body == "octet-stream":
            if not isinstance(payload, bytes | bytearray | memoryview):
                raise InvalidParameterError(
                    f"{op.action}: body must be bytes (the request body), not "
                    f"{type(payload).__name__}"
                )
            data = bytes(payload)
            headers = {"Content-Type": C.CONTENT_TYPE_OCTET_STREAM}
            for wire, value in fields.items():
                headers[op.header_prefix + wire] = _header_value(op.action, wire, value)
        else:
            data, content_type = _multipart(fields, op.files)
            headers = {"Content-Type": content_type}
        if len(data) > C.MAX_POST_BODY:
            raise InvalidParameterError(
                f"{op.action}: request body is {len(data)} bytes; the API accepts at most "
                f"{C.MAX_POST_BODY}"
            )
        return data, headers

    def _sign(
        self,
        op: Operation[Any],
        body: bytes,
        cred: Credential | None,
        route: _Route | None = None,
        own: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Headers for one attempt: a fresh timestamp and signature each time.

        ``cred`` is None only for unsigned actions; ``route`` is where the
        attempt goes (the primary endpoint by default); ``own`` are the headers of
        a body that is not JSON (its Content-Type is signed instead)."""
        if route is None:
            route = self._route_for(op.action)
        ts = int(time.time())
        headers = dict(route.headers)
        signed = route.signed
        if own is not None:
            from ._canonical import canonical_headers  # noqa: PLC0415

            headers.update(own)
            signed = canonical_headers(
                {"content-type": own["Content-Type"], "host": headers["Host"]}
            )
        headers["X-TC-Action"] = op.action
        headers["X-TC-Timestamp"] = str(ts)
        if op.unsigned or cred is None:
            headers["Authorization"] = "SKIP"
            return headers
        if cred.token:
            headers["X-TC-Token"] = Redacted(cred.token)
        headers["Authorization"] = Redacted(
            (self._signer or self._new_signer()).authorization(
                secret_id=cred.secret_id,
                secret_key=cred.secret_key,
                timestamp=ts,
                headers=signed,
                body=body,
            )
        )
        return headers

    def _new_signer(self) -> Tc3Signer:
        from .signing import Tc3Signer  # noqa: PLC0415

        self._signer = signer = Tc3Signer(self.SERVICE.service)
        return signer

    def _parse(self, op: Operation[R], status: int, body: bytes | None) -> R:
        """Turn an HTTP answer into the typed response or a typed error."""
        if body is None:
            use = f"{op.method}_stream() or call_stream()" if op.streams else "call_stream()"
            raise ResponseError(
                f"{op.action}: the server answered with server-sent events (text/event-stream), "
                f"not one JSON response; use {use}",
                status=status,
            )
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise ResponseError(
                f"{op.action}: the response is not JSON", status=status, excerpt=_excerpt(body)
            ) from None
        resp = data.get("Response") if isinstance(data, dict) else None
        if not isinstance(resp, dict):
            raise ResponseError(
                f"{op.action}: the response has no 'Response' object",
                status=status,
                excerpt=_excerpt(body),
            )
        return self._parse_response(op, status, resp, body, None)

    def _parse_response(
        self,
        op: Operation[R],
        status: int,
        resp: dict[str, Any],
        body: bytes,
        request_id: str | None,
    ) -> R:
        """The typed response, or the typed error, of one Response object (of a
        JSON answer, or of one event of a stream whose RequestId is ``request_id``)."""
        rid = resp.get("RequestId")
        request_id = rid if isinstance(rid, str) else request_id
        err = resp.get("Error")
        if err is not None:
            code = err.get("Code") if isinstance(err, dict) else None
            if not isinstance(code, str) or not code:
                raise ResponseError(
                    f"{op.action}: the error envelope has no Code",
                    status=status,
                    excerpt=_excerpt(body),
                    request_id=request_id,
                )
            message = err.get("Message")
            cls = error_class_for(code, self.SERVICE.errors)
            raise cls(
                message if isinstance(message, str) else "",
                code=code,
                request_id=request_id,
                action=op.action,
            )
        if status != 200:
            raise ResponseError(
                f"{op.action}: unexpected HTTP status",
                status=status,
                excerpt=_excerpt(body),
                request_id=request_id,
            )
        try:
            result = op.parse(resp)
        except InvalidParameterError as exc:
            # from_dict's WireTypeError: names the wire path and two types, never the value.
            raise ResponseError(
                f"{op.action}: the response does not match the model: {exc.message}",
                status=status,
                excerpt=_excerpt(body),
                request_id=request_id,
            ) from None
        except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
            raise ResponseError(
                f"{op.action}: the response does not match the model ({type(exc).__name__})",
                status=status,
                excerpt=_excerpt(body),
                request_id=request_id,
            ) from None
        deviations = getattr(result, "wire_deviations", ())
        if deviations:
            if self.strict_responses:
                raise ResponseError(
                    f"{op.action}: the response does not match the model: "
                    f"{deviations[0].error().message}",
                    status=status,
                    excerpt=_excerpt(body),
                    request_id=request_id,
                )
            from ._compile import warn_once  # noqa: PLC0415 - only when a server deviates

            for deviation in deviations:
                warn_once(self._warned, op.action, deviation)
        return result

    def _event_parser(
        self, op: Operation[R], status: int, request_id: str | None
    ) -> Callable[[ServerSentEvent], R | None]:
        """How a stream's events become items: each event's data is a Response
        object (bare or in ``{"Response": ...}``), parsed like a JSON answer's, an
        ``Error`` in it raised as the typed API error."""

        def parse(event: ServerSentEvent) -> R | None:
            data = event_data(event, status, request_id)
            if data is None:
                return None
            if isinstance(data, dict) and isinstance(data.get("Response"), dict):
                data = data["Response"]
            if not isinstance(data, dict):
                raise ResponseError(
                    f"{op.action}: an event of the stream is not a JSON object",
                    status=status,
                    excerpt=_excerpt(event.data.encode()),
                    request_id=request_id,
                )
            return self._parse_response(op, status, data, event.data.encode(), request_id)

        return parse

    @staticmethod
    def _stream_status(op: Operation[Any], status: int, request_id: str | None) -> None:
        """An event stream is an answer only with HTTP 200."""
        if status != 200:
            raise ResponseError(
                f"{op.action}: unexpected HTTP status for an event stream",
                status=status,
                request_id=request_id,
            )

    def _generic(
        self, action: str, params: Mapping[str, Any] | None, idempotent: bool | None
    ) -> tuple[Operation[dict[str, Any]], _Params]:
        """The Operation and request of a generic ``call()``: the action's own facts
        (idempotency, rate limit, unsigned) when the schema has it, else defaults;
        the parameters are sent as given and the answer is the Response dict."""
        if not isinstance(action, str) or not action.isascii() or not action.isalnum():
            raise InvalidParameterError(f"action must be an API action name, not {action!r}")
        if params is not None and not isinstance(params, Mapping):
            raise InvalidParameterError(
                f"{action}: params must be a mapping of wire names, not {type(params).__name__}"
            )
        # The schema's row, not SERVICE.operation(): a call() by name never needs
        # the model classes (attrs, compiled code) of its action.
        op = self.SERVICE.schema.actions.get(action) if self.SERVICE.has_action(action) else None
        generic = Operation(
            action=action,
            parse=_response_dict,
            idempotent=(op.idempotent if op else False) if idempotent is None else idempotent,
            rate_limit=op.rate_limit if op else None,
            unsigned=op.unsigned if op else False,
        )
        return generic, _Params(params or {})

    def _operation(self, action: str, request: Any, params: Mapping[str, Any]) -> tuple[Any, Any]:
        """The Operation of ``action`` and the request to send: ``request`` as
        given, or built from keyword arguments."""
        op = self.SERVICE.operation(action)
        if op.deprecated:
            import warnings  # noqa: PLC0415

            warnings.warn(f"{action} is deprecated by the API", DeprecationWarning, stacklevel=4)
        if request is None:
            assert op.request is not None
            from ._kwargs import build_request  # noqa: PLC0415

            try:
                request = build_request(action, op.request, params)
            finally:
                # ``params`` is the generated method's own ``**params`` dict: emptied,
                # so no frame's locals show its values (sensitive members among
                # them) once they are in the request, whose repr hides them.
                if type(params) is dict:
                    params.clear()
        elif params:
            raise TypeError(f"{action}: pass a request object or keyword arguments, not both")
        return op, request

    # -- between attempts: throttle, route, outcome, retry ---------------------------

    def _next_attempt(self, call: _Call) -> float:
        """Count the next attempt and reserve its throttle slot; returns the seconds
        to wait before it starts. Raises the last error instead when that wait would
        pass the call's deadline."""
        call.attempt += 1
        throttle = self._throttle
        if throttle is None:
            return 0.0
        op = call.op
        wait = throttle.delay(self.SERVICE.service, op.action, op.rate_limit)
        call.waited = wait
        if (
            wait > 0.0
            and call.error is not None
            and call.deadline is not None
            and time.monotonic() + wait > call.deadline
        ):
            error = call.error
            _note(error, self._deadline_note(call, call.attempt - 1))
            self._give_up(call, error)
            raise error
        return wait

    def _bounded(self, call: _Call) -> Timeouts:
        """This attempt's timeouts under the call's deadline (``total_timeout``):
        neither the connect nor the answer may outlast it."""
        deadline = call.deadline
        assert deadline is not None
        connect, read = (self._timeout or self._transport_settings.timeouts)[:2]
        left = max(deadline - time.monotonic(), 0.001)
        return Timeouts(min(connect, left), min(read, left), deadline)

    def _route_for(self, action: str) -> _Route:
        """Where ``action`` goes when the breaker is closed: its own host's route, or
        the primary endpoint's."""
        return self._action_routes.get(action) or self._routes[0]

    def _route(self, call: _Call) -> _Route:
        """The endpoint for this attempt: the action's own host if it has one, else
        the primary endpoint, or the backup while the breaker is open."""
        if self._action_routes and call.op.action in self._action_routes:
            return self._action_routes[call.op.action]
        breaker = self._breaker
        if breaker is None:
            return self._routes[0]
        to_backup, call.generation = breaker.before()
        return self._routes[1] if to_backup else self._routes[0]

    def _succeeded(self, call: _Call, route: _Route, result: object, status: int) -> None:
        if self._breaker is not None and route.slot == 0:
            self._breaker.after(call.generation, failed=False)
        self._log_attempt(call, route, result, status)

    def _failed(
        self, call: _Call, route: _Route, error: TencentCloudError, status: int | None
    ) -> float | None:
        """Account for a failed attempt. Returns the seconds to wait before the
        next one, or None when ``error`` is to be raised (with a note saying why
        it was not retried, where that matters)."""
        self._log_attempt(call, route, error, status)
        op = call.op
        # Only what the endpoint did counts: an answer, or a failed exchange (a
        # credentials error, say, never reached it).
        if (
            self._breaker is not None
            and route.slot == 0
            and (status is not None or isinstance(error, TransportError))
        ):
            from .breaker import counts_as_failure  # noqa: PLC0415

            self._breaker.after(call.generation, failed=counts_as_failure(error))
        if self._throttle is not None and isinstance(error, RequestLimitExceeded):
            self._throttle.throttled(self.SERVICE.service, op.action)
        retry = call.retry
        if (
            call.deadline is not None
            and isinstance(error, TransportError)
            and time.monotonic() >= call.deadline - _DEADLINE_SLACK
        ):
            _note(
                error,
                f"the call's total_timeout of {retry.total_timeout:g}s ended attempt "
                f"{call.attempt} of {op.action}",
            )
            self._give_up(call, error)
            return None
        delay = retry.next_delay(call.attempt, error, op.idempotent)
        if delay is None:
            if (
                error.retry_after is not None
                and error.retry_after > retry.max_delay
                and call.attempt < retry.max_attempts
                and retry.retry_on(error, op.idempotent)
            ):
                _note(
                    error,
                    f"not retried: the server asked to wait {error.retry_after:g}s "
                    f"(Retry-After), more than the retry policy's max_delay of "
                    f"{retry.max_delay:g}s",
                )
            elif call.attempt > 1 and retry.retry_on(error, op.idempotent):
                _note(error, f"gave up on {op.action} after {call.attempt} attempts")
            self._give_up(call, error)
            return None
        if call.deadline is not None and time.monotonic() + delay > call.deadline:
            _note(error, self._deadline_note(call, call.attempt))
            self._give_up(call, error)
            return None
        call.error = error
        if retry.on_retry is not None:
            from .retry import RetryEvent  # noqa: PLC0415

            retry.on_retry(
                RetryEvent(
                    service=self.SERVICE.service,
                    action=op.action,
                    attempt=call.attempt,
                    max_attempts=retry.max_attempts,
                    code=error.code,
                    delay=delay,
                    error=error,
                )
            )
        logger.info(
            "%s.%s: retrying after %s (attempt %d of %d, waiting %.2fs)",
            self.SERVICE.service,
            op.action,
            _log_safe(error.code),
            call.attempt,
            retry.max_attempts,
            delay,
        )
        return delay

    @staticmethod
    def _give_up(call: _Call, error: TencentCloudError) -> None:
        """Before ``error`` is raised: say so when the request may have been
        processed and the action is not safe to repeat."""
        from .retry import may_have_been_processed  # noqa: PLC0415

        op = call.op
        if op.idempotent or not may_have_been_processed(error):
            return
        error.outcome_unknown = True
        if call.retry.retry_on(error, op.idempotent):
            reason = f"{op.action} is not idempotent"  # a custom condition retried it
        else:
            reason = f"{op.action} is not idempotent, so it was not retried"
        _note(
            error,
            f"the request may have been processed: {reason}; check whether it took "
            "effect before repeating it",
        )

    @staticmethod
    def _deadline_note(call: _Call, attempts: int) -> str:
        return (
            f"gave up on {call.op.action} after {attempts} attempt{'' if attempts == 1 else 's'}: "
            f"the call's total_timeout of {call.retry.total_timeout:g}s would pass before "
            "the next one"
        )

    def _log_attempt(self, call: _Call, route: _Route, outcome: object, status: int | None) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        rid = getattr(outcome, "request_id", None)
        if rid is None and isinstance(outcome, dict):  # a call()'s answer: the wire dict
            rid = outcome.get("RequestId")
        result = (
            f"error={_log_safe(outcome.code)}" if isinstance(outcome, TencentCloudError) else "ok"
        )
        extra = ""
        if call.waited > 0.0:
            extra += f" throttle_wait_ms={call.waited * 1000.0:.1f}"
        if route.slot:
            extra += f" backup_endpoint={route.url}"
        logger.debug(
            "%s.%s attempt=%d/%d status=%s request_id=%s latency_ms=%.1f%s %s",
            self.SERVICE.service,
            call.op.action,
            call.attempt,
            call.retry.max_attempts,
            status,
            rid,
            (time.perf_counter() - call.started) * 1000.0,
            extra,
            result,
        )


class SyncClient(_ClientCore):
    """Base of generated synchronous clients: one keep-alive connection pool each
    (plus one for the circuit breaker's backup endpoint, when there is one).

    One client may be shared by any number of threads; after ``os.fork()`` the
    child opens its own connections. The transport is urllib3 (``_urllib3``); a
    caller's own ``http_client=`` (an ``httpx.Client``) is used as it is instead."""

    def __init__(self, *, http_client: httpx.Client | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._pool: _Transports[SyncTransport]
        if http_client is not None:  # the caller has httpx loaded already
            from . import _http  # noqa: PLC0415

            self._http_errors, self._translate = _http.HTTP_ERRORS, _http.translate_error
            self._name_transport(_http.LIBRARY)
            self._pool = _Transports(
                None, tuple(_http.SyncTransport(s, http_client) for s in self._all_settings())
            )
        else:
            self._pool = _Transports(self._urllib3_transports)

    def _urllib3_transports(self) -> tuple[SyncTransport, ...]:
        from ._urllib3 import LIBRARY, Urllib3Transport  # noqa: PLC0415 - on the first request

        self._name_transport(LIBRARY)
        return tuple(Urllib3Transport(s) for s in self._all_settings())

    def _call(
        self, action: str, request: Any, params: Mapping[str, Any], payload: object = None
    ) -> Any:
        """What every generated method does: build the request, then invoke
        (``payload``: an octet-stream action's body)."""
        op, request = self._operation(action, request, params)
        return self._invoke(op, request, payload)

    def _stream(self, action: str, request: Any, params: Mapping[str, Any]) -> EventStream[Any]:
        """What every generated ``<action>_stream`` method does."""
        op, request = self._operation(action, request, params)
        result: EventStream[Any] = self._invoke(op, request, None, True)
        return result

    def call_stream(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> EventStream[dict[str, Any]]:
        """Like :meth:`call`, for an answer sent as server-sent events: an
        EventStream of each event's data dict (a JSON answer comes as one item)."""
        op, request = self._generic(action, params, idempotent)
        result: EventStream[dict[str, Any]] = self._invoke(op, request, None, True)
        return result

    def call(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Call any action by name with wire-named parameters; returns the
        ``Response`` object as a dict (``RequestId`` included). Errors are the same
        typed exceptions as the methods raise. Retries, throttling and the circuit
        breaker apply as for the methods; ``idempotent`` says whether a failure that
        may have been processed is retried (default: what the spec says of the
        action, else no)."""
        op, request = self._generic(action, params, idempotent)
        return self._invoke(op, request)

    def _invoke(
        self, op: Operation[R], request: RequestModel, payload: object = None, stream: bool = False
    ) -> Any:
        pool = self._pool
        if pool.closed:
            raise ConfigurationError(f"{op.action}: the client is closed; make a new one")
        transports = pool.made or pool.get()
        own: dict[str, str] | None = None
        if op.body == "json":
            body = self._serialize(op, request)
        else:
            body, own = self._encode(op, request, payload)
        call = _Call(op, self.retry)
        while True:
            wait = self._next_attempt(call)
            if wait > 0.0:
                time.sleep(wait)
            route = self._route(call)
            call.started = time.perf_counter()
            status: int | None = None
            retry_after: str | None = None
            try:
                cred = None if op.unsigned else self._credentials.get_credential()
                headers = self._sign(op, body, cred, route, own)
                transport = transports[route.slot]
                timeout = self._timeout if call.deadline is None else self._bounded(call)
                failure: TransportError | None = None
                try:
                    if stream:
                        answer = transport.open(headers, body, timeout)
                        code = status = answer.status
                    else:
                        code, content, retry_after = transport.post(headers, body, timeout)
                        status = code
                except self._http_errors as exc:
                    failure = self._translate(exc, route.url)
                if failure is not None:  # raised here: the library's exception is not its context
                    raise failure
                if stream:
                    result: Any = self._stream_answer(op, answer)
                else:
                    result = self._parse(op, code, content)
            except TencentCloudError as error:
                if retry_after is not None:
                    error.retry_after = parse_retry_after(retry_after)
                delay = self._failed(call, route, error, status)
                if delay is None:
                    raise
                time.sleep(delay)
                continue
            self._succeeded(call, route, result, code)
            return result

    def _stream_answer(self, op: Operation[R], answer: Answer) -> EventStream[R]:
        status, rid = answer.status, answer.request_id
        if not answer.is_event_stream:
            single = self._parse(op, status, answer.read())
            rid = _request_id_of(single, rid)
            return EventStream(None, None, None, request_id=rid, status=status, single=single)
        try:
            self._stream_status(op, status, rid)
        except ResponseError:
            answer.close()
            raise
        parse = self._event_parser(op, status, rid)
        return EventStream(parse, answer.chunks(), answer.close, request_id=rid, status=status)

    def close(self) -> None:
        """Close the connection pools (a caller-supplied ``http_client`` stays open;
        on a ``with_options`` copy this does nothing)."""
        if self._owns_transports:
            pool = self._pool
            pool.closed = True
            for transport in pool.made:
                transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_ClientCore):
    """Base of generated asyncio clients: one keep-alive connection pool each
    (plus one for the circuit breaker's backup endpoint, when there is one).

    One client may be shared by any number of tasks of its event loop. After
    ``os.fork()`` the child opens its own connections; use the client there from
    a new event loop (``asyncio.run``)."""

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **options: Any) -> None:
        super().__init__(**options)
        # Looked up once: a provider that refreshes over the network has an async
        # getter, so that a refresh never blocks the event loop.
        self._aget_credential: Callable[[], Awaitable[Credential]] | None = getattr(
            self._credentials, "aget_credential", None
        )
        self._pool: _Transports[AsyncTransport]
        if http_client is not None:  # the caller has httpx loaded already
            from . import _http  # noqa: PLC0415

            self._http_errors, self._translate = _http.HTTP_ERRORS, _http.translate_error
            self._name_transport(_http.LIBRARY)
            self._pool = _Transports(
                None, tuple(_http.AsyncTransport(s, http_client) for s in self._all_settings())
            )
        else:
            self._pool = _Transports(self._aiohttp_transports)

    def _aiohttp_transports(self) -> tuple[AsyncTransport, ...]:
        # On the first request; aiohttp itself loads with the first connection.
        from ._aiohttp import AiohttpTransport, library  # noqa: PLC0415

        self._name_transport(library())
        return tuple(AiohttpTransport(s) for s in self._all_settings())

    def _call(
        self, action: str, request: Any, params: Mapping[str, Any], payload: object = None
    ) -> Awaitable[Any]:
        """What every generated method does: build the request, then invoke
        (``payload``: an octet-stream action's body)."""
        op, request = self._operation(action, request, params)
        return self._invoke(op, request, payload)

    async def _stream(
        self, action: str, request: Any, params: Mapping[str, Any]
    ) -> AsyncEventStream[Any]:
        """What every generated ``<action>_stream`` method does."""
        op, request = self._operation(action, request, params)
        result: AsyncEventStream[Any] = await self._invoke(op, request, None, True)
        return result

    async def call_stream(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> AsyncEventStream[dict[str, Any]]:
        """Like :meth:`call`, for an answer sent as server-sent events (see
        SyncClient.call_stream)."""
        op, request = self._generic(action, params, idempotent)
        result: AsyncEventStream[dict[str, Any]] = await self._invoke(op, request, None, True)
        return result

    async def call(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Call any action by name with wire-named parameters (see SyncClient.call)."""
        op, request = self._generic(action, params, idempotent)
        return await self._invoke(op, request)

    async def _invoke(
        self, op: Operation[R], request: RequestModel, payload: object = None, stream: bool = False
    ) -> Any:
        pool = self._pool
        if pool.closed:
            raise ConfigurationError(f"{op.action}: the client is closed; make a new one")
        transports = pool.made or pool.get()
        own: dict[str, str] | None = None
        if op.body == "json":
            body = self._serialize(op, request)
        else:
            body, own = self._encode(op, request, payload)
        call = _Call(op, self.retry)
        while True:
            wait = self._next_attempt(call)
            if wait > 0.0:
                await _async_sleep(wait)
            route = self._route(call)
            call.started = time.perf_counter()
            status: int | None = None
            retry_after: str | None = None
            try:
                cred = None if op.unsigned else await self._credential_async()
                headers = self._sign(op, body, cred, route, own)
                transport = transports[route.slot]
                timeout = self._timeout if call.deadline is None else self._bounded(call)
                failure: TransportError | None = None
                try:
                    if stream:
                        answer = await transport.open(headers, body, timeout)
                        code = status = answer.status
                    else:
                        code, content, retry_after = await transport.post(headers, body, timeout)
                        status = code
                except self._http_errors as exc:
                    failure = self._translate(exc, route.url)
                if failure is not None:  # raised here: the library's exception is not its context
                    raise failure
                if stream:
                    result: Any = await self._stream_answer(op, answer)
                else:
                    result = self._parse(op, code, content)
            except TencentCloudError as error:
                if retry_after is not None:
                    error.retry_after = parse_retry_after(retry_after)
                delay = self._failed(call, route, error, status)
                if delay is None:
                    raise
                await _async_sleep(delay)
                continue
            self._succeeded(call, route, result, code)
            return result

    async def _stream_answer(self, op: Operation[R], answer: AsyncAnswer) -> AsyncEventStream[R]:
        status, rid = answer.status, answer.request_id
        if not answer.is_event_stream:
            single = self._parse(op, status, await answer.read())
            rid = _request_id_of(single, rid)
            return AsyncEventStream(None, None, None, request_id=rid, status=status, single=single)
        try:
            self._stream_status(op, status, rid)
        except ResponseError:
            await answer.close()
            raise
        parse = self._event_parser(op, status, rid)
        return AsyncEventStream(parse, answer.chunks(), answer.close, request_id=rid, status=status)

    async def _credential_async(self) -> Credential:
        """The provider's ``aget_credential()`` when it has one, else ``get_credential()``."""
        aget = self._aget_credential
        return await aget() if aget is not None else self._credentials.get_credential()

    async def aclose(self) -> None:
        """Close the connection pools (a caller-supplied ``http_client`` stays open;
        on a ``with_options`` copy this does nothing)."""
        if self._owns_transports:
            pool = self._pool
            pool.closed = True
            for transport in pool.made:
                await transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _async_sleep(seconds: float) -> None:
    import asyncio  # noqa: PLC0415 - loaded by httpx with the first client anyway

    await asyncio.sleep(seconds)


def _common_service(service: str, version: str, endpoint: str | None) -> StaticServiceInfo:
    if not service or not service.replace("-", "").isalnum() or not service.isascii():
        raise ConfigurationError(f"service must be an API service name, not {service!r}")
    parts = version.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ConfigurationError(f"version must look like 2017-03-12, not {version!r}")
    return StaticServiceInfo(service, version, endpoint or f"{service}.tencentcloudapi.com")


class CommonClient(SyncClient):
    """A client for any service and version, generated or not, for actions tcapi
    has no method for: ``CommonClient("cvm", "2017-03-12", region="ap-guangzhou")
    .call("DescribeInstances", {"Limit": 1})``. It signs, retries, throttles and
    raises typed errors like the generated clients; requests are sent as given
    (no validation) and answers come back as dicts. Takes the generated clients'
    options; ``endpoint`` defaults to ``<service>.tencentcloudapi.com``."""

    def __init__(
        self, service: str, version: str, *, endpoint: str | None = None, **options: Any
    ) -> None:
        self.SERVICE = _common_service(service, version, endpoint)  # type: ignore[misc]
        super().__init__(endpoint=endpoint, **options)


class AsyncCommonClient(AsyncClient):
    """The asyncio :class:`CommonClient`: ``await client.call("Action", {...})``."""

    def __init__(
        self, service: str, version: str, *, endpoint: str | None = None, **options: Any
    ) -> None:
        self.SERVICE = _common_service(service, version, endpoint)  # type: ignore[misc]
        super().__init__(endpoint=endpoint, **options)
