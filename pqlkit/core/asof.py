"""The analysis instant: an ``as_of`` argument read as a UTC timestamp (docs/metrics.md#definitions).

:func:`parse_as_of` is the one reader of ``as_of`` values: :func:`pqlkit.load` uses it for its
argument and :class:`~pqlkit.Context` for the instant it holds.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from pqlkit.base.errors import PqlkitError

__all__ = ["parse_as_of"]

_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_as_of(value: str | dt.date | dt.datetime | pd.Timestamp | None) -> pd.Timestamp | None:
    """Parse an ``as_of`` value to a UTC timestamp.

    A bare date (``"2026-06-30"`` or a :class:`datetime.date`) means the end of that day,
    23:59:59.999999 UTC. Naive times are taken as UTC; times with an offset are converted.

    Examples
    --------
    >>> parse_as_of("2026-06-30")
    Timestamp('2026-06-30 23:59:59.999999+0000', tz='UTC')
    """
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        if _BARE_DATE.match(text):
            text += "T23:59:59.999999"
        try:
            stamp = pd.Timestamp(text)
        except (ValueError, TypeError):
            stamp = pd.NaT
        if stamp is pd.NaT:
            raise PqlkitError(
                f"as_of: cannot read {value!r} as a date or time; use ISO 8601, e.g. 2026-06-30 or 2026-06-30T12:00:00Z"
            )
    else:
        stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.as_unit("us")
