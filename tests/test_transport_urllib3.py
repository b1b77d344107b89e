"""The urllib3 transport (runtime/_urllib3.py) against real sockets on 127.0.0.1.

Servers are tests/scripted_server.py's (HTTP and TLS) or raw socket servers here
that misbehave on purpose: reset, cut off, drip, never answer. Each failure must
be tcapi's typed error with the right ``sent``, name the URL, and carry no header
value, proxy password or library exception. TLS certificates come from the
``openssl`` command (the ``cryptography`` package is not a dependency).
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from tcapi import _tls, _urllib3
from tcapi._transport import Timeouts, TransportSettings
from tcapi._urllib3 import Urllib3Transport
from tcapi.errors import (
    ConfigurationError,
    ConnectError,
    RequestTimeoutError,
    ResponseError,
    TencentCloudError,
    TransportError,
)

from .scripted_server import Reply, scripted_server, scripted_tls_server

SECRET = "Signature=5ec7e7a11sh0uldneverappear"
TOKEN = "t0ken-that-must-not-leak"
PROXY_PASSWORD = "pr0xy-pa55w0rd"
PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
DEADLINE = 5.0  # no helper thread or loop of these tests waits longer than this


def headers(host: str | None = None) -> dict[str, str]:
    out = {
        "Content-Type": "application/json",
        "X-TC-Action": "DescribeThings",
        "X-TC-Token": TOKEN,
        "Authorization": "TC3-HMAC-SHA256 Credential=AKIDx/2024-01-01/mqtt/tc3_request, "
        f"SignedHeaders=content-type;host, {SECRET}",
    }
    if host is not None:
        out["Host"] = host
    return out


def transport(
    url: str,
    *,
    connect: float = 2.0,
    read: float = 2.0,
    verify: bool | str = True,
    proxy: str | None = None,
    max_body: int = 1 << 20,
    trust_env: bool = True,
) -> Urllib3Transport:
    return Urllib3Transport(
        TransportSettings(url, connect, read, verify, proxy, max_body=max_body, trust_env=trust_env)
    )


def host_of(url: str) -> str:
    return url.split("://", 1)[1].rstrip("/")


def post(t: Urllib3Transport, url: str, body: bytes = b"{}") -> tuple[int, bytes | None]:
    status, content, _ = t.post(headers(host_of(url)), body)
    return status, content


def failure(call: Callable[[], object]) -> TencentCloudError:
    """The typed error ``call`` raises, checked for what no error may carry."""
    try:
        call()
    except TencentCloudError as exc:
        error = exc
    else:
        raise AssertionError("no error raised")
    text = str(error) + repr(error)
    for secret in (SECRET, TOKEN, PROXY_PASSWORD):
        assert secret not in text
    # Raised outside the except that caught the library's exception: no context.
    assert error.__cause__ is None
    assert error.__context__ is None
    return error


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)


# --------------------------------------------------------------------------- raw servers


def read_message(conn: socket.socket) -> tuple[bytes, bytes] | None:
    """One request: its head and its Content-Length body; None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1 << 20:
            raise AssertionError("request head too large")
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    remaining = int(match.group(1)) - len(body) if match else 0
    parts = [body]
    while remaining > 0:
        chunk = conn.recv(min(remaining, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        remaining -= len(chunk)
    return head, b"".join(parts)


def read_request(conn: socket.socket) -> bytes | None:
    """One request's head (its body read and dropped); None at EOF."""
    message = read_message(conn)
    return None if message is None else message[0]


def close_gently(conn: socket.socket) -> None:
    """Half-close, then wait (bounded) for the client to hang up: closing with
    unread bytes would send RST, and the client would see a reset, not the answer."""
    try:
        conn.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            conn.settimeout(max(0.01, deadline - time.monotonic()))
            if not conn.recv(65536):
                break
    except OSError:
        pass
    conn.close()


def reset(conn: socket.socket) -> None:
    """Close with RST (SO_LINGER 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()


@dataclass
class Served:
    url: str
    stop: threading.Event
    connections: int = 0
    heads: list[bytes] = field(default_factory=list)


@contextmanager
def raw_server(handle: Callable[[socket.socket, Served], None]) -> Iterator[Served]:
    """Calls ``handle(conn, served)`` in a thread for each connection; ``handle``
    closes the connection its own way (close_gently, reset …)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    served = Served(f"http://127.0.0.1:{listener.getsockname()[1]}/", threading.Event())
    threads: list[threading.Thread] = []

    def run(conn: socket.socket) -> None:
        conn.settimeout(DEADLINE)
        try:
            handle(conn, served)
        except OSError:
            conn.close()

    def serve() -> None:
        while not served.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            served.connections += 1
            thread = threading.Thread(target=run, args=(conn,), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=serve, daemon=True)
    acceptor.start()
    try:
        yield served
    finally:
        served.stop.set()
        acceptor.join(DEADLINE)
        for thread in threads:
            thread.join(DEADLINE)
        listener.close()


def answering(
    answer: bytes, *, keep_alive: bool = False
) -> Callable[[socket.socket, Served], None]:
    """A handler that answers each request with ``answer`` (then closes, unless keep_alive)."""

    def handle(conn: socket.socket, served: Served) -> None:
        while (head := read_request(conn)) is not None:
            served.heads.append(head)
            conn.sendall(answer)
            if not keep_alive:
                break
        close_gently(conn)

    return handle


def ok_answer(body: bytes = b'{"Response":{}}', extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-TC-RequestId: rid-1\r\n{extra}\r\n"
    ).encode() + body


def chunked(*pieces: bytes, end: bool = True) -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)
    return out + (b"0\r\n\r\n" if end else b"")


# --------------------------------------------------------------------------- answers


def test_post_returns_the_answer_and_reuses_the_connection() -> None:
    with scripted_server(Reply.json({"Response": {"RequestId": "r1"}})) as (url, script):
        t = transport(url + "/")
        for _ in range(3):
            status, body = post(t, url + "/", b'{"a": 1}')
            assert status == 200
            assert body is not None
            assert json.loads(body)["Response"]["RequestId"] in ("r1", "rid-ok")
        t.close()
    peers = {r["peer"] for r in script.received}
    assert len(peers) == 1  # one keep-alive connection carried all three
    sent = script.received[0]
    assert sent["body"] == b'{"a": 1}'
    assert sent["headers"]["Accept-Encoding"] == "identity"
    assert sent["headers"]["Content-Length"] == "8"
    assert sent["headers"]["X-TC-Token"] == TOKEN
    assert t.is_closed


def test_host_is_added_when_the_caller_has_none() -> None:
    with scripted_server() as (url, script):
        t = transport(url + "/")
        assert t.post({"Content-Type": "application/json"}, b"{}")[0] == 200
        t.close()
    assert script.received[0]["headers"]["Host"] == host_of(url)


def test_threads_share_one_transport() -> None:
    with scripted_server() as (url, script):
        t = transport(url + "/")
        results: list[int] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(15):
                    results.append(post(t, url + "/")[0])
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(DEADLINE * 2)
        t.close()
    assert not errors
    assert results == [200] * 90
    assert len({r["peer"] for r in script.received}) <= 6


def test_a_connection_the_server_closed_is_not_reused() -> None:
    # The server answers, then closes the connection without saying so (no
    # "Connection: close"): the next call must notice and connect again.
    with raw_server(answering(ok_answer())) as served:
        t = transport(served.url)
        assert post(t, served.url)[0] == 200
        wait_until_dropped(t)
        assert post(t, served.url)[0] == 200
        t.close()
    assert served.connections == 2


def test_informational_answers_before_the_final_one_are_skipped() -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
    with raw_server(answering(early + early + ok_answer(b"final"), keep_alive=True)) as served:
        t = transport(served.url)
        assert post(t, served.url) == (200, b"final")
        assert post(t, served.url) == (200, b"final")
        t.close()
    assert served.connections == 1


def test_read_until_close_and_http10_bodies() -> None:
    answer = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + b"x" * 100_000
    with raw_server(answering(answer)) as served:
        t = transport(served.url)
        assert post(t, served.url) == (200, b"x" * 100_000)
        t.close()


def test_chunked_body_is_joined() -> None:
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(
        b"ab", b"c" * 70_000
    )
    with raw_server(answering(answer, keep_alive=True)) as served:
        t = transport(served.url)
        assert post(t, served.url) == (200, b"ab" + b"c" * 70_000)
        assert post(t, served.url)[0] == 200
        t.close()
    assert served.connections == 1


def test_open_reads_a_json_answer_and_releases_the_connection() -> None:
    with raw_server(answering(ok_answer(b'{"Response":{}}'), keep_alive=True)) as served:
        t = transport(served.url)
        answer = t.open(headers(host_of(served.url)), b"{}")
        assert (answer.status, answer.is_event_stream, answer.request_id) == (200, False, "rid-1")
        assert answer.read() == b'{"Response":{}}'
        answer.close()
        assert post(t, served.url)[0] == 200
        t.close()
    assert served.connections == 1


def test_event_stream_via_post_is_not_read() -> None:
    stream = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"data: {}\n\n", end=False)
    )
    with raw_server(answering(stream)) as served:
        t = transport(served.url)
        assert post(t, served.url) == (200, None)
        t.close()


