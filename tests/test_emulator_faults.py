"""Injected faults, observed the way a client meets them: from a real httpx client
over real sockets (resets are TCP RSTs, a truncated body is short of its
Content-Length, a 502 is an HTML page), plus the repeatability a seed promises.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tcapi.emulator import Emulator, EmulatorApp, FaultConfig, FaultInjector, RequestContext
from tcapi.emulator.catalog import Catalog
from tcapi.signing import Tc3Signer

VERSION = "2021-01-01"
PROBE: dict[str, Any] = {
    "service": "probe",
    "version": VERSION,
    "endpoint": "probe.tencentcloudapi.com",
    "region_required": False,
    "rate_limit": 20,
    "structures": {},
    "actions": {
        "Record": {
            "rate_limit": 20,
            "input": [{"name": "Value", "type": "string", "required": True}],
            "output": [{"name": "Seen", "type": "int64"}],
        }
    },
}
MIXED = (
    "reset_before=0.15,reset_after=0.15,internal_error=0.15,http_502=0.1,truncated=0.1,throttle=0.1"
)


class Recorder:
    """A handler that commits "state": the values it was called with."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def __call__(self, ctx: RequestContext) -> dict[str, Any]:
        self.values.append(str((ctx.params or {})["Value"]))
        return {"Seen": len(self.values)}


def start(faults: str | None = None, seed: int | None = 1) -> tuple[Emulator, Recorder]:
    emu = Emulator(services=[PROBE], semantics=False, rate_limit=False, faults=faults, seed=seed)
    recorder = Recorder()
    emu.register("probe", "Record", recorder)
    return emu.start(), recorder


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c


def send(http: httpx.Client, emu: Emulator, value: str = "v") -> httpx.Response:
    body = json.dumps({"Value": value}).encode()
    ts = int(time.time())
    host = emu.endpoint.removeprefix("http://")
    headers = {
        "Content-Type": "application/json",
        "Host": host,
        "X-TC-Action": "Record",
        "X-TC-Version": VERSION,
        "X-TC-Timestamp": str(ts),
    }
    headers["Authorization"] = Tc3Signer("probe").authorization(
        secret_id=emu.secret_id,
        secret_key=emu.secret_key,
        timestamp=ts,
        headers={"content-type": "application/json", "host": host},
        body=body,
    )
    return http.post(emu.endpoint + "/", content=body, headers=headers)


def outcome(http: httpx.Client, emu: Emulator, value: str = "v") -> str:
    """What the client saw, in one word."""
    try:
        resp = send(http, emu, value)
    except httpx.RemoteProtocolError as exc:
        if "complete message body" in str(exc):
            return "truncated"
        return "no answer"
    except httpx.TransportError:
        return "no answer"
    if resp.status_code == 502:
        assert resp.headers["content-type"] == "text/html"
        return "502"
    error = resp.json()["Response"].get("Error")
    return "ok" if error is None else str(error["Code"])


# -- the specification -------------------------------------------------------------------


