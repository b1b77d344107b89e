"""STS that really issues temporary credentials.

``AssumeRole`` (signed) and ``AssumeRoleWithWebIdentity`` (unsigned) answer
with a fresh temporary key pair and token, which the app then accepts for any
other call (with ``X-TC-Token``) until ``ExpiredTime``, measured on
``app.clock``: code that assumes a role, calls a service with the result and
refreshes it before expiry can be tested end to end.

Checks, as the API documents them: ``DurationSeconds`` is 1..43200 (default
7200; AssumeRole answers ``InvalidParameter.OverTimeError`` outside it, as its
documented error codes say, AssumeRoleWithWebIdentity, which does not list that
code, ``InvalidParameter.ParamError``); ``RoleSessionName`` is 2-128 of
``[\\w+=,.@-]``; ``RoleArn`` looks like ``qcs::cam::uin/<uin>:roleName/<name>``
(or ``:role/<id>``). Any non-empty web identity token is accepted unless
``StsService.web_identity_tokens`` lists the ones to accept (others:
``InvalidParameter.WebIdentityTokenError``). Nothing is checked about who may
assume which role.

Issued credentials are kept in the app's credential table, not in the SQLite
store, so an admin reset does not revoke them. ``StsService.issued`` lists what
was issued (no secrets), for tests to count.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ApiError
from ..handlers import RequestContext

if TYPE_CHECKING:
    from ..app import EmulatorApp

SERVICE = "sts"
SERVICE_STATE = "sts"
"""``app.state`` key of this app's :class:`StsService`."""
DEFAULT_DURATION = 7200
MAX_DURATION = 43200

OVER_TIME = "InvalidParameter.OverTimeError"
PARAM_ERROR = "InvalidParameter.ParamError"
TOKEN_ERROR = "InvalidParameter.WebIdentityTokenError"  # noqa: S105 - an error code

_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,128}")
_ROLE_ARN = re.compile(r"qcs::cam::uin/[^:/]+:(roleName|role)/.+")


@dataclass(frozen=True, slots=True)
class Issued:
    """One set of temporary credentials handed out (the secrets are not kept here)."""

    action: str
    role_arn: str
    role_session_name: str
    tmp_secret_id: str
    expired_time: int
    caller: str | None
    """The SecretId that signed the request (None: unsigned)."""
    provider_id: str | None = None


class StsService:
    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self.issued: list[Issued] = []
        self.web_identity_tokens: set[str] | None = None
        """When set, the only web identity tokens AssumeRoleWithWebIdentity accepts."""
        self._lock = threading.Lock()

    def _duration(self, params: Mapping[str, Any], out_of_range: str) -> int:
        value = params.get("DurationSeconds")
        duration = DEFAULT_DURATION if value is None else int(value)
        if not 0 < duration <= MAX_DURATION:
            raise ApiError(
                out_of_range,
                f"DurationSeconds must be between 1 and {MAX_DURATION} seconds, not {duration}.",
            )
        return duration

    @staticmethod
    def _role(params: Mapping[str, Any]) -> tuple[str, str]:
        role_arn, session = str(params["RoleArn"]), str(params["RoleSessionName"])
        if not _ROLE_ARN.fullmatch(role_arn):
            raise ApiError(
                PARAM_ERROR, f"RoleArn `{role_arn}` is not a role's resource description."
            )
        if not _SESSION_NAME.fullmatch(session):
            raise ApiError(
                PARAM_ERROR, "RoleSessionName must be 2-128 letters, digits or =,.@_-+ characters."
            )
        return role_arn, session

    def _issue(
        self, ctx: RequestContext, issued: Callable[[str, int], Issued], duration: int
    ) -> dict[str, Any]:
        expired_time = int(ctx.received_at) + duration
        tmp_id, tmp_key, token = self.app.issue_temporary_credentials(expired_time)
        with self._lock:
            self.issued.append(issued(tmp_id, expired_time))
        return {
            "Credentials": {"Token": token, "TmpSecretId": tmp_id, "TmpSecretKey": tmp_key},
            "ExpiredTime": expired_time,
            "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expired_time)),
        }

    def assume_role(self, ctx: RequestContext) -> Mapping[str, Any]:
        params = ctx.params or {}
        role_arn, session = self._role(params)
        duration = self._duration(params, OVER_TIME)
        caller = ctx.caller.secret_id if ctx.caller is not None else None
        return self._issue(
            ctx,
            lambda tmp_id, expiry: Issued("AssumeRole", role_arn, session, tmp_id, expiry, caller),
            duration,
        )

    def assume_role_with_web_identity(self, ctx: RequestContext) -> Mapping[str, Any]:
        params = ctx.params or {}
        role_arn, session = self._role(params)
        duration = self._duration(params, PARAM_ERROR)
        provider_id = str(params["ProviderId"])
        token = str(params["WebIdentityToken"])
        allowed = self.web_identity_tokens
        if not token or (allowed is not None and token not in allowed):
            raise ApiError(TOKEN_ERROR, "The web identity token is invalid.")
        caller = ctx.caller.secret_id if ctx.caller is not None else None
        return self._issue(
            ctx,
            lambda tmp_id, expiry: Issued(
                "AssumeRoleWithWebIdentity", role_arn, session, tmp_id, expiry, caller, provider_id
            ),
            duration,
        )


def install(app: EmulatorApp) -> None:
    """Register the STS handlers for the actions the app's STS spec has."""
    service = StsService(app)
    app.state[SERVICE_STATE] = service
    known = {a for spec in app.catalog if spec.service == SERVICE for a in spec.actions}
    handlers = {
        "AssumeRole": service.assume_role,
        "AssumeRoleWithWebIdentity": service.assume_role_with_web_identity,
    }
    for name, handler in handlers.items():
        if name in known:
            app.register(SERVICE, name, handler)


def sts_service(app: EmulatorApp) -> StsService:
    """The app's :class:`StsService` (raises when the STS semantics are not installed)."""
    service = app.state.get(SERVICE_STATE)
    if not isinstance(service, StsService):
        raise RuntimeError("the STS semantics are not installed in this app")
    return service
