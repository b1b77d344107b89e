"""Bad responses: whatever the server sends, a call returns a correctly typed
response or raises a typed error (a ``tcapi.TencentCloudError``), never anything else.

The bulk drives the sans-IO parse step (``_ClientCore._parse``) with the real
generated operations of several MQTT and STS actions; a smaller set goes through
a real HTTP exchange (tests/scripted_server.py), including truncated bodies,
lying Content-Lengths and connections closed mid-body.

Every case is checked against an oracle written from the spec (not from the
generated code): which outcome the answer must produce (success, the API error
class for its code, or a ResponseError saying why), which wire path a wrong-typed
member is reported at, and that a success keeps every value (typed as declared)
and every unknown member.

Hypothesis runs derandomized with no example database, so CI sees the same
cases every run.
"""

from __future__ import annotations

import json
import math
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.spec import SCALARS, Action, Member, Service, load_service
from tcapi import (
    ApiError,
    Credential,
    ResponseError,
    RetryPolicy,
    TencentCloudError,
    TransportError,
)
from tcapi.client import Operation, _ClientCore
from tcapi.errors import error_class_for
from tcapi.model import ResponseModel, WireTypeError
from tcapi.mqtt import MqttClient
from tcapi.mqtt import models as mqtt_models
from tcapi.sts import StsClient
from tcapi.sts import models as sts_models

from .scripted_server import Reply, scripted_server

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "spec"
CRED = Credential("AKIDfuzz", "fuzz-secret-key")
EXCERPT_CHARS = 200

FUZZ = {
    "mqtt": (
        "DescribeDeviceIdentities",  # list of structures holding a list of structures
        "DescribeInstance",  # many scalars of every kind
        "DescribeAuthorizationPolicies",  # list of structures
        "DescribeClientList",  # three levels of structures
        "DescribeInsPublicEndpoints",  # two lists of structures
        "DescribeSharedSubscriptions",  # a list of strings
        "DescribeProductSKUList",
    ),
    "sts": ("AssumeRole", "QueryApiKey", "GetCallerIdentity"),
}


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --------------------------------------------------------------------------- targets


class Target:
    """One action to fuzz: its spec, its generated Operation, a client and the models.

    A plain class with a short repr: that is what hypothesis prints for a failing case."""

    def __init__(
        self,
        service: Service,
        action: Action,
        op: Operation[Any],
        client: _ClientCore,
        strict_client: _ClientCore,
        models: ModuleType,
    ) -> None:
        self.service = service
        self.action = action
        self.op = op
        self.client = client
        self.strict_client = strict_client
        self.models = models
        self.structs = {s.name: s.members for s in service.structures}

    def __repr__(self) -> str:
        return f"<{self.service.service}.{self.action.name}>"


def _operation(client: Any, action: Action) -> Operation[Any]:
    """The generated Operation the client's method hands to ``_invoke``."""
    seen: list[Operation[Any]] = []
    client._invoke = lambda op, request, *rest: seen.append(op)
    getattr(client, action.py_name)(object())
    del client._invoke
    return seen[0]


def _targets() -> list[Target]:
    out = []
    for name, client_cls, models in (
        ("mqtt", MqttClient, mqtt_models),
        ("sts", StsClient, sts_models),
    ):
        folder = next((SPEC / name).iterdir())
        service = load_service(folder, SPEC)
        client = client_cls(credential=CRED, region="ap-guangzhou")
        strict = client_cls(credential=CRED, region="ap-guangzhou", strict_responses=True)
        for action_name in FUZZ[name]:
            action = next(a for a in service.actions if a.name == action_name)
            op = _operation(client, action)
            out.append(Target(service, action, op, client, strict, models))
    return out


TARGETS = _targets()


# --------------------------------------------------------------------------- the oracle


def _scalar_ok(kind: str, value: object) -> bool:
    py = SCALARS[kind]
    if py == "str":
        return isinstance(value, str)
    if py == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if py == "int":
        return isinstance(value, int)
    return isinstance(value, int | float)  # a float member keeps ints as sent


def mismatch(members: tuple[Member, ...], data: object, structs: Any, path: str = "") -> str | None:
    """The wire path the generated from_dict must report, or None if ``data`` fits.

    Members are checked in spec order, depth first; null (or absent) is fine
    for every member; list items must not be null."""
    if not isinstance(data, dict):
        return path
    for m in members:
        value = data.get(m.name)
        if value is None:
            continue
        here = f"{path}.{m.name}" if path else m.name
        if m.is_list:
            if not isinstance(value, list):
                return here
            for i, item in enumerate(value):
                at = f"{here}[{i}]"
                if m.element in structs:
                    bad = mismatch(structs[m.element], item, structs, at)
                    if bad is not None:
                        return bad
                elif not _scalar_ok(m.element, item):
                    return at
        elif m.element in structs:
            bad = mismatch(structs[m.element], value, structs, here)
            if bad is not None:
                return bad
        elif not _scalar_ok(m.element, value):
            return here
    return None


def canonical(value: Any) -> str:
    """NaN-safe, order-insensitive comparison form."""
    return json.dumps(value, sort_keys=True, allow_nan=True)


