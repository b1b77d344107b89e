"""pytest fixtures for testing code that calls Tencent Cloud through tcapi.

Installing tcapi registers the plugin with pytest (entry point
``tcapi_emulator``), so its fixtures are there in any test suite with no
configuration. ``pytest -p no:tcapi_emulator`` turns it off for a run; when
plugin autoloading is disabled (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), enable it
with ``pytest -p tcapi_emulator``.

Fixtures:

``tcapi_emulator`` (session scope)
    One running :class:`~tcapi.emulator.Emulator` on a free port, with made-up
    credentials, shared by the whole session. Point clients at it with
    ``tcapi_emulator.client(MqttClient)`` (signed with its credentials, region
    ``ap-guangzhou``), or use ``endpoint``, ``secret_id`` and ``secret_key``.
``tcapi_emulator_clean`` (function scope)
    The same emulator, reset before the test: services' state, request log,
    rate-limit windows, and the fault generator restarted from the session's
    seed (so each test meets the same fault sequence whatever ran before it).

Command-line options (also settable as ini options of the same name with
underscores, e.g. ``tcapi_emulator_faults = latency_ms=5``):

``--tcapi-emulator-faults SPEC`` and ``--tcapi-emulator-seed N``
    Inject faults into every test's calls (see ``tcapi.emulator.faults``), to
    check that the code under test survives resets, 502s and throttling. The
    seed is printed in the report header (a random one when none is given), so
    a failing run can be repeated.
``--tcapi-emulator-no-rate-limit``
    Do not enforce the actions' requests-per-second limits.
``--tcapi-emulator-db PATH``
    Keep the stateful services' data in this SQLite file.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from .runner import Emulator

_OPTIONS = (
    ("faults", "fault specification for the session's emulator, e.g. 'reset_before=0.05'"),
    ("seed", "seed of the emulator's fault generator"),
    ("db", "SQLite file for the emulator's state (default: in memory)"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tcapi-emulator", "tcapi local Tencent Cloud API emulator")
    for name, help_ in _OPTIONS:
        group.addoption(f"--tcapi-emulator-{name}", dest=f"tcapi_emulator_{name}", help=help_)
        parser.addini(f"tcapi_emulator_{name}", help_)
    group.addoption(
        "--tcapi-emulator-no-rate-limit",
        dest="tcapi_emulator_no_rate_limit",
        action="store_true",
        default=False,
        help="do not enforce the actions' documented rate limits",
    )
    parser.addini(
        "tcapi_emulator_no_rate_limit", "do not enforce the actions' rate limits", type="bool"
    )


def _setting(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"tcapi_emulator_{name}")
    if value is None:
        value = config.getini(f"tcapi_emulator_{name}") or None
    return None if value is None else str(value)


_SEED = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    seed = _setting(config, "seed")
    try:
        config.stash[_SEED] = secrets.randbelow(2**31) if seed is None else int(seed)
    except ValueError:
        raise pytest.UsageError(
            f"tcapi emulator: the seed must be an integer, not {seed!r}"
        ) from None


def _build(config: pytest.Config) -> Emulator:
    no_limit = bool(config.getoption("tcapi_emulator_no_rate_limit")) or bool(
        config.getini("tcapi_emulator_no_rate_limit")
    )
    try:
        return Emulator(
            faults=_setting(config, "faults"),
            seed=config.stash[_SEED],
            db=_setting(config, "db") or ":memory:",
            rate_limit=not no_limit,
        )
    except ValueError as exc:
        raise pytest.UsageError(f"tcapi emulator: {exc}") from None


@pytest.fixture(scope="session")
def tcapi_emulator(pytestconfig: pytest.Config) -> Iterator[Emulator]:
    """A running emulator shared by the session (see the module docstring)."""
    with _build(pytestconfig) as emu:
        yield emu


@pytest.fixture
def tcapi_emulator_clean(tcapi_emulator: Emulator, pytestconfig: pytest.Config) -> Emulator:
    """The session's emulator after a reset; faults restart from the session's seed."""
    tcapi_emulator.reset()
    tcapi_emulator.set_faults(_setting(pytestconfig, "faults"), pytestconfig.stash[_SEED])
    return tcapi_emulator


def pytest_report_header(config: pytest.Config) -> str | None:
    faults = _setting(config, "faults")
    if not faults:
        return None
    return f"tcapi emulator faults: {faults} (--tcapi-emulator-seed {config.stash[_SEED]})"
