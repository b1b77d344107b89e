"""The MQTT control plane with real semantics, kept in the app's SQLite store.

Instances, device identities, users, topics and authorization policies are
created, read, changed and deleted the way the API documents it: unknown ids
are ``ResourceNotFound.*``, duplicates ``UnsupportedOperation.ResourceAlreadyExists``
(``FailedOperation.Duplicate*`` for policies), and a new instance is
``CREATING`` for ``app.instance_ready_delay`` seconds (a spec change makes it
``MODIFYING`` as long) before it is ``RUNNING``. Until then every action that
documents ``FailedOperation.InstanceNotReady`` fails with it. The delay is read
when the change is made and its end stored with the instance; each request
compares that with ``app.clock``: no timers, and changing the delay later does
not touch instances already on their way.

All callers are one account; data is kept per region. Each request is one
store transaction (see ``emulator/state.py``), so an action that fails half-way
changes nothing. The SQL is in ``mqtt_repo.py``; this module holds one small
handler per action. Actions not handled here answer their documented example.

For tests that need an instance without going through CreateInstance (and its
ready delay), :func:`seed_instance` puts a ready one in the store.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ApiError, missing
from ..handlers import Handler, RequestContext
from ..state import Store, store_for
from .mqtt_repo import SCHEMA, SCHEMA_NAME, SCHEMA_VERSION, MqttRepository, Row

if TYPE_CHECKING:
    from ..app import EmulatorApp

SERVICE = "mqtt"
SERVICE_STATE = "mqtt"
"""``app.state`` key of this app's :class:`MqttService`."""
DEFAULT_READY_DELAY = 2.0
DEFAULT_REGION = "ap-guangzhou"

RUNNING = "RUNNING"
CREATING = "CREATING"
MODIFYING = "MODIFYING"
NOT_READY = "FailedOperation.InstanceNotReady"
ALREADY_EXISTS = "UnsupportedOperation.ResourceAlreadyExists"
INVALID_VALUE = "InvalidParameterValue"

ENGINE_VERSION = "5.0"
INSTANCE_ID_ALPHABET = string.ascii_lowercase + string.digits
TIME_SPANS = (*range(1, 13), 24, 36, 48, 60)
MONTH_SECONDS = 30 * 24 * 3600

_NAME_3_64 = re.compile(r"[A-Za-z0-9_-]{3,64}")
_USERNAME = re.compile(r"[A-Za-z0-9_-]{1,32}")
_PASSWORD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TOPIC = re.compile(r"[A-Za-z0-9_-]{3,100}")
_POLICY_NAME = re.compile(r"[\w-]{3,64}")  # \w: letters (Chinese too), digits, "_"
_SKU = re.compile(r"(basic|pro|platinum)_(\d+)k(?:_\w+)?")
MAX_REMARK = 128
POLICY_ACTIONS = frozenset({"connect", "pub", "sub"})
POLICY_QOS = frozenset({"0", "1", "2"})
POLICY_EFFECTS = frozenset({"allow", "deny"})
POLICY_RETAIN = (1, 2, 3)
DEVICE_STATUS = {"1": 1, "2": 2, "ENABLED": 1, "DISABLED": 2}


@dataclass(frozen=True, slots=True)
class Edition:
    """Quotas of an instance type (plausible values; the API documents no table)."""

    topic_num_limit: int
    authorization_policy_limit: int
    max_subscription_per_client: int
    max_ca_num: int


EDITIONS: Mapping[str, Edition] = {
    "BASIC": Edition(100, 10, 30, 1),
    "PRO": Edition(1000, 10, 30, 10),
    "PLATINUM": Edition(5000, 50, 50, 20),
}


# -- request helpers ---------------------------------------------------------------


def invalid(message: str) -> ApiError:
    return ApiError(INVALID_VALUE, message)


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _check(value: str, name: str, pattern: re.Pattern[str], rule: str) -> str:
    if not pattern.fullmatch(value):
        raise invalid(f"The value of `{name}` is not valid: {rule}.")
    return value


def _remark(params: Mapping[str, Any]) -> str | None:
    remark = params.get("Remark")
    if remark is not None and len(remark) > MAX_REMARK:
        raise invalid(f"`Remark` may not exceed {MAX_REMARK} characters.")
    return None if remark is None else str(remark)