def assert_typed(obj: object, members: tuple[Member, ...], target: Target) -> None:
    """Every member is None or of its declared Python type, all the way down."""
    structs = target.structs
    assert isinstance(obj.unknown_fields, dict)  # type: ignore[attr-defined]
    for m in members:
        value = getattr(obj, m.py_name)
        if value is None:
            continue
        items = value if m.is_list else [value]
        if m.is_list:
            assert type(value) is list, (m.name, type(value))
        for item in items:
            if m.element in structs:
                assert type(item) is getattr(target.models, m.element), (m.name, type(item))
                assert_typed(item, structs[m.element], target)
            else:
                py = SCALARS[m.element]
                want = {"str": str, "int": int, "float": float, "bool": bool}[py]
                assert isinstance(item, want), (m.name, type(item))
                if py in ("int", "float"):
                    assert not isinstance(item, bool), m.name


def check_answer(target: Target, status: int, body: bytes) -> str:
    """Parse one answer with a tolerant (default) and a strict client and hold both
    outcomes to the oracle; returns the tolerant outcome's kind."""
    kinds = []
    for strict, client in ((False, target.client), (True, target.strict_client)):
        try:
            result = client._parse(target.op, status, body)
        except TencentCloudError as exc:
            outcome: Any = exc
        else:
            outcome = result
        check_outcome(target, status, body, outcome, strict=strict)
        kinds.append(type(outcome).__name__)
    return kinds[0]


def check_outcome(
    target: Target, status: int, body: bytes, outcome: object, *, strict: bool = False
) -> None:
    """A default client never fails a call for a member of another type: it gives
    back the typed response, listing the deviations (the first is the one the
    oracle finds), and to_dict() is exactly what was sent. A strict client raises
    ResponseError naming that member."""
    if isinstance(outcome, ResponseError):
        assert outcome.status == status
        assert len(outcome.excerpt) <= EXCERPT_CHARS
        assert outcome.excerpt.isprintable(), outcome.excerpt
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        assert isinstance(outcome, ResponseError) and "not JSON" in str(outcome)
        return
    resp = data.get("Response") if isinstance(data, dict) else None
    if not isinstance(resp, dict):
        assert isinstance(outcome, ResponseError) and "no 'Response' object" in str(outcome)
        return
    rid = resp.get("RequestId") if isinstance(resp.get("RequestId"), str) else None
    err = resp.get("Error")
    if err is not None:
        code = err.get("Code") if isinstance(err, dict) else None
        if not isinstance(code, str) or not code:
            assert isinstance(outcome, ResponseError) and "no Code" in str(outcome)
            assert outcome.request_id == rid
            return
        message = err.get("Message")
        assert isinstance(outcome, ApiError), outcome
        assert type(outcome) is error_class_for(code, target.client.SERVICE.errors)
        assert outcome.code == code
        assert outcome.message == (message if isinstance(message, str) else "")
        assert outcome.request_id == rid
        return
    if status != 200:
        assert isinstance(outcome, ResponseError) and "unexpected HTTP status" in str(outcome)
        assert outcome.request_id == rid
        return
    bad = mismatch(target.action.output, resp, target.structs)
    if bad is not None and strict:
        assert isinstance(outcome, ResponseError), (bad, outcome)
        assert f"does not match the model: member {bad}: expected" in str(outcome), (bad, outcome)
        assert outcome.request_id == rid
        return
    response_cls = getattr(target.models, target.action.name + "Response")
    assert type(outcome) is response_cls, outcome
    assert isinstance(outcome, ResponseModel)
    deviations = outcome.wire_deviations
    if bad is None:
        assert deviations == ()
        assert_typed(outcome, target.action.output, target)
    else:
        assert deviations and deviations[0].path == bad, (bad, deviations)
        if all(d.coerced for d in deviations):
            assert_typed(outcome, target.action.output, target)
    assert canonical(outcome.to_dict()) == canonical(resp)


# --------------------------------------------------------------------------- strategies

KEYS = st.text(st.characters(codec="utf-8"), max_size=12)
SCALAR_JUNK = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=16)
    | st.sampled_from(["", "1", "true", "null", "0x10", "1e400", "\u202e\u4e2d\U0001f600"])
)
JUNK = st.recursive(
    SCALAR_JUNK,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=6,
)


def _correct(kind: str) -> st.SearchStrategy[Any]:
    py = SCALARS[kind]
    if py == "str":
        return st.text(max_size=12)
    if py == "bool":
        return st.booleans()
    if py == "int":
        return st.integers(min_value=-(2**64), max_value=2**64)
    return st.floats(allow_nan=False) | st.integers()


_SHAPES: dict[tuple[str, str], st.SearchStrategy[dict[str, Any]]] = {}


