"""The analysis instant: an ``as_of`` argument read as a UTC timestamp (docs/metrics.md#definitions).

:func:`parse_as_of` is the one reader of ``as_of`` values: :func:`pqlkit.load` uses it for its
argument, :class:`~pqlkit.Context` for the instant it holds, and the command line for ``--as-of``.
Text is read as ISO 8601 only (docs/metrics.md#as-of-and-ids): ``04/30/2026`` could be the 30th of
April or, written ``05/06/2026``, the 5th of June or the 6th of May, so no other form is guessed at.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from pqlkit.base.errors import PqlkitError

__all__ = ["parse_as_of", "utc_timestamp", "latest_timestamps"]

_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A date, or a date and a time (T or a space between them; minutes, seconds and a fraction optional
# after the hour's minutes), with or without a zone: Z, +02, +0200 or +02:00.
_ISO_8601 = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)?$"
)

AS_OF_FORMS = ("2026-06-30 (the end of that day, UTC), 2026-06-30T12:00:00 (UTC) "
               "or 2026-06-30T12:00:00+02:00")


def _not_iso(value: object, why: str) -> PqlkitError:
    return PqlkitError(
        f"as_of: cannot read {value!r} as a date or time ({why}); --as-of and as_of= take ISO 8601 only: "
        f"write it as e.g. {AS_OF_FORMS}"
    )


def parse_as_of(value: str | dt.date | dt.datetime | pd.Timestamp | None) -> pd.Timestamp | None:
    """Parse an ``as_of`` value to a UTC timestamp.

    Text must be ISO 8601: a date (``"2026-06-30"``), or a date and time with or without a zone
    (``"2026-06-30T12:00:00"``, ``"2026-06-30T12:00:00Z"``, ``"2026-06-30T12:00:00+02:00"``).
    A bare date, as text or a :class:`datetime.date`, always means the end of that day,
    23:59:59.999999 UTC. Naive times are taken as UTC; times with an offset are converted.

    Parameters
    ----------
    value : str, datetime.date, datetime.datetime, pandas.Timestamp, numpy.datetime64 or None
        The instant; None gives None (the caller's default applies).

    Returns
    -------
    pandas.Timestamp or None
        UTC, microsecond unit.

    Raises
    ------
    PqlkitError
        Text that is not ISO 8601 (``"04/30/2026"``, ``"Apr 30 2026"``), an impossible date
        (``"2026-02-30"``), or a value of another type; the message gives the accepted forms.

    Examples
    --------
    >>> parse_as_of("2026-06-30")
    Timestamp('2026-06-30 23:59:59.999999+0000', tz='UTC')
    >>> parse_as_of("2026-06-30T12:00:00+02:00")
    Timestamp('2026-06-30 10:00:00+0000', tz='UTC')
    """
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        if not _ISO_8601.match(text):
            raise _not_iso(value, "not ISO 8601")
        if _BARE_DATE.match(text):
            text += "T23:59:59.999999"
        try:
            stamp = pd.Timestamp(text.replace(",", "."))
        except (ValueError, TypeError, OverflowError):
            raise _not_iso(value, "no such date or time") from None
        if stamp is pd.NaT:
            raise _not_iso(value, "no such date or time")
    elif isinstance(value, (dt.datetime, np.datetime64)):
        stamp = pd.Timestamp(value)
        if stamp is pd.NaT:
            raise _not_iso(value, "a missing time (NaT)")
    else:
        raise PqlkitError(
            f"as_of: expected ISO 8601 text, a date or a timestamp, but {type(value).__name__} "
            f"{value!r} was passed; write it as e.g. {AS_OF_FORMS}"
        )
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.as_unit("us")


def utc_timestamp(value) -> pd.Timestamp | None:
    """A timestamp an engine returned (naive from Spark, aware from DuckDB) as UTC, microseconds; None for none."""
    if value is None or pd.isna(value):
        return None
    value = pd.Timestamp(value)
    return (value.tz_localize("UTC") if value.tzinfo is None else value.tz_convert("UTC")).as_unit("us")


def latest_timestamps(engine, sources: Mapping[str, str], *, events) -> dict[str, pd.Timestamp | None]:
    """Each table's latest parseable timestamp (UTC), None for a table with none.

    The events' latest time comes from the duplicates pass (``events``); the small tables are asked
    in one query.
    """
    small = [table for table in sources if table != "events"]
    union = " UNION ALL ".join(f"SELECT '{table}' AS table_name, max(_ts) AS m FROM stage_{table}" for table in small)
    latest = {table: utc_timestamp(value) for table, value in engine.rows(union)}
    latest["events"] = utc_timestamp(events)
    return latest
