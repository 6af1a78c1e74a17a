"""The conversion score (pqlkit/scoring/): recovery of a known propensity, a non-spec event found,
no feature from after its cut-off, and an honest "no model" on thin data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

import pqlkit as pk
from pqlkit.analyses.leads import prioritise_pqls
from pqlkit.scoring import LeakageError, check_no_leakage, feature_table, order_pql_list, pay_score, snapshot_rows
from pqlkit.scoring.score import at_most
from pqlkit.synthetic import TRUE_PARAMETERS, generate_sample

from helpers import DAY, T0, analyze, events, users

SPEC = "data/activation.yaml"


def _frames(sample) -> dict[str, pd.DataFrame]:
    return {"users": sample.users, "events": sample.events, "conversions": sample.conversions}


@pytest.fixture(scope="module")
def truth_run():
    """3,000 clean synthetic users with the generator's latent activation, scored once."""
    sample = generate_sample(n_users=3000, seed=5, dirty=False, with_truth=True)
    entities, ctx = pk.entity_table(_frames(sample), SPEC)
    return sample, entities, ctx, pay_score(entities, context=ctx, importance_repeats=2)


def _true_propensity(sample) -> pd.Series:
    """P(user pays) as the generator draws it (pqlkit/synthetic/payments.py, ``draw_payments``).

    An account pays with ``pay_given_account_activated`` (0.35) when any user is activated, else
    ``pay_given_account_not_activated`` (0.03). The payer is the earliest-activated user with
    ``payer_is_activated_user`` (0.85), else the account's first user. So a user's chance is
    0.35 x (0.85 [earliest activated] + 0.15 [first user]) in an activated account, and
    0.03 [first user] otherwise.
    """
    p = TRUE_PARAMETERS
    table = sample.users.merge(sample.truth, on="user_id")
    first = table.sort_values(["signup_at", "user_id"]).groupby("account_id")["user_id"].first()
    earliest = table[table["activated"]].sort_values(["activated_at", "user_id"]).groupby("account_id")["user_id"].first()
    activated_account = table["account_id"].map(table.groupby("account_id")["activated"].any())
    is_first = table["user_id"].isin(first).astype(float)
    is_earliest = table["user_id"].isin(earliest).astype(float)
    share = p["payer_is_activated_user"]
    chance = np.where(activated_account, p["pay_given_account_activated"] * (share * is_earliest + (1 - share) * is_first),
                      p["pay_given_account_not_activated"] * is_first)
    return pd.Series(chance, index=table["user_id"])


def test_score_follows_the_generators_propensity(truth_run):
    """On the validation cohorts, the score ranks leads as the generator's true chance to pay does.

    Rows: each validation lead at its first snapshot on the list (the moment sales first sees it;
    later snapshots mix in leads whose payment window has already passed, which the true chance,
    a lifetime probability, does not know about). Measured at writing: Spearman 0.63 over 185
    leads. The bar, 0.40, is three standard errors (1 / sqrt(n - 1) = 0.074) below that, and more
    than five above what a score unrelated to the truth would reach (0 +- 0.074).

    AUC bar: the generator's own propensity, used as a score on the same validation rows, reaches
    an AUC of 0.70; the score also knows each lead's age (the payment comes about 14 days after
    the account starts, so an old unpaid lead rarely pays) and must do at least as well as the
    truth minus 0.05, and better than today's order (activation then recency).
    """
    sample, _, _, score = truth_run
    assert score.has_model, score.reason
    rows = score.validation_rows.assign(truth=lambda t: t["entity_id"].map(_true_propensity(sample)))
    first = rows.sort_values("cutoff_at").drop_duplicates("entity_id")
    assert len(first) > 100
    assert spearmanr(first["pay_probability"], first["truth"]).statistic >= 0.40
    truth_auc = roc_auc_score(rows["paid"], rows["truth"])
    numbers = score.validation()
    assert numbers["roc_auc"] >= truth_auc - 0.05
    assert numbers["roc_auc"] > numbers["today_roc_auc"]