def test_event_stream_chunks_arrive_as_they_are_sent() -> None:
    sent_second = threading.Event()
    got_first = threading.Event()

    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-TC-RequestId: rid-s\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"data: 1\n\n", end=False)
        )
        got_first.wait(DEADLINE)  # the client has the first event before the second leaves
        conn.sendall(chunked(b"data: 2\n\n", b"data: 3\n\n"))
        sent_second.set()
        close_gently(conn)

    with raw_server(handle) as served:
        t = transport(served.url, read=1.0)
        answer = t.open(headers(host_of(served.url)), b"{}")
        assert (answer.status, answer.is_event_stream, answer.request_id) == (200, True, "rid-s")
        pieces = answer.chunks()
        assert next(pieces) == b"data: 1\n\n"
        assert not sent_second.is_set()
        got_first.set()
        assert b"".join(pieces) == b"data: 2\n\ndata: 3\n\n"
        answer.close()
        t.close()


def test_an_event_stream_waits_at_its_own_pace() -> None:
    # Each wait is bounded by read_timeout, not the whole stream: a stream that
    # sends an event every 0.2 s for longer than read_timeout goes on.
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for i in range(6):
            if served.stop.wait(0.2):
                break
            conn.sendall(chunked(b"data: %d\n\n" % i, end=False))
        conn.sendall(b"0\r\n\r\n")
        close_gently(conn)

    with raw_server(handle) as served:
        t = transport(served.url, read=0.8)
        answer = t.open(headers(host_of(served.url)), b"{}")
        assert b"".join(answer.chunks()).count(b"data:") == 6
        t.close()


