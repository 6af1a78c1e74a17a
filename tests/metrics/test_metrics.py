"""The four metric families (docs/metrics.md#metrics) on hand-worked data, and the statistics against published values."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from helpers import DAY, T0, analyze, conversions, events, spec, users

ONE_STEP = spec([{"name": "did_a", "event": "a"}], active_days=14, trial_days=14, stall_day=12)
US = pd.Timedelta(microseconds=1)


# --- published values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_interval_matches_newcombe_1998(successes, trials, low, high):
    """Newcombe R.G. (1998), "Two-sided confidence intervals for the single proportion: comparison of
    seven methods", Statistics in Medicine 17:857-872, Table II, method 3 (score interval without
    continuity correction), given to 4 decimals."""
    got_low, got_high = pk.wilson_interval(successes, trials)
    assert float(got_low) == pytest.approx(low, abs=5e-5)
    assert float(got_high) == pytest.approx(high, abs=5e-5)


def test_wilson_interval_with_no_trials_is_nan():
    low, high = pk.wilson_interval([0, 3], [0, 3])
    assert np.isnan(low[0]) and np.isnan(high[0]) and high[1] == pytest.approx(1.0)


# Freireich et al. (1963) 6-MP arm, remission times in weeks, "*" = censored (Gehan 1965).
SIX_MP = "6 6 6 6* 7 9* 10 10* 11* 13 16 17* 19* 20* 22 23 25* 32* 32* 34* 35*".split()


def six_mp_entities() -> pd.DataFrame:
    """The 6-MP data as a per-entity table: an event (remission ends) is a PQL at that time, a
    censored time is a non-PQL observed that long."""
    times = [float(t.rstrip("*")) for t in SIX_MP]
    is_pql = [not t.endswith("*") for t in SIX_MP]
    signup = pd.Series([T0] * len(times), dtype="datetime64[us, UTC]")
    table = pd.DataFrame({
        "entity_id": [f"p{i}" for i in range(len(times))],
        "signup_at": signup,
        "is_pql": is_pql,
        "time_to_pql_days": [t if e else np.nan for t, e in zip(times, is_pql)],
        "age_days": times,
    })
    return table


def test_kaplan_meier_matches_the_published_6mp_table():
    """Kleinbaum & Klein, Survival Analysis: A Self-Learning Text (3rd ed., 2012), Table 2.? (KM for
    the 6-MP group of the Freireich leukemia remission data): S(6)=0.857, S(7)=0.807, S(10)=0.753,
    S(13)=0.690, S(16)=0.627, S(22)=0.538, S(23)=0.448; median 23 weeks. share_pql = 1 - S.
    At t=6 three events among 21 at risk (the censored 6* is still at risk at 6): S = 18/21 = 0.857.
    """
    entities = six_mp_entities()
    curve = pk.time_to_pql_curve(entities).set_index("days")
    published = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for t, survival in published.items():
        assert 1 - curve.loc[t, "share_pql"] == pytest.approx(survival, abs=5e-4), t
    assert curve.loc[6, "at_risk"] == 21
    assert pk.time_to_pql_km_median(entities) == 23.0


def test_kaplan_meier_median_landing_exactly_on_half():
    """Four PQLs at days 1, 2, 3, 4, nobody censored: S(2) = 2/4 = 0.5 exactly -> median 2 (docs/metrics.md#metrics:
    the smallest event time at which S <= 0.5). The plain median over PQLs is (2 + 3) / 2 = 2.5."""
    table = pd.DataFrame({
        "entity_id": list("abcd"), "signup_at": pd.Series([T0] * 4, dtype="datetime64[us, UTC]"),
        "is_pql": [True] * 4, "time_to_pql_days": [1.0, 2.0, 3.0, 4.0], "age_days": [9.0] * 4,
    })
    assert pk.time_to_pql_km_median(table) == 2.0
    assert table["time_to_pql_days"].median() == 2.5


def test_kaplan_meier_median_is_none_when_the_curve_stays_above_half():
    """One PQL at day 1 among four entities, three censored at day 5: S(1) = 3/4 > 0.5 -> no median."""
    table = pd.DataFrame({
        "entity_id": list("abcd"), "signup_at": pd.Series([T0] * 4, dtype="datetime64[us, UTC]"),
        "is_pql": [True, False, False, False], "time_to_pql_days": [1.0, np.nan, np.nan, np.nan],
        "age_days": [5.0] * 4,
    })
    assert pk.time_to_pql_km_median(table) is None


# --- 1. how many ---------------------------------------------------------------------------------


def test_current_pqls_at_the_active_days_boundary():
    """as_of = d20, active_days 14 -> current means last event >= d6.
    u1: PQL (a at d1), last event at d6 exactly -> current.
    u2: PQL, last event at d6 - 1 µs -> not current.
    u3: PQL, last event d19, but paid at d10 -> not current (paying).
    u4: not a PQL, active d19 -> not current.
    raw PQLs 3, current 1."""
    frames = {
        "users": users([("u1", T0), ("u2", T0), ("u3", T0), ("u4", T0)]),
        "events": events([("u1", "a", T0 + DAY), ("u1", "x", T0 + 6 * DAY),
                          ("u2", "a", T0 + DAY), ("u2", "x", T0 + 6 * DAY - US),
                          ("u3", "a", T0 + DAY), ("u3", "x", T0 + 19 * DAY), ("u4", "x", T0 + 19 * DAY)]),
        "conversions": conversions([("u3", T0 + 10 * DAY)]),
    }
    entities, ctx = analyze(frames, ONE_STEP, as_of=T0 + 20 * DAY)
    current = pk.current_pqls(entities, context=ctx)
    assert list(current["entity_id"]) == ["u1"]
    assert current.loc[0, "days_since_seen"] == pytest.approx(14.0)
    totals = pk.summary(entities, context=ctx)
    assert (totals["raw_pqls"], totals["current_pqls"]) == (3, 1)


def test_pqls_over_time_lists_every_week_with_zeros():
    """Signups from Monday d0 (2026-01-05); as_of d26 = Saturday 2026-01-31 -> weeks starting Jan 5,
    12, 19, 26. u1 PQL at d1 (week Jan 5), u2 PQL at d16 (Jan 19); weeks Jan 12 and Jan 26 have none.
    A u3 signed up on Sunday Jan 11 belongs to the week of Jan 5 (weeks start Monday 00:00 UTC)."""
    frames = {
        "users": users([("u1", T0), ("u2", T0 + 2 * DAY), ("u3", "2026-01-11T23:00:00Z")]),
        "events": events([("u1", "a", T0 + DAY), ("u2", "a", T0 + 16 * DAY)]),
    }
    entities, ctx = analyze(frames, ONE_STEP, as_of="2026-01-31")
    weeks = pk.summary(entities, context=ctx)["pqls_over_time"]
    assert weeks == [
        {"week": "2026-01-05", "new_pqls": 1}, {"week": "2026-01-12", "new_pqls": 0},
        {"week": "2026-01-19", "new_pqls": 1}, {"week": "2026-01-26", "new_pqls": 0},
    ]
    monthly = pk.pqls_over_time(entities, context=ctx, freq="M")
    assert list(monthly["new_pqls"]) == [2] and list(monthly["cumulative_pqls"]) == [2]


# --- 2. PQL rate -----------------------------------------------------------------------------------


def test_pql_rate_by_segment_with_wilson_intervals():
    """organic: u1 PQL, u2 not -> 1/2; paid: u3, u4, u5, none PQL -> 0/3. Overall 1/5 = 0.2.
    Intervals are Wilson's: for 0/3 the upper bound is z²/(n+z²) = 3.8415/6.8415 = 0.5615."""
    frames = {
        "users": users([("u1", T0, "organic"), ("u2", T0, "organic"), ("u3", T0, "paid"), ("u4", T0, "paid"),
                        ("u5", T0, "paid")], columns=("user_id", "signup_at", "channel")),
        "events": events([("u1", "a", T0 + DAY), ("u3", "x", T0 + DAY)]),
    }
    entities, ctx = analyze(frames, ONE_STEP)
    by_channel = pk.pql_rate(entities, by="channel").set_index("channel")
    assert by_channel.loc["organic", ["entities", "pqls", "pql_rate"]].tolist() == [2, 1, 0.5]
    assert by_channel.loc["paid", "pql_rate"] == 0.0
    assert by_channel.loc["paid", "ci_high"] == pytest.approx(0.5615, abs=1e-4)
    overall = pk.pql_rate(entities)
    assert overall.loc[0, "pql_rate"] == pytest.approx(0.2) == pk.summary(entities, context=ctx)["pql_rate"]
    weekly = pk.pql_rate(entities, cohort="W")
    assert weekly["signup_cohort"].tolist() == [T0] and weekly["entities"].tolist() == [5]


