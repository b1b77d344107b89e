"""The emulator's stateful MQTT control plane (SQLite), through the generated client.

Every answer of a stateful handler is also checked against the spec: it has
exactly members the action's output (and nested structures) list, and every
member the spec marks as always present.
"""

from __future__ import annotations

import base64
import inspect
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.spec import Member, load_service
from tcapi import Credential, RetryPolicy
from tcapi.emulator import ApiError, Emulator, RequestContext
from tcapi.emulator.services import mqtt
from tcapi.emulator.services.mqtt_repo import SCHEMA, SCHEMA_NAME, SCHEMA_VERSION, MqttRepository
from tcapi.emulator.state import Store, StoreError
from tcapi.mqtt import MqttClient, errors, models

REPO = Path(__file__).resolve().parents[1]
SPEC = load_service(REPO / "spec/mqtt/2024-05-16", REPO / "spec")
OUTPUTS = {a.name: a.output for a in SPEC.actions}
STRUCTURES = {s.name: s.members for s in SPEC.structures}
REGION = "ap-guangzhou"


class Clock:
    """Wall-clock time plus an offset the test moves forward (signatures stay valid)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def make_emulator(**options: Any) -> Emulator:
    """An Emulator with ``options``; those its constructor does not take yet are set
    on the app instead (``db`` only works as a constructor argument)."""
    accepted = inspect.signature(Emulator).parameters
    emu = Emulator(**{k: v for k, v in options.items() if k in accepted})
    if "rate_limit" in options and "rate_limit" not in accepted:
        limiter = getattr(emu.app, "rate_limiter", None)
        if limiter is not None:
            limiter.enabled = options["rate_limit"]
    if "instance_ready_delay" in options and "instance_ready_delay" not in accepted:
        emu.app.instance_ready_delay = options["instance_ready_delay"]
    return emu


# -- the spec check of every answer ----------------------------------------------------


def shape_problems(members: Sequence[Member], value: Mapping[str, Any], path: str) -> list[str]:
    problems = []
    known = {m.name: m for m in members}
    problems += [f"{path}{k}: not in the spec" for k in value if k not in known]
    for m in members:
        if m.name == "RequestId":
            continue
        if m.name not in value:
            if m.output_required:
                problems.append(f"{path}{m.name}: required but missing")
            continue
        if m.element in STRUCTURES:
            items = value[m.name] if m.is_list else [value[m.name]]
            for i, item in enumerate(items):
                problems += shape_problems(STRUCTURES[m.element], item, f"{path}{m.name}[{i}].")
    return problems


def check_answers(emu: Emulator, problems: list[str]) -> None:
    """Wrap every stateful MQTT handler so its answers are checked against the spec."""
    for action in mqtt.ACTIONS:
        handler = emu.app.handlers[("mqtt", action)]

        def checked(
            ctx: RequestContext,
            handler: Callable[[RequestContext], Mapping[str, Any]] = handler,
            action: str = action,
        ) -> Mapping[str, Any]:
            answer = handler(ctx)
            problems.extend(f"{action}: {p}" for p in shape_problems(OUTPUTS[action], answer, ""))
            return answer

        emu.app.handlers[("mqtt", action)] = checked


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emu(clock: Clock) -> Iterator[Emulator]:
    problems: list[str] = []
    with make_emulator(rate_limit=False, instance_ready_delay=0.0, clock=clock) as e:
        check_answers(e, problems)
        yield e
    assert problems == []


def client_for(emu: Emulator, region: str = REGION) -> MqttClient:
    return MqttClient(
        credential=Credential(emu.secret_id, emu.secret_key),
        region=region,
        endpoint=emu.endpoint,
        retry=RetryPolicy(max_attempts=1),
        throttle=False,  # these tests are about state; tests/test_throttle.py paces
    )


@pytest.fixture
def client(emu: Emulator) -> Iterator[MqttClient]:
    with client_for(emu) as c:
        yield c


def new_instance(client: MqttClient, name: str = "instance-1", **options: Any) -> str:
    options.setdefault("instance_type", "BASIC")
    options.setdefault("sku_code", "basic_1k")
    resp = client.create_instance(name=name, **options)
    assert resp.instance_id is not None
    return resp.instance_id


@pytest.fixture
def instance(client: MqttClient) -> str:
    """A running instance (the emulator's ready delay is 0)."""
    return new_instance(client)


# -- instances -------------------------------------------------------------------------


def test_a_new_instance_is_creating_until_the_ready_delay_has_passed(
    emu: Emulator, client: MqttClient, clock: Clock
) -> None:
    emu.app.instance_ready_delay = 60.0
    instance_id = new_instance(client, "my-instance", remark="first")
    assert re.fullmatch(r"mqtt-[a-z0-9]{8}", instance_id)

    got = client.describe_instance(instance_id=instance_id)
    assert got.instance_status == "CREATING"
    assert (got.instance_id, got.instance_name, got.remark) == (instance_id, "my-instance", "first")
    assert (got.instance_type, got.sku_code, got.topic_num, got.pay_mode) == (
        "BASIC",
        "basic_1k",
        0,
        "POSTPAID",
    )
    assert got.created_time is not None and abs(got.created_time - clock()) < 5

    # Every action that documents InstanceNotReady refuses a creating instance...
    with pytest.raises(errors.FailedOperationInstanceNotReady):
        client.create_device_identity(instance_id=instance_id, device_id="d1")
    with pytest.raises(errors.FailedOperationInstanceNotReady):
        client.describe_device_identities(instance_id=instance_id)
    with pytest.raises(errors.FailedOperationInstanceNotReady):
        client.create_topic(instance_id=instance_id, topic="topic-1")
    with pytest.raises(errors.FailedOperationInstanceNotReady):
        client.modify_instance(instance_id=instance_id, remark="second")
    # ... the others answer.
    assert client.describe_topic_list(instance_id=instance_id).total_count == 0

    clock.advance(59)
    assert client.describe_instance(instance_id=instance_id).instance_status == "CREATING"
    clock.advance(2)
    assert client.describe_instance(instance_id=instance_id).instance_status == "RUNNING"
    client.create_device_identity(instance_id=instance_id, device_id="d1")


def test_modify_instance_changes_fields_and_a_new_sku_takes_the_ready_delay(
    emu: Emulator, client: MqttClient, clock: Clock, instance: str
) -> None:
    emu.app.instance_ready_delay = 10.0
    client.modify_instance(
        instance_id=instance,
        name="renamed",
        remark="new remark",
        x509_mode="mTLS",
        device_certificate_provision_type="JITP",
        authorization_policy=True,
        message_rate=50,
    )
    got = client.describe_instance(instance_id=instance)
    assert (got.instance_name, got.remark, got.x509_mode) == ("renamed", "new remark", "mTLS")
    assert got.device_certificate_provision_type == "JITP"
    assert got.authorization_policy is True and got.message_rate == 50
    assert got.instance_status == "RUNNING"  # none of these is a spec change

    client.modify_instance(instance_id=instance, sku_code="pro_10k_1")
    got = client.describe_instance(instance_id=instance)
    assert (got.instance_status, got.sku_code, got.instance_type) == (
        "MODIFYING",
        "pro_10k_1",
        "PRO",
    )
    assert got.tps_limit == 10000 and got.topic_num_limit == 1000
    with pytest.raises(errors.FailedOperationInstanceNotReady):
        client.modify_instance(instance_id=instance, remark="again")
    clock.advance(11)
    assert client.describe_instance(instance_id=instance).instance_status == "RUNNING"
    with pytest.raises(errors.InvalidParameterValue, match="platinum"):
        client.modify_instance(instance_id=instance, sku_code="platinum_50k")
    with pytest.raises(errors.InvalidParameterValue, match="X509Mode"):
        client.modify_instance(instance_id=instance, x509_mode="SSL")


def test_the_instance_ready_waiter_sees_the_instance_come_up() -> None:
    with make_emulator(rate_limit=False) as emu, client_for(emu) as client:
        emu.app.instance_ready_delay = 0.2
        started = time.monotonic()
        instance_id = new_instance(client)
        resp = client.wait_until_instance_ready(instance_id=instance_id, delay=0.05)
        assert resp.instance_status == "RUNNING"
        assert time.monotonic() - started >= 0.2


def test_delete_instance_removes_it_and_everything_in_it(emu: Emulator, client: MqttClient) -> None:
    instance_id = mqtt.seed_instance(emu.app, "mqtt-qzgaq8bk")
    client.create_device_identity(instance_id=instance_id, device_id="d1")
    client.create_topic(instance_id=instance_id, topic="topic-1")
    client.delete_instance(instance_id=instance_id)
    for call in (
        lambda: client.describe_instance(instance_id=instance_id),
        lambda: client.delete_instance(instance_id=instance_id),
        lambda: client.modify_instance(instance_id=instance_id, remark="x"),
        lambda: client.describe_device_identity(instance_id=instance_id, device_id="d1"),
    ):
        with pytest.raises(errors.ResourceNotFoundInstance, match="mqtt-qzgaq8bk"):
            call()
    # The same id again starts empty: nothing of the old instance was left behind.
    mqtt.seed_instance(emu.app, "mqtt-qzgaq8bk")
    assert client.describe_device_identities(instance_id=instance_id).data == []
    assert client.describe_topic_list(instance_id=instance_id).total_count == 0


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"instance_type": "PRO"}, errors.InvalidParameterInstanceTypeNotMatch),
        ({"instance_type": "GOLD", "sku_code": "gold_1k"}, errors.InvalidParameterValue),
        ({"name": "x"}, errors.InvalidParameterValue),
        ({"remark": "r" * 129}, errors.InvalidParameterValue),
        ({"enable_public": True}, errors.InvalidParameterValuePublicNetworkInvalidParameterValue),
        ({"pay_mode": 1, "time_span": 7}, None),
        ({"pay_mode": 1, "time_span": 13}, errors.InvalidParameterValue),
        ({"enable_public": True, "bandwidth": 5}, None),
    ],
)
def test_create_instance_checks_its_parameters(
    client: MqttClient, options: dict[str, Any], error: type[Exception] | None
) -> None:
    name = options.pop("name", "instance-1")
    if error is None:
        new_instance(client, name, **options)
        [item] = client.describe_instance_list().data or []
        if options.get("pay_mode") == 1:
            assert item.pay_mode == "PREPAID" and (item.expiry_time or 0) > 0
        return
    with pytest.raises(error):
        new_instance(client, name, **options)
    assert client.describe_instance_list().total_count == 0


