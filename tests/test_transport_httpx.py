"""The httpx transports (tcapi._http: a caller's own ``http_client=``) against real
sockets on 127.0.0.1, sync and async.

The servers are tests/test_transport_urllib3.py's raw socket servers (scripted
per connection: answer, reset, cut off, drip, stay silent) and its forward
proxy, and tests/scripted_server.py's. Each failure must be tcapi's typed error
with the right ``sent``, name the URL, and carry no header value — not in its
str or repr, not in the locals of the frames it was raised through, not as a
chained httpx exception. Timing bounds have a second or more of margin.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import socket
import ssl
import time
import traceback
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tcapi import Credential, RetryPolicy, _http
from tcapi._http import AsyncTransport, SyncTransport
from tcapi._transport import Reply as ReplyTuple
from tcapi._transport import Timeouts, TransportSettings
from tcapi.errors import (
    ConnectError,
    RequestTimeoutError,
    ResponseError,
    TencentCloudError,
    TransportError,
)
from tcapi.mqtt import AsyncMqttClient, MqttClient

from . import test_transport_urllib3 as u3
from .scripted_server import Reply, scripted_server, scripted_tls_server
from .test_transport_urllib3 import (
    PROXY_PASSWORD,
    SECRET,
    TOKEN,
    Served,
    answering,
    basic,
    chunked,
    close_gently,
    dead_port_url,
    forward_proxy,
    gzip_bomb,
    ok_answer,
    proxy_with_password,
    raw_server,
    read_request,
    reset,
)

cert = u3.cert  # the module-scoped self-signed certificate fixture (openssl)

KINDS = ["sync", "async"]
USER_AGENT = "tcapi/9.9 Python/3.x httpx/test"
PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)


def headers(host: str | None = None, **extra: str) -> dict[str, str]:
    out = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-TC-Action": "DescribeThings",
        "X-TC-Token": TOKEN,
        "Authorization": "TC3-HMAC-SHA256 Credential=AKIDx/2024-01-01/mqtt/tc3_request, "
        f"SignedHeaders=content-type;host, {SECRET}",
        **extra,
    }
    if host is not None:
        out["Host"] = host
    return out


def failure(call: Callable[[], object]) -> TencentCloudError:
    """The typed error ``call`` raises, checked by :func:`checked`."""
    return checked(caught(call))


def caught(call: Callable[[], object]) -> TencentCloudError:
    try:
        call()
    except TencentCloudError as exc:
        return exc
    raise AssertionError("no error raised")


def checked(error: TencentCloudError) -> TencentCloudError:
    """``error``, checked for what no error may carry: a header value in its str
    or repr or in the locals of any frame it went through (as error trackers
    record them), or an httpx exception as its cause or context."""
    shown = traceback.TracebackException.from_exception(error, capture_locals=True)
    text = str(error) + repr(error) + "".join(shown.format())
    for secret in (SECRET, TOKEN, PROXY_PASSWORD):
        assert secret not in text
    assert error.__cause__ is None
    assert error.__context__ is None
    return error


class Harness:
    """One transport of either kind with its caller's httpx client, driven from
    the test's thread (the async one on an event loop of its own, kept across
    calls so that its connections are pooled)."""

    def __init__(
        self, kind: str, url: str, *, read: float = 2.0, max_body: int = 1 << 20, **client: Any
    ) -> None:
        self.kind = kind
        self.url = url
        self.host = url.split("://", 1)[1].split("/", 1)[0]
        settings = TransportSettings(url, 2.0, read, True, None, max_body=max_body)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sync: SyncTransport | None = None
        self.aio: AsyncTransport | None = None
        if kind == "sync":
            self.client: httpx.Client | httpx.AsyncClient = httpx.Client(**client)
            self.sync = SyncTransport(settings, self.client)
        else:
            self.loop = asyncio.new_event_loop()
            self.client = httpx.AsyncClient(**client)
            self.aio = AsyncTransport(settings, self.client)

    def run(self, coro: Any) -> Any:
        assert self.loop is not None
        return self.loop.run_until_complete(coro)

    def post(
        self,
        body: bytes = b"{}",
        timeout: Timeouts | None = None,
        extra: dict[str, str] | None = None,
    ) -> ReplyTuple:
        # The headers are built inline: no frame of the test's own holds them.
        if self.sync is not None:
            return self.sync.post(headers(self.host, **(extra or {})), body, timeout)
        assert self.aio is not None
        result: ReplyTuple = self.run(
            self.aio.post(headers(self.host, **(extra or {})), body, timeout)
        )
        return result

    def stream(self, timeout: Timeouts | None = None) -> bytes:
        """``open()``, then the whole body through ``chunks()``."""
        if self.sync is not None:
            return b"".join(self.sync.open(headers(self.host), b"{}", timeout).chunks())
        assert self.aio is not None

        async def main() -> bytes:
            assert self.aio is not None
            answer = await self.aio.open(headers(self.host), b"{}", timeout)
            return b"".join([piece async for piece in answer.chunks()])

        result: bytes = self.run(main())
        return result

    def read(self) -> bytes:
        """``open()``, then ``read()``."""
        if self.sync is not None:
            return self.sync.open(headers(self.host), b"{}").read()
        assert self.aio is not None

        async def main() -> bytes:
            assert self.aio is not None
            return await (await self.aio.open(headers(self.host), b"{}")).read()

        result: bytes = self.run(main())
        return result

    def close(self) -> None:
        if isinstance(self.client, httpx.Client):
            self.client.close()
        else:
            self.run(self.client.aclose())
            assert self.loop is not None
            self.loop.close()


@contextmanager
def harness(kind: str, url: str, **options: Any) -> Iterator[Harness]:
    h = Harness(kind, url, **options)
    try:
        yield h
    finally:
        h.close()


def timed(call: Callable[[], object]) -> tuple[TencentCloudError, float]:
    """:func:`failure`, and how long ``call`` took to fail."""
    started = time.monotonic()
    error = caught(call)
    elapsed = time.monotonic() - started
    return checked(error), elapsed


# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize("kind", KINDS)
def test_answers_with_the_given_headers_on_one_connection(kind: str) -> None:
    answer = ok_answer(b'{"Response":{}}', extra="Retry-After: 7\r\n")
    with raw_server(answering(answer, keep_alive=True)) as served:
        with harness(kind, served.url) as h:
            for _ in range(3):
                assert h.post(b'{"A":1}') == (200, b'{"Response":{}}', "7")
    assert served.connections == 1  # the caller's pool kept the connection
    head = served.heads[0].decode("latin-1").lower()
    assert "accept-encoding: identity\r\n" in head + "\r\n"  # not httpx's gzip, deflate
    assert f"user-agent: {USER_AGENT.lower()}" in head  # the header given, not httpx's
    assert f"x-tc-token: {TOKEN.lower()}" in head
    assert "content-length: 7" in head


@pytest.mark.parametrize("kind", KINDS)
def test_an_accept_encoding_given_is_authoritative(kind: str) -> None:
    with raw_server(answering(ok_answer())) as served:
        with harness(kind, served.url) as h:
            assert h.post(extra={"accept-encoding": "gzip"})[0] == 200
    head = served.heads[0].decode("latin-1").lower()
    assert head.count("accept-encoding") == 1
    assert "accept-encoding: gzip" in head


@pytest.mark.parametrize("kind", KINDS)
def test_an_event_stream_is_left_unread_by_post_and_streams_through_open(kind: str) -> None:
    stream = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"data: 1\n\n", b"data: 2\n\n")
    )
    with raw_server(answering(stream, keep_alive=True)) as served:
        with harness(kind, served.url) as h:
            assert h.post() == (200, None, None)
            assert h.stream() == b"data: 1\n\ndata: 2\n\n"


@pytest.mark.parametrize("kind", KINDS)
def test_an_event_stream_is_read_at_its_own_pace(kind: str) -> None:
    # An event every 0.15 s for longer than read_timeout: each read is in time.
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for i in range(5):
            if served.stop.wait(0.15):
                break
            conn.sendall(chunked(b"data: %d\n\n" % i, end=False))
        conn.sendall(b"0\r\n\r\n")
        close_gently(conn)

    with raw_server(handle) as served:
        with harness(kind, served.url, read=0.5) as h:
            assert h.stream().count(b"data:") == 5


@pytest.mark.parametrize("kind", KINDS)
def test_open_then_read_a_plain_answer(kind: str) -> None:
    with raw_server(answering(ok_answer(b'{"Response":{"A":1}}'), keep_alive=True)) as served:
        with harness(kind, served.url) as h:
            assert h.read() == b'{"Response":{"A":1}}'
            assert h.post()[0] == 200
    assert served.connections == 1  # read() gave the connection back


# --------------------------------------------------------------------------- the body cap


@pytest.mark.parametrize("kind", KINDS)
def test_a_declared_length_over_max_body_fails_before_reading(kind: str) -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        while read_request(conn) is not None:
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\nX-TC-RequestId: big\r\n\r\n"
            )
        conn.close()  # sends none of the promised body

    with raw_server(handle) as served:
        with harness(kind, served.url, max_body=1_000_000, read=5.0) as h:
            error, elapsed = timed(h.post)
            opened = failure(h.read)
    assert elapsed < 1.0  # not waiting for a body it would refuse anyway
    for err in (error, opened):
        assert type(err) is ResponseError
        assert "max_body limit of 1000000 bytes" in str(err)
        assert err.status == 200 and err.request_id == "big"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("framing", ["chunked", "until-close"])
def test_a_body_over_max_body_fails_while_reading(kind: str, framing: str) -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        if framing == "chunked":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        piece = b"x" * 65536
        for _ in range(200):  # up to 12.5 MiB; stops when the client hangs up
            try:
                conn.sendall(chunked(piece, end=False) if framing == "chunked" else piece)
            except OSError:
                break
        conn.close()

    with raw_server(handle) as served:
        with harness(kind, served.url, max_body=500_000) as h:
            errors = [failure(h.post), failure(h.stream)]
    for err in errors:
        assert type(err) is ResponseError
        assert "max_body limit of 500000 bytes" in str(err)


@pytest.mark.parametrize("kind", KINDS)
def test_a_gzip_bomb_is_never_inflated_beyond_max_body(kind: str) -> None:
    bomb = gzip_bomb()  # ~200 KiB that inflates to 200 MB
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
        + bomb
    )
    with raw_server(answering(answer, keep_alive=True)) as served:
        with harness(kind, served.url, max_body=1 << 20) as h:
            tracemalloc.start()
            try:
                errors = [failure(h.post), failure(h.stream)]
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    for err in errors:
        assert type(err) is ResponseError
        assert "larger once decompressed than the max_body limit of 1048576 bytes" in str(err)
    assert peak < 8 << 20  # a few MiB at most, never the 200 MB


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw deflate", "gzip members"])
def test_a_body_compressed_anyway_is_decoded(kind: str, encoding: str) -> None:
    body = json.dumps({"Response": {"Items": list(range(3000))}}).encode()
    if encoding == "gzip":
        packed, name = gzip.compress(body), "gzip"
    elif encoding == "gzip members":
        packed, name = gzip.compress(body[:100]) + gzip.compress(body[100:]), "gzip"
    elif encoding == "deflate":
        packed, name = zlib.compress(body), "deflate"
    else:
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        packed, name = packer.compress(body) + packer.flush(), "deflate"
    answer = ok_answer(packed, extra=f"Content-Encoding: {name}\r\n")
    with raw_server(answering(answer, keep_alive=True)) as served:
        with harness(kind, served.url) as h:
            assert h.post()[1] == body
            assert h.stream() == body


@pytest.mark.parametrize("kind", KINDS)
def test_a_corrupt_compressed_body_is_a_response_error(kind: str) -> None:
    answer = ok_answer(b"\x1f\x8b not gzip at all", extra="Content-Encoding: gzip\r\n")
    with raw_server(answering(answer)) as served:
        with harness(kind, served.url) as h:
            error = failure(h.post)
    assert type(error) is ResponseError
    assert "could not be decoded" in str(error)


@pytest.mark.parametrize("kind", KINDS)
def test_an_oversized_head_is_a_response_error(kind: str) -> None:
    fields = "".join(f"X-H{i}: {'v' * 3000}\r\n" for i in range(50))  # 150 KiB
    answer = f"HTTP/1.1 200 OK\r\n{fields}Content-Length: 0\r\n\r\n".encode()
    with raw_server(answering(answer)) as served:
        with harness(kind, served.url) as h:
            error = failure(h.post)
    assert type(error) is ResponseError
    assert "head" in str(error)


# --------------------------------------------------------------------------- time


def dripping(where: str, first_ok: bool = False) -> Callable[[socket.socket, Served], None]:
    """A server that answers one byte every 0.3 s (at most 60 of them): each read
    is in time, the answer never completes. ``first_ok``: a first request on the
    connection is answered at once, so the dripped one comes on a pooled
    connection."""

    def handle(conn: socket.socket, served: Served) -> None:
        if first_ok:
            read_request(conn)
            conn.sendall(ok_answer())
        read_request(conn)
        if where == "body":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        elif where == "until-close":  # the body ends when the connection does
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
        for _ in range(60):
            if served.stop.wait(0.3):
                break
            try:
                conn.sendall(b"x")
            except OSError:
                break
        conn.close()

    return handle


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("where", "pooled"),
    [("body", False), ("until-close", False), ("head", False), ("head", True)],
)
def test_a_drip_is_ended_by_read_timeout(kind: str, where: str, pooled: bool) -> None:
    # The caller's client keeps httpx's per-read timeout (5 s): every read is in
    # time, so only tcapi's wall-clock bound can end it. ``pooled``: the dripped
    # answer comes on a kept-alive connection (no connect event tells its socket).
    with raw_server(dripping(where, first_ok=pooled)) as served:
        with harness(kind, served.url, read=0.6) as h:
            if pooled:
                assert h.post()[0] == 200
            error, elapsed = timed(h.post)
    assert type(error) is RequestTimeoutError
    assert error.sent is True
    assert "read timeout of 0.6s" in str(error)
    assert 0.55 <= elapsed < 0.6 + 1.0
    assert served.connections == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("where", ["body", "head"])
def test_a_drip_is_ended_by_the_calls_deadline(kind: str, where: str) -> None:
    with raw_server(dripping(where)) as served:
        with harness(kind, served.url, read=30.0) as h:
            until = time.monotonic() + 0.6
            error, elapsed = timed(lambda: h.post(timeout=Timeouts(2.0, 30.0, until)))
    assert type(error) is RequestTimeoutError
    assert error.sent is True
    assert 0.55 <= elapsed < 0.6 + 1.0


@pytest.mark.parametrize("kind", KINDS)
def test_a_drip_bounds_open_then_read_too(kind: str) -> None:
    with raw_server(dripping("body")) as served:
        with harness(kind, served.url, read=0.6) as h:
            error, elapsed = timed(h.read)
    assert type(error) is RequestTimeoutError and error.sent is True
    assert elapsed < 0.6 + 1.0


@pytest.mark.parametrize("kind", KINDS)
def test_a_server_that_never_answers_was_sent(kind: str) -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        served.stop.wait(10)
        conn.close()

    with raw_server(handle) as served:
        with harness(kind, served.url, read=0.5) as h:
            error, elapsed = timed(h.post)
    assert type(error) is RequestTimeoutError
    assert error.sent is True
    assert served.url in str(error)
    assert 0.45 <= elapsed < 0.5 + 1.0


@pytest.mark.parametrize("kind", KINDS)
def test_a_request_that_cannot_be_written_in_time_was_not_sent(kind: str) -> None:
    # A server that accepts but never reads: the 24 MiB body cannot be written.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        with harness(kind, url, read=0.5) as h:
            error, elapsed = timed(lambda: h.post(b"x" * (24 << 20)))
    finally:
        listener.close()
    assert type(error) is RequestTimeoutError
    assert error.sent is False
    assert elapsed < 0.5 + 1.5


def test_the_watchdog_frees_a_pooled_connection_only_when_its_answer_is_late() -> None:
    # Many quick answers on one keep-alive connection, each armed and disarmed:
    # no shutdown ever reaches a connection back in the pool.
    with raw_server(answering(ok_answer(), keep_alive=True)) as served:
        # 0.5 s: far above a loopback round trip even on a loaded machine (0.05 s
        # was not), and every armed deadline has passed after the sleep below.
        with harness("sync", served.url, read=0.5) as h:
            for _ in range(200):
                assert h.post()[0] == 200
            time.sleep(0.7)  # every deadline has passed
            assert h.post()[0] == 200
    assert served.connections == 1


def test_a_transport_without_a_trace_still_bounds_and_caps_the_body() -> None:
    # A caller's mount that is not httpcore's (no trace, no socket): the body is
    # checked against the deadline between chunks and against max_body.
    def slowly() -> Iterator[bytes]:
        for _ in range(20):
            time.sleep(0.2)
            yield b"x"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/big":
            return httpx.Response(200, content=b"y" * 2000)
        return httpx.Response(200, content=slowly())

    client = httpx.Client(transport=httpx.MockTransport(handler))
    try:
        settings = TransportSettings("http://mock/", 1.0, 0.5, True, None, max_body=1000)
        error, elapsed = timed(lambda: SyncTransport(settings, client).post(headers(), b"{}"))
        big = settings._replace(url="http://mock/big")
        too_big = failure(lambda: SyncTransport(big, client).post(headers(), b"{}"))
    finally:
        client.close()
    assert type(error) is RequestTimeoutError and error.sent is True
    assert elapsed < 0.5 + 1.0
    assert type(too_big) is ResponseError and "max_body" in str(too_big)


# --------------------------------------------------------------------------- failures and sent


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_connection_is_a_connect_error(kind: str) -> None:
    url = dead_port_url() + "/"
    with harness(kind, url) as h:
        error = failure(h.post)
    assert type(error) is ConnectError
    assert error.sent is False
    assert url in str(error)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", ["reset mid-body", "closed mid-body", "chunked cut off"])
def test_an_answer_cut_off_was_sent(kind: str, how: str) -> None:
    if how == "chunked cut off":
        answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(
            b"abc", end=False
        )
    else:
        answer = ok_answer(b"x" * 100)[:-90]

    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        conn.sendall(answer)
        time.sleep(0.05)
        (reset if how.startswith("reset") else close_gently)(conn)

    with raw_server(handle) as served:
        with harness(kind, served.url) as h:
            errors = [failure(h.post), failure(h.stream)]
    for err in errors:
        assert type(err) is TransportError, how
        assert err.sent is True


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", ["reset", "closed"])
def test_no_answer_at_all_was_sent(kind: str, how: str) -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        (reset if how == "reset" else close_gently)(conn)

    with raw_server(handle) as served:
        with harness(kind, served.url) as h:
            error = failure(h.post)
    assert type(error) is TransportError
    assert error.sent is True


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "ap-广州"])
def test_a_header_that_is_not_http_is_not_sent_nor_quoted(kind: str, value: str) -> None:
    with raw_server(answering(ok_answer(), keep_alive=True)) as served:
        with harness(kind, served.url) as h:
            error = failure(lambda: h.post(extra={"X-TC-Region": value}))
            assert h.post()[0] == 200
    assert type(error) is TransportError
    assert error.sent is False
    assert value not in str(error) and repr(value) not in str(error)
    assert len(served.heads) == 1


def test_translate_error_keeps_no_local_protocol_message() -> None:
    request = httpx.Request("POST", "http://u:pw@127.0.0.1:1/")
    error = _http.translate_error(
        httpx.LocalProtocolError(f"Illegal header value {TOKEN!r}", request=request),
        "http://u:pw@127.0.0.1:1/",
    )
    assert type(error) is TransportError and error.sent is False
    assert TOKEN not in str(error) and "pw" not in str(error)


@pytest.mark.parametrize("kind", KINDS)
def test_no_header_value_reaches_any_log(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every step at DEBUG
    with scripted_server(Reply(reset=True)) as (url, _):
        with harness(kind, url + "/") as h:
            failure(h.post)
            assert h.post()[0] == 200
    assert "send_request_headers" in caplog.text  # httpcore did log
    for secret in (SECRET, TOKEN):
        assert secret not in caplog.text


# --------------------------------------------------------------------------- TLS


@pytest.mark.parametrize("kind", KINDS)
def test_tls_with_the_callers_verify_setting(kind: str, cert: u3.Cert) -> None:
    ca = ssl.create_default_context(cafile=cert.cert)
    with scripted_tls_server(cert.server_context()) as (url, script):
        with harness(kind, url + "/") as h:  # verify on, the system's CAs
            error = failure(h.post)
        with harness(kind, url + "/", verify=False) as h:
            assert h.post()[0] == 200
        with harness(kind, url + "/", verify=ca) as h:  # the caller's CA bundle
            assert h.post()[0] == 200
            assert h.post()[0] == 200
    assert type(error) is ConnectError
    assert error.sent is False
    assert "CERTIFICATE_VERIFY_FAILED" in str(error)
    assert len(script.received) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_a_tls_handshake_with_a_plain_server_is_a_connect_error(kind: str) -> None:
    with scripted_server() as (url, _):
        https = url.replace("http://", "https://") + "/"
        with harness(kind, https, verify=False) as h:
            error = failure(h.post)
    assert type(error) is ConnectError
    assert error.sent is False


# --------------------------------------------------------------------------- proxies


@pytest.mark.parametrize("kind", KINDS)
def test_the_callers_client_uses_the_environments_proxy(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_server() as (url, script), forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy_with_password(proxy))
        with harness(kind, url + "/", trust_env=True) as h:
            assert h.post() == (200, b'{"Response": {"RequestId": "rid-ok"}}', None)
            assert PROXY_PASSWORD not in repr(h.sync or h.aio)
    assert proxy.lines == [f"POST {url}/ HTTP/1.1"]
    assert proxy.auths == [basic("user", PROXY_PASSWORD)]
    sent = script.received[0]["headers"]
    assert sent["User-Agent"] == USER_AGENT and sent["X-TC-Token"] == TOKEN
    assert "Proxy-Authorization" not in sent


@pytest.mark.parametrize("kind", KINDS)
def test_https_through_the_environments_proxy_tunnels(
    kind: str, cert: u3.Cert, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = ssl.create_default_context(cafile=cert.cert)
    with scripted_tls_server(cert.server_context()) as (url, script), forward_proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with harness(kind, url + "/", trust_env=True, verify=ca) as h:
            assert h.post()[0] == 200
            assert h.post()[0] == 200
    assert len(proxy.lines) == 1  # one tunnel, reused
    assert proxy.lines[0].startswith("CONNECT 127.0.0.1:")
    assert len(script.received) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_no_proxy_bypasses_the_environments_proxy(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_server() as (url, script), forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
        with harness(kind, url + "/", trust_env=True) as h:
            assert h.post()[0] == 200
    assert proxy.lines == []
    assert len(script.received) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_proxy_is_a_connect_error_without_its_password(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = dead_port_url()
    monkeypatch.setenv("HTTP_PROXY", dead.replace("http://", f"http://u:{PROXY_PASSWORD}@"))
    with scripted_server() as (url, script):
        with harness(kind, url + "/", trust_env=True) as h:
            error = failure(h.post)
    assert type(error) is ConnectError
    assert error.sent is False
    assert script.received == []


# --------------------------------------------------------------------------- through a client

CREDENTIAL = Credential("AKIDhttpxtransport0000000000000000000", "httpx-transport-secret-key-01234")


def client_options(url: str, **options: Any) -> dict[str, Any]:
    return {
        "credential": CREDENTIAL,
        "region": "ap-guangzhou",
        "endpoint": url,
        "retry": RetryPolicy(max_attempts=1),
        "throttle": False,
        **options,
    }


def client_failure(call: Callable[[], object]) -> TencentCloudError:
    """A client's typed error: no header value in its str, repr or causes."""
    try:
        call()
    except TencentCloudError as exc:
        return clean(exc)
    raise AssertionError("no error raised")


