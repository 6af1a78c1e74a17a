"""Do the rates of groups (segments, plans, cohorts) differ? One test across all, then each against the rest.

Overlapping confidence intervals are not a test (Schenker & Gentleman 2001): two 95 % intervals can
overlap while the difference is significant. The tests are chosen for the counts at hand
(docs/metrics.md#comparing-groups): groups under ``min_size`` entities are named and not judged;
where an expected count is under 5, a group is compared with the rest by Fisher's exact test and the
groups with one another by a Monte-Carlo chi-square; two groups get one test, not two copies of
it. scipy and statsmodels are imported only when :func:`compare_groups` is called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pqlkit.stats.proportions import MIN_EXPECTED, smallest_expected, two_proportions, uses_exact_test

__all__ = ["GroupComparison", "compare_groups", "MIN_GROUP_SIZE"]

#: Groups with fewer entities are named and not judged: with 9 or fewer, a rate's 95 % Wilson
#: interval is at least 50 points wide around one half, so no gap could be read from it.
MIN_GROUP_SIZE = 10

CHI_SQUARE = "chi-square"
MONTE_CARLO = "chi-square with a Monte-Carlo p-value"
Z_TEST = "two-proportion z-test"
FISHER = "Fisher's exact test"


@dataclass(frozen=True)
class GroupComparison:
    """The result of :func:`compare_groups`: one test across the judged groups, and each against the rest.

    Attributes
    ----------
    statistic : float
        Pearson's chi-square across the judged groups (no continuity correction, so that with two
        groups it is the square of the two-proportion z statistic). NaN when fewer than two groups
        are judged, or when every entity judged has the same outcome.
    p_value : float
        The p-value of the test across the judged groups, by ``test`` (NaN where ``statistic`` is).
    dof : int
        Degrees of freedom: the number of groups judged - 1 (0 when nothing is tested).
    alpha : float
        The significance level used.
    significant : bool
        ``p_value < alpha``: the rates differ somewhere across the judged groups.
    table : pandas.DataFrame
        One row per group, see :func:`compare_groups`.
    test : str
        The test across the groups: ``"chi-square"``, ``"chi-square with a Monte-Carlo p-value"``
        (an expected count under ``min_expected``, more than two groups), or with two groups the
        one test of the one comparison, ``"two-proportion z-test"`` or ``"Fisher's exact test"``;
        ``""`` when nothing is tested.
    groups_judged : int
        The groups with at least ``min_size`` entities, the ones tested.
    too_small : tuple of str
        The groups with entities but fewer than ``min_size``: named, not judged.
    min_size : int
        The minimum group size used.
    """

    statistic: float
    p_value: float
    dof: int
    alpha: float
    significant: bool
    table: pd.DataFrame
    test: str = ""
    groups_judged: int = 0
    too_small: tuple[str, ...] = ()
    min_size: int = MIN_GROUP_SIZE


def compare_groups(
    table: pd.DataFrame,
    *,
    group: str,
    hits: str,
    total: str,
    alpha: float = 0.05,
    method: str = "holm",
    min_size: int = MIN_GROUP_SIZE,
    min_expected: float = MIN_EXPECTED,
    resamples: int = 9_999,
    seed: int = 0,
) -> GroupComparison:
    """Do the rates of segments, plans or cohorts differ? A test across the groups, then each against the rest.

    Groups under ``min_size`` entities are listed in ``too_small`` and not judged. Across the judged
    groups: Pearson's chi-square (``scipy.stats.chi2_contingency``, no continuity correction), with a
    Monte-Carlo p-value from ``resamples`` tables of the same margins (``MonteCarloMethod``, seeded)
    when an expected count is under ``min_expected``. Each judged group against the other judged
    groups pooled ("the rest"): the difference with its Newcombe interval (statsmodels
    ``confint_proportions_2indep``), and the pooled z-test (``proportions_ztest``), or Fisher's exact
    test (``scipy.stats.fisher_exact``) when an expected count of that 2 x 2 table is under
    ``min_expected``, corrected over the groups (``multipletests``, Holm by default). With two
    groups, "A against the rest" and "B against the rest" are one test, also the test across: not corrected.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per group, with the counts; not modified.
    group : str
        The column naming the group (values unique).
    hits : str
        The column of entities that reached the outcome (for example PQLs).
    total : str
        The column of entities in the group (>= ``hits``). Groups with a total of 0 are listed with
        NaN figures and left out of every test.
    alpha : float
        Significance level; the intervals are two-sided ``1 - alpha`` ones (0.05: 95 %).
    method : str
        The multiple-comparison correction, any ``method`` of ``statsmodels.stats.multitest.multipletests``.
    min_size : int
        Groups with fewer entities are named and not judged (default :data:`MIN_GROUP_SIZE`, 10).
    min_expected : float
        Below this expected count the exact (2 x 2) or Monte-Carlo (across) p-value is used (5,
        Cochran's rule).
    resamples, seed : int
        The Monte-Carlo p-value's number of tables and the seed of its ``numpy.random.default_rng``.

    Returns
    -------
    GroupComparison
        The test across (``statistic``, ``p_value``, ``dof``, ``significant``, ``test``),
        ``too_small``, and ``table``, one row per group in the input order, with columns:

        - ``group``, ``hits``, ``total``: as given (under the caller's column names).
        - ``rate``: hits / total.
        - ``judged``: the group has at least ``min_size`` entities.
        - ``rest_rate``: the rate of all the other judged groups pooled.
        - ``difference``: rate - rest_rate (judged groups only).
        - ``diff_ci_low``, ``diff_ci_high``: Newcombe's interval of the difference.
        - ``test``: ``"two-proportion z-test"`` or ``"Fisher's exact test"`` ("" where none).
        - ``p_value``: that test of the group against the rest.
        - ``p_adjusted``: after the correction over the judged groups (equal to ``p_value`` with two).
        - ``significant``: ``p_adjusted < alpha`` (False where there is no p-value).

        The figures are NaN for a group not judged, where the rest has none (a single group), and
        (p-values) where every entity in the comparison has the same outcome.

    Examples
    --------
    >>> counts = pd.DataFrame({"plan": ["team", "free"], "pqls": [60, 40], "users": [200, 200]})
    >>> result = compare_groups(counts, group="plan", hits="pqls", total="users")
    >>> round(result.p_value, 4), result.significant, result.test
    (0.0209, True, 'two-proportion z-test')
    >>> result.table[["plan", "rate", "difference", "p_adjusted", "significant"]].round(4)
       plan  rate  difference  p_adjusted  significant
    0  team   0.3         0.1      0.0209         True
    1  free   0.2        -0.1      0.0209         True
    """
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1, but {alpha!r} was passed.")
    if min_size < 1:
        raise ValueError(f"`min_size` must be a whole number >= 1, but {min_size!r} was passed.")
    _check_counts(table, group=group, hits=hits, total=total)
    hit_counts = table[hits].to_numpy(dtype="int64")
    totals = table[total].to_numpy(dtype="int64")
    judged = totals >= min_size
    too_small = tuple(str(name) for name, n in zip(table[group], totals) if 0 < n < min_size)
    statistic, p_value, dof, test = _across(hit_counts[judged], totals[judged], min_expected=min_expected,
                                            resamples=resamples, seed=seed)
    rows = _against_the_rest(hit_counts, totals, judged, alpha=alpha, min_expected=min_expected)
    out = pd.concat([table[[group, hits, total]].reset_index(drop=True), pd.DataFrame(rows, index=range(len(rows)))], axis=1)
    # Two groups: one comparison, the same test seen from either side and the test across; no correction.
    out["p_adjusted"] = out["p_value"] if judged.sum() == 2 else _adjusted(out["p_value"], alpha=alpha, method=method)
    out["significant"] = (out["p_adjusted"] < alpha).astype(bool)
    return GroupComparison(statistic=statistic, p_value=p_value, dof=dof, alpha=alpha, significant=bool(p_value < alpha),
                           table=out, test=test, groups_judged=int(judged.sum()), too_small=too_small, min_size=min_size)


def _check_counts(table: pd.DataFrame, *, group: str, hits: str, total: str) -> None:
    """Refuse a missing column, a repeated group, or counts that are not 0 <= hits <= total."""
    missing = [name for name in (group, hits, total) if name not in table.columns]
    if missing:
        raise ValueError(f"compare_groups: no column {missing[0]!r} in the table; its columns are {list(table.columns)}.")
    if table[group].duplicated().any():
        repeated = table.loc[table[group].duplicated(), group].iloc[0]
        raise ValueError(f"compare_groups: group {repeated!r} appears more than once in column {group!r}; sum its counts first.")
    counts = table[[hits, total]]
    if counts.isna().any().any() or (counts < 0).any().any() or (table[hits] > table[total]).any():
        raise ValueError(
            f"compare_groups: {hits!r} and {total!r} must be counts with 0 <= {hits} <= {total}; "
            "check the rows with missing or inconsistent values."
        )


def _across(hit_counts: np.ndarray, totals: np.ndarray, *, min_expected: float, resamples: int,
            seed: int) -> tuple[float, float, int, str]:
    """The test across the judged groups: statistic, p-value, dof and the test's name (NaN, NaN, 0, "" when untestable)."""
    if len(totals) < 2 or not 0 < hit_counts.sum() < totals.sum():
        return math.nan, math.nan, 0, ""
    from scipy.stats import MonteCarloMethod, chi2_contingency, fisher_exact

    observed = np.column_stack([hit_counts, totals - hit_counts])
    result = chi2_contingency(observed, correction=False)
    statistic, p_value, dof = float(result.statistic), float(result.pvalue), int(result.dof)
    small = smallest_expected(hit_counts, totals) < min_expected
    if len(totals) == 2:
        if small:
            return statistic, float(fisher_exact(observed).pvalue), dof, FISHER
        return statistic, p_value, dof, Z_TEST  # Pearson's chi-square on 2 x 2 without correction is z squared
    if small:
        method = MonteCarloMethod(n_resamples=resamples, rng=np.random.default_rng(seed))
        p_value = float(chi2_contingency(observed, correction=False, method=method).pvalue)
        return statistic, p_value, dof, MONTE_CARLO
    return statistic, p_value, dof, CHI_SQUARE


def _against_the_rest(hit_counts: np.ndarray, totals: np.ndarray, judged: np.ndarray, *, alpha: float,
                      min_expected: float) -> list[dict]:
    """Each judged group against all the other judged groups pooled: the rates, the difference, its interval and test."""
    judged_hits, judged_total = int(hit_counts[judged].sum()), int(totals[judged].sum())
    rows = []
    for group_hits, group_total, is_judged in zip(hit_counts, totals, judged):
        rest_hits = judged_hits - int(group_hits) * is_judged
        rest_total = judged_total - int(group_total) * is_judged
        figures, test = (math.nan,) * 4, ""
        if is_judged and rest_total:
            figures = two_proportions(int(group_hits), int(group_total), rest_hits, rest_total, alpha=alpha,
                                      min_expected=min_expected)
            if not math.isnan(figures[3]):
                exact = uses_exact_test(int(group_hits), int(group_total), rest_hits, rest_total, min_expected=min_expected)
                test = FISHER if exact else Z_TEST
        difference, low, high, p = figures
        rows.append({
            "rate": group_hits / group_total if group_total else math.nan,
            "judged": bool(is_judged),
            "rest_rate": rest_hits / rest_total if rest_total else math.nan,
            "difference": difference,
            "diff_ci_low": low,
            "diff_ci_high": high,
            "test": test,
            "p_value": p,
        })
    return rows


def _adjusted(p_values: pd.Series, *, alpha: float, method: str) -> pd.Series:
    """The p-values corrected for the number of groups tested (NaN where there is no p-value)."""
    adjusted = pd.Series(math.nan, index=p_values.index)
    has_p = p_values.notna().to_numpy()
    if has_p.any():
        from statsmodels.stats.multitest import multipletests

        adjusted.loc[has_p] = multipletests(p_values.loc[has_p].to_numpy(), alpha=alpha, method=method)[1]
    return adjusted