def _choice(params: Mapping[str, Any], name: str, allowed: Sequence[Any], default: Any) -> Any:
    value = params.get(name)
    if value is None:
        return default
    if value not in allowed:
        raise invalid(f"`{name}` must be one of {', '.join(map(str, allowed))}.")
    return value


def _page(params: Mapping[str, Any], default: int, maximum: int) -> tuple[int, int]:
    """(offset, limit): Limit defaults to ``default`` and is capped at ``maximum``."""
    offset = params.get("Offset")
    limit = params.get("Limit")
    offset = 0 if offset is None else int(offset)
    limit = default if limit is None else int(limit)
    if offset < 0:
        raise invalid("`Offset` may not be negative.")
    if limit < 1:
        raise invalid("`Limit` must be at least 1.")
    return offset, min(limit, maximum)


def _filters(params: Mapping[str, Any], supported: Sequence[str]) -> dict[str, list[str]]:
    """Filter name → values (a name given twice gets both lists); unknown names fail."""
    found: dict[str, list[str]] = {}
    for item in params.get("Filters") or ():
        name = str(item["Name"])
        if name not in supported:
            raise invalid(f"Unsupported filter `{name}`; supported: {', '.join(supported)}.")
        found.setdefault(name, []).extend(str(v) for v in item["Values"])
    return found


def _comma_set(value: str, name: str, allowed: frozenset[str]) -> str:
    parts = [p.strip() for p in value.split(",")]
    if not parts or any(p not in allowed for p in parts):
        raise invalid(f"`{name}` must be a comma-separated list of {', '.join(sorted(allowed))}.")
    return ",".join(parts)


def _sku_type(sku_code: str) -> str | None:
    match = _SKU.fullmatch(sku_code)
    return None if match is None else match.group(1).upper()


def _sku_capacity(sku_code: str) -> int:
    """Client connections and TPS of a SKU: ``basic_2k`` → 2000."""
    match = _SKU.fullmatch(sku_code)
    return 1000 if match is None else int(match.group(2)) * 1000


def _edition(instance_type: str) -> Edition:
    edition = EDITIONS.get(instance_type)
    if edition is None:
        raise invalid(f"`InstanceType` must be one of {', '.join(EDITIONS)}.")
    return edition


def _random_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _new_instance_id(repo: MqttRepository) -> str:
    while True:
        candidate = "mqtt-" + "".join(secrets.choice(INSTANCE_ID_ALPHABET) for _ in range(8))
        if not repo.instance_id_taken(candidate):
            return candidate


def instance_status(row: Row, now: float) -> str:
    """``CREATING``/``MODIFYING`` until the stored end of the change, then RUNNING."""
    until = row["pending_until"]
    if until is not None and now < float(until):
        return str(row["pending_status"])
    return RUNNING


# -- one request -------------------------------------------------------------------


@dataclass
class Call:
    """What a handler works with: the request, the repository of its transaction, the time."""

    ctx: RequestContext
    repo: MqttRepository
    now: float
    ready_delay: float

    @property
    def params(self) -> dict[str, Any]:
        return self.ctx.params or {}

    @property
    def now_ms(self) -> int:
        return _ms(self.now)

    def status(self, row: Row) -> str:
        return instance_status(row, self.now)

    def instance(self) -> Row:
        """The request's instance; ``ResourceNotFound.Instance`` when there is none in
        the region, ``InstanceNotReady`` when it is not running and the action documents it."""
        instance_id = self.params.get("InstanceId")
        if instance_id is None:
            raise missing("InstanceId")
        row = self.repo.get_instance(str(instance_id))
        if row is None:
            raise ApiError(
                "ResourceNotFound.Instance", f"The instance `{instance_id}` does not exist."
            )
        spec = self.ctx.action_spec
        status = self.status(row)
        if status != RUNNING and spec is not None and NOT_READY in spec.errors:
            raise ApiError(NOT_READY, f"The instance `{instance_id}` is not ready yet ({status}).")
        return row


Action = Callable[[Call], dict[str, Any]]


# -- instances ---------------------------------------------------------------------


