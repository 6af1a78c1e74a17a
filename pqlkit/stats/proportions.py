"""The difference of two proportions: its interval and its test, shared by the group and change tests.

The test is the two-sided two-proportion z-test with the pooled variance, or Fisher's exact test
when the counts are too small for the normal approximation (an expected count under
``min_expected``, Cochran's rule of 5: docs/metrics.md#comparing-groups).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__: list[str] = []

#: Cochran's rule: below an expected count of 5 in a cell, the chi-square and z approximations are not trusted.
MIN_EXPECTED = 5.0


def smallest_expected(hits: ArrayLike, totals: ArrayLike) -> float:
    """The smallest expected count of the groups x (hit, miss) table under equal rates (NaN when empty).

    Examples
    --------
    >>> smallest_expected([1, 5], [1, 140])   # expected hits in the 1-entity group: 1 * 6 / 141
    0.0425531914893617
    """
    hits = np.asarray(hits, dtype=float)
    totals = np.asarray(totals, dtype=float)
    grand = totals.sum()
    if grand == 0:
        return math.nan
    share = hits.sum() / grand
    return float(min((totals * share).min(), (totals * (1 - share)).min()))


def two_proportions(hits_a: int, total_a: int, hits_b: int, total_b: int, *, alpha: float,
                    min_expected: float | None = None) -> tuple[float, float, float, float]:
    """Difference a - b, its Newcombe interval and a two-sided p-value (NaN where undefined).

    The p-value is the pooled two-proportion z-test's, or Fisher's exact test's
    (``scipy.stats.fisher_exact``) when ``min_expected`` is given and an expected count of the
    2 x 2 table is under it (see :func:`uses_exact_test`). ``min_expected=None`` always uses the z-test.
    """
    if total_a == 0 or total_b == 0:
        return (math.nan,) * 4
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    difference = hits_a / total_a - hits_b / total_b
    low, high = confint_proportions_2indep(hits_a, total_a, hits_b, total_b, method="newcomb", compare="diff", alpha=alpha)
    pooled = (hits_a + hits_b) / (total_a + total_b)
    if pooled in (0.0, 1.0):  # every entity has the same outcome: there is no variance to test against
        p_value = math.nan
    elif uses_exact_test(hits_a, total_a, hits_b, total_b, min_expected=min_expected):
        from scipy.stats import fisher_exact

        p_value = fisher_exact([[hits_a, total_a - hits_a], [hits_b, total_b - hits_b]]).pvalue
    else:
        _, p_value = proportions_ztest([hits_a, hits_b], [total_a, total_b], alternative="two-sided")
    return difference, float(low), float(high), float(p_value)


def uses_exact_test(hits_a: int, total_a: int, hits_b: int, total_b: int, *, min_expected: float | None) -> bool:
    """Whether :func:`two_proportions` uses Fisher's exact test: an expected count under ``min_expected``."""
    if min_expected is None:
        return False
    return bool(smallest_expected([hits_a, hits_b], [total_a, total_b]) < min_expected)
