"""``as_of`` read one way everywhere (docs/metrics.md#as-of-and-ids), and warned about when it lies outside the data.

Issue 22: ``2026-04-30`` was the end of the day, while ``04/30/2026``, ``30/04/2026`` and
``Apr 30 2026`` were taken as its start and ``05/06/2026`` as 6 May, with no warning. Now text is
ISO 8601 only and a bare date is the end of that day, every time.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from helpers import DAY, T0, events, spec, users
from pqlkit.core.asof import parse_instant

ONE_STEP = spec([{"name": "did_a", "event": "a"}])
END_OF_DAY = pd.Timestamp("2026-04-30T23:59:59.999999Z")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2026-04-30", END_OF_DAY, id="bare-date-is-end-of-day"),
        pytest.param(" 2026-04-30 ", END_OF_DAY, id="surrounding-spaces"),
        pytest.param(dt.date(2026, 4, 30), END_OF_DAY, id="date-object-is-end-of-day"),
        pytest.param("2026-04-30T00:00", pd.Timestamp("2026-04-30T00:00Z"), id="explicit-midnight-is-midnight"),
        pytest.param("2026-04-30 12:00:00", pd.Timestamp("2026-04-30T12:00Z"), id="space-separator-naive-utc"),
        pytest.param("2026-04-30T12:00:00Z", pd.Timestamp("2026-04-30T12:00Z"), id="zulu"),
        pytest.param("2026-04-30T12:00:00+02:00", pd.Timestamp("2026-04-30T10:00Z"), id="offset-colon"),
        pytest.param("2026-04-30T12:00:00-0500", pd.Timestamp("2026-04-30T17:00Z"), id="offset-basic"),
        pytest.param("2026-04-30T12:00:00.250+02", pd.Timestamp("2026-04-30T10:00:00.25Z"), id="fraction-hour-offset"),
        pytest.param(dt.datetime(2026, 4, 30, 12), pd.Timestamp("2026-04-30T12:00Z"), id="naive-datetime-utc"),
        pytest.param(pd.Timestamp("2026-04-30T12:00", tz="Europe/Paris"), pd.Timestamp("2026-04-30T10:00Z"), id="timestamp-in-zone"),
        pytest.param(np.datetime64("2026-04-30T12:00"), pd.Timestamp("2026-04-30T12:00Z"), id="numpy-datetime64"),
        pytest.param("2026-04-30T12:00:00.123456789Z", pd.Timestamp("2026-04-30T12:00:00.123456Z"), id="nanoseconds-cut"),
        pytest.param("2026-04-30T12:00:00.9999999-00:30", pd.Timestamp("2026-04-30T12:30:00.999999Z"), id="seven-digits-cut"),
        pytest.param("2026-04-30T12:00:00,5z", pd.Timestamp("2026-04-30T12:00:00.5Z"), id="comma-and-lower-z"),
        pytest.param(np.datetime64("2026-04-30T12:00:00.123456789"), pd.Timestamp("2026-04-30T12:00:00.123456Z"),
                     id="numpy-nanoseconds-cut"),
        pytest.param(pd.Timestamp("2026-04-30T12:00:00.123456789", tz="UTC"), pd.Timestamp("2026-04-30T12:00:00.123456Z"),
                     id="timestamp-nanoseconds-cut"),
    ],
)
def test_iso_8601_values_are_read(value, expected):
    """Paris is UTC+2 in April (summer time), so 12:00 there is 10:00 UTC; -05:00 gives 17:00 UTC, -00:30
    gives 12:30 UTC. Digits past the microsecond are cut, not rounded (.9999999 stays .999999), as
    pandas' ``Timestamp.as_unit("us")`` does; ISO 8601 allows a comma before the fraction.

    :func:`parse_instant` is the rule, without pandas: a plain datetime in UTC, the same instant."""
    assert pk.parse_as_of(value) == expected
    instant = parse_instant(value)
    assert type(instant) is dt.datetime and instant.tzinfo is dt.timezone.utc
    assert pd.Timestamp(instant) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("04/30/2026", r"as_of: cannot read '04/30/2026' as a date or time \(not ISO 8601\); --as-of and as_of= take ISO 8601 only: write it as e\.g\. 2026-06-30 \(the end of that day, UTC\)", id="us-slashes"),
        pytest.param("30/04/2026", r"cannot read '30/04/2026' .*not ISO 8601", id="european-slashes"),
        pytest.param("05/06/2026", r"cannot read '05/06/2026' .*not ISO 8601", id="ambiguous-slashes"),
        pytest.param("Apr 30 2026", r"cannot read 'Apr 30 2026' .*not ISO 8601", id="month-name"),
        pytest.param("20260430", r"cannot read '20260430' .*not ISO 8601", id="compact-digits"),
        pytest.param("2026-4-30", r"cannot read '2026-4-30' .*not ISO 8601", id="unpadded-month"),
        pytest.param("2026-02-30", r"cannot read '2026-02-30' as a date or time \(no such date or time\)", id="no-such-day"),
        pytest.param("", r"cannot read '' .*not ISO 8601", id="empty"),
        pytest.param(20260430, r"as_of: expected ISO 8601 text, a date or a timestamp, but int 20260430 was passed", id="a-number"),
        pytest.param("2026-04-30T24:00", r"cannot read '2026-04-30T24:00' .*\(no such date or time\)", id="hour-24"),
        # 23:00 at UTC-5 on the last day of 9999 is in the year 10000 in UTC, past the calendar's end.
        pytest.param("9999-12-31T23:00-05:00", r"cannot read '9999-12-31T23:00-05:00' .*\(no such date or time\)",
                     id="past-the-calendar-in-utc"),
        pytest.param(pd.NaT, r"cannot read NaT as a date or time \(a missing time \(NaT\)\)", id="pandas-nat"),
        pytest.param(np.datetime64("NaT"), r"cannot read np\.datetime64\('NaT'.* as a date or time \(a missing time \(NaT\)\)",
                     id="numpy-nat"),
    ],
)
@pytest.mark.parametrize("reader", [pk.parse_as_of, parse_instant], ids=["parse_as_of", "parse_instant"])
def test_other_forms_are_one_clear_error(value, message, reader):
    with pytest.raises(pk.PqlkitError, match=message):
        reader(value)


def _frames():
    """u1 signs up at T0 (2026-01-05) and does a at T0 + 1 day; u2 signs up at T0 + 2 days, does a at T0 + 3 days.

    The data runs from the first signup, 2026-01-05T00:00Z, to the last event, 2026-01-08T00:00Z.
    """
    return {"users": users([("u1", T0), ("u2", T0 + 2 * DAY)]),
            "events": events([("u1", "a", T0 + DAY), ("u2", "a", T0 + 3 * DAY)])}


def _warnings(**kwargs) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pk.load(_frames(), **kwargs)
    return [str(w.message) for w in caught if issubclass(w.category, pk.PqlkitWarning)]


@pytest.mark.parametrize(
    ("as_of", "active_days", "expected"),
    [
        # 2025-12-31 ends before the first signup (2026-01-05): every user is after_as_of.
        pytest.param("2025-12-31", 14, r"as_of 2025-12-31T23:59:59\.999999\+00:00 is before the first signup: no user "
                     r"had signed up by then, so every number is zero; the data runs from the first signup, "
                     r"2026-01-05T00:00:00\+00:00, to the last event, 2026-01-08T00:00:00\+00:00", id="before-first-signup"),
        # 2026-01-23T00:00 is 15 days after the last event (2026-01-08T00:00): beyond a 14-day window.
        pytest.param("2026-01-23T00:00:00Z", 14, r"as_of 2026-01-23T00:00:00\+00:00 is 15 days after the last event, more "
                     r"than the active window \(14 days\)", id="past-the-active-window"),
        # The same instant with a 30-day window (the spec's active_days) is within it: no warning.
        pytest.param("2026-01-23T00:00:00Z", 30, None, id="inside-a-longer-window"),
        # Exactly 14 days after the last event is still within the window.
        pytest.param("2026-01-22T00:00:00Z", 14, None, id="on-the-window-edge"),
        # Between the first signup and the last event.
        pytest.param("2026-01-06", 14, None, id="inside-the-data"),
    ],
)
def test_as_of_outside_the_data_warns(as_of, active_days, expected):
    found = [m for m in _warnings(as_of=as_of, active_days=active_days) if m.startswith("as_of ")]
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1
        assert __import__("re").match(expected, found[0]), found[0]


def test_default_as_of_never_warns_about_its_range():
    """The default as_of is the last timestamp read (2026-01-08T00:00Z), inside the data by definition."""
    assert [m for m in _warnings() if m.startswith("as_of ")] == []


def test_entity_table_uses_the_specs_active_window():
    """active_days 30 in the spec: 2026-01-23 (15 days after the last event) gives no warning; with the
    default 14 it does (the test above)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pk.entity_table(_frames(), spec([{"name": "did_a", "event": "a"}], active_days=30), as_of="2026-01-23T00:00:00Z")
    assert not [w for w in caught if str(w.message).startswith("as_of ")]


def test_bad_as_of_fails_before_reading(tmp_path):
    """A missing folder and a bad as_of: the as_of is named, because it is checked first."""
    with pytest.raises(pk.PqlkitError, match="cannot read '04/30/2026'"):
        pk.load(tmp_path / "missing", as_of="04/30/2026")
