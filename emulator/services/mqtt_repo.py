"""The MQTT control plane's tables and every SQL statement that reads or writes them.

Rows are keyed by region (the API is regional; all callers are one account) and
by instance; deleting an instance deletes its device identities, users, topics
and policies (``ON DELETE CASCADE``). Lists come back in creation order
(``rowid``), policies in priority order. Rows are plain dicts of column → value.

A :class:`MqttRepository` works on the connection of one open transaction
(``Store.transaction()``); it never commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

SCHEMA_NAME = "mqtt"
SCHEMA_VERSION = 1
SCHEMA: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS mqtt_instances (
        region TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        name TEXT NOT NULL,
        instance_type TEXT NOT NULL,
        sku_code TEXT NOT NULL,
        remark TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        vpcs TEXT NOT NULL DEFAULT '[]',
        ip_rules TEXT NOT NULL DEFAULT '[]',
        enable_public INTEGER NOT NULL DEFAULT 0,
        bandwidth INTEGER NOT NULL DEFAULT 0,
        pay_mode INTEGER NOT NULL DEFAULT 0,
        renew_flag INTEGER NOT NULL DEFAULT 1,
        time_span INTEGER NOT NULL DEFAULT 1,
        device_certificate_provision_type TEXT NOT NULL DEFAULT 'API',
        automatic_activation INTEGER NOT NULL DEFAULT 0,
        authorization_policy INTEGER NOT NULL DEFAULT 0,
        use_default_server_cert INTEGER NOT NULL DEFAULT 1,
        x509_mode TEXT NOT NULL DEFAULT 'TLS',
        message_rate INTEGER NOT NULL DEFAULT 10,
        created_at REAL NOT NULL,
        pending_status TEXT,
        pending_until REAL,
        PRIMARY KEY (region, instance_id)
    )""",
    """CREATE TABLE IF NOT EXISTS mqtt_device_identities (
        region TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        status INTEGER NOT NULL,
        primary_key TEXT NOT NULL,
        secondary_key TEXT NOT NULL,
        propagating_properties TEXT,
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (region, instance_id, device_id),
        FOREIGN KEY (region, instance_id) REFERENCES mqtt_instances (region, instance_id)
            ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS mqtt_users (
        region TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        username TEXT NOT NULL,
        password TEXT NOT NULL,
        remark TEXT NOT NULL DEFAULT '',
        created_ms INTEGER NOT NULL,
        modified_ms INTEGER NOT NULL,
        PRIMARY KEY (region, instance_id, username),
        FOREIGN KEY (region, instance_id) REFERENCES mqtt_instances (region, instance_id)
            ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS mqtt_topics (
        region TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        remark TEXT NOT NULL DEFAULT '',
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (region, instance_id, topic),
        FOREIGN KEY (region, instance_id) REFERENCES mqtt_instances (region, instance_id)
            ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS mqtt_authorization_policies (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        region TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        policy_name TEXT NOT NULL,
        version INTEGER NOT NULL,
        priority INTEGER NOT NULL,
        effect TEXT NOT NULL,
        actions TEXT NOT NULL,
        resources TEXT NOT NULL DEFAULT '',
        client_id TEXT NOT NULL DEFAULT '',
        username TEXT NOT NULL DEFAULT '',
        ip TEXT NOT NULL DEFAULT '',
        qos TEXT NOT NULL,
        retain INTEGER NOT NULL,
        remark TEXT NOT NULL DEFAULT '',
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        FOREIGN KEY (region, instance_id) REFERENCES mqtt_instances (region, instance_id)
            ON DELETE CASCADE
    )""",
    """CREATE INDEX IF NOT EXISTS mqtt_authorization_policies_instance
        ON mqtt_authorization_policies (region, instance_id)""",
)

