"""``Emulator``: the app plus a server on a background thread, for tests and the CLI.

Port 0 picks a free port, so parallel test runs never collide; the real port is
in ``endpoint``. Without credentials a throwaway test pair is made up, so a
test never needs (or risks) real keys.

``tls=True`` serves https instead, with a throwaway certificate authority made
by ``trustme`` (``pip install "tcapi[tls]"``) and a certificate for 127.0.0.1,
localhost and ::1 (and the bound host). The CA's PEM file is ``ca_path``: hand
it to tcapi as ``verify=<path>``, to the official Python SDK as
``HttpProfile(certification=<path>)`` (it passes certifi's bundle to requests
itself, so ``REQUESTS_CA_BUNDLE`` does not reach it), to plain requests as
``REQUESTS_CA_BUNDLE`` and to OpenSSL-store clients as ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from tcapi.credentials import Credential

from .app import EmulatorApp, make_test_credentials
from .catalog import Catalog
from .handlers import Handler
from .records import RecordedRequest
from .server import EmulatorHTTPServer

DEFAULT_REGION = "ap-guangzhou"
CA_FILENAME = "tcapi-emulator-ca.pem"
TLS_NAMES = ("127.0.0.1", "localhost", "::1")
"""The names the https certificate is valid for, besides a specific bound host."""
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104 - names, not a bind
ClientT = TypeVar("ClientT")


class Emulator:
    """A local Tencent Cloud API endpoint: ``with Emulator() as emu: ... emu.endpoint``.

    ``services`` are service.json descriptions (dicts) or a Catalog; None means
    every generated service installed with tcapi.

    ``rate_limit`` enforces each action's documented requests-per-second limit
    (``RequestLimitExceeded``); ``faults`` and ``seed`` inject network and gateway
    failures (see ``tcapi.emulator.faults``); ``tokens`` maps token → SecretId for
    temporary credentials; ``clock`` is the time the app sees (signature
    timestamps, rate-limit windows, token expiry). ``db`` and
    ``instance_ready_delay`` are for the stateful services.

    ``tls`` serves https (see the module docstring); the CA file goes into a
    temporary directory removed by ``stop()``, or into ``tls_dir`` (created if
    missing, left in place) when one is given.
    """

    def __init__(
        self,
        secret_id: str | None = None,
        secret_key: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        services: Iterable[Mapping[str, Any]] | Catalog | None = None,
        allow_unsigned: bool = False,
        record_limit: int = 1000,
        semantics: bool = True,
        db: str = ":memory:",
        instance_ready_delay: float = 2.0,
        rate_limit: bool = True,
        faults: str | None = None,
        seed: int | None = None,
        tokens: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        tls: bool = False,
        tls_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if (secret_id is None) != (secret_key is None):
            raise ValueError("give both secret_id and secret_key, or neither")
        if tls_dir is not None and not tls:
            raise ValueError("tls_dir= is for tls=True")
        if secret_id is None or secret_key is None:
            secret_id, secret_key = make_test_credentials()
        if services is None:
            catalog = Catalog.installed()
        elif isinstance(services, Catalog):
            catalog = services
        else:
            catalog = Catalog.from_descriptions(services)
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.app = EmulatorApp(
            catalog,
            {secret_id: secret_key},
            allow_unsigned=allow_unsigned,
            record_limit=record_limit,
            semantics=semantics,
            db=db,
            instance_ready_delay=instance_ready_delay,
            rate_limit=rate_limit,
            faults=faults,
            seed=seed,
            tokens=tokens,
            clock=clock,
        )
        self._address = (host, port)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.tls = tls
        self._tls_dir = None if tls_dir is None else os.fspath(tls_dir)
        self._tls_context: ssl.SSLContext | None = None
        self._ca_pem = b""
        if tls:
            self._tls_context, self._ca_pem = _make_tls(host)
        self._ca_path: str | None = None
        self._owned_dir: str | None = None

    def __repr__(self) -> str:
        state = self.endpoint if self._server else "stopped"
        return f"Emulator({state}, secret_id={self.secret_id!r})"

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind the socket and serve on a daemon thread; returns self."""
        if self._server is not None:
            return self
        if self.tls:
            self._write_ca()
        try:
            server = EmulatorHTTPServer(self._address, self.app, self._tls_context)
        except BaseException:
            self._remove_ca()
            raise
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"tcapi-emulator:{server.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection. Safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._remove_ca()

    def _write_ca(self) -> None:
        if self._tls_dir is None:
            directory = self._owned_dir = tempfile.mkdtemp(prefix="tcapi-emulator-tls-")
        else:
            directory = self._tls_dir
            os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, CA_FILENAME)
        with open(path, "wb") as f:
            f.write(self._ca_pem)
        self._ca_path = path

    def _remove_ca(self) -> None:
        owned, self._owned_dir = self._owned_dir, None
        self._ca_path = None
        if owned is not None:
            shutil.rmtree(owned, ignore_errors=True)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- accessors ----------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._address[0]

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return self._server.server_port

    @property
    def endpoint(self) -> str:
        """``http://HOST:PORT`` (``https://`` with ``tls``), the URL to point a client at."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def ca_path(self) -> str:
        """The PEM file of the CA that signed the https certificate (``tls=True``,
        while running); see the module docstring for how each client takes it."""
        if not self.tls:
            raise RuntimeError("the emulator serves plain http; give it tls=True")
        if self._ca_path is None:
            raise RuntimeError("the emulator is not running")
        return self._ca_path

    @property
    def requests(self) -> list[RecordedRequest]:
        """The most recent requests (oldest first), as a snapshot list."""
        return self.app.requests.snapshot()

    def clear_requests(self) -> None:
        self.app.requests.clear()

    def register(self, service: str, action: str, handler: Handler) -> None:
        """Answer (service, action) with ``handler``; see EmulatorApp.register."""
        self.app.register(service, action, handler)

    # -- temporary credentials, faults, admin -------------------------------------

    def issue_temporary_credentials(
        self, duration: float = 7200, secret_id: str | None = None
    ) -> tuple[str, str, str, float]:
        """A new temporary key pair the emulator accepts with its token until it expires.

        Returns ``(tmp_secret_id, tmp_secret_key, token, expires_at)``;
        ``expires_at`` is in the app's clock (Unix seconds by default).
        """
        expires_at = self.app.clock() + duration
        tmp_id, tmp_key, token = self.app.issue_temporary_credentials(expires_at, secret_id)
        return tmp_id, tmp_key, token, expires_at

    def set_faults(self, faults: str | None, seed: int | None = None) -> None:
        """Replace the injected faults (``None`` or ``""`` turns them off); restarts
        the counts and the random sequence. Raises ValueError for a bad spec."""
        self.app.faults.configure(faults, seed)

    @property
    def fault_counts(self) -> dict[str, int]:
        """How many faults of each kind were injected since the last ``set_faults``."""
        counts: dict[str, int] = self.app.faults.snapshot()["counts"]
        return counts

    @property
    def seed(self) -> int:
        """The fault generator's seed (made up when none was given)."""
        return self.app.faults.seed

    @property
    def rate_limit(self) -> bool:
        return self.app.rate_limiter.enabled

    @rate_limit.setter
    def rate_limit(self, enabled: bool) -> None:
        self.app.rate_limiter.enabled = enabled

    def reset(self) -> bool:
        """Reset the services' state, the request log and the rate limiter (as
        ``POST /_admin/reset`` does); returns whether a state reset hook ran."""
        return self.app.reset()

    @property
    def admin_url(self) -> str:
        """``http(s)://HOST:PORT/_admin``: the control endpoints (health, reset, faults)."""
        return f"{self.endpoint}/_admin"

    # -- clients ------------------------------------------------------------------

    def credential(self) -> Credential:
        """A ``tcapi.Credential`` for this emulator's key pair."""
        return Credential(self.secret_id, self.secret_key)

    def client(self, client_class: Callable[..., ClientT], **options: Any) -> ClientT:
        """A client of ``client_class`` (e.g. ``MqttClient``) pointed at this emulator.

        It signs with the emulator's credentials, uses region ``ap-guangzhou``
        and the emulator's endpoint; ``options`` are passed on and override those
        (``region=``, ``credential=``, ``retry=``, ...). Start the emulator first.
        """
        options.setdefault("credential", self.credential())
        options.setdefault("region", DEFAULT_REGION)
        options.setdefault("endpoint", self.endpoint)
        return client_class(**options)


def _make_tls(host: str) -> tuple[ssl.SSLContext, bytes]:
    """A server context with a new certificate for ``TLS_NAMES`` (and ``host``), and
    the PEM of the throwaway CA that signed it."""
    try:
        import trustme  # noqa: PLC0415 - an optional dependency, only for tls=True
    except ImportError:
        raise ImportError(
            'Emulator(tls=True) needs the trustme package: pip install "tcapi[tls]"',
            name="trustme",
        ) from None
    names = list(TLS_NAMES)
    if host not in _WILDCARD_HOSTS and host not in names:
        names.append(host)
    ca = trustme.CA(organization_name="tcapi emulator")
    leaf = ca.issue_cert(*names)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context, ca.cert_pem.bytes()
