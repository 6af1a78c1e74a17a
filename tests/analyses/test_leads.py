"""The lead list (pqlkit.analyses.leads, pqlkit.scoring.order_pql_list, pqlkit.lead_list): one order, and its reason.

The cross-check of the page, the CSV, the database table and the API on the sample is
tests/io/test_database.py::test_one_lead_list_everywhere (it needs the PostgreSQL server).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from helpers import DAY, T0, analyze, events, spec, users
from pqlkit.analyses.leads import RULE_ORDER, order_by_score, prioritise_pqls
from pqlkit.scoring import PayScore, order_pql_list

HOUR = pd.Timedelta(hours=1)
AS_OF = T0 + 10 * DAY
TWO_STEPS = spec([{"name": "did_a", "event": "a"}, {"name": "did_b", "event": "b"}], threshold=0.5, active_days=14)


def frames() -> dict:
    """Three PQLs who did step a (50 %), everyone signed up at T0, as_of = T0 + 10 days.

    ====  =======  ===========  ===============  ==========
    user  account  last seen    days since seen  whole days
    ====  =======  ===========  ===============  ==========
    q1    A (3)    9d - 2h      1.08             1
    q2    B (1)    9d           1.0              1
    q3    C (1)    9d + 12h     0.5              0
    x1-2  A        -            -                -
    ====  =======  ===========  ===============  ==========

    Rule: q3 (seen on day 0) first; q1 and q2 were both seen 1 whole day ago, so the larger account
    comes first: q1 (3 users) before q2 (1), although q2 was seen 2 hours later. Sorting by the exact
    last-seen time (the old pk.current_pqls) gave q3, q2, q1.
    """
    rows = [("q1", T0, "A"), ("q2", T0, "B"), ("q3", T0, "C"), ("x1", T0, "A"), ("x2", T0, "A")]
    return {
        "users": users(rows, columns=("user_id", "signup_at", "account_id")),
        "events": events([
            ("q1", "a", T0 + DAY), ("q1", "login", T0 + 9 * DAY - 2 * HOUR),
            ("q2", "a", T0 + DAY), ("q2", "login", T0 + 9 * DAY),
            ("q3", "a", T0 + DAY), ("q3", "login", T0 + 9 * DAY + 12 * HOUR),
        ]),
    }


def test_current_pqls_is_the_lead_lists_rule_order():
    """pk.current_pqls, prioritise_pqls and pk.lead_list without a score: q3, q1, q2 (the docstring's table)."""
    entities, ctx = analyze(frames(), TWO_STEPS, as_of=AS_OF)
    expected = ["q3", "q1", "q2"]
    assert pk.current_pqls(entities, context=ctx)["entity_id"].tolist() == expected
    assert pk.current_pqls(entities, context=ctx)["account_size"].tolist() == [1, 3, 1]
    listed = pk.lead_list(entities, context=ctx)
    assert listed["entity_id"].tolist() == expected
    assert listed["priority"].tolist() == [1, 2, 3]
    assert (listed["order_reason"] == RULE_ORDER).all()
    assert "pay_probability" not in listed
    pd.testing.assert_frame_equal(listed, prioritise_pqls(entities, context=ctx))


RULE_TABLE = pd.DataFrame({"priority": [1, 2, 3, 4], "entity_id": ["a", "b", "c", "d"], "order_reason": RULE_ORDER})
SCORES = pd.DataFrame({"entity_id": ["a", "b", "c", "d"], "pay_probability": [0.1, 0.3, np.nan, 0.3],
                       "expected_mrr": [50.0, 10.0, np.nan, 90.0]})


@pytest.mark.parametrize(
    "by, expected",
    [
        # pay_probability: b and d tie at 0.3 and keep the rule's order (b before d); a 0.1; c NaN last.
        pytest.param("pay_probability", ["b", "d", "a", "c"], id="pay_probability"),
        # expected_mrr: d 90, a 50, b 10, c NaN last.
        pytest.param("expected_mrr", ["d", "a", "b", "c"], id="expected_mrr"),
        pytest.param(None, ["a", "b", "c", "d"], id="rule"),
    ],
)
def test_order_by_score_by_hand(by, expected):
    out = order_by_score(RULE_TABLE, scores=SCORES, by=by)
    assert out["entity_id"].tolist() == expected
    assert out["priority"].tolist() == [1, 2, 3, 4]
    assert list(out.columns) == ["priority", "entity_id", "pay_probability", "expected_mrr", "order_reason"]
    by_id = SCORES.set_index("entity_id")
    assert np.allclose(out["pay_probability"], by_id.loc[expected, "pay_probability"], equal_nan=True)
    assert (out["order_reason"] == (RULE_ORDER if by is None else f"score: {by}, highest first")).all()


def fake_score(*, roc_auc: float | None, today_roc_auc: float = 0.62) -> PayScore:
    """A PayScore with the scores above; a model (any object) unless ``roc_auc`` is None."""
    if roc_auc is None:
        return PayScore(scores=SCORES.assign(pay_probability=math.nan, expected_mrr=math.nan), model_name=None,
                        reason="Only 3 fitting leads paid within 30 days.", within_days=30, feature_days=14, every_days=7)
    models = pd.DataFrame({"model": ["logistic_regression", "today's order"], "roc_auc": [roc_auc, today_roc_auc],
                           "average_precision": [0.2, 0.1], "brier": [0.07, math.nan], "chosen": [True, False]})
    lift = pd.DataFrame({"decile": [1, 1], "ordering": ["score", "today"], "payers": [9, 5]})
    return PayScore(scores=SCORES, reason=None, model_name="logistic_regression", within_days=30, feature_days=14,
                    every_days=7, models=models, lift=lift, top_decile_extra_payers=4, model=object())


@pytest.mark.parametrize(
    "roc_auc, min_auc_gain, expected, reason",
    [
        pytest.param(0.78, 0.0, ["b", "d", "a", "c"],
                     "score: the chance of paying within 30 days, highest first (calibrated; ROC AUC 0.78 on later "
                     "cohorts, against 0.62 for the rule)", id="trusted"),
        pytest.param(0.60, 0.0, ["a", "b", "c", "d"],
                     f"{RULE_ORDER} (the score did not beat it on later cohorts: ROC AUC 0.60 against 0.62)",
                     id="no-better-than-the-rule"),
        # 0.70 - 0.62 = 0.08 is not more than the gain asked, 0.1.
        pytest.param(0.70, 0.1, ["a", "b", "c", "d"],
                     f"{RULE_ORDER} (the score did not beat it on later cohorts: ROC AUC 0.70 against 0.62)",
                     id="gain-too-small"),
        pytest.param(None, 0.0, ["a", "b", "c", "d"],
                     f"{RULE_ORDER} (no score: Only 3 fitting leads paid within 30 days)", id="no-model"),
    ],
)
def test_the_score_orders_the_list_only_when_trusted(roc_auc, min_auc_gain, expected, reason):
    out = order_pql_list(RULE_TABLE, fake_score(roc_auc=roc_auc), min_auc_gain=min_auc_gain)
    assert out["entity_id"].tolist() == expected
    assert (out["order_reason"] == reason).all()
    assert {"pay_probability", "expected_mrr"} <= set(out.columns)


def test_lead_list_with_a_score_is_order_pql_list_of_the_rule_list():
    """pk.lead_list(score=...) lists the rule list's leads in order_pql_list's order (its scores joined by id)."""
    entities, ctx = analyze(frames(), TWO_STEPS, as_of=AS_OF)
    score = PayScore(scores=pd.DataFrame({"entity_id": ["q1", "q2", "q3"], "pay_probability": [0.2, 0.5, 0.1],
                                          "expected_mrr": [20.0, 50.0, 10.0]}),
                     reason=None, model_name="logistic_regression", within_days=30, feature_days=14, every_days=7,
                     models=fake_score(roc_auc=0.78).models, lift=fake_score(roc_auc=0.78).lift, model=object())
    listed = pk.lead_list(entities, context=ctx, score=score)
    assert listed["entity_id"].tolist() == ["q2", "q1", "q3"]  # 0.5, 0.2, 0.1
    assert listed["pay_probability"].tolist() == [0.5, 0.2, 0.1]
    assert pk.lead_list(entities, context=ctx, score=score, by=None)["entity_id"].tolist() == ["q3", "q1", "q2"]
