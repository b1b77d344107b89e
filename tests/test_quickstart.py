"""The README's main job runs and tells its whole story."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"


def test_quickstart_walks_the_story(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(QUICKSTART), run_name="__main__")
    out = capsys.readouterr().out
    assert re.search(r"created +mqtt-\w{8} \(CREATING\)", out)
    assert re.search(r"ready +RUNNING after 1\.\d s", out.replace("s\n", " s\n"))
    # The doc page's identity, with its keys hidden, then four with generated keys.
    assert "primary_key='***'" in out and "'pk1'" not in out and "'sk1'" not in out
    listed = re.findall(r"^ {3}(device-\d) +enabled", out, re.M)
    assert listed == ["device-2", "device-3", "device-4", "device-5", "device-6"]
    assert re.search(r"pages +3$", out, re.M)  # five identities, two per page
    assert re.search(r"status +2 \(2 = disabled\)", out)
    assert "code         UnsupportedOperation.ResourceAlreadyExists" in out
    assert "raised       ResourceNotFound" in out
    assert re.search(r"InvalidParameterError: .*DeviceId", out)
    assert re.search(r"sent +0 requests", out)
    assert "'async-0', 'async-1', 'async-2', 'async-3', 'async-4', 'device-3'" in out
    assert out.rstrip().endswith("every connection is closed.")