def create_instance(call: Call) -> dict[str, Any]:
    p = call.params
    instance_type, sku_code = str(p["InstanceType"]), str(p["SkuCode"])
    _edition(instance_type)
    if _sku_type(sku_code) != instance_type:
        raise ApiError(
            "InvalidParameter.InstanceTypeNotMatch",
            f"`SkuCode` {sku_code} does not belong to instance type {instance_type}.",
        )
    name = _check(str(p["Name"]), "Name", _NAME_3_64, "3-64 letters, digits, '-' or '_'")
    enable_public, bandwidth = bool(p.get("EnablePublic") or False), int(p.get("Bandwidth") or 0)
    if enable_public and bandwidth <= 0:
        raise ApiError(
            "InvalidParameterValue.PublicNetworkInvalidParameterValue",
            "`Bandwidth` must be more than 0 when `EnablePublic` is true.",
        )
    instance_id = _new_instance_id(call.repo)
    call.repo.insert_instance(
        {
            "instance_id": instance_id,
            "name": name,
            "instance_type": instance_type,
            "sku_code": sku_code,
            "remark": _remark(p) or "",
            "tags": json.dumps(p.get("TagList") or []),
            "vpcs": json.dumps(p.get("VpcList") or []),
            "ip_rules": json.dumps(p.get("IpRules") or []),
            "enable_public": enable_public,
            "bandwidth": bandwidth,
            "pay_mode": _choice(p, "PayMode", (0, 1), 0),
            "renew_flag": _choice(p, "RenewFlag", (0, 1), 1),
            "time_span": _choice(p, "TimeSpan", TIME_SPANS, 1),
            "created_at": call.now,
            "pending_status": CREATING,
            "pending_until": call.now + call.ready_delay,
        }
    )
    return {"InstanceId": instance_id}


def _billing(row: Row) -> dict[str, Any]:
    prepaid = bool(row["pay_mode"])
    expiry = row["created_at"] + row["time_span"] * MONTH_SECONDS if prepaid else 0
    return {
        "RenewFlag": int(row["renew_flag"]),
        "PayMode": "PREPAID" if prepaid else "POSTPAID",
        "ExpiryTime": _ms(expiry),
        "DestroyTime": 0,
    }


def describe_instance(call: Call) -> dict[str, Any]:
    row = call.instance()
    edition = EDITIONS[row["instance_type"]]
    return {
        "InstanceType": row["instance_type"],
        "InstanceId": row["instance_id"],
        "InstanceName": row["name"],
        "TopicNum": call.repo.count_topics(row["instance_id"]),
        "TopicNumLimit": edition.topic_num_limit,
        "TpsLimit": _sku_capacity(row["sku_code"]),
        "CreatedTime": int(row["created_at"]),
        "Remark": row["remark"],
        "InstanceStatus": call.status(row),
        "SkuCode": row["sku_code"],
        "MaxSubscriptionPerClient": edition.max_subscription_per_client,
        "AuthorizationPolicyLimit": edition.authorization_policy_limit,
        "ClientNumLimit": _sku_capacity(row["sku_code"]),
        "DeviceCertificateProvisionType": row["device_certificate_provision_type"],
        "AutomaticActivation": bool(row["automatic_activation"]),
        **_billing(row),
        "X509Mode": row["x509_mode"],
        "MaxCaNum": edition.max_ca_num,
        "AuthorizationPolicy": bool(row["authorization_policy"]),
        "UseDefaultServerCert": bool(row["use_default_server_cert"]),
        "MessageRate": int(row["message_rate"]),
    }


def _instance_item(row: Row, status: str, topic_num: int) -> dict[str, Any]:
    edition = EDITIONS[row["instance_type"]]
    return {
        "InstanceId": row["instance_id"],
        "InstanceName": row["name"],
        "Version": ENGINE_VERSION,
        "InstanceType": row["instance_type"],
        "InstanceStatus": status,
        "TopicNumLimit": edition.topic_num_limit,
        "Remark": row["remark"],
        "TopicNum": topic_num,
        "SkuCode": row["sku_code"],
        "TpsLimit": _sku_capacity(row["sku_code"]),
        "CreateTime": _ms(row["created_at"]),
        "MaxSubscriptionPerClient": edition.max_subscription_per_client,
        "ClientNumLimit": _sku_capacity(row["sku_code"]),
        **_billing(row),
        "AuthorizationPolicyLimit": edition.authorization_policy_limit,
        "MaxCaNum": edition.max_ca_num,
    }


