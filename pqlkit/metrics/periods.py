"""The calendar periods metrics are counted in: weeks starting Monday 00:00 UTC, and months.

The rule works on numpy arrays of naive UTC times (:func:`period_starts`, :func:`period_range`), so
the command line's summary needs no pandas; :func:`period_start` applies it to a pandas column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["period_start", "period_starts", "period_range"]


_FREQS = ("W", "M")
# 1970-01-01, day 0 of numpy's calendar, was a Thursday: day d is weekday (d + 3) % 7, Monday 0.
_EPOCH_WEEKDAY = 3


def _check_freq(freq: str) -> None:
    if freq not in _FREQS:
        raise ValueError(f"The value for `freq` must be one of {list(_FREQS)}, but {freq!r} was passed.")


def period_starts(stamps: np.ndarray, *, freq: str) -> np.ndarray:
    """The start of the week (Monday 00:00) or month holding each time: the one home of the rule.

    Parameters
    ----------
    stamps : numpy.ndarray of datetime64
        Naive times meaning UTC; NaT for missing.
    freq : {"W", "M"}
        Weeks or months.

    Returns
    -------
    numpy.ndarray
        ``datetime64[us]``, NaT where the time is missing.

    Examples
    --------
    >>> period_starts(np.array(["2026-01-08T10:00"], dtype="datetime64[us]"), freq="W")
    array(['2026-01-05T00:00:00.000000'], dtype='datetime64[us]')
    """
    _check_freq(freq)
    stamps = np.asarray(stamps)
    if freq == "M":
        return stamps.astype("datetime64[M]").astype("datetime64[us]")
    day = stamps.astype("datetime64[D]")
    weekday = (day.astype("int64") + _EPOCH_WEEKDAY) % 7
    start = (day - weekday.astype("timedelta64[D]")).astype("datetime64[us]")
    return np.where(np.isnat(day), np.datetime64("NaT", "us"), start)


def period_range(first: np.datetime64, last: np.datetime64, *, freq: str) -> np.ndarray:
    """Every period start from the period holding ``first`` to the one holding ``last``, both included.

    Returns
    -------
    numpy.ndarray
        ``datetime64[us]``, ascending; empty when ``first`` is after ``last``'s period.
    """
    _check_freq(freq)
    ends = period_starts(np.array([first, last], dtype="datetime64[us]"), freq=freq)
    if freq == "M":
        months = ends.astype("datetime64[M]")
        return np.arange(months[0], months[1] + 1).astype("datetime64[us]")
    days = ends.astype("datetime64[D]")
    return np.arange(days[0], days[1] + 1, 7).astype("datetime64[us]")


def period_start(stamps: pd.Series, *, freq: str) -> pd.Series:
    """The start of the week (Monday 00:00 UTC) or month holding each timestamp (:func:`period_starts`).

    Returns
    -------
    pandas.Series
        Datetimes (UTC, microseconds) on the same index.

    Examples
    --------
    >>> period_start(pd.Series(pd.to_datetime(["2026-01-08T10:00Z"])), freq="W").iloc[0]
    Timestamp('2026-01-05 00:00:00+0000', tz='UTC')
    """
    _check_freq(freq)
    start = stamps.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    start[:] = period_starts(start.to_numpy(), freq=freq)
    return start.dt.tz_localize("UTC")
