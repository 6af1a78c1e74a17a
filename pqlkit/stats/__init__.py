"""Statistics behind the sentences: Kaplan–Meier estimates and tests for gaps and changes in rates.

Two parts:

- **Kaplan–Meier** (:func:`km_table`, :func:`km_median`, :func:`km_time_to_share`,
  :func:`km_share_by`), in numpy only so that the summary needs neither lifelines nor scipy. The
  estimate and its interval follow lifelines' ``KaplanMeierFitter`` (exponential Greenwood,
  "log(-log)" interval); a censored time equal to an event time is still at risk at that time, as in
  lifelines and R's survival. Durations are in whatever unit the caller uses (pqlkit: days since
  signup, see docs/metrics.md#metrics).
- **Comparing rates** (:func:`compare_groups`, :func:`change_beyond_noise`,
  :func:`count_change_beyond_noise`), with the tests from scipy and statsmodels, imported only when
  one of these functions is called. Overlapping confidence intervals are not a test (Schenker &
  Gentleman 2001): two 95 % intervals can overlap while the difference is significant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = [
    "KM_TOLERANCE",
    "km_table",
    "km_median",
    "km_time_to_share",
    "km_share_by",
    "GroupComparison",
    "compare_groups",
    "NoiseCheck",
    "change_beyond_noise",
    "count_change_beyond_noise",
]

#: Tolerance on the survival estimate when looking for the time it reaches a level: a curve that
#: lands exactly on 0.5 counts there, whatever the float rounding (docs/metrics.md#metrics).
KM_TOLERANCE = 1e-9

_KM_COLUMNS = ["time", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"]


# --- Kaplan–Meier ------------------------------------------------------------------------------


def _km_inputs(durations: ArrayLike, observed: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Durations as floats and the event flags as booleans, checked once."""
    times, flags = np.asarray(durations, dtype=float), np.asarray(observed)
    if times.ndim != 1 or flags.ndim != 1:
        raise ValueError("`durations` and `observed` must be one-dimensional (a column, a list or a 1-D array).")
    if times.shape != flags.shape:
        raise ValueError(
            f"`durations` and `observed` must have the same length, but {times.size} durations and "
            f"{flags.size} flags were passed."
        )
    if not np.isfinite(times).all():
        raise ValueError(
            f"`durations` must be finite numbers, but {int((~np.isfinite(times)).sum())} are missing or "
            "infinite; give censored entities the time they have been observed (docs/metrics.md#metrics)."
        )
    if (times < 0).any():
        raise ValueError(f"`durations` must be >= 0, but the smallest is {times.min()!r}.")
    if flags.dtype != bool:
        values = pd.Series(flags)
        if values.isna().any() or not values.isin([0, 1]).all():
            raise ValueError("`observed` must hold booleans (or 0/1): True where the event happened, False where censored.")
        flags = values.to_numpy().astype(bool)
    return times, flags


