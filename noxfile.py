"""Every workflow a person runs on tcapi: `nox -l` lists them.

`nox` alone runs what CI runs: check, lint, typecheck, tests, catalog-quick.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["check", "lint", "typecheck", "tests", "catalog-quick"]
OFFICIAL_SDK = "3.1.195"
"""The official full SDK release matching the definitions pinned in
requirements-import.txt (and the per-product test pins in pyproject.toml)."""
OFFICIAL_SIZES = "3.1.189"
"""The official full SDK release the slim wheels' sizes are set beside (`nox -s
dist-sizes`): the version of the definitions spec/ was imported from (tccli
3.1.189.1). Its per-product MQTT and common wheels have no 3.1.189 release; those
are compared at OFFICIAL_SDK, the test pins."""
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

SOURCES = [
    "runtime",
    "generator",
    "emulator",
    "tests",
    "bench",
    "examples",
    "packaging_tools",
    "noxfile.py",
    "setup.py",
]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, against a regular (non-editable) install of the package."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def check(session: nox.Session) -> None:
    """Fail if generated/ differs from what the generator makes of spec/."""
    session.install("-r", "requirements-generator.txt")
    session.run("python", "-m", "generator", "check")


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from spec/ (only changed files are rewritten)."""
    session.install("-r", "requirements-generator.txt")
    session.run("python", "-m", "generator", "generate")


@nox.session(name="import")
def import_definitions(session: nox.Session) -> None:
    """Import the whole catalog, every service version the pinned definitions in
    requirements-import.txt define, into spec/ (bump the pins to pick up new API
    docs); what cannot be imported is listed in spec/IMPORT-REPORT.md.
    `nox -s import -- --out DIR` imports into another spec root."""
    session.install("-r", "requirements-generator.txt")
    defs = _download_definitions(session)
    pins = dict(
        line.split("==")
        for line in Path("requirements-import.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    cn = defs / f"tccli-{pins['tccli']}-py2.py3-none-any.whl"
    en = defs / f"tccli_intl_en-{pins['tccli-intl-en']}-py2.py3-none-any.whl"
    session.run(
        "python",
        "-m",
        "generator",
        "import",
        "tccli",
        "--all",
        "--cn",
        str(cn),
        "--en",
        str(en),
        *session.posargs,
    )


def _download_definitions(session: nox.Session) -> Path:
    """The definition wheels pinned in requirements-import.txt, into build/defs."""
    defs = Path("build/defs")
    session.run(
        "python",
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "-r",
        "requirements-import.txt",
        "-d",
        str(defs),
    )
    return defs


@nox.session
def diff(session: nox.Session) -> None:
    """What changed between two specs: `nox -s diff -- HEAD~1 spec` (add --fail-on-breaking)."""
    session.install("-r", "requirements-generator.txt")
    session.run("python", "-m", "generator", "diff", *(session.posargs or ["HEAD", "spec"]))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the hand-written code (generated code is black-formatted by the generator)."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the runtime, the emulator, the generator and the generated
    MQTT, STS (committed) and CVM (built) services: a representative catalog sample,
    since the whole catalog is ~125 MB of generated code; plus the few services the
    tests import (streaming and upload actions, a China-only site, actions with a
    host of their own)."""
    session.install(".[lint]", env={"TCAPI_SERVICES": "cvm,aca,cii,cls,es,hunyuan"})
    session.run("mypy", "-p", "tcapi")
    session.run("mypy", "generator", "tests", "examples", "bench", "packaging_tools")


@nox.session
def bench(session: nox.Session) -> None:
    """tcapi vs the official SDK, in one run against the same local server; then the
    `tcapi` command line vs tccli's (bench/cli.py; 3 runs each with --quick)."""
    session.install(".[test]")
    session.run("python", "bench/run.py", *session.posargs)
    quick = ["--runs", "3", "--warmup", "1"] if "--quick" in session.posargs else []
    session.run("python", "bench/cli.py", *quick)


@nox.session(name="bench-cli")
def bench_cli(session: nox.Session) -> None:
    """Wall time of `tcapi mqtt DescribeInstanceList` (and of the help texts) beside
    tccli's, against the same https emulator. tccli is never installed here: its
    3.1.x releases need a newer official SDK than the test pins, so bench/cli.py
    keeps it in a venv of its own, build/bench-tccli/ (made on first use)."""
    session.install(".[cli,tls]")
    session.run("python", "bench/cli.py", *session.posargs)


@nox.session
def catalog(session: nox.Session) -> None:
    """The whole catalog through import, generate, compile, load, examples and a
    cross-check against the official SDK (bench/catalog.py, about 6 minutes);
    `nox -s catalog -- --quick` is the CI-sized run (a few services, no import)."""
    _catalog(session, session.posargs)


@nox.session(name="catalog-quick")
def catalog_quick(session: nox.Session) -> None:
    """The catalog stages on a sample of 12 service versions that covers every naming
    collision kind (what CI runs; about a minute)."""
    _catalog(session, ["--quick", *session.posargs])


def _catalog(session: nox.Session, args: list[str]) -> None:
    # The cross-check's oracle, in this session's own venv: the official SDK release
    # whose models match the pinned definitions. That is 3.1.195 for tccli 3.1.189.1
    # (3.1.189 lacks 151 members in 99 models and 165 actions the definitions have;
    # 3.1.194 still differs in 34 actions; 3.1.195 matches every action). The package
    # itself is installed without catalog services: the script generates the catalog
    # into a temporary tree and imports it from there.
    session.install(
        ".",
        f"tencentcloud-sdk-python=={OFFICIAL_SDK}",
        "-r",
        "requirements-generator.txt",
        env={"TCAPI_SERVICES": "none"},
    )
    _download_definitions(session)
    session.run("python", "bench/catalog.py", *args)


@nox.session(name="bench-catalog")
def bench_catalog(session: nox.Session) -> None:
    """Catalog figures beside the official full SDK: bytes per action, cold imports of
    tcapi.cvm/.vpc/.tke/.cdb/.mqtt vs the official clients, generate/check times."""
    session.install(
        ".", f"tencentcloud-sdk-python=={OFFICIAL_SDK}", "-r", "requirements-generator.txt"
    )
    session.run("python", "bench/catalog_figures.py", *session.posargs)


@nox.session(name="emulator-load")
def emulator_load(session: nox.Session) -> None:
    """32 clients x 1,000 mixed operations against the emulator: throughput, latency,
    and a consistency check of the final state."""
    session.install(".[test]")
    session.run("python", "bench/emulator_load.py", *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """16 workers for 60 s against a faulty emulator: no lost or duplicated writes,
    flat memory (see bench/soak.py)."""
    session.install(".[test]")
    session.run("python", "bench/soak.py", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Slim wheels into dist/: tcapi-core (runtime + emulator) and one tcapi-<service>
    per service, each needing tcapi-core of the same version; `nox -s build -- cvm mqtt`
    builds core and those only (packaging_tools/dists.py)."""
    session.install("build>=1.0", "setuptools>=77", "twine>=5", "-r", "requirements-generator.txt")
    session.run("python", "-m", "packaging_tools.dists", *session.posargs)
    # The metadata PyPI would show: twine refuses a wheel whose description or
    # metadata would not render or upload.
    wheels = sorted(str(p) for p in Path("dist").glob("tcapi*.whl"))
    session.run("python", "-m", "twine", "check", "--strict", *wheels)


@nox.session(name="dist-sizes")
def dist_sizes(session: nox.Session) -> None:
    """Sizes of the slim wheels in dist/ (`nox -s build` first) beside the official
    full SDK and per-product MQTT wheels (downloaded into build/official)."""
    official = [
        f"tencentcloud-sdk-python=={OFFICIAL_SIZES}",
        f"tencentcloud-sdk-python-common=={OFFICIAL_SDK}",
        f"tencentcloud-sdk-python-mqtt=={OFFICIAL_SDK}",
    ]
    session.run(
        "python", "-m", "pip", "download", "--quiet", "--no-deps", "-d", "build/official", *official
    )
    session.run("python", "-m", "packaging_tools.sizes", *session.posargs)


@nox.session
def changelog(session: nox.Session) -> None:
    """`nox -s changelog -- OLD NEW`: the API-definitions block of CHANGELOG.md's newest
    section, from `generator diff` between two spec trees (folders or git revisions),
    breaking changes first; a rerun replaces the block (packaging_tools/release.py)."""
    if len(session.posargs) != 2:
        session.error("usage: nox -s changelog -- OLD NEW (spec folders or git revisions)")
    session.install("-r", "requirements-generator.txt")
    session.run(
        "python", "-m", "packaging_tools.release", "changelog", *session.posargs,
        "--write", "CHANGELOG.md",
    )  # fmt: skip


@nox.session(name="release-check")
def release_check(session: nox.Session) -> None:
    """Fails when SDK_VERSION has no CHANGELOG.md section, or when the spec broke users
    since the last release's `Spec:` revision without a major version bump."""
    session.install("-r", "requirements-generator.txt")
    session.run("python", "-m", "packaging_tools.release", "check", *session.posargs)


@nox.session
def quickstart(session: nox.Session) -> None:
    """The main job: start the local emulator and walk CreateDeviceIdentity end to end.
    Installs only the services it uses (the committed MQTT and STS): a first run is quick."""
    session.install(".", env={"TCAPI_SERVICES": "none"})
    session.run("python", "examples/quickstart.py", *session.posargs)