_COLUMNS: Mapping[str, frozenset[str]] = {
    "mqtt_instances": frozenset(
        {
            "name",
            "instance_type",
            "sku_code",
            "remark",
            "device_certificate_provision_type",
            "automatic_activation",
            "authorization_policy",
            "use_default_server_cert",
            "x509_mode",
            "message_rate",
            "pending_status",
            "pending_until",
        }
    ),
    "mqtt_device_identities": frozenset(
        {"status", "primary_key", "secondary_key", "propagating_properties"}
    ),
    "mqtt_users": frozenset({"remark", "modified_ms"}),
    "mqtt_topics": frozenset({"remark"}),
    "mqtt_authorization_policies": frozenset(
        {
            "policy_name",
            "version",
            "priority",
            "effect",
            "actions",
            "resources",
            "client_id",
            "username",
            "ip",
            "qos",
            "retain",
            "remark",
            "updated_ms",
        }
    ),
}
"""The columns an update may set, per table: with the keys, the only names put into SQL text."""

_INSERTABLE: Mapping[str, frozenset[str]] = {
    "mqtt_instances": _COLUMNS["mqtt_instances"]
    | {
        "instance_id",
        "tags",
        "vpcs",
        "ip_rules",
        "enable_public",
        "bandwidth",
        "pay_mode",
        "renew_flag",
        "time_span",
        "created_at",
    },
    "mqtt_authorization_policies": _COLUMNS["mqtt_authorization_policies"]
    | {"instance_id", "created_ms"},
}

Row = dict[str, Any]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_any(column: str, needles: Sequence[str]) -> tuple[str, list[str]]:
    """``(column LIKE ? OR ...)`` matching any of ``needles`` as a substring."""
    if not needles:
        return "1", []
    sql = " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in needles)
    return f"({sql})", [f"%{_escape_like(n)}%" for n in needles]


