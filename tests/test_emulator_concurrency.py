"""Concurrent clients on overlapping device ids leave a state that a serial replay
of their successful operations explains: nothing lost, nothing duplicated.

A smaller run of what ``bench/emulator_load.py`` measures (32 clients x 1,000
operations); both use ``tests/load.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcapi.emulator import Emulator
from tcapi.emulator.services.mqtt import seed_instance

from .load import ALLOWED_ERRORS, LoadResult, check_consistency, final_state, make_client, run_load

DEVICES = 12


@pytest.fixture(params=["memory", "file"])
def emu(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Emulator]:
    db = ":memory:" if request.param == "memory" else str(tmp_path / "state.sqlite")
    with Emulator(db=db, rate_limit=False) as e:
        yield e


def load(emu: Emulator, instance: str, **kw: int) -> LoadResult:
    return run_load(emu.endpoint, emu.secret_id, emu.secret_key, instance, **kw)


def test_concurrent_mixed_operations_match_a_serial_replay(emu: Emulator) -> None:
    instance = seed_instance(emu.app)
    result = load(emu, instance, workers=8, ops_per_worker=60, devices=DEVICES)
    with make_client(emu.endpoint, emu.secret_id, emu.secret_key) as client:
        final = final_state(client, instance, DEVICES)
    assert len(result.outcomes) == 8 * 60
    assert check_consistency(result, final, allowed_errors=ALLOWED_ERRORS) == []
    # The run really contended: every operation both succeeded and failed somewhere.
    ok = Counter(o.op for o in result.outcomes if o.ok)
    failed = Counter(o.op for o in result.outcomes if not o.ok)
    assert set(ok) == {"create", "describe", "modify", "delete"}
    assert {"create", "describe", "delete"} <= set(failed)
    # The emulator answered every request it recorded, and recorded every one sent.
    assert emu.app.stats()["requests"] == len(result.outcomes) + DEVICES


def test_the_checker_catches_a_lost_write(emu: Emulator) -> None:
    """The consistency check is not vacuous: remove a device behind the clients'
    backs (a "lost" create) and it reports exactly that device."""
    instance = seed_instance(emu.app)
    result = load(emu, instance, workers=4, ops_per_worker=40, devices=DEVICES)
    with make_client(emu.endpoint, emu.secret_id, emu.secret_key) as client:
        final = final_state(client, instance, DEVICES)
    present = sorted(d for d, status in final.items() if status is not None)
    assert present, "the run should leave some devices behind"
    final[present[0]] = None
    problems = check_consistency(result, final, allowed_errors=ALLOWED_ERRORS)
    assert len(problems) == 1 and problems[0].startswith(present[0])