def clean(error: TencentCloudError) -> TencentCloudError:
    text = "".join(traceback.format_exception(error)) + repr(error)
    assert "Signature=" not in text and CREDENTIAL.secret_key not in text
    assert error.__cause__ is None and error.__context__ is None
    return error


def test_a_client_with_a_callers_httpx_client_works_and_leaves_it_open() -> None:
    with scripted_server() as (url, script), httpx.Client() as http:
        with MqttClient(http_client=http, **client_options(url)) as client:
            assert client.describe_instance_list().request_id == "rid-ok"
        assert not http.is_closed  # the caller's to close
    assert len(script.received) == 1


def test_a_client_sends_its_user_agent_and_honours_max_body() -> None:
    big = Reply(status=200, body=b'{"Response": {"Pad": "' + b"x" * 5000 + b'"}}')
    with scripted_server(Reply.ok(), big) as (url, script), httpx.Client() as http:
        with MqttClient(http_client=http, **client_options(url, max_body=4000)) as client:
            client.describe_instance_list()
            error = client_failure(client.describe_instance_list)
    assert type(error) is ResponseError and "max_body limit of 4000 bytes" in str(error)
    sent = script.received[0]["headers"]
    assert (
        sent["User-Agent"].startswith("tcapi/")
        and f"httpx/{httpx.__version__}" in sent["User-Agent"]
    )
    assert sent["Accept-Encoding"] == "identity"