def test_instance_list_pages_and_filters(emu: Emulator, client: MqttClient, clock: Clock) -> None:
    ids = [
        new_instance(client, f"alpha-{i}", tag_list=[models.Tag(tag_key="env", tag_value=env)])
        for i, env in enumerate(("dev", "prod", "dev"))
    ]
    emu.app.instance_ready_delay = 30.0
    ids.append(new_instance(client, "beta-0", sku_code="pro_10k_1", instance_type="PRO"))

    everything = client.describe_instance_list()
    assert everything.total_count == 4
    assert [i.instance_id for i in everything.data or []] == ids
    page = client.describe_instance_list(offset=1, limit=2)
    assert page.total_count == 4 and [i.instance_id for i in page.data or []] == ids[1:3]
    assert [i.instance_id for i in client.paginate_describe_instance_list(limit=3)] == ids

    def names(**kwargs: Any) -> list[str]:
        return [i.instance_name or "" for i in client.describe_instance_list(**kwargs).data or []]

    def by(name: str, *values: str) -> list[models.Filter]:
        return [models.Filter(name=name, values=list(values))]

    assert names(filters=by("InstanceName", "ALPHA")) == ["alpha-0", "alpha-1", "alpha-2"]
    assert names(filters=by("InstanceId", ids[1], ids[3])) == ["alpha-1", "beta-0"]
    assert names(filters=by("InstanceStatus", "CREATING")) == ["beta-0"]
    assert names(filters=by("InstanceStatus", "RUNNING") + by("InstanceName", "-2")) == ["alpha-2"]
    dev = [models.TagFilter(tag_key="env", tag_values=["dev"])]
    assert names(tag_filters=dev) == ["alpha-0", "alpha-2"]
    # With TagFilters the Filters are not applied (as documented).
    assert names(tag_filters=dev, filters=by("InstanceName", "beta")) == ["alpha-0", "alpha-2"]
    assert names(tag_filters=[models.TagFilter(tag_key="team")]) == []
    with pytest.raises(errors.InvalidParameterValue, match="InstanceName"):
        client.describe_instance_list(filters=by("Zone", "x"))

    clock.advance(31)
    item = next(i for i in client.paginate_describe_instance_list() if i.instance_id == ids[3])
    assert (item.instance_status, item.instance_type, item.version) == ("RUNNING", "PRO", "5.0")


