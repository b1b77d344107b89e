"""The sans-IO emulator: bytes in, a :class:`Response` out.

A request passes a list of stages — size, authentication (signature v3 or v1,
temporary-credential tokens), routing, rate limiting, parameter parsing,
validation — and then the handler registered for its (service, action), or the
default one that answers the documented example. Every stage is a plain
callable on ``app.stages``, so later features are new stages or handlers rather
than edits to this file. No sockets here: the HTTP server in ``server.py`` is a
thin adapter, and tests can call ``handle`` directly.

Two things happen outside the stages. Paths under ``/_admin/`` go to the
control endpoints (``admin.py``), unsigned and unrecorded. Every other request
first asks the fault injector (``faults.py``) whether to fail it; a fault that
needs the socket (a reset, a truncated body, a delay) is named in
``Response.fault`` / ``Response.delay`` for the adapter to carry out.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlencode

from . import sigv1
from .admin import handle_admin, is_admin_path
from .auth import MAX_CLOCK_SKEW, TC3_ALGORITHM, Caller, authenticate
from .catalog import Catalog
from .errors import ApiError, missing
from .faults import (
    BEFORE_PROCESSING,
    HTTP_502,
    INTERNAL_ERROR,
    RESET_BEFORE,
    THROTTLE,
    FaultDecision,
    FaultInjector,
)
from .handlers import Handler, RequestContext, Stage, answer_with_example
from .query import params_from_headers, params_from_multipart, params_from_query
from .ratelimit import RateLimiter
from .records import RecordedRequest, RequestLog, safe_headers
from .validation import validate_params

logger = logging.getLogger("tcapi.emulator")

MAX_POST_BYTES = 10 * 1024 * 1024
MAX_GET_BYTES = 32 * 1024
JSON_CONTENT_TYPE = "application/json"
"""Exactly this: the official Python SDK only parses error bodies with this content type."""
HTML_CONTENT_TYPE = "text/html"
EVENT_STREAM_CONTENT_TYPE = "text/event-stream"
OCTET_STREAM_CONTENT_TYPE = "application/octet-stream"
MULTIPART_CONTENT_TYPE = "multipart/form-data"
_BODY_MEDIA = {
    "json": JSON_CONTENT_TYPE,
    "octet-stream": OCTET_STREAM_CONTENT_TYPE,
    "multipart": MULTIPART_CONTENT_TYPE,
}
"""The Content-Type each kind of request body (the action's spec) must have."""
STREAM_MEMBERS = ("Stream", "Streaming")
"""Boolean request members by which a streaming action is asked to stream; an
action without one always streams."""
SIGV1_STATE = "sigv1"
"""``ctx.state`` key of the verified :class:`sigv1.V1Request` of a v1-signed request."""
FAULT_STATE = "fault"
"""``ctx.state`` key of the fault injected into the request, if any."""

BAD_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


@dataclass(frozen=True, slots=True)
class Response:
    """What to send back. Unpacks as ``status, headers, body``.

    ``fault`` names an injected fault the HTTP adapter must carry out:
    ``reset_before``/``reset_after`` (reset the connection instead of answering),
    ``truncated`` (send half of ``body`` under its full Content-Length, then
    close); the other kinds are already in the answer. ``delay`` is how many
    seconds to wait before answering (or resetting).
    """

    status: int
    headers: dict[str, str]
    body: bytes
    fault: str | None = None
    delay: float = 0.0
    chunks: tuple[bytes, ...] | None = None
    """An answer sent in parts as they are ready (``Transfer-Encoding: chunked``),
    such as the events of a server-sent-event stream; ``body`` is then empty."""

    def __iter__(self) -> Iterator[Any]:
        return iter((self.status, self.headers, self.body))

    def __getitem__(self, index: int) -> Any:
        return (self.status, self.headers, self.body)[index]

    def __len__(self) -> int:
        return 3


_ALPHABET = string.ascii_letters + string.digits


def make_test_credentials() -> tuple[str, str]:
    """A random (SecretId, SecretKey) pair shaped like real ones (AKID + 32, 32 chars)."""
    secret_id = "AKID" + "".join(secrets.choice(_ALPHABET) for _ in range(32))
    secret_key = "".join(secrets.choice(_ALPHABET) for _ in range(32))
    return secret_id, secret_key


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _media_type(content_type: str) -> str:
    msg = Message()
    msg["content-type"] = content_type
    return msg.get_content_type()


@dataclass
class _Stats:
    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    errors: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, error_code: str | None) -> None:
        with self.lock:
            self.requests += 1
            if error_code is not None:
                self.errors += 1
                self.error_codes[error_code] = self.error_codes.get(error_code, 0) + 1