# --- 3. time to PQL ------------------------------------------------------------------------------


def test_time_to_pql_median_of_an_even_count_and_stalled_trials():
    """as_of = d20. PQLs: u1 at 1 day, u2 at 4 days, u7 at 1 day, u8 at 6 days -> sorted 1, 1, 4, 6,
    median (1 + 4) / 2 = 2.5.
    Trials (trial 14 days, stall day 12), age = as_of - signup:
    u3 signed up d8 -> age 12 -> stalled; u4 at d8 + 1 s -> age just under 12 -> not yet;
    u5 at d6 -> age 14 -> trial over, not stalled; u6 at d7 (age 13) but paid -> not stalled;
    u7 at d8 and a PQL (a at d9) -> not stalled. Stalled: [u3]."""
    frames = {
        "users": users([("u1", T0), ("u2", T0), ("u3", T0 + 8 * DAY), ("u4", T0 + 8 * DAY + pd.Timedelta(seconds=1)),
                        ("u5", T0 + 6 * DAY), ("u6", T0 + 7 * DAY), ("u7", T0 + 8 * DAY), ("u8", T0)]),
        "events": events([("u1", "a", T0 + DAY), ("u2", "a", T0 + 4 * DAY), ("u7", "a", T0 + 9 * DAY),
                          ("u8", "a", T0 + 6 * DAY)]),
        "conversions": conversions([("u6", T0 + 19 * DAY)]),
    }
    entities, ctx = analyze(frames, ONE_STEP, as_of=T0 + 20 * DAY)
    totals = pk.summary(entities, context=ctx)
    assert totals["time_to_pql_median_days"] == 2.5
    stalled = pk.stalled_trials(entities, context=ctx)
    assert list(stalled["entity_id"]) == ["u3"] and totals["stalled_in_trial"] == 1
    assert stalled.loc[0, "trial_days_left"] == pytest.approx(2.0)
    assert stalled.loc[0, "missing_steps"] == "did_a"


