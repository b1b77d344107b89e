"""The sans-IO emulator: bytes in, (status, headers, bytes) out.

A request passes a list of stages — size, authentication, routing, parameter
parsing, validation — and then the handler registered for its (service, action),
or the default one that answers the documented example. Every stage is a plain
callable on ``app.stages``, so later features (state, throttling, fault
injection) are new stages or handlers rather than edits to this file. No
sockets here: the HTTP server in ``server.py`` is a thin adapter, and tests can
call ``handle`` directly.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from email.message import Message
from typing import Any

from .auth import authenticate
from .catalog import Catalog
from .errors import ApiError, missing
from .handlers import Handler, RequestContext, Stage, answer_with_example
from .query import params_from_query
from .records import RecordedRequest, RequestLog, safe_headers
from .validation import validate_params

logger = logging.getLogger("tcapi.emulator")

MAX_POST_BYTES = 10 * 1024 * 1024
MAX_GET_BYTES = 32 * 1024
JSON_CONTENT_TYPE = "application/json"
"""Exactly this: the official Python SDK only parses error bodies with this content type."""

HttpResponse = tuple[int, dict[str, str], bytes]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _media_type(content_type: str) -> str:
    msg = Message()
    msg["content-type"] = content_type
    return msg.get_content_type()


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
    ) -> None:
        self.catalog = catalog
        self.credentials = dict(credentials)
        """SecretId → SecretKey; add pairs to accept more callers."""
        self.allow_unsigned = allow_unsigned
        self.clock = clock
        self.max_post_bytes = MAX_POST_BYTES
        self.max_get_bytes = MAX_GET_BYTES
        self.requests = RequestLog(record_limit)
        self.handlers: dict[tuple[str, str], Handler] = {}
        self.default_handler: Handler = answer_with_example
        self.stages: list[Stage] = [
            self.check_request,
            self.authenticate,
            self.route,
            self.parse_params,
            self.validate,
        ]
        self.state: dict[str, Any] = {}
        """Per-app state of the handlers that model real semantics."""
        if semantics:
            from .services import install_all  # noqa: PLC0415 - services import this module

            install_all(self)

    def register(self, service: str, action: str, handler: Handler) -> None:
        """Answer (service, action) with ``handler`` instead of the example."""
        self.handlers[(service, action)] = handler

    # -- entry points -------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> HttpResponse:
        """Answer one HTTP request. ``path`` may carry the query string."""
        ctx = self._context(method, path, headers, body)
        try:
            for stage in self.stages:
                stage(ctx)
            handler = self.handlers.get((ctx.service or "", ctx.action or ""), self.default_handler)
            answer: dict[str, Any] = dict(handler(ctx))
            answer["RequestId"] = ctx.request_id
            return self._finish(ctx, answer, None)
        except ApiError as err:
            return self._finish(ctx, self._error_body(ctx, err), err.code)
        except Exception:
            logger.exception("emulator failed on %s %s", ctx.service, ctx.action)
            failure = ApiError("InternalError", "The emulator failed to handle the request.")
            return self._finish(ctx, self._error_body(ctx, failure), failure.code)

    def refuse(
        self, method: str, path: str, headers: Mapping[str, str], error: ApiError
    ) -> HttpResponse:
        """Answer an error without running the stages (e.g. a body too big to read)."""
        ctx = self._context(method, path, headers, b"")
        return self._finish(ctx, self._error_body(ctx, error), error.code)

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
        ctx.caller = authenticate(
            method=ctx.method,
            query=ctx.query,
            headers=ctx.headers,
            body=ctx.body,
            credentials=self.credentials,
            now=ctx.received_at,
            allow_unsigned=True,  # decided in route(), once the action is known
        )

    def route(self, ctx: RequestContext) -> None:
        service = ctx.caller.service if ctx.caller else None
        if not service:
            service = ctx.headers.get("host", "").split(".", 1)[0].split(":", 1)[0].lower()
            if not self.catalog.has_service(service):
                # Unsigned and sent to a bare address: the action names the service
                # when exactly one known service version has it.
                service = self._service_of_action(ctx) or service
        ctx.service = service
        if not self.catalog.has_service(service):
            raise ApiError("NoSuchProduct", f"The product `{service}` does not exist.")
        ctx.action = ctx.headers.get("x-tc-action", "").strip() or None
        if ctx.action is None:
            raise missing("X-TC-Action")
        ctx.version = ctx.headers.get("x-tc-version", "").strip() or None
        if ctx.version is None:
            raise missing("X-TC-Version")
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
        ctx.region = ctx.headers.get("x-tc-region", "").strip() or None
        ctx.language = ctx.headers.get("x-tc-language", "").strip() or None
        if ctx.region is None and ctx.spec.region_required:
            raise missing("X-TC-Region")

    def _service_of_action(self, ctx: RequestContext) -> str | None:
        action = ctx.headers.get("x-tc-action", "").strip()
        version = ctx.headers.get("x-tc-version", "").strip()
        owners = {s.service for s in self.catalog if s.version == version and action in s.actions}
        return owners.pop() if len(owners) == 1 else None

    def parse_params(self, ctx: RequestContext) -> None:
        if ctx.method == "GET":
            assert ctx.spec is not None and ctx.action_spec is not None
            ctx.params = params_from_query(ctx.query, ctx.action_spec.input, ctx.spec.structures)
            return
        media = _media_type(ctx.headers.get("content-type", ""))
        if media != JSON_CONTENT_TYPE:
            raise ApiError(
                "InvalidRequest", f"Content-Type `{media}` is not supported; send application/json."
            )
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

    def _finish(
        self, ctx: RequestContext, answer: dict[str, Any], error_code: str | None
    ) -> HttpResponse:
        try:
            text = json.dumps({"Response": answer}, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):
            logger.exception("answer for %s %s is not JSON", ctx.service, ctx.action)
            err = ApiError("InternalError", "The emulator produced an answer that is not JSON.")
            error_code = err.code
            text = json.dumps({"Response": self._error_body(ctx, err)})
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
            )
        )
        logger.info(
            "%s %s %s %s -> %s",
            ctx.method,
            ctx.service,
            ctx.version,
            ctx.action,
            error_code or "OK",
        )
        payload = text.encode("utf-8")
        return (
            200,
            {"Content-Type": JSON_CONTENT_TYPE, "Content-Length": str(len(payload))},
            payload,
        )
