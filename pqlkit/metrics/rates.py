"""Rates with their Wilson 95 % interval, and the PQL rate (family 2, docs/metrics.md#metrics)."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pqlkit.core.context import check_columns
from pqlkit.metrics.periods import period_start

__all__ = ["wilson_interval", "rate_table", "pql_rate"]


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (no continuity correction).

    Parameters
    ----------
    successes, trials : array-like of int
        Counts; where ``trials`` is 0 both bounds are NaN.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    (low, high) : tuple of numpy arrays

    Examples
    --------
    >>> low, high = wilson_interval(81, 263)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2553, 0.3662)
    """
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def rate_table(groups: pd.DataFrame, *, hits: str, total: str, rate: str) -> pd.DataFrame:
    """A copy of a table of counts with a rate and its Wilson 95 % interval added.

    Parameters
    ----------
    groups : pandas.DataFrame
        One row per group, with the count columns ``hits`` and ``total``.
    hits, total : str
        The numerator and denominator columns.
    rate : str
        The name of the rate column to add.

    Returns
    -------
    pandas.DataFrame
        ``groups``' columns, then ``{rate}`` (hits / total, NaN where total is 0), ``ci_low``,
        ``ci_high``.

    Examples
    --------
    >>> rate_table(pd.DataFrame({"k": [81, 0], "n": [263, 0]}), hits="k", total="n", rate="share").round(4)
        k    n  share  ci_low  ci_high
    0  81  263  0.308  0.2553   0.3662
    1   0    0    NaN     NaN      NaN
    """
    table = groups.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        table[rate] = np.where(table[total] > 0, table[hits] / table[total].where(table[total] > 0), np.nan)
    table["ci_low"], table["ci_high"] = wilson_interval(table[hits], table[total])
    return table


def pql_rate(entities: pd.DataFrame, *, by: str | Sequence[str] | None = None, cohort: str | None = None,
             by_day: float | None = None) -> pd.DataFrame:
    """PQL rate (PQLs / entities in scope), overall, by segment and/or by signup cohort.

    All-time by default: every signup counts, however young, so the rate describes the list but is
    not fit for comparing groups or periods of different ages. With ``by_day=N`` it is the rate at a
    fixed age: PQL within N days of signup, among the signups at least N days old
    (docs/metrics.md#choices), the basis of every comparison between groups, cohorts or reports.

    Parameters
    ----------
    by : str or list of str, optional
        Segment column(s) to group by (``"channel"``); missing values form their own group.
    cohort : {"W", "M"}, optional
        Also group by signup week (Monday) or month, as ``signup_cohort``.
    by_day : float, optional
        The fixed age N in days: count only signups with ``age_days >= N``, and as PQL only those
        with ``time_to_pql_days <= N``.

    Returns
    -------
    pandas.DataFrame
        The group columns, ``entities``, ``pqls``, ``pql_rate``, ``ci_low``, ``ci_high`` (Wilson 95 %).

    Examples
    --------
    >>> pk.pql_rate(entities, by="channel")       # doctest: +SKIP
    """
    keys = check_columns(entities, by, argument="by")
    if by_day is not None:
        entities = entities[entities["age_days"] >= by_day]
    frame = entities[keys + ["is_pql"]].copy()
    if by_day is not None:
        frame["is_pql"] = frame["is_pql"] & (entities["time_to_pql_days"] <= by_day)
    if cohort is not None:
        frame["signup_cohort"] = period_start(entities["signup_at"], freq=cohort)
        keys = keys + ["signup_cohort"]
    if keys:
        grouped = frame.groupby(keys, dropna=False, sort=True)["is_pql"]
        counts = grouped.agg(entities="size", pqls="sum").reset_index()
    else:
        counts = pd.DataFrame({"entities": [len(frame)], "pqls": [int(frame["is_pql"].sum())]})
    counts["pqls"] = counts["pqls"].astype("int64")
    counts["entities"] = counts["entities"].astype("int64")
    return rate_table(counts, hits="pqls", total="entities", rate="pql_rate")
