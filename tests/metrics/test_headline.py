"""The headline summary on numpy columns (pqlkit.metrics.headline), its rules (pqlkit.metrics.rules,
pqlkit.metrics.periods) and the columns (pqlkit.core.arrays), without pandas.

The summary's figures on real tables are checked by the stored snapshots (tests/test_before_rewrite.py,
tests/test_cli.py) and by tests/metrics/test_metrics.py through :func:`pqlkit.summary`, which calls
:func:`headline`; here every figure is worked by hand on a few rows.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from pqlkit.core.arrays import column_array, columns_from_frame, utc_instant
from pqlkit.metrics.headline import headline
from pqlkit.metrics.periods import period_range, period_starts
from pqlkit.core.arrays import days_between, days_span
from pqlkit.metrics.rules import is_current_pql, new_pqls_per_period

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.timezone.utc
NAT = np.datetime64("NaT", "us")


def day(n: float, hour: int = 0) -> np.datetime64:
    """Day ``n`` after Monday 2026-01-05 00:00 UTC, as the columns hold it."""
    return np.datetime64("2026-01-05T00:00", "us") + np.timedelta64(int(n), "D") + np.timedelta64(hour, "h")


def times(*values) -> np.ndarray:
    return np.array([NAT if v is None else v for v in values], dtype="datetime64[us]")


# --- the hand-worked example ------------------------------------------------------------------------

SPEC = pk.ActivationSpec.from_dict({
    "steps": [{"name": "a", "event": "a"}, {"name": "b", "event": "b"}], "threshold": 0.5,
    "active_days": 14, "trial_days": 14, "stall_day": 12,
})
AS_OF = dt.datetime(2026, 1, 31, tzinfo=UTC)  # a Saturday, day 26
QUALITY = {"users": {"read": 8, "used": 8, "dropped": {"missing_value": 0}}}


def example() -> dict[str, np.ndarray]:
    """Eight entities, steps a and b, a PQL with one step of two; as_of day 26 (2026-01-31).

    =====  ======  ======  ======  ======  ======  =========  =====  ===================================
    id     signup  a       b       pql     paid    last seen  age    what
    =====  ======  ======  ======  ======  ======  =========  =====  ===================================
    e1     d0      d1      -       d1      -       d20        26     PQL, seen within 14 days: current
    e2     d0      d2      d3      d2      d10     d20        26     PQL, paid after its PQL
    e3     d7      d15     -       d15     d9      d23        19     PQL, paid before its PQL
    e4     d7      d8      -       d8      -       d11        19     PQL, last seen 15 days ago
    e5     d13     -       -       -       -       d13        13     age 13 in [12, 14): stalled
    e6     d14     -       -       -       -       d14        12     age 12 exactly: stalled
    e7     d12     -       -       -       -       d12        14     age 14: the trial is over
    e8     d13     -       -       -       d15     d15        13     paid without a PQL: not stalled
    =====  ======  ======  ======  ======  ======  =========  =====  ===================================
    """
    return {
        "entity_id": np.array([f"e{i}" for i in range(1, 9)], dtype=object),
        "signup_at": times(day(0), day(0), day(7), day(7), day(13), day(14), day(12), day(13)),
        "a_at": times(day(1), day(2), day(15), day(8), None, None, None, None),
        "b_at": times(None, day(3), None, None, None, None, None, None),
        "steps_done": np.array([1, 2, 1, 1, 0, 0, 0, 0], dtype="int64"),
        "activation_rate": np.array([0.5, 1.0, 0.5, 0.5, 0, 0, 0, 0], dtype=float),
        "is_pql": np.array([True, True, True, True, False, False, False, False]),
        "pql_at": times(day(1), day(2), day(15), day(8), None, None, None, None),
        "time_to_pql_days": np.array([1, 2, 8, 1, np.nan, np.nan, np.nan, np.nan], dtype=float),
        "paid_at": times(None, day(10), day(9), None, None, None, None, day(15)),
        "last_seen_at": times(day(20), day(20), day(23), day(11), day(13), day(14), day(12), day(15)),
        "age_days": np.array([26, 26, 19, 19, 13, 12, 14, 13], dtype=float),
    }


def test_headline_on_the_hand_worked_example():
    """The table of :func:`example`:

    - entities 8, raw PQLs 4 (e1-e4), PQL rate 4 / 8 = 0.5; mean activation rate
      (0.5 + 1 + 0.5 + 0.5) / 8 = 0.3125.
    - current at d26 (seen since d12, not paying): e1 only (e2, e3 pay; e4 last seen d11) -> 1.
    - stalled (not PQL, not paying, 12 <= age < 14): e5 (13) and e6 (12); not e7 (14), not e8 (pays) -> 2.
    - PQL to paid: paid PQLs 1 (e2), paid before PQL 1 (e3), paid without PQL 1 (e8);
      eligible 4 - 1 = 3, rate 1 / 3.
    - steps: a done by e1-e4 (4), b by e2 (1).
    - weeks from Monday d0 to the week of d26 (Monday d21): d0, d7, d14, d21; PQLs at d1, d2 (week d0),
      d8 (d7), d15 (d14) -> 2, 1, 1, 0.
    - time to PQL among PQLs 1, 1, 2, 8 -> median (1 + 2) / 2 = 1.5.
    - Kaplan–Meier, non-PQLs censored at their age (12, 13, 13, 14): at 1, 8 at risk, 2 PQLs ->
      S = 6/8 = 0.75; at 2, 6 at risk, 1 -> 0.625; at 8, 5 at risk, 1 -> 0.5. Median 8 (S lands on
      0.5); 10 % and 25 % both by day 1 (1 - S = 0.25); by day 7 the share is 1 - 0.625 = 0.375; by
      day 14 (the trial) 0.5; day 30 is past the longest follow-up (14) with S still 0.5: None.
    """
    result = headline(example(), spec=SPEC, as_of=AS_OF, has_conversions=True, data_quality=QUALITY)
    assert list(result)[:17] == [
        "as_of", "level", "entities", "raw_pqls", "current_pqls", "pql_rate", "activation_rate_mean",
        "time_to_pql_median_days", "time_to_pql_km_median_days", "stalled_in_trial", "paid_pqls",
        "paid_before_pql", "paid_without_pql", "pql_to_paid_rate", "step_completion", "pqls_over_time",
        "data_quality"]
    assert result["as_of"] == "2026-01-31T00:00:00.000000+00:00" and result["level"] == "user"
    assert (result["entities"], result["raw_pqls"], result["current_pqls"]) == (8, 4, 1)
    assert (result["pql_rate"], result["activation_rate_mean"]) == (0.5, 0.3125)
    assert result["stalled_in_trial"] == 2
    assert (result["paid_pqls"], result["paid_before_pql"], result["paid_without_pql"]) == (1, 1, 1)
    assert result["pql_to_paid_rate"] == 1 / 3
    assert result["step_completion"] == {"a": 4, "b": 1}
    assert result["pqls_over_time"] == [
        {"week": "2026-01-05", "new_pqls": 2}, {"week": "2026-01-12", "new_pqls": 1},
        {"week": "2026-01-19", "new_pqls": 1}, {"week": "2026-01-26", "new_pqls": 0}]
    assert result["data_quality"] == QUALITY
    assert (result["time_to_pql_median_days"], result["time_to_pql_km_median_days"]) == (1.5, 8.0)
    assert (result["time_to_pql_km_p10_days"], result["time_to_pql_km_p25_days"]) == (1.0, 1.0)
    week, trial = result["time_to_pql_km_share_7d"], result["time_to_pql_km_share_trial"]
    assert (week["day"], week["share"], trial["day"], trial["share"]) == (7.0, pytest.approx(0.375), 14.0, 0.5)
    assert week["ci_low"] < week["share"] < week["ci_high"]
    assert result["time_to_pql_km_share_30d"] == {"day": 30.0, "share": None, "ci_low": None, "ci_high": None}


def test_headline_at_another_zone_and_without_conversions():
    """as_of 2026-01-31 02:00 at +02:00 is the same instant as 00:00 UTC: the same figures, the instant read
    back in UTC. Without a conversions table the four PQL-to-paid figures are None (not measured), not 0."""
    east = dt.datetime(2026, 1, 31, 2, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    result = headline(example(), spec=SPEC, as_of=east, has_conversions=False, data_quality={})
    assert result["as_of"] == "2026-01-31T00:00:00.000000+00:00"
    assert (result["current_pqls"], result["stalled_in_trial"]) == (1, 2)
    assert [result[k] for k in ("paid_pqls", "paid_before_pql", "paid_without_pql", "pql_to_paid_rate")] == [None] * 4


def test_headline_of_no_entities_is_all_none_or_zero_counts():
    """No rows: counts 0; rates, medians and readings None (nothing to measure); no week listed."""
    empty = {name: values[:0] for name, values in example().items()}
    result = headline(empty, spec=SPEC, as_of=AS_OF, has_conversions=True, data_quality={})
    assert (result["entities"], result["raw_pqls"], result["current_pqls"], result["stalled_in_trial"]) == (0, 0, 0, 0)
    assert [result[k] for k in ("pql_rate", "activation_rate_mean", "time_to_pql_median_days",
                                "time_to_pql_km_median_days", "pql_to_paid_rate", "time_to_pql_km_p10_days")] == [None] * 6
    assert result["pqls_over_time"] == [] and result["step_completion"] == {"a": 0, "b": 0}
    assert result["time_to_pql_km_share_7d"]["share"] is None


def test_headline_needs_an_instant_with_a_zone():
    with pytest.raises(ValueError, match="`as_of` must carry a time zone"):
        headline(example(), spec=SPEC, as_of=dt.datetime(2026, 1, 31), has_conversions=True, data_quality={})


def test_headline_and_the_text_format_load_no_pandas():
    """Issue 25: the command line's summary and its text need neither pandas, pyarrow nor matplotlib."""
    code = (
        "import sys\n"
        "from pqlkit.metrics.headline import headline\n"
        "from pqlkit.core.arrays import columns_from_frame\n"
        "from pqlkit.present.formatting import NOT_MEASURED, days, label, pct\n"
        "from pqlkit.present.ledger import format_ledger\n"
        "import pqlkit.metrics, pqlkit.stats\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'pyarrow', 'matplotlib')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- the rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stamp, week, month",
    [
        pytest.param("2026-01-08T10:00", "2026-01-05", "2026-01-01", id="thursday"),
        pytest.param("2026-01-05T00:00", "2026-01-05", "2026-01-01", id="monday-midnight"),
        pytest.param("2026-01-11T23:59:59.999999", "2026-01-05", "2026-01-01", id="sunday-last-microsecond"),
        pytest.param("2026-03-01T00:00", "2026-02-23", "2026-03-01", id="week-across-months"),
        pytest.param("1969-12-31T12:00", "1969-12-29", "1969-12-01", id="before-1970"),
    ],
)
def test_period_starts_from_the_calendar(stamp, week, month):
    """Weeks start Monday 00:00 (2026-01-05 and 1969-12-29 were Mondays, as any calendar shows)."""
    stamps = np.array([stamp, "NaT"], dtype="datetime64[us]")
    assert str(period_starts(stamps, freq="W")[0].astype("datetime64[D]")) == week
    assert str(period_starts(stamps, freq="M")[0].astype("datetime64[D]")) == month
    assert np.isnat(period_starts(stamps, freq="W")[1]) and np.isnat(period_starts(stamps, freq="M")[1])