def _tags_match(row: Row, tag_filters: Sequence[Mapping[str, Any]]) -> bool:
    tags = {str(t["TagKey"]): str(t["TagValue"]) for t in json.loads(row["tags"])}
    for f in tag_filters:
        key, values = f.get("TagKey"), f.get("TagValues")
        if key is not None and key not in tags:
            return False
        if values and (key is None or tags[key] not in values):
            return False
    return True


def _instance_matches(row: Row, status: str, filters: Mapping[str, list[str]]) -> bool:
    names = filters.get("InstanceName")
    if names is not None and not any(n.lower() in row["name"].lower() for n in names):
        return False
    ids = filters.get("InstanceId")
    if ids is not None and row["instance_id"] not in ids:
        return False
    statuses = filters.get("InstanceStatus")
    return statuses is None or status in statuses


def describe_instance_list(call: Call) -> dict[str, Any]:
    p = call.params
    offset, limit = _page(p, 20, 100)
    filters = _filters(p, ("InstanceName", "InstanceId", "InstanceStatus"))
    tag_filters = p.get("TagFilters") or []
    topics = call.repo.topic_counts()
    matched = []
    for row in call.repo.list_instances():
        status = call.status(row)
        keep = (
            _tags_match(row, tag_filters)
            if tag_filters  # the doc: with TagFilters, Filters are not applied
            else _instance_matches(row, status, filters)
        )
        if keep:
            matched.append(_instance_item(row, status, topics.get(row["instance_id"], 0)))
    return {"TotalCount": len(matched), "Data": matched[offset : offset + limit]}


def modify_instance(call: Call) -> dict[str, Any]:
    row = call.instance()
    p = call.params
    changes: dict[str, Any] = {}
    if p.get("Name") is not None:
        changes["name"] = _check(p["Name"], "Name", _NAME_3_64, "3-64 letters, digits, '-' or '_'")
    remark = _remark(p)
    if remark is not None:
        changes["remark"] = remark
    sku_code = p.get("SkuCode")
    if sku_code is not None and sku_code != row["sku_code"]:
        new_type = _sku_type(sku_code)
        if new_type is None:
            raise invalid(f"`SkuCode` {sku_code} is not a known specification.")
        if (new_type == "PLATINUM") != (row["instance_type"] == "PLATINUM"):
            raise invalid("Only platinum specifications can replace a platinum one, and back.")
        changes.update(
            sku_code=sku_code,
            instance_type=new_type,
            pending_status=MODIFYING,
            pending_until=call.now + call.ready_delay,
        )
    provision = _choice(p, "DeviceCertificateProvisionType", ("JITP", "API"), None)
    if provision is not None:
        changes["device_certificate_provision_type"] = provision
    x509_mode = _choice(p, "X509Mode", ("TLS", "mTLS", "BYOC"), None)
    if x509_mode is not None:
        changes["x509_mode"] = x509_mode
    for member, column in (
        ("AutomaticActivation", "automatic_activation"),
        ("AuthorizationPolicy", "authorization_policy"),
        ("UseDefaultServerCert", "use_default_server_cert"),
    ):
        if p.get(member) is not None:
            changes[column] = bool(p[member])
    if p.get("MessageRate") is not None:
        if p["MessageRate"] < 1:
            raise invalid("`MessageRate` must be at least 1.")
        changes["message_rate"] = p["MessageRate"]
    call.repo.update_instance(row["instance_id"], changes)
    return {}


def delete_instance(call: Call) -> dict[str, Any]:
    row = call.instance()
    call.repo.delete_instance(row["instance_id"])  # cascades to everything inside it
    return {}


# -- device identities ---------------------------------------------------------------


def _device_status(params: Mapping[str, Any], default: int | None) -> int | None:
    status = params.get("Status")
    if status is None:
        return default
    value = DEVICE_STATUS.get(str(status).upper())
    if value is None:
        raise invalid("`Status` must be 1 (ENABLED) or 2 (DISABLED).")
    return value


def _properties(params: Mapping[str, Any]) -> str | None:
    props = params.get("PropagatingProperties")
    return None if props is None else json.dumps(props)


def _device_not_found(instance_id: str, device_id: str) -> ApiError:
    return ApiError(
        "ResourceNotFound",
        f"Device identity `{device_id}` does not exist in instance `{instance_id}`.",
    )


