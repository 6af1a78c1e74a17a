"""pqlkit.analyses.pricing: the benchmark reading, payments by plan and price point, lag, checks on the
definition and revenue at stake, on a hand-worked dataset."""

from __future__ import annotations

import numpy as np
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
    """1 of 2 eligible PQLs paid: 50 %, Wilson 95 % interval 9.5–90.5 %, which straddles 15–30 %."""
    entities, ctx = analysed
    reading = pricing.benchmark_reading(entities, context=ctx).iloc[0]
    assert (reading["eligible"], reading["paid_pqls"]) == (2, 1)
    assert reading["pql_to_paid_rate"] == pytest.approx(0.5)
    assert reading["ci_low"] == pytest.approx(0.0945, abs=1e-4)
    assert reading["verdict"] == "inconclusive"
    assert "not enough evidence" in reading["action"]


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
    Eligible PQLs: 2, so team converts 1/2 of them and starter 0."""
    entities, ctx = analysed
    table = pricing.conversion_by_plan(entities, context=ctx).set_index("plan")
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


def test_revenue_at_stake_by_hand(analysed):
    """1 current PQL (u3) × 50 % conversion × 100 MRR (u1, the one converted PQL) = 50 MRR; the low and
    high cases use the ends of the Wilson interval of 1/2."""
    entities, ctx = analysed
    table = pricing.revenue_at_stake(entities, context=ctx).set_index("case")
    assert table.index.tolist() == ["low", "expected", "high"]
    expected = table.loc["expected"]
    assert (expected["current_pqls"], expected["conversion"], expected["average_mrr"]) == (1, 0.5, 100.0)
    assert expected["mrr_at_stake"] == pytest.approx(50.0)
    assert table.loc["low", "mrr_at_stake"] < 50.0 < table.loc["high", "mrr_at_stake"]


def test_revenue_at_stake_with_given_inputs(analysed):
    entities, ctx = analysed
    table = pricing.revenue_at_stake(entities, context=ctx, expected_conversion=0.25, average_mrr=200.0)
    assert table["mrr_at_stake"].tolist() == pytest.approx([50.0, 50.0, 50.0])


def test_revenue_at_stake_rejects_a_conversion_outside_0_1(analysed):
    entities, ctx = analysed
    with pytest.raises(ValueError, match="expected_conversion"):
        pricing.revenue_at_stake(entities, expected_conversion=1.5, average_mrr=1.0)


def test_revenue_at_stake_without_payments_is_unknown():
    data = frames()
    del data["conversions"]
    entities, ctx = analyze(data, ONE_STEP, as_of=AS_OF)
    table = pricing.revenue_at_stake(entities, context=ctx)
    assert table["mrr_at_stake"].isna().all() and table["current_pqls"].tolist() == [1, 1, 1]
