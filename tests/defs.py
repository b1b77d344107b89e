"""The official definition wheels the importer reads, fetched once with pip.

They are test inputs pinned in requirements-import.txt; pip (the only network
access CI has) downloads them into build/defs/ on first use.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFS = REPO / "build" / "defs"


def wheels() -> tuple[Path, Path]:
    """(tccli wheel, tccli-intl-en wheel), downloading them if needed."""

    def find() -> tuple[Path | None, Path | None]:
        cn = next(iter(sorted(DEFS.glob("tccli-*.whl"))), None)
        en = next(iter(sorted(DEFS.glob("tccli_intl_en-*.whl"))), None)
        return cn, en

    cn, en = find()
    if cn is None or en is None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "-r",
                str(REPO / "requirements-import.txt"),
                "-d",
                str(DEFS),
            ],
            check=True,
        )
        cn, en = find()
    assert cn is not None and en is not None, "requirements-import.txt wheels missing"
    return cn, en