def _device_item(row: Row) -> dict[str, Any]:
    item = {
        "InstanceId": row["instance_id"],
        "DeviceId": row["device_id"],
        "Status": int(row["status"]),
        "PrimaryKey": row["primary_key"],
        "SecondaryKey": row["secondary_key"],
        "CreatedTime": int(row["created_ms"]),
    }
    if row["propagating_properties"] is not None:
        item["PropagatingProperties"] = json.loads(row["propagating_properties"])
    return item


def create_device_identity(call: Call) -> dict[str, Any]:
    p = call.params
    device_id = str(p["DeviceId"])
    status = _device_status(p, 1)
    assert status is not None
    instance_id = call.instance()["instance_id"]
    if call.repo.get_device(instance_id, device_id) is not None:
        raise ApiError(
            ALREADY_EXISTS,
            f"Device identity `{device_id}` already exists in instance `{instance_id}`.",
        )
    call.repo.insert_device(
        instance_id,
        device_id,
        status=status,
        primary_key=str(p.get("PrimaryKey") or _random_key()),
        secondary_key=str(p.get("SecondaryKey") or _random_key()),
        propagating_properties=_properties(p),
        created_ms=call.now_ms,
    )
    return {}


def describe_device_identity(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    device_id = str(call.params["DeviceId"])
    row = call.repo.get_device(instance_id, device_id)
    if row is None:
        raise _device_not_found(instance_id, device_id)
    return _device_item(row)


def describe_device_identities(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    offset, limit = _page(call.params, 20, 100)
    rows = call.repo.list_devices(instance_id, offset, limit)
    return {"Data": [_device_item(r) for r in rows]}


def modify_device_identity(call: Call) -> dict[str, Any]:
    p = call.params
    device_id = str(p["DeviceId"])
    changes: dict[str, Any] = {}
    status = _device_status(p, None)
    if status is not None:
        changes["status"] = status
    for member, column in (("PrimaryKey", "primary_key"), ("SecondaryKey", "secondary_key")):
        if p.get(member):
            changes[column] = p[member]
    if p.get("PropagatingProperties") is not None:
        changes["propagating_properties"] = _properties(p)
    instance_id = call.instance()["instance_id"]
    if call.repo.get_device(instance_id, device_id) is None:
        raise _device_not_found(instance_id, device_id)
    call.repo.update_device(instance_id, device_id, changes)
    return {}


def delete_device_identity(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    device_id = str(call.params["DeviceId"])
    if not call.repo.delete_device(instance_id, device_id):
        raise _device_not_found(instance_id, device_id)
    return {}


# -- users ---------------------------------------------------------------------------


def _user_not_found(instance_id: str, username: str) -> ApiError:
    return ApiError(
        "ResourceNotFound.Username",
        f"User `{username}` does not exist in instance `{instance_id}`.",
    )


def create_user(call: Call) -> dict[str, Any]:
    p = call.params
    rule = "letters, digits, '-' or '_'"
    username = _check(str(p["Username"]), "Username", _USERNAME, f"1-32 {rule}")
    password = p.get("Password")
    if password:
        _check(str(password), "Password", _PASSWORD, f"1-64 {rule}")
    else:
        password = secrets.token_urlsafe(12)  # 16 characters from the same alphabet
    remark = _remark(p) or ""
    instance_id = call.instance()["instance_id"]
    if call.repo.get_user(instance_id, username) is not None:
        raise ApiError(
            ALREADY_EXISTS, f"User `{username}` already exists in instance `{instance_id}`."
        )
    call.repo.insert_user(instance_id, username, str(password), remark, call.now_ms)
    return {}


def describe_user_list(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    offset, limit = _page(call.params, 20, 100)
    names = _filters(call.params, ("Username",)).get("Username", [])
    rows, total = call.repo.list_users(instance_id, names, offset, limit)
    data = [
        {
            "Username": r["username"],
            "Password": r["password"],
            "Remark": r["remark"],
            "CreatedTime": int(r["created_ms"]),
            "ModifiedTime": int(r["modified_ms"]),
        }
        for r in rows
    ]
    return {"TotalCount": total, "Data": data}


def modify_user(call: Call) -> dict[str, Any]:
    remark = _remark(call.params)
    instance_id = call.instance()["instance_id"]
    username = str(call.params["Username"])
    if call.repo.get_user(instance_id, username) is None:
        raise _user_not_found(instance_id, username)
    changes: dict[str, Any] = {"modified_ms": call.now_ms}
    if remark is not None:
        changes["remark"] = remark
    call.repo.update_user(instance_id, username, changes)
    return {}


def delete_user(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    username = str(call.params["Username"])
    if not call.repo.delete_user(instance_id, username):
        raise _user_not_found(instance_id, username)
    return {}


# -- topics --------------------------------------------------------------------------


def _topic_not_found(instance_id: str, topic: str) -> ApiError:
    return ApiError(
        "ResourceNotFound.Topic", f"Topic `{topic}` does not exist in instance `{instance_id}`."
    )


def create_topic(call: Call) -> dict[str, Any]:
    p = call.params
    topic = _check(str(p["Topic"]), "Topic", _TOPIC, "3-100 letters, digits, '-' or '_'")
    remark = _remark(p) or ""
    row = call.instance()
    instance_id = row["instance_id"]
    if call.repo.get_topic(instance_id, topic) is not None:
        raise ApiError(
            ALREADY_EXISTS, f"Topic `{topic}` already exists in instance `{instance_id}`."
        )
    limit = EDITIONS[row["instance_type"]].topic_num_limit
    if call.repo.count_topics(instance_id) >= limit:
        raise ApiError(
            "LimitExceeded.TopicNum", f"Instance `{instance_id}` already has {limit} topics."
        )
    call.repo.insert_topic(instance_id, topic, remark, call.now_ms)
    return {"InstanceId": instance_id, "Topic": topic}


def describe_topic(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    topic = str(call.params["Topic"])
    row = call.repo.get_topic(instance_id, topic)
    if row is None:
        raise _topic_not_found(instance_id, topic)
    return {
        "InstanceId": instance_id,
        "Topic": row["topic"],
        "Remark": row["remark"],
        "CreatedTime": int(row["created_ms"]) // 1000,  # documented in seconds
    }


def describe_topic_list(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    offset, limit = _page(call.params, 20, 20)
    filters = _filters(call.params, ("TopicName", "TopicType"))
    types = filters.get("TopicType")
    if types is not None and "Normal" not in types:  # every MQTT topic is a normal one
        return {"TotalCount": 0, "Data": []}
    rows, total = call.repo.list_topics(instance_id, filters.get("TopicName", []), offset, limit)
    data = [{"InstanceId": instance_id, "Topic": r["topic"], "Remark": r["remark"]} for r in rows]
    return {"TotalCount": total, "Data": data}


def modify_topic(call: Call) -> dict[str, Any]:
    remark = _remark(call.params)
    instance_id = call.instance()["instance_id"]
    topic = str(call.params["Topic"])
    if call.repo.get_topic(instance_id, topic) is None:
        raise _topic_not_found(instance_id, topic)
    if remark is not None:
        call.repo.update_topic(instance_id, topic, {"remark": remark})
    return {}


def delete_topic(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    topic = str(call.params["Topic"])
    if not call.repo.delete_topic(instance_id, topic):
        raise _topic_not_found(instance_id, topic)
    return {}


# -- authorization policies ----------------------------------------------------------

_POLICY_FIELDS: tuple[tuple[str, str], ...] = (
    ("PolicyName", "policy_name"),
    ("PolicyVersion", "version"),
    ("Priority", "priority"),
    ("Effect", "effect"),
    ("Actions", "actions"),
    ("Resources", "resources"),
    ("Username", "username"),
    ("ClientId", "client_id"),
    ("Ip", "ip"),
    ("Qos", "qos"),
    ("Retain", "retain"),
    ("Remark", "remark"),
)


def _policy_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """The policy columns the request sets, checked."""
    values: dict[str, Any] = {}
    for member, column in _POLICY_FIELDS:
        value = params.get(member)
        if value is None:
            continue
        if member == "PolicyName":
            value = _check(value, member, _POLICY_NAME, "3-64 letters, digits, '-' or '_'")
        elif member == "PolicyVersion" and value != 1:
            raise invalid("`PolicyVersion` must be 1.")
        elif member == "Effect" and value not in POLICY_EFFECTS:
            raise invalid("`Effect` must be allow or deny.")
        elif member == "Actions":
            value = _comma_set(value, member, POLICY_ACTIONS)
        elif member == "Qos":
            value = _comma_set(value, member, POLICY_QOS)
        elif member == "Retain" and value not in POLICY_RETAIN:
            raise invalid("`Retain` must be 1, 2 or 3.")
        elif member == "Remark":
            value = _remark(params)
        values[column] = value
    return values


def _check_policy_unique(
    call: Call, instance_id: str, values: Mapping[str, Any], policy_id: int | None
) -> None:
    name, priority = values.get("policy_name"), values.get("priority")
    if name is not None and call.repo.policy_with(instance_id, "policy_name", name, policy_id):
        raise ApiError("FailedOperation.DuplicatePolicy", f"A policy named `{name}` exists.")
    if priority is not None and call.repo.policy_with(instance_id, "priority", priority, policy_id):
        raise ApiError(
            "FailedOperation.DuplicatePriority", f"A policy with priority {priority} exists."
        )


def _policy_not_found(instance_id: str, policy_id: int) -> ApiError:
    return ApiError(
        "ResourceNotFound.AuthorizationPolicy",
        f"Authorization policy {policy_id} does not exist in instance `{instance_id}`.",
    )


def create_authorization_policy(call: Call) -> dict[str, Any]:
    values = _policy_values(call.params)
    instance_id = call.instance()["instance_id"]
    _check_policy_unique(call, instance_id, values, None)
    policy_id = call.repo.insert_policy(
        instance_id, {**values, "created_ms": call.now_ms, "updated_ms": call.now_ms}
    )
    return {"InstanceId": instance_id, "Id": policy_id}


def describe_authorization_policies(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    data = [
        {
            "Id": r["id"],
            "InstanceId": r["instance_id"],
            "PolicyName": r["policy_name"],
            "Version": r["version"],
            "Priority": r["priority"],
            "Effect": r["effect"],
            "Actions": r["actions"],
            "Resources": r["resources"],
            "ClientId": r["client_id"],
            "Username": r["username"],
            "Ip": r["ip"],
            "Qos": r["qos"],
            "Retain": r["retain"],
            "Remark": r["remark"],
            "CreatedTime": r["created_ms"],
            "UpdateTime": r["updated_ms"],
        }
        for r in call.repo.list_policies(instance_id)
    ]
    return {"Data": data}


def modify_authorization_policy(call: Call) -> dict[str, Any]:
    values = _policy_values(call.params)
    instance_id = call.instance()["instance_id"]
    policy_id = int(call.params["Id"])
    if call.repo.get_policy(instance_id, policy_id) is None:
        raise _policy_not_found(instance_id, policy_id)
    _check_policy_unique(call, instance_id, values, policy_id)
    call.repo.update_policy(instance_id, policy_id, {**values, "updated_ms": call.now_ms})
    return {}


def delete_authorization_policy(call: Call) -> dict[str, Any]:
    instance_id = call.instance()["instance_id"]
    policy_id = int(call.params["Id"])
    if not call.repo.delete_policy(instance_id, policy_id):
        raise _policy_not_found(instance_id, policy_id)
    return {}


def update_authorization_policy_priority(call: Call) -> dict[str, Any]:
    """Apply each (Id, Priority), then require priorities to be unique: a clash or
    an unknown Id anywhere rolls the whole request back."""
    instance_id = call.instance()["instance_id"]
    duplicate = ApiError(
        "FailedOperation.DuplicateAuthorizationIdOrPriority",
        "Each policy Id and each priority may appear only once.",
    )
    entries = call.params.get("Priorities") or []
    if len({e["Id"] for e in entries}) != len(entries):
        raise duplicate
    for entry in entries:
        policy_id, priority = int(entry["Id"]), int(entry["Priority"])
        if not call.repo.update_policy(
            instance_id, policy_id, {"priority": priority, "updated_ms": call.now_ms}
        ):
            raise _policy_not_found(instance_id, policy_id)
    priorities = [r["priority"] for r in call.repo.list_policies(instance_id)]
    if len(set(priorities)) != len(priorities):
        raise duplicate
    return {}


# -- installation ------------------------------------------------------------------

ACTIONS: Mapping[str, Action] = {
    "CreateInstance": create_instance,
    "DescribeInstance": describe_instance,
    "DescribeInstanceList": describe_instance_list,
    "ModifyInstance": modify_instance,
    "DeleteInstance": delete_instance,
    "CreateDeviceIdentity": create_device_identity,
    "DescribeDeviceIdentity": describe_device_identity,
    "DescribeDeviceIdentities": describe_device_identities,
    "ModifyDeviceIdentity": modify_device_identity,
    "DeleteDeviceIdentity": delete_device_identity,
    "CreateUser": create_user,
    "DescribeUserList": describe_user_list,
    "ModifyUser": modify_user,
    "DeleteUser": delete_user,
    "CreateTopic": create_topic,
    "DescribeTopic": describe_topic,
    "DescribeTopicList": describe_topic_list,
    "ModifyTopic": modify_topic,
    "DeleteTopic": delete_topic,
    "CreateAuthorizationPolicy": create_authorization_policy,
    "DescribeAuthorizationPolicies": describe_authorization_policies,
    "ModifyAuthorizationPolicy": modify_authorization_policy,
    "DeleteAuthorizationPolicy": delete_authorization_policy,
    "UpdateAuthorizationPolicyPriority": update_authorization_policy_priority,
}
"""Every action with real semantics, and its handler."""


class MqttService:
    """The MQTT semantics of one app: its store, and a handler per action."""

    def __init__(self, app: EmulatorApp, store: Store) -> None:
        self.app = app
        self.store = store
        store.add_schema(SCHEMA_NAME, SCHEMA_VERSION, SCHEMA)

    @property
    def ready_delay(self) -> float:
        """``app.instance_ready_delay``, read on every request that starts a change."""
        return float(getattr(self.app, "instance_ready_delay", DEFAULT_READY_DELAY))

    def handler(self, action: Action) -> Handler:
        """``action`` run inside one store transaction (rolled back if it raises)."""

        def handle(ctx: RequestContext) -> dict[str, Any]:
            with self.store.transaction() as conn:
                call = Call(
                    ctx, MqttRepository(conn, ctx.region or ""), ctx.received_at, self.ready_delay
                )
                return action(call)

        handle.__name__ = handle.__qualname__ = f"mqtt_{action.__name__}"
        return handle

    def seed_instance(
        self,
        instance_id: str | None = None,
        *,
        region: str = DEFAULT_REGION,
        name: str = "instance-1",
        instance_type: str = "BASIC",
        sku_code: str = "basic_1k",
        ready: bool = True,
    ) -> str:
        """Put an instance straight into the store (RUNNING unless ``ready`` is false,
        when it is CREATING like a new one); returns its id. Fails if the id is taken."""
        _edition(instance_type)
        now = self.app.clock()
        with self.store.transaction() as conn:
            repo = MqttRepository(conn, region)
            if instance_id is None:
                instance_id = _new_instance_id(repo)
            elif repo.instance_id_taken(instance_id):
                raise ValueError(f"instance {instance_id} already exists")
            repo.insert_instance(
                {
                    "instance_id": instance_id,
                    "name": name,
                    "instance_type": instance_type,
                    "sku_code": sku_code,
                    "created_at": now,
                    "pending_status": None if ready else CREATING,
                    "pending_until": None if ready else now + self.ready_delay,
                }
            )
        return instance_id


def install(app: EmulatorApp) -> None:
    """Register a handler for every action in :data:`ACTIONS` the app's MQTT spec has."""
    service = MqttService(app, store_for(app))
    app.state[SERVICE_STATE] = service
    known = {a for spec in app.catalog if spec.service == SERVICE for a in spec.actions}
    for name, action in ACTIONS.items():
        if name in known:
            app.register(SERVICE, name, service.handler(action))


def seed_instance(app: EmulatorApp, instance_id: str | None = None, **options: Any) -> str:
    """A ready instance in ``app``'s store without a CreateInstance call (for tests
    and examples that use a fixed id such as the docs' ``mqtt-qzgaq8bk``)."""
    service = app.state.get(SERVICE_STATE)
    if not isinstance(service, MqttService):
        raise RuntimeError("the MQTT semantics are not installed in this app")
    return service.seed_instance(instance_id, **options)
