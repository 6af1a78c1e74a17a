"""Is the change of a headline figure between two reports beyond noise? A rate, or a count.

Both tests assume that the two reports measure **disjoint** groups: new signups in two windows that
do not overlap, the signups who reached a fixed age in two such windows. Two running totals (the
later containing the earlier) are not independent samples and must not be tested here.
:func:`adjust_for_several` corrects the p-values of the several changes one comparison judges.
scipy and statsmodels are imported only when one of these functions is called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pqlkit.stats.proportions import two_proportions

__all__ = ["NoiseCheck", "adjust_for_several", "change_beyond_noise", "count_change_beyond_noise"]


@dataclass(frozen=True)
class NoiseCheck:
    """Is the change of a headline figure between two reports beyond noise?

    Attributes
    ----------
    before, after : float
        The figure in the earlier and in the later report (a rate, or a count).
    difference : float
        ``after - before``.
    ci_low, ci_high : float
        For a rate, the ``1 - alpha`` interval of the difference (Newcombe); NaN for a count.
    p_value : float
        Two-sided p-value of the test named in ``test``; NaN where there is nothing to test.
    alpha : float
        The significance level.
    beyond_noise : bool
        ``p_value < alpha``.
    test : str
        The test used, in words, for a footnote.
    """

    before: float
    after: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    alpha: float
    beyond_noise: bool
    test: str


def change_beyond_noise(
    before_hits: int,
    before_total: int,
    after_hits: int,
    after_total: int,
    *,
    alpha: float = 0.05,
) -> NoiseCheck:
    """Whether a rate (such as the PQL rate) changed between two reports by more than chance would.

    The two groups are taken as independent samples: a two-sided two-proportion z-test with the
    pooled variance (``statsmodels ... proportions_ztest``) and Newcombe's interval of the
    difference (``confint_proportions_2indep(method="newcomb")``). Pass disjoint groups (for
    example the signups who reached day 14 in each report's last four weeks), not two all-time
    rates whose later denominator contains the earlier one.

    Parameters
    ----------
    before_hits, before_total : int
        The earlier report's numerator and denominator (for example raw PQLs and entities).
    after_hits, after_total : int
        The later report's.
    alpha : float
        Significance level (and ``1 - alpha`` interval).

    Returns
    -------
    NoiseCheck
        ``before`` and ``after`` are the two rates (NaN for a total of 0); ``p_value`` is NaN, and
        ``beyond_noise`` False, where either total is 0 or every entity has the same outcome.

    Examples
    --------
    >>> check = change_beyond_noise(40, 200, 60, 200)
    >>> round(check.difference, 3), round(check.p_value, 4), check.beyond_noise
    (0.1, 0.0209, True)
    """
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1, but {alpha!r} was passed.")
    for hits, total, which in ((before_hits, before_total, "before"), (after_hits, after_total, "after")):
        if not 0 <= hits <= total:
            raise ValueError(f"change_beyond_noise: the {which} counts must satisfy 0 <= hits <= total, but {hits} of {total} was passed.")
    difference, low, high, p_value = two_proportions(
        int(after_hits), int(after_total), int(before_hits), int(before_total), alpha=alpha
    )
    return NoiseCheck(
        before=before_hits / before_total if before_total else math.nan,
        after=after_hits / after_total if after_total else math.nan,
        difference=difference,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        alpha=alpha,
        beyond_noise=bool(p_value < alpha),
        test="two-proportion z-test (pooled), Newcombe interval of the difference",
    )


def count_change_beyond_noise(
    before: int,
    after: int,
    *,
    before_exposure: float = 1.0,
    after_exposure: float = 1.0,
    alpha: float = 0.05,
) -> NoiseCheck:
    """Whether a count (such as new PQLs in a period) changed by more than Poisson noise would.

    The rule: each count is taken as Poisson with a rate per unit of exposure (weeks, or entities);
    with equal rates, and given the sum ``n = before + after``, ``after`` is binomial with ``n`` trials
    and probability ``after_exposure / (before_exposure + after_exposure)``. The p-value is that
    binomial's exact two-sided test (``scipy.stats.binomtest``), the conditional test of Przyborowski
    & Wilenski (1940).

    Parameters
    ----------
    before, after : int
        The counts in the earlier and the later report.
    before_exposure, after_exposure : float
        What each count was collected over, in one unit (for example 4 weeks and 5 weeks); equal by
        default.
    alpha : float
        Significance level.

    Returns
    -------
    NoiseCheck
        ``before`` and ``after`` are the counts, ``difference`` is ``after - before``, the interval
        fields are NaN; ``p_value`` is NaN (and ``beyond_noise`` False) when both counts are 0.

    Examples
    --------
    >>> count_change_beyond_noise(10, 25).beyond_noise, count_change_beyond_noise(10, 20).beyond_noise
    (True, False)
    """
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1, but {alpha!r} was passed.")
    if before < 0 or after < 0:
        raise ValueError(f"count_change_beyond_noise: counts must be >= 0, but {before} and {after} were passed.")
    if not (before_exposure > 0 and after_exposure > 0):
        raise ValueError(
            f"count_change_beyond_noise: exposures must be > 0, but {before_exposure} and {after_exposure} were passed."
        )
    p_value = math.nan
    if before + after > 0:
        from scipy.stats import binomtest

        share = after_exposure / (before_exposure + after_exposure)
        p_value = float(binomtest(int(after), int(before + after), share, alternative="two-sided").pvalue)
    return NoiseCheck(
        before=float(before),
        after=float(after),
        difference=float(after - before),
        ci_low=math.nan,
        ci_high=math.nan,
        p_value=p_value,
        alpha=alpha,
        beyond_noise=bool(p_value < alpha),
        test="exact conditional binomial test of two Poisson counts",
    )


def adjust_for_several(p_values, *, alpha: float = 0.05, method: str = "holm") -> list[tuple[float, bool]]:
    """P-values of several changes judged together, adjusted so that a steady product gets *any*
    "beyond noise" with probability at most ``alpha``.

    Parameters
    ----------
    p_values : sequence of float
        One per change; NaN where there was nothing to test (kept NaN, never beyond noise).
    alpha : float
        Family-wise significance level.
    method : str
        Any ``method`` of ``statsmodels.stats.multitest.multipletests``; Holm by default (valid
        whatever the dependence between the tests).

    Returns
    -------
    list of (float, bool)
        Per change, in order: the adjusted p-value and whether it is below ``alpha``.

    Examples
    --------
    >>> [(round(p, 3), beyond) for p, beyond in adjust_for_several([0.01, 0.04, float("nan")])]
    [(0.02, True), (0.04, True), (nan, False)]
    """
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1, but {alpha!r} was passed.")
    values = [float(p) for p in p_values]
    tested = [i for i, p in enumerate(values) if math.isfinite(p)]
    adjusted = [math.nan] * len(values)
    if tested:
        from statsmodels.stats.multitest import multipletests

        corrected = multipletests([values[i] for i in tested], alpha=alpha, method=method)[1]
        for i, p in zip(tested, corrected):
            adjusted[i] = float(p)
    return [(p, bool(math.isfinite(p) and p < alpha)) for p in adjusted]