def test_spec_is_parsed_and_printed_canonically() -> None:
    config = FaultConfig.parse(
        " throttle=0.05, reset_before=0.05,latency_ms=20,http_502=0,throttle_burst=2 "
    )
    assert config.probabilities == {"throttle": 0.05, "reset_before": 0.05}
    assert config.latency_ms == 20 and config.throttle_burst == 2
    assert config.spec() == "reset_before=0.05,throttle=0.05,latency_ms=20,throttle_burst=2"
    assert FaultConfig.parse(config.spec()) == config
    for off in (None, "", "none", "off", " OFF "):
        assert not FaultConfig.parse(off).active
    assert FaultConfig.parse("latency_ms=1").active


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("explode=0.1", "unknown fault"),
        ("reset_before", "needs a value"),
        ("reset_before=lots", "must be a number"),
        ("reset_before=1.5", "probability"),
        ("reset_before=-0.1", "probability"),
        ("reset_before=0.6,reset_after=0.6", "more than 1"),
        ("latency_ms=-5", "latency_ms"),
        ("throttle_burst=0", "at least 1"),
        ("throttle_burst=1.5", "integer"),
    ],
)
def test_bad_specs_are_refused(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultConfig.parse(spec)
    with pytest.raises(ValueError, match=message):
        Emulator(services=[PROBE], faults=spec)


def test_same_seed_same_decisions_different_seed_different_decisions() -> None:
    def kinds(seed: int) -> list[str | None]:
        injector = FaultInjector(MIXED, seed)
        return [injector.decide().kind for _ in range(300)]

    assert kinds(1) == kinds(1)
    assert kinds(1) != kinds(2)
    seen = set(kinds(1))
    assert seen == {None, "reset_before", "reset_after", "internal_error", "http_502"} | {
        "truncated",
        "throttle",
    }


def test_a_random_seed_is_chosen_and_reported() -> None:
    injector = FaultInjector("internal_error=0.5")
    again = FaultInjector("internal_error=0.5", injector.seed)
    assert [injector.decide() for _ in range(50)] == [again.decide() for _ in range(50)]


def test_throttling_comes_in_bursts() -> None:
    injector = FaultInjector("throttle=0.2,throttle_burst=4", seed=3)
    kinds = [injector.decide().kind for _ in range(400)]
    lengths = [len(list(run)) for kind, run in itertools.groupby(kinds) if kind == "throttle"]
    assert lengths and all(n % 4 == 0 for n in lengths)
    assert injector.counts["throttle"] == kinds.count("throttle")


def test_the_app_names_the_fault_without_sockets() -> None:
    app = EmulatorApp(
        Catalog.from_descriptions([PROBE]),
        {"AKIDx": "key"},
        semantics=False,
        faults="reset_after=1,latency_ms=25",
        seed=1,
    )
    response = app.handle("POST", "/", {"Content-Type": "application/json"}, b"{}")
    assert response.fault == "reset_after" and response.delay == 0.025
    status, _, body = response  # the answer the adapter will not send
    assert status == 200 and b"AuthFailure" in body
    app.faults.configure("http_502=1", seed=1)
    response = app.handle("GET", "/", {}, b"")
    assert (response.status, response.fault) == (502, "http_502")
    assert response.headers["Content-Type"] == "text/html"


# -- each kind, as a client meets it ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "seen", "processed"),
    [
        ("reset_before", "no answer", False),
        ("reset_after", "no answer", True),
        ("internal_error", "InternalError", False),
        ("http_502", "502", False),
        ("truncated", "truncated", True),
        ("throttle", "RequestLimitExceeded", False),
    ],
)
def test_each_fault_kind(http: httpx.Client, kind: str, seen: str, processed: bool) -> None:
    emu, recorder = start(f"{kind}=1")
    with emu:
        assert outcome(http, emu, "first") == seen
        assert recorder.values == (["first"] if processed else [])
        assert emu.fault_counts == {kind: 1}
        record = emu.requests[-1]
        assert record.fault == kind and record.action == "Record"
        # The client recovers: a fresh connection once the faults are off.
        emu.set_faults(None)
        assert outcome(http, emu, "second") == "ok"
        assert recorder.values[-1] == "second" and emu.requests[-1].fault is None


def test_resets_are_connection_resets(http: httpx.Client) -> None:
    emu, _ = start("reset_before=1")
    with emu, pytest.raises(httpx.ReadError, match="reset"):
        send(http, emu)


def test_truncated_body_is_shorter_than_its_content_length(http: httpx.Client) -> None:
    emu, recorder = start("truncated=1")
    with emu, pytest.raises(httpx.RemoteProtocolError) as info:
        send(http, emu, "committed")
    assert "received" in str(info.value) and "expected" in str(info.value)
    assert recorder.values == ["committed"]


