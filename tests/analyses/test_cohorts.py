"""pqlkit.analyses.cohorts: the cohort triangle, per-cohort rates with maturity, time to PQL per cohort,
PQL-to-paid per PQL cohort, seasonality and trends, on a hand-worked dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from helpers import DAY, T0, analyze, conversions, events, spec, users
from pqlkit import cohorts

HOUR = pd.Timedelta(hours=1)
AS_OF = T0 + 20 * DAY  # Sunday 2026-01-25 00:00 UTC
ONE_STEP = spec([{"name": "did_a", "event": "a"}], active_days=7, trial_days=14, stall_day=12)
W1, W2 = pd.Timestamp("2026-01-05", tz="UTC"), pd.Timestamp("2026-01-12", tz="UTC")


def frames() -> dict:
    """Two weekly cohorts of two users each; T0 = Monday 2026-01-05.

    ====  ==============  =======================  ==========  =============
    user  signup (T0 +)   events (T0 +)            time to PQL  paid (T0 +)
    ====  ==============  =======================  ==========  =============
    u1    0 (Mon, W1)     a 1d                     1 day        3d (after PQL)
    u2    2d (Wed, W1)    a 7d                     5 days       5d (before PQL)
    u3    7d (Mon, W2)    a 9d, login 18d          2 days       -
    u4    8d (Tue, W2)    login 8d+1h              -            15d (no PQL)
    ====  ==============  =======================  ==========  =============

    At ``as_of`` = T0 + 20 days the ages are 20, 18, 13 and 12 days.
    """
    return {
        "users": users([("u1", T0), ("u2", T0 + 2 * DAY), ("u3", T0 + 7 * DAY), ("u4", T0 + 8 * DAY)]),
        "events": events([("u1", "a", T0 + DAY), ("u2", "a", T0 + 7 * DAY), ("u3", "a", T0 + 9 * DAY),
                          ("u3", "login", T0 + 18 * DAY), ("u4", "login", T0 + 8 * DAY + HOUR)]),
        "conversions": conversions([("u1", T0 + 3 * DAY), ("u2", T0 + 5 * DAY), ("u4", T0 + 15 * DAY)]),
    }


@pytest.fixture(scope="module")
def analysed():
    return analyze(frames(), ONE_STEP, as_of=AS_OF)


@pytest.fixture(scope="module")
def entities(analysed):
    return analysed[0]


@pytest.fixture(scope="module")
def ctx(analysed):
    return analysed[1]


def empty_like(entities: pd.DataFrame) -> pd.DataFrame:
    empty = entities.iloc[:0].copy()
    return empty


def test_cohort_matrix_by_hand(entities):
    """W1 (u1, u2; youngest 18 days): PQL within 1 day: u1 → 1/2; within 7: both → 1.
    W2 (u3, u4; youngest 12 days): within 3 days: u3 → 1/2; day 14 is blank (too young)."""
    matrix = cohorts.cohort_matrix(entities, days=(1, 3, 7, 14))
    rates = matrix.pivot(index="signup_cohort", columns="day", values="pql_rate")
    assert rates.loc[W1].tolist() == pytest.approx([0.5, 0.5, 1.0, 1.0])
    assert rates.loc[W2].tolist()[:3] == pytest.approx([0.0, 0.5, 0.5])
    assert np.isnan(rates.loc[W2, 14.0])
    assert matrix.loc[(matrix["signup_cohort"] == W2) & (matrix["day"] == 14), "mature"].tolist() == [False]
    assert matrix["entities"].tolist() == [2] * 8


def test_cohort_matrix_is_cumulative(entities):
    matrix = cohorts.cohort_matrix(entities, days=(1, 3, 7, 14, 21))
    for _, group in matrix.groupby("signup_cohort"):
        assert (np.diff(group.sort_values("day")["pqls_by_day"].to_numpy()) >= 0).all()
        values = group["pql_rate"].dropna()
        assert ((values >= 0) & (values <= 1)).all()


def test_monthly_cohort_matrix_has_one_cohort(entities):
    matrix = cohorts.cohort_matrix(entities, freq="M", days=(7,))
    assert matrix["signup_cohort"].tolist() == [pd.Timestamp("2026-01-01", tz="UTC")]
    assert matrix["pql_rate"].tolist() == pytest.approx([0.75])  # u1, u2 (5 days), u3 (2 days) of 4


def test_cohort_rates_by_hand(entities, ctx):
    """Within 7 days: W1 both (u1 1 day, u2 5 days) → 100 %; W2 u3 (2 days) → 50 %; youngest members
    18 and 12 days old, so both mature at 7 days; at 14 days W2 is not."""
    rates = cohorts.cohort_rates(entities, context=ctx, horizon_days=7)
    assert rates["signup_cohort"].tolist() == [W1, W2]
    assert rates["pqls_within"].tolist() == [2, 1]
    assert rates["pql_rate"].tolist() == pytest.approx([1.0, 0.5])
    assert rates["mature"].tolist() == [True, True]
    assert rates["youngest_age_days"].tolist() == pytest.approx([18.0, 12.0])
    assert cohorts.cohort_rates(entities, context=ctx)["mature"].tolist() == [True, False]  # trial_days 14 from the spec
    assert rates["horizon_days"].tolist() == [7.0, 7.0]  # the fixed age travels with the rows, not in attrs
    assert cohorts.cohort_rates(entities, context=ctx)["horizon_days"].tolist() == [14.0, 14.0]
    assert (rates["ci_low"] <= rates["pql_rate"]).all() and (rates["pql_rate"] <= rates["ci_high"]).all()


def test_a_cohort_too_young_has_a_blank_rate_not_a_floor(entities, ctx):
    """docs/metrics.md: "a cohort too young for a figure gets a blank, not a low number" (issue 22: the
    newest cohort read 0.0 %). At 14 days (the spec's trial) W2's youngest member is 12 days old: W2's
    rate and interval are NaN; its floor so far, u3 of u3 and u4 = 1/2, stays in pql_rate_so_far.
    W1 (youngest 18 days) is mature: u1 and u2 within 14 days, 2/2."""
    rates = cohorts.cohort_rates(entities, context=ctx)
    assert rates["mature"].tolist() == [True, False]
    assert rates["pql_rate"].iloc[0] == pytest.approx(1.0)
    assert rates[["pql_rate", "ci_low", "ci_high"]].iloc[1].isna().all()
    assert rates["pql_rate_so_far"].tolist() == pytest.approx([1.0, 0.5])


def test_cohort_time_to_pql_by_hand(entities):
    """W1 times 1 and 5 days: quartiles 2, 3, 4 (linear); Kaplan–Meier median 1 (survival 0.5 after
    day 1). W2: one PQL at 2 days, u4 censored at 12: survival 0.5 at day 2, so the median is 2."""
    table = cohorts.cohort_time_to_pql(entities)
    assert table["pqls"].tolist() == [2, 1]
    assert table[["p25_days", "median_days", "p75_days"]].iloc[0].tolist() == pytest.approx([2.0, 3.0, 4.0])
    assert table[["p25_days", "median_days", "p75_days"]].iloc[1].tolist() == pytest.approx([2.0, 2.0, 2.0])
    assert table["km_median_days"].tolist() == pytest.approx([1.0, 2.0])


def test_pql_cohort_conversion_by_hand(entities, ctx):
    """All three PQLs became PQLs in January. u2 paid before its PQL (out of the denominator); u1 paid
    2 days after: 1 of 2. The youngest PQL (u3, day 9) is 11 days old: mature at 10 days, not at 30."""
    table = cohorts.pql_cohort_conversion(entities, context=ctx, within_days=30)
    row = table.iloc[0]
    assert row["pql_cohort"] == pd.Timestamp("2026-01-01", tz="UTC")
    assert (row["pqls"], row["paid_before_pql"], row["eligible"], row["paid_pqls"]) == (3, 1, 2, 1)
    assert row["pql_to_paid_so_far"] == pytest.approx(0.5)
    assert pd.isna(row["pql_to_paid_rate"]) and pd.isna(row["ci_low"])  # too young at 30 days: blank, not 50 %
    assert row["youngest_days_since_pql"] == pytest.approx(11.0)
    assert not row["mature"] and row["within_days"] == 30.0
    assert cohorts.pql_cohort_conversion(entities, context=ctx, within_days=10)["mature"].tolist() == [True]
    # as_of by hand instead of the context: at T0 + 40 days the youngest PQL is 31 days old, mature at 30.
    later = cohorts.pql_cohort_conversion(entities, as_of=T0 + 40 * DAY, within_days=30).iloc[0]
    assert later["youngest_days_since_pql"] == pytest.approx(31.0) and later["mature"]
    assert later["pql_to_paid_rate"] == pytest.approx(0.5)  # mature: the rate is shown
    assert cohorts.pql_cohort_conversion(entities, context=ctx, within_days=1)["paid_pqls"].tolist() == [0]


def test_seasonality_by_weekday_by_hand(entities, ctx):
    """Signups Mon (u1, u3), Wed (u2), Tue (u4); all at least 7 days old. PQL within 7 days: u1, u2,
    u3. PQLs reached on Tue (u1, day 1), Mon (u2, Jan 12) and Wed (u3, Jan 14)."""
    table = cohorts.seasonality(entities, context=ctx, by="weekday", horizon_days=7)
    assert table["weekday"].tolist() == list(cohorts.WEEKDAYS)
    assert table["signups"].tolist() == [2, 1, 1, 0, 0, 0, 0]
    assert table["pqls_within"].tolist() == [2, 0, 1, 0, 0, 0, 0]
    assert table["pql_rate"].tolist()[:3] == pytest.approx([1.0, 0.0, 1.0])
    assert table["pql_rate"].iloc[3:].isna().all()
    assert table["pqls_reached"].tolist() == [1, 1, 1, 0, 0, 0, 0]


def test_seasonality_by_month_lists_the_months_present(entities, ctx):
    table = cohorts.seasonality(entities, context=ctx, by="month", horizon_days=7)
    assert table["month"].tolist() == ["Jan"]
    assert table["pql_rate"].tolist() == pytest.approx([0.75])


def test_seasonality_rejects_an_unknown_grouping(entities, ctx):
    with pytest.raises(ValueError, match="must be one of"):
        cohorts.seasonality(entities, context=ctx, by="hour")


def test_weekly_pqls_by_hand(entities, ctx):
    """Weeks of Jan 5, 12, 19: new PQLs 1 (u1), 2 (u2, u3), 0; rolling mean over 2 weeks 1, 1.5, and none for the week still running.
    The week of Jan 19 ends after as_of (Jan 25 00:00), so it is not complete."""
    weekly = cohorts.weekly_pqls(entities, context=ctx, window=2)
    assert weekly["new_pqls"].tolist() == [1, 2, 0]
    assert weekly["rolling_mean"].tolist()[:2] == pytest.approx([1.0, 1.5])
    assert np.isnan(weekly["rolling_mean"].iloc[2])
    assert weekly["complete"].tolist() == [True, True, False]


def test_weekly_pqls_rejects_a_zero_window(entities, ctx):
    with pytest.raises(ValueError, match="window"):
        cohorts.weekly_pqls(entities, context=ctx, window=0)


def test_current_pqls_over_time_by_hand(analysed):
    """active_days = 7. End of week 1 (Jan 11): only u1 is a PQL and it paid on Jan 8: 0 current.
    End of week 2 (Jan 18): u1 and u2 pay; u3 (PQL Jan 14, event Jan 14): 1. At as_of: u3 (login
    Jan 23): 1, which is what pqlkit.current_pqls says."""
    entities, ctx = analysed
    table = cohorts.current_pqls_over_time(entities, context=ctx)
    assert table["pqls_to_date"].tolist() == [1, 3, 3]
    assert table["current_pqls"].tolist() == [0, 1, 1]
    assert table["week_end"].iloc[-1] == AS_OF
    assert table["current_pqls"].iloc[-1] == len(pk.current_pqls(entities, context=ctx))


def test_current_pqls_over_time_matches_current_pqls_at_every_past_as_of():
    """Re-running the whole analysis as of each week end gives the same counts (the steps here are
    done once and for all, so the step times do not depend on as_of)."""
    entities, ctx = analyze(frames(), ONE_STEP, as_of=AS_OF)
    table = cohorts.current_pqls_over_time(entities, context=ctx)
    for end, count in zip(table["week_end"], table["current_pqls"]):
        past, past_ctx = analyze(frames(), ONE_STEP, as_of=end)
        assert len(pk.current_pqls(past, context=past_ctx)) == count


@pytest.mark.parametrize("function", [
    cohorts.cohort_matrix, cohorts.cohort_rates, cohorts.cohort_time_to_pql, cohorts.pql_cohort_conversion,
    cohorts.weekly_pqls, cohorts.current_pqls_over_time,
])
def test_empty_tables_give_empty_results(entities, ctx, function):
    options = {} if function in (cohorts.cohort_matrix, cohorts.cohort_time_to_pql) else {"context": ctx}
    assert len(function(empty_like(entities), **options)) == 0


def test_seasonality_of_an_empty_table_lists_weekdays_without_rates(entities, ctx):
    table = cohorts.seasonality(empty_like(entities), context=ctx)
    assert len(table) == 7 and table["pql_rate"].isna().all() and table["signups"].eq(0).all()


def test_one_entity(entities, ctx):
    one = entities[entities["entity_id"] == "u1"].copy()
    assert cohorts.cohort_rates(one, context=ctx)["pql_rate"].tolist() == [1.0]
    assert cohorts.cohort_time_to_pql(one)["median_days"].tolist() == pytest.approx([1.0])
