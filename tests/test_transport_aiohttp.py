"""The aiohttp transport (tcapi._aiohttp) against real sockets on 127.0.0.1.

Every server here is a raw socket server in a thread, scripted per connection:
it reads the whole request, then answers, resets, drips or stays silent, and
closes carefully (half-close, then wait for the client) so that what the client
sees does not depend on the machine's load. No transport is mocked.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import gzip
import json
import logging
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from tcapi._aiohttp import AiohttpTransport, env_proxy
from tcapi._transport import Timeouts, TransportSettings
from tcapi.errors import (
    ConfigurationError,
    ConnectError,
    RequestTimeoutError,
    ResponseError,
    TransportError,
)

SECRET_AUTH = "TC3-HMAC-SHA256 Credential=AKIDsecretid/x, Signature=f00dfeedcafe0123456789"
SECRET_TOKEN = "token-0123456789-secret"
PROXY_PASSWORD = "pr0xy-pa55word"
OK_BODY = b'{"Response":{"RequestId":"rid-1"}}'
PROXY_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "REQUEST_METHOD",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the machine's proxy settings unless it sets its own."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


# --------------------------------------------------------------------------- servers


class Peer:
    """The server's side of one accepted connection."""

    def __init__(self, sock: socket.socket, index: int) -> None:
        self.sock = sock
        self.index = index
        self.buf = b""

    def read_request(self, timeout: float = 5.0) -> bytes | None:
        """One whole request (head and Content-Length body), None at EOF."""
        self.sock.settimeout(timeout)
        try:
            while b"\r\n\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return None
                self.buf += chunk
            head, _, rest = self.buf.partition(b"\r\n\r\n")
            match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
            length = int(match.group(1)) if match else 0
            while len(rest) < length:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return None
                rest += chunk
        except (OSError, ValueError):
            return None
        self.buf = rest[length:]
        return head + b"\r\n\r\n" + rest[:length]

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def wait_closed(self, timeout: float) -> bool:
        """Reads (and drops) until the client closes: True if it did in time."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                if not self.sock.recv(65536):
                    return True
            except TimeoutError:
                return False
            except OSError:
                return True
        return False

    def finish(self) -> None:
        """Half-close, then wait for the client to hang up (no RST for unread bytes)."""
        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        self.wait_closed(2.0)

    def reset(self) -> None:
        """Close with RST."""
        with suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        self.sock.close()


Handler = Callable[[Peer], None]


class Server:
    def __init__(self, port: int, tls: bool) -> None:
        self.port = port
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed = threading.Event()  # set by handlers that saw the client hang up
        self.lock = threading.Lock()

    def record(self, request: bytes) -> None:
        with self.lock:
            self.requests.append(request)


@contextmanager
def serve(handler: Handler, tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    server = Server(listener.getsockname()[1], tls is not None)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    socks: list[socket.socket] = []

    def run(conn: socket.socket, index: int) -> None:
        sock: socket.socket = conn
        try:
            if tls is not None:
                conn.settimeout(5)
                sock = tls.wrap_socket(conn, server_side=True)
                socks.append(sock)
            handler(Peer(sock, index))
        except OSError:
            pass  # the client went away (or refused our certificate)
        finally:
            sock.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            socks.append(conn)
            with server.lock:
                index = server.connections
                server.connections += 1
            thread = threading.Thread(target=run, args=(conn, index), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for sock in socks:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5)


def answer(
    body: bytes = OK_BODY,
    status: int = 200,
    headers: dict[str, str] | None = None,
    chunked: bool = False,
    close: bool = False,
) -> bytes:
    head = [f"HTTP/1.1 {status} X", "X-TC-RequestId: rid-1"]
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    head += [f"{k}: {v}" for k, v in all_headers.items()]
    if chunked:
        head.append("Transfer-Encoding: chunked")
        size = 4096
        payload = b"".join(
            b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
            for i in range(0, len(body), size)
        )
        payload += b"0\r\n\r\n"
    else:
        head.append(f"Content-Length: {len(body)}")
        payload = body
    if close:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def keep_alive(reply: bytes = b"", server: list[Server] | None = None) -> Handler:
    """Answers every request on the connection with ``reply`` until the client hangs up."""
    data = reply or answer()

    def handler(peer: Peer) -> None:
        while (request := peer.read_request()) is not None:
            if server:
                server[0].record(request)
            if not peer.send(data):
                return
        if server:
            server[0].closed.set()

    return handler


@contextmanager
def keep_alive_server(reply: bytes = b"", tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    box: list[Server] = []
    with serve(keep_alive(reply, box), tls) as server:
        box.append(server)
        yield server


def settings(url: str, **kw: Any) -> TransportSettings:
    return TransportSettings(
        url=url,
        connect_timeout=kw.pop("connect_timeout", 2.0),
        read_timeout=kw.pop("read_timeout", 2.0),
        verify=kw.pop("verify", True),
        proxy=kw.pop("proxy", None),
        **kw,
    )


def headers(server: Server | None = None) -> dict[str, str]:
    result = {
        "Content-Type": "application/json",
        "X-TC-Action": "DescribeThing",
        "Authorization": SECRET_AUTH,
        "X-TC-Token": SECRET_TOKEN,
    }
    if server is not None:
        result["Host"] = f"127.0.0.1:{server.port}"
    return result


def assert_no_secret(err: BaseException) -> None:
    for text in (str(err), repr(err)):
        for secret in (SECRET_AUTH, "f00dfeedcafe", SECRET_TOKEN, PROXY_PASSWORD):
            assert secret not in text, text
    assert err.__context__ is None or err.__suppress_context__


def free_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def connector_of(transport: AiohttpTransport) -> Any:
    session = transport._session
    assert session is not None
    return session.connector


# --------------------------------------------------------------------------- answers


@pytest.mark.anyio
async def test_answers_and_reuses_the_connection() -> None:
    with keep_alive_server() as server:
        transport = AiohttpTransport(settings(server.url))
        for _ in range(3):
            status, body, _ = await transport.post(headers(server), b'{"A":1}')
            assert (status, body) == (200, OK_BODY)
        assert server.connections == 1  # keep-alive: one connection for three calls
        request = server.requests[0]
        assert b"accept-encoding: identity" in request.lower()
        assert b'{"A":1}' in request
        assert not transport.is_closed
        await transport.aclose()
        assert getattr(transport, "is_closed")  # noqa: B009 - read again after aclose()
        assert server.closed.wait(2)  # aclose closed the connection
        with pytest.raises(TransportError) as info:
            await transport.post(headers(server), b"{}")
        assert info.value.sent is False and "closed" in str(info.value)


@pytest.mark.anyio
async def test_32_concurrent_calls_on_one_transport() -> None:
    with keep_alive_server() as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            for _ in range(2):
                results = await asyncio.gather(
                    *(transport.post(headers(server), b"{}") for _ in range(32))
                )
                assert results == [(200, OK_BODY, None)] * 32
            assert server.connections <= 32  # the second round reused the first's
            assert len(server.requests) == 64
        finally:
            await transport.aclose()


@pytest.mark.anyio
async def test_an_event_stream_is_not_read_by_post_and_streams_through_open() -> None:
    events = [b"data: one\n\n", b"data: two\n\n", b"data: three\n\n"]

    def handler(peer: Peer) -> None:
        while peer.read_request() is not None:
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                "X-TC-RequestId: rid-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            peer.send(head.encode())
            for event in events:
                time.sleep(0.05)
                if not peer.send(b"%x\r\n%s\r\n" % (len(event), event)):
                    return
            peer.send(b"0\r\n\r\n")

    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            assert (await transport.post(headers(), b"{}"))[:2] == (200, None)
            answer_ = await transport.open(headers(), b"{}")
            assert answer_.status == 200 and answer_.is_event_stream
            assert answer_.request_id == "rid-stream"
            received = [chunk async for chunk in answer_.chunks()]
            assert b"".join(received) == b"".join(events)
            await answer_.close()
            # the stream was read to its end: its connection is reused
            status, body, _ = await transport.post(headers(), b"{}")
            assert status == 200 and body is None
        finally:
            await transport.aclose()
        # post() released the unread stream: its connection was dropped, not reused
        assert server.connections == 2


@pytest.mark.anyio
async def test_open_then_read_a_plain_answer() -> None:
    with keep_alive_server(answer(b'{"Response":{}}', status=400)) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            answer_ = await transport.open(headers(), b"{}")
            assert (answer_.status, answer_.is_event_stream) == (400, False)
            assert answer_.request_id == "rid-1"
            assert await answer_.read() == b'{"Response":{}}'
            await answer_.close()
            assert (await transport.post(headers(), b"{}"))[0] == 400
            assert server.connections == 1
        finally:
            await transport.aclose()


# --------------------------------------------------------------------------- failures


@pytest.mark.anyio
async def test_connection_refused_is_a_connect_error_not_sent() -> None:
    transport = AiohttpTransport(settings(f"http://127.0.0.1:{free_port()}"))
    try:
        with pytest.raises(ConnectError) as info:
            await transport.post(headers(), b"{}")
    finally:
        await transport.aclose()
    err = info.value
    assert err.sent is False
    assert "127.0.0.1" in str(err) and "ClientConnectorError" in str(err)
    assert_no_secret(err)


@pytest.mark.anyio
async def test_reset_before_the_answer_is_sent_true() -> None:
    def handler(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.reset()

    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            with pytest.raises(TransportError) as info:
                await transport.post(headers(), b"{}")
        finally:
            await transport.aclose()
    err = info.value
    assert type(err) is TransportError and err.sent is True
    assert server.url in str(err)
    assert_no_secret(err)


@pytest.mark.anyio
async def test_closed_before_the_answer_is_sent_true() -> None:
    def handler(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.finish()

    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            with pytest.raises(TransportError) as info:
                await transport.post(headers(), b"{}")
        finally:
            await transport.aclose()
    assert type(info.value) is TransportError and info.value.sent is True
    assert "ServerDisconnectedError" in str(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize("how", ["reset", "close"])
async def test_cut_off_mid_body_is_sent_true(how: str) -> None:
    def handler(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(answer(b"x" * 100)[:-90])
            time.sleep(0.05)
            peer.reset() if how == "reset" else peer.finish()

    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            with pytest.raises(TransportError) as info:
                await transport.post(headers(), b"{}")
        finally:
            await transport.aclose()
    assert type(info.value) is TransportError and info.value.sent is True
    assert_no_secret(info.value)


@pytest.mark.anyio
async def test_cut_off_chunked_body_via_open_read_and_chunks() -> None:
    def handler(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(answer(b"y" * 10000, chunked=True)[:-2000])
            time.sleep(0.05)
            peer.finish()

    for use_chunks in (False, True):
        with serve(handler) as server:
            transport = AiohttpTransport(settings(server.url))
            try:
                answer_ = await transport.open(headers(), b"{}")
                with pytest.raises(TransportError) as info:
                    if use_chunks:
                        async for _ in answer_.chunks():
                            pass
                    else:
                        await answer_.read()
                await answer_.close()
            finally:
                await transport.aclose()
        assert info.value.sent is True and "cut off" in str(info.value)


@pytest.mark.anyio
async def test_garbage_answer_is_a_transport_error_sent_true() -> None:
    def handler(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(b"NOT HTTP AT ALL\r\n\r\n")
            peer.finish()

    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            with pytest.raises(TransportError) as info:
                await transport.post(headers(), b"{}")
        finally:
            await transport.aclose()
    assert type(info.value) is TransportError and info.value.sent is True
    assert "not valid HTTP" in str(info.value)


def silent(peer: Peer) -> None:
    """Reads the request, never answers; waits for the client to give up."""
    if peer.read_request() is not None:
        peer.wait_closed(5.0)


@pytest.mark.anyio
async def test_no_answer_within_read_timeout() -> None:
    with serve(silent) as server:
        transport = AiohttpTransport(settings(server.url, read_timeout=0.5))
        try:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as info:
                await transport.post(headers(), b"{}")
            elapsed = time.monotonic() - started
            assert 0.45 <= elapsed < 1.5
            # a per-call timeout (with_options) wins over the transport's
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError):
                await transport.post(headers(), b"{}", Timeouts(2.0, 0.2))
            assert time.monotonic() - started < 1.0
        finally:
            await transport.aclose()
    err = info.value
    assert err.sent is True and "0.5s" in str(err)
    assert_no_secret(err)


@pytest.mark.anyio
async def test_a_server_that_never_reads_or_answers() -> None:
    def mute(peer: Peer) -> None:
        peer.wait_closed(5.0)  # reads nothing of use, says nothing

    with serve(mute) as server:
        transport = AiohttpTransport(settings(server.url, read_timeout=0.5))
        try:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as info:
                await transport.post(headers(), b"{}")
            assert time.monotonic() - started < 1.5
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError):
                await transport.open(headers(), b"{}")
            assert time.monotonic() - started < 1.5
        finally:
            await transport.aclose()
    assert info.value.sent is True


def dripping(what: str) -> Handler:
    """Drips one byte every 0.25 s: of the body, or of the headers."""

    def handler(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        data = answer(b"z" * 400)
        head_end = data.index(b"\r\n\r\n") + 4
        if what == "body":
            if not peer.send(data[:head_end]):
                return
            data = data[head_end:]
        for i in range(len(data)):
            if not peer.send(data[i : i + 1]):
                return
            time.sleep(0.25)

    return handler


@pytest.mark.anyio
@pytest.mark.parametrize("what", ["body", "headers"])
async def test_a_slow_drip_is_bounded_by_read_timeout(what: str) -> None:
    with serve(dripping(what)) as server:
        transport = AiohttpTransport(settings(server.url, read_timeout=1.0))
        try:
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError) as info:
                await transport.post(headers(), b"{}")
            elapsed = time.monotonic() - started
        finally:
            await transport.aclose()
    assert 0.95 <= elapsed < 2.0, elapsed  # within 1 s of read_timeout
    assert info.value.sent is True and "wall-clock" in str(info.value)


@pytest.mark.anyio
async def test_a_slow_drip_bounds_open_then_read_too() -> None:
    with serve(dripping("body")) as server:
        transport = AiohttpTransport(settings(server.url, read_timeout=1.0))
        try:
            started = time.monotonic()
            answer_ = await transport.open(headers(), b"{}")
            with pytest.raises(RequestTimeoutError):
                await answer_.read()
            assert time.monotonic() - started < 2.0
        finally:
            await transport.aclose()


@pytest.mark.anyio
async def test_cancellation_propagates_and_drops_the_connection() -> None:
    def handler(peer: Peer) -> None:
        if peer.index == 0:  # the first call's: never answered
            if peer.read_request() is not None and peer.wait_closed(5.0):
                closed.set()
        else:
            keep_alive()(peer)

    closed = threading.Event()
    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url, read_timeout=5.0))
        try:
            task = asyncio.create_task(transport.post(headers(), b"{}"))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert task.cancelled()
            current = asyncio.current_task()
            assert current is not None and current.cancelling() == 0
            assert closed.wait(2)  # the connection was closed, not left in use
            connector = connector_of(transport)
            assert not connector._acquired
            assert (await transport.post(headers(), b"{}"))[:2] == (200, OK_BODY)
        finally:
            await transport.aclose()


@pytest.mark.anyio
async def test_the_callers_cancel_is_not_mistaken_for_the_deadline() -> None:
    """A caller's cancel that arrives after the deadline fired still propagates."""
    with serve(silent) as server:
        transport = AiohttpTransport(settings(server.url, read_timeout=0.3))
        try:
            task = asyncio.create_task(transport.post(headers(), b"{}"))
            await asyncio.sleep(0.05)
            # a timeout of the caller's own around the call: asyncio.timeout's error
            with pytest.raises(TimeoutError) as info:
                async with asyncio.timeout(0.1):
                    await transport.post(headers(), b"{}")
            assert not isinstance(info.value, RequestTimeoutError)
            with pytest.raises(RequestTimeoutError):
                await task
        finally:
            await transport.aclose()


