"""Do the rates of groups (segments, plans, cohorts) differ? One test across all, then each against the rest.

Overlapping confidence intervals are not a test (Schenker & Gentleman 2001): two 95 % intervals can
overlap while the difference is significant. scipy and statsmodels are imported only when
:func:`compare_groups` is called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pqlkit.stats.proportions import two_proportions

__all__ = ["GroupComparison", "compare_groups"]


@dataclass(frozen=True)
class GroupComparison:
    """The result of :func:`compare_groups`: one test across all groups, and each group against the rest.

    Attributes
    ----------
    statistic : float
        Pearson's chi-square across the groups (groups with a total of 0 left out; no continuity
        correction, so that with two groups it is the square of the two-proportion z statistic).
        NaN when fewer than two groups have entities, or when every entity has the same outcome.
    p_value : float
        Its p-value (NaN where ``statistic`` is).
    dof : int
        Degrees of freedom: the number of groups tested - 1 (0 when nothing is tested).
    alpha : float
        The significance level used.
    significant : bool
        ``p_value < alpha``: the rates differ somewhere across the groups.
    table : pandas.DataFrame
        One row per group, see :func:`compare_groups`.
    """

    statistic: float
    p_value: float
    dof: int
    alpha: float
    significant: bool
    table: pd.DataFrame


def compare_groups(
    table: pd.DataFrame,
    *,
    group: str,
    hits: str,
    total: str,
    alpha: float = 0.05,
    method: str = "holm",
) -> GroupComparison:
    """Do the rates of segments, plans or cohorts differ? A chi-square test, then each group against the rest.

    The overall question is answered by Pearson's chi-square test of the groups x (hit, miss) table
    (``scipy.stats.chi2_contingency``, no continuity correction). Each group is then compared with
    all the other groups pooled ("the rest"): the difference of the two rates with its Newcombe
    hybrid score interval (``statsmodels ... confint_proportions_2indep(method="newcomb")``, built
    from the two Wilson intervals), and a two-sided two-proportion z-test with the pooled variance
    (``statsmodels ... proportions_ztest``), whose p-values are corrected for the number of groups
    tested (``statsmodels ... multipletests``, Holm by default). A group is significant only when
    its corrected p-value is below ``alpha``: comparing the best group with the worst, or looking
    at whether intervals overlap, is not a test.

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

    Returns
    -------
    GroupComparison
        The overall test (``statistic``, ``p_value``, ``dof``, ``significant``) and ``table``, one
        row per group in the input order, with columns:

        - ``group``, ``hits``, ``total``: as given (under the caller's column names).
        - ``rate``: hits / total.
        - ``rest_rate``: the rate of all the other groups pooled.
        - ``difference``: rate - rest_rate.
        - ``diff_ci_low``, ``diff_ci_high``: Newcombe's interval of the difference.
        - ``p_value``: the two-proportion z-test of the group against the rest.
        - ``p_adjusted``: after the correction, over the groups with a p-value.
        - ``significant``: ``p_adjusted < alpha`` (False where there is no p-value).

        The figures are NaN for a group with no entities, where the rest has none (a single group),
        and (p-values) where every entity in the comparison has the same outcome.

    Examples
    --------
    >>> counts = pd.DataFrame({"plan": ["team", "free"], "pqls": [60, 40], "users": [200, 200]})
    >>> result = compare_groups(counts, group="plan", hits="pqls", total="users")
    >>> round(result.p_value, 4), result.significant
    (0.0209, True)
    >>> result.table[["plan", "rate", "difference", "p_adjusted", "significant"]].round(4)
       plan  rate  difference  p_adjusted  significant
    0  team   0.3         0.1      0.0418         True
    1  free   0.2        -0.1      0.0418         True
    """
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1, but {alpha!r} was passed.")
    _check_counts(table, group=group, hits=hits, total=total)
    hit_counts = table[hits].to_numpy(dtype="int64")
    totals = table[total].to_numpy(dtype="int64")
    statistic, p_value, dof = _chi_square(hit_counts, totals)
    rows = _against_the_rest(hit_counts, totals, alpha=alpha)
    out = pd.concat([table[[group, hits, total]].reset_index(drop=True), pd.DataFrame(rows, index=range(len(rows)))], axis=1)
    out["p_adjusted"] = _adjusted(out["p_value"], alpha=alpha, method=method)
    out["significant"] = (out["p_adjusted"] < alpha).astype(bool)
    return GroupComparison(
        statistic=statistic,
        p_value=p_value,
        dof=dof,
        alpha=alpha,
        significant=bool(p_value < alpha),
        table=out,
    )


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


def _chi_square(hit_counts: np.ndarray, totals: np.ndarray) -> tuple[float, float, int]:
    """Pearson's chi-square across the groups with entities: statistic, p-value, dof (NaN, NaN, 0 when untestable)."""
    tested = totals > 0
    statistic, p_value, dof = math.nan, math.nan, 0
    tested_hits, tested_totals = hit_counts[tested], totals[tested]
    if tested.sum() >= 2 and 0 < tested_hits.sum() < tested_totals.sum():
        from scipy.stats import chi2_contingency

        result = chi2_contingency(np.column_stack([tested_hits, tested_totals - tested_hits]), correction=False)
        statistic, p_value, dof = float(result.statistic), float(result.pvalue), int(result.dof)
    return statistic, p_value, dof


def _against_the_rest(hit_counts: np.ndarray, totals: np.ndarray, *, alpha: float) -> list[dict[str, float]]:
    """Each group against all the others pooled: the two rates, the difference, its interval and p-value."""
    all_hits, all_total = int(hit_counts.sum()), int(totals.sum())
    rows = []
    for group_hits, group_total in zip(hit_counts, totals):
        rest_hits, rest_total = all_hits - int(group_hits), all_total - int(group_total)
        difference, low, high, p = two_proportions(int(group_hits), int(group_total), rest_hits, rest_total, alpha=alpha)
        rows.append({
            "rate": group_hits / group_total if group_total else math.nan,
            "rest_rate": rest_hits / rest_total if rest_total else math.nan,
            "difference": difference,
            "diff_ci_low": low,
            "diff_ci_high": high,
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