def test_validation_tables_count_the_validation_leads(truth_run):
    """Every table covers the validation rows: rows add up to an independent count of
    ``validation_rows``; payers are people, so all deciles together hold each paying entity once
    (``cumulative_payers`` at decile 10); the top-decile payers are recounted by hand as distinct
    entities (per snapshot, the first tenth of the list: rank * 10 < list size; a lead in the top
    tenth of several snapshots counts once)."""
    _, _, _, score = truth_run
    rows = score.validation_rows
    assert (rows["signup_at"] >= score.split_at).all()  # later cohorts only
    assert rows["pay_probability"].between(0, 1).all()
    paying_people = rows.loc[rows["paid"] == 1, "entity_id"].nunique()
    for ordering, table in score.lift.groupby("ordering"):
        assert table["rows"].sum() == len(rows), ordering
        assert (table["payers"] <= table["leads"]).all() and (table["leads"] <= table["rows"]).all()
        assert table["cumulative_payers"].iloc[-1] == paying_people
    assert score.rows.set_index("part").loc["validation", "payers"] == rows["paid"].sum()
    assert score.calibration["count"].sum() == len(rows)
    top = {"score": set(), "today": set()}
    for _, snapshot in rows.groupby("cutoff_at"):
        n = len(snapshot)
        by_score = snapshot.sort_values(["pay_probability", "today_priority"], ascending=[False, True])
        first = by_score[(np.arange(n) * 10 < n)]
        top["score"] |= set(first.loc[first["paid"] == 1, "entity_id"])
        first = snapshot[(snapshot["today_priority"] - 1) * 10 < n]
        top["today"] |= set(first.loc[first["paid"] == 1, "entity_id"])
    numbers = score.validation()
    assert (numbers["top_decile_payers_score"], numbers["top_decile_payers_today"]) == (len(top["score"]),
                                                                                      len(top["today"]))
    assert score.top_decile_extra_payers == len(top["score"]) - len(top["today"])
    assert set(score.models["model"]) == {"logistic_regression", "gradient_boosting", "today's order"}
    assert score.models["chosen"].sum() == 1


def test_payers_per_decile_count_people_not_snapshot_rows():
    """Four validation rows by hand: lead a is on two snapshots, paying after both.

    ======  =====  ============  ============
    entity  paid   score decile  today decile
    ======  =====  ============  ============
    a       1      1             2
    a       1      1             1
    b       0      2             1
    c       1      2             2
    ======  =====  ============  ============

    By the score, decile 1 holds 2 rows but one person, a, who paid: 1 payer (counting rows gave 2).
    Decile 2: b and c, 1 payer. In today's order decile 1 holds a and b (1 payer), decile 2 a and c
    (2 payers); cumulatively 1, then 2 people (a and c; adding the deciles would say 3). Two of the
    three people paid, so the score's decile 1 has payer rate 1 and lift 1 / (2/3) = 1.5.
    """
    from pqlkit.scoring.validation import lift_table

    table = lift_table(np.array([1, 1, 0, 1]), np.array([1, 1, 2, 2]), np.array([2, 1, 1, 2]),
                       entity=np.array(["a", "a", "b", "c"])).set_index(["ordering", "decile"])
    assert table.loc[("score", 1), ["rows", "leads", "payers"]].tolist() == [2, 1, 1]
    assert table.loc[("score", 2), ["rows", "leads", "payers"]].tolist() == [2, 2, 1]
    assert table.loc[("today", 1), "payers"] == 1 and table.loc[("today", 2), "payers"] == 2
    assert table.loc["today", "cumulative_payers"].tolist()[:3] == [1, 2, 2]
    assert table.loc[("score", 1), "lift"] == pytest.approx(1.5)
    assert table.loc[("score", 3), "leads"] == 0 and np.isnan(table.loc[("score", 3), "payer_rate"])


