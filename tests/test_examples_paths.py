"""The path and plane examples run (quick mode) and write their plots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("script,pngs", [
    ("region_density_curves.py", ["density_vs_epoch.png", "density_vs_curvature.png"]),
    ("plane_through_digits.py", ["plane_digits.png"]),
])
def test_example_runs(tmp_path, script, pngs):
    import matplotlib  # noqa: F401  (installed by the README's set-up: fail, not skip)
    import torch  # noqa: F401  (installed by the README's set-up: fail, not skip)
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--quick", "--out", str(tmp_path)],
                          timeout=300, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    for p in pngs:
        assert (tmp_path / p).stat().st_size > 1000
