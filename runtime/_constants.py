"""Every default of the runtime, in one place."""

from __future__ import annotations

import sys
from typing import Final

SDK_NAME: Final = "tcapi"
SDK_VERSION: Final = "0.1.0"  # the one version source: pyproject.toml and the slim wheels read it
REQUEST_CLIENT: Final = f"{SDK_NAME}/{SDK_VERSION}"
USER_AGENT: Final = f"{SDK_NAME}/{SDK_VERSION} Python/{sys.version_info[0]}.{sys.version_info[1]}"
"""The start of every request's User-Agent; the client appends its HTTP library."""

CONTENT_TYPE_JSON: Final = "application/json"
CONTENT_TYPE_OCTET_STREAM: Final = "application/octet-stream"
CONTENT_TYPE_MULTIPART: Final = "multipart/form-data"
DEFAULT_LANGUAGE: Final = "en-US"
LANGUAGES: Final = frozenset({"en-US", "zh-CN"})
ENV_REGION: Final = "TENCENTCLOUD_REGION"

# Timeouts in seconds: fail fast on connect, allow slow control-plane calls.
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 30.0
DEFAULT_WRITE_TIMEOUT: Final = 30.0
DEFAULT_POOL_TIMEOUT: Final = 10.0
DEFAULT_MAX_CONNECTIONS: Final = 100

# Retries: attempts include the first try; delays are full-jitter exponential.
DEFAULT_MAX_ATTEMPTS: Final = 3
DEFAULT_BASE_DELAY: Final = 0.2
DEFAULT_MAX_DELAY: Final = 8.0

# Client-side throttling (throttle.py): at most each action's documented number of
# requests in any window of (1 + headroom) seconds; the headroom absorbs the jitter
# between when a request leaves and when the server counts it.
THROTTLE_HEADROOM: Final = 0.1
# Adaptive slowdown when the server still says RequestLimitExceeded: the action's
# rate is multiplied by THROTTLE_DECREASE (at most once per window) and recovers by
# THROTTLE_RECOVERY of its full rate per window.
THROTTLE_DECREASE: Final = 0.7
THROTTLE_RECOVERY: Final = 0.1

# Circuit breaker (breaker.py), with the official SDK's semantics and defaults.
BREAKER_BACKUP_REGION: Final = "ap-guangzhou"
BREAKER_MIN_FAILURES: Final = 5
BREAKER_FAILURE_RATE: Final = 0.75
BREAKER_CONSECUTIVE_FAILURES: Final = 5
BREAKER_WINDOW: Final = 300.0
BREAKER_OPEN_FOR: Final = 60.0
BREAKER_HALF_OPEN_SUCCESSES: Final = 5

# Protocol limits (protocol.md): a v3 POST body may be at most 10 MB.
MAX_POST_BODY: Final = 10 * 1024 * 1024
# How much of an unparseable response body an error message quotes.
EXCERPT_CHARS: Final = 200