def test_an_async_client_ends_a_drip_at_its_read_timeout() -> None:
    async def main(url: str) -> TencentCloudError:
        async with httpx.AsyncClient() as http:
            options = client_options(url, read_timeout=1.0)
            async with AsyncMqttClient(http_client=http, **options) as client:
                try:
                    await client.describe_instance_list()
                except TencentCloudError as exc:
                    return exc
        raise AssertionError("no error raised")

    with raw_server(dripping("body")) as served:
        started = time.monotonic()
        error = clean(asyncio.run(main(served.url)))
        elapsed = time.monotonic() - started
    assert type(error) is RequestTimeoutError and error.sent is True
    assert elapsed < 1.0 + 1.0


def test_a_sync_client_ends_a_head_drip_at_its_total_timeout() -> None:
    with raw_server(dripping("head")) as served, httpx.Client() as http:
        options = client_options(
            served.url, read_timeout=20, retry=RetryPolicy(max_attempts=3, total_timeout=1.0)
        )
        with MqttClient(http_client=http, **options) as client:
            started = time.monotonic()
            error = client_failure(client.describe_instance_list)
            elapsed = time.monotonic() - started
    assert type(error) is RequestTimeoutError and error.sent is True
    assert elapsed < 1.0 + 1.0
    assert served.connections == 1