class MqttRepository:
    """The MQTT tables of one region, inside one transaction."""

    def __init__(self, conn: sqlite3.Connection, region: str) -> None:
        self.conn = conn
        self.region = region

    # -- helpers ------------------------------------------------------------------

    def _one(self, sql: str, params: Iterable[Any]) -> Row | None:
        row = self.conn.execute(sql, tuple(params)).fetchone()
        return None if row is None else dict(row)

    def _all(self, sql: str, params: Iterable[Any]) -> list[Row]:
        return [dict(r) for r in self.conn.execute(sql, tuple(params))]

    def _update(self, table: str, where: Mapping[str, Any], changes: Mapping[str, Any]) -> int:
        if not changes:
            return 0
        unknown = set(changes) - _COLUMNS[table]
        if unknown:
            raise ValueError(f"{table}: cannot update {sorted(unknown)}")
        sets = ", ".join(f"{c} = ?" for c in changes)
        cond = " AND ".join(f"{c} = ?" for c in where)
        sql = f"UPDATE {table} SET {sets} WHERE {cond}"  # noqa: S608 - whitelisted names
        cursor = self.conn.execute(sql, (*changes.values(), *where.values()))
        return cursor.rowcount

    # -- instances ----------------------------------------------------------------

    def instance_id_taken(self, instance_id: str) -> bool:
        """In any region: instance ids are unique across the account."""
        sql = "SELECT 1 FROM mqtt_instances WHERE instance_id = ?"
        return self._one(sql, (instance_id,)) is not None

    def _insert(self, table: str, values: Mapping[str, Any]) -> int | None:
        unknown = set(values) - _INSERTABLE[table]
        if unknown:
            raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
        row = {**values, "region": self.region}
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - whitelisted names
        return self.conn.execute(sql, tuple(row.values())).lastrowid

    def insert_instance(self, values: Mapping[str, Any]) -> None:
        self._insert("mqtt_instances", values)

    def get_instance(self, instance_id: str) -> Row | None:
        sql = "SELECT * FROM mqtt_instances WHERE region = ? AND instance_id = ?"
        return self._one(sql, (self.region, instance_id))

    def list_instances(self) -> list[Row]:
        sql = "SELECT * FROM mqtt_instances WHERE region = ? ORDER BY rowid"
        return self._all(sql, (self.region,))

    def update_instance(self, instance_id: str, changes: Mapping[str, Any]) -> int:
        where = {"region": self.region, "instance_id": instance_id}
        return self._update("mqtt_instances", where, changes)

    def delete_instance(self, instance_id: str) -> int:
        sql = "DELETE FROM mqtt_instances WHERE region = ? AND instance_id = ?"
        return self.conn.execute(sql, (self.region, instance_id)).rowcount

    def topic_counts(self) -> dict[str, int]:
        sql = "SELECT instance_id, COUNT(*) FROM mqtt_topics WHERE region = ? GROUP BY instance_id"
        return {str(r[0]): int(r[1]) for r in self.conn.execute(sql, (self.region,))}

    # -- device identities -------------------------------------------------------

    def get_device(self, instance_id: str, device_id: str) -> Row | None:
        sql = (
            "SELECT * FROM mqtt_device_identities "
            "WHERE region = ? AND instance_id = ? AND device_id = ?"
        )
        return self._one(sql, (self.region, instance_id, device_id))

    def insert_device(
        self,
        instance_id: str,
        device_id: str,
        *,
        status: int,
        primary_key: str,
        secondary_key: str,
        propagating_properties: str | None,
        created_ms: int,
    ) -> None:
        self.conn.execute(
            "INSERT INTO mqtt_device_identities (region, instance_id, device_id, status, "
            "primary_key, secondary_key, propagating_properties, created_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.region,
                instance_id,
                device_id,
                status,
                primary_key,
                secondary_key,
                propagating_properties,
                created_ms,
            ),
        )

    def update_device(self, instance_id: str, device_id: str, changes: Mapping[str, Any]) -> int:
        where = {"region": self.region, "instance_id": instance_id, "device_id": device_id}
        return self._update("mqtt_device_identities", where, changes)

    def delete_device(self, instance_id: str, device_id: str) -> int:
        sql = (
            "DELETE FROM mqtt_device_identities "
            "WHERE region = ? AND instance_id = ? AND device_id = ?"
        )
        return self.conn.execute(sql, (self.region, instance_id, device_id)).rowcount

    def list_devices(self, instance_id: str, offset: int, limit: int) -> list[Row]:
        sql = (
            "SELECT * FROM mqtt_device_identities WHERE region = ? AND instance_id = ? "
            "ORDER BY rowid LIMIT ? OFFSET ?"
        )
        return self._all(sql, (self.region, instance_id, limit, offset))

    # -- users --------------------------------------------------------------------

    def get_user(self, instance_id: str, username: str) -> Row | None:
        sql = "SELECT * FROM mqtt_users WHERE region = ? AND instance_id = ? AND username = ?"
        return self._one(sql, (self.region, instance_id, username))

    def insert_user(
        self, instance_id: str, username: str, password: str, remark: str, now_ms: int
    ) -> None:
        self.conn.execute(
            "INSERT INTO mqtt_users (region, instance_id, username, password, remark, "
            "created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.region, instance_id, username, password, remark, now_ms, now_ms),
        )

    def update_user(self, instance_id: str, username: str, changes: Mapping[str, Any]) -> int:
        where = {"region": self.region, "instance_id": instance_id, "username": username}
        return self._update("mqtt_users", where, changes)

    def delete_user(self, instance_id: str, username: str) -> int:
        sql = "DELETE FROM mqtt_users WHERE region = ? AND instance_id = ? AND username = ?"
        return self.conn.execute(sql, (self.region, instance_id, username)).rowcount

    def list_users(
        self, instance_id: str, name_contains: Sequence[str], offset: int, limit: int
    ) -> tuple[list[Row], int]:
        """A page of users whose name contains any of ``name_contains`` (all when
        empty), and how many match in total."""
        cond, args = _contains_any("username", name_contains)
        where = f"WHERE region = ? AND instance_id = ? AND {cond}"
        params = [self.region, instance_id, *args]
        total = self.conn.execute(
            f"SELECT COUNT(*) FROM mqtt_users {where}",  # noqa: S608 - placeholders only
            params,
        ).fetchone()[0]
        rows = self._all(
            f"SELECT * FROM mqtt_users {where} ORDER BY rowid LIMIT ? OFFSET ?",  # noqa: S608
            (*params, limit, offset),
        )
        return rows, int(total)

    # -- topics -------------------------------------------------------------------

    def get_topic(self, instance_id: str, topic: str) -> Row | None:
        sql = "SELECT * FROM mqtt_topics WHERE region = ? AND instance_id = ? AND topic = ?"
        return self._one(sql, (self.region, instance_id, topic))

    def count_topics(self, instance_id: str) -> int:
        sql = "SELECT COUNT(*) FROM mqtt_topics WHERE region = ? AND instance_id = ?"
        return int(self.conn.execute(sql, (self.region, instance_id)).fetchone()[0])

    def insert_topic(self, instance_id: str, topic: str, remark: str, now_ms: int) -> None:
        self.conn.execute(
            "INSERT INTO mqtt_topics (region, instance_id, topic, remark, created_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            (self.region, instance_id, topic, remark, now_ms),
        )

    def update_topic(self, instance_id: str, topic: str, changes: Mapping[str, Any]) -> int:
        where = {"region": self.region, "instance_id": instance_id, "topic": topic}
        return self._update("mqtt_topics", where, changes)

    def delete_topic(self, instance_id: str, topic: str) -> int:
        sql = "DELETE FROM mqtt_topics WHERE region = ? AND instance_id = ? AND topic = ?"
        return self.conn.execute(sql, (self.region, instance_id, topic)).rowcount

    def list_topics(
        self, instance_id: str, name_contains: Sequence[str], offset: int, limit: int
    ) -> tuple[list[Row], int]:
        """Like :meth:`list_users`, for topic names."""
        cond, args = _contains_any("topic", name_contains)
        where = f"WHERE region = ? AND instance_id = ? AND {cond}"
        params = [self.region, instance_id, *args]
        total = self.conn.execute(
            f"SELECT COUNT(*) FROM mqtt_topics {where}",  # noqa: S608 - placeholders only
            params,
        ).fetchone()[0]
        rows = self._all(
            f"SELECT * FROM mqtt_topics {where} ORDER BY rowid LIMIT ? OFFSET ?",  # noqa: S608
            (*params, limit, offset),
        )
        return rows, int(total)

    # -- authorization policies --------------------------------------------------

    def get_policy(self, instance_id: str, policy_id: int) -> Row | None:
        sql = (
            "SELECT * FROM mqtt_authorization_policies "
            "WHERE region = ? AND instance_id = ? AND id = ?"
        )
        return self._one(sql, (self.region, instance_id, policy_id))

    def list_policies(self, instance_id: str) -> list[Row]:
        sql = (
            "SELECT * FROM mqtt_authorization_policies WHERE region = ? AND instance_id = ? "
            "ORDER BY priority, id"
        )
        return self._all(sql, (self.region, instance_id))

    def policy_with(
        self, instance_id: str, column: str, value: Any, except_id: int | None = None
    ) -> Row | None:
        """Another policy of the instance whose ``column`` (name or priority) is ``value``."""
        if column not in ("policy_name", "priority"):
            raise ValueError(f"not a unique policy column: {column}")
        sql = (
            f"SELECT * FROM mqtt_authorization_policies "  # noqa: S608 - checked name
            f"WHERE region = ? AND instance_id = ? AND {column} = ? AND id != ?"
        )
        return self._one(
            sql, (self.region, instance_id, value, -1 if except_id is None else except_id)
        )

    def insert_policy(self, instance_id: str, values: Mapping[str, Any]) -> int:
        """Insert a policy; returns its new Id."""
        policy_id = self._insert(
            "mqtt_authorization_policies", {**values, "instance_id": instance_id}
        )
        assert policy_id is not None
        return policy_id

    def update_policy(self, instance_id: str, policy_id: int, changes: Mapping[str, Any]) -> int:
        where = {"region": self.region, "instance_id": instance_id, "id": policy_id}
        return self._update("mqtt_authorization_policies", where, changes)

    def delete_policy(self, instance_id: str, policy_id: int) -> int:
        sql = (
            "DELETE FROM mqtt_authorization_policies "
            "WHERE region = ? AND instance_id = ? AND id = ?"
        )
        return self.conn.execute(sql, (self.region, instance_id, policy_id)).rowcount
