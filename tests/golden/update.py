"""Rewrite the expected output of every golden fixture: ``python -m tests.golden.update``.

Run it after a deliberate template change, then read the diff of tests/golden/*/
generated/ before committing it: that diff is the change users will see.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.cli import generate

HERE = Path(__file__).resolve().parent


def main() -> int:
    for feature in sorted(p for p in HERE.iterdir() if (p / "spec").is_dir()):
        out = feature / "generated"
        if out.exists():
            shutil.rmtree(out)
        total, _, _ = generate(feature / "spec", out)
        print(f"{feature.name}: {total} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