def test_a_client_goes_through_the_proxy_its_httpx_client_reads_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with scripted_server() as (url, script), forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy_with_password(proxy))
        with httpx.Client(trust_env=True) as http:
            with MqttClient(http_client=http, **client_options(url)) as client:
                assert client.describe_instance_list().request_id == "rid-ok"
    assert proxy.lines == [f"POST {url}/ HTTP/1.1"]
    assert proxy.auths == [basic("user", PROXY_PASSWORD)]
    assert script.received[0]["headers"]["X-TC-Action"] == "DescribeInstanceList"


def running(watchdog: Any) -> Any:
    """The watchdog's thread now (a call: no narrowing from an earlier look)."""
    return watchdog._thread


def test_the_watchdog_thread_leaves_when_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_http, "_IDLE", 0.1)
    watchdog = _http._Watchdog()
    monkeypatch.setattr(_http, "_WATCHDOG", watchdog)
    with raw_server(answering(ok_answer(), keep_alive=True)) as served:
        with harness("sync", served.url, read=0.3) as h:
            assert h.post()[0] == 200
            thread = running(watchdog)
            assert thread is not None and thread.is_alive()
            assert h.post()[0] == 200
            assert running(watchdog) is thread  # one thread serves every attempt
            thread.join(3.0)  # its last wake-up (0.3 s), then 0.1 s idle
            assert not thread.is_alive() and running(watchdog) is None
            assert h.post()[0] == 200  # a new one starts on demand
            assert running(watchdog) not in (None, thread)
