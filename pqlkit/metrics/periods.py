"""The calendar periods metrics are counted in: weeks starting Monday 00:00 UTC, and months."""

from __future__ import annotations

import pandas as pd

__all__ = ["period_start"]


_FREQS = ("W", "M")


def period_start(stamps: pd.Series, *, freq: str) -> pd.Series:
    """The start of the week (Monday 00:00 UTC) or month holding each timestamp.

    Returns
    -------
    pandas.Series
        Datetimes (UTC, microseconds) on the same index.

    Examples
    --------
    >>> period_start(pd.Series(pd.to_datetime(["2026-01-08T10:00Z"])), freq="W").iloc[0]
    Timestamp('2026-01-05 00:00:00+0000', tz='UTC')
    """
    if freq not in _FREQS:
        raise ValueError(f"The value for `freq` must be one of {list(_FREQS)}, but {freq!r} was passed.")
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    if freq == "W":
        start = naive.dt.normalize() - pd.to_timedelta(naive.dt.day_of_week, unit="D")
    else:
        start = naive.dt.to_period("M").dt.start_time
    return start.dt.tz_localize("UTC").astype("datetime64[us, UTC]")
