"""Every workflow a person runs on tcapi: `nox -l` lists them.

`nox` alone runs what CI runs: check, lint, typecheck, tests.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["check", "lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

SOURCES = [
    "runtime",
    "generator",
    "emulator",
    "tests",
    "bench",
    "examples",
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


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the hand-written code (generated code is black-formatted by the generator)."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the runtime, the generated services, the emulator and the generator."""
    session.install(".[lint]")
    session.run("mypy", "-p", "tcapi")
    session.run("mypy", "generator", "tests", "examples", "bench")


@nox.session
def bench(session: nox.Session) -> None:
    """tcapi vs the official SDK, in one run against the same local server."""
    session.install(".[test]")
    session.run("python", "bench/run.py", *session.posargs)


@nox.session
def quickstart(session: nox.Session) -> None:
    """The main job: start the local emulator and walk CreateDeviceIdentity end to end."""
    session.install(".")
    session.run("python", "examples/quickstart.py", *session.posargs)