def test_502_is_an_html_page(http: httpx.Client) -> None:
    emu, _ = start("http_502=1")
    with emu:
        resp = send(http, emu)
    assert resp.status_code == 502
    assert resp.headers["content-type"] == "text/html"
    assert resp.text.lstrip().startswith("<html>") and "502 Bad Gateway" in resp.text


def test_throttle_answer_is_the_real_error(http: httpx.Client) -> None:
    emu, _ = start("throttle=1")
    with emu:
        payload = send(http, emu).json()["Response"]
    assert payload["Error"]["Code"] == "RequestLimitExceeded"
    assert "frequency" in payload["Error"]["Message"] and payload["RequestId"]


def test_latency_is_added(http: httpx.Client) -> None:
    emu, _ = start("latency_ms=150")
    with emu:
        started = time.perf_counter()
        assert outcome(http, emu) == "ok"
        assert time.perf_counter() - started >= 0.15
        assert emu.fault_counts == {"latency_ms": 1}
        emu.set_faults("")
        started = time.perf_counter()
        assert outcome(http, emu) == "ok"
        assert time.perf_counter() - started < 0.15


# -- repeatability and bookkeeping --------------------------------------------------------


def run(seed: int, n: int = 60) -> tuple[list[str], list[str | None], list[str]]:
    emu, recorder = start(MIXED, seed)
    with emu, httpx.Client(trust_env=False, timeout=10) as http:
        seen = [outcome(http, emu, str(i)) for i in range(n)]
        faults = [r.fault for r in emu.requests]
    return seen, faults, recorder.values


def test_same_seed_gives_the_same_faults_over_the_wire() -> None:
    first, second, other = run(1), run(1), run(2)
    assert first == second
    assert first[0] != other[0]
    seen, faults, processed = first
    assert len(set(seen)) == 6  # ok, no answer, InternalError, 502, truncated, throttled
    expected = {
        None: "ok",
        "reset_before": "no answer",
        "reset_after": "no answer",
        "internal_error": "InternalError",
        "http_502": "502",
        "truncated": "truncated",
        "throttle": "RequestLimitExceeded",
    }
    assert seen == [expected[f] for f in faults]
    # Exactly the requests without a fault, or with an after-processing one, took effect.
    assert processed == [
        str(i) for i, f in enumerate(faults) if f in (None, "reset_after", "truncated")
    ]


def test_fault_counts_and_set_faults(http: httpx.Client) -> None:
    emu, _ = start(MIXED, 4)
    with emu:
        for _ in range(40):
            outcome(http, emu)
        faults = [r.fault for r in emu.requests if r.fault]
        counts = emu.fault_counts
        assert sum(counts.values()) == len(faults) > 0
        assert counts == {k: faults.count(k) for k in set(faults)}
        assert emu.seed == 4
        emu.set_faults("internal_error=1", seed=9)
        assert emu.fault_counts == {} and emu.seed == 9


def test_admin_requests_draw_no_fault(http: httpx.Client) -> None:
    plain, _ = start(MIXED, 6)
    with plain:
        expected = [outcome(http, plain) for _ in range(20)]
    emu, _ = start(MIXED, 6)
    with emu:
        seen = []
        for _ in range(20):
            assert http.get(emu.admin_url + "/health").status_code == 200
            seen.append(outcome(http, emu))
    assert seen == expected


def test_faults_set_through_admin_are_repeatable(http: httpx.Client) -> None:
    emu, _ = start()
    with emu:
        sequences = []
        for _ in range(2):
            resp = http.post(emu.admin_url + "/faults", json={"faults": MIXED, "seed": 11})
            assert resp.status_code == 200
            sequences.append([outcome(http, emu) for _ in range(25)])
            counts = http.get(emu.admin_url + "/faults").json()["counts"]
            assert sum(counts.values()) == sum(s != "ok" for s in sequences[-1])
    assert sequences[0] == sequences[1]