def test_abandoned_stream_closes_its_connection() -> None:
    with raw_server(
        answering(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"data: 1\n\n", end=False),
            keep_alive=True,
        )
    ) as served:
        t = transport(served.url)
        answer = t.open(headers(host_of(served.url)), b"{}")
        assert next(answer.chunks()) == b"data: 1\n\n"
        answer.close()
        answer.close()  # twice is fine
        answer = t.open(headers(host_of(served.url)), b"{}")
        answer.close()
        t.close()
    assert served.connections == 2


# --------------------------------------------------------------------------- errors and sent


def test_refused_port_is_a_connect_error() -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    probe.close()
    t = transport(url)
    error = failure(lambda: post(t, url))
    assert type(error) is ConnectError
    assert error.sent is False
    assert url in str(error)
    assert "ConnectionRefusedError" in str(error)


def test_unresolvable_host_is_a_connect_error() -> None:
    t = transport("http://no-such-host.invalid/")
    error = failure(lambda: post(t, "http://no-such-host.invalid/"))
    assert type(error) is ConnectError
    assert "resolve" in str(error)


def test_reset_before_any_answer_was_sent() -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        reset(conn)

    with raw_server(handle) as served:
        t = transport(served.url)
        error = failure(lambda: post(t, served.url))
    assert type(error) is TransportError
    assert error.sent is True
    assert served.url in str(error)


def test_closed_before_any_answer_was_sent() -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        close_gently(conn)

    with raw_server(handle) as served:
        t = transport(served.url)
        error = failure(lambda: post(t, served.url))
    assert type(error) is TransportError
    assert error.sent is True
    assert "before any answer" in str(error)


