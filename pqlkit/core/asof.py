"""The analysis instant: an ``as_of`` argument read as a UTC timestamp (docs/metrics.md#definitions).

:func:`parse_instant` is the one rule for reading ``as_of`` values, without pandas (the command line
loads data without it); :func:`parse_as_of` is the same instant as a :class:`pandas.Timestamp`, for the
Python API. :func:`pqlkit.load` uses the rule for its argument, :class:`~pqlkit.Context` for the instant
it holds, and the command line for ``--as-of``. Text is read as ISO 8601 only
(docs/metrics.md#as-of-and-ids): ``04/30/2026`` could be the 30th of April or, written ``05/06/2026``,
the 5th of June or the 6th of May, so no other form is guessed at.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pqlkit.base.errors import PqlkitError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["parse_as_of", "parse_instant", "utc_datetime", "latest_timestamps"]

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


def parse_instant(value: str | dt.date | dt.datetime | np.datetime64 | None) -> dt.datetime | None:
    """Read an ``as_of`` value as a UTC instant, without pandas: the one rule :func:`parse_as_of` follows.

    Text must match ISO 8601 (see :func:`parse_as_of`) and is then read by
    :meth:`datetime.datetime.fromisoformat`; digits past the microsecond are cut off, as
    :meth:`pandas.Timestamp.as_unit` does. A :class:`pandas.Timestamp` is a datetime and is read as one.

    Returns
    -------
    datetime.datetime or None
        Time-zone-aware (:data:`datetime.timezone.utc`), microseconds; None for None.

    Raises
    ------
    PqlkitError
        As :func:`parse_as_of`.

    Examples
    --------
    >>> parse_instant("2026-06-30")
    datetime.datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=datetime.timezone.utc)
    >>> parse_instant("2026-06-30T12:00:00+02:00")
    datetime.datetime(2026, 6, 30, 10, 0, tzinfo=datetime.timezone.utc)
    """
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()
    if isinstance(value, str):
        instant = _from_text(value)
    elif isinstance(value, dt.datetime) or _is_datetime64(value):
        if value != value:  # NaT, pandas' or numpy's, is the one time that differs from itself
            raise _not_iso(value, "a missing time (NaT)")
        instant = _from_datetime64(value) if _is_datetime64(value) else _plain_datetime(value)
        if instant is None:
            raise _not_iso(value, "no such date or time")
    else:
        raise PqlkitError(
            f"as_of: expected ISO 8601 text, a date or a timestamp, but {type(value).__name__} "
            f"{value!r} was passed; write it as e.g. {AS_OF_FORMS}"
        )
    try:
        return _as_utc(instant)
    except OverflowError:  # an offset that moves year 1 or 9999 out of the calendar
        raise _not_iso(value, "no such date or time") from None


def _from_text(value: str) -> dt.datetime:
    """ISO 8601 text as a datetime (naive or with its offset); a bare date is the end of that day."""
    text = value.strip()
    if not _ISO_8601.match(text):
        raise _not_iso(value, "not ISO 8601")
    if _BARE_DATE.match(text):
        text += "T23:59:59.999999"
    # fromisoformat reads ASCII digits, '.' and 'Z' only; the pattern also lets through other scripts'
    # digits ('\d'), ',' and 'z', which pandas read: written the ASCII way they read the same.
    text = "".join(str(int(char)) if char.isdecimal() else char for char in text)
    try:
        return dt.datetime.fromisoformat(text.replace(",", ".").replace("z", "Z"))
    except ValueError:
        raise _not_iso(value, "no such date or time") from None


def _is_datetime64(value: object) -> bool:
    """Whether ``value`` is a :class:`numpy.datetime64`, without importing numpy (a numpy value means
    numpy is loaded already)."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.datetime64)


def _from_datetime64(value) -> dt.datetime | None:
    """A numpy time (naive, as numpy's are) cut to microseconds; None outside datetime's years 1-9999."""
    instant = value.astype("datetime64[us]").item()
    return instant if isinstance(instant, dt.datetime) else None


def _plain_datetime(value: dt.datetime) -> dt.datetime | None:
    """A datetime or one of its subclasses (:class:`pandas.Timestamp`) as a plain datetime, cut to
    microseconds; None outside datetime's years 1-9999."""
    try:
        return dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                           value.microsecond, tzinfo=value.tzinfo, fold=value.fold)
    except ValueError:
        return None


def _as_utc(instant: dt.datetime) -> dt.datetime:
    """A naive time taken as UTC, an aware one converted to UTC."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        return instant.replace(tzinfo=dt.timezone.utc)
    return instant.astimezone(dt.timezone.utc)


def parse_as_of(value: str | dt.date | dt.datetime | pd.Timestamp | np.datetime64 | None) -> pd.Timestamp | None:
    """Parse an ``as_of`` value to a UTC timestamp.

    Text must be ISO 8601: a date (``"2026-06-30"``), or a date and time with or without a zone
    (``"2026-06-30T12:00:00"``, ``"2026-06-30T12:00:00Z"``, ``"2026-06-30T12:00:00+02:00"``).
    A bare date, as text or a :class:`datetime.date`, always means the end of that day,
    23:59:59.999999 UTC. Naive times are taken as UTC; times with an offset are converted.
    The rule is :func:`parse_instant`'s; this gives its instant as a pandas Timestamp.

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
    import pandas as pd  # the Python API's type; the rule itself (parse_instant) needs no pandas

    instant = parse_instant(value)
    return None if instant is None else pd.Timestamp(instant).as_unit("us")


def utc_datetime(value) -> dt.datetime | None:
    """A time an engine returned (naive from Spark, aware from DuckDB) as a UTC datetime; None for none."""
    if value is None or value != value:  # NULL, or NaT
        return None
    return _as_utc(_plain_datetime(value))


def latest_timestamps(engine, sources: Mapping[str, str], *, events) -> dict[str, dt.datetime | None]:
    """Each table's latest parseable timestamp (UTC), None for a table with none.

    The events' latest time comes from the duplicates pass (``events``); the small tables are asked
    in one query.
    """
    small = [table for table in sources if table != "events"]
    union = " UNION ALL ".join(f"SELECT '{table}' AS table_name, max(_ts) AS m FROM stage_{table}" for table in small)
    latest = {table: utc_datetime(value) for table, value in engine.rows(union)}
    latest["events"] = utc_datetime(events)
    return latest
