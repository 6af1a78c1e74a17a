"""pqlkit.metrics.conversion: the Kaplan–Meier curve of days from PQL to payment, each lead's chance of
paying given how long it has waited, and PQL-to-paid when there is no payments table.

Hand-worked table (one step ``a``; as_of = T0 + 41 days; days since PQL = 41 - the PQL day):

====  ==========  ========  ===============  =========================================
user  signed up   PQL at    paid at          on the curve (days from PQL)
====  ==========  ========  ===============  =========================================
r1    T0          T0 + 1d   T0 + 6d          paid at 5
r2    T0          T0 + 1d   T0 + 11d         paid at 10
r3    T0 + 21d    T0 + 22d  -                censored at 19
r4    T0          T0 + 1d   T0 + 31d         paid at 30
r5    T0          T0 + 1d   -                censored at 40 (the longest follow-up)
r6    T0          T0 + 1d   T0 + 12h         paid before its PQL: left out
====  ==========  ========  ===============  =========================================

Kaplan–Meier: at 5, 5 at risk, 1 pays: S = 4/5 = 0.8; at 10, 4 at risk: S = 0.8 × 3/4 = 0.6; at 19 r3
is censored; at 30, 2 at risk (r4, r5): S = 0.6 × 1/2 = 0.3; at 40 r5 is censored, S stays 0.3.
Chance of paying within 20 more days, (S(d) - S(d + 20)) / S(d):
d = 0: (1 - S(20) = 0.6) / 1 = 0.4; d = 5: (0.8 - 0.6) / 0.8 = 0.25; d = 19: (0.6 - S(39) = 0.3) / 0.6 = 0.5;
d = 25: d + 20 = 45 is past the longest follow-up (40) while S > 0: not measured (NaN).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import pqlkit as pk
from helpers import DAY, T0, analyze, conversions, events, spec, users
from pqlkit.metrics.conversion import chance_to_pay, time_to_paid_curve

ONE_STEP = spec([{"name": "did_a", "event": "a"}], threshold=1.0, active_days=7)
AS_OF = T0 + 41 * DAY


def frames(*, with_payments: bool = True) -> dict:
    data = {
        "users": users([("r1", T0), ("r2", T0), ("r3", T0 + 21 * DAY), ("r4", T0), ("r5", T0), ("r6", T0)]),
        "events": events([(u, "a", T0 + DAY) for u in ("r1", "r2", "r4", "r5", "r6")]
                         + [("r3", "a", T0 + 22 * DAY), ("r3", "login", T0 + 40 * DAY), ("r5", "login", T0 + 40 * DAY)]),
    }
    if with_payments:
        data["conversions"] = conversions([("r1", T0 + 6 * DAY, "team", "100"), ("r2", T0 + 11 * DAY, "team", "100"),
                                           ("r4", T0 + 31 * DAY, "business", "400"),
                                           ("r6", T0 + DAY / 2, "starter", "50")],
                                          columns=("user_id", "paid_at", "plan", "mrr"))
    return data


@pytest.fixture(scope="module")
def entities():
    table, _ = analyze(frames(), ONE_STEP, as_of=AS_OF)
    return table


def test_time_to_paid_curve_by_hand(entities):
    curve = time_to_paid_curve(entities)
    assert curve["time"].tolist() == [5.0, 10.0, 19.0, 30.0, 40.0]
    assert curve["at_risk"].tolist() == [5, 4, 3, 2, 1]
    assert curve["events"].tolist() == [1, 1, 0, 1, 0]
    assert curve["survival"].tolist() == pytest.approx([0.8, 0.6, 0.6, 0.3, 0.3])


def test_chance_to_pay_given_the_days_already_waited(entities):
    chance = chance_to_pay(entities, days_since_pql=[0, 5, 19, 25], horizon_days=20)
    assert chance[:3] == pytest.approx([0.4, 0.25, 0.5])
    assert np.isnan(chance[3])


def test_chance_to_pay_without_eligible_pqls_is_not_measured():
    data = {"users": users([("u1", T0)]), "events": events([("u1", "a", T0 + DAY)])}
    table, _ = analyze(data, ONE_STEP, as_of=T0 + 5 * DAY)
    assert np.isnan(chance_to_pay(table.iloc[0:0], days_since_pql=[1.0], horizon_days=10)).all()


def test_chance_to_pay_rejects_a_horizon_that_is_not_positive(entities):
    with pytest.raises(ValueError, match="horizon_days"):
        chance_to_pay(entities, days_since_pql=[1.0], horizon_days=0)


def test_summary_without_payments_says_not_measured_not_zero():
    """Issue 21, defect 11: with no conversions table nobody can be seen paying, so PQL-to-paid (and the counts
    of paid PQLs) are None in pk.summary, not 0.0; with the table, 3 of 5 eligible PQLs paid (r1, r2, r4)."""
    table, ctx = analyze(frames(with_payments=False), ONE_STEP, as_of=AS_OF)
    totals = pk.summary(table, context=ctx)
    assert [totals[k] for k in ("pql_to_paid_rate", "paid_pqls", "paid_before_pql", "paid_without_pql")] == [None] * 4
    json.dumps(totals, allow_nan=False)
    table, ctx = analyze(frames(), ONE_STEP, as_of=AS_OF)
    totals = pk.summary(table, context=ctx)
    assert (totals["paid_pqls"], totals["paid_before_pql"], totals["paid_without_pql"]) == (3, 1, 0)
    assert totals["pql_to_paid_rate"] == pytest.approx(3 / 5)
