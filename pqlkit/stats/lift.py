"""Lift: how much more often the doers of something reach an outcome than the others, and is it beyond chance.

The one home of the lift tests that the candidate steps (:func:`pqlkit.explore.rank_candidate_steps`)
and the discovery of an activation (:func:`pqlkit.discover_activation`) share:

- :func:`lift_tests`: the raw lift with Katz's 95 % log interval (statsmodels
  ``confint_proportions_2indep(method="log", compare="ratio")``) and Fisher's exact p-value (scipy).
- :func:`benjamini_hochberg`: p-values adjusted across every row tested (statsmodels ``multipletests``).
- :func:`mantel_haenszel_lift`: the lift pooled across strata (the Mantel–Haenszel risk ratio), its
  95 % interval (Greenland & Robins 1985 variance of its log) and the Cochran–Mantel–Haenszel test,
  for thousands of candidates at once in numpy; the same numbers as statsmodels' ``StratifiedTable``
  (``riskratio_pooled``, ``test_null_odds(correction=False)``), which loops one table at a time.

scipy and statsmodels are imported only when a function is called.
"""

from __future__ import annotations

import numpy as np

__all__ = ["lift_tests", "benjamini_hochberg", "mantel_haenszel_lift"]


def lift_tests(doers, paid_doers, n: int, n_paid: int, *, p_values: bool = True) -> dict[str, np.ndarray]:
    """Per row: the lift of the doers over the others, its 95 % Katz interval and Fisher's exact p-value.

    Parameters
    ----------
    doers, paid_doers : array-like of int
        Entities doing it, and those of them reaching the outcome.
    n, n_paid : int
        All entities judged, and those reaching the outcome.
    p_values : bool
        Compute Fisher's exact test (one call per row); False leaves ``p_value`` NaN.

    Returns
    -------
    dict of numpy arrays
        ``lift`` (NaN when a group is empty or nobody in either group reaches the outcome; inf when
        only the others never do), ``ci_low``, ``ci_high`` (NaN unless both groups have someone
        reaching the outcome), ``p_value`` (two-sided; NaN unless both groups and both outcomes
        exist), ``tested`` (bool: the p-value exists).
    """
    from scipy.stats import fisher_exact
    from statsmodels.stats.proportion import confint_proportions_2indep

    doers = np.asarray(doers, dtype=np.int64)
    paid_doers = np.asarray(paid_doers, dtype=np.int64)
    others, paid_others = n - doers, n_paid - paid_doers
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_doers = np.where(doers > 0, paid_doers / np.maximum(doers, 1), np.nan)
        rate_others = np.where(others > 0, paid_others / np.maximum(others, 1), np.nan)
        lift = rate_doers / rate_others
    lift = np.where((rate_doers == 0) & (rate_others == 0), np.nan, lift)
    tested = (doers > 0) & (others > 0) & (0 < n_paid < n)
    p_value = np.full(len(doers), np.nan)
    if p_values:
        for i in np.flatnonzero(tested):
            p_value[i] = fisher_exact([[paid_doers[i], doers[i] - paid_doers[i]],
                                       [paid_others[i], others[i] - paid_others[i]]]).pvalue
    low, high = np.full(len(doers), np.nan), np.full(len(doers), np.nan)
    bounded = tested & (paid_doers > 0) & (paid_others > 0)
    if bounded.any():
        low[bounded], high[bounded] = confint_proportions_2indep(
            paid_doers[bounded], doers[bounded], paid_others[bounded], others[bounded],
            method="log", compare="ratio", alpha=0.05)
    return {"lift": lift, "ci_low": low, "ci_high": high, "p_value": p_value, "tested": tested}


def benjamini_hochberg(p_values, *, alpha: float = 0.05) -> np.ndarray:
    """The Benjamini–Hochberg adjusted p-values of the rows with a p-value (NaN rows stay NaN, untested)."""
    from statsmodels.stats.multitest import multipletests

    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full(len(p_values), np.nan)
    tested = ~np.isnan(p_values)
    if tested.any():
        adjusted[tested] = multipletests(p_values[tested], alpha=alpha, method="fdr_bh")[1]
    return adjusted


def mantel_haenszel_lift(a, n1, c, n0) -> dict[str, np.ndarray]:
    """The lift pooled across strata, its 95 % interval and the Cochran–Mantel–Haenszel p-value, per row.

    Each row is one candidate; each column one stratum (for example entities with the same number of
    active days). In stratum i, ``a`` of the ``n1`` doers and ``c`` of the ``n0`` others reach the
    outcome.

    - Pooled lift (Mantel–Haenszel risk ratio): ``sum(a * n0 / N) / sum(c * n1 / N)``.
    - Its log's variance (Greenland & Robins 1985):
      ``sum((m1 * n1 * n0 - a * c * N) / N**2) / (sum(a * n0 / N) * sum(c * n1 / N))``, m1 = a + c.
    - The CMH test (no continuity correction): ``(sum(a - n1 m1 / N))**2 / sum(n1 n0 m1 m0 / (N**2 (N - 1)))``
      against chi-square with 1 degree of freedom.

    Strata with fewer than two entities, or without doers or others, add nothing.

    Returns
    -------
    dict of numpy arrays
        ``lift`` (NaN when no stratum informs it), ``ci_low``, ``ci_high``, ``statistic`` (the CMH
        chi-square), ``p_value``.
    """
    from scipy.stats import chi2

    a, n1, c, n0 = (np.atleast_2d(np.asarray(x, dtype=float)) for x in (a, n1, c, n0))
    total = n1 + n0
    informs = (total >= 2) & (n1 > 0) & (n0 > 0)
    size = np.where(informs, total, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        top = np.where(informs, a * n0 / size, 0).sum(axis=1)
        bottom = np.where(informs, c * n1 / size, 0).sum(axis=1)
        lift = np.where((top > 0) | (bottom > 0), top / bottom, np.nan)
        m1 = a + c
        m0 = total - m1
        spread = np.where(informs, (m1 * n1 * n0 - a * c * total) / size**2, 0).sum(axis=1)
        log_se = np.sqrt(spread / (top * bottom))
        low = np.where((top > 0) & (bottom > 0), np.exp(np.log(lift) - 1.959963984540054 * log_se), np.nan)
        high = np.where((top > 0) & (bottom > 0), np.exp(np.log(lift) + 1.959963984540054 * log_se), np.nan)
        expected = np.where(informs, n1 * m1 / size, 0)
        variance = np.where(informs, n1 * n0 * m1 * m0 / (size**2 * (size - 1)), 0).sum(axis=1)
        statistic = np.where(variance > 0, (np.where(informs, a, 0).sum(axis=1) - expected.sum(axis=1))**2 / variance,
                             np.nan)
    p_value = np.where(np.isnan(statistic), np.nan, chi2.sf(np.nan_to_num(statistic), 1))
    return {"lift": lift, "ci_low": low, "ci_high": high, "statistic": statistic, "p_value": p_value}
