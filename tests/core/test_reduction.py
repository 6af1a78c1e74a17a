"""docs/metrics.md#definitions step completion and PQL rules, each on a hand-worked dataset.

T0 = 2026-01-05T00:00Z (a Monday); "d3" below means T0 + 3 days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from conftest import SAMPLE, SAMPLE_SPEC
from helpers import DAY, T0, analyze, events, row, spec, users

SECOND = pd.Timedelta(seconds=1)


def test_window_includes_its_last_instant_and_step_window_overrides_default():
    """window_days: 7 for step a; step b has within_days: 2 (overriding 7); step c has no window of
    its own, so 7 applies.
    u1: a at d7 exactly (= signup + 7 days, inside: `timestamp <= signup + w`) -> done at d7.
    u2: a at d7 + 1s -> outside, not done.
    u1: b at d3 -> outside its 2-day window; u2: b at d2 -> done.
    u1: c at d6 -> done; u2: c at d8 -> not done.
    """
    frames = {
        "users": users([("u1", T0), ("u2", T0)]),
        "events": events([("u1", "a", T0 + 7 * DAY), ("u2", "a", T0 + 7 * DAY + SECOND),
                          ("u1", "b", T0 + 3 * DAY), ("u2", "b", T0 + 2 * DAY),
                          ("u1", "c", T0 + 6 * DAY), ("u2", "c", T0 + 8 * DAY)]),
    }
    steps = [{"name": "sa", "event": "a"}, {"name": "sb", "event": "b", "within_days": 2}, {"name": "sc", "event": "c"}]
    entities, ctx = analyze(frames, spec(steps, window_days=7))
    u1, u2 = row(entities, "u1"), row(entities, "u2")
    assert u1["sa_at"] == T0 + 7 * DAY and pd.isna(u2["sa_at"])
    assert pd.isna(u1["sb_at"]) and u2["sb_at"] == T0 + 2 * DAY
    assert u1["sc_at"] == T0 + 6 * DAY and pd.isna(u2["sc_at"])
    assert (u1["steps_done"], u2["steps_done"]) == (2, 1)


def test_min_count_completes_at_the_nth_qualifying_event():
    """min_count 3, within_days 7. u1 creates reports at d1, d5, d2, d9 (file order): qualifying are
    d1, d2, d5 (d9 is outside) -> the 3rd by time is d5. u2 has only two (d1, d2) -> not done."""
    frames = {
        "users": users([("u1", T0), ("u2", T0)]),
        "events": events([("u1", "r", T0 + DAY), ("u1", "r", T0 + 5 * DAY), ("u1", "r", T0 + 2 * DAY),
                          ("u1", "r", T0 + 9 * DAY), ("u2", "r", T0 + DAY), ("u2", "r", T0 + 2 * DAY)]),
    }
    entities, ctx = analyze(frames, spec([{"name": "core", "event": "r", "min_count": 3, "within_days": 7}]))
    assert row(entities, "u1")["core_at"] == T0 + 5 * DAY
    assert pd.isna(row(entities, "u2")["core_at"])


ACCOUNT_USERS = users(
    [("u1", T0, "A"), ("u2", T0 + 2 * DAY, "A"), ("u3", T0 + 9 * DAY, "A"), ("u4", T0 + DAY, "B"), ("u5", T0 + DAY, "B")],
    columns=("user_id", "signup_at", "account_id"),
)


def test_min_users_with_event_takes_the_later_of_count_and_kth_user():
    """Account A: u1 does x at d1, d2, d5; u2 does x at d3. Account B: u4 does x at d2, u5 never.

    Step "x_by_two" (event x, min_users 2, min_count 1): A's count time is d1 (1st event), the 2nd
    distinct user's first x is u2 at d3 -> later of the two = d3. B has one user doing x -> not done.
    Step "x4_by_two" (event x, min_users 2, min_count 4): A's 4th x by time is d5 (d1, d2, d3, d5),
    2nd user at d3 -> d5.
    """
    frames = {
        "users": ACCOUNT_USERS,
        "events": events([("u1", "x", T0 + DAY), ("u1", "x", T0 + 2 * DAY), ("u1", "x", T0 + 5 * DAY),
                          ("u2", "x", T0 + 3 * DAY), ("u4", "x", T0 + 2 * DAY)]),
    }
    steps = [{"name": "x_by_two", "event": "x", "min_users": 2},
             {"name": "x4_by_two", "event": "x", "min_users": 2, "min_count": 4}]
    entities, ctx = analyze(frames, spec(steps, level="account"))
    a, b = row(entities, "A"), row(entities, "B")
    assert a["x_by_two_at"] == T0 + 3 * DAY
    assert a["x4_by_two_at"] == T0 + 5 * DAY
    assert pd.isna(b["x_by_two_at"])


def test_min_users_without_event_is_the_kth_signup_within_the_window():
    """Account A's users signed up at d0, d2, d9; B's at d1, d1.
    "team_of_two" (min_users 2): A -> d2, B -> d1. "team_of_three" (min_users 3, within_days 7):
    A's 3rd signup d9 is later than d0 + 7 -> not done; B has two users -> not done.
    "team_of_three_any" (min_users 3, no window) -> A at d9.
    The account's signup_at is its earliest user's: A d0, B d1; n_users 3 and 2.
    """
    frames = {"users": ACCOUNT_USERS, "events": events([("u1", "login", T0 + DAY)])}
    steps = [{"name": "team_of_two", "min_users": 2}, {"name": "team_of_three", "min_users": 3, "within_days": 7},
             {"name": "team_of_three_any", "min_users": 3}]
    entities, ctx = analyze(frames, spec(steps, level="account"))
    a, b = row(entities, "A"), row(entities, "B")
    assert (a["team_of_two_at"], b["team_of_two_at"]) == (T0 + 2 * DAY, T0 + DAY)
    assert pd.isna(a["team_of_three_at"]) and pd.isna(b["team_of_three_at"])
    assert a["team_of_three_any_at"] == T0 + 9 * DAY
    assert (a["signup_at"], b["signup_at"]) == (T0, T0 + DAY)
    assert (a["n_users"], b["n_users"]) == (3, 2)


def test_min_users_at_user_level_is_a_spec_error():
    with pytest.raises(pk.SpecError, match="min_users"):
        spec([{"name": "team", "min_users": 3}])


def test_threshold_three_of_four_and_pql_at_is_the_kth_step():
    """threshold 0.75 with 4 steps: k = ceil(0.75 * 4 - 1e-9) = 3.
    u1 completes a d1, b d4, c d2 (3 steps) -> PQL at the 3rd smallest = d4; time to PQL 4 days.
    u2 completes a d1, b d2 (2 steps) -> not a PQL. u3 completes all four (d1, d2, d3, d6) -> PQL at d3.
    Activation rates: 0.75, 0.5, 1.0 -> mean 0.75.
    """
    frames = {
        "users": users([("u1", T0), ("u2", T0), ("u3", T0)]),
        "events": events([("u1", "a", T0 + DAY), ("u1", "b", T0 + 4 * DAY), ("u1", "c", T0 + 2 * DAY),
                          ("u2", "a", T0 + DAY), ("u2", "b", T0 + 2 * DAY),
                          ("u3", "a", T0 + DAY), ("u3", "b", T0 + 2 * DAY), ("u3", "c", T0 + 3 * DAY),
                          ("u3", "d", T0 + 6 * DAY)]),
    }
    four = spec([{"name": n, "event": n} for n in "abcd"], threshold=0.75)
    assert four.steps_required == 3
    entities, ctx = analyze(frames, four)
    assert row(entities, "u1")["pql_at"] == T0 + 4 * DAY
    assert row(entities, "u1")["time_to_pql_days"] == pytest.approx(4.0)
    assert not row(entities, "u2")["is_pql"] and pd.isna(row(entities, "u2")["pql_at"])
    assert row(entities, "u3")["pql_at"] == T0 + 3 * DAY
    assert list(entities["activation_rate"]) == [0.75, 0.5, 1.0]
    assert pk.summary(entities, context=ctx)["activation_rate_mean"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("threshold", "n_steps", "required"),
    [(0.75, 4, 3), (1.0, 4, 4), (0.5, 3, 2), (0.3, 10, 3), (0.01, 5, 1), (2 / 3, 3, 2)],
)
def test_steps_required_rounding(threshold, n_steps, required):
    """k = ceil(threshold * n - 1e-9): the 1e-9 keeps 0.3 * 10 (2.9999999999999996 or 3.0000000000000004
    in floats) and 2/3 * 3 at exactly 3 and 2."""
    steps = [{"name": f"s{i}", "event": f"e{i}"} for i in range(n_steps)]
    assert spec(steps, threshold=threshold).steps_required == required


def test_account_roll_up_uses_every_users_events_and_payments():
    """Account A: u1 (signup d0) does a at d3; u2 (signup d2) does b at d4 and pays at d6 (keyed by
    user_id only). Both steps are needed (threshold 1): A is a PQL at d4, its time to PQL is 4 days
    (from the account's signup, d0), paid at d6 (after PQL), last seen d4."""
    frames = {
        "users": users([("u1", T0, "A"), ("u2", T0 + 2 * DAY, "A")], columns=("user_id", "signup_at", "account_id")),
        "events": events([("u1", "a", T0 + 3 * DAY), ("u2", "b", T0 + 4 * DAY)]),
        "conversions": pd.DataFrame({"user_id": ["u2"], "paid_at": [(T0 + 6 * DAY).isoformat()]}),
    }
    entities, ctx = analyze(frames, spec([{"name": "sa", "event": "a"}, {"name": "sb", "event": "b"}]), level="account")
    a = row(entities, "A")
    assert a["pql_at"] == T0 + 4 * DAY and a["time_to_pql_days"] == pytest.approx(4.0)
    assert a["paid_at"] == T0 + 6 * DAY and a["last_seen_at"] == T0 + 4 * DAY
    totals = pk.summary(entities, context=ctx)
    assert (totals["paid_pqls"], totals["pql_to_paid_rate"]) == (1, 1.0)


def test_events_after_as_of_do_not_complete_steps():
    """as_of d5: u1's a at d3 counts, b at d6 is after as_of. With both required, u1 is not a PQL
    as of d5, but is as of d7 (pql_at d6) — reproducing what could be seen then."""
    frames = {"users": users([("u1", T0)]), "events": events([("u1", "a", T0 + 3 * DAY), ("u1", "b", T0 + 6 * DAY)])}
    both = spec([{"name": "sa", "event": "a"}, {"name": "sb", "event": "b"}])
    with pytest.warns(pk.PqlkitWarning, match="waits for event 'b', which"):
        early, _ = analyze(frames, both, as_of=T0 + 5 * DAY)
    late, _ = analyze(frames, both, as_of=T0 + 7 * DAY)
    assert not row(early, "u1")["is_pql"] and row(late, "u1")["pql_at"] == T0 + 6 * DAY


def test_step_name_colliding_with_a_column_is_refused():
    frames = {"users": users([("u1", T0)]), "events": events([("u1", "a", T0)])}
    with pytest.raises(pk.SpecError, match="'paid' would make the column 'paid_at'"):
        analyze(frames, spec([{"name": "paid", "event": "a"}]))


# --- the context returned beside the table ---------------------------------------------------------


def test_entity_table_returns_the_context_of_its_table():
    """The context holds what the frame does not: as_of, the spec at the level used, the segments and
    the dataset (its ledger). The frame itself carries no attrs."""
    frames = {"users": users([("u1", T0, "organic")], columns=("user_id", "signup_at", "channel")),
              "events": events([("u1", "a", T0 + DAY)])}
    one = spec([{"name": "sa", "event": "a"}], trial_days=10, active_days=5, stall_day=8)
    entities, ctx = analyze(frames, one, as_of="2026-01-10")
    assert isinstance(ctx, pk.Context) and entities.attrs == {}
    assert ctx.as_of == pd.Timestamp("2026-01-10T23:59:59.999999Z")
    assert (ctx.level, ctx.noun, ctx.steps, ctx.steps_required, ctx.segments) == ("user", "users", ("sa",), 1, ("channel",))
    assert (ctx.trial_days, ctx.active_days, ctx.stall_day) == (10, 5, 8)
    assert ctx.data_quality()["users"]["used"] == 1 and ctx.has_conversions is False
    with pytest.raises(AttributeError):
        ctx.as_of = T0  # frozen


def test_a_context_can_be_built_by_hand_for_reduce():
    """pk.reduce returns the frame only; pk.Context.from_dataset gives the same context as entity_table."""
    frames = {"users": users([("u1", T0)]), "events": events([("u1", "a", T0 + DAY)])}
    one = spec([{"name": "sa", "event": "a"}])
    dataset = pk.load(frames, as_of=T0 + 3 * DAY)
    entities = pk.reduce(dataset, one)
    ctx = pk.Context.from_dataset(dataset, one)
    expected, expected_ctx = analyze(frames, one, as_of=T0 + 3 * DAY)
    pd.testing.assert_frame_equal(entities, expected)
    assert ctx == expected_ctx
    manual = pk.Context(as_of="2026-01-08", spec=one)
    assert manual.as_of == pd.Timestamp("2026-01-08T23:59:59.999999Z") and manual.dataset is None
    with pytest.raises(ValueError, match="needs the loaded dataset"):
        manual.ledger


def test_pql_times_is_the_kth_completion():
    """Step times d3, d1 and not done: the 2nd completion is d3; a 3rd does not exist (NaT); the 1st is d1."""
    table = pd.DataFrame({
        "x_at": pd.Series([T0 + 3 * DAY], dtype="datetime64[us, UTC]"),
        "y_at": pd.Series([T0 + DAY], dtype="datetime64[us, UTC]"),
        "z_at": pd.Series([pd.NaT], dtype="datetime64[us, UTC]"),
    })
    steps = ["x", "y", "z"]
    assert pk.pql_times(table, steps=steps, steps_required=2).iloc[0] == T0 + 3 * DAY
    assert pd.isna(pk.pql_times(table, steps=steps, steps_required=3).iloc[0])
    assert pk.pql_times(table, steps=steps, steps_required=1).iloc[0] == T0 + DAY
    assert len(pk.pql_times(table.iloc[:0], steps=steps, steps_required=1)) == 0


def test_completion_columns_on_arrays():
    """The rule on numpy columns, hand-worked: signup T0; steps x at d3, y at d1, z not done; 2 of 3 needed.
    Steps done 2, activation 2/3, pql_at d3 (the 2nd earliest), time to PQL 3.0 days; a second row with
    only y done (d1) has 1 step, no pql_at (NaT) and a NaN time to PQL."""
    from pqlkit.core.reduction import completion_columns

    at = lambda stamp: stamp.tz_localize(None).to_datetime64()  # noqa: E731
    nat = np.datetime64("NaT", "us")
    x = np.array([at(T0 + 3 * DAY), nat], dtype="datetime64[us]")
    y = np.array([at(T0 + DAY), at(T0 + DAY)], dtype="datetime64[us]")
    z = np.array([nat, nat], dtype="datetime64[us]")
    signup = np.array([at(T0), at(T0)], dtype="datetime64[us]")
    done = completion_columns([x, y, z], signup, steps_required=2)
    assert done["steps_done"].tolist() == [2, 1]
    assert done["activation_rate"].tolist() == [2 / 3, 1 / 3]
    assert done["pql_at"][0] == at(T0 + 3 * DAY) and np.isnat(done["pql_at"][1])
    assert done["is_pql"].tolist() == [True, False]
    assert done["time_to_pql_days"][0] == 3.0 and np.isnan(done["time_to_pql_days"][1])


def test_days_between_is_pandas_day_arithmetic():
    """Day counts from the numpy columns equal pandas' ``(later - earlier).dt.total_seconds() / 86400`` to the
    last bit (the per-entity table was built that way before it came from numpy), on 2,000 seeded odd
    microsecond gaps and a missing time."""
    from pqlkit.core.arrays import days_between

    rng = np.random.default_rng(5)
    earlier = pd.Series(T0 + pd.to_timedelta(rng.integers(0, 10**13, 2000), unit="us")).astype("datetime64[us, UTC]")
    later = earlier + pd.to_timedelta(rng.integers(-10**12, 10**14, 2000), unit="us")
    later.iloc[7] = pd.NaT
    expected = ((later - earlier).dt.total_seconds() / 86400).to_numpy()
    naive = lambda s: s.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")  # noqa: E731
    found = days_between(naive(later), naive(earlier))
    assert np.isnan(found[7]) and np.array_equal(found, expected, equal_nan=True)


def test_the_table_and_its_columns_convert_both_ways():
    """The sample's per-entity table, taken to numpy columns and back, is the same frame (dtypes, missing
    values and all): the Python API's table and the command line's columns hold the same rows."""
    from pqlkit.core.arrays import columns_from_frame
    from pqlkit.core.entities import frame_from_columns

    for level in ("user", "account"):
        entities, _ = pk.entity_table(SAMPLE, SAMPLE_SPEC, level=level)
        pd.testing.assert_frame_equal(frame_from_columns(columns_from_frame(entities)), entities)
