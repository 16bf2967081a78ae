"""The examples run (quick mode) and write their plots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("script,pngs", [
    ("training_regions.py", ["regions_vs_radius.png", "regions_vs_epoch.png"]),
    ("sampling_vs_exact.py", ["sampling_vs_exact.png"]),
    ("local_complexity.py", ["local_complexity_mean.png", "local_complexity_distribution.png"]),
])
def test_example_runs(tmp_path, script, pngs):
    import matplotlib  # noqa: F401  (installed by the README's set-up: fail, not skip)
    subprocess.run([sys.executable, str(EXAMPLES / script), "--quick", "--out", str(tmp_path)], check=True,
                   timeout=300, capture_output=True)
    for p in pngs:
        assert (tmp_path / p).stat().st_size > 1000