@pytest.mark.parametrize(
    ("name", "answer", "how"),
    [
        ("reset mid-body", ok_answer(b"x" * 100)[:-90], "reset"),
        ("closed mid-body", ok_answer(b"x" * 100)[:-90], "close"),
        (
            "chunked cut off",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"abc", end=False),
            "close",
        ),
        ("head cut off", b"HTTP/1.1 200 OK\r\nContent-Type: appl", "close"),
        ("large body cut off", ok_answer(b"x" * 200_000)[:-100_000], "close"),
    ],
)
def test_an_answer_cut_off_was_sent(name: str, answer: bytes, how: str) -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        conn.sendall(answer)
        time.sleep(0.05)
        (reset if how == "reset" else close_gently)(conn)

    with raw_server(handle) as served:
        t = transport(served.url)
        error = failure(lambda: post(t, served.url))
        opened = failure(lambda: b"".join(t.open(headers(host_of(served.url)), b"{}").chunks()))
    for err in (error, opened):
        assert type(err) is TransportError, name
        assert err.sent is True


def test_read_timeout_was_sent() -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        served.stop.wait(DEADLINE)  # never answers
        conn.close()

    with raw_server(handle) as served:
        t = transport(served.url, read=0.3)
        started = time.monotonic()
        error = failure(lambda: post(t, served.url))
        elapsed = time.monotonic() - started
    assert type(error) is RequestTimeoutError
    assert error.sent is True
    assert 0.25 < elapsed < 1.3


def test_a_server_that_never_accepts() -> None:
    # The kernel completes the handshake (backlog) but nobody reads or answers.
    listener = socket.create_server(("127.0.0.1", 0), backlog=4)
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        t = transport(url, read=0.3)
        started = time.monotonic()
        error = failure(lambda: post(t, url))
        elapsed = time.monotonic() - started
        t.close()
    finally:
        listener.close()
    assert type(error) is RequestTimeoutError
    assert error.sent is True
    assert elapsed < 1.3


@pytest.mark.parametrize("where", ["body", "head"])
def test_a_drip_is_bounded_by_read_timeout(where: str) -> None:
    # One byte every 0.1 s: each socket read succeeds in time, the whole answer does not.
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        if where == "body":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100):
            if served.stop.wait(0.1):
                break
            try:
                conn.sendall(b"x")
            except OSError:
                break
        conn.close()

    with raw_server(handle) as served:
        t = transport(served.url, read=0.6)
        started = time.monotonic()
        error = failure(lambda: post(t, served.url))
        elapsed = time.monotonic() - started
    assert type(error) is RequestTimeoutError
    assert error.sent is True
    assert elapsed < 0.6 + 1.0


def test_write_timeout_was_not_sent() -> None:
    # A server that accepts but never reads: the request cannot be written.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        t = transport(url, read=0.4)
        started = time.monotonic()
        error = failure(lambda: post(t, url, b"x" * (24 << 20)))
        elapsed = time.monotonic() - started
        t.close()
    finally:
        listener.close()
    assert type(error) is RequestTimeoutError
    assert error.sent is False
    assert elapsed < 1.5


def test_reset_while_writing_a_large_body_may_have_been_sent() -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        conn.recv(65536)  # part of the head
        reset(conn)

    with raw_server(handle) as served:
        t = transport(served.url)
        error = failure(lambda: post(t, served.url, b"x" * (24 << 20)))
    assert type(error) is TransportError
    assert error.sent is True


def test_an_early_answer_to_a_large_body_is_read() -> None:
    # The server refuses the body before reading it (413) and closes.
    def handle(conn: socket.socket, served: Served) -> None:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 413 Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig")
        conn.shutdown(socket.SHUT_WR)
        time.sleep(0.2)
        reset(conn)

    with raw_server(handle) as served:
        t = transport(served.url)
        try:
            assert post(t, served.url, b"x" * (24 << 20)) == (413, b"big")
        except TransportError as exc:  # the reset overtook the answer: allowed, but sent
            assert exc.sent is True


def test_a_dead_keep_alive_connection_was_not_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    # The server resets an idle connection; with the idle check off, the next
    # request's first write fails: provably nothing of it left, so sent=False.
    answered = threading.Event()

    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        conn.sendall(ok_answer())
        answered.wait(DEADLINE)  # the client has read the answer
        reset(conn)

    with raw_server(handle) as served:
        t = transport(served.url)
        assert post(t, served.url)[0] == 200
        answered.set()
        wait_until_dropped(t)
        monkeypatch.setattr(_urllib3._Conn, "dropped", lambda self: False)
        error = failure(lambda: post(t, served.url))
    assert type(error) is TransportError
    assert error.sent is False