def shaped(target: Target, struct: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """An object shaped like the output (or a structure): every member present
    and right, absent, null, or of a wrong type; plus a few unknown members."""
    key = (target.service.service + "." + target.action.name, struct or "")
    if key in _SHAPES:
        return _SHAPES[key]
    structs = target.structs
    members = structs[struct] if struct else target.action.output

    def element(m: Member) -> st.SearchStrategy[Any]:
        if m.element in structs:
            return st.deferred(lambda: shaped(target, m.element))
        return _correct(m.element)

    def value(m: Member) -> st.SearchStrategy[Any]:
        right: st.SearchStrategy[Any] = element(m)
        slightly_off: st.SearchStrategy[Any] = SCALAR_JUNK
        if m.is_list:  # and an item of the wrong type inside an otherwise right list
            right = st.lists(element(m), max_size=3)
            slightly_off = st.lists(element(m) | SCALAR_JUNK, min_size=1, max_size=3)
        return st.one_of([right] * 12 + [slightly_off, JUNK, st.none()])

    names = {m.name for m in members}
    known = st.fixed_dictionaries({}, optional={m.name: value(m) for m in members})
    extra = st.dictionaries(KEYS.filter(lambda k: k not in names), JUNK, max_size=2)
    strategy = st.tuples(known, extra).map(lambda t: {**t[1], **t[0]})
    _SHAPES[key] = strategy
    return strategy


TARGET = st.sampled_from(TARGETS)
STATUS = st.sampled_from([200, 200, 200, 200, 201, 204, 400, 403, 404, 429, 500, 502, 503, 0, 999])
ERROR_FIELD = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "FailedOperation",
            "FailedOperation.InstanceNotReady",
            "ResourceNotFound.Instance.Extra",
            "RequestLimitExceeded",
            "AuthFailure.SignatureExpire",
            "InvalidParameterValue.",
            ".",
            "..",
            "",
            "Unheard.Of.Code",
        ]
    ),
    JUNK,
)


@st.composite
def envelopes(draw: st.DrawFn) -> tuple[Target, int, bytes]:
    """Error envelopes: any Error value, any Code/Message/RequestId, any status."""
    target = draw(TARGET)
    error: Any = draw(
        st.one_of(
            st.fixed_dictionaries(
                {}, optional={"Code": ERROR_FIELD, "Message": ERROR_FIELD, "Extra": JUNK}
            ),
            JUNK,
        )
    )
    resp: dict[str, Any] = {"Error": error}
    if draw(st.booleans()):
        resp["RequestId"] = draw(st.one_of(st.text(max_size=36), JUNK))
    if draw(st.booleans()):
        resp.update(draw(shaped(target)))
    resp["Error"] = error
    body = json.dumps({"Response": resp}, allow_nan=True).encode()
    return target, draw(STATUS), body


