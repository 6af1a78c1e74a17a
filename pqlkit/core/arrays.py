"""The per-entity table as numpy columns, and days between times: what the reduction returns and the
headline summary reads, with or without pandas.

A mapping ``{column: numpy.ndarray}`` holds the columns of :func:`pqlkit.entity_table`'s frame (same
names, same row order): times as naive ``datetime64[us]`` meaning UTC (NaT for missing); ids and
segments as object arrays of ``str`` (None for missing); ``n_users`` and ``steps_done`` int64;
``activation_rate``, ``time_to_pql_days`` and ``age_days`` float64 (NaN for missing); ``is_pql``
bool. The command line gets it straight from the reduction (:mod:`pqlkit.core.reduction`);
:func:`columns_from_frame` makes it from the frame, and :func:`column_array` turns one pandas column
into its array for the metric rules (:mod:`pqlkit.metrics.rules`). pandas is imported only by these
two, which take pandas objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MICROSECONDS_PER_DAY", "Columns", "column_array", "columns_from_frame", "days_between", "days_span",
           "utc_instant"]

#: Microseconds in a day: windows in days become exact microsecond intervals (in SQL and in numpy).
MICROSECONDS_PER_DAY = 86_400_000_000

#: The per-entity columns: one numpy array per column of the per-entity table.
Columns = dict[str, np.ndarray]


def column_array(column: pd.Series) -> np.ndarray:
    """One column of the per-entity table as its numpy array (the module's docstring says which).

    Parameters
    ----------
    column : pandas.Series
        Times with or without a time zone (turned to UTC, then naive, in microseconds), booleans,
        numbers, or text.

    Returns
    -------
    numpy.ndarray
        ``datetime64[us]``, bool, int64 (float64 when an integer column has missing values),
        float64, or object (None for missing).
    """
    import pandas as pd  # the frame side: the arrays themselves need no pandas

    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    if pd.api.types.is_datetime64_dtype(dtype):
        return column.to_numpy(dtype="datetime64[us]")
    if pd.api.types.is_bool_dtype(dtype) and not column.hasnans:
        return column.to_numpy(dtype=bool)
    if pd.api.types.is_integer_dtype(dtype) and not column.hasnans:
        return column.to_numpy(dtype="int64")
    if pd.api.types.is_numeric_dtype(dtype):
        return column.to_numpy(dtype="float64", na_value=np.nan)
    return column.to_numpy(dtype=object, na_value=None)


def columns_from_frame(entities: pd.DataFrame, *, names: Iterable[str] | None = None) -> Columns:
    """The per-entity table's columns as numpy arrays (:func:`column_array`), in the frame's order.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table from :func:`pqlkit.entity_table` (or a filter of it).
    names : iterable of str, optional
        Only these columns (default: every one), in this order.

    Returns
    -------
    dict
        ``{column: numpy.ndarray}``, one array per column, rows in the frame's order.
    """
    return {str(name): column_array(entities[name]) for name in (entities.columns if names is None else names)}


def utc_instant(as_of: dt.datetime) -> np.datetime64:
    """A time-zone-aware instant as the naive UTC ``datetime64[us]`` the columns hold.

    Raises
    ------
    ValueError
        When ``as_of`` has no time zone (its instant is unknown).
    """
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"`as_of` must carry a time zone (UTC), but {as_of!r} was passed.")
    naive = as_of.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return np.datetime64(dt.datetime(naive.year, naive.month, naive.day, naive.hour, naive.minute, naive.second,
                                     naive.microsecond), "us")


def days_between(later: np.ndarray, earlier: np.ndarray | np.datetime64) -> np.ndarray:
    """Days from ``earlier`` to ``later`` as float64 (NaN where either is NaT).

    Computed as pandas' ``(later - earlier).dt.total_seconds() / 86400`` is (whole microseconds
    over 1e6, then over 86400), so a figure reads the same whichever way it was taken.

    Returns
    -------
    numpy.ndarray
        float64.
    """
    lag = np.asarray(later, dtype="datetime64[us]") - np.asarray(earlier, dtype="datetime64[us]")
    seconds = lag.astype("int64") / 1e6
    return np.where(np.isnat(lag), np.nan, seconds) / 86400


def days_span(days: float) -> np.timedelta64:
    """``days`` as a span of whole microseconds, for comparing with microsecond times.

    A span is first taken to the nanosecond (as ``pandas.Timedelta(days=...)``), then cut to the
    microsecond below: a microsecond time is within the span exactly when it is within the cut one.

    Returns
    -------
    numpy.timedelta64
        In microseconds.
    """
    return np.timedelta64(round(days * MICROSECONDS_PER_DAY * 1000) // 1000, "us")
