"""The per-region analysis examples run (quick mode) and write their plots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("script,png", [
    ("rank_collapse.py", "rank_collapse.png"),
    ("singular_value_change.py", "singular_value_change.png"),
    ("margins_training.py", "margins_training.png"),
])
def test_geometry_example_runs(tmp_path, script, png):
    import matplotlib  # noqa: F401  (installed by the README's set-up: fail, not skip)
    run = subprocess.run([sys.executable, str(EXAMPLES / script), "--quick", "--out", str(tmp_path)],
                         timeout=300, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / png).stat().st_size > 1000