def _encode(payload: Any, how: int) -> bytes:
    text = json.dumps(payload, allow_nan=True, ensure_ascii=how == 0)
    if how == 2:
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")  # byte order mark
    if how == 3:
        return text.encode("utf-16", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


@st.composite
def shaped_bodies(draw: st.DrawFn) -> tuple[Target, int, bytes]:
    target = draw(TARGET)
    resp = draw(shaped(target))
    status = draw(st.one_of([st.just(200)] * 4 + [STATUS]))
    return target, status, _encode({"Response": resp}, draw(st.integers(0, 3)))


@st.composite
def junk_bodies(draw: st.DrawFn) -> tuple[Target, int, bytes]:
    """Anything at all: random JSON (with or without a Response), random bytes,
    and valid bodies cut, spliced or corrupted at a random place."""
    target = draw(TARGET)
    status = draw(STATUS)
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return target, status, draw(st.binary(max_size=64))
    if kind == 1:
        return target, status, _encode(draw(JUNK), draw(st.integers(0, 3)))
    if kind == 2:
        return target, status, _encode({"Response": draw(JUNK)}, 1)
    body = json.dumps({"Response": draw(shaped(target))}, allow_nan=True).encode()
    cut = draw(st.integers(0, len(body)))
    if kind == 3:
        return target, status, body[:cut]
    splice = draw(
        st.sampled_from(
            [b"\xff", b"\xc3", b"\x00", b"NaN", b"-Infinity", b"1" * 5000, b"[" * 3000, b'"', b","]
        )
    )
    return target, status, body[:cut] + splice + body[cut:]


# The bulk: hypothesis draws a seed, plain Python builds the answer from it
# (hypothesis' own draws cost ~2 ms per shaped answer; this costs ~0.1 ms).

NASTY: list[Any] = [
    None, True, False, 0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**40,
    0.0, -0.0, 0.5, 1e308, float("inf"), float("-inf"), float("nan"),
    "", "0", "1", "true", "false", "null", "NaN", "[]", "{}", "\x00", "\ud800", "\u202e",
    "\u4e2d\u6587", "\U0001f600", "\\", '"""', "'''", "{{ x }}", "a" * 300,
    [], {}, [None], [[]], {"": None}, {"Response": {}}, {"Error": {"Code": "X"}},
]  # fmt: skip
UNKNOWN_KEYS = ["", " ", "requestid", "REQUESTID", "__proto__", "\x00", "\u4e2d", "Data ", "X"]


def random_junk(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 2 or roll < 0.6:
        return rng.choice(NASTY) if rng.random() < 0.7 else rng.randint(-(2**70), 2**70)
    if roll < 0.8:
        return [random_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(UNKNOWN_KEYS): random_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def random_right(rng: random.Random, kind: str) -> Any:
    py = SCALARS[kind]
    if py == "str":
        return rng.choice(
            ["", "mqtt-1", "\u4e2d\u6587", "\U0001f600", "a\x00b", "x" * rng.randint(0, 50)]
        )
    if py == "bool":
        return rng.random() < 0.5
    if py == "int":
        return rng.choice([0, 1, -1, 2**63 - 1, 2**64, rng.randint(-(2**65), 2**65)])
    return rng.choice([0.0, -1.5, 1e300, rng.random(), rng.randint(-9, 9)])


def random_shaped(
    rng: random.Random, target: Target, members: tuple[Member, ...], depth: int = 0
) -> dict[str, Any]:
    """Like :func:`shaped`: each member absent, null, junk, or right (with the
    odd junk item or member inside), plus the odd unknown member."""
    structs = target.structs
    out: dict[str, Any] = {}
    if rng.random() < 0.3:
        names = {m.name for m in members}
        for key in rng.sample(UNKNOWN_KEYS, rng.randint(1, 2)):
            if key not in names:
                out[key] = random_junk(rng)
    for m in members:
        roll = rng.random()
        if roll < 0.25:
            continue
        if roll < 0.28:
            out[m.name] = None
            continue
        if roll < 0.30:
            out[m.name] = random_junk(rng)
            continue

        def one(m: Member = m) -> Any:
            if rng.random() < 0.02:
                return random_junk(rng)
            if m.element in structs:
                return (
                    random_shaped(rng, target, structs[m.element], depth + 1) if depth < 4 else {}
                )
            return random_right(rng, m.element)

        out[m.name] = [one() for _ in range(rng.randint(0, 3))] if m.is_list else one()
    return out


@st.composite
def seeded_bodies(draw: st.DrawFn) -> tuple[Target, int, bytes]:
    target = draw(TARGET)
    rng = random.Random(draw(st.integers(0, 2**64)))
    resp = random_shaped(rng, target, target.action.output)
    if rng.random() < 0.1:
        resp["Error"] = random_junk(rng) if rng.random() < 0.5 else {"Code": random_junk(rng)}
    status = 200 if rng.random() < 0.8 else rng.choice([201, 400, 404, 500, 502, 0, 999])
    return target, status, _encode({"Response": resp}, rng.randint(0, 3))


# --------------------------------------------------------------------------- the parse path

# 10,000 generated answers through _parse, in four families.
CASES = {"seeded": 6500, "shaped": 1300, "envelopes": 1000, "junk": 1200}


def _run(examples: int, strategy: st.SearchStrategy[tuple[Target, int, bytes]]) -> dict[str, int]:
    kinds: dict[str, int] = {}

    @fuzz_settings(examples)
    @given(strategy)
    def run(case: tuple[Target, int, bytes]) -> None:
        kind = check_answer(*case)
        kinds[kind] = kinds.get(kind, 0) + 1

    run()
    return kinds


def _assert_mixed(kinds: dict[str, int], cases: int) -> None:
    assert sum(kinds.values()) >= cases
    # Both outcomes are well represented, and every target parsed successfully.
    models = {k for k in kinds if k.endswith("Response") and k != "ResponseError"}
    assert models == {t.action.name + "Response" for t in TARGETS}, kinds
    assert kinds["ResponseError"] > cases // 10, kinds
    assert sum(kinds[m] for m in models) > cases // 5, kinds


def test_seeded_answers_parse_to_typed_models_or_typed_errors() -> None:
    _assert_mixed(_run(CASES["seeded"], seeded_bodies()), CASES["seeded"])


def test_shaped_responses_parse_to_typed_models_or_name_the_bad_member() -> None:
    _assert_mixed(_run(CASES["shaped"], shaped_bodies()), CASES["shaped"])


def test_error_envelopes_of_any_shape_raise_typed_errors() -> None:
    kinds = _run(CASES["envelopes"], envelopes())
    assert sum(kinds.values()) >= CASES["envelopes"]
    assert kinds.get("ResponseError", 0) > 100, kinds
    assert sum(v for k, v in kinds.items() if k != "ResponseError") > 100, kinds


def test_junk_bodies_raise_response_errors_or_parse() -> None:
    kinds = _run(CASES["junk"], junk_bodies())
    assert sum(kinds.values()) >= CASES["junk"]
    assert kinds.get("ResponseError", 0) > CASES["junk"] // 2, kinds


# --------------------------------------------------------------------------- explicit cases

DDI = next(t for t in TARGETS if t.action.name == "DescribeDeviceIdentities")


def item(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "InstanceId": "mqtt-1",
        "DeviceId": "d1",
        "Status": 1,
        "PrimaryKey": "pk",
        "SecondaryKey": "sk",
        "CreatedTime": 1700000000000,
        "PropagatingProperties": [{"Key": "k", "Value": "v"}],
    }
    base.update(over)
    return base


def body_of(resp: dict[str, Any]) -> bytes:
    return json.dumps({"Response": resp}).encode()


def parse(
    resp_or_body: dict[str, Any] | bytes,
    status: int = 200,
    target: Target = DDI,
    *,
    strict: bool = False,
) -> Any:
    body = resp_or_body if isinstance(resp_or_body, bytes) else body_of(resp_or_body)
    client = target.strict_client if strict else target.client
    return client._parse(target.op, status, body)


WRONG_TYPES = [
    ({"Data": [item(Status="1")]}, "Data[0].Status", "int", "str", 1),
    ({"Data": [item(), item(Status=True)]}, "Data[1].Status", "int", "bool", None),
    ({"Data": [item(Status=1.0)]}, "Data[0].Status", "int", "float", 1),
    ({"Data": [item(DeviceId=7)]}, "Data[0].DeviceId", "str", "int", "7"),
    ({"Data": "abc"}, "Data", "list", "str", None),
    ({"Data": {"0": item()}}, "Data", "list", "dict", None),
    ({"Data": [item(), "x"]}, "Data[1]", "object", "str", None),
    ({"Data": [None]}, "Data[0]", "object", "NoneType", None),
    (
        {"Data": [item(PropagatingProperties={"Key": "k"})]},
        "Data[0].PropagatingProperties",
        "list",
        "dict",
        None,
    ),
    (
        {"Data": [item(PropagatingProperties=[{"Key": "k"}, {"Key": ["k"]}])]},
        "Data[0].PropagatingProperties[1].Key",
        "str",
        "list",
        None,
    ),
    ({"Data": [], "RequestId": 42}, "RequestId", "str", "int", "42"),
]
"""(response, the member's wire path, declared type, sent type, coerced value or None
when it cannot be converted without loss and is kept as sent)."""


@pytest.mark.parametrize(("data", "path", "expected", "got", "coerced"), WRONG_TYPES)
def test_a_wrong_typed_member_is_a_response_error_naming_its_path_in_strict_mode(
    data: dict[str, Any], path: str, expected: str, got: str, coerced: object
) -> None:
    with pytest.raises(ResponseError) as info:
        parse(data, strict=True)
    text = str(info.value)
    assert f"does not match the model: member {path}: expected {expected}, got {got}" in text
    assert info.value.status == 200
    # from_dict itself never raises: it lists the deviation, as a WireTypeError on demand.
    direct = mqtt_models.DescribeDeviceIdentitiesResponse.from_dict(data).wire_deviations
    assert isinstance(direct[0].error(), WireTypeError) and direct[0].error().field == path


@pytest.mark.parametrize(("data", "path", "expected", "got", "coerced"), WRONG_TYPES)
def test_a_wrong_typed_member_never_fails_the_call_and_round_trips(
    data: dict[str, Any], path: str, expected: str, got: str, coerced: object
) -> None:
    resp = parse(data)
    assert type(resp) is mqtt_models.DescribeDeviceIdentitiesResponse
    (deviation,) = resp.wire_deviations
    assert (deviation.path, deviation.expected, deviation.got) == (path, expected, got)
    assert deviation.coerced is (coerced is not None)
    assert resp.to_dict() == data  # exactly what was sent, coerced or not
    if path == "RequestId":
        assert resp.request_id == coerced
    elif path.endswith((".Status", ".DeviceId")):
        index = int(path[5])
        value = getattr(resp.data[index], "status" if "Status" in path else "device_id")
        want = coerced if coerced is not None else data["Data"][index][path.split(".")[1]]
        assert value == want and type(value) is type(want)  # coerced, or kept as sent


def test_a_deviation_is_logged_once_per_action_and_member(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="tcapi")
    client = MqttClient(credential=CRED, region="ap-guangzhou")  # remembers its own warnings
    for created in ("2", "3"):
        body = body_of({"Data": [item(CreatedTime=created), item(CreatedTime="x")]})
        client._parse(DDI.op, 200, body)
    client.with_options(read_timeout=5)._parse(DDI.op, 200, body)  # copies share the memory
    lines = [r.getMessage() for r in caplog.records if "Data[].CreatedTime" in r.getMessage()]
    assert len(lines) == 1 and "DescribeDeviceIdentities" in lines[0]


def test_a_wrong_typed_secret_is_never_quoted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="tcapi")
    fresh = MqttClient(credential=CRED, region="ap-guangzhou")  # nothing logged yet
    fresh._parse(DDI.op, 200, body_of({"Data": [item(PrimaryKey=["TOP-SECRET-VALUE-1"])]}))
    assert "TOP-SECRET" not in caplog.text and "Data[].PrimaryKey" in caplog.text
    with pytest.raises(ResponseError) as info:
        parse({"Data": [item(PrimaryKey=["TOP-SECRET-VALUE"])]}, strict=True)
    # The excerpt quotes the body's start (as for every bad response); the
    # explanation itself names the path and the types only.
    explanation = str(info.value).split(" (HTTP ")[0]
    assert "Data[0].PrimaryKey" in explanation and "TOP-SECRET" not in explanation


def test_tolerance_rules_still_hold() -> None:
    resp = parse(
        {
            "Data": [{"DeviceId": "d", "PrimaryKey": None, "Brand": {"New": [1]}}, item()],
            "RequestId": "rid",
            "Later": "x",
        }
    )
    assert resp.request_id == "rid"
    assert resp.unknown_fields == {"Later": "x"}
    first = resp.data[0]
    assert first.device_id == "d" and first.primary_key is None and first.status is None
    assert first.unknown_fields == {"Brand": {"New": [1]}}
    assert resp.data[1].propagating_properties[0].value == "v"
    assert parse({}).data is None  # nothing at all is still a (sparse) response
    assert parse({"Data": None}).data is None


def test_subclasses_and_tuples_are_accepted_by_from_dict_ints_widen_to_floats() -> None:
    class Name(str):
        pass

    resp = mqtt_models.DescribeDeviceIdentitiesResponse.from_dict(
        {"Data": (item(DeviceId=Name("n")),), "RequestId": Name("r")}
    )
    assert resp.data is not None and resp.data[0].device_id == "n"
    assert type(resp.data) is list
    topics = mqtt_models.DescribeSharedSubscriptionsResponse.from_dict({"TopicFilter": ("a", "b")})
    assert topics.topic_filter == ["a", "b"] and type(topics.topic_filter) is list


def test_a_numeric_request_id_is_coerced_or_refused_in_strict_mode() -> None:
    body = b'{"Response": {"Error": null, "RequestId": 5}, "Response2": 1}'
    resp = parse(body)
    assert resp.request_id == "5" and resp.wire_deviations[0].path == "RequestId"
    with pytest.raises(ResponseError, match="member RequestId"):
        parse(body, strict=True)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "not JSON"),
        (b"   \n", "not JSON"),
        (b"[" * 100_000, "not JSON"),
        (b'{"a":' * 100_000, "not JSON"),
        (b'{"Response": {"RequestId": "\xff\xfe"}}', "not JSON"),
        (b'{"Response": {"RequestId": "r", "X": ' + b"9" * 5000 + b"}}", "not JSON"),
        (b'{"Response": "\x1b[31mred\x00"}', "not JSON"),  # raw control characters
        (b'{"Response": "\\u001b[31mred\\u0000"}', "no 'Response' object"),
        (b"\xef\xbb\xbf\xef\xbb\xbf{}", "not JSON"),
        (b"null", "no 'Response' object"),
    ],
)
def test_hostile_bodies_are_response_errors(body: bytes, says: str) -> None:
    with pytest.raises(ResponseError) as info:
        parse(body)
    assert says in str(info.value)
    assert info.value.excerpt.isprintable() and len(info.value.excerpt) <= EXCERPT_CHARS


