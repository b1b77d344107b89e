"""Answers that arrive as server-sent events (``text/event-stream``).

Some actions (hunyuan ChatCompletions with ``Stream: true``, the ``...SSE``
actions) answer with a stream of events, each ``data:`` a JSON object shaped like
the action's Response. A client's ``<action>_stream()`` method (or
``call_stream()``) sends the request like any call — retried until the answer
starts, never after — and returns an :class:`EventStream` (sync) or
:class:`AsyncEventStream` (asyncio) of the parsed events.

The decoder follows the HTML living standard's event-stream format: lines end in
CRLF, LF or CR; ``data`` fields of one event are joined with ``\\n``; a blank line
ends an event; ``:`` starts a comment; ``event``, ``id`` and ``retry`` are kept
on :class:`ServerSentEvent`. Bounded: an event (or a line) over
:data:`MAX_EVENT_BYTES` raises :class:`~tcapi.errors.ResponseError`, so a hostile
server cannot make the client buffer without end. An event whose data is an
``Error`` envelope raises the typed API error, as a JSON answer would.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any, Final, Generic, NamedTuple, Self, TypeVar

from .errors import ResponseError

MAX_EVENT_BYTES: Final = 8 * 1024 * 1024
"""The largest event (all its lines) a stream may send: 8 MiB."""

R = TypeVar("R")


class ServerSentEvent(NamedTuple):
    """One dispatched event, as the server sent it."""

    data: str
    event: str = ""
    id: str | None = None
    retry: int | None = None


class SseDecoder:
    """Bytes in, events out: feed chunks as they arrive, take complete events."""

    __slots__ = (
        "_buf",
        "_data",
        "_event",
        "_id",
        "_request_id",
        "_retry",
        "_size",
        "_skip_lf",
        "_status",
    )

    def __init__(self, *, status: int | None = None, request_id: str | None = None) -> None:
        self._status = status
        self._request_id = request_id
        self._buf = b""
        self._skip_lf = False
        self._data: list[str] = []
        self._size = 0
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events completed by ``chunk``."""
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._skip_lf = False
        buf = self._buf + chunk if self._buf else chunk
        out: list[ServerSentEvent] = []
        start = 0
        n = len(buf)
        while start < n:
            cr = buf.find(b"\r", start)
            lf = buf.find(b"\n", start)
            if cr == -1 and lf == -1:
                break
            end = lf if cr == -1 or (lf != -1 and lf < cr) else cr
            line = buf[start:end]
            if buf[end : end + 1] == b"\r":
                if end + 1 == n:
                    self._skip_lf = True  # a CRLF split across chunks
                    start = end + 1
                elif buf[end + 1 : end + 2] == b"\n":
                    start = end + 2
                else:
                    start = end + 1
            else:
                start = end + 1
            event = self._line(line)
            if event is not None:
                out.append(event)
        self._buf = buf[start:]
        if len(self._buf) + self._size > MAX_EVENT_BYTES:
            raise self._too_large(self._buf)
        return out

    def _too_large(self, data: bytes) -> ResponseError:
        return ResponseError(
            f"an event of the stream is larger than {MAX_EVENT_BYTES} bytes",
            status=self._status,
            excerpt=_excerpt(data),
            request_id=self._request_id,
        )

    def close(self) -> list[ServerSentEvent]:
        """At the end of the stream: an unterminated last line still counts, an
        event without its blank line is dispatched (servers often omit it)."""
        out = self.feed(b"\n") if self._buf else []
        if self._data:
            out.append(self._dispatch())
        return out

    def _line(self, raw: bytes) -> ServerSentEvent | None:
        if not raw:
            if self._data:
                return self._dispatch()
            self._reset()
            return None
        if raw[:1] == b":":
            return None
        self._size += len(raw)
        if self._size > MAX_EVENT_BYTES:
            raise self._too_large(raw)
        text = raw.decode("utf-8", "replace")
        name, colon, value = text.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _reset(self) -> None:
        self._event = ""
        self._size = 0

    def _dispatch(self) -> ServerSentEvent:
        event = ServerSentEvent(
            data="\n".join(self._data), event=self._event, id=self._id, retry=self._retry
        )
        self._data = []
        self._reset()
        return event