def test_time_to_pql_percentiles_and_share_by_day():
    """PQL times 1, 2, 3, 4 days (u1-u4), u5 never (age 10). p50 = 2.5 (linear interpolation).
    By day 2, among the 5 entities (all at least 10 days old) 2 reached PQL -> 0.4; the KM estimate
    agrees when nobody is censored before day 2: 1 - 3/5 = 0.4."""
    frames = {
        "users": users([(f"u{i}", T0) for i in range(1, 6)]),
        "events": events([(f"u{i}", "a", T0 + i * DAY) for i in range(1, 5)]),
    }
    entities, ctx = analyze(frames, ONE_STEP, as_of=T0 + 10 * DAY)
    percentiles = pk.time_to_pql_percentiles(entities).set_index("percentile")["time_to_pql_days"]
    assert percentiles[0.5] == pytest.approx(2.5)
    by_day = pk.share_pql_by_day(entities, days=[2]).iloc[0]
    assert (by_day["mature"], by_day["pql_by_day"], by_day["share"]) == (5, 2, 0.4)
    assert by_day["km_share"] == pytest.approx(0.4)


def test_share_by_day_is_not_measured_past_the_longest_follow_up():
    """Issue 21, defect 10. The worked example (docs/metrics.md): PQLs at 2, 4, 6 days, non-PQLs censored at
    11, 13, 21. The Kaplan–Meier share is 0.5 from day 6 to day 21, the longest time observed; by day 30 or
    60 nobody was observed that long, so it is NaN (not 0.5 carried on), as the JSON summary's null says.
    The plain share has no entity 30 days old (the oldest, u1, is 30.0 days: 1 of 1 by day 30; 0 by 60)."""
    namespace = _worked_example()
    table = pk.share_pql_by_day(namespace["entities"], days=[7, 21, 30, 60]).set_index("day")
    assert table.loc[7, "km_share"] == pytest.approx(0.5) and table.loc[21, "km_share"] == pytest.approx(0.5)
    assert np.isnan(table.loc[30, "km_share"]) and np.isnan(table.loc[60, "km_share"])
    assert table.loc[60, "mature"] == 0 and np.isnan(table.loc[60, "share"])