# --------------------------------------------------------------------------- limits


@pytest.mark.anyio
@pytest.mark.parametrize("framing", ["content-length", "chunked", "until-close"])
async def test_the_body_cap(framing: str) -> None:
    big = b"[" + b"0," * 60_000 + b"0]"  # ~120 KB

    def reply(body: bytes) -> bytes:
        if framing == "until-close":
            head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
            return head.encode() + body
        return answer(body, chunked=framing == "chunked", close=True)

    def handler(peer: Peer) -> None:
        request = peer.read_request()
        if request is None:
            return
        peer.send(reply(big if b"big" in request else b"[1]"))
        peer.finish()

    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url, max_body=100_000))
        try:
            assert (await transport.post(headers(), b"small"))[:2] == (200, b"[1]")
            with pytest.raises(ResponseError) as info:
                await transport.post(headers(), b"big")
            answer_ = await transport.open(headers(), b"big")
            with pytest.raises(ResponseError):
                await answer_.read()
            answer_ = await transport.open(headers(), b"big")
            with pytest.raises(ResponseError):
                async for _ in answer_.chunks():
                    pass
            assert (await transport.post(headers(), b"small"))[:2] == (200, b"[1]")
        finally:
            await transport.aclose()
    assert "max_body" in str(info.value) and "100000" in str(info.value)
    assert info.value.status == 200