def test_scored_list_and_its_orders(truth_run):
    """The scores cover today's list (prioritise_pqls); expected_mrr is the probability times the
    mean first-payment mrr, which is recounted from the conversions frame; ordering by either
    column sorts it, and by=None keeps today's order."""
    sample, entities, ctx, score = truth_run
    today = prioritise_pqls(entities, context=ctx)
    assert score.scores["entity_id"].tolist() == today["entity_id"].tolist()
    first_mrr = sample.conversions.sort_values("paid_at").drop_duplicates("user_id")["mrr"].mean()
    assert score.scores["assumed_mrr"].to_numpy() == pytest.approx(first_mrr)
    assert score.scores["expected_mrr"].to_numpy() == pytest.approx(score.scores["pay_probability"] * first_mrr)
    for by in ("pay_probability", "expected_mrr"):
        ordered = order_pql_list(today, score, by=by)
        assert ordered[by].is_monotonic_decreasing
        assert ordered["priority"].tolist() == list(range(1, len(today) + 1))
        assert sorted(ordered["entity_id"]) == sorted(today["entity_id"])
    assert order_pql_list(today, score, by=None)["entity_id"].tolist() == today["entity_id"].tolist()


def test_price_by_segment_is_the_segments_mean_first_payment(truth_run):
    """price_by="company_size": a lead's assumed price is the mean first-payment mrr of the payers
    of its company size (recounted from the frames; every size has 5+ payers in this sample)."""
    sample, entities, ctx, _ = truth_run
    from pqlkit.scoring.score import _prices

    price, _ = _prices(entities, context=ctx, price_by="company_size")
    payments = sample.conversions.sort_values("paid_at").drop_duplicates("user_id").merge(
        sample.users[["user_id", "company_size"]], on="user_id")
    means = payments.groupby("company_size")["mrr"].mean()
    assert (payments.groupby("company_size").size() >= 5).all()
    expected = entities.set_index("entity_id")["company_size"].map(means)
    assert price.to_numpy() == pytest.approx(expected.to_numpy())


def test_score_finds_a_paying_event_outside_the_spec():
    """Paying depends only on an event no step names: 40% of users create an API key in their first
    three days; they pay with probability 0.5 (others 0.02), 7 to 90 days after signup, whatever
    their activation. The score's most important feature must be that event's count."""
    sample = generate_sample(n_users=2000, seed=3, dirty=False)
    rng = np.random.default_rng(2)
    people = sample.users
    signup = pd.to_datetime(people["signup_at"], utc=True)
    has_key = rng.random(len(people)) < 0.4
    keys = pd.DataFrame({
        "event_id": [f"k{i}" for i in range(has_key.sum())],
        "user_id": people.loc[has_key, "user_id"].to_numpy(),
        "event": "api_key_created",
        "timestamp": (signup[has_key] + pd.to_timedelta(rng.uniform(0.1, 3, has_key.sum()), unit="D")).to_numpy(),
        "platform": "web",
    }).astype({"timestamp": sample.events["timestamp"].dtype})
    pays = rng.random(len(people)) < np.where(has_key, 0.5, 0.02)
    paid_at = signup + pd.to_timedelta(rng.uniform(7, 90, len(people)), unit="D")
    seen = pays & (paid_at < pd.Timestamp(sample.data_end)).to_numpy()
    conversions = pd.DataFrame({"user_id": people.loc[seen, "user_id"], "account_id": people.loc[seen, "account_id"],
                                "paid_at": paid_at[seen], "plan": "team", "mrr": 199.0})
    frames = {"users": people, "events": pd.concat([sample.events, keys], ignore_index=True), "conversions": conversions}
    entities, ctx = pk.entity_table(frames, SPEC)
    score = pay_score(entities, context=ctx, importance_repeats=2)
    assert score.has_model, score.reason
    assert score.importance["feature"].iloc[0] == "first_14d:api_key_created"