def _km_estimate(times: np.ndarray, flags: np.ndarray, *, alpha: float | None) -> dict[str, np.ndarray]:
    """Product-limit estimate at each distinct observed time, with lifelines' interval (unless alpha is None)."""
    order = np.argsort(times, kind="stable")
    ordered = times[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    distinct = ordered[starts]
    events = np.add.reduceat(flags[order].astype("int64"), starts)
    removed = np.diff(np.append(starts, ordered.size))
    # Everyone whose time is >= t is at risk at t: a censored time equal to an event time counts.
    at_risk = ordered.size - starts
    survival = np.cumprod(1.0 - events / at_risk)
    estimate = {"time": distinct, "at_risk": at_risk, "events": events, "censored": removed - events, "survival": survival}
    if alpha is None:
        return estimate
    # Greenwood's sum; a step that ends the curve (at_risk == events) adds nothing, as in lifelines.
    survivors = at_risk - events
    greenwood = np.cumsum(np.divide(events, at_risk * survivors, out=np.zeros(distinct.size), where=survivors > 0))
    z = NormalDist().inv_cdf(1 - alpha / 2)
    low, high = np.ones(distinct.size), np.ones(distinct.size)
    inside = (survival > 0) & (survival < 1)
    log_survival = np.log(survival[inside])
    spread = z * np.sqrt(greenwood[inside]) / log_survival
    low[inside] = np.exp(-np.exp(np.log(-log_survival) - spread))
    high[inside] = np.exp(-np.exp(np.log(-log_survival) + spread))
    low[survival == 0], high[survival == 0] = 0.0, 0.0
    return {**estimate, "ci_low": low, "ci_high": high}


def km_table(durations: ArrayLike, observed: ArrayLike, *, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan–Meier (product-limit) estimate of survival, one row per distinct observed time.

    Parameters
    ----------
    durations : array-like of float
        Time to the event, or the time observed so far for a censored entity (>= 0, no missing).
    observed : array-like of bool
        True where the event happened at ``durations``, False where the entity is censored there.
    alpha : float
        The interval is the two-sided ``1 - alpha`` one (0.05: 95 %).

    Returns
    -------
    pandas.DataFrame
        One row per distinct value of ``durations`` (event or censoring), ascending; the rows with
        ``events > 0`` are the event times, where the estimate steps down.

        - ``time``: the duration.
        - ``at_risk``: entities whose duration is >= ``time`` (a censored time equal to an event
          time is at risk at that time).
        - ``events``: events at ``time``.
        - ``censored``: censored at ``time``.
        - ``survival``: the product-limit estimate S(time) = prod over t_i <= time of
          (1 - events_i / at_risk_i).
        - ``ci_low``, ``ci_high``: the interval of lifelines' ``KaplanMeierFitter``: exponential
          Greenwood ("log(-log)"), exp(-exp(log(-log S) -/+ z * sqrt(V) / log S)) with Greenwood's
          V = sum of events_i / (at_risk_i * (at_risk_i - events_i)). Both bounds are 1 before the
          first event and 0 once the estimate is 0.

        Empty (with these columns) when no durations are given.

    Examples
    --------
    >>> km_table([1, 2, 2, 3], [True, True, False, False])[["time", "at_risk", "events", "survival"]]
       time  at_risk  events  survival
    0   1.0        4       1      0.75
    1   2.0        3       1      0.50
    2   3.0        1       0      0.50
    """
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1, but {alpha!r} was passed.")
    times, flags = _km_inputs(durations, observed)
    if times.size == 0:
        return pd.DataFrame({
            name: pd.Series([], dtype="int64" if name in ("at_risk", "events", "censored") else float)
            for name in _KM_COLUMNS
        })
    return pd.DataFrame(_km_estimate(times, flags, alpha=alpha), columns=_KM_COLUMNS)


def km_time_to_share(durations: ArrayLike, observed: ArrayLike, *, share: float, tolerance: float = KM_TOLERANCE) -> float | None:
    """The time by which a given share of the entities had the event, by Kaplan–Meier.

    Parameters
    ----------
    durations, observed
        As in :func:`km_table`.
    share : float
        The share, in (0, 1]: 0.10 for "the time by which 10 % reached PQL", 0.5 for the median.
    tolerance : float
        Slack on the estimate: the time is the smallest event time with
        ``1 - S(t) >= share - tolerance``, so that a curve landing exactly on the level counts there
        whatever the float rounding.

    Returns
    -------
    float or None
        That event time; None where the estimate never gets there (or no durations are given).

    Examples
    --------
    >>> km_time_to_share([1, 2, 3, 4], [True, True, True, True], share=0.25)
    1.0
    >>> km_time_to_share([1, 2, 3, 4], [True, False, False, False], share=0.5) is None
    True
    """
    if not 0 < share <= 1:
        raise ValueError(f"`share` must be in (0, 1], but {share!r} was passed.")
    times, flags = _km_inputs(durations, observed)
    if times.size == 0:
        return None
    estimate = _km_estimate(times, flags, alpha=None)
    # S only steps down at event times, so the first time it is low enough is one.
    reached = np.flatnonzero(estimate["survival"] <= 1 - share + tolerance)
    return float(estimate["time"][reached[0]]) if reached.size else None


def km_median(durations: ArrayLike, observed: ArrayLike, *, tolerance: float = KM_TOLERANCE) -> float | None:
    """Kaplan–Meier median: the smallest event time at which the survival estimate is <= 0.5.

    Parameters
    ----------
    durations, observed
        As in :func:`km_table`.
    tolerance : float
        The estimate counts as <= 0.5 when it is <= 0.5 + ``tolerance`` (docs/metrics.md#metrics).

    Returns
    -------
    float or None
        The median; None where the estimate never gets down to 0.5.

    Examples
    --------
    Two entities, one event at t=1 and one censored later: the curve lands exactly on 0.5 at 1.

    >>> km_median([1, 5], [True, False])
    1.0
    """
    return km_time_to_share(durations, observed, share=0.5, tolerance=tolerance)


def km_share_by(durations: ArrayLike, observed: ArrayLike, *, days: Sequence[float] = (7, 14, 30), alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan–Meier share of the entities that had the event by each of the given days.

    Parameters
    ----------
    durations, observed
        As in :func:`km_table` (pqlkit: days since signup to PQL, non-PQLs censored at their age).
    days : sequence of float
        The days to read the curve at; the estimate at a day includes the events on that day.
    alpha : float
        The interval is the two-sided ``1 - alpha`` one.

    Returns
    -------
    pandas.DataFrame
        One row per day, in the order given:

        - ``day``: the day.
        - ``share``: 1 - S(day).
        - ``ci_low``, ``ci_high``: 1 minus the bounds of :func:`km_table`'s interval.

        ``share`` is 0 (interval 0 to 0) before the first event. The share and its interval are NaN
        for a day past the longest duration while the estimate is still above 0 (nobody was
        observed that long, as R's ``summary.survfit(times=...)`` leaves such times out), and for
        every day when no durations are given.

    Examples
    --------
    >>> km_share_by([2, 3, 9, 40], [True, False, True, False], days=(7, 30, 60))[["day", "share"]]
       day  share
    0    7  0.250
    1   30  0.625
    2   60    NaN
    """
    times, flags = _km_inputs(durations, observed)
    days = list(days)
    share = np.full(len(days), np.nan)
    low, high = share.copy(), share.copy()
    if times.size:
        estimate = _km_estimate(times, flags, alpha=alpha)
        for i, day in enumerate(days):
            before = np.searchsorted(estimate["time"], day, side="right") - 1
            if before < 0:
                share[i], low[i], high[i] = 0.0, 0.0, 0.0
            elif day <= estimate["time"][-1] or estimate["survival"][-1] == 0:
                share[i] = 1 - estimate["survival"][before]
                low[i], high[i] = 1 - estimate["ci_high"][before], 1 - estimate["ci_low"][before]
    return pd.DataFrame({"day": days, "share": share, "ci_low": low, "ci_high": high})


# --- comparing proportions ---------------------------------------------------------------------


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


def _two_proportions(hits_a: int, total_a: int, hits_b: int, total_b: int, *, alpha: float) -> tuple[float, float, float, float]:
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
    hit_counts = table[hits].to_numpy(dtype="int64")
    totals = table[total].to_numpy(dtype="int64")

    tested = totals > 0
    statistic, p_value, dof = math.nan, math.nan, 0
    tested_hits, tested_totals = hit_counts[tested], totals[tested]
    if tested.sum() >= 2 and 0 < tested_hits.sum() < tested_totals.sum():
        from scipy.stats import chi2_contingency

        result = chi2_contingency(np.column_stack([tested_hits, tested_totals - tested_hits]), correction=False)
        statistic, p_value, dof = float(result.statistic), float(result.pvalue), int(result.dof)

    all_hits, all_total = int(hit_counts.sum()), int(totals.sum())
    rows = []
    for group_hits, group_total in zip(hit_counts, totals):
        rest_hits, rest_total = all_hits - int(group_hits), all_total - int(group_total)
        difference, low, high, p = _two_proportions(int(group_hits), int(group_total), rest_hits, rest_total, alpha=alpha)
        rows.append({
            "rate": group_hits / group_total if group_total else math.nan,
            "rest_rate": rest_hits / rest_total if rest_total else math.nan,
            "difference": difference,
            "diff_ci_low": low,
            "diff_ci_high": high,
            "p_value": p,
        })
    out = pd.concat([table[[group, hits, total]].reset_index(drop=True), pd.DataFrame(rows, index=range(len(rows)))], axis=1)
    out["p_adjusted"] = math.nan
    has_p = out["p_value"].notna().to_numpy()
    if has_p.any():
        from statsmodels.stats.multitest import multipletests

        out.loc[has_p, "p_adjusted"] = multipletests(out.loc[has_p, "p_value"].to_numpy(), alpha=alpha, method=method)[1]
    out["significant"] = (out["p_adjusted"] < alpha).astype(bool)
    return GroupComparison(
        statistic=statistic,
        p_value=p_value,
        dof=dof,
        alpha=alpha,
        significant=bool(p_value < alpha),
        table=out,
    )


# --- changes between two reports -----------------------------------------------------------------


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

    The two reports are treated as independent samples: a two-sided two-proportion z-test with the
    pooled variance (``statsmodels ... proportions_ztest``) and Newcombe's interval of the
    difference (``confint_proportions_2indep(method="newcomb")``). Two reports of the same product
    share many of their entities, so this errs on the side of calling a change noise.

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
    difference, low, high, p_value = _two_proportions(
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
