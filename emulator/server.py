"""The HTTP/1.1 adapter: real sockets in front of the sans-IO EmulatorApp.

Keep-alive matters because SDK clients pool connections, and a client bug that
only shows on a reused connection (a stale body, a wrong Content-Length) should
show here too. Every answer carries Content-Length. Open connections are tracked
so that stopping the emulator really closes them instead of leaving idle
keep-alive threads answering after shutdown.

Injected faults that need the socket are carried out here, as the app's
``Response`` names them: ``delay`` is slept before answering; ``reset_before``
and ``reset_after`` reset the connection (SO_LINGER 0, so the peer gets a TCP
RST rather than a clean close) without writing a byte; ``truncated`` writes the
headers with the full Content-Length but only half of the body, then closes.

With an ``ssl_context`` the server speaks https. The TLS handshake runs on the
connection's own thread, bounded by ``tls_handshake_timeout``, so a slow or
silent client never holds up the accept loop; a client that rejects the
certificate (or speaks plain http to the https port) only loses its own
connection.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .app import EmulatorApp, Response
from .errors import ApiError
from .faults import RESET_AFTER, RESET_BEFORE, TRUNCATED

logger = logging.getLogger("tcapi.emulator.http")

_READ_CHUNK = 64 * 1024


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # socketserver's default of 5 resets bursts of new connections
    tls_handshake_timeout = 10.0  # seconds a client gets to finish the TLS handshake

    def __init__(
        self,
        address: tuple[str, int],
        app: EmulatorApp,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        self.ssl_context = ssl_context
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup for server_name; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def track(self, conn: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """On the connection's thread: the TLS handshake first (https only), then
        the request handler. A failed or timed-out handshake closes just this
        connection."""
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        self.track(request, True)  # so that stopping interrupts a pending handshake
        try:
            request.settimeout(self.tls_handshake_timeout)
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ValueError) as exc:  # ssl.SSLError and TimeoutError are OSErrors
            logger.debug("TLS handshake with %s failed: %s", client_address, exc)
            with contextlib.suppress(OSError):
                request.close()
            return
        finally:
            self.track(request, False)
        try:
            tls.settimeout(None)  # the handler sets its own idle timeout
            super().finish_request(tls, client_address)
        finally:
            # socketserver shuts down and closes the plain socket, which wrap_socket
            # detached; the TLS socket that now owns the descriptor is closed here.
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is routine (timeouts, cancelled tasks);
        only other failures get socketserver's traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError | ssl.SSLError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tcapi-emulator"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are dropped after this many seconds
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK stall every keep-alive answer by ~40 ms.
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        app = self.server.app
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = self._read_body(headers, app.max_post_bytes)
        except ValueError:
            self.send_error(400, "Malformed Content-Length or chunked body")
            return
        if body is None:
            self.close_connection = True
            too_big = ApiError("RequestSizeLimitExceeded", "The request body exceeds 10 MB.")
            self._send(app.refuse(self.command, self.path, headers, too_big))
            return
        self._send(app.handle(self.command, self.path, headers, body))

    def _read_body(self, headers: dict[str, str], limit: int) -> bytes | None:
        """The request body, or None when it is over ``limit`` (it is then discarded).

        Raises ValueError for a malformed length or chunk header.
        """
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._read_chunked(limit)
        length = int(headers.get("content-length", "0"))
        if length < 0:
            raise ValueError("negative Content-Length")
        if length <= limit:
            return self.rfile.read(length)
        while length > 0:  # drain, so that the client gets to read the answer
            data = self.rfile.read(min(length, _READ_CHUNK))
            if not data:
                break
            length -= len(data)
        return None

    def _read_chunked(self, limit: int) -> bytes | None:
        parts: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(1024)
            chunk = int(line.split(b";", 1)[0].strip(), 16)
            if chunk == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            size += chunk
            if size > limit:
                return None
            parts.append(self.rfile.read(chunk))
            self.rfile.readline(8)  # the CRLF after the chunk

    def _send(self, response: Response) -> None:
        if response.delay > 0:
            time.sleep(response.delay)
        if response.fault in (RESET_BEFORE, RESET_AFTER):
            self._reset_connection()
            return
        if response.chunks is not None:
            self._send_chunked(response)
            return
        payload = response.body
        if response.fault == TRUNCATED:
            self.close_connection = True
            payload = payload[: len(payload) // 2]
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def _send_chunked(self, response: Response) -> None:
        """Each part as its own chunk, flushed as it goes (an event stream)."""
        assert response.chunks is not None
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        chunks = response.chunks
        if response.fault == TRUNCATED:  # half the parts, then the connection closes
            self.close_connection = True
            chunks = chunks[: len(chunks) // 2]
        for chunk in chunks:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
        if response.fault != TRUNCATED:
            self.wfile.write(b"0\r\n\r\n")

    def _reset_connection(self) -> None:
        """Abort the connection: the client reads a TCP RST, not an answer."""
        self.close_connection = True
        conn = self.connection
        with contextlib.suppress(OSError):
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Closing the reader first (it holds a reference through makefile()) lets
        # close() release the descriptor now, before socketserver's shutdown(SHUT_WR)
        # could send a polite FIN. The writer wraps the socket without a reference.
        with contextlib.suppress(OSError):
            self.rfile.close()
        conn.close()
