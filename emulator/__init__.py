"""A local Tencent Cloud API 3.0 emulator, driven by the generated services' descriptions.

It checks what the real API checks — TC3 (v3) and HmacSHA1/HmacSHA256 (v1)
signatures, temporary-credential tokens, timestamp, service, version, action,
region, parameter names and types, per-action rate limits — and answers with
the real API's error envelopes, so SDK code can be tested without credentials
or network. On demand it also fails like a real network does (``faults.py``:
resets, 502 pages, truncated bodies, throttling, latency), and it has control
endpoints under ``/_admin/`` (``admin.py``). ``pytest -p
tcapi.emulator.pytest_plugin`` gives test suites a ``tcapi_emulator`` fixture.

Extending it: ``EmulatorApp.stages`` is the ordered list of checks every request
passes (add throttling or fault injection there), and ``EmulatorApp.register``
(or ``Emulator.register``) installs a handler for one (service, action) in place
of the default that answers the documented example.
"""

from .app import EmulatorApp, Response, make_test_credentials
from .catalog import ActionSpec, Catalog, Member, ServiceVersion
from .errors import ApiError
from .faults import FaultConfig, FaultInjector
from .handlers import Handler, RequestContext, Stage, answer_with_example
from .ratelimit import RateLimiter
from .records import RecordedRequest
from .runner import Emulator

__all__ = [
    "ActionSpec",
    "ApiError",
    "Catalog",
    "Emulator",
    "EmulatorApp",
    "FaultConfig",
    "FaultInjector",
    "Handler",
    "Member",
    "RateLimiter",
    "RecordedRequest",
    "RequestContext",
    "Response",
    "ServiceVersion",
    "Stage",
    "answer_with_example",
    "make_test_credentials",
]
