"""The shipped type stub of the compiled module matches it (mypy's stubtest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_core_stub_matches_the_extension():
    import mypy  # noqa: F401  (the test extra installs it: fail, not skip, without it)
    allow = Path(__file__).with_name("stubtest_allowlist.txt")
    out = subprocess.run([sys.executable, "-m", "mypy.stubtest", "regionwalk._core", "--allowlist", str(allow)],
                         capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_stubs_walk_stats_are_the_cores_counters():
    from regionwalk import _core

    stub = (Path(__file__).parents[1] / "python" / "regionwalk" / "_core.pyi").read_text()
    block = stub.split("class WalkStats(TypedDict):")[1].split("\nclass ")[0]
    keys = [line.split(":")[0].strip() for line in block.splitlines() if line.startswith("    ") and ":" in line
            and not line.strip().startswith('"""')]
    assert keys == list(_core.walk_stats_fields())
    raw = _core.walk(_core.Network([[[1.0]], [[1.0]]], [[0.0], [0.0]]), _core.Domain.whole(1), [0.5])
    assert list(raw["stats"]) == keys
