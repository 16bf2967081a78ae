"""The old name of :mod:`regionwalk.nets` (seeded and deterministic test nets), kept so that
scripts written against it still run; new code imports ``regionwalk.nets``."""

from __future__ import annotations

from regionwalk.nets import random_mlp, tent_map

__all__ = ["random_mlp", "tent_map"]
