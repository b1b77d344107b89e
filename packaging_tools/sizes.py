"""Wheel sizes of the slim distributions beside the official SDK's.

``python -m packaging_tools.sizes [--dist dist] [--official build/official]``
(what ``nox -s dist-sizes`` runs after downloading the official wheels) prints a
Markdown table: tcapi-core, tcapi-mqtt, tcapi-cvm, the sum over every
``tcapi-<service>`` wheel in dist/, and the official full ``tencentcloud-sdk-python``
and per-product ``tencentcloud-sdk-python-common`` / ``-mqtt`` wheels found in the
official folder. Sizes are the wheel files' bytes and what they unpack to.
"""

from __future__ import annotations

import argparse
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .layout import CORE, ROOT, Project


@dataclass(frozen=True)
class Size:
    """One row: a label, how many wheels, their bytes, what they unpack to."""

    label: str
    wheels: int
    packed: int
    unpacked: int

    @classmethod
    def of(cls, label: str, wheels: Iterable[Path]) -> Size:
        paths = list(wheels)
        unpacked = 0
        for path in paths:
            with zipfile.ZipFile(path) as z:
                unpacked += sum(info.file_size for info in z.infolist())
        return cls(label, len(paths), sum(p.stat().st_size for p in paths), unpacked)


def human(size: int) -> str:
    """``65 KB``, ``18.7 MB`` (decimal units, as PyPI shows them)."""
    if size < 1_000_000:
        return f"{size / 1000:,.0f} KB"
    return f"{size / 1_000_000:,.1f} MB"


def slim_sizes(dist_dir: Path, version: str) -> list[Size]:
    """Rows for this version's slim wheels in ``dist_dir`` (those it has)."""

    def wheels(dist: str) -> list[Path]:
        return sorted(dist_dir.glob(f"{dist.replace('-', '_')}-{version}-*.whl"))

    core = wheels(CORE)
    services = [p for p in wheels("tcapi-*") if p not in core]
    rows = [
        Size.of("tcapi-core", core),
        Size.of("tcapi-mqtt", wheels("tcapi-mqtt")),
        Size.of("tcapi-cvm", wheels("tcapi-cvm")),
        Size.of("tcapi-core + tcapi-mqtt", [*core, *wheels("tcapi-mqtt")]),
        Size.of(f"every tcapi-<service> ({len(services)} wheels)", services),
        Size.of("tcapi-core + every tcapi-<service>", [*core, *services]),
    ]
    return [r for r in rows if r.wheels]


def official_sizes(official: Path) -> list[Size]:
    """Rows for the official wheels in ``official``: the full SDK, common, mqtt,
    and common + mqtt (what a per-product MQTT install downloads)."""
    found: dict[str, list[Path]] = {}
    rows: list[Size] = []
    for dist in ("", "_common", "_mqtt"):
        for path in sorted(official.glob(f"tencentcloud_sdk_python{dist}-*.whl")):
            version = path.name.split("-")[1]
            found.setdefault(dist, []).append(path)
            rows.append(
                Size.of(
                    f"official tencentcloud-sdk-python{dist} {version}".replace("_", "-"), [path]
                )
            )
    if "_common" in found and "_mqtt" in found:
        rows.append(Size.of("official common + mqtt", [*found["_common"], *found["_mqtt"]]))
    return rows


def table(rows: Sequence[Size]) -> str:
    lines = ["| wheel(s) | files | wheel size | unpacked |", "|---|---:|---:|---:|"]
    lines += [f"| {r.label} | {r.wheels} | {human(r.packed)} | {human(r.unpacked)} |" for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m packaging_tools.sizes", description=__doc__)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="the slim wheels")
    parser.add_argument(
        "--official", type=Path, default=ROOT / "build" / "official", help="official wheels"
    )
    args = parser.parse_args(argv)
    rows = slim_sizes(args.dist, Project.read().version)
    if not rows:
        print(f"no slim wheels in {args.dist}: run `nox -s build` first")
        return 1
    print(table([*rows, *official_sizes(args.official)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
