"""Invariants on random data (hypothesis): rates in [0, 1], ledgers that add up, counts that nest,
and the same per-entity table from pandas frames, Parquet files and CSV files."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pqlkit as pk
from conftest import examples

BASE = pd.Timestamp("2026-01-05T00:00:00Z")
HOUR = pd.Timedelta(hours=1)


def _stamp(hours: int) -> str:
    return (BASE + hours * HOUR).strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def datasets(draw):
    n_users = draw(st.integers(1, 6))
    user_rows = [
        (f"u{i}", _stamp(draw(st.integers(0, 24 * 20))), draw(st.sampled_from(["A", "B", None])),
         draw(st.sampled_from(["organic", "paid"])))
        for i in range(n_users)
    ]
    if draw(st.booleans()):
        user_rows.append(draw(st.sampled_from(user_rows)))  # a duplicate users row
    event_rows = draw(st.lists(
        st.tuples(st.sampled_from([f"u{i}" for i in range(n_users + 1)]),  # u{n} is unknown
                  st.sampled_from(["a", "b", "c", "login"]),
                  st.integers(-24, 24 * 40).map(_stamp)),
        min_size=1, max_size=40,
    ))
    conversion_rows = draw(st.lists(
        st.tuples(st.sampled_from([f"u{i}" for i in range(n_users + 1)]), st.integers(0, 24 * 40).map(_stamp)),
        max_size=4,
    ))
    steps = [{"name": "sa", "event": "a", "min_count": draw(st.integers(1, 3))},
             {"name": "sb", "event": "b"}, {"name": "sc", "event": "c"}]
    window = draw(st.sampled_from([None, 2, 10]))
    spec = pk.ActivationSpec.from_dict({
        "steps": steps, "threshold": draw(st.sampled_from([0.34, 0.67, 1.0])), "window_days": window,
    })
    frames = {
        "users": pd.DataFrame(user_rows, columns=["user_id", "signup_at", "account_id", "channel"], dtype="object"),
        "events": pd.DataFrame(event_rows, columns=["user_id", "event", "timestamp"], dtype="object"),
        "conversions": pd.DataFrame(conversion_rows, columns=["user_id", "paid_at"], dtype="object"),
    }
    as_of = draw(st.sampled_from([None, "2026-01-20", "2026-02-10"]))
    level = draw(st.sampled_from(["user", "account"]))
    return frames, spec, as_of, level


def _quiet_entity_table(source, spec, **options):
    """entity_table without the "event never occurs" warning, which random data often triggers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pk.PqlkitWarning)
        return pk.entity_table(source, spec, **options)


@examples(2)  # 60 under the "ci" profile (tests/conftest.py)
@given(datasets())
def test_invariants(case):
    frames, spec, as_of, level = case
    entities, context = _quiet_entity_table(frames, spec, as_of=as_of, level=level)
    totals = pk.summary(entities, context=context)
    # Every row read is used or dropped under exactly one reason; read is counted by the loader
    # itself, and must equal the rows of the frame given.
    for table, frame in frames.items():
        counts = totals["data_quality"][table]
        assert counts["read"] == len(frame) == counts["used"] + sum(counts["dropped"].values())
    # Rates are shares; counts nest.
    for key in ("pql_rate", "activation_rate_mean", "pql_to_paid_rate"):
        assert totals[key] is None or 0 <= totals[key] <= 1
    assert totals["current_pqls"] <= totals["raw_pqls"] <= totals["entities"]
    assert totals["paid_pqls"] + totals["paid_before_pql"] <= totals["raw_pqls"]
    assert sum(w["new_pqls"] for w in totals["pqls_over_time"]) == totals["raw_pqls"]
    assert all(0 <= n <= totals["entities"] for n in totals["step_completion"].values())
    # Time to PQL is never negative and a PQL never comes after as_of.
    pql = entities[entities["is_pql"]]
    assert (pql["time_to_pql_days"] >= 0).all() and (pql["pql_at"] <= context.as_of).all()
    assert ((entities["steps_done"] >= spec.steps_required) == entities["is_pql"]).all()
    km = totals["time_to_pql_km_median_days"]
    assert km is None or km >= 0


@examples(5 / 6)  # 25 under the "ci" profile
@given(datasets())
def test_same_answer_from_frames_parquet_and_csv(tmp_path_factory, case):
    """The frames written as CSV (strings) and as Parquet (real UTC timestamp columns) give the same
    per-entity table and ledger as the frames themselves."""
    frames, spec, as_of, level = case
    csv_dir = tmp_path_factory.mktemp("csv")
    parquet_dir = tmp_path_factory.mktemp("parquet")
    for name, frame in frames.items():
        frame.to_csv(csv_dir / f"{name}.csv", index=False)
        typed = frame.copy()
        for column in ("signup_at", "timestamp", "paid_at"):
            if column in typed:
                typed[column] = pd.to_datetime(typed[column], utc=True)
        typed.to_parquet(parquet_dir / f"{name}.parquet", index=False)
    expected, expected_ds = _quiet_entity_table(frames, spec, as_of=as_of, level=level)
    for folder in (csv_dir, parquet_dir):
        got, got_ds = _quiet_entity_table(folder, spec, as_of=as_of, level=level)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
        pd.testing.assert_frame_equal(got_ds.ledger, expected_ds.ledger)