# --- no feature from after its cut-off ------------------------------------------------------------


def _tiny():
    """Two users of one account (a1). u1 signs up on day 0: integration_connected on day 1,
    report_created on days 2, 3 and 4 (core_workflow done on day 4), login on days 5 and 20.
    u2 joins a1 on day 12. Spec: data/activation.yaml (3 of 4 steps within 14 days)."""
    frame_users = users([("u1", T0, "a1"), ("u2", T0 + 12 * DAY, "a1")], columns=("user_id", "signup_at", "account_id"))
    frame_events = events([("u1", "integration_connected", T0 + DAY)]
                          + [("u1", "report_created", T0 + d * DAY) for d in (2, 3, 4)]
                          + [("u1", "login", T0 + d * DAY) for d in (5, 20)]
                          + [("u2", "login", T0 + 12 * DAY)])
    return analyze({"users": frame_users, "events": frame_events}, pk.ActivationSpec.from_yaml(SPEC))


@pytest.mark.filterwarnings("ignore:.*never occurs in the data:pqlkit.PqlkitWarning")  # two steps unused on purpose
def test_features_by_hand():
    """u1 at cut-off day 10: two steps done (connected_data on day 1, core_workflow on day 4), not a
    PQL (3 needed), last seen on day 5, so 5 days since seen; age 10; one login in the first 14 days
    up to the cut-off (day 20 is later); the account has one user yet (u2 joins on day 12) and u1
    founded it. At day 13 the account has two users."""
    entities, ctx = _tiny()
    cutoffs = pd.DataFrame({"entity_id": ["u1", "u1"], "cutoff_at": [T0 + 10 * DAY, T0 + 13 * DAY]})
    table = feature_table(cutoffs, entities=entities, context=ctx).set_index("cutoff_at")
    at10 = table.loc[T0 + 10 * DAY]
    assert (at10["connected_data_done"], at10["connected_data_day"]) == (1, 1.0)
    assert (at10["core_workflow_done"], at10["core_workflow_day"]) == (1, 4.0)
    assert at10["invited_teammate_done"] == 0 and math.isnan(at10["invited_teammate_day"])
    assert (at10["steps_done"], at10["activation_rate"]) == (2, 0.5)
    assert math.isnan(at10["days_since_pql"])
    assert (at10["age_days"], at10["days_since_seen"]) == (10.0, 5.0)
    assert (at10["first_14d:login"], at10["first_14d:report_created"]) == (1, 3)
    assert (at10["account_size"], at10["account_founder"]) == (1, 1)
    assert table.loc[T0 + 13 * DAY, "account_size"] == 2


@pytest.fixture(scope="module")
def cut_by_loader():
    """600 clean users, loaded in full and loaded with ``as_of`` = 60 days before the end."""
    sample = generate_sample(n_users=600, seed=4, dirty=False)
    entities, ctx = pk.entity_table(_frames(sample), SPEC)
    moment = ctx.as_of - pd.Timedelta(days=60)
    early, early_ctx = pk.entity_table(_frames(sample), SPEC, as_of=moment)
    return entities, ctx, early, early_ctx, moment


def test_features_equal_those_computed_from_data_cut_by_the_loader(cut_by_loader):
    """The features at cut-off T from the full data equal those from the data loaded with
    ``as_of=T`` (the loader drops every later row, docs/metrics.md#data-quality): an independent
    cut, so any use of later data shows."""
    entities, ctx, early, early_ctx, moment = cut_by_loader
    cutoffs = pd.DataFrame({"entity_id": early["entity_id"], "cutoff_at": moment})
    names = ctx.dataset.event_names()
    full = feature_table(cutoffs, entities=entities, context=ctx, event_names=names)
    cut = feature_table(cutoffs, entities=early, context=early_ctx, event_names=names)
    assert len(full) == len(early) > 100
    pd.testing.assert_frame_equal(full, cut, check_dtype=False)


