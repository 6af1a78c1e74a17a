"""Rates at a fixed age: PQL by day N among signups at least N days old; paid by day N among PQLs at least N days old.

Hand-worked table, as_of = T0 + 20 days (every signup's age is 20 days minus its signup day):

====  ==========  =========  ==========  ====================================
user  signed up   age        PQL after   paid after PQL
====  ==========  =========  ==========  ====================================
u1    T0          20 d       2 d         3 d (paid at day 5)
u2    T0          20 d       9 d         never
u3    T0 + 10 d   10 d       1 d         never
u4    T0 + 15 d   5 d        1 d         1 d (paid at day 17)
u5    T0          20 d       never       -
====  ==========  =========  ==========  ====================================

PQL by day 7 (signups at least 7 days old: u1, u2, u3, u5): u1 and u3 -> 2 of 4 = 0.5; all-time: 4 of 5.
PQL by day 14 (signups at least 14 days old: u1, u2, u5): u1 and u2 -> 2 of 3.
Paid by day 5 after PQL (PQLs at least 5 days past their PQL: u1 (18 d), u2 (11 d), u3 (9 d); u4 is
only 4 days past): u1 -> 1 of 3; all-time: u1 and u4 -> 2 of 4.
"""

from __future__ import annotations

import pandas as pd
import pytest

import pqlkit as pk
from helpers import DAY, T0, analyze, conversions, events, spec, users

ONE_STEP = spec([{"name": "did_a", "event": "a"}], threshold=1.0)


@pytest.fixture(scope="module")
def entities():
    frames = {
        "users": users([("u1", T0), ("u2", T0), ("u3", T0 + 10 * DAY), ("u4", T0 + 15 * DAY), ("u5", T0)]),
        "events": events([("u1", "a", T0 + 2 * DAY), ("u2", "a", T0 + 9 * DAY), ("u3", "a", T0 + 11 * DAY),
                          ("u4", "a", T0 + 16 * DAY), ("u5", "login", T0 + DAY)]),
        "conversions": conversions([("u1", T0 + 5 * DAY), ("u4", T0 + 17 * DAY)]),
    }
    table, _ = analyze(frames, ONE_STEP, as_of=T0 + 20 * DAY)
    return table


@pytest.mark.parametrize(("by_day", "entities_", "pqls"), [(None, 5, 4), (7, 4, 2), (14, 3, 2), (21, 0, 0)])
def test_pql_rate_by_day_counts_only_signups_old_enough(entities, by_day, entities_, pqls):
    row = pk.pql_rate(entities, by_day=by_day).iloc[0]
    assert (row["entities"], row["pqls"]) == (entities_, pqls)
    assert row["pql_rate"] == pytest.approx(pqls / entities_) if entities_ else pd.isna(row["pql_rate"])


@pytest.mark.parametrize(("by_day", "eligible", "paid"), [(None, 4, 2), (5, 3, 1)])
def test_pql_to_paid_by_day_counts_only_pqls_old_enough(entities, by_day, eligible, paid):
    row = pk.pql_to_paid(entities, by_day=by_day).iloc[0]
    assert (row["eligible"], row["paid_pqls"]) == (eligible, paid)