def test_bom_utf16_nan_and_infinity_are_accepted_where_the_model_allows() -> None:
    ok = json.dumps({"Response": {"Data": [item()], "RequestId": "r", "X": float("nan")}})
    for body in (b"\xef\xbb\xbf" + ok.encode(), ok.encode("utf-16"), ok.encode("utf-32")):
        resp = parse(body)
        assert resp.request_id == "r" and math.isnan(resp.unknown_fields["X"])
    inf = body_of({"Data": [item(Status=float("inf"))]})
    with pytest.raises(ResponseError, match=r"member Data\[0\]\.Status: expected int, got float"):
        parse(inf, strict=True)
    kept = parse(inf).data[0]  # infinity is no int: kept as sent
    assert kept.status == float("inf") and kept.to_dict()["Status"] == float("inf")


def test_megabytes_of_body_parse_or_fail_fast() -> None:
    data = [item(DeviceId=f"d{i}") for i in range(25_000)]
    many = {"Data": data, "RequestId": "r"}
    body = body_of(many)
    assert len(body) > 4_000_000
    started = time.process_time()
    resp = parse(body)
    assert len(resp.data) == 25_000 and resp.data[-1].device_id == "d24999"
    data[-1]["CreatedTime"] = "late"
    with pytest.raises(ResponseError, match=r"member Data\[24999\]\.CreatedTime: expected int"):
        parse(many, strict=True)
    assert [d.path for d in parse(many).wire_deviations] == ["Data[24999].CreatedTime"]
    with pytest.raises(ResponseError, match="not JSON"):
        parse(body[:-1])
    huge_string = body_of({"RequestId": "r", "Junk": "x" * 8_000_000})
    assert parse(huge_string).unknown_fields["Junk"] == "x" * 8_000_000
    assert time.process_time() - started < 10