def test_period_range_lists_both_ends_and_is_empty_backwards():
    """Thursday Jan 8 to Monday Jan 19: weeks of Jan 5, 12 and 19. Nov 2025 to Feb 2026: four months."""
    weeks = period_range(np.datetime64("2026-01-08T10:00"), np.datetime64("2026-01-19T00:00"), freq="W")
    assert [str(w) for w in weeks.astype("datetime64[D]")] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    months = period_range(np.datetime64("2025-11-30"), np.datetime64("2026-02-01"), freq="M")
    assert [str(m) for m in months.astype("datetime64[D]")] == ["2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01"]
    assert period_range(np.datetime64("2026-02-01"), np.datetime64("2026-01-01"), freq="W").size == 0
    with pytest.raises(ValueError, match=r"`freq` must be one of \['W', 'M'\], but 'D' was passed"):
        period_range(np.datetime64("2026-01-01"), np.datetime64("2026-02-01"), freq="D")


def test_new_pqls_outside_the_periods_are_not_counted():
    """Signups from Wed Jan 7; as_of Tue Jan 13 -> weeks of Jan 5 and Jan 12. PQLs on Jan 8 and Jan 12
    count one each; a PQL on Jan 20 (after as_of) falls in no listed week; a non-PQL's pql_at is ignored."""
    periods, counts = new_pqls_per_period(
        times(day(2), day(2), day(2), day(2)), np.array([True, True, True, False]),
        times(day(3), day(7), day(15), day(3)), as_of=day(8), freq="W")
    assert [str(p) for p in periods.astype("datetime64[D]")] == ["2026-01-05", "2026-01-12"]
    assert counts.tolist() == [1, 1]