def wait_until_dropped(t: Urllib3Transport) -> None:
    """Until the server's close (FIN or RST) has reached the idle connection."""
    conn = t._idle[-1]
    deadline = time.monotonic() + DEADLINE
    while not conn.dropped():
        assert time.monotonic() < deadline, "the server's close never arrived"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("garbage", b"SSH-2.0-OpenSSH_9.2\r\n\r\n"),
        ("http/2 preface", b"HTTP/2 200\r\n\r\n"),
        ("bad status", b"HTTP/1.1 2x0 OK\r\n\r\n"),
        (
            "conflicting lengths",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        ),
        ("bad chunk size", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n"),
        ("switching protocols", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
    ],
)
def test_answers_that_are_not_http_were_sent(name: str, answer: bytes) -> None:
    with raw_server(answering(answer)) as served:
        t = transport(served.url)
        error = failure(lambda: post(t, served.url))
    assert type(error) is TransportError, name
    assert error.sent is True


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "a\rb", "nul\0", "ap-广州"])
def test_a_header_that_is_not_http_is_not_sent(value: str) -> None:
    with raw_server(answering(ok_answer())) as served:
        t = transport(served.url)
        error = failure(lambda: t.post({**headers(host_of(served.url)), "X-TC-Region": value}, b""))
        name_error = failure(lambda: t.post({"Bad Name": "x"}, b""))
        assert post(t, served.url)[0] == 200  # the connection is still good
        t.close()
    for err in (error, name_error):
        assert type(err) is TransportError
        assert err.sent is False
        assert value not in str(err)
    assert len(served.heads) == 1


def test_a_closed_transport_refuses_calls() -> None:
    with scripted_server() as (url, _):
        t = transport(url + "/")
        assert post(t, url + "/")[0] == 200
        t.close()
        t.close()
        error = failure(lambda: post(t, url + "/"))
    assert type(error) is ConnectError
    assert "closed" in str(error)


def test_bad_endpoints_are_configuration_errors() -> None:
    for url in ("ftp://example.com/", "not a url", "http:///nohost", "http://a b/"):
        with pytest.raises(ConfigurationError):
            transport(url)


# --------------------------------------------------------------------------- limits


def test_a_declared_length_over_max_body_fails_before_reading() -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\nX-TC-RequestId: big\r\n\r\n")
        served.stop.wait(DEADLINE)  # the body never comes: the client must not wait for it
        conn.close()

    with raw_server(handle) as served:
        t = transport(served.url, max_body=1_000_000, read=3.0)
        started = time.monotonic()
        error = failure(lambda: post(t, served.url))
        assert time.monotonic() - started < 1.0
        opened = failure(lambda: t.open(headers(host_of(served.url)), b"{}").read())
    for err in (error, opened):
        assert type(err) is ResponseError
        assert "1000000-byte limit" in str(err)
        assert err.status == 200
        assert err.request_id == "big"


@pytest.mark.parametrize("framing", ["chunked", "until-close"])
def test_a_body_over_max_body_fails_while_reading(framing: str) -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        if framing == "chunked":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        piece = b"x" * 65536
        for _ in range(200):  # up to 12.5 MiB, far over the cap; stops when the client hangs up
            try:
                conn.sendall(chunked(piece, end=False) if framing == "chunked" else piece)
            except OSError:
                break
        conn.close()

    with raw_server(handle) as served:
        t = transport(served.url, max_body=500_000)
        error = failure(lambda: post(t, served.url))
        streamed = failure(lambda: b"".join(t.open(headers(host_of(served.url)), b"{}").chunks()))
    for err in (error, streamed):
        assert type(err) is ResponseError
        assert "500000-byte limit" in str(err)