def _excerpt(data: bytes) -> str:
    from .client import _excerpt as excerpt  # noqa: PLC0415 - one definition of an excerpt

    return excerpt(data)


class _Base(Generic[R]):
    """What both streams share: the answer's facts and the per-event parse."""

    def __init__(
        self,
        parse: Callable[[ServerSentEvent], R | None] | None,
        *,
        request_id: str | None,
        status: int,
        single: R | None = None,
    ) -> None:
        self._parse = parse
        self.request_id = request_id
        """The answer's RequestId: its ``X-TC-RequestId`` header, or the Response's."""
        self.status = status
        self.last_event: ServerSentEvent | None = None
        """The raw event behind the item last yielded (None for a JSON answer)."""
        self.is_event_stream = parse is not None
        """False when the server answered with one JSON Response (given as one item)."""
        self._single = single
        self._done = False

    def __repr__(self) -> str:
        kind = "events" if self.is_event_stream else "one answer"
        return f"{type(self).__name__}({kind}, request_id={self.request_id!r})"

    def _items(self, events: list[ServerSentEvent]) -> Iterator[R]:
        """Each event's item in turn: an error in one is raised after the items before it."""
        assert self._parse is not None
        for event in events:
            self.last_event = event
            item = self._parse(event)
            if item is not None:
                yield item


class EventStream(_Base[R]):
    """The events of one answer, parsed; iterate it once (``for item in stream``).

    Use it as a context manager, or read it to the end, to release the
    connection; ``close()`` stops early. Errors while reading are tcapi's typed
    errors: ``TransportError`` (the connection broke), ``ResponseError`` (an
    event is not JSON or too large), or the API error an event carries."""

    def __init__(
        self,
        parse: Callable[[ServerSentEvent], R | None] | None,
        chunks: Iterator[bytes] | None,
        close: Callable[[], None] | None,
        *,
        request_id: str | None,
        status: int,
        single: R | None = None,
    ) -> None:
        super().__init__(parse, request_id=request_id, status=status, single=single)
        self._chunks = chunks
        self._close = close

    def __iter__(self) -> Iterator[R]:
        if self._done:
            return
        if self._parse is None:
            self._done = True
            if self._single is not None:
                yield self._single
            return
        assert self._chunks is not None
        decoder = SseDecoder(status=self.status, request_id=self.request_id)
        try:
            for chunk in self._chunks:
                yield from self._items(decoder.feed(chunk))
            yield from self._items(decoder.close())
        finally:
            self.close()

    def close(self) -> None:
        """Release the connection (idempotent)."""
        self._done = True
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncEventStream(_Base[R]):
    """The asyncio :class:`EventStream`: ``async for item in stream``, closed by
    ``async with`` or ``await stream.aclose()``."""

    def __init__(
        self,
        parse: Callable[[ServerSentEvent], R | None] | None,
        chunks: AsyncIterator[bytes] | None,
        close: Callable[[], Any] | None,
        *,
        request_id: str | None,
        status: int,
        single: R | None = None,
    ) -> None:
        super().__init__(parse, request_id=request_id, status=status, single=single)
        self._chunks = chunks
        self._close = close

    async def __aiter__(self) -> AsyncIterator[R]:
        if self._done:
            return
        if self._parse is None:
            self._done = True
            if self._single is not None:
                yield self._single
            return
        assert self._chunks is not None
        decoder = SseDecoder(status=self.status, request_id=self.request_id)
        try:
            async for chunk in self._chunks:
                for item in self._items(decoder.feed(chunk)):
                    yield item
            for item in self._items(decoder.close()):
                yield item
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Release the connection (idempotent)."""
        self._done = True
        close, self._close = self._close, None
        if close is not None:
            await close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def event_data(event: ServerSentEvent, status: int, request_id: str | None) -> Any:
    """The JSON value of an event's data (None for an empty or ``[DONE]`` event)."""
    data = event.data
    if not data or data.strip() == "[DONE]":
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise ResponseError(
            "an event of the stream is not JSON",
            status=status,
            excerpt=_excerpt(data.encode()),
            request_id=request_id,
        ) from None