def test_the_active_window_is_cut_to_the_microsecond_as_pandas_compares():
    """1.5e-9 days is 129.6 µs (129,600 ns, as pandas.Timedelta(days=1.5e-9) holds it): a last event
    129 µs before T is within it, one 130 µs before is not, exactly as against the pandas span."""
    assert days_span(1.5e-9) == np.timedelta64(129, "us")
    assert days_span(14) == np.timedelta64(14 * 86_400_000_000, "us")
    at = day(20)
    seen = np.array([at - np.timedelta64(129, "us"), at - np.timedelta64(130, "us")])
    current = is_current_pql(times(day(1), day(1)), times(None, None), seen, at=at, active_days=1.5e-9)
    assert current.tolist() == [True, False]
    span = pd.Timedelta(days=1.5e-9)
    assert [pd.Timestamp(s) >= pd.Timestamp(at) - span for s in seen] == [True, False]


def test_days_between_reads_as_pandas_total_seconds():
    """12 days and 1 µs -> 12 + 1e-6 / 86400 days, as pandas' total_seconds() / 86400 gives; NaT -> NaN."""
    ages = days_between(day(20), times(day(8) - np.timedelta64(1, "us"), None))
    expected = (pd.Timestamp(day(20)) - pd.Timestamp(day(8) - np.timedelta64(1, "us"))).total_seconds() / 86400
    assert ages[0] == expected and math.isnan(ages[1])


