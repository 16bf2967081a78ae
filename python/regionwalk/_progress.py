"""A one-line progress display on stderr for long walks (no dependency)."""

from __future__ import annotations

import sys
from typing import Callable, TextIO


def _clock(seconds: float) -> str:
    """``"7.2 s"``, ``"3 min 05 s"``, ``"2 h 04 min"``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_progress(regions: int, seconds: float, frontier: int = -1) -> str:
    """``"12,345 regions  6,170 regions/s  frontier 812  2.0 s"``.

    The frontier is the number of regions found whose neighbours are still to
    be examined: the work known to remain (it grows while the walk spreads and
    falls to 0 at the end). Negative ``frontier`` means unknown and is left out.
    """
    rate = regions / seconds if seconds > 0 else 0.0
    parts = [f"{regions:,} regions", f"{rate:,.0f} regions/s"]
    if frontier >= 0:
        parts.append(f"frontier {frontier:,}")
    parts.append(_clock(seconds))
    return "  ".join(parts)


def stderr_progress(stream: TextIO | None = None) -> Callable[..., None]:
    """A progress callback ``report(regions, seconds, frontier=-1, final=False)`` that
    rewrites one line of ``stream`` (default stderr); the final call ends the line.
    Walks too short to report anything print nothing."""
    out = stream or sys.stderr
    shown = [False]
    width = [0]
    last = [-1]

    def report(regions: int, seconds: float, frontier: int = -1, final: bool = False) -> None:
        if final and not shown[0]:
            return
        if frontier >= 0:
            last[0] = frontier
        line = "  " + format_progress(regions, seconds, frontier if frontier >= 0 else last[0])
        out.write("\r" + line.ljust(width[0]))
        width[0] = max(width[0], len(line))
        if final:
            out.write("\n")
        out.flush()
        shown[0] = True

    return report
