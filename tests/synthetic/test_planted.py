"""The planted activation: the generator's truth agrees with a count of its own events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqlkit.synthetic import generate_sample
from pqlkit.synthetic.planted import PLANTED_ACTIVATION, generate_planted_sample


def test_truth_is_the_planted_definition_counted_from_the_events():
    """Invariant: a user is activated exactly when at least 2 of the 3 planted steps are met in its events
    (at least min_count events at most within_days days after signup), counted here with pandas."""
    sample = generate_planted_sample(n_users=800, seed=5)
    ev = sample.events.merge(sample.users, on="user_id")
    elapsed = (ev["timestamp"] - ev["signup_at"]).dt.total_seconds() / 86400
    met = pd.DataFrame(index=sample.users["user_id"])
    for step in PLANTED_ACTIVATION.steps:
        within = ev[(ev["event"] == step.event) & (elapsed <= step.within_days)]
        met[step.event] = met.index.map(within.groupby("user_id").size()).fillna(0) >= step.min_count
    expected = met.sum(axis=1) >= PLANTED_ACTIVATION.required
    truth = sample.truth.set_index("user_id")["activated"]
    # Users whose window runs past the data end may have lost events to the cut: compare the others.
    complete = (sample.users.set_index("user_id")["signup_at"] + pd.Timedelta(days=10)
                < pd.Timestamp(sample.data_end))
    assert (expected[complete] == truth[complete]).all()


def test_decoys_sit_where_the_model_puts_them():
    """The pricing page of a payer is in the 6 hours before paying; invoices come after paying."""
    sample = generate_planted_sample(n_users=800, seed=5)
    paid = sample.conversions.set_index("user_id")["paid_at"]
    ev = sample.events[sample.events["user_id"].isin(paid.index)].copy()
    ev["paid_at"] = ev["user_id"].map(paid)
    invoices = ev[ev["event"] == "invoice_downloaded"]
    assert len(invoices) and (invoices["timestamp"] > invoices["paid_at"]).all()
    pricing = ev[ev["event"] == "pricing_viewed"]
    before = (pricing["paid_at"] - pricing["timestamp"]).dt.total_seconds() / 3600
    assert len(pricing) and ((before >= 0) & (before <= 6)).mean() > 0.9  # a few payers also browsed it in the trial


def test_same_seed_same_data_and_the_default_generator_untouched():
    """Seeded: two calls give equal frames. The planted generator is a separate option; generate_sample's
    events hold none of its event names."""
    one, two = generate_planted_sample(n_users=200, seed=9), generate_planted_sample(n_users=200, seed=9)
    pd.testing.assert_frame_equal(one.events, two.events)
    names = set(generate_sample(n_users=50, seed=7, dirty=False)["events"]["event"].dropna())
    assert not names & ({s.event for s in PLANTED_ACTIVATION.steps} | {"pricing_viewed", "invoice_downloaded"})
    assert np.isin(one.truth["activated"], [True, False]).all()