@cache
def gzip_bomb() -> bytes:
    """~200 KiB of gzip that inflates to 200 MB."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(200)) + packer.flush()


def test_a_gzip_bomb_is_not_inflated_beyond_max_body() -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 256 * 1024
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
        + bomb
    )
    with raw_server(answering(answer, keep_alive=True)) as served:
        t = transport(served.url, max_body=1 << 20)
        tracemalloc.start()
        try:
            error = failure(lambda: post(t, served.url))
            streamed = failure(lambda: b"".join(t.open(headers(host_of(served.url)), b"").chunks()))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        t.close()
    for err in (error, streamed):
        assert type(err) is ResponseError
        assert "1048576-byte limit" in str(err)
    assert peak < 8 << 20  # a few MiB at most, never the 200 MB


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw deflate", "gzip members"])
def test_a_compressed_body_sent_anyway_is_decoded(encoding: str) -> None:
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
        t = transport(served.url)
        assert post(t, served.url) == (200, body)
        answered = t.open(headers(host_of(served.url)), b"")
        assert b"".join(answered.chunks()) == body
        t.close()


def test_a_corrupt_compressed_body_is_a_response_error() -> None:
    answer = ok_answer(b"\x1f\x8b not gzip at all", extra="Content-Encoding: gzip\r\n")
    with raw_server(answering(answer)) as served:
        t = transport(served.url)
        error = failure(lambda: post(t, served.url))
    assert type(error) is ResponseError
    assert "decoded" in str(error)


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("101 header lines", "".join(f"X-H{i}: v\r\n" for i in range(101))),
        ("a 70 KiB line", "X-Long: " + "v" * 70_000 + "\r\n"),
        ("a 150 KiB head", "".join(f"X-H{i}: {'v' * 3000}\r\n" for i in range(50))),
    ],
)
def test_an_oversized_head_is_a_response_error(name: str, head: str) -> None:
    answer = f"HTTP/1.1 200 OK\r\n{head}Content-Length: 0\r\n\r\n".encode()
    with raw_server(answering(answer)) as served:
        t = transport(served.url)
        error = failure(lambda: post(t, served.url))
    assert type(error) is ResponseError, name


# --------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class Cert:
    cert: str
    key: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> Cert:
    """A self-signed certificate for 127.0.0.1 and localhost (its own CA)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext", "basicConstraints=critical,CA:TRUE",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return Cert(str(cert), str(key))


def test_tls_self_signed_with_verify_on_is_a_connect_error(cert: Cert) -> None:
    with scripted_tls_server(cert.server_context()) as (url, _):
        t = transport(url + "/", verify=True)
        error = failure(lambda: post(t, url + "/"))
    assert type(error) is ConnectError
    assert error.sent is False
    assert "TLS handshake" in str(error)
    assert "certificate verify failed" in str(error)


def test_tls_with_verify_off_works(cert: Cert) -> None:
    with scripted_tls_server(cert.server_context()) as (url, script):
        t = transport(url + "/", verify=False)
        assert post(t, url + "/")[0] == 200
        assert post(t, url + "/")[0] == 200
        t.close()
    assert len({r["peer"] for r in script.received}) == 1


def test_tls_with_a_ca_bundle_works_and_the_context_is_shared(cert: Cert, tmp_path: Path) -> None:
    bundle = str(tmp_path / "bundle.pem")  # a verify setting no other test uses
    shutil.copy(cert.cert, bundle)
    with scripted_tls_server(cert.server_context()) as (url, _):
        first = transport(url + "/", verify=bundle)
        second = transport(url + "/", verify=bundle)
        assert bundle not in _tls._SSL_CONTEXTS  # no SSL work before the first connection
        assert post(first, url + "/")[0] == 200
        context = _tls._SSL_CONTEXTS[bundle]
        assert post(second, url + "/")[0] == 200
        first.close()
        second.close()
    assert _tls._SSL_CONTEXTS[bundle] is context


def test_tls_with_a_ca_directory_works(cert: Cert, tmp_path: Path) -> None:
    found = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", cert.cert],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
    shutil.copy(cert.cert, tmp_path / f"{found}.0")
    with scripted_tls_server(cert.server_context()) as (url, _):
        t = transport(url + "/", verify=str(tmp_path))
        assert post(t, url + "/")[0] == 200
        t.close()


def test_a_missing_ca_bundle_is_a_configuration_error_naming_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-bundle.pem")
    with pytest.raises(ConfigurationError, match=re.escape(missing)):
        transport("https://127.0.0.1:9/", verify=missing)