# --- 4. PQL to paid ------------------------------------------------------------------------------


def test_paid_before_and_after_pql():
    """PQLs (a done): u1 pays at d5 after its PQL at d1; u2 pays at d3 before its PQL at d4
    (paid_before_pql); u3 pays at d1 exactly when it becomes PQL at d1 (pql_at <= paid_at -> paid
    PQL); u4 is a PQL who never pays. u5 pays (d2) but never activates (paid_without_pql).
    Rate = paid_pqls / (raw - paid_before) = 2 / (4 - 1) = 2/3.
    Within 2 days of PQL only u3 (lag 0) counts; u1's lag is 4 days -> 1/3."""
    frames = {
        "users": users([(f"u{i}", T0) for i in range(1, 6)]),
        "events": events([("u1", "a", T0 + DAY), ("u2", "a", T0 + 4 * DAY), ("u3", "a", T0 + DAY),
                          ("u4", "a", T0 + DAY)]),
        "conversions": conversions([("u1", T0 + 5 * DAY), ("u2", T0 + 3 * DAY), ("u3", T0 + DAY),
                                    ("u5", T0 + 2 * DAY)]),
    }
    entities, ctx = analyze(frames, ONE_STEP, as_of=T0 + 10 * DAY)
    totals = pk.summary(entities, context=ctx)
    assert (totals["paid_pqls"], totals["paid_before_pql"], totals["paid_without_pql"]) == (2, 1, 1)
    assert totals["pql_to_paid_rate"] == pytest.approx(2 / 3)
    windowed = pk.pql_to_paid(entities, within_days=2).iloc[0]
    assert (windowed["eligible"], windowed["paid_pqls"]) == (3, 1)
    assert pk.paid_lag(entities)["lag_days"].tolist() == [0.0, 4.0]


def test_pql_to_paid_rate_is_null_with_nobody_eligible():
    """No PQLs at all: eligible 0 -> the rate is null (not 0), and the summary has no NaN."""
    frames = {"users": users([("u1", T0)]), "events": events([("u1", "x", T0 + DAY)])}
    with pytest.warns(pk.PqlkitWarning):
        entities, ctx = analyze(frames, ONE_STEP)
    totals = pk.summary(entities, context=ctx)
    assert totals["pql_to_paid_rate"] is None and totals["time_to_pql_median_days"] is None
    assert totals["time_to_pql_km_median_days"] is None
    json.dumps(totals, allow_nan=False)


# --- activation ----------------------------------------------------------------------------------


def test_funnel_and_distribution_add_up():
    """Steps a, b: u1 did both, u2 did a, u3 none. Funnel a=2, b=1; distribution 0:1, 1:1, 2:1."""
    frames = {
        "users": users([("u1", T0), ("u2", T0), ("u3", T0)]),
        "events": events([("u1", "a", T0 + DAY), ("u1", "b", T0 + DAY), ("u2", "a", T0 + DAY), ("u3", "x", T0)]),
    }
    entities, ctx = analyze(frames, spec([{"name": "sa", "event": "a"}, {"name": "sb", "event": "b"}]))
    funnel = pk.activation_funnel(entities, context=ctx)
    assert funnel["completed"].tolist() == [2, 1]
    distribution = pk.activation_distribution(entities, context=ctx)
    assert distribution["entities"].tolist() == [1, 1, 1]
    assert distribution["activation_rate"].tolist() == [0.0, 0.5, 1.0]
    assert distribution["share"].sum() == pytest.approx(1.0)
    assert pk.summary(entities, context=ctx)["step_completion"] == {"sa": 2, "sb": 1}


def test_metrics_do_not_modify_their_input():
    frames = {"users": users([("u1", T0), ("u2", T0)]), "events": events([("u1", "a", T0 + DAY), ("u2", "x", T0)])}
    entities, ctx = analyze(frames, ONE_STEP)
    before = entities.copy()
    for metric in (pk.current_pqls, pk.stalled_trials, pk.activation_funnel, pk.pqls_over_time, pk.summary):
        metric(entities, context=ctx)
    for metric in (pk.pql_rate, pk.pql_to_paid, pk.time_to_pql_curve):
        metric(entities)
    pd.testing.assert_frame_equal(entities, before)


# --- the context is explicit: an analyst's merge, filter or concat changes nothing ----------------