# --- the columns ------------------------------------------------------------------------------------


def test_columns_from_a_frame_are_naive_utc_microseconds_and_plain_arrays():
    """A time at 02:00 +02:00 is 00:00 UTC; a missing time is NaT; missing text is None; booleans,
    integers and floats keep their numpy types."""
    frame = pd.DataFrame({
        "signup_at": pd.to_datetime(["2026-01-05T02:00:00+02:00", None], utc=True).tz_convert("Europe/Helsinki"),
        "entity_id": pd.Series(["u1", None], dtype="str"),
        "is_pql": [True, False],
        "steps_done": [2, 0],
        "time_to_pql_days": [1.5, np.nan],
    })
    columns = columns_from_frame(frame)
    assert list(columns) == list(frame.columns)
    assert columns["signup_at"].dtype == np.dtype("datetime64[us]")
    assert columns["signup_at"][0] == np.datetime64("2026-01-05T00:00") and np.isnat(columns["signup_at"][1])
    assert columns["entity_id"].dtype == object and columns["entity_id"].tolist() == ["u1", None]
    assert columns["is_pql"].dtype == bool and columns["steps_done"].dtype == np.dtype("int64")
    assert columns["time_to_pql_days"][0] == 1.5 and math.isnan(columns["time_to_pql_days"][1])
    assert list(columns_from_frame(frame, names=["is_pql"])) == ["is_pql"]
    assert column_array(frame["signup_at"])[0] == columns["signup_at"][0]


def test_utc_instant_of_a_pandas_timestamp_and_a_datetime_agree():
    """pandas.Timestamp is a datetime: both give the same naive UTC microsecond."""
    stamp = pd.Timestamp("2026-01-31T01:30:00.000123+01:00")
    assert utc_instant(stamp) == utc_instant(stamp.to_pydatetime()) == np.datetime64("2026-01-31T00:30:00.000123")
