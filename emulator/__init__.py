"""A local Tencent Cloud API 3.0 emulator, driven by the generated services' descriptions.

It checks what the real API checks — TC3 signature, timestamp, service, version,
action, region, parameter names and types — and answers with the real API's
error envelopes, so SDK code can be tested without credentials or network.

Extending it: ``EmulatorApp.stages`` is the ordered list of checks every request
passes (add throttling or fault injection there), and ``EmulatorApp.register``
(or ``Emulator.register``) installs a handler for one (service, action) in place
of the default that answers the documented example.
"""

from .app import EmulatorApp
from .catalog import ActionSpec, Catalog, Member, ServiceVersion
from .errors import ApiError
from .handlers import Handler, RequestContext, Stage, answer_with_example
from .records import RecordedRequest
from .runner import Emulator, make_test_credentials

__all__ = [
    "ActionSpec",
    "ApiError",
    "Catalog",
    "Emulator",
    "EmulatorApp",
    "Handler",
    "Member",
    "RecordedRequest",
    "RequestContext",
    "ServiceVersion",
    "Stage",
    "answer_with_example",
    "make_test_credentials",
]