def test_an_unreadable_ca_bundle_is_a_configuration_error_naming_it(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    url = dead_port_url().replace("http://", "https://") + "/"
    t = transport(url, verify=str(bogus))  # the bundle is read with the first connection
    with pytest.raises(ConfigurationError, match=re.escape(str(bogus))):
        post(t, url)


def test_http_endpoints_build_no_ssl_context(tmp_path: Path) -> None:
    unique = str(tmp_path)  # a verify setting no other test uses
    with scripted_server() as (url, _):
        t = transport(url + "/", verify=unique)
        assert post(t, url + "/")[0] == 200
        t.close()
    assert unique not in _tls._SSL_CONTEXTS


def test_tls_handshake_failure_is_a_connect_error() -> None:
    # A plain HTTP server on an https:// URL: the handshake fails.
    with scripted_server() as (url, _):
        https = url.replace("http://", "https://") + "/"
        t = transport(https, verify=False)
        error = failure(lambda: post(t, https))
    assert type(error) is ConnectError
    assert error.sent is False


# --------------------------------------------------------------------------- proxies


@dataclass
class ProxyLog:
    url: str
    lines: list[str] = field(default_factory=list)
    auths: list[str | None] = field(default_factory=list)


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


@contextmanager
def forward_proxy(require: str | None = None) -> Iterator[ProxyLog]:
    """A tiny HTTP proxy: CONNECT tunnels, absolute-form requests forwarded.
    ``require``: the Proxy-Authorization it wants (else 407)."""
    log: ProxyLog

    def handle(conn: socket.socket, served: Served) -> None:
        upstream: socket.socket | None = None
        relay: threading.Thread | None = None
        try:
            while (message := read_message(conn)) is not None:
                head, body = message
                line, *fields = head.decode("latin-1").split("\r\n")
                found = {
                    k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)
                }
                auth = found.get("proxy-authorization")
                log.lines.append(line)
                log.auths.append(auth)
                if require is not None and auth != require:
                    conn.sendall(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                        b"Proxy-Authenticate: Basic\r\nContent-Length: 0\r\n"
                        b"Connection: close\r\n\r\n"
                    )
                    break
                method, target, _ = line.split(" ")
                if method == "CONNECT":
                    host, _, port = target.rpartition(":")
                    upstream = socket.create_connection((host, int(port)), timeout=DEADLINE)
                    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    relay = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
                    relay.start()
                    _pipe(conn, upstream)
                    return
                match = re.match(r"http://([^/]+)(/.*)", target)
                assert match, target
                if upstream is None:
                    host, _, port = match.group(1).rpartition(":")
                    upstream = socket.create_connection((host, int(port)), timeout=DEADLINE)
                    relay = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
                    relay.start()
                kept = [f for f in fields if not f.lower().startswith("proxy-authorization")]
                forwarded = f"{method} {match.group(2)} HTTP/1.1\r\n" + "\r\n".join(kept)
                upstream.sendall(forwarded.encode("latin-1") + b"\r\n\r\n" + body)
        finally:
            if upstream is not None:
                with suppress(OSError):
                    upstream.shutdown(socket.SHUT_WR)  # the server ends, and so the relay
            if relay is not None:
                relay.join(DEADLINE)
            if upstream is not None:
                upstream.close()
            close_gently(conn)

    with raw_server(handle) as served:
        log = ProxyLog(served.url.rstrip("/"))
        yield log