def test_a_huge_dotted_error_code_is_mapped_in_linear_time() -> None:
    # The old lookup sliced the code once per dot: ~8 s for these 300,000 dots
    # (quadratic: hours for a few megabytes). Now one scan.
    started = time.process_time()
    cases = [("." * 300_000, "ApiError"), ("FailedOperation" + ".x" * 150_000, "FailedOperation")]
    for code, cls in cases:
        with pytest.raises(ApiError) as info:
            parse({"Error": {"Code": code, "Message": "m"}, "RequestId": "r"})
        assert info.value.code == code and type(info.value).__name__ == cls
    assert time.process_time() - started < 1.0


def test_error_code_lookup_keeps_nearest_ancestor_semantics() -> None:
    errors = DDI.client.SERVICE.errors
    cases = {
        "ResourceNotFound.Instance": "ResourceNotFoundInstance",
        "ResourceNotFound.Instance.More.Detail": "ResourceNotFoundInstance",
        "FailedOperation.": "FailedOperation",
        "FailedOperation..x": "FailedOperation",
        ".FailedOperation": "ApiError",
        "": "ApiError",
        ".": "ApiError",
        "failedoperation": "ApiError",
    }
    for code, cls in cases.items():
        assert error_class_for(code, errors).__name__ == cls, code


