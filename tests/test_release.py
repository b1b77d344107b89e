"""The changelog section and the release gate (packaging_tools.release), run as the
command a release runs, over spec trees committed to a scratch git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from packaging_tools.release import (
    ReleaseError,
    check,
    is_major_bump,
    sections,
    write_section,
)
from tests.test_diff import SpecPair

REPO = Path(__file__).resolve().parent.parent


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.strip()


def _release(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "packaging_tools.release", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository whose spec/ changed between two commits: a new action, a new
    optional member, and a member removed (breaking)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    pair = SpecPair(tmp_path / "trees")
    shutil.copytree(pair.old, repo / "spec")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "old")
    old = _git(repo, "rev-parse", "HEAD")

    def rename_filter(data: dict[str, Any]) -> None:
        (member,) = [m for m in data["input"] if m["name"] == "Filter"]
        member["name"] = "Filters"

    pair.edit("actions/DescribeWidgets.yaml", rename_filter)
    shutil.copy(
        pair.path("actions/DescribeWidgets.yaml", old=True),
        pair.path("actions/DescribeWidgetsAgain.yaml"),
    )
    again = "actions/DescribeWidgetsAgain.yaml"
    pair.edit(again, lambda d: d.update(action="DescribeWidgetsAgain"))
    shutil.rmtree(repo / "spec")
    shutil.copytree(pair.new, repo / "spec")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "new")
    return repo, old, _git(repo, "rev-parse", "HEAD")


CHANGELOG = """# Changelog

## [Unreleased]

Hand-written notes stay.

## [0.1.0] - 2026-12-02

Spec: `{rev}`

The first release.
"""


def test_the_section_lists_breaking_changes_first_per_service(
    history: tuple[Path, str, str],
) -> None:
    repo, old, new = history
    done = _release("changelog", old, new, cwd=repo)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert f"### API definitions: `{old}` → `{new}`" in text
    assert "#### mqtt 2024-05-16" in text
    breaking, added = text.index("**Breaking**"), text.index("**Added**")
    assert breaking < added
    assert "input.Filter: removed" in text[breaking:added]
    assert "action `DescribeWidgetsAgain`: added" in text[added:]
    assert "input.Filters" in text[added:]  # the renamed member's new name is an addition
    assert "3 changes, 1 breaking." in text


def test_writing_the_section_twice_replaces_it(history: tuple[Path, str, str]) -> None:
    repo, old, new = history
    log = repo / "CHANGELOG.md"
    log.write_text(CHANGELOG.format(rev=old), "utf-8")
    for _ in range(2):
        done = _release("changelog", old, new, "--write", str(log), cwd=repo)
        assert done.returncode == 0, done.stderr
    text = log.read_text("utf-8")
    assert text.count("### API definitions:") == 1
    unreleased, released = text.index("## [Unreleased]"), text.index("## [0.1.0]")
    assert unreleased < text.index("### API definitions:") < released  # the newest section
    assert "Hand-written notes stay." in text and "The first release." in text


def test_a_breaking_change_without_a_major_bump_fails_the_gate(
    history: tuple[Path, str, str],
) -> None:
    repo, old, _ = history
    log = repo / "CHANGELOG.md"
    base = CHANGELOG.format(rev=old)
    minor = base.replace("## [Unreleased]", "## [1.1.0] - 2026-12-03\n\nSpec: `HEAD`", 1)
    minor = minor.replace("## [0.1.0]", "## [1.0.0]", 1)
    log.write_text(minor, "utf-8")
    refused = _release("check", "--changelog", str(log), "--version", "1.1.0", cwd=repo)
    assert refused.returncode == 1, refused.stderr
    assert "1 breaking change(s) since 1.0.0 need a major version bump" in refused.stderr
    assert "input.Filter: removed" in refused.stderr
    log.write_text(minor.replace("[1.1.0]", "[2.0.0]"), "utf-8")
    allowed = _release("check", "--changelog", str(log), "--version", "2.0.0", cwd=repo)
    assert allowed.returncode == 0, allowed.stderr
    assert "2.0.0 may be released against 1.0.0" in allowed.stdout


def test_a_version_without_its_section_fails_the_gate(history: tuple[Path, str, str]) -> None:
    repo, old, _ = history
    log = repo / "CHANGELOG.md"
    log.write_text(CHANGELOG.format(rev=old), "utf-8")
    done = _release("check", "--changelog", str(log), "--version", "0.2.0", cwd=repo)
    assert done.returncode == 1
    assert "no '## [0.2.0] - YYYY-MM-DD' section" in done.stderr


def test_semantic_versioning_rules() -> None:
    assert is_major_bump("1.4.2", "2.0.0") and not is_major_bump("1.4.2", "1.5.0")
    assert is_major_bump("0.1.0", "0.2.0") and not is_major_bump("0.1.0", "0.1.1")
    with pytest.raises(ReleaseError, match=r"MAJOR\.MINOR\.PATCH"):
        is_major_bump("0.1", "0.2")


def test_the_gate_on_parsed_changelogs() -> None:
    text = CHANGELOG.format(rev="abc123")
    assert [(s.version, s.spec) for s in sections(text)] == [
        ("Unreleased", None),
        ("0.1.0", "abc123"),
    ]
    assert check(text, "0.1.0", None) == []
    older = text.replace("## [0.1.0]", "## [0.2.0] - 2026-12-04\n\n## [0.1.0]", 1)
    assert check(older, "0.2.0", []) == ["CHANGELOG.md line 7: [0.2.0] names no 'Spec: `<rev>`'"]
    with pytest.raises(ReleaseError, match="no '## \\[version\\]' section"):
        write_section("# Changelog\n", "block\n")


def test_the_projects_changelog_passes_its_own_gate() -> None:
    """CHANGELOG.md has a section for the version in runtime/_constants.py and names
    the spec revision each release shipped."""
    text = (REPO / "CHANGELOG.md").read_text("utf-8")
    from tcapi._constants import SDK_VERSION

    assert check(text, SDK_VERSION, None) == []
    released = [s for s in sections(text) if s.version != "Unreleased"]
    revs = [s.spec for s in released]
    assert revs and all(revs)
    for rev in revs:
        assert rev is not None
        _git(REPO, "cat-file", "-e", f"{rev}^{{commit}}")
