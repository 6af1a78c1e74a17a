"""Time to PQL (family 3, docs/metrics.md#metrics): percentiles among PQLs and Kaplan–Meier readings.

Non-PQLs are censored at their age. lifelines is imported only for :func:`time_to_pql_curve`;
the other readings use :mod:`pqlkit.stats` (numpy only).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pqlkit.core.arrays import column_array
from pqlkit.metrics.rates import rate_table
from pqlkit.metrics.rules import time_to_pql_durations, time_to_pql_km_median_of, time_to_pql_km_readings_of
from pqlkit.stats import km_share_by
from pqlkit.stats.kaplan_meier import km_estimate

__all__ = [
    "time_to_pql_percentiles",
    "time_to_pql_curve",
    "time_to_pql_km_median",
    "time_to_pql_km_readings",
    "share_pql_by_day",
]


def time_to_pql_percentiles(entities: pd.DataFrame, *, percentiles: Sequence[float] = (0.25, 0.5, 0.75, 0.9)) -> pd.DataFrame:
    """Percentiles of time to PQL (days) among PQLs, linear interpolation (pandas' default).

    Returns
    -------
    pandas.DataFrame
        ``percentile`` (0-1), ``time_to_pql_days`` (NaN when there are no PQLs), ``pqls``.
    """
    values = entities.loc[entities["is_pql"], "time_to_pql_days"]
    return pd.DataFrame({
        "percentile": list(percentiles),
        "time_to_pql_days": [float(values.quantile(p)) if len(values) else np.nan for p in percentiles],
        "pqls": len(values),
    })


def _durations(entities: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Time to PQL for PQLs, time observed (age) for the others, who are censored (:func:`time_to_pql_durations`)."""
    return time_to_pql_durations(column_array(entities["is_pql"]), column_array(entities["time_to_pql_days"]),
                                 column_array(entities["age_days"]))


def _fit_km(entities: pd.DataFrame):
    from lifelines import KaplanMeierFitter

    durations, observed = _durations(entities)
    fitter = KaplanMeierFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(durations, event_observed=observed)
    return fitter


def time_to_pql_curve(entities: pd.DataFrame) -> pd.DataFrame:
    """Kaplan–Meier estimate of the share that has reached PQL by each day since signup.

    Entities that are not PQLs are censored at their age (``as_of - signup_at``), so trials still
    running count for as long as they have been observed. Fitted with lifelines.

    Returns
    -------
    pandas.DataFrame
        ``days``, ``share_pql`` (1 - survival), ``ci_low``, ``ci_high`` (lifelines' exponential
        Greenwood 95 % interval), ``at_risk``, ``new_pqls``, ``censored``. Empty when there are
        no entities.
    """
    columns = ["days", "share_pql", "ci_low", "ci_high", "at_risk", "new_pqls", "censored"]
    if entities.empty:
        return pd.DataFrame({c: pd.Series([], dtype=float) for c in columns})
    fitter = _fit_km(entities)
    survival = fitter.survival_function_.iloc[:, 0]
    bounds = fitter.confidence_interval_survival_function_
    events = fitter.event_table
    table = pd.DataFrame({
        "days": survival.index.to_numpy(dtype=float),
        "share_pql": 1 - survival.to_numpy(),
        "ci_low": 1 - bounds.iloc[:, 1].to_numpy(),
        "ci_high": 1 - bounds.iloc[:, 0].to_numpy(),
    })
    table["at_risk"] = events["at_risk"].reindex(survival.index).fillna(0).to_numpy(dtype="int64")
    table["new_pqls"] = events["observed"].reindex(survival.index).fillna(0).to_numpy(dtype="int64")
    table["censored"] = events["censored"].reindex(survival.index).fillna(0).to_numpy(dtype="int64")
    return table[columns]


def time_to_pql_km_median(entities: pd.DataFrame) -> float | None:
    """Kaplan–Meier median time to PQL in days (docs/metrics.md#metrics), or None where the curve never gets there.

    The smallest event time at which the survival estimate is <= 0.5, with a tolerance of 1e-9
    (:func:`pqlkit.stats.km_median`; numpy only, lifelines is not imported).

    Returns
    -------
    float or None
        Days from signup.
    """
    return time_to_pql_km_median_of(km_estimate(*_durations(entities), alpha=None))


def time_to_pql_km_readings(entities: pd.DataFrame, *, trial_days: float, days: Sequence[float] = (7, 30),
                            shares: Sequence[float] = (0.10, 0.25)) -> dict:
    """The Kaplan–Meier readings of time to PQL that always say something (docs/metrics.md#json-summary).

    Non-PQLs are censored at their age. Computed with :mod:`pqlkit.stats` (numpy only).

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table.
    trial_days : float
        The trial length: the share is also read at this day.
    days : sequence of float
        The other days to read the share at (7 and 30).
    shares : sequence of float
        The shares whose KM time is given (10 % and 25 %).

    Returns
    -------
    dict
        ``time_to_pql_km_share_{d}d`` for each of ``days`` and ``time_to_pql_km_share_trial``, each a
        dict ``{day, share, ci_low, ci_high}`` (None for a figure the data cannot give: no entity
        observed that long); ``time_to_pql_km_p{10,25}_days`` (None where the curve never gets
        there).
    """
    estimate = km_estimate(*_durations(entities))
    return time_to_pql_km_readings_of(estimate, trial_days=trial_days, days=days, shares=shares)


def share_pql_by_day(entities: pd.DataFrame, *, days: Sequence[float] = (1, 3, 7, 14, 30)) -> pd.DataFrame:
    """Share of entities that reached PQL within N days of signup.

    Two readings side by side: the Kaplan–Meier estimate (uses every entity, censoring the young
    ones; :func:`pqlkit.stats.km_share_by`) and the plain share among entities at least N days old
    (``mature``). The Kaplan–Meier share is NaN (not measured) for a day past the longest time
    observed, as in the JSON summary: the curve is not carried past its last point.

    Returns
    -------
    pandas.DataFrame
        ``day``, ``km_share`` (NaN past the longest follow-up, and without entities), ``mature``
        (entities with age >= day), ``pql_by_day`` (of those, PQL within ``day`` days), ``share``,
        ``ci_low``, ``ci_high`` (Wilson, of ``share``).
    """
    days = list(days)
    durations, observed = _durations(entities)
    km = km_share_by(durations, observed, days=days)["share"].to_numpy()
    rows = []
    for day, km_share in zip(days, km):
        mature = entities["age_days"] >= day
        reached = mature & entities["is_pql"] & (entities["time_to_pql_days"] <= day)
        rows.append({"day": day, "km_share": float(km_share), "mature": int(mature.sum()), "pql_by_day": int(reached.sum())})
    return rate_table(pd.DataFrame(rows), hits="pql_by_day", total="mature", rate="share")