def test_excerpts_of_control_characters_stay_printable() -> None:
    body = b"<html>\x1b[2J\x1b]0;pwned\x07\x00\x7f" + "\u202e".encode() + b" gateway</html>"
    with pytest.raises(ResponseError) as info:
        parse(body, status=502)
    assert info.value.excerpt.isprintable()
    assert "gateway" in info.value.excerpt and "\x1b" not in str(info.value)


def test_every_target_parses_its_spec_example() -> None:
    for target in TARGETS:
        for example in target.action.examples:
            resp = parse(example.response, target=target)
            assert_typed(resp, target.action.output, target)


# --------------------------------------------------------------------------- over HTTP

HTTP_CASES = 200


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Any]]:
    with scripted_server() as (url, script):
        yield url, script


class Wire:
    """One answer as the scripted server sends it: whole, cut after ``cut`` bytes
    (Content-Length says more, then the connection closes), or a reset."""

    def __init__(self, target: Target, status: int, body: bytes, mode: str, cut: int) -> None:
        self.target, self.status, self.body, self.mode, self.cut = target, status, body, mode, cut

    def __repr__(self) -> str:
        return f"Wire({self.target!r}, {self.status}, {self.body!r}, {self.mode}, {self.cut})"


@st.composite
def wire_answers(draw: st.DrawFn) -> Wire:
    target, status, body = draw(
        st.one_of(shaped_bodies(), shaped_bodies(), envelopes(), junk_bodies())
    )
    if status in (204, 0, 999):  # no body allowed, or not a status a client can read
        status = 200
    mode = draw(st.sampled_from(["whole"] * 4 + ["truncated", "reset"]))
    cut = draw(st.integers(0, max(0, len(body) - 1))) if mode == "truncated" else 0
    if mode == "truncated" and not body:
        mode = "whole"
    return Wire(target, status, body, mode, cut)


def _http_clients(url: str) -> dict[str, Any]:
    options: dict[str, Any] = {
        "credential": CRED,
        "region": "ap-guangzhou",
        "endpoint": url,
        "retry": RetryPolicy(max_attempts=1),
        "read_timeout": 5.0,
        "throttle": False,
    }
    return {"mqtt": MqttClient(**options), "sts": StsClient(**options)}


def test_answers_over_http_raise_only_typed_errors(server: tuple[str, Any]) -> None:
    url, script = server
    clients = _http_clients(url)
    seen: dict[str, int] = {}

    @fuzz_settings(HTTP_CASES)
    @given(wire_answers())
    def run(case: Wire) -> None:
        reply = Reply(status=case.status, body=case.body)
        if case.mode == "truncated":
            reply.truncate_to = case.cut
        elif case.mode == "reset":
            reply.reset = True
        script.replies.append(reply)
        client = clients[case.target.service.service]
        call: Callable[[Any], Any] = getattr(client, case.target.action.py_name)
        request = getattr(case.target.models, case.target.action.name + "Request")
        try:
            outcome: Any = call(request.from_dict(minimal_request(case.target.action)))
        except TencentCloudError as exc:
            outcome = exc
        assert not script.replies  # the one reply was consumed
        if case.mode == "whole":
            # Exactly what the parse step makes of the same answer.
            check_outcome(case.target, case.status, case.body, outcome)
        else:
            assert isinstance(outcome, TransportError) and outcome.sent, outcome
        seen[case.mode] = seen.get(case.mode, 0) + 1

    try:
        run()
    finally:
        for c in clients.values():
            c.close()
    assert sum(seen.values()) >= HTTP_CASES
    assert seen.get("truncated", 0) > 10 and seen.get("reset", 0) > 10, seen


def minimal_request(action: Action) -> dict[str, Any]:
    values = {"str": "x", "int": 1, "float": 1.0, "bool": True}
    out: dict[str, Any] = {}
    for m in action.input:
        if m.required:
            value: Any = values.get(SCALARS.get(m.element, ""), {})
            out[m.name] = [value] if m.is_list else value
    return out


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b'{"Response": {"RequestId": "r"}}' * 1, truncate_to=0),
        Reply(body=b'{"Response": {"RequestId": "r", "Data": []}}', truncate_to=20),
        Reply(status=502, body=b"<html>" + b"x" * 3_000_000, truncate_to=1_000_000),
        Reply(reset=True),
    ],
)
def test_cut_answers_over_http_are_transport_errors(reply: Reply) -> None:
    with scripted_server(reply) as (url, script):
        client = _http_clients(url)["mqtt"]
        with client, pytest.raises(TransportError) as info:
            client.describe_device_identities(instance_id="i")
    assert info.value.sent is True and len(script.received) == 1