@pytest.mark.anyio
async def test_a_declared_length_over_the_cap_fails_before_reading() -> None:
    def handler(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
            peer.wait_closed(5.0)  # sends none of the promised gigabyte

    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url, read_timeout=5.0))
        try:
            started = time.monotonic()
            with pytest.raises(ResponseError) as info:
                await transport.post(headers(), b"{}")
            assert time.monotonic() - started < 1.0
        finally:
            await transport.aclose()
    assert "max_body" in str(info.value)


@pytest.mark.anyio
async def test_a_gzip_bomb_is_not_inflated_beyond_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # ~64 KiB
    assert len(bomb) < 100_000
    reply = answer(bomb, headers={"Content-Encoding": "gzip"})
    with keep_alive_server(reply) as server:
        transport = AiohttpTransport(settings(server.url, max_body=1024 * 1024))
        try:
            with pytest.raises(ResponseError) as info:
                await transport.post(headers(), b"{}")
            answer_ = await transport.open(headers(), b"{}")
            with pytest.raises(ResponseError):
                async for _ in answer_.chunks():
                    pass
        finally:
            await transport.aclose()
    assert "once decompressed" in str(info.value) and "max_body" in str(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "gzip-chunked"])
async def test_a_body_compressed_anyway_is_decoded(encoding: str) -> None:
    if encoding.startswith("gzip"):
        packed = gzip.compress(OK_BODY)
    elif encoding == "deflate":
        packed = zlib.compress(OK_BODY)
    else:
        obj = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        packed = obj.compress(OK_BODY) + obj.flush()
    name = encoding.removeprefix("raw-").removesuffix("-chunked")
    reply = answer(packed, headers={"Content-Encoding": name}, chunked=encoding.endswith("chunked"))
    with keep_alive_server(reply) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            assert (await transport.post(headers(), b"{}"))[:2] == (200, OK_BODY)
        finally:
            await transport.aclose()