def _channels():
    """as_of d20, one step (a), active_days 14.

    ====  =======  ============  ===============  ============
    user  channel  a done (d)    last event (d)   paid (d)
    ====  =======  ============  ===============  ============
    u1    organic  1             10               -            current PQL
    u2    organic  2             2                -            PQL, not seen since d2 (< d6): not current
    u3    paid     3             15               12           PQL, paying: not current
    u4    paid     -             19               -            not a PQL
    u5    organic  4             18               -            current PQL
    ====  =======  ============  ===============  ============

    Current PQLs: u1, u5 (both organic), listed u5 first (all have activation rate 1; most recently
    seen first). Raw PQLs 4 of 5.
    """
    frames = {
        "users": users([("u1", T0, "organic"), ("u2", T0, "organic"), ("u3", T0, "paid"), ("u4", T0, "paid"),
                        ("u5", T0, "organic")], columns=("user_id", "signup_at", "channel")),
        "events": events([("u1", "a", T0 + DAY), ("u1", "x", T0 + 10 * DAY), ("u2", "a", T0 + 2 * DAY),
                          ("u3", "a", T0 + 3 * DAY), ("u3", "x", T0 + 15 * DAY), ("u4", "x", T0 + 19 * DAY),
                          ("u5", "a", T0 + 4 * DAY), ("u5", "x", T0 + 18 * DAY)]),
        "conversions": conversions([("u3", T0 + 12 * DAY)]),
    }
    return analyze(frames, ONE_STEP, as_of=T0 + 20 * DAY)


def test_merging_a_crm_table_changes_no_result():
    """A CRM table merged on (with a column of its own ending in _at) gives the same current PQLs
    (u5, u1), and the same summary, as the table before the merge."""
    entities, ctx = _channels()
    crm = pd.DataFrame({"entity_id": ["u1", "u2", "u3", "u4", "u5"], "owner": list("ABABA"),
                        "created_at": pd.Timestamp("2025-12-01", tz="UTC")})
    merged = entities.merge(crm, on="entity_id", how="left")
    assert list(pk.current_pqls(entities, context=ctx)["entity_id"]) == ["u5", "u1"]
    pd.testing.assert_frame_equal(
        pk.current_pqls(merged, context=ctx).drop(columns=["owner", "created_at"]), pk.current_pqls(entities, context=ctx))
    assert pk.summary(merged, context=ctx) == pk.summary(entities, context=ctx)
    by_owner = pk.pql_rate(merged, by="owner").set_index("owner")
    assert by_owner["pqls"].to_dict() == {"A": 3, "B": 1}  # A: u1, u3, u5; B: u2 (u4 is not a PQL)


def test_a_filtered_table_is_analysed_as_it_is():
    """Organic only (u1, u2, u5): 3 PQLs of 3, current u5 and u1; the funnel counts 3 of 3."""
    entities, ctx = _channels()
    organic = entities[entities["channel"] == "organic"]
    assert list(pk.current_pqls(organic, context=ctx)["entity_id"]) == ["u5", "u1"]
    funnel = pk.activation_funnel(organic, context=ctx).iloc[0]
    assert (funnel["entities"], funnel["completed"]) == (3, 3)
    assert pk.summary(organic, context=ctx)["raw_pqls"] == 3