def test_a_big_answer_over_http_parses() -> None:
    resp = {"Data": [item(DeviceId=f"d{i}") for i in range(5000)], "RequestId": "big"}
    with scripted_server(Reply(body=body_of(resp))) as (url, _):
        client = _http_clients(url)["mqtt"]
        with client:
            got = client.describe_device_identities(instance_id="i")
    assert got.request_id == "big" and len(got.data) == 5000


# --------------------------------------------------------------------------- raw HTTP

OK_BODY = b'{"Response": {"RequestId": "raw", "Data": []}}'


def _head(status: bytes, headers: list[bytes]) -> bytes:
    return b"HTTP/1.1 " + status + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"


RAW_ANSWERS = {
    # Content-Length says less than was sent: the JSON is cut, the rest is left over.
    "short-content-length": _head(b"200 OK", [b"Content-Length: 20"]) + OK_BODY,
    "long-content-length": _head(b"200 OK", [b"Content-Length: 999"]) + OK_BODY,
    "bad-content-length": _head(b"200 OK", [b"Content-Length: lots"]) + OK_BODY,
    "two-lengths": _head(b"200 OK", [b"Content-Length: 5", b"Content-Length: 9"]) + OK_BODY,
    "garbage-status-line": b"HTTP/1.1 two hundred\r\n\r\n" + OK_BODY,
    "not-http": b"\x00\xff\x16\x03\x01 hello" + OK_BODY,
    "bad-chunk": _head(b"200 OK", [b"Transfer-Encoding: chunked"]) + b"zz\r\n" + OK_BODY,
    "chunked-then-close": _head(b"200 OK", [b"Transfer-Encoding: chunked"]) + b'5\r\n{"Res',
    "read-until-close-whole": _head(b"200 OK", [b"Connection: close"]) + OK_BODY,
    "read-until-close-cut": _head(b"200 OK", [b"Connection: close"]) + OK_BODY[:15],
    "headers-never-end": _head(b"200 OK", [b"X-A: b"])[:-2],
    "nothing": b"",
}
"""What the client must survive: answers no HTTP server should send."""


def _read_whole_request(conn: socket.socket) -> None:
    """Reads one request's head and its Content-Length body, so nothing is left unread."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    remaining = int(match.group(1)) - len(body) if match else 0
    while remaining > 0:
        chunk = conn.recv(min(remaining, 65536))
        if not chunk:
            return
        remaining -= len(chunk)


def _drain_until_closed(conn: socket.socket, deadline: float) -> None:
    """Reads (and drops) until the peer closes or the deadline passes: bounded."""
    while time.monotonic() < deadline:
        conn.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not conn.recv(65536):
                return
        except TimeoutError:
            return


@contextmanager
def raw_server(answer: bytes) -> Iterator[str]:
    """Answers every request on every connection with ``answer``, then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    handlers: list[threading.Thread] = []

    def answer_one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            try:
                _read_whole_request(conn)
                # The answer and the FIN leave in one segment (corked), so the client
                # never sees the answer without the close, however loaded the machine:
                # otherwise it may reuse the connection and meet the leftover bytes.
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
                conn.sendall(answer)
                # Half-close, then wait for the client to hang up: closing with
                # unread bytes in the socket would make the kernel send RST, and
                # the client would see a reset instead of the answer.
                conn.shutdown(socket.SHUT_WR)
                _drain_until_closed(conn, deadline=time.monotonic() + 2)
            except OSError:
                pass  # the client hung up first: nothing left to answer

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            handler = threading.Thread(target=answer_one, args=(conn,), daemon=True)
            handler.start()
            handlers.append(handler)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for handler in handlers:
            handler.join(5)
        listener.close()


@pytest.mark.parametrize("name", sorted(RAW_ANSWERS))
def test_answers_no_http_server_should_send_are_typed(name: str) -> None:
    outcomes: list[object] = []
    with raw_server(RAW_ANSWERS[name]) as url:
        client = _http_clients(url)["mqtt"]
        with client:
            for _ in range(2):  # a second call meets whatever the first one left behind
                try:
                    outcomes.append(client.describe_device_identities(instance_id="i"))
                except TencentCloudError as exc:
                    outcomes.append(exc)
    expected = {
        "read-until-close-whole": "ok",
        "read-until-close-cut": "not JSON",
        "short-content-length": "not JSON",
    }.get(name, "transport")
    for outcome in outcomes:  # the server closes after each answer: both calls alike
        if expected == "ok":
            assert type(outcome) is mqtt_models.DescribeDeviceIdentitiesResponse, outcome
            assert outcome.request_id == "raw" and outcome.data == []
        elif expected == "not JSON":
            assert isinstance(outcome, ResponseError) and "not JSON" in str(outcome), outcome
        else:
            assert isinstance(outcome, TransportError) and outcome.sent, repr(outcome)
