"""Small numeric helpers of the generator's draws."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__: list[str] = []


def probabilities(mapping: Mapping[Any, float], keys: tuple[Any, ...]) -> np.ndarray:
    """The weights of ``mapping`` in the order of ``keys``, scaled to sum to 1."""
    p = np.array([mapping[key] for key in keys], dtype=float)
    return p / p.sum()


def truncated_exponential(
    rng: np.random.Generator, mean: float, upper: np.ndarray | float, size: int
) -> np.ndarray:
    """Exponential(mean) conditioned on [0, upper], by the inverse CDF."""
    u = rng.random(size)
    return -mean * np.log1p(u * np.expm1(-np.asarray(upper, dtype=float) / mean))


def group_starts(counts: np.ndarray) -> np.ndarray:
    """Index of the first row of each group, for groups of ``counts`` rows laid end to end."""
    return np.cumsum(counts) - counts


def dirty_count(rate: float, base: int) -> int:
    """How many dirty rows of a kind: ``round(rate * base)``, at least 1 (0 when ``base`` is 0)."""
    return max(1, round(rate * base)) if base > 0 else 0