@pytest.mark.anyio
async def test_a_corrupt_compressed_body_is_a_response_error() -> None:
    reply = answer(b"\x1f\x8b\x08\0garbage-garbage", headers={"Content-Encoding": "gzip"})
    with keep_alive_server(reply) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            with pytest.raises(ResponseError) as info:
                await transport.post(headers(), b"{}")
        finally:
            await transport.aclose()
    assert "could not be decoded" in str(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["long-line", "many-headers"])
async def test_header_limits(kind: str) -> None:
    many = {f"X-H{i}": "v" for i in range(200)}
    extra = {"X-Big": "v" * 9000} if kind == "long-line" else many
    with keep_alive_server(answer(headers=extra)) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            with pytest.raises(ResponseError) as info:
                await transport.post(headers(), b"{}")
        finally:
            await transport.aclose()
    assert ("8190 bytes" if kind == "long-line" else "128 headers") in str(info.value)


@pytest.mark.anyio
async def test_a_header_value_aiohttp_refuses_is_not_sent_and_not_quoted() -> None:
    with keep_alive_server() as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            bad = {**headers(), "X-TC-Token": SECRET_TOKEN + "\r\nX-Injected: 1"}
            with pytest.raises(TransportError) as info:
                await transport.post(bad, b"{}")
            assert (await transport.post(headers(), b"{}"))[:2] == (200, OK_BODY)
        finally:
            await transport.aclose()
    assert info.value.sent is False
    assert_no_secret(info.value)
    assert all(b"X-Injected" not in r for r in server.requests)


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (cert, key); made by ``cryptography``
    when it is installed, else by the ``openssl`` command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        import datetime
        import ipaddress

        from cryptography import x509  # type: ignore[import-not-found, unused-ignore]
        from cryptography.hazmat.primitives import hashes, serialization  # type: ignore[import-not-found, unused-ignore]
        from cryptography.hazmat.primitives.asymmetric import ec  # type: ignore[import-not-found, unused-ignore]
        from cryptography.x509.oid import NameOID  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("neither cryptography nor the openssl command is available")
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", str(key), "-out", str(cert), "-days", "2",
                "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.mark.anyio