def test_instances_are_regional(emu: Emulator, client: MqttClient, instance: str) -> None:
    with client_for(emu, "ap-shanghai") as shanghai:
        assert shanghai.describe_instance_list().total_count == 0
        with pytest.raises(errors.ResourceNotFoundInstance):
            shanghai.describe_instance(instance_id=instance)
    assert client.describe_instance_list().total_count == 1


# -- device identities -----------------------------------------------------------------


def test_device_identity_crud(client: MqttClient, instance: str) -> None:
    client.create_device_identity(instance_id=instance, device_id="generated")
    got = client.describe_device_identity(instance_id=instance, device_id="generated")
    assert (got.instance_id, got.device_id, got.status) == (instance, "generated", 1)
    assert got.primary_key and got.secondary_key and got.primary_key != got.secondary_key
    for key in (got.primary_key, got.secondary_key):
        assert len(base64.b64decode(key, validate=True)) == 32
    assert got.propagating_properties is None
    assert got.created_time is not None and abs(got.created_time / 1000 - time.time()) < 5

    props = [models.PropagatingProperty(key="k", value="v")]
    client.create_device_identity(
        instance_id=instance,
        device_id="given",
        status="2",
        primary_key="cGsx",
        secondary_key="c2sx",
        propagating_properties=props,
    )
    got = client.describe_device_identity(instance_id=instance, device_id="given")
    assert (got.status, got.primary_key, got.secondary_key) == (2, "cGsx", "c2sx")
    assert got.propagating_properties == props

    client.modify_device_identity(instance_id=instance, device_id="given", status="ENABLED")
    got = client.describe_device_identity(instance_id=instance, device_id="given")
    assert (got.status, got.primary_key, got.propagating_properties) == (1, "cGsx", props)
    client.modify_device_identity(
        instance_id=instance, device_id="given", primary_key="bmV3", propagating_properties=[]
    )
    got = client.describe_device_identity(instance_id=instance, device_id="given")
    assert (got.status, got.primary_key, got.propagating_properties) == (1, "bmV3", [])

    client.delete_device_identity(instance_id=instance, device_id="given")
    items = client.describe_device_identities(instance_id=instance).data or []
    assert [d.device_id for d in items] == ["generated"]