def test_concatenated_halves_give_the_whole():
    """Splitting by channel and concatenating back: same raw PQLs (4), current PQLs (2), rate 4/5."""
    entities, ctx = _channels()
    parts = [entities[entities["channel"] == c] for c in ("paid", "organic")]
    whole = pd.concat(parts, ignore_index=True)
    summary = pk.summary(whole, context=ctx)
    assert (summary["raw_pqls"], summary["current_pqls"], summary["pql_rate"]) == (4, 2, 0.8)
    assert summary == pk.summary(entities, context=ctx) | {"pqls_over_time": summary["pqls_over_time"]}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda e: pk.current_pqls(e), "current_pqls needs `as_of`: pass context=", id="current_pqls"),
        pytest.param(lambda e: pk.current_pqls(e, as_of="2026-01-25"), "current_pqls needs `active_days`",
                     id="current_pqls-as_of-only"),
        pytest.param(lambda e: pk.stalled_trials(e, as_of="2026-01-25"), "stalled_trials needs `trial_days`",
                     id="stalled_trials"),
        pytest.param(lambda e: pk.pqls_over_time(e), "pqls_over_time needs `as_of`", id="pqls_over_time"),
        pytest.param(lambda e: pk.activation_funnel(e), "activation_funnel needs `steps`", id="activation_funnel"),
        pytest.param(lambda e: pk.summary(e), "summary needs `context`", id="summary"),
        pytest.param(lambda e: pk.cohorts.cohort_rates(e), "cohort_rates needs `horizon_days`", id="cohort_rates"),
        pytest.param(lambda e: pk.cohorts.weekly_pqls(e), "weekly_pqls needs `as_of`", id="weekly_pqls"),
        pytest.param(lambda e: pk.cohorts.current_pqls_over_time(e, active_days=14),
                     "current_pqls_over_time needs `context` with the loaded dataset", id="current_pqls_over_time"),
        pytest.param(lambda e: pk.explore.completion_curves(e), "completion_curves needs `days`", id="completion_curves"),
        pytest.param(lambda e: pk.pricing.free_to_paid(e), "free_to_paid needs `min_age_days`", id="free_to_paid"),
        pytest.param(lambda e: pk.playbook.prioritise_pqls(e), "current_pqls needs `as_of`", id="prioritise_pqls"),
    ],
)
def test_a_missing_value_names_the_argument_to_pass(call, message):
    """No silent default (no 14 days from nowhere): without the context, the error says what to pass."""
    entities, _ = _channels()
    with pytest.raises(ValueError, match=re.escape(message)):
        call(entities)


def test_explicit_values_stand_in_for_the_context():
    """as_of and active_days given by hand give the context's answer (u5, u1)."""
    entities, ctx = _channels()
    current = pk.current_pqls(entities, as_of=T0 + 20 * DAY, active_days=14)
    pd.testing.assert_frame_equal(current, pk.current_pqls(entities, context=ctx))
    # An override wins over the context: with 30 active days u2 (seen d2, 18 days before) is current too.
    assert list(pk.current_pqls(entities, context=ctx, active_days=30)["entity_id"]) == ["u5", "u1", "u2"]


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda e: pk.pql_rate(e, by="chanel"), id="pql_rate"),
        pytest.param(lambda e: pk.pql_rate(e, by=["channel", "chanel"]), id="pql_rate-list"),
        pytest.param(lambda e: pk.pql_to_paid(e, by="chanel"), id="pql_to_paid"),
        pytest.param(lambda e: pk.check_columns(e, "chanel"), id="check_columns"),
    ],
)
def test_a_wrong_column_name_gets_the_same_clear_error(call):
    entities, _ = _channels()
    columns = re.escape(str(list(entities.columns)))
    with pytest.raises(ValueError, match=rf"^The value for `by` must be one of {columns}, but 'chanel' was passed\.$"):
        call(entities)


# --- the summary's Kaplan–Meier readings -----------------------------------------------------------


def _six_mp_frames():
    """The 6-MP arm as users and events: a remission end at t weeks is a PQL t days after signup (signed
    up on T0, observed 40 days); a censored t* is a user who signed up t days before as_of and did nothing."""
    as_of = T0 + 40 * DAY
    rows, acts = [], []
    for i, value in enumerate(SIX_MP):
        t = float(value.rstrip("*"))
        if value.endswith("*"):
            rows.append((f"p{i}", as_of - t * DAY))
        else:
            rows.append((f"p{i}", T0))
            acts.append((f"p{i}", "a", T0 + t * DAY))
    return {"users": users(rows), "events": events(acts)}, as_of