async def test_tls_with_a_self_signed_certificate(
    certificate: tuple[Path, Path], server_tls: ssl.SSLContext
) -> None:
    with keep_alive_server(tls=server_tls) as server:
        # verify on (certifi / system CAs): the certificate is not trusted
        transport = AiohttpTransport(settings(server.url))
        try:
            with pytest.raises(ConnectError) as info:
                await transport.post(headers(), b"{}")
        finally:
            await transport.aclose()
        assert info.value.sent is False and "certificate" in str(info.value)
        assert "ClientConnectorCertificateError" in str(info.value)
        # verify off, and verify=<the CA>: both work, over one reused connection each
        for verify in (False, str(certificate[0])):
            transport = AiohttpTransport(settings(server.url, verify=verify))
            try:
                for _ in range(2):
                    assert (await transport.post(headers(), b"{}"))[:2] == (200, OK_BODY)
            finally:
                await transport.aclose()
    assert server.connections == 3


def test_a_missing_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-bundle.pem")
    with pytest.raises(ConfigurationError) as info:
        AiohttpTransport(settings("https://127.0.0.1:1", verify=missing))
    assert missing in str(info.value)


@pytest.mark.anyio
async def test_an_unreadable_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    bundle = tmp_path / "junk.pem"
    bundle.write_text("not a certificate\n")
    transport = AiohttpTransport(settings("https://127.0.0.1:1", verify=str(bundle)))
    try:
        with pytest.raises(ConfigurationError) as info:
            await transport.post(headers(), b"{}")
    finally:
        await transport.aclose()
    assert str(bundle) in str(info.value)