def test_a_past_list_is_the_list_that_was_seen_then(cut_by_loader):
    """The leads of the snapshot at T, in today's order, are exactly prioritise_pqls of the data
    loaded with ``as_of=T``; the outcome is a payment in (T, T + 60 days], recounted from the full
    table's ``paid_at``."""
    entities, ctx, early, early_ctx, moment = cut_by_loader
    rows = snapshot_rows(entities, context=ctx, within_days=60)
    at = rows[rows["cutoff_at"] == moment].sort_values("today_priority")
    listed = prioritise_pqls(early, context=early_ctx)
    assert len(listed) > 10
    assert at["entity_id"].tolist() == listed["entity_id"].tolist()
    assert at["today_priority"].tolist() == listed["priority"].tolist()
    paid_at = at["entity_id"].map(entities.set_index("entity_id")["paid_at"])
    expected = ((paid_at > moment) & (paid_at <= moment + pd.Timedelta(days=60))).astype(int)
    assert at["paid"].tolist() == expected.tolist()


def test_every_past_list_is_the_list_that_was_seen_then(cut_by_loader):
    """The last-seen times of all snapshots come from one pass over the events: at the first, a
    middle and the latest snapshot, the leads in today's order are exactly prioritise_pqls of the
    data loaded with ``as_of`` = that snapshot (an independent cut by the loader)."""
    entities, ctx, *_ = cut_by_loader
    rows = snapshot_rows(entities, context=ctx, within_days=30)
    moments = sorted(rows["cutoff_at"].unique())
    assert len(moments) >= 5
    for moment in (moments[0], moments[len(moments) // 2], moments[-1]):
        at = rows[rows["cutoff_at"] == moment].sort_values("today_priority")
        early, early_ctx = pk.entity_table(_frames(generate_sample(n_users=600, seed=4, dirty=False)), SPEC,
                                           as_of=pd.Timestamp(moment))
        listed = prioritise_pqls(early, context=early_ctx)
        assert len(listed) > 0
        assert at["entity_id"].tolist() == listed["entity_id"].tolist()
        assert at["today_priority"].tolist() == listed["priority"].tolist()


def test_permutation_importance_of_the_boosted_model_is_sklearns():
    """The copy of the calibrated boosted model that re-runs only the trees a shuffled column
    reaches gives sklearn's permutation importance to the last bit (sklearn's own function on the
    model itself is the reference), with a column of missing values and a constant column."""
    from sklearn.inspection import permutation_importance

    from pqlkit.scoring.importance import importance_model
    from pqlkit.scoring.models import fit_calibrated

    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(600, 5)), columns=list("abcde"))
    X.loc[rng.random(600) < 0.2, "b"] = np.nan
    X["e"] = 1.0
    y = (X["a"] + X["b"].fillna(0) * 0.5 + rng.normal(size=600) > 0).astype(int).to_numpy()
    cutoff_at = pd.Series(pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(np.arange(600) // 60, unit="D"))
    model = fit_calibrated("gradient_boosting", X, y, cutoff_at, calibration="sigmoid", random_state=0, logistic_c=0.5)
    fast = importance_model(model, X)
    assert fast is not model  # the faster copy is the one in use
    np.testing.assert_array_equal(fast.predict_proba(X), model.predict_proba(X))
    expected = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=3, random_state=0)
    result = permutation_importance(fast, X, y, scoring="roc_auc", n_repeats=3, random_state=0)
    np.testing.assert_array_equal(result.importances, expected.importances)
    assert expected.importances_mean[0] > 0.05 and expected.importances_mean[4] == 0  # a matters, e cannot


def _events_after(query, *, events, users, cutoffs):
    """A leaking feature: events in the week after the cut-off."""
    return query(f"""
        SELECT c.entity_id, c.cutoff_at, count(e.ts) AS events_next_week FROM {cutoffs} AS c
        LEFT JOIN {events} AS e ON e.entity_id = c.entity_id AND e.ts > c.cutoff_at
            AND e.ts <= c.cutoff_at + INTERVAL 7 DAY
        GROUP BY 1, 2""")


def _events_before(query, *, events, users, cutoffs):
    """An honest feature: events in the week up to the cut-off."""
    return query(f"""
        SELECT c.entity_id, c.cutoff_at, count(e.ts) AS events_last_week FROM {cutoffs} AS c
        LEFT JOIN {events} AS e ON e.entity_id = c.entity_id AND e.ts <= c.cutoff_at
            AND e.ts > c.cutoff_at - INTERVAL 7 DAY
        GROUP BY 1, 2""")


def _pays_later(query, *, events, users, cutoffs):
    """A leaking feature that reads the payments table: paid within 30 days after the cut-off (the label itself)."""
    return query(f"""
        SELECT c.entity_id, c.cutoff_at, CAST(count(p.paid_at) > 0 AS INTEGER) AS pays_next_month FROM {cutoffs} AS c
        LEFT JOIN conversions AS p ON p.entity_id = c.entity_id AND p.paid_at > c.cutoff_at
            AND p.paid_at <= c.cutoff_at + INTERVAL 30 DAY
        GROUP BY 1, 2""")


def _paid_before(query, *, events, users, cutoffs):
    """An honest feature from the payments table: paid at or before the cut-off."""
    return query(f"""
        SELECT c.entity_id, c.cutoff_at, CAST(count(p.paid_at) > 0 AS INTEGER) AS paid_already FROM {cutoffs} AS c
        LEFT JOIN conversions AS p ON p.entity_id = c.entity_id AND p.paid_at <= c.cutoff_at
        GROUP BY 1, 2""")


@pytest.mark.parametrize(
    ("leaking", "honest", "column"),
    [
        pytest.param(_events_after, _events_before, "events_next_week", id="events"),
        pytest.param(_pays_later, _paid_before, "pays_next_month", id="payments"),
    ],
)
def test_a_feature_from_later_data_fails(truth_run, leaking, honest, column):
    """A feature reading the week of events after the cut-off, or the payments after it (the
    outcome itself, which scored a validation AUC of 1.000 when only events and users were cut),
    is caught by the check and by pay_score before it fits; the same feature read up to the
    cut-off passes; and the tables are whole again afterwards (the payments' row count, recounted
    from the frame, is unchanged)."""
    sample, entities, ctx, _ = truth_run
    moment = ctx.as_of - pd.Timedelta(days=45)
    with pytest.raises(LeakageError, match=column + r" \(\d+ of \d+ rows differ\)") as caught:
        check_no_leakage(entities, context=ctx, at=moment, extra_features=leaking)
    assert caught.value.columns == [column]
    check_no_leakage(entities, context=ctx, at=moment, extra_features=honest)
    assert ctx.dataset.sql("SELECT count(*) AS n FROM conversions")["n"].item() == len(sample.conversions)
    with pytest.raises(LeakageError, match=column):
        pay_score(entities, context=ctx, extra_features=leaking)
    # A sample of 100 entities per moment (the check on a large dataset) catches it too.
    with pytest.raises(LeakageError, match=column + r" \(\d+ of 100 rows differ\)"):
        pay_score(entities, context=ctx, extra_features=leaking, leakage_rows=100)


def test_at_most_draws_a_seeded_sample_in_order():
    """Ten rows, at most four: four distinct rows in their original order, the same four on every call
    with the same seed; with no limit, or a limit of ten or more, all ten as they were."""
    rows = pd.DataFrame({"n": range(10)}, index=range(100, 110))
    drawn = at_most(rows, 4, random_state=0)
    assert len(drawn) == 4 and drawn.index.is_unique and drawn.index.is_monotonic_increasing
    assert set(drawn.index) <= set(rows.index)
    assert drawn.equals(at_most(rows, 4, random_state=0))
    assert at_most(rows, None, random_state=0) is rows and at_most(rows, 10, random_state=0) is rows


# --- thin data ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_sample():
    return generate_sample(n_users=800, seed=4, dirty=False)


@pytest.mark.parametrize(
    ("change", "as_of", "reason"),
    [
        pytest.param(lambda f: {**f, "conversions": f["conversions"].head(8)}, None, r"too few payers", id="few-payers"),
        pytest.param(lambda f: {**f, "conversions": f["conversions"].iloc[:0]}, None, r"only one class", id="one-class"),
        pytest.param(lambda f: f, "2026-02-14", r"signup week\(s\).*at least 4", id="no-mature-cohorts"),
        pytest.param(lambda f: {k: v for k, v in f.items() if k != "conversions"}, None, r"no payments table",
                     id="no-payments"),
    ],
)
def test_thin_data_gives_a_reason_and_keeps_todays_order(small_sample, change, as_of, reason):
    """No model: one sentence says why, no probability is made up (all NaN), and the list keeps
    today's order (activation, then recency)."""
    entities, ctx = pk.entity_table(change(_frames(small_sample)), SPEC, as_of=as_of)
    score = pay_score(entities, context=ctx)
    assert not score.has_model and score.model_name is None
    assert score.reason.count(". ") == 0 and score.reason.endswith(".")
    assert pd.Series(score.reason).str.contains(reason, case=False, regex=True).item(), score.reason
    assert score.scores["pay_probability"].isna().all() and score.scores["expected_mrr"].isna().all()
    today = prioritise_pqls(entities, context=ctx)
    for by in ("pay_probability", "expected_mrr"):
        assert order_pql_list(today, score, by=by)["entity_id"].tolist() == today["entity_id"].tolist()
    assert score.validation()["roc_auc"] is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda e, c: pay_score(e, context=c, calibration="platt"),
                     r"`calibration` must be one of \['sigmoid', 'isotonic'\], but 'platt'", id="calibration"),
        pytest.param(lambda e, c: pay_score(e, context=c, validation_share=1.0),
                     r"`validation_share` must be in \(0, 1\), but 1.0", id="validation-share"),
        pytest.param(lambda e, c: order_pql_list(prioritise_pqls(e, context=c), pay_score(e, context=c, min_cohorts=99),
                                                 by="revenue"),
                     r"`by` must be one of \['pay_probability', 'expected_mrr', None\], but 'revenue'", id="order-by"),
    ],
)
def test_bad_arguments(small_sample, call, message):
    entities, ctx = pk.entity_table(_frames(small_sample), SPEC)
    with pytest.raises(ValueError, match=message):
        call(entities, ctx)


def test_score_sentence_states_the_validation_numbers_and_the_thin_data_reason():
    """Hand-worked: validation with 9 payers in the score's top decile against 5 for today's order is
    4 more; AUC 0.7767 reads in words as "77.7% of pairs" (0.6199: 62.0%, issue 22). Without a model the reason
    is said and the order is today's."""
    from pqlkit import narrative

    validation = {"roc_auc": 0.7767, "today_roc_auc": 0.6199, "top_decile_payers_score": 9,
                  "top_decile_payers_today": 5, "top_decile_extra_payers": 4}
    text = narrative.score_sentence(validation, model="logistic_regression", noun="users")
    assert "**On later signup cohorts held out from fitting, the score's top tenth of the list held 4 more payers" in text
    assert "(9 against 5 people paying within 30 days" in text and "77.7% of pairs, against 62.0%" in text
    assert "weighted sum of the signals" in text and "AUC" not in text
    thin = narrative.score_sentence(None, reason="Only 3 payers are old enough to judge.")
    assert thin.startswith("**No conversion score this time:** Only 3 payers are old enough to judge.")
    assert "keeps today's order" in thin
