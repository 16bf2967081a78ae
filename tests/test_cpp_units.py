"""The C++ core's own unit tests (``cpp/tests``: the walk's parts alone, the LP's
degenerate cases, the visited set under concurrent inserts, the complex on any
number of threads, helper threads joining long walks) build and pass: CI runs
them with the rest of the suite, from the checkout's sources."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], timeout: float) -> None:
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{' '.join(cmd)} failed:\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"


def test_the_cores_unit_tests_pass(tmp_path: Path) -> None:
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.skip("cmake is not on PATH (pip install cmake)")
    if not (ROOT / "cpp" / "tests").is_dir():
        pytest.skip("an installed package without its C++ sources")
    build = tmp_path / "core"
    _run([cmake, "-S", str(ROOT), "-B", str(build), "-DREGIONWALK_BUILD_TESTS=ON", "-DCMAKE_BUILD_TYPE=Release"], 300)
    _run([cmake, "--build", str(build), "-j", str(min(4, os.cpu_count() or 1))], 900)
    ctest = shutil.which("ctest") or str(Path(cmake).with_name("ctest"))
    _run([ctest, "--test-dir", str(build), "--output-on-failure", "--timeout", "600"], 900)