@pytest.mark.anyio
async def test_a_tls_handshake_failure_is_a_connect_error() -> None:
    def handler(peer: Peer) -> None:  # a plain-HTTP server on the https port
        peer.sock.settimeout(2.0)
        peer.sock.recv(65536)  # the ClientHello
        peer.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        peer.finish()

    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url.replace("http:", "https:")))
        try:
            with pytest.raises(ConnectError) as info:
                await transport.post(headers(), b"{}")
        finally:
            await transport.aclose()
    assert info.value.sent is False and "TLS" in str(info.value)


def test_an_http_endpoint_builds_no_ssl_context() -> None:
    import tcapi._tls as module  # the contexts both transports share

    with keep_alive_server() as server:
        before = dict(module._SSL_CONTEXTS)
        module._SSL_CONTEXTS.clear()
        try:
            transport = AiohttpTransport(settings(server.url))

            async def call() -> None:
                assert (await transport.post(headers(), b"{}"))[0] == 200
                await transport.aclose()

            asyncio.run(call())
            assert module._SSL_CONTEXTS == {}
        finally:
            module._SSL_CONTEXTS.update(before)


def test_one_ssl_context_per_verify_value() -> None:
    import tcapi._aiohttp as module

    assert module.ssl_context(True) is module.ssl_context(True)


# --------------------------------------------------------------------------- proxies


