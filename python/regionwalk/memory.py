"""Memory sizes as a user writes them: ``4GiB``, ``500MB``, ``1.5 GB`` or a number of bytes.

>>> parse_memory("4GiB"), parse_memory("500MB"), parse_memory(1024)
(4294967296, 500000000, 1024)
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

import numpy as np

__all__ = ["parse_memory", "format_bytes", "UNITS"]

INT64_MAX = 2**63 - 1

UNITS: dict[str, int] = {
    "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
"""Accepted units, case-insensitive: decimal (``kB``, ``MB``, ``GB``, ``TB``) and binary
(``KiB``, ``MiB``, ``GiB``, ``TiB``); a bare number is bytes."""

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?\s*([A-Za-z]*)\s*$")
_ACCEPTED = "a number of bytes >= 1 or a size such as '4GiB', '500MB', '1.5 GB' (units B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)"


def _from_text(name: str, text: str) -> int:
    m = _SIZE.match(text.replace("_", ""))
    if m is None or m.group(3).lower() not in UNITS | {"": 1}:
        raise ValueError(f"{name} must be {_ACCEPTED}, got {text!r}")
    mantissa, exponent, unit = m.group(1), m.group(2), m.group(3).lower()
    from decimal import Decimal

    value = Decimal(mantissa) * (Decimal(10) ** int(exponent or 0)) * UNITS.get(unit, 1)
    if not value >= 1:
        raise ValueError(f"{name} must be {_ACCEPTED}, got {text!r}")
    return min(int(value), INT64_MAX)  # whole bytes, rounded down


def parse_memory(value: Any, name: str = "max_memory") -> int:
    """A memory size in bytes (an int from 1 to 2**63-1).

    Parameters
    ----------
    value
        A number of bytes (``4e9``), or a string: a
        number with an optional unit from :data:`UNITS` (``"4GiB"``,
        ``"500MB"``, ``"1.5 GB"``, ``"2e9"``). Fractions of a byte round down.
    name
        The argument's name, for the error message.

    Raises
    ------
    TypeError
        For a bool or a value that is neither a number nor a string.
    ValueError
        For a size below one byte, an unknown unit, or unreadable text.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be {_ACCEPTED}, got {value!r}")
    if isinstance(value, str):
        return _from_text(name, value)
    if isinstance(value, (numbers.Integral, np.integer)):
        out = int(value)
    elif isinstance(value, (numbers.Real, np.floating)):
        number = float(value)
        if not (math.isfinite(number) and number >= 1):
            raise ValueError(f"{name} must be {_ACCEPTED}, got {value!r}")
        out = min(int(number), INT64_MAX)  # whole bytes, rounded down
    else:
        raise TypeError(f"{name} must be {_ACCEPTED}, got {type(value).__name__}")
    if not 1 <= out <= INT64_MAX:
        raise ValueError(f"{name} must be {_ACCEPTED}, got {value!r}")
    return out


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units with 3 significant digits: ``'4 GiB'``, ``'1.5 KiB'``, ``'512 B'``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} TiB"
