"""The difference of two proportions: its interval and its test, shared by the group and change tests."""

from __future__ import annotations

import math

__all__: list[str] = []


def two_proportions(hits_a: int, total_a: int, hits_b: int, total_b: int, *, alpha: float) -> tuple[float, float, float, float]:
    """Difference a - b, its Newcombe interval and the two-sided pooled z-test p-value (NaN where undefined)."""
    if total_a == 0 or total_b == 0:
        return (math.nan,) * 4
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    difference = hits_a / total_a - hits_b / total_b
    low, high = confint_proportions_2indep(hits_a, total_a, hits_b, total_b, method="newcomb", compare="diff", alpha=alpha)
    pooled = (hits_a + hits_b) / (total_a + total_b)
    if pooled in (0.0, 1.0):  # every entity has the same outcome: there is no variance to test against
        p_value = math.nan
    else:
        _, p_value = proportions_ztest([hits_a, hits_b], [total_a, total_b], alternative="two-sided")
    return difference, float(low), float(high), float(p_value)