def test_device_identity_errors(client: MqttClient, instance: str) -> None:
    client.create_device_identity(instance_id=instance, device_id="d1")
    with pytest.raises(errors.UnsupportedOperationResourceAlreadyExists, match="d1"):
        client.create_device_identity(instance_id=instance, device_id="d1", status="2")
    assert client.describe_device_identity(instance_id=instance, device_id="d1").status == 1

    for call in (
        lambda: client.describe_device_identity(instance_id=instance, device_id="nope"),
        lambda: client.modify_device_identity(instance_id=instance, device_id="nope", status="2"),
        lambda: client.delete_device_identity(instance_id=instance, device_id="nope"),
    ):
        with pytest.raises(errors.ResourceNotFound) as info:
            call()
        assert info.value.code == "ResourceNotFound" and "nope" in info.value.message

    with pytest.raises(errors.ResourceNotFoundInstance):
        client.create_device_identity(instance_id="mqtt-00000000", device_id="d1")
    with pytest.raises(errors.InvalidParameterValue, match="Status"):
        client.create_device_identity(instance_id=instance, device_id="d2", status="3")
    with pytest.raises(errors.InvalidParameterValue, match="Limit"):
        client.describe_device_identities(instance_id=instance, limit=0)


def test_device_identities_page_in_creation_order(client: MqttClient, instance: str) -> None:
    devices = [f"device-{i:02d}" for i in range(25)]
    for d in reversed(devices[:5]):  # creation order, not name order
        client.create_device_identity(instance_id=instance, device_id=d)
    for d in devices[5:]:
        client.create_device_identity(instance_id=instance, device_id=d)
    order = [*reversed(devices[:5]), *devices[5:]]

    def page(**kwargs: Any) -> list[str]:
        resp = client.describe_device_identities(instance_id=instance, **kwargs)
        return [d.device_id or "" for d in resp.data or []]

    assert page() == order[:20]  # the default page size
    assert page(offset=20) == order[20:]
    assert page(offset=3, limit=4) == order[3:7]
    assert page(offset=30) == []
    walked = client.paginate_describe_device_identities(instance_id=instance, limit=10)
    assert [d.device_id for d in walked] == order


