"""The emulator's durable state: one SQLite database per app, in memory or in a file.

A :class:`Store` holds one connection guarded by a lock. Every request that
touches state runs in exactly one transaction::

    with store.transaction() as conn:
        conn.execute(...)

``BEGIN IMMEDIATE`` takes SQLite's write lock up front and the store's lock
keeps the other server threads out until ``COMMIT`` (or ``ROLLBACK``, when the
block raises), so concurrent requests run one after another: none sees another's
half-done work, and no write is lost or duplicated. The write lock also makes
two processes that share one database file wait for each other.

``:memory:`` (the default) is private to the store: two apps in one process
never share data. A file path is opened in WAL mode and keeps its data across
restarts; each service declares its tables with :meth:`Store.add_schema`
(``CREATE TABLE IF NOT EXISTS``), applied whenever the file is opened.

The app-level hooks (see :func:`store_for`): ``app.state["store"]`` is the
store, ``app.state["reset"]()`` empties every table (what ``POST /_admin/reset``
and ``Emulator.reset()`` call), ``app.state["close"]()`` closes the connection
(the next transaction reopens it; an in-memory database is lost on close).
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

MEMORY = ":memory:"
BUSY_TIMEOUT = 10.0
"""Seconds to wait for another process's write lock on a shared file."""

STORE_STATE = "store"
RESET_STATE = "reset"
CLOSE_STATE = "close"
"""``app.state`` keys of the store and of its reset / close hooks."""

_SCHEMA_TABLE = "_schema_versions"


class StoreError(RuntimeError):
    """The database cannot be used (e.g. a file written by an incompatible schema)."""


class _HasState(Protocol):
    state: dict[str, Any]


class Store:
    """A SQLite database that serializes transactions across threads."""

    def __init__(self, path: str = MEMORY, *, timeout: float = BUSY_TIMEOUT) -> None:
        self.path = path
        self._timeout = timeout
        self._lock = threading.RLock()
        self._schemas: dict[str, tuple[int, tuple[str, ...]]] = {}
        self._conn: sqlite3.Connection | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._depth = 0
        self._open()

    def __repr__(self) -> str:
        return f"Store({self.path!r}{', closed' if self.closed else ''})"

    @property
    def in_memory(self) -> bool:
        return self.path in (MEMORY, "")

    @property
    def closed(self) -> bool:
        return self._conn is None

    # -- schema -------------------------------------------------------------------

    def add_schema(self, name: str, version: int, statements: Sequence[str]) -> None:
        """Create a service's tables now and whenever the database is reopened.

        ``statements`` should be idempotent (``CREATE TABLE IF NOT EXISTS``...).
        ``version`` is written to the database; opening a file whose recorded
        version of ``name`` differs raises :class:`StoreError` rather than guessing.
        """
        with self._lock:
            self._schemas[name] = (version, tuple(statements))
            with self.transaction() as conn:
                self._apply(conn, name, version, self._schemas[name][1])

    def _apply(
        self, conn: sqlite3.Connection, name: str, version: int, statements: Sequence[str]
    ) -> None:
        row = conn.execute(
            f"SELECT version FROM {_SCHEMA_TABLE} WHERE name = ?",  # noqa: S608 - constant
            (name,),
        ).fetchone()
        if row is not None and row[0] != version:
            raise StoreError(
                f"{self.path}: the {name!r} tables are schema version {row[0]}, this "
                f"emulator uses version {version}; delete the file or use another one"
            )
        for statement in statements:
            conn.execute(statement)
        conn.execute(
            f"INSERT OR IGNORE INTO {_SCHEMA_TABLE} (name, version) VALUES (?, ?)",  # noqa: S608
            (name, version),
        )

    # -- transactions ------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises.

        Nested use (within the same thread) joins the outer transaction.
        """
        with self._lock:
            conn = self._connection()
            if self._depth:
                self._depth += 1
                try:
                    yield conn
                finally:
                    self._depth -= 1
                return
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0

    def reset(self) -> None:
        """Delete every row of every table; the tables stay."""
        with self.transaction() as conn:
            names = [
                str(r[0])
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' AND name != ?",
                    (_SCHEMA_TABLE,),
                )
            ]
            conn.execute("PRAGMA defer_foreign_keys = ON")
            for name in names:
                conn.execute(f'DELETE FROM "{name}"')  # noqa: S608 - names from sqlite_master
            if conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
            ).fetchone():
                conn.execute("DELETE FROM sqlite_sequence")

    def close(self) -> None:
        """Close the connection (safe to call twice). A later transaction reopens it."""
        with self._lock:
            conn, self._conn = self._conn, None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
            if conn is not None:
                conn.close()

    # -- connection ---------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._open()
        assert self._conn is not None
        return self._conn

    def _open(self) -> None:
        conn = sqlite3.connect(
            MEMORY if self.in_memory else self.path,
            timeout=self._timeout,
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
            check_same_thread=False,  # every use is under self._lock
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            if not self.in_memory:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
                if mode is None or str(mode[0]).lower() != "wal":
                    raise StoreError(f"{self.path}: cannot switch the database to WAL mode")
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {_SCHEMA_TABLE} "
                "(name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            conn.execute("BEGIN IMMEDIATE")
            for name, (version, statements) in self._schemas.items():
                self._apply(conn, name, version, statements)
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._finalizer = weakref.finalize(self, conn.close)


def store_for(app: _HasState, path: str | None = None) -> Store:
    """The app's store, opened on first use at ``path`` (default: ``app.db_path``,
    else in memory), with its reset and close hooks put on ``app.state``."""
    store = app.state.get(STORE_STATE)
    if isinstance(store, Store):
        return store
    if path is None:
        path = str(getattr(app, "db_path", MEMORY) or MEMORY)
    store = Store(path)
    app.state[STORE_STATE] = store
    app.state[RESET_STATE] = _chain(app.state.get(RESET_STATE), store.reset)
    app.state[CLOSE_STATE] = _chain(app.state.get(CLOSE_STATE), store.close)
    return store


def _chain(before: object, then: Callable[[], None]) -> Callable[[], None]:
    if not callable(before):
        return then

    def both() -> None:
        before()
        then()

    return both
