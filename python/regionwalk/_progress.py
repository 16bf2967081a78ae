"""A one-line progress display on stderr for long walks."""

from __future__ import annotations

import sys
from typing import Callable


def stderr_progress(stream=None) -> Callable[..., None]:  # type: ignore[no-untyped-def]
    out = stream or sys.stderr
    shown = [False]

    def report(regions: int, seconds: float, final: bool = False) -> None:
        if final and not shown[0]:
            return  # short runs print nothing
        rate = regions / seconds if seconds > 0 else 0.0
        out.write(f"\r  {regions:,} regions  {seconds:7.1f} s  {rate:,.0f} regions/s")
        if final:
            out.write("\n")
        out.flush()
        shown[0] = True

    return report