def test_summary_km_readings_equal_r_and_lifelines_on_the_6mp_table():
    """R's summary(survfit(Surv(time, cens) ~ 1), times = c(7, 14, 30)) on MASS::gehan, 6-MP arm (the
    rows of tests/stats/test_stats.py R_SIX_MP, log-log interval): S(7) = 0.806723 (0.563147, 0.922809),
    S(14) = S(13) = 0.690196 (0.431610, 0.849066), S(30) = S(23) = 0.448179 (0.188052, 0.680143);
    share = 1 - S and the share's interval is 1 - (upper, lower). The trial is 14 days.
    10% reached: 1 - S(6) = 3/21 = 0.143 >= 0.10 -> 6. 25%: 1 - S(10) = 0.247 < 0.25, 1 - S(13) = 0.310
    -> 13. Median: S(22) = 0.538, S(23) = 0.448 -> 23 weeks (published; and lifelines' median_survival_time_
    on the same durations, computed here). The summary itself does not import lifelines."""
    import subprocess
    import sys
    from pathlib import Path

    frames, as_of = _six_mp_frames()
    entities, ctx = analyze(frames, ONE_STEP, as_of=as_of)
    totals = pk.summary(entities, context=ctx)
    for key, day, survival, low, high in (("time_to_pql_km_share_7d", 7, 0.806723, 0.563147, 0.922809),
                                          ("time_to_pql_km_share_trial", 14, 0.690196, 0.431610, 0.849066),
                                          ("time_to_pql_km_share_30d", 30, 0.448179, 0.188052, 0.680143)):
        reading = totals[key]
        assert reading["day"] == day
        assert reading["share"] == pytest.approx(1 - survival, abs=1e-6), key
        assert (reading["ci_low"], reading["ci_high"]) == pytest.approx((1 - high, 1 - low), abs=1e-6), key
    assert totals["time_to_pql_km_p10_days"] == pytest.approx(6.0)
    assert totals["time_to_pql_km_p25_days"] == pytest.approx(13.0)
    assert totals["time_to_pql_km_median_days"] == pytest.approx(23.0)

    from lifelines import KaplanMeierFitter

    durations = entities["time_to_pql_days"].where(entities["is_pql"], entities["age_days"])
    fitter = KaplanMeierFitter().fit(durations, event_observed=entities["is_pql"])
    assert totals["time_to_pql_km_median_days"] == pytest.approx(fitter.median_survival_time_)

    code = ("import sys, pqlkit as pk; entities, ctx = pk.entity_table('tests/data/tiny', 'tests/data/tiny_spec.yaml'); "
            "pk.summary(entities, context=ctx); print('lifelines' in sys.modules)")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert result.stdout.strip() == "False"


def _worked_example() -> dict:
    """Run the worked example's code from docs/metrics.md; its names (``entities``, ``context``)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text(encoding="utf-8")
    code = re.search(r"## The worked example.*?```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)
    return namespace


def test_summary_km_readings_on_the_worked_example():
    """docs/metrics.md#json-summary, the worked example's durations (days): PQLs u1 2, u2 4, u5 6;
    censored u6 11, u4 13, u3 21. At risk 6, 5, 4 at the three events: S(2) = 5/6, S(4) = 4/6,
    S(6) = 3/6 = 0.5, flat after. Share by day 7 = by day 14 = 0.5; day 30 is past the longest
    duration (21) with S > 0: null. 10% by day 2 (1/6), 25% by day 4 (2/6), median 6."""
    import re as regex
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text(encoding="utf-8")
    code = regex.search(r"## The worked example.*?```python\n(.*?)```", text, regex.S).group(1)
    namespace: dict = {}
    exec(code, namespace)
    totals = pk.summary(namespace["entities"], context=namespace["context"])
    assert totals["time_to_pql_km_share_7d"]["share"] == pytest.approx(0.5)
    assert totals["time_to_pql_km_share_trial"]["share"] == pytest.approx(0.5)
    assert totals["time_to_pql_km_share_trial"]["day"] == 14
    assert totals["time_to_pql_km_share_30d"] == {"day": 30.0, "share": None, "ci_low": None, "ci_high": None}
    assert totals["time_to_pql_km_p10_days"] == 2.0 and totals["time_to_pql_km_p25_days"] == 4.0
    assert totals["time_to_pql_km_median_days"] == 6.0
    json.dumps(totals, allow_nan=False)  # JSON-ready: no NaN


@pytest.mark.filterwarnings("ignore:spec. step 'did_a' waits for event")
def test_summary_km_readings_without_pqls():
    """No PQL: the share is 0 by every day someone was observed, and no time reaches 10% (None)."""
    frames = {"users": users([("u1", T0), ("u2", T0)]), "events": events([("u1", "b", T0 + DAY)])}
    entities, ctx = analyze(frames, ONE_STEP, as_of=T0 + 31 * DAY)
    totals = pk.summary(entities, context=ctx)
    assert totals["time_to_pql_km_share_7d"]["share"] == 0.0
    assert totals["time_to_pql_km_share_30d"]["share"] == 0.0
    assert totals["time_to_pql_km_p10_days"] is None and totals["time_to_pql_km_median_days"] is None