class EmulatorApp:
    """Answers Tencent Cloud API 3.0 requests for the services in a catalog."""

    def __init__(
        self,
        catalog: Catalog,
        credentials: Mapping[str, str],
        *,
        allow_unsigned: bool = False,
        clock: Callable[[], float] = time.time,
        record_limit: int = 1000,
        semantics: bool = True,
        db: str = ":memory:",
        instance_ready_delay: float = 2.0,
        rate_limit: bool = True,
        faults: str | None = None,
        seed: int | None = None,
        tokens: Mapping[str, str] | None = None,
    ) -> None:
        self.catalog = catalog
        self.credentials = dict(credentials)
        """SecretId → SecretKey; add pairs to accept more callers."""
        self.tokens: dict[str, str] = dict(tokens or {})
        """Token → SecretId of temporary credentials. A SecretId named here is
        temporary: its requests must carry that token (X-TC-Token / Token)."""
        self.token_expiry: dict[str, float] = {}
        """Token → expiry time (``clock()`` seconds); tokens not here never expire."""
        self.allow_unsigned = allow_unsigned
        self.clock = clock
        self.max_post_bytes = MAX_POST_BYTES
        self.max_get_bytes = MAX_GET_BYTES
        self.requests = RequestLog(record_limit)
        self.handlers: dict[tuple[str, str], Handler] = {}
        self.default_handler: Handler = answer_with_example
        self.rate_limiter = RateLimiter(enabled=rate_limit)
        """Per-action limits; ``app.rate_limiter.enabled = False`` switches it off."""
        self.faults = FaultInjector(faults, seed)
        """Injected faults; ``app.faults.configure(spec, seed)`` changes them."""
        self.stages: list[Stage] = [
            self.check_request,
            self.authenticate,
            self.route,
            self.rate_limiter,
            self.parse_params,
            self.validate,
        ]
        self._stats = _Stats()
        self.state: dict[str, Any] = {}
        """Per-app state of the handlers that model real semantics. A service may put
        a callable at ``state["reset"]``; the admin reset calls it."""
        self.db_path = db
        """Where stateful services keep their data (SQLite path; ``:memory:`` by default)."""
        self.instance_ready_delay = instance_ready_delay
        """Seconds a newly created instance-like resource takes to become ready."""
        if semantics:
            from .services import install_all  # noqa: PLC0415 - services import this module

            install_all(self)

    def register(self, service: str, action: str, handler: Handler) -> None:
        """Answer (service, action) with ``handler`` instead of the example."""
        self.handlers[(service, action)] = handler

    def add_temporary_credentials(
        self, secret_id: str, secret_key: str, token: str, expires_at: float | None = None
    ) -> None:
        """Accept a temporary key pair, only together with ``token``, until ``expires_at``."""
        self.credentials[secret_id] = secret_key
        self.tokens[token] = secret_id
        if expires_at is not None:
            self.token_expiry[token] = expires_at

    def issue_temporary_credentials(
        self, expires_at: float, secret_id: str | None = None
    ) -> tuple[str, str, str]:
        """Make up a temporary key pair and its token, accepted until ``expires_at``
        (``clock()`` seconds); returns ``(secret_id, secret_key, token)``."""
        tmp_id, tmp_key = make_test_credentials()
        if secret_id is not None:
            tmp_id = secret_id
        token = secrets.token_urlsafe(48)
        self.add_temporary_credentials(tmp_id, tmp_key, token, expires_at)
        return tmp_id, tmp_key, token

    def reset(self) -> bool:
        """Back to a clean slate: the services' reset hook, the request log, the
        rate limiter. Returns whether a reset hook (``state["reset"]``) was called."""
        hook = self.state.get("reset")
        if callable(hook):
            hook()
        self.requests.clear()
        self.rate_limiter.reset()
        return callable(hook)

    def stats(self) -> dict[str, Any]:
        """Counts since start-up, JSON-ready (what ``/_admin/health`` reports)."""
        s = self._stats
        with s.lock:
            return {
                "uptime_seconds": round(time.monotonic() - s.started, 3),
                "requests": s.requests,
                "errors": s.errors,
                "error_codes": dict(s.error_codes),
                "recorded": len(self.requests.snapshot()),
            }

    # -- entry points -------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one HTTP request. ``path`` may carry the query string."""
        ctx = self._context(method, path, headers, body)
        if is_admin_path(ctx.path):
            status, answer = handle_admin(self, ctx.method, ctx.path, ctx.body)
            payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            return Response(status, self._json_headers(payload), payload)
        decision = self.faults.decide()
        if decision.kind is not None:
            ctx.state[FAULT_STATE] = decision.kind
        if decision.kind in BEFORE_PROCESSING:
            return self._inject(ctx, decision)
        response = self._process(ctx)
        if decision.kind is None and not decision.delay:
            return response
        return dataclasses.replace(response, fault=decision.kind, delay=decision.delay)

    def refuse(
        self, method: str, path: str, headers: Mapping[str, str], error: ApiError
    ) -> Response:
        """Answer an error without running the stages (e.g. a body too big to read)."""
        ctx = self._context(method, path, headers, b"")
        return self._finish(ctx, self._error_body(ctx, error), error.code)

    def _process(self, ctx: RequestContext) -> Response:
        try:
            for stage in self.stages:
                stage(ctx)
            handler = self.handlers.get((ctx.service or "", ctx.action or ""), self.default_handler)
            if self._wants_stream(ctx):
                return self._stream(ctx, handler)
            answer: dict[str, Any] = dict(handler(ctx))
            answer["RequestId"] = ctx.request_id
            return self._finish(ctx, answer, None)
        except ApiError as err:
            return self._finish(ctx, self._error_body(ctx, err), err.code)
        except Exception:
            logger.exception("emulator failed on %s %s", ctx.service, ctx.action)
            failure = ApiError("InternalError", "The emulator failed to handle the request.")
            return self._finish(ctx, self._error_body(ctx, failure), failure.code)

    @staticmethod
    def _wants_stream(ctx: RequestContext) -> bool:
        spec = ctx.action_spec
        if spec is None or not spec.streams:
            return False
        asks = [m.wire for m in spec.input if m.wire in STREAM_MEMBERS and m.type == "boolean"]
        return not asks or any((ctx.params or {}).get(name) is True for name in asks)

    def _stream(self, ctx: RequestContext, handler: Handler) -> Response:
        """A streaming action's answer as server-sent events: a documented event
        stream of the action (the first whose request matches, else the first), or
        the handler's answer as one event. The RequestId is in ``X-TC-RequestId``."""
        spec = ctx.action_spec
        assert spec is not None
        documented = [e for e in spec.examples if e.get("events")]
        match = next((e for e in documented if e.get("request") == ctx.params), None)
        chosen = match or (documented[0] if documented else None)
        events = [dict(e) for e in chosen["events"]] if chosen else [dict(handler(ctx))]
        self._record(ctx, None)
        chunks = tuple(
            b"data: " + json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"
            for e in events
        )
        headers = {
            "Content-Type": EVENT_STREAM_CONTENT_TYPE,
            "Cache-Control": "no-cache",
            "X-TC-RequestId": ctx.request_id,
        }
        return Response(200, headers, b"", chunks=chunks)

    def _inject(self, ctx: RequestContext, decision: FaultDecision) -> Response:
        """Answer a fault that replaces processing; nothing reaches the handler."""
        ctx.action = self._action_for_log(ctx)
        kind = decision.kind
        if kind == RESET_BEFORE:
            self._record(ctx, None)
            return Response(0, {}, b"", kind, decision.delay)
        if kind == HTTP_502:
            self._record(ctx, None)
            length = str(len(BAD_GATEWAY_PAGE))
            headers = {"Content-Type": HTML_CONTENT_TYPE, "Content-Length": length}
            return Response(502, headers, BAD_GATEWAY_PAGE, kind, decision.delay)
        if kind == THROTTLE:
            err = ApiError(
                "RequestLimitExceeded",
                "Your current request times exceeds the frequency limit. "
                "Please reduce the frequency of calls.",
            )
        else:
            assert kind == INTERNAL_ERROR, kind
            err = ApiError("InternalError", "An internal error occurred. Please try again later.")
        response = self._finish(ctx, self._error_body(ctx, err), err.code)
        return Response(response.status, response.headers, response.body, kind, decision.delay)

    @staticmethod
    def _action_for_log(ctx: RequestContext) -> str | None:
        """The action a request names (v3 header or v1 parameter), unverified."""
        action = ctx.headers.get("x-tc-action", "").strip()
        if not action:
            try:
                pairs = sigv1.form_pairs(ctx.method, ctx.query, ctx.headers, ctx.body) or []
            except ApiError:
                pairs = []
            action = next((v for k, v in pairs if k == "Action"), "").strip()
        return action or None

    # -- stages -------------------------------------------------------------------

    def check_request(self, ctx: RequestContext) -> None:
        if ctx.method not in ("POST", "GET"):
            raise ApiError("InvalidRequest", f"HTTP method {ctx.method} is not supported.")
        if ctx.path != "/":
            raise ApiError("InvalidRequest", "The request path must be `/`.")
        if ctx.method == "POST" and len(ctx.body) > self.max_post_bytes:
            raise ApiError("RequestSizeLimitExceeded", "The request body exceeds 10 MB.")
        if ctx.method == "GET" and len(ctx.query) > self.max_get_bytes:
            raise ApiError("RequestSizeLimitExceeded", "The GET request exceeds 32 KB.")

    def authenticate(self, ctx: RequestContext) -> None:
        pairs = sigv1.form_pairs(ctx.method, ctx.query, ctx.headers, ctx.body)
        if pairs is not None:
            if ctx.method == "POST" and len(ctx.body) > sigv1.MAX_POST_BYTES:
                raise ApiError(
                    "RequestSizeLimitExceeded", "A v1-signed request body may not exceed 1 MB."
                )
            v1 = sigv1.verify(
                method=ctx.method,
                pairs=pairs,
                host=ctx.headers.get("host", ""),
                credentials=self.credentials,
                now=ctx.received_at,
                max_skew=MAX_CLOCK_SKEW,
            )
            ctx.state[SIGV1_STATE] = v1
            ctx.caller = Caller(secret_id=v1.secret_id, service=None)
            token = v1.token
        else:
            ctx.caller = authenticate(
                method=ctx.method,
                query=ctx.query,
                headers=ctx.headers,
                body=ctx.body,
                credentials=self.credentials,
                now=ctx.received_at,
                allow_unsigned=True,  # decided in route(), once the action is known
            )
            token = ctx.headers.get("x-tc-token", "").strip() or None
        self._check_token(ctx, token)

    def _check_token(self, ctx: RequestContext, token: str | None) -> None:
        """A temporary SecretId is only good with its own, unexpired token."""
        secret_id = ctx.caller.secret_id if ctx.caller is not None else None
        if secret_id is None or secret_id not in list(self.tokens.values()):
            return
        if token is None:
            raise ApiError(
                "AuthFailure.TokenFailure",
                "The SecretId is a temporary one: the request must carry its token.",
            )
        if self.tokens.get(token) != secret_id:
            raise ApiError("AuthFailure.TokenFailure", "The token is invalid for this SecretId.")
        expires_at = self.token_expiry.get(token)
        if expires_at is not None and ctx.received_at >= expires_at:
            raise ApiError("AuthFailure.TokenFailure", "The token has expired.")

    def route(self, ctx: RequestContext) -> None:
        v1: sigv1.V1Request | None = ctx.state.get(SIGV1_STATE)
        if v1 is not None:
            action, version = v1.action, v1.version
            region, language = v1.region, v1.language
            action_name, version_name, region_name = "Action", "Version", "Region"
        else:
            h = ctx.headers
            action = h.get("x-tc-action", "").strip() or None
            version = h.get("x-tc-version", "").strip() or None
            region = h.get("x-tc-region", "").strip() or None
            language = h.get("x-tc-language", "").strip() or None
            action_name, version_name, region_name = "X-TC-Action", "X-TC-Version", "X-TC-Region"
        service = ctx.caller.service if ctx.caller else None
        if not service:
            service = ctx.headers.get("host", "").split(".", 1)[0].split(":", 1)[0].lower()
            if not self.catalog.has_service(service):
                # Sent to a bare address without a credential scope (unsigned or v1):
                # the action names the service when one known service version has it.
                service = self._service_of_action(action, version) or service
        ctx.service = service
        if not self.catalog.has_service(service):
            raise ApiError("NoSuchProduct", f"The product `{service}` does not exist.")
        ctx.action = action
        if ctx.action is None:
            raise missing(action_name)
        ctx.version = version
        if ctx.version is None:
            raise missing(version_name)
        ctx.spec = self.catalog.get(service, ctx.version)
        if ctx.spec is None:
            raise ApiError(
                "NoSuchVersion",
                f"The requested version `{ctx.version}` of service `{service}` does not exist.",
            )
        ctx.action_spec = ctx.spec.actions.get(ctx.action)
        if ctx.action_spec is None:
            raise ApiError("InvalidAction", f"The requested action `{ctx.action}` does not exist.")
        unsigned = ctx.caller is not None and ctx.caller.secret_id is None
        if unsigned and not (self.allow_unsigned or ctx.action_spec.unsigned):
            raise ApiError(
                "AuthFailure.InvalidAuthorization",
                "Unsigned requests (Authorization: SKIP) are refused for this action.",
            )
        ctx.region = region
        ctx.language = language
        if ctx.region is None and ctx.spec.region_required:
            raise missing(region_name)

    def _service_of_action(self, action: str | None, version: str | None) -> str | None:
        owners = {s.service for s in self.catalog if s.version == version and action in s.actions}
        return owners.pop() if len(owners) == 1 else None

    def parse_params(self, ctx: RequestContext) -> None:
        assert ctx.spec is not None and ctx.action_spec is not None
        v1: sigv1.V1Request | None = ctx.state.get(SIGV1_STATE)
        if v1 is not None:
            query = urlencode(v1.params)
            ctx.params = params_from_query(query, ctx.action_spec.input, ctx.spec.structures)
            return
        if ctx.method == "GET":
            ctx.params = params_from_query(ctx.query, ctx.action_spec.input, ctx.spec.structures)
            return
        media = _media_type(ctx.headers.get("content-type", ""))
        body_kind = ctx.action_spec.body
        wanted = _BODY_MEDIA[body_kind]
        if media != wanted:
            raise ApiError(
                "InvalidRequest", f"Content-Type `{media}` is not supported; send {wanted}."
            )
        if body_kind == "octet-stream":
            ctx.params = params_from_headers(
                ctx.headers, ctx.action_spec.header_prefix, ctx.action_spec.input
            )
            return
        if body_kind == "multipart":
            ctx.params = params_from_multipart(
                ctx.headers.get("content-type", ""), ctx.body, ctx.action_spec
            )
            return
        try:
            params = json.loads(ctx.body or b"{}", parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise ApiError("InvalidParameter", "The request body is not valid JSON.") from None
        if not isinstance(params, dict):
            raise ApiError("InvalidParameter", "The request body must be a JSON object.")
        ctx.params = params

    def validate(self, ctx: RequestContext) -> None:
        assert ctx.spec is not None and ctx.action_spec is not None and ctx.params is not None
        validate_params(ctx.action_spec.input, ctx.spec.structures, ctx.params)

    # -- helpers ------------------------------------------------------------------

    def _context(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> RequestContext:
        path, _, query = path.partition("?")
        return RequestContext(
            method=method.upper(),
            path=path,
            query=query,
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
            request_id=str(uuid.uuid4()),
            received_at=self.clock(),
        )

    @staticmethod
    def _error_body(ctx: RequestContext, err: ApiError) -> dict[str, Any]:
        return {"Error": {"Code": err.code, "Message": err.message}, "RequestId": ctx.request_id}

    @staticmethod
    def _json_headers(payload: bytes) -> dict[str, str]:
        return {"Content-Type": JSON_CONTENT_TYPE, "Content-Length": str(len(payload))}

    @staticmethod
    def _signature_kind(ctx: RequestContext) -> str | None:
        v1: sigv1.V1Request | None = ctx.state.get(SIGV1_STATE)
        if v1 is not None:
            return str(v1.signature_method)
        if ctx.caller is not None and ctx.caller.secret_id is not None:
            return TC3_ALGORITHM
        return None

    def _record(self, ctx: RequestContext, error_code: str | None) -> None:
        self._stats.count(error_code)
        self.requests.append(
            RecordedRequest(
                method=ctx.method,
                path=ctx.path,
                headers=safe_headers(ctx.headers),
                service=ctx.service,
                version=ctx.version,
                action=ctx.action,
                region=ctx.region,
                params=ctx.params,
                request_id=ctx.request_id,
                error_code=error_code,
                fault=ctx.state.get(FAULT_STATE),
                signature=self._signature_kind(ctx),
            )
        )
        logger.info(
            "%s %s %s %s -> %s%s",
            ctx.method,
            ctx.service,
            ctx.version,
            ctx.action,
            error_code or "OK",
            f" (fault: {ctx.state[FAULT_STATE]})" if FAULT_STATE in ctx.state else "",
        )

    def _finish(
        self, ctx: RequestContext, answer: dict[str, Any], error_code: str | None
    ) -> Response:
        try:
            text = json.dumps({"Response": answer}, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):
            logger.exception("answer for %s %s is not JSON", ctx.service, ctx.action)
            err = ApiError("InternalError", "The emulator produced an answer that is not JSON.")
            error_code = err.code
            text = json.dumps({"Response": self._error_body(ctx, err)})
        self._record(ctx, error_code)
        payload = text.encode("utf-8")
        return Response(200, self._json_headers(payload), payload)
