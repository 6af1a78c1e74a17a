"""The metric rules on columns: numpy arrays in, numpy arrays or numbers out, no pandas.

Each rule of docs/metrics.md#metrics that the headline summary needs has its one home here; the
pandas functions (:func:`pqlkit.current_pqls`, :func:`pqlkit.stalled_trials`,
:func:`pqlkit.pql_to_paid`, :func:`pqlkit.activation_funnel`, :func:`pqlkit.time_to_pql_km_median`,
...) call the same rule on their table's columns (:func:`pqlkit.core.arrays.column_array`),
and :func:`pqlkit.metrics.headline.headline` on the per-entity columns. Times are naive
``datetime64[us]`` meaning UTC, NaT for missing; days are float64.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from pqlkit.core.arrays import days_between, days_span
from pqlkit.metrics.periods import period_range, period_starts
from pqlkit.stats.kaplan_meier import km_shares_at, km_time_at

__all__ = [
    "is_current_pql", "is_stalled", "paid_and_pql",
    "step_completion", "new_pqls_per_period", "time_to_pql_durations", "time_to_pql_median",
    "time_to_pql_km_median_of", "time_to_pql_km_readings_of", "mean_or_none", "number_or_none",
]


# --- the rules -------------------------------------------------------------------------------------


def is_current_pql(pql_at, paid_at, last_seen_at, *, at, active_days: float):
    """Which entities are current PQLs at ``at`` (docs/metrics.md#metrics): the one home of the rule.

    An entity is a current PQL at T when it was a PQL by T (``pql_at <= T``), was not paying at T
    (no ``paid_at <= T``) and was seen within ``active_days`` before T (``last_seen_at >= T -
    active_days``, ``last_seen_at`` being its latest event at or before T).

    Parameters
    ----------
    pql_at, paid_at, last_seen_at : numpy.ndarray or pandas.Series
        Aligned columns, one row per entity (or per entity and moment); missing times are NaT. The
        rule is written with comparisons only, so pandas columns (and a pandas ``at``) work as they
        are.
    at : numpy.datetime64, pandas.Timestamp, or an array or Series of them
        The moment T: one for every row, or one per row (aligned with the columns).
    active_days : float
        The activity window before T, in days.

    Returns
    -------
    numpy.ndarray or pandas.Series
        Boolean, one per row (a Series on the columns' index when they are Series).
    """
    since = at - days_span(active_days)
    return (pql_at <= at) & ~(paid_at <= at) & (last_seen_at >= since)


def is_stalled(is_pql: np.ndarray, paid_at: np.ndarray, *, age_days: np.ndarray, trial_days: float,
               stall_day: float) -> np.ndarray:
    """Which entities are stalled trials: not PQL, not paying, ``stall_day <= age < trial_days``; the one
    home of the rule (:func:`pqlkit.stalled_trials` lists them, the summary counts them).

    Parameters
    ----------
    is_pql : numpy.ndarray of bool
    paid_at : numpy.ndarray of datetime64
        NaT where the entity has not paid.
    age_days : numpy.ndarray of float
        Each entity's age in days at the moment asked about.
    trial_days, stall_day : float
        The trial length and the day from which a trial counts as stalled.

    Returns
    -------
    numpy.ndarray
        Boolean.
    """
    age_days = np.asarray(age_days, dtype=float)
    return ~np.asarray(is_pql, dtype=bool) & np.isnat(paid_at) & (age_days >= stall_day) & (age_days < trial_days)


def paid_and_pql(is_pql: np.ndarray, pql_at: np.ndarray, paid_at: np.ndarray, *,
                 within_days: float | None = None) -> dict[str, np.ndarray]:
    """Each entity's place in PQL to paid (family 4): the one home of the rule.

    Parameters
    ----------
    is_pql : numpy.ndarray of bool
    pql_at, paid_at : numpy.ndarray of datetime64
        NaT where missing.
    within_days : float, optional
        Count as paid PQLs only payments within this many days after ``pql_at``.

    Returns
    -------
    dict
        Boolean arrays: ``pqls``; ``paid_before_pql`` (a PQL that paid before its PQL: a customer
        already); ``paid_pqls`` (a PQL that paid at or after its PQL, within ``within_days``);
        ``paid_without_pql`` (paying, never a PQL).
    """
    is_pql = np.asarray(is_pql, dtype=bool)
    paid = ~np.isnat(paid_at)
    converted = is_pql & paid & (pql_at <= paid_at)
    if within_days is not None:
        converted &= (paid_at - pql_at) <= days_span(within_days)
    return {"pqls": is_pql, "paid_before_pql": is_pql & paid & (paid_at < pql_at), "paid_pqls": converted,
            "paid_without_pql": ~is_pql & paid}


def step_completion(stamps_by_step: Mapping[str, np.ndarray]) -> dict[str, int]:
    """How many entities completed each step: those with a ``{step}_at`` time.

    Returns
    -------
    dict
        ``{step: entities}``, in the mapping's order.
    """
    return {step: int((~np.isnat(stamps)).sum()) for step, stamps in stamps_by_step.items()}


def new_pqls_per_period(signup_at: np.ndarray, is_pql: np.ndarray, pql_at: np.ndarray, *, as_of: np.datetime64,
                        freq: str = "W") -> tuple[np.ndarray, np.ndarray]:
    """New PQLs per week (Monday 00:00 UTC) or month, every period listed, zeros included.

    Periods run from the one holding the earliest ``signup_at`` to the one holding ``as_of``; a PQL
    outside them is not counted.

    Returns
    -------
    (period_start, new_pqls) : tuple of numpy.ndarray
        ``datetime64[us]`` and int64, one per period; both empty without entities.
    """
    signups = np.asarray(signup_at, dtype="datetime64[us]")
    signups = signups[~np.isnat(signups)]
    if not signups.size:
        return np.array([], dtype="datetime64[us]"), np.array([], dtype="int64")
    periods = period_range(signups.min(), np.datetime64(as_of, "us"), freq=freq)
    starts = period_starts(np.asarray(pql_at)[np.asarray(is_pql, dtype=bool)], freq=freq)
    position = np.searchsorted(periods, starts)
    inside = position < periods.size
    inside[inside] = periods[position[inside]] == starts[inside]
    return periods, np.bincount(position[inside], minlength=periods.size).astype("int64")


# --- time to PQL ----------------------------------------------------------------------------------


def time_to_pql_durations(is_pql: np.ndarray, time_to_pql_days: np.ndarray,
                          age_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier's inputs for time to PQL: the time to PQL of PQLs; the others censored at their age.

    Returns
    -------
    (durations, observed) : tuple of numpy.ndarray
        float64 days and bool.
    """
    observed = np.asarray(is_pql, dtype=bool)
    durations = np.where(observed, np.asarray(time_to_pql_days, dtype=float), np.asarray(age_days, dtype=float))
    return durations, observed


def time_to_pql_median(is_pql: np.ndarray, time_to_pql_days: np.ndarray) -> float | None:
    """The median time to PQL among PQLs, in days (pandas' ``median``: NaN left out); None without PQLs."""
    values = np.asarray(time_to_pql_days, dtype=float)[np.asarray(is_pql, dtype=bool)]
    values = values[~np.isnan(values)]
    return float(np.median(values)) if values.size else None


def time_to_pql_km_median_of(estimate: dict[str, np.ndarray]) -> float | None:
    """The Kaplan–Meier median time to PQL (:func:`pqlkit.stats.km_median`), from the estimate of
    :func:`pqlkit.stats.kaplan_meier.km_estimate` on :func:`time_to_pql_durations`; None without a PQL,
    or where the curve never gets to half."""
    return km_time_at(estimate, share=0.5) if estimate["events"].sum() else None


def time_to_pql_km_readings_of(estimate: dict[str, np.ndarray], *, trial_days: float, days: Sequence[float] = (7, 30),
                               shares: Sequence[float] = (0.10, 0.25)) -> dict:
    """The Kaplan–Meier readings of :func:`pqlkit.metrics.time_to_pql.time_to_pql_km_readings`, from the
    estimate (with its interval) of :func:`pqlkit.stats.kaplan_meier.km_estimate` on
    :func:`time_to_pql_durations`.

    Returns
    -------
    dict
        ``time_to_pql_km_share_{d}d`` for each of ``days`` and ``time_to_pql_km_share_trial``, each
        ``{day, share, ci_low, ci_high}`` (None for a figure the data cannot give);
        ``time_to_pql_km_p{10,25}_days`` (None where the curve never gets there).
    """
    wanted = [*days, trial_days]
    table = km_shares_at(estimate, days=wanted)
    readings = {}
    for i, day in enumerate(wanted):
        key = "time_to_pql_km_share_trial" if i == len(days) else f"time_to_pql_km_share_{day:g}d"
        readings[key] = {"day": float(day), **{c: number_or_none(table[c][i]) for c in ("share", "ci_low", "ci_high")}}
    for share in shares:
        readings[f"time_to_pql_km_p{share * 100:g}_days"] = km_time_at(estimate, share=share)
    return readings


# --- numbers for JSON -----------------------------------------------------------------------------


def mean_or_none(values: np.ndarray) -> float | None:
    """The mean of the values present (pandas' ``mean``: NaN left out); None when none is present."""
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    count = int(present.sum())
    # NaN as 0 and the sum over every value, as pandas sums, so that the figure is the same to the last bit.
    return float(np.where(present, values, 0.0).sum() / count) if count else None


def number_or_none(value) -> float | None:
    """``value`` as a float, or None where it is None or NaN (for JSON)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value