def proxy_with_password(proxy: ProxyLog) -> str:
    return proxy.url.replace("http://", f"http://user:{PROXY_PASSWORD}@")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def dead_port_url() -> str:
    probe = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    probe.close()
    return url


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_http_through_the_environments_proxy(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_server() as (url, script), forward_proxy() as proxy:
        monkeypatch.setenv(variable, proxy_with_password(proxy))
        t = transport(url + "/")
        assert post(t, url + "/", b"{}")[0] == 200
        assert post(t, url + "/", b"{}")[0] == 200
        assert PROXY_PASSWORD not in repr(t)
        t.close()
    assert proxy.lines == [f"POST {url}/ HTTP/1.1"] * 2
    assert proxy.auths == [basic("user", PROXY_PASSWORD)] * 2
    assert len(script.received) == 2
    assert "Proxy-Authorization" not in script.received[0]["headers"]


def test_https_through_the_environments_proxy_uses_connect(
    cert: Cert, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_tls_server(cert.server_context()) as (url, script), forward_proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy_with_password(proxy))
        monkeypatch.setenv("HTTP_PROXY", dead_port_url())  # the https one is used
        t = transport(url + "/", verify=cert.cert)
        assert post(t, url + "/")[0] == 200
        assert post(t, url + "/")[0] == 200
        t.close()
    assert len(proxy.lines) == 1  # one tunnel, reused
    assert proxy.lines[0].startswith(f"CONNECT {host_of(url)} HTTP/1.")
    assert proxy.auths == [basic("user", PROXY_PASSWORD)]
    assert len(script.received) == 2


def test_no_proxy_bypasses_the_environments_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted_server() as (url, _), forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
        t = transport(url + "/")
        assert post(t, url + "/")[0] == 200
        t.close()
    assert proxy.lines == []


def test_an_explicit_proxy_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted_server() as (url, _), forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", dead_port_url())
        monkeypatch.setenv("NO_PROXY", "*")
        t = transport(url + "/", proxy=proxy.url)
        assert post(t, url + "/")[0] == 200
        t.close()
    assert len(proxy.lines) == 1


def test_trust_env_false_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted_server() as (url, _):
        monkeypatch.setenv("HTTP_PROXY", dead_port_url())
        monkeypatch.setenv("ALL_PROXY", dead_port_url())
        t = transport(url + "/", trust_env=False)
        assert post(t, url + "/")[0] == 200
        t.close()


def test_a_refused_proxy_is_a_connect_error_without_its_password(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    dead = dead_port_url()
    monkeypatch.setenv("HTTPS_PROXY", dead.replace("http://", f"http://u:{PROXY_PASSWORD}@"))
    caplog.set_level(logging.DEBUG)
    t = transport("https://127.0.0.1:9/", verify=False)
    error = failure(lambda: post(t, "https://127.0.0.1:9/"))
    assert type(error) is ConnectError
    assert error.sent is False
    assert f"proxy {dead}" in str(error)
    assert PROXY_PASSWORD not in repr(t) + caplog.text


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_proxy_that_wants_other_credentials_is_a_connect_error(
    scheme: str, cert: Cert, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = scripted_server() if scheme == "http" else scripted_tls_server(cert.server_context())
    with server as (url, script), forward_proxy(require=basic("u", "right")) as proxy:
        t = transport(url + "/", proxy=proxy_with_password(proxy), verify=cert.cert)
        error = failure(lambda: post(t, url + "/"))
    assert type(error) is ConnectError
    assert error.sent is False
    assert "407" in str(error)
    assert PROXY_PASSWORD not in caplog.text
    assert script.received == []


def test_unsupported_proxy_schemes_are_configuration_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        transport("http://127.0.0.1:9/", proxy=f"socks5://u:{PROXY_PASSWORD}@127.0.0.1:1080")
    assert PROXY_PASSWORD not in str(raised.value)
    monkeypatch.setenv("HTTP_PROXY", "http://[::1")
    with pytest.raises(ConfigurationError):
        transport("http://127.0.0.1:9/")


# --------------------------------------------------------------------------- logs, fork


def test_no_secret_reaches_any_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    with scripted_server(Reply(reset=True)) as (url, _):
        t = transport(url + "/")
        with pytest.raises(TransportError):
            post(t, url + "/")
        assert post(t, url + "/")[0] == 200
        t.close()
    for secret in (SECRET, TOKEN):
        assert secret not in caplog.text


@pytest.mark.skipif(sys.platform != "linux" or not hasattr(os, "fork"), reason="os.fork on Linux")
def test_a_forked_child_uses_its_own_connections() -> None:
    with scripted_server() as (url, script):
        t = transport(url + "/")
        assert post(t, url + "/")[0] == 200
        parent_conn = t._idle[-1]
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 1
            try:
                ok = post(t, url + "/")[0] == 200 and post(t, url + "/")[0] == 200
                t.close()
                code = 0 if ok and parent_conn not in t._idle else 2
            finally:
                os._exit(code)
        deadline = time.monotonic() + DEADLINE * 2
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise AssertionError("the child did not finish")
        assert os.waitstatus_to_exitcode(status) == 0
        assert post(t, url + "/")[0] == 200  # the parent's connection still works
        assert t._idle[-1] is parent_conn
        t.close()
    peers = [r["peer"] for r in script.received]
    assert len(peers) == 4
    assert peers[0] == peers[3]  # the parent kept its connection
    assert peers[1] == peers[2] != peers[0]  # the child opened (and reused) its own


def test_per_call_timeouts_override_the_settings() -> None:
    def handle(conn: socket.socket, served: Served) -> None:
        read_request(conn)
        served.stop.wait(DEADLINE)
        conn.close()

    with raw_server(handle) as served:
        t = transport(served.url, read=30.0)
        started = time.monotonic()
        error = failure(lambda: t.post(headers(), b"{}", Timeouts(connect=1.0, read=0.2)))
        assert time.monotonic() - started < 1.2
    assert type(error) is RequestTimeoutError
