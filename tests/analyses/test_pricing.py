"""pqlkit.analyses.pricing: the benchmark reading, payments by plan and price point, lag, checks on the
definition and revenue at stake, on a hand-worked dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from helpers import DAY, T0, analyze, conversions, events, spec, users
from pqlkit import pricing

AS_OF = T0 + 20 * DAY
ONE_STEP = spec([{"name": "did_a", "event": "a"}], active_days=7, trial_days=14, stall_day=12)
PAYMENT_COLUMNS = ("user_id", "paid_at", "plan", "mrr")


def frames() -> dict:
    """Four users, one step ``a``.

    ====  =============  ================  ==========================================
    user  signup (T0 +)  a at (T0 +)       payments (T0 +)
    ====  =============  ================  ==========================================
    u1    0              1d                team 100 at 3d, starter 50 at 9d (later, ignored)
    u2    2d             7d                starter 50 at 5d (before its PQL)
    u3    7d             9d, 18d           -
    u4    8d             -                 team 100 at 15d (never a PQL)
    ====  =============  ================  ==========================================

    PQLs u1, u2, u3; eligible (not paid before) u1, u3; converted u1 (lag 2 days): PQL-to-paid 1/2.
    Current at as_of (T0 + 20 days, active 7 days, not paying): u3.
    """
    return {
        "users": users([("u1", T0), ("u2", T0 + 2 * DAY), ("u3", T0 + 7 * DAY), ("u4", T0 + 8 * DAY)]),
        "events": events([("u1", "a", T0 + DAY), ("u2", "a", T0 + 7 * DAY), ("u3", "a", T0 + 9 * DAY),
                          ("u3", "a", T0 + 18 * DAY), ("u4", "b", T0 + 8 * DAY)]),
        "conversions": conversions([("u1", T0 + 3 * DAY, "team", "100"), ("u1", T0 + 9 * DAY, "starter", "50"),
                                    ("u2", T0 + 5 * DAY, "starter", "50"), ("u4", T0 + 15 * DAY, "team", "100")],
                                   columns=PAYMENT_COLUMNS),
    }


@pytest.fixture(scope="module")
def analysed():
    return analyze(frames(), ONE_STEP, as_of=AS_OF)


# --- the benchmark verdict ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        pytest.param(0.05, 0.12, "below", id="below"),
        pytest.param(0.31, 0.40, "above", id="above"),
        pytest.param(0.16, 0.29, "within", id="within"),
        pytest.param(0.15, 0.30, "within", id="within-edges-inclusive"),
        pytest.param(0.10, 0.20, "inconclusive", id="straddles-low-edge"),
        pytest.param(0.25, 0.35, "inconclusive", id="straddles-high-edge"),
        pytest.param(0.05, 0.50, "inconclusive", id="straddles-the-whole-band"),
        pytest.param(np.nan, np.nan, "no_data", id="no-rate"),
        pytest.param(None, None, "no_data", id="none"),
    ],
)
def test_benchmark_verdict(low, high, verdict):
    assert pricing.benchmark_verdict(low, high, low=0.15, high=0.30) == verdict


@pytest.mark.parametrize(
    ("low", "high"),
    [pytest.param(0.3, 0.15, id="reversed"), pytest.param(0.2, 0.2, id="empty"), pytest.param(-0.1, 0.2, id="negative"),
     pytest.param(0.1, 1.5, id="above-one")],
)
def test_benchmark_band_must_be_a_proper_interval(low, high):
    with pytest.raises(ValueError, match="benchmark band"):
        pricing.benchmark_verdict(0.1, 0.2, low=low, high=high)


def test_benchmark_reading_by_hand(analysed):
    """Within 10 days, among PQLs at least 10 days past their PQL (u1: 19 days, u3: 11): u1 paid 2 days after,
    so 1 of 2: 50 %, Wilson 95 % interval 9.5–90.5 %, which straddles 15–30 %."""
    entities, ctx = analysed
    reading = pricing.benchmark_reading(entities, context=ctx, by_day=10).iloc[0]
    assert (reading["eligible"], reading["paid_pqls"]) == (2, 1)
    assert reading["pql_to_paid_rate"] == pytest.approx(0.5)
    assert reading["ci_low"] == pytest.approx(0.0945, abs=1e-4)
    assert reading["verdict"] == "inconclusive"
    assert "not enough evidence" in reading["action"]


def test_benchmark_reading_takes_pql_to_paid_at_a_fixed_lag(analysed):
    """Issue 21, defect 7. Within 15 days: u3 is only 11 days past its PQL and has not had the time, so it is
    left out: 1 of 1 (u1). All-time it counts: 1 of 2. By default the lag is 30 days, which no PQL here has
    reached at T0 + 20: nothing to compare (no_data), rather than a rate pulled down by young PQLs."""
    entities, ctx = analysed
    fixed = pricing.benchmark_reading(entities, context=ctx, by_day=15).iloc[0]
    assert (fixed["by_day"], fixed["eligible"], fixed["paid_pqls"]) == (15.0, 1, 1)
    all_time = pricing.benchmark_reading(entities, context=ctx, by_day=None).iloc[0]
    assert (all_time["eligible"], all_time["paid_pqls"]) == (2, 1) and np.isnan(all_time["by_day"])
    default = pricing.benchmark_reading(entities, context=ctx).iloc[0]
    assert (default["by_day"], default["eligible"], default["verdict"]) == (30.0, 0, "no_data")


def test_benchmark_reading_without_payments_is_no_data(analysed):
    entities, ctx = analysed
    reading = pricing.benchmark_reading(entities, context=ctx, has_payments=False).iloc[0]
    assert reading["verdict"] == "no_data" and np.isnan(reading["pql_to_paid_rate"])


# --- payments, plans, price points -------------------------------------------------------------


def test_payments_keep_the_first_payment_with_its_plan(analysed):
    _, ctx = analysed
    table = pricing.payments(ctx.dataset)
    assert table["entity_id"].tolist() == ["u1", "u2", "u4"]
    assert table["paid_plan"].tolist() == ["team", "starter", "team"]
    assert table["mrr"].tolist() == [100.0, 50.0, 100.0]


def test_payments_without_plan_or_mrr_columns():
    data = frames()
    data["conversions"] = conversions([("u1", T0 + 3 * DAY)])
    _, ctx = analyze(data, ONE_STEP, as_of=AS_OF)
    table = pricing.payments(ctx.dataset)
    assert table["paid_plan"].isna().all() and table["mrr"].isna().all()


def test_conversion_by_plan_by_hand(analysed):
    """starter: u2 (paid before its PQL). team: u1 (converted, lag 2 days) and u4 (never a PQL).
    Within 10 days, eligible PQLs (at least 10 days past their PQL): u1 and u3, so team converts 1/2 of them
    and starter 0."""
    entities, ctx = analysed
    table = pricing.conversion_by_plan(entities, context=ctx, by_day=10).set_index("plan")
    assert table.index.tolist() == ["starter", "team"]
    assert table["paying"].tolist() == [1, 2]
    assert table["converted_pqls"].tolist() == [0, 1]
    assert table["paid_before_pql"].tolist() == [1, 0]
    assert table["paid_without_pql"].tolist() == [0, 1]
    assert table["mean_mrr"].tolist() == [50.0, 100.0]
    assert table.loc["team", "median_lag_days"] == pytest.approx(2.0)
    assert table["pql_to_paid_rate"].tolist() == pytest.approx([0.0, 0.5])
    assert table["pql_to_paid_rate"].sum() == pytest.approx(pk.summary(entities, context=ctx)["pql_to_paid_rate"])
    assert table["share_of_paid_pqls"].tolist() == pytest.approx([0.0, 1.0])


def test_conversion_by_plan_at_a_fixed_lag(analysed):
    """Issue 21, defect 7 (the plan comparison). Within 15 days only u1 (19 days past its PQL) is eligible:
    team 1 of 1. Within 30 days (the default) no PQL is old enough: the rates are not measured (NaN), while
    the counts still describe every payment (u1 converted to team)."""
    entities, ctx = analysed
    table = pricing.conversion_by_plan(entities, context=ctx, by_day=15).set_index("plan")
    assert table["converted_in_lag"].tolist() == [0, 1]
    assert table["pql_to_paid_rate"].tolist() == pytest.approx([0.0, 1.0])
    default = pricing.conversion_by_plan(entities, context=ctx).set_index("plan")
    assert default["converted_pqls"].tolist() == [0, 1] and default["pql_to_paid_rate"].isna().all()


def test_conversion_by_price_point_labels_the_values(analysed):
    entities, ctx = analysed
    table = pricing.conversion_by_price_point(entities, context=ctx)
    assert table["price_point"].tolist() == ["50", "100"]
    assert table["converted_pqls"].tolist() == [0, 1]


def test_conversion_by_price_point_bins_many_values():
    """Ten PQLs paying 10, 20, ..., 100 a month, two bins: 10–50 and 60–100."""
    ids = [f"u{i}" for i in range(10)]
    data = {
        "users": users([(uid, T0) for uid in ids]),
        "events": events([(uid, "a", T0 + DAY) for uid in ids]),
        "conversions": conversions([(uid, T0 + 2 * DAY, "p", str(10 * (i + 1))) for i, uid in enumerate(ids)],
                                   columns=PAYMENT_COLUMNS),
    }
    entities, ctx = analyze(data, ONE_STEP, as_of=AS_OF)
    table = pricing.conversion_by_price_point(entities, context=ctx, max_points=2)
    assert table["price_point"].tolist() == ["10–50", "60–100"]
    assert table["converted_pqls"].tolist() == [5, 5]


def test_plan_tables_are_empty_without_payments(analysed):
    data = frames()
    del data["conversions"]
    entities, ctx = analyze(data, ONE_STEP, as_of=AS_OF)
    assert pricing.conversion_by_plan(entities, context=ctx).empty
    assert pricing.conversion_by_price_point(entities, context=ctx).empty


# --- lag, free-to-paid, checks -----------------------------------------------------------------


def test_lag_summary_by_hand(analysed):
    """One converted PQL, 2 days after its PQL: every quantile is 2, all paid within 7 days."""
    entities, ctx = analysed
    row = pricing.lag_summary(entities).iloc[0]
    assert row["paid_pqls"] == 1
    assert [row["p25_days"], row["median_days"], row["p90_days"]] == pytest.approx([2.0, 2.0, 2.0])
    assert row["within_7d"] == 1.0


def test_lag_summary_without_paid_pqls(analysed):
    entities, ctx = analysed
    row = pricing.lag_summary(entities[entities["paid_at"].isna()]).iloc[0]
    assert row["paid_pqls"] == 0 and np.isnan(row["median_days"]) and np.isnan(row["within_14d"])


def test_free_to_paid_by_hand(analysed):
    """At least 14 days old: u1 (20), u2 (18), both paying → 100 %. At least 10 days: all four,
    u1, u2 and u4 paying → 75 %."""
    entities, ctx = analysed
    assert pricing.free_to_paid(entities, context=ctx)["free_to_paid_rate"].tolist() == [1.0]
    row = pricing.free_to_paid(entities, context=ctx, min_age_days=10).iloc[0]
    assert (row["entities"], row["paying"], row["free_to_paid_rate"]) == (4, 3, 0.75)
    assert np.isnan(pricing.free_to_paid(entities, context=ctx, has_payments=False)["free_to_paid_rate"].iloc[0])


def test_definition_checks_by_hand(analysed):
    """Three payers: u1 converted after its PQL, u2 paid before, u4 without: a third each; the three
    paths add up to the payers."""
    entities, ctx = analysed
    checks = pricing.definition_checks(entities)
    assert checks["path"].tolist() == ["converted_pql", "paid_before_pql", "paid_without_pql"]
    assert checks["paying"].tolist() == [1, 1, 1]
    assert checks["share"].sum() == pytest.approx(1.0)
    summary = pk.summary(entities, context=ctx)
    assert checks["paying"].tolist()[1:] == [summary["paid_before_pql"], summary["paid_without_pql"]]


def test_definition_checks_with_no_payer(analysed):
    entities, ctx = analysed
    checks = pricing.definition_checks(entities[entities["paid_at"].isna()])
    assert checks["paying"].sum() == 0 and checks["share"].isna().all()


# --- revenue at stake --------------------------------------------------------------------------


def waiting_leads() -> dict:
    """Six users, one step ``a``; as_of = T0 + 30 days, active 7 days.

    ====  ==========  ========  ===================  =====================================
    user  signed up   PQL at    paid (MRR) / seen    on the PQL-to-paid curve (days)
    ====  ==========  ========  ===================  =====================================
    v1    T0          T0 + 1d   T0 + 3d (100)        paid at 2
    v2    T0          T0 + 1d   T0 + 5d (300)        paid at 4
    v3    T0 + 20d    T0 + 21d  seen T0 + 29d        censored at 9; current PQL, d = 9
    v4    T0          T0 + 1d   -                    censored at 29 (not seen lately)
    v5    T0          T0 + 1d   T0 + 16d (200)       paid at 15
    v6    T0 + 26d    T0 + 27d  seen T0 + 29.5d      censored at 3; current PQL, d = 3
    ====  ==========  ========  ===================  =====================================

    Kaplan–Meier: S(2) = 5/6 (6 at risk), S(4) = 5/6 × 3/4 = 0.625 (4 at risk), S(15) = 0.625 × 1/2 = 0.3125
    (2 at risk). Over 10 days: v3 (0.625 - S(19) = 0.3125) / 0.625 = 0.5; v6 (5/6 - S(13) = 0.625) / (5/6)
    = 0.25. Expected customers 0.75; average MRR of the converted PQLs (100 + 300 + 200) / 3 = 200: 150 at
    stake. The range: variance 0.5 × 0.5 + 0.25 × 0.75 = 0.4375, 1.96 × 0.6614 = 1.296: low 0 (not
    below), high 2.046 customers. The former formula: 2 current × 3/5 all-time = 1.2 customers, 240.
    """
    rows = [("v1", 0, 3, "100"), ("v2", 0, 5, "300"), ("v5", 0, 16, "200")]
    return {
        "users": users([("v1", T0), ("v2", T0), ("v3", T0 + 20 * DAY), ("v4", T0), ("v5", T0), ("v6", T0 + 26 * DAY)]),
        "events": events([(u, "a", T0 + DAY) for u in ("v1", "v2", "v4", "v5")]
                         + [("v3", "a", T0 + 21 * DAY), ("v3", "login", T0 + 29 * DAY),
                            ("v6", "a", T0 + 27 * DAY), ("v6", "login", T0 + 29.5 * DAY)]),
        "conversions": conversions([(u, T0 + day * DAY, "p", mrr) for u, _, day, mrr in rows], columns=PAYMENT_COLUMNS),
    }


@pytest.fixture(scope="module")
def waiting():
    return analyze(waiting_leads(), ONE_STEP, as_of=T0 + 30 * DAY)


def test_lead_chances_by_hand(waiting):
    entities, ctx = waiting
    leads = pricing.lead_chances(entities, context=ctx, horizon_days=10).set_index("entity_id")
    assert leads["days_since_pql"].to_dict() == pytest.approx({"v3": 9.0, "v6": 3.0})
    assert leads["chance"].to_dict() == pytest.approx({"v3": 0.5, "v6": 0.25})


def test_revenue_at_stake_from_the_leads_own_odds(waiting):
    """Issue 21, defect 6: 0.75 expected customers (not the former 2 × 3/5 = 1.2), 150 MRR at stake."""
    entities, ctx = waiting
    table = pricing.revenue_at_stake(entities, context=ctx, horizon_days=10).set_index("case")
    assert table.index.tolist() == ["low", "expected", "high"]
    expected = table.loc["expected"]
    assert (expected["current_pqls"], expected["not_measured"], expected["average_mrr"]) == (2, 0, 200.0)
    assert expected["expected_customers"] == pytest.approx(0.75)
    assert expected["conversion"] == pytest.approx(0.375)
    assert expected["mrr_at_stake"] == pytest.approx(150.0)
    assert table.loc["low", "expected_customers"] == 0.0
    assert table.loc["high", "expected_customers"] == pytest.approx(0.75 + 1.959964 * 0.4375 ** 0.5, abs=1e-5)


def test_revenue_at_stake_with_a_score(waiting):
    """A calibrated score's probabilities replace the curve's: 0.9 + 0.1 = 1 customer × 200 MRR."""
    entities, ctx = waiting
    chances = pd.Series({"v3": 0.9, "v6": 0.1})
    table = pricing.revenue_at_stake(entities, context=ctx, chances=chances).set_index("case")
    assert table.loc["expected", "expected_customers"] == pytest.approx(1.0)
    assert table.loc["expected", "mrr_at_stake"] == pytest.approx(200.0)


def test_revenue_at_stake_rejects_a_level_outside_0_1(waiting):
    entities, ctx = waiting
    with pytest.raises(ValueError, match="level"):
        pricing.revenue_at_stake(entities, context=ctx, level=1.5)


def test_revenue_at_stake_without_payments_is_unknown():
    data = frames()
    del data["conversions"]
    entities, ctx = analyze(data, ONE_STEP, as_of=AS_OF)
    table = pricing.revenue_at_stake(entities, context=ctx)
    assert table["mrr_at_stake"].isna().all() and table["current_pqls"].tolist() == [1, 1, 1]
    assert table["expected_customers"].isna().all()


# --- the revenue backtest on simulated data ----------------------------------------------------


def simulated_leads(seed: int = 20260521, n: int = 1500, span: float = 240, until: float = 270) -> dict:
    """Signups over ``span`` days; 70 % reach PQL (step ``a``) 3 days after signup on average (exponential);
    35 % of PQLs pay, an exponential lag of mean 15 days after their PQL; the others never do. Everyone is
    seen every 2 days until a time independent of paying (PQLs: 45 days after the PQL on average;
    non-PQLs: 10 days after signup), so a quiet lead is no more or less likely to pay. The data end at
    ``until`` days."""
    rng = np.random.default_rng(seed)
    signup = rng.uniform(0, span, n)
    is_pql = rng.random(n) < 0.7
    pql = signup + rng.exponential(3, n)
    pays = is_pql & (rng.random(n) < 0.35)
    paid = pql + rng.exponential(15, n)
    stop = np.where(is_pql, pql + rng.exponential(45, n), signup + rng.exponential(10, n))
    rows, payments_ = [], []
    for i in range(n):
        rows += [(f"s{i}", "seen", T0 + t * DAY) for t in np.arange(signup[i], min(stop[i], until), 2.0)]
        if is_pql[i] and pql[i] < until:
            rows.append((f"s{i}", "a", T0 + pql[i] * DAY))
        if pays[i] and paid[i] < until:
            payments_.append((f"s{i}", T0 + paid[i] * DAY))
    return {"users": users([(f"s{i}", T0 + signup[i] * DAY) for i in range(n)]), "events": events(rows),
            "conversions": conversions(payments_)}


def test_revenue_backtest_expects_what_happened_where_the_old_formula_is_far_off():
    """Issue 21, defect 6, on simulated data (fixed seed): at 6 past dates 30 days apart, the expected customers
    of the current PQLs over the next 30 days, summed, are within 3 standard deviations of the realised sum
    (the spread of a sum of Bernoulli outcomes at the predicted odds, pooled over the dates as if
    independent: a deviation beyond it would mean the odds are wrong, not bad luck). With seed 20260521:
    about 112 expected for 100 realised (sd 9.5). The former formula (current PQLs × all-time PQL-to-paid)
    expects about 318: more than twice what happened, as the issue's backtest found on real data."""
    spec_ = spec([{"name": "did_a", "event": "a"}], active_days=7, trial_days=14, stall_day=12)
    entities, ctx = analyze(simulated_leads(), spec_, as_of=T0 + 270 * DAY)
    backtest = pricing.revenue_backtest(entities, context=ctx, horizon_days=30, dates=6, every_days=30)
    assert len(backtest) == 6 and (backtest["current_pqls"] > 100).all()
    expected, realised = backtest["expected_customers"].sum(), backtest["realised_measured"].sum()
    sd = np.sqrt((((backtest["high"] - backtest["expected_customers"]) / 1.959964) ** 2).sum())
    assert abs(expected - realised) <= 3 * sd
    assert backtest["all_time_rate_customers"].sum() > 2 * backtest["realised_customers"].sum()
    assert (backtest["low"] <= backtest["expected_customers"]).all()