def test_concurrent_requests_never_lose_or_duplicate_writes() -> None:
    workers, devices = 8, 10
    with make_emulator(rate_limit=False, instance_ready_delay=0.0) as emu:
        instance_id = mqtt.seed_instance(emu.app)
        outcomes: list[tuple[str, str]] = []
        lock = threading.Lock()
        start = threading.Barrier(workers)

        def work() -> None:
            with client_for(emu) as client:
                start.wait()
                for i in range(devices):
                    device = f"dev-{i}"
                    try:
                        client.create_device_identity(instance_id=instance_id, device_id=device)
                        code = "ok"
                    except errors.ApiError as exc:
                        code = exc.code
                    with lock:
                        outcomes.append((device, code))

        threads = [threading.Thread(target=work) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with client_for(emu) as client:
            stored = client.describe_device_identities(instance_id=instance_id, limit=100)
    for i in range(devices):
        codes = sorted(code for device, code in outcomes if device == f"dev-{i}")
        assert codes == ["UnsupportedOperation.ResourceAlreadyExists"] * (workers - 1) + ["ok"]
    assert sorted(d.device_id or "" for d in stored.data or []) == [
        f"dev-{i}" for i in range(devices)
    ]


# -- users -----------------------------------------------------------------------------


def test_user_crud_and_errors(client: MqttClient, instance: str) -> None:
    client.create_user(instance_id=instance, username="alice", password="pw-1", remark="a")
    client.create_user(instance_id=instance, username="bob")
    client.create_user(instance_id=instance, username="malice")

    listed = client.describe_user_list(instance_id=instance)
    assert listed.total_count == 3
    alice, bob, _ = listed.data or []
    assert (alice.username, alice.password, alice.remark) == ("alice", "pw-1", "a")
    assert bob.password and re.fullmatch(r"[A-Za-z0-9_-]{16}", bob.password)  # generated
    assert alice.created_time == alice.modified_time

    def named(*values: str, **kwargs: Any) -> list[str]:
        resp = client.describe_user_list(
            instance_id=instance, filters=[models.Filter(name="Username", values=list(values))]
        )
        return [u.username or "" for u in resp.data or []]

    assert named("lic") == ["alice", "malice"]
    assert named("BOB") == ["bob"]  # a fuzzy search ignores case
    page = client.describe_user_list(instance_id=instance, offset=1, limit=1)
    assert page.total_count == 3 and [u.username for u in page.data or []] == ["bob"]
    assert [u.username for u in client.paginate_describe_user_list(instance_id=instance)] == [
        "alice",
        "bob",
        "malice",
    ]

    time.sleep(0.002)
    client.modify_user(instance_id=instance, username="alice", remark="changed")
    alice = (client.describe_user_list(instance_id=instance).data or [])[0]
    assert alice.remark == "changed"
    assert (alice.modified_time or 0) > (alice.created_time or 0)

    with pytest.raises(errors.UnsupportedOperationResourceAlreadyExists):
        client.create_user(instance_id=instance, username="alice")
    with pytest.raises(errors.InvalidParameterValue, match="Username"):
        client.create_user(instance_id=instance, username="no spaces")
    with pytest.raises(errors.InvalidParameterValue, match="Password"):
        client.create_user(instance_id=instance, username="carol", password="p@ss")
    with pytest.raises(errors.ResourceNotFoundUsername):
        client.modify_user(instance_id=instance, username="nobody", remark="x")
    client.delete_user(instance_id=instance, username="bob")
    with pytest.raises(errors.ResourceNotFoundUsername):
        client.delete_user(instance_id=instance, username="bob")
    with pytest.raises(errors.ResourceNotFoundInstance):
        client.describe_user_list(instance_id="mqtt-00000000")
    with pytest.raises(errors.InvalidParameterValue):
        client.describe_user_list(
            instance_id=instance, filters=[models.Filter(name="Password", values=["x"])]
        )
    assert client.describe_user_list(instance_id=instance).total_count == 2


# -- topics ----------------------------------------------------------------------------


def test_topic_crud_and_errors(client: MqttClient, instance: str) -> None:
    created = client.create_topic(instance_id=instance, topic="home-temp", remark="sensors")
    assert (created.instance_id, created.topic) == (instance, "home-temp")
    client.create_topic(instance_id=instance, topic="home-light")
    client.create_topic(instance_id=instance, topic="office")

    got = client.describe_topic(instance_id=instance, topic="home-temp")
    assert (got.instance_id, got.topic, got.remark) == (instance, "home-temp", "sensors")
    assert got.created_time is not None and abs(got.created_time - time.time()) < 5  # seconds
    assert client.describe_instance(instance_id=instance).topic_num == 3

    listed = client.describe_topic_list(instance_id=instance)
    assert listed.total_count == 3
    assert [t.topic for t in listed.data or []] == ["home-temp", "home-light", "office"]
    home = client.describe_topic_list(
        instance_id=instance, filters=[models.Filter(name="TopicName", values=["home"])]
    )
    assert home.total_count == 2
    page = client.describe_topic_list(instance_id=instance, offset=2, limit=50)
    assert [t.topic for t in page.data or []] == ["office"]

    client.modify_topic(instance_id=instance, topic="office", remark="desk")
    assert client.describe_topic(instance_id=instance, topic="office").remark == "desk"
    client.delete_topic(instance_id=instance, topic="office")

    with pytest.raises(errors.UnsupportedOperationResourceAlreadyExists):
        client.create_topic(instance_id=instance, topic="home-temp")
    with pytest.raises(errors.InvalidParameterValue, match="Topic"):
        client.create_topic(instance_id=instance, topic="a/b")
    for call in (
        lambda: client.describe_topic(instance_id=instance, topic="office"),
        lambda: client.modify_topic(instance_id=instance, topic="office", remark="x"),
        lambda: client.delete_topic(instance_id=instance, topic="office"),
    ):
        with pytest.raises(errors.ResourceNotFoundTopic):
            call()
    with pytest.raises(errors.ResourceNotFoundInstance):
        client.describe_topic(instance_id="mqtt-00000000", topic="home-temp")
    assert client.describe_instance(instance_id=instance).topic_num == 2


def test_topics_stop_at_the_instance_limit(client: MqttClient, instance: str) -> None:
    limit = client.describe_instance(instance_id=instance).topic_num_limit
    assert limit == 100
    for i in range(limit):
        client.create_topic(instance_id=instance, topic=f"topic-{i:03d}")
    with pytest.raises(errors.LimitExceededTopicNum):
        client.create_topic(instance_id=instance, topic="one-too-many")
    listed = client.describe_topic_list(instance_id=instance, limit=100)
    assert listed.total_count == limit and len(listed.data or []) == 20  # at most 20 a page


# -- authorization policies ------------------------------------------------------------


def create_policy(client: MqttClient, instance: str, name: str, priority: int, **kw: Any) -> int:
    kw.setdefault("effect", "allow")
    kw.setdefault("actions", "connect,pub")
    kw.setdefault("retain", 3)
    kw.setdefault("qos", "0,1")
    resp = client.create_authorization_policy(
        instance_id=instance, policy_name=name, policy_version=1, priority=priority, **kw
    )
    assert resp.instance_id == instance and resp.id is not None
    return resp.id


def priorities(client: MqttClient, instance: str) -> dict[str, int | None]:
    data = client.describe_authorization_policies(instance_id=instance).data or []
    return {p.policy_name or "": p.priority for p in data}


def test_authorization_policy_crud(client: MqttClient, instance: str) -> None:
    first = create_policy(client, instance, "allow-all", 2, resources="topic-1", ip="10.0.0.0/8")
    second = create_policy(client, instance, "deny-guest", 1, effect="deny", username="guest")
    assert second > first

    data = client.describe_authorization_policies(instance_id=instance).data or []
    assert [p.id for p in data] == [second, first]  # by priority
    p = data[1]
    assert (p.policy_name, p.version, p.effect, p.actions, p.qos, p.retain) == (
        "allow-all",
        1,
        "allow",
        "connect,pub",
        "0,1",
        3,
    )
    assert (p.resources, p.ip, p.username, p.client_id) == ("topic-1", "10.0.0.0/8", "", "")

    client.modify_authorization_policy(
        instance_id=instance, id=first, policy_name="allow-most", actions="sub", priority=5
    )
    assert priorities(client, instance) == {"deny-guest": 1, "allow-most": 5}
    client.delete_authorization_policy(instance_id=instance, id=second)
    assert priorities(client, instance) == {"allow-most": 5}


def test_authorization_policy_errors(client: MqttClient, instance: str) -> None:
    first = create_policy(client, instance, "policy-a", 1)
    create_policy(client, instance, "policy-b", 2)
    with pytest.raises(errors.FailedOperationDuplicatePolicy):
        create_policy(client, instance, "policy-a", 3)
    with pytest.raises(errors.FailedOperationDuplicatePriority):
        create_policy(client, instance, "policy-c", 2)
    with pytest.raises(errors.FailedOperationDuplicatePriority):
        client.modify_authorization_policy(instance_id=instance, id=first, priority=2)
    with pytest.raises(errors.FailedOperationDuplicatePolicy):
        client.modify_authorization_policy(instance_id=instance, id=first, policy_name="policy-b")
    client.modify_authorization_policy(instance_id=instance, id=first, priority=1)  # its own
    with pytest.raises(errors.ResourceNotFoundAuthorizationPolicy):
        client.modify_authorization_policy(instance_id=instance, id=9999, remark="x")
    with pytest.raises(errors.ResourceNotFoundAuthorizationPolicy):
        client.delete_authorization_policy(instance_id=instance, id=9999)
    for bad in ({"effect": "maybe"}, {"actions": "connect,read"}, {"qos": "3"}, {"retain": 4}):
        with pytest.raises(errors.InvalidParameterValue):
            create_policy(client, instance, "policy-d", 9, **bad)
    with pytest.raises(errors.MissingParameter, match="InstanceId"):
        client.describe_authorization_policies()
    with pytest.raises(errors.ResourceNotFoundInstance):
        create_policy(client, "mqtt-00000000", "policy-e", 1)
    assert priorities(client, instance) == {"policy-a": 1, "policy-b": 2}


def test_update_priorities_is_all_or_nothing(client: MqttClient, instance: str) -> None:
    a = create_policy(client, instance, "policy-a", 1)
    b = create_policy(client, instance, "policy-b", 2)
    c = create_policy(client, instance, "policy-c", 3)

    def update(*pairs: tuple[int, int]) -> None:
        client.update_authorization_policy_priority(
            instance_id=instance,
            priorities=[models.AuthorizationPolicyPriority(id=i, priority=p) for i, p in pairs],
        )

    update((a, 2), (b, 1))  # a swap: fine once both are applied
    assert priorities(client, instance) == {"policy-b": 1, "policy-a": 2, "policy-c": 3}

    before = priorities(client, instance)
    with pytest.raises(errors.FailedOperationDuplicateAuthorizationIdOrPriority):
        update((a, 3))  # clashes with policy-c, which the request leaves alone
    with pytest.raises(errors.FailedOperationDuplicateAuthorizationIdOrPriority):
        update((a, 5), (a, 6))
    # The first entry is written before the second one fails: the rollback undoes it.
    with pytest.raises(errors.ResourceNotFoundAuthorizationPolicy):
        update((c, 7), (9999, 8))
    assert priorities(client, instance) == before


# -- one transaction per request -------------------------------------------------------


def test_a_handler_that_fails_after_writing_leaves_nothing_behind(
    emu: Emulator, client: MqttClient, instance: str
) -> None:
    service: mqtt.MqttService = emu.app.state["mqtt"]

    def create_then_crash(call: mqtt.Call) -> dict[str, Any]:
        mqtt.create_topic(call)
        raise RuntimeError("crashed after the write")

    def create_then_refuse(call: mqtt.Call) -> dict[str, Any]:
        mqtt.create_device_identity(call)
        raise ApiError("FailedOperation", "refused after the write")

    emu.register("mqtt", "CreateTopic", service.handler(create_then_crash))
    emu.register("mqtt", "CreateDeviceIdentity", service.handler(create_then_refuse))
    with pytest.raises(errors.InternalError):
        client.create_topic(instance_id=instance, topic="topic-1")
    with pytest.raises(errors.FailedOperation):
        client.create_device_identity(instance_id=instance, device_id="d1")
    assert client.describe_topic_list(instance_id=instance).total_count == 0
    assert client.describe_device_identities(instance_id=instance).data == []

    emu.register("mqtt", "CreateTopic", service.handler(mqtt.create_topic))
    client.create_topic(instance_id=instance, topic="topic-1")  # not a duplicate
    assert client.describe_topic_list(instance_id=instance).total_count == 1


# -- persistence, isolation, reset ------------------------------------------------------


def test_a_file_backed_store_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state.sqlite")
    with make_emulator(db=db, rate_limit=False, instance_ready_delay=0.0) as emu:
        with client_for(emu) as client:
            instance_id = new_instance(client, "durable")
            client.create_device_identity(instance_id=instance_id, device_id="d1", status="2")
            client.create_user(instance_id=instance_id, username="alice", password="pw")
            client.create_topic(instance_id=instance_id, topic="topic-1")
            policy = create_policy(client, instance_id, "policy-a", 1)
    # Stopped but not closed, as Emulator.stop() leaves it: the data is committed anyway.
    first = emu.app.state["store"]
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()

    with make_emulator(db=db, rate_limit=False, instance_ready_delay=0.0) as emu:
        with client_for(emu) as client:
            got = client.describe_instance(instance_id=instance_id)
            assert (got.instance_name, got.instance_status, got.topic_num) == (
                "durable",
                "RUNNING",
                1,
            )
            assert (
                client.describe_device_identity(instance_id=instance_id, device_id="d1").status == 2
            )
            users = client.describe_user_list(instance_id=instance_id).data or []
            assert [(u.username, u.password) for u in users] == [("alice", "pw")]
            assert priorities(client, instance_id) == {"policy-a": 1}
            # Ids keep counting from where the last run stopped.
            assert create_policy(client, instance_id, "policy-b", 2) > policy
            with pytest.raises(errors.UnsupportedOperationResourceAlreadyExists):
                client.create_device_identity(instance_id=instance_id, device_id="d1")
        emu.app.state["close"]()
    first.close()


def test_in_memory_emulators_do_not_share_state() -> None:
    with make_emulator(instance_ready_delay=0.0) as one, make_emulator() as two:
        with client_for(one) as c1, client_for(two) as c2:
            new_instance(c1)
            assert c1.describe_instance_list().total_count == 1
            assert c2.describe_instance_list().total_count == 0


def test_reset_empties_the_store(emu: Emulator, client: MqttClient, instance: str) -> None:
    client.create_device_identity(instance_id=instance, device_id="d1")
    assert emu.reset() is True
    assert client.describe_instance_list().total_count == 0
    instance = new_instance(client)
    client.create_device_identity(instance_id=instance, device_id="d1")  # no duplicate
    resp = httpx.post(f"{emu.admin_url}/reset")
    assert resp.status_code == 200 and resp.json()["state_reset"] is True
    assert client.describe_instance_list().total_count == 0


def test_actions_without_semantics_still_answer_their_example(
    client: MqttClient,
) -> None:
    resp = client.describe_product_sku_list()
    assert resp.total_count == 2  # the documented example


# -- the store itself ------------------------------------------------------------------

TABLE = ("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)",)


def test_store_transactions_commit_or_roll_back() -> None:
    store = Store()
    store.add_schema("test", 1, TABLE)
    with store.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('b', 2)")
        with store.transaction() as inner:  # joins the outer transaction
            inner.execute("INSERT INTO t VALUES ('c', 3)")
        raise RuntimeError("undo b and c")
    with store.transaction() as conn:
        assert [r[0] for r in conn.execute("SELECT k FROM t")] == ["a"]
    other = Store()  # a separate in-memory database
    other.add_schema("test", 1, TABLE)
    with other.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    store.reset()
    with store.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    store.close()
    store.close()
    assert store.closed


def test_store_file_reopens_and_refuses_another_schema_version(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sqlite")
    store = Store(path)
    store.add_schema("test", 1, TABLE)
    with store.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
    store.close()
    with store.transaction() as conn:  # reopened on demand
        assert conn.execute("SELECT v FROM t").fetchone()[0] == 1
    store.close()
    again = Store(path)
    with pytest.raises(StoreError, match="version 1"):
        again.add_schema("test", 2, TABLE)
    again.close()


def test_store_serializes_concurrent_read_modify_write() -> None:
    store = Store()
    store.add_schema("test", 1, TABLE)
    with store.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('n', 0)")

    def bump() -> None:
        for _ in range(200):
            with store.transaction() as conn:
                n = conn.execute("SELECT v FROM t WHERE k = 'n'").fetchone()[0]
                conn.execute("UPDATE t SET v = ? WHERE k = 'n'", (n + 1,))

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.transaction() as conn:
        assert conn.execute("SELECT v FROM t WHERE k = 'n'").fetchone()[0] == 1600


def test_the_repository_is_keyed_by_region() -> None:
    store = Store()
    store.add_schema(SCHEMA_NAME, SCHEMA_VERSION, SCHEMA)
    with store.transaction() as conn:
        guangzhou = MqttRepository(conn, "ap-guangzhou")
        guangzhou.insert_instance(
            {
                "instance_id": "mqtt-aaaaaaaa",
                "name": "n",
                "instance_type": "BASIC",
                "sku_code": "basic_1k",
                "created_at": 0.0,
            }
        )
        assert MqttRepository(conn, "ap-shanghai").get_instance("mqtt-aaaaaaaa") is None
        assert MqttRepository(conn, "ap-shanghai").instance_id_taken("mqtt-aaaaaaaa")
        with pytest.raises(ValueError, match="cannot update"):
            guangzhou.update_instance("mqtt-aaaaaaaa", {"region": "x"})
