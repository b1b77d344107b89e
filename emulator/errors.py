"""The one exception every emulator stage and handler raises to answer an API error.

Tencent Cloud reports every API error the same way (HTTP 200, an ``Error``
object in the envelope), so a stage only needs to name the code and message;
the app turns the exception into the envelope.
"""

from __future__ import annotations


class ApiError(Exception):
    """An API error answer: ``{"Response": {"Error": {"Code", "Message"}, ...}}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def missing(name: str) -> ApiError:
    return ApiError("MissingParameter", f"The parameter `{name}` is missing.")
