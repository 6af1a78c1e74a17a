"""Kaplan–Meier estimates, in numpy only, so that the summary needs neither lifelines nor scipy.

The estimate and its interval follow lifelines' ``KaplanMeierFitter`` (exponential Greenwood,
"log(-log)" interval); a censored time equal to an event time is still at risk at that time, as in
lifelines and R's survival. Durations are in whatever unit the caller uses (pqlkit: days since
signup, see docs/metrics.md#metrics).

The estimates are numpy only and this module imports no pandas at load time, so that the command
line's summary runs without it: only :func:`km_table` and :func:`km_share_by`, which return
frames, load pandas when called (:func:`km_shares` is the same reading as arrays).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KM_TOLERANCE", "km_table", "km_median", "km_time_to_share", "km_share_by", "km_shares", "km_estimate",
           "km_time_at", "km_shares_at"]

#: Tolerance on the survival estimate when looking for the time it reaches a level: a curve that
#: lands exactly on 0.5 counts there, whatever the float rounding (docs/metrics.md#metrics).
KM_TOLERANCE = 1e-9

_KM_COLUMNS = ["time", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"]


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
        numeric = flags.dtype.kind in "biuf" or (
            flags.dtype.kind == "O" and all(isinstance(value, numbers.Real) for value in flags.tolist()))
        values = flags.astype(float) if numeric else np.array([np.nan])
        # A missing flag (NaN) is not 0 or 1 either.
        if not np.isin(values, [0, 1]).all():
            raise ValueError("`observed` must hold booleans (or 0/1): True where the event happened, False where censored.")
        flags = values.astype(bool)
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
    import pandas as pd  # only for the frame returned: the estimate itself is numpy

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
    return km_time_at(km_estimate(durations, observed, alpha=None), share=share, tolerance=tolerance)


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
    import pandas as pd  # only for the frame returned: the reading itself is :func:`km_shares`

    return pd.DataFrame(km_shares(durations, observed, days=days, alpha=alpha))


def km_shares(durations: ArrayLike, observed: ArrayLike, *, days: Sequence[float] = (7, 14, 30),
              alpha: float = 0.05) -> dict[str, np.ndarray]:
    """:func:`km_share_by`'s reading as numpy arrays (no pandas; :func:`km_shares_at` reads it).

    Returns
    -------
    dict
        ``day``, ``share``, ``ci_low``, ``ci_high``, one array each, as :func:`km_share_by`'s columns.
    """
    return km_shares_at(km_estimate(durations, observed, alpha=alpha), days=days)


# --- one estimate, several readings (numpy only) ----------------------------------------------------


def km_estimate(durations: ArrayLike, observed: ArrayLike, *, alpha: float | None = 0.05) -> dict[str, np.ndarray]:
    """The Kaplan–Meier estimate as numpy arrays, to read several figures from one fit.

    Parameters
    ----------
    durations, observed
        As in :func:`km_table`.
    alpha : float or None
        As in :func:`km_table`; None leaves the interval out (``ci_low``, ``ci_high``).

    Returns
    -------
    dict
        :func:`km_table`'s columns, one array each (empty without durations).
    """
    if alpha is not None and not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1, but {alpha!r} was passed.")
    times, flags = _km_inputs(durations, observed)
    if times.size == 0:
        names = _KM_COLUMNS if alpha is not None else _KM_COLUMNS[:5]
        return {name: np.array([], dtype="int64" if name in ("at_risk", "events", "censored") else float)
                for name in names}
    return _km_estimate(times, flags, alpha=alpha)


def km_time_at(estimate: dict[str, np.ndarray], *, share: float, tolerance: float = KM_TOLERANCE) -> float | None:
    """:func:`km_time_to_share` read from an estimate of :func:`km_estimate`.

    Returns
    -------
    float or None
        The smallest event time with ``1 - S(t) >= share - tolerance``; None where the estimate never
        gets there.
    """
    if not 0 < share <= 1:
        raise ValueError(f"`share` must be in (0, 1], but {share!r} was passed.")
    # S only steps down at event times, so the first time it is low enough is one.
    reached = np.flatnonzero(estimate["survival"] <= 1 - share + tolerance)
    return float(estimate["time"][reached[0]]) if reached.size else None


def km_shares_at(estimate: dict[str, np.ndarray], *, days: Sequence[float]) -> dict[str, np.ndarray]:
    """:func:`km_share_by`'s reading from an estimate of :func:`km_estimate` (with its interval).

    Returns
    -------
    dict
        ``day``, ``share``, ``ci_low``, ``ci_high``, one array each, as :func:`km_share_by`'s columns.
    """
    days = list(days)
    share = np.full(len(days), np.nan)
    low, high = share.copy(), share.copy()
    if estimate["time"].size:
        for i, day in enumerate(days):
            before = np.searchsorted(estimate["time"], day, side="right") - 1
            if before < 0:
                share[i], low[i], high[i] = 0.0, 0.0, 0.0
            elif day <= estimate["time"][-1] or estimate["survival"][-1] == 0:
                share[i] = 1 - estimate["survival"][before]
                low[i], high[i] = 1 - estimate["ci_high"][before], 1 - estimate["ci_low"][before]
    return {"day": np.asarray(days), "share": share, "ci_low": low, "ci_high": high}