class Proxy:
    """A forward proxy: answers absolute-form requests itself (saying so), tunnels
    CONNECT to the target; ``auth`` is the Proxy-Authorization it demands."""

    def __init__(self, auth: str | None = None) -> None:
        self.auth = auth
        self.seen: list[tuple[str, str, str | None]] = []  # method, target, Proxy-Authorization

    def handler(self, peer: Peer) -> None:
        while (request := peer.read_request()) is not None:
            head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            method, target, _ = head.split("\r\n", 1)[0].split(" ", 2)
            found = re.search(r"(?im)^proxy-authorization:\s*(.+?)\s*$", head)
            given = found.group(1) if found else None
            self.seen.append((method, target, given))
            if self.auth is not None and given != self.auth:
                peer.send(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n")
                peer.send(b"Connection: close\r\n\r\n")
                peer.finish()
                return
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                self.tunnel(peer, host, int(port))
                return
            body = json.dumps({"via": "proxy", "target": target}).encode()
            if not peer.send(answer(body)):
                return

    @staticmethod
    def tunnel(peer: Peer, host: str, port: int) -> None:
        try:
            upstream = socket.create_connection((host, port), timeout=2)
        except OSError:
            peer.send(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            peer.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if peer.buf:
                upstream.sendall(peer.buf)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                ready, _, _ = select.select([peer.sock, upstream], [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is peer.sock else peer.sock).sendall(data)


@contextmanager
def proxy_server(auth: str | None = None) -> Iterator[tuple[Server, Proxy]]:
    proxy = Proxy(auth)
    with serve(proxy.handler) as server:
        yield server, proxy


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.anyio
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
async def test_the_proxy_environment_is_honoured(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    with keep_alive_server() as origin, proxy_server() as (proxy_at, _):
        monkeypatch.setenv(variable, proxy_at.url)
        transport = AiohttpTransport(settings(origin.url))
        try:
            status, body, _ = await transport.post(headers(origin), b"{}")
        finally:
            await transport.aclose()
    assert status == 200 and body is not None
    assert json.loads(body) == {"via": "proxy", "target": origin.url + "/"}
    assert origin.connections == 0


@pytest.mark.anyio
@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.0/8", "*"])
async def test_no_proxy_goes_direct(monkeypatch: pytest.MonkeyPatch, no_proxy: str) -> None:
    with keep_alive_server() as origin:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
        monkeypatch.setenv("NO_PROXY", no_proxy)
        transport = AiohttpTransport(settings(origin.url))
        try:
            assert (await transport.post(headers(origin), b"{}"))[:2] == (200, OK_BODY)
        finally:
            await transport.aclose()


@pytest.mark.anyio
async def test_an_explicit_proxy_wins_and_trust_env_false_ignores_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with keep_alive_server() as origin, proxy_server() as (proxy_at, _):
        monkeypatch.setenv("HTTP_PROXY", dead)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # not for an explicit proxy
        transport = AiohttpTransport(settings(origin.url, proxy=proxy_at.url))
        try:
            status, body, _ = await transport.post(headers(origin), b"{}")
            assert status == 200 and body is not None and b"proxy" in body
        finally:
            await transport.aclose()
        monkeypatch.delenv("NO_PROXY")
        transport = AiohttpTransport(settings(origin.url, trust_env=False))
        try:
            assert (await transport.post(headers(origin), b"{}"))[:2] == (200, OK_BODY)
        finally:
            await transport.aclose()


@pytest.mark.anyio
async def test_proxy_credentials_are_sent_and_never_shown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with keep_alive_server() as origin, proxy_server(basic("user", PROXY_PASSWORD)) as (at, proxy):
        good = f"http://user:{PROXY_PASSWORD}@127.0.0.1:{at.port}"
        transport = AiohttpTransport(settings(origin.url, proxy=good))
        assert PROXY_PASSWORD not in repr(transport)
        try:
            status, _, _ = await transport.post(headers(origin), b"{}")
        finally:
            await transport.aclose()
        assert status == 200 and proxy.seen[-1][2] == basic("user", PROXY_PASSWORD)
        # a wrong password: the proxy answers 407 to the request itself
        wrong = good.replace(PROXY_PASSWORD, PROXY_PASSWORD + "-wrong")
        transport = AiohttpTransport(settings(origin.url, proxy=wrong))
        try:
            assert (await transport.post(headers(origin), b"{}"))[0] == 407
        finally:
            await transport.aclose()
    # a proxy that is not there
    transport = AiohttpTransport(
        settings(origin.url, proxy=f"http://user:{PROXY_PASSWORD}@127.0.0.1:{free_port()}")
    )
    try:
        with pytest.raises(ConnectError) as info:
            await transport.post(headers(origin), b"{}")
    finally:
        await transport.aclose()
    assert "proxy" in str(info.value) and info.value.sent is False
    assert_no_secret(info.value)
    assert PROXY_PASSWORD not in caplog.text


@pytest.mark.anyio
async def test_https_through_a_connect_proxy(
    certificate: tuple[Path, Path], server_tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = basic("u", PROXY_PASSWORD)
    with keep_alive_server(tls=server_tls) as origin, proxy_server(auth) as (at, proxy):
        monkeypatch.setenv("HTTPS_PROXY", f"http://u:{PROXY_PASSWORD}@127.0.0.1:{at.port}")
        transport = AiohttpTransport(settings(origin.url, verify=str(certificate[0])))
        try:
            for _ in range(2):
                assert (await transport.post(headers(origin), b"{}"))[:2] == (200, OK_BODY)
        finally:
            await transport.aclose()
        assert proxy.seen == [("CONNECT", f"127.0.0.1:{origin.port}", auth)]
        assert origin.connections == 1
        # the proxy refuses the tunnel (wrong credentials): a ConnectError, nothing sent
        monkeypatch.setenv("HTTPS_PROXY", f"http://u:{PROXY_PASSWORD}x@127.0.0.1:{at.port}")
        transport = AiohttpTransport(settings(origin.url, verify=str(certificate[0])))
        try:
            with pytest.raises(ConnectError) as info:
                await transport.post(headers(origin), b"{}")
        finally:
            await transport.aclose()
    assert "407" in str(info.value) and info.value.sent is False
    assert_no_secret(info.value)


def test_unsupported_proxy_scheme_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"socks5://user:{PROXY_PASSWORD}@127.0.0.1:1080")
    with pytest.raises(ConfigurationError) as info:
        AiohttpTransport(settings("https://127.0.0.1:1"))
    assert "ALL_PROXY" in str(info.value) and PROXY_PASSWORD not in str(info.value)
    AiohttpTransport(settings("https://127.0.0.1:1", trust_env=False))  # ignored


@pytest.mark.parametrize(
    ("url", "environ", "expected"),
    [
        ("https://a.example.com", {"HTTPS_PROXY": "http://p:1"}, "http://p:1"),
        ("https://a.example.com", {"HTTP_PROXY": "http://p:1"}, None),
        ("http://a.example.com", {"HTTP_PROXY": "p:3128"}, "http://p:3128"),
        ("https://a.example.com", {"ALL_PROXY": "http://p:2"}, "http://p:2"),
        ("https://x", {"HTTPS_PROXY": "http://up:1", "https_proxy": "http://low:1"}, "http://low:1"),
        ("https://x", {"HTTPS_PROXY": "http://p:1", "https_proxy": ""}, None),
        ("https://a.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com"}, None),
        ("https://a.example.com", {"HTTPS_PROXY": "http://p:1", "no_proxy": ".example.com"}, None),
        ("https://a.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*.example.com"}, None),
        ("https://example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example.com"}, None),
        (
            "https://notexample.com",
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example.com"},
            "http://p:1",
        ),
        ("https://10.1.2.3", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, None),
        ("https://11.1.2.3", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, "http://p:1"),
        ("https://[::1]:8443", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "::1"}, None),
        ("https://a.example.com", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example.com:443"},
         None),
        (
            "https://a.example.com",
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "a.example.com:8443"},
            "http://p:1",
        ),
        ("http://a.example.com", {"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"}, None),
        ("https://a.example.com", {"HTTPS_PROXY": "http://u:pw@p:1"}, "http://p:1"),
    ],
)  # fmt: skip
def test_env_proxy(
    url: str, environ: dict[str, str], expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "REQUEST_METHOD" in environ:  # a CGI request: read from os.environ, as urllib does
        monkeypatch.setenv("REQUEST_METHOD", "GET")
    proxy = env_proxy(url, environ.items())
    assert (proxy.url if proxy else None) == expected
    if proxy is not None and "u:pw" in str(environ):
        assert proxy.authorization == basic("u", "pw") and "pw" not in repr(proxy)


# --------------------------------------------------------------------------- lifecycle


def test_built_outside_a_loop_and_used_in_two_asyncio_runs() -> None:
    with keep_alive_server() as server:
        transport = AiohttpTransport(settings(server.url))  # no loop running here

        async def call() -> int:
            status, _, _ = await transport.post(headers(), b"{}")
            return status

        assert asyncio.run(call()) == 200
        first = transport._session
        assert asyncio.run(call()) == 200  # a new loop: a new session, no error
        assert transport._session is not first and first is not None and first.closed
        assert server.closed.wait(2)  # the first loop's connection was closed
        assert server.connections == 2

        async def close() -> None:
            await transport.aclose()

        asyncio.run(close())
        gc.collect()
    assert transport.is_closed


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork")
def test_a_forked_child_opens_its_own_connections() -> None:
    with keep_alive_server() as server:
        transport = AiohttpTransport(settings(server.url))

        async def call() -> int:
            status, _, _ = await transport.post(headers(), b"{}")
            return status

        async def parent_calls() -> None:
            assert await call() == 200
            pid = os.fork()
            if pid == 0:  # the child: a new loop, a new session and connection
                code = 1
                try:
                    code = 0 if asyncio.run(call()) == 200 else 2
                finally:
                    os._exit(code)
            _, status = await asyncio.to_thread(os.waitpid, pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
            assert await call() == 200  # the parent's connection is untouched
            await transport.aclose()

        asyncio.run(parent_calls())
    assert server.connections == 2


@pytest.mark.anyio
async def test_no_header_value_reaches_any_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def handler(peer: Peer) -> None:
        request = peer.read_request()
        if request is None:
            return
        if b"reset" in request:
            peer.reset()
        else:
            peer.send(answer(b"x" * 50)[:-20])
            peer.finish()

    with serve(handler) as server:
        transport = AiohttpTransport(settings(server.url))
        try:
            for body in (b"reset", b"cut"):
                with pytest.raises(TransportError) as info:
                    await transport.post(headers(), body)
                assert_no_secret(info.value)
        finally:
            await transport.aclose()
    gc.collect()
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert "f00dfeedcafe" not in text and SECRET_TOKEN not in text


def test_the_module_imports_no_http_library() -> None:
    code = (
        "import sys, tcapi._aiohttp as m; "
        "m.AiohttpTransport(m.TransportSettings('https://a.example.com', 1, 1, True, None)); "
        "print(sorted(n for n in ('aiohttp', 'yarl', 'ssl') if n in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "aiohttp" not in out and "yarl" not in out
