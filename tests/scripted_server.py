"""A real HTTP server on 127.0.0.1 that answers from a script, for testing how
clients handle what a healthy emulator never sends: gateway pages, truncated
bodies, resets, throttling, slow answers."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0
    truncate_to: int | None = None  # send fewer body bytes than Content-Length says
    reset: bool = False  # close the connection without answering
    headers: dict[str, str] = field(default_factory=dict)  # more response headers

    @classmethod
    def json(cls, payload: object, status: int = 200) -> Reply:
        return cls(status=status, body=json.dumps(payload).encode())

    @classmethod
    def ok(cls, request_id: str = "rid-ok") -> Reply:
        return cls.json({"Response": {"RequestId": request_id}})

    @classmethod
    def error(cls, code: str, message: str = "boom", request_id: str = "rid-err") -> Reply:
        return cls.json(
            {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}
        )


@dataclass
class Script:
    replies: list[Reply]
    default: Reply = field(default_factory=Reply.ok)
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> Reply:
        with self.lock:
            return self.replies.pop(0) if self.replies else self.default


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with script.lock:
                script.received.append(
                    {"headers": dict(self.headers), "body": body, "peer": self.client_address}
                )
            reply = script.next()
            if reply.delay:
                time.sleep(reply.delay)
            if reply.reset:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            payload = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
            self.wfile.write(payload)
            if reply.truncate_to is not None:
                self.close_connection = True

    return Handler


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` on 127.0.0.1 (a free port) in a thread: its ``http://`` URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def scripted_server(*replies: Reply, default: Reply | None = None) -> Iterator[tuple[str, Script]]:
    script = Script(list(replies), default or Reply.ok())
    with serve(_handler(script)) as url:
        yield url, script


@contextmanager
def scripted_tls_server(
    context: ssl.SSLContext, *replies: Reply, default: Reply | None = None
) -> Iterator[tuple[str, Script]]:
    """:func:`scripted_server` over TLS (``context`` holds the server's certificate):
    yields an ``https://127.0.0.1:port`` URL. A client that refuses the certificate
    just ends its connection; the server goes on serving."""
    script = Script(list(replies), default or Reply.ok())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    server.daemon_threads = True
    plain_accept = server.get_request

    def get_request() -> tuple[socket.socket, Any]:
        conn, peer = plain_accept()
        conn.settimeout(5)
        try:  # the handshake, in the accepting thread: bounded by the timeout
            return context.wrap_socket(conn, server_side=True), peer
        except (OSError, ssl.SSLError):
            conn.close()
            raise

    server.get_request = get_request  # type: ignore[method-assign]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}", script
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
