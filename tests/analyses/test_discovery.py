"""Finding the activation: the counting pass, the purchase-flow check, the search and the spec it writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from pqlkit.analyses.discovery import (
    Definition,
    StepRule,
    Target,
    day_counts,
    definition_spec,
    discover_activation,
    purchase_flow,
)
from pqlkit.analyses.discovery.search import activity_strata, qualifies, single_steps
from pqlkit.synthetic.planted import DECOYS, PLANTED_ACTIVATION, generate_planted_sample
from tests.helpers import DAY, T0, conversions, events, users

HOUR = pd.Timedelta(hours=1)
AS_OF = T0 + 60 * DAY  # every signup below is at least 30 days old: all are judged


# The hand-made datasets end long before AS_OF, which pqlkit warns about; it does not matter here.
pytestmark = pytest.mark.filterwarnings("ignore::pqlkit.PqlkitWarning")


def _planted(n_users=4000, seed=1, *, sample=None):
    """The planted sample's three tables, loaded (its ``truth`` is the generator's, not an input table)."""
    sample = sample if sample is not None else generate_planted_sample(n_users=n_users, seed=seed)
    return pk.load({name: sample[name] for name in ("users", "events", "conversions")})


def _load(user_rows, event_rows, paid_rows=()):
    frames = {"users": users(user_rows), "events": events(event_rows), "conversions": conversions(list(paid_rows))}
    return pk.load(frames, as_of=AS_OF.isoformat())


def _cumulative(dataset, target=Target(), horizon=7):
    counts = day_counts(dataset, target, horizon=horizon)
    ids = list(counts.entities["entity_id"])
    return counts, {event: counts.cumulative(code, cap=10) for code, event in enumerate(counts.events)}, ids


def test_counts_within_days_hand_worked():
    """User a signs up at T0 and does x on days 0, 1 and 5 (at 10:00).

    Day d holds the events at least d and less than d + 1 days after signup. Within 2 days (days 0
    and 1) a has 2 x: it meets "x ×2 within 2 days" but not "x ×3 within 2 days"; within 6 days (days
    0 to 5) it has 3, so "x ×3 within 6 days" holds. User b never does x: 0 everywhere.
    """
    dataset = _load([("a", T0), ("b", T0 + HOUR)],
                    [("a", "x", T0 + 10 * HOUR), ("a", "x", T0 + DAY + 10 * HOUR), ("a", "x", T0 + 5 * DAY + 10 * HOUR),
                     ("b", "y", T0 + 2 * HOUR)])
    counts, cumulative, ids = _cumulative(dataset)
    a, b = ids.index("a"), ids.index("b")
    assert cumulative["x"][a].tolist() == [1, 2, 2, 2, 2, 3, 3]
    assert cumulative["x"][b].tolist() == [0] * 7
    meets = lambda k, w: qualifies(Definition((StepRule("x", k, w),), 1), cumulative)  # noqa: E731
    assert meets(2, 2)[a] and not meets(3, 2)[a] and meets(3, 6)[a]
    assert not meets(1, 7)[b]
    assert counts.active_days(7).tolist() == [3, 1]  # a: days 0, 1, 5; b: day 0


def test_counts_stop_at_the_target():
    """User p pays 1.5 days after signup and does x on days 0, 1 and 2 (at 06:00).

    Only the events before paying count: x on day 0 and day 1 (1 day 6 hours < 1.5 days); the one
    on day 2 comes after the payment, so p has 2 x within 3 days, not 3. User q never pays: all 3.
    """
    dataset = _load([("p", T0), ("q", T0)],
                    [(u, "x", T0 + d * DAY + 6 * HOUR) for u in ("p", "q") for d in (0, 1, 2)],
                    [("p", T0 + 1.5 * DAY)])
    counts, cumulative, ids = _cumulative(dataset)
    assert cumulative["x"][ids.index("p")][2] == 2
    assert cumulative["x"][ids.index("q")][2] == 3
    assert counts.reached.tolist() == [ids[i] == "p" for i in range(2)]


def test_event_target_is_not_its_own_step():
    """With ``--target invited``, the invitation itself is not counted: only x remains a candidate event."""
    dataset = _load([("a", T0)], [("a", "x", T0 + HOUR), ("a", "invited", T0 + 2 * HOUR)])
    counts = day_counts(dataset, Target.parse("invited", days=30), horizon=7)
    assert counts.events == ("x",)
    assert counts.reached.tolist() == [True]


def test_retention_target_time_is_the_start_of_the_week():
    """Retained in week 1 means an event on days 7 to 13 after signup; the target moment is day 7.

    a does x on day 2 and day 8: retained; its day-2 event counts (before day 7). b does x on day 2 and
    day 20 only: not retained.
    """
    dataset = _load([("a", T0), ("b", T0)],
                    [("a", "x", T0 + 2 * DAY), ("a", "x", T0 + 8 * DAY), ("b", "x", T0 + 2 * DAY), ("b", "x", T0 + 20 * DAY)])
    counts = day_counts(dataset, Target.parse("retained", week=1), horizon=7)
    ids = list(counts.entities["entity_id"])
    reached = dict(zip(ids, counts.reached))
    assert reached == {"a": True, "b": False}
    assert (counts.entities.set_index("entity_id").loc["a", "target_at"] - T0) == 7 * DAY


def test_purchase_flow_hand_made():
    """Ten payers each pay on day 3 at 12:00; before that each views ``pricing`` at 02:00 and 11:00 on day 3
    (both within 24 hours of paying) and creates a ``report`` on days 0, 1 and 2 at 12:00 (72, 48 and 24
    hours before: the last one is exactly 24 hours before, so in the window, which is inclusive).

    Per payer: pricing 2 events, 2 near; report 3 events, 1 near. All events: 5 × 10 = 50, near 30,
    share 60 %. pricing: 100 % near, at least 0.5 and at least 3 × 60 %? No: 100 % < 180 %. So with
    the default ratio of 3 nothing is flagged; with ratio 1.5 (90 %) pricing is (100 %) and report
    (33 %) is not. Ten non-payers do report only, which adds nothing (only payers are looked at).
    """
    payers = [f"p{i}" for i in range(10)]
    others = [f"n{i}" for i in range(10)]
    rows = [(u, "pricing", T0 + 3 * DAY + h * HOUR) for u in payers for h in (2, 11)]
    rows += [(u, "report", T0 + d * DAY + 12 * HOUR) for u in payers + others for d in (0, 1, 2)]
    dataset = _load([(u, T0) for u in payers + others], rows, [(u, T0 + 3.5 * DAY) for u in payers])
    counts = day_counts(dataset, Target(), horizon=7)
    default = purchase_flow(counts).set_index("event")
    assert not default["flow"].any()
    flow = purchase_flow(counts, ratio=1.5).set_index("event")
    assert flow.loc["pricing", "near_share"] == 1.0 and flow.loc["report", "near_share"] == pytest.approx(1 / 3)
    assert flow.loc["pricing", "all_events_share"] == pytest.approx(30 / 50)
    assert flow.loc["pricing", "entities"] == 10
    assert flow["flow"].to_dict() == {"pricing": True, "report": False}


def test_single_step_counts_match_an_independent_count():
    """Invariant: each (event, k, w) row's doers equal a pandas count, from the raw events, of the
    users with at least k such events less than w days after signup and before paying within 30 days."""
    sample = generate_planted_sample(n_users=400, seed=11)
    dataset = _planted(sample=sample)
    counts = day_counts(dataset, Target(), horizon=14)
    cumulative = {e: counts.cumulative(c, cap=10) for c, e in enumerate(counts.events)}
    rows = np.ones(len(counts.entities), dtype=bool)
    table = single_steps(counts, cumulative, rows=rows, strata=activity_strata(counts.activity(14)),
                         within_days=14, max_count=10).set_index(["event", "min_count", "within_days"])
    judged = counts.entities.set_index("entity_id")
    ev = sample.events.merge(judged, left_on="user_id", right_index=True)
    elapsed = (ev["timestamp"] - ev["signup_at"]) / DAY
    ev = ev[ev["target_at"].isna() | (ev["timestamp"] < ev["target_at"])]
    for event, k, w in [("task_assigned", 3, 7), ("project_created", 1, 2), ("login", 5, 10), ("file_uploaded", 2, 14)]:
        mine = ev[(ev["event"] == event) & (elapsed.loc[ev.index] < w)]
        expected = int((mine.groupby("user_id").size() >= k).sum())
        assert table.loc[(event, k, w), "doers"] == expected, (event, k, w)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_activation_is_recovered(seed):
    """The planted activation: 2 of 3 steps, project_created ×1 within 2 days, task_assigned ×3 within
    7 days, file_uploaded ×2 within 10 days; activated users pay at 45 %, others at 4 %
    (pqlkit.synthetic.planted). The proposal must hold exactly these three events, need 2 of them,
    each count within 1 and each window within 2 days of the planted ones, and none of the decoys
    (login, search_run, pricing_viewed, invoice_downloaded)."""
    dataset = _planted(n_users=4000, seed=seed)
    found = discover_activation(dataset, within_days=14)
    steps = {step.event: step for step in found.proposal.steps}
    planted = {step.event: step for step in PLANTED_ACTIVATION.steps}
    assert set(steps) == set(planted)
    assert not set(steps) & set(DECOYS)
    assert found.proposal.required == PLANTED_ACTIVATION.required
    for event, step in planted.items():
        assert abs(steps[event].min_count - step.min_count) <= 1, event
        assert abs(steps[event].within_days - step.within_days) <= 2, event
    assert found.flow.set_index("event").loc["pricing_viewed", "flow"]
    assert "pricing_viewed" in found.settings["left_out"]


def test_purchase_flow_decoy_wins_when_kept():
    """The purchase-flow decoy is a real threat: kept (``include_flow``), the pricing page, viewed by every
    payer in the six hours before paying, enters the proposal (seed 1, as above)."""
    dataset = _planted(n_users=4000, seed=1)
    found = discover_activation(dataset, within_days=14, include_flow=True)
    assert "pricing_viewed" in {step.event for step in found.proposal.steps}


def test_activity_decoy_loses_lift_within_activity_levels():
    """In the planted data busy users log in more and are more often activated, so ``login ×1 within
    3 days`` has a raw lift above 1 (busy users pay); compared within strata of activity (the share
    of observed days with any event) the lift is not above 1, so it is not admissible, while the
    planted ``task_assigned ×3 within 7 days`` keeps a lift above 1.5 (seed 1)."""
    dataset = _planted(n_users=4000, seed=1)
    found = discover_activation(dataset, within_days=14)
    singles = found.singles.set_index(["event", "min_count", "within_days"])
    login, task = singles.loc[("login", 1, 3)], singles.loc[("task_assigned", 3, 7)]
    assert login["lift"] > 1.2
    assert login["adjusted_lift"] <= 1 and not login["admissible"]
    assert task["adjusted_lift"] > 1.5 and task["admissible"]


def test_scores_on_the_later_cohort_match_a_direct_count():
    """The proposal's reach, precision and recall on the later signups equal a count over the entities
    judged: the last third by signup, those meeting the definition, and those of them who paid."""
    dataset = _planted(n_users=1500, seed=4)
    found = discover_activation(dataset, within_days=14)
    counts = day_counts(dataset, Target(), horizon=14)
    cumulative = {e: counts.cumulative(c, cap=10) for c, e in enumerate(counts.events)}
    n = len(counts.entities)
    later = np.arange(n) >= round(n * 2 / 3)
    meets = qualifies(found.proposal, cumulative) & later
    paid = counts.reached
    row = found.proposal_row
    assert row["reach"] == pytest.approx(meets.sum() / later.sum())
    assert row["precision"] == pytest.approx((meets & paid).sum() / meets.sum())
    assert row["recall"] == pytest.approx((meets & paid).sum() / (paid & later).sum())


def test_proposal_yaml_reads_back_as_the_same_spec(tmp_path):
    """The written YAML loads with ActivationSpec.from_yaml into the proposal: same events, counts,
    windows, and 2 of 3 steps (threshold 0.6666, so ceil(0.6666 × 3) = 2)."""
    definition = Definition((StepRule("a", 1, 2), StepRule("b", 3, 7), StepRule("c", 2, 10)), 2)
    spec = definition_spec(definition)
    assert spec.threshold == 0.6666 and spec.steps_required == 2
    dataset = _planted(n_users=1500, seed=4)
    found = discover_activation(dataset, within_days=14)
    path = tmp_path / "proposal.yaml"
    path.write_text(found.to_yaml(source="planted"), encoding="utf-8")
    loaded = pk.ActivationSpec.from_yaml(path)
    assert [(s.event, s.min_count, s.within_days) for s in loaded.steps] == [
        (s.event, s.min_count, s.within_days) for s in found.proposal.steps]
    assert loaded.steps_required == found.proposal.required


def test_current_spec_is_measured_on_the_same_cohort():
    """The sample's spec (3 of 4 steps within 14 days) gets a row on the later signups, counted the same
    way: its reach equals the share of later signups meeting it as a definition over the day counts."""
    entities, ctx = pk.entity_table("data/sample", "data/activation.yaml")
    found = discover_activation(ctx.dataset, spec=ctx.spec)
    current = found.current_row
    assert current is not None and current["steps"] == 4 and current["required"] == 3
    assert 0 < current["reach"] < 1 and 0 < current["precision"] < 1
    assert found.current_row["entities"] == found.settings["report_entities"]


@pytest.mark.parametrize("kwargs, message", [
    pytest.param({"alpha": 1.5}, "alpha", id="alpha"),
    pytest.param({"max_count": 0}, "max_count", id="max-count"),
    pytest.param({"target": "retained", "retention_week": 1, "within_days": 14}, "before retention week 1", id="week"),
])
def test_bad_arguments(kwargs, message):
    dataset = _load([("a", T0)], [("a", "x", T0 + HOUR)])
    with pytest.raises(ValueError, match=message):
        discover_activation(dataset, **kwargs)


def test_command_line_writes_a_spec_that_loads(tmp_path, capsys):
    """``pqlkit discover DIR --spec-out FILE`` prints the proposal and writes a spec ``pqlkit metrics`` reads."""
    from pqlkit.cli import main
    from pqlkit.synthetic.planted import generate_planted_sample

    sample = generate_planted_sample(n_users=1500, seed=4)
    for name in ("users", "events", "conversions"):
        sample[name].to_parquet(tmp_path / f"{name}.parquet")
    out = tmp_path / "proposal.yaml"
    assert main(["discover", str(tmp_path), "--spec-out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "proposal: 2 of 3" in printed and "pricing_viewed" in printed
    assert main(["metrics", str(tmp_path), "--spec", str(out)]) == 0


@pytest.mark.parametrize("argv, message", [
    pytest.param(["--target", "no_such_event"], "--target 'no_such_event': no such event", id="target"),
    pytest.param(["--target", "retained", "--week", "1"], "must end before retention week 1", id="week"),
])
def test_command_line_errors_are_one_line(tmp_path, capsys, argv, message):
    from pqlkit.cli import main

    sample = generate_planted_sample(n_users=200, seed=4)
    for name in ("users", "events", "conversions"):
        sample[name].to_parquet(tmp_path / f"{name}.parquet")
    assert main(["discover", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_spark_gives_the_same_discovery(tmp_path, spark_engine):
    """The counting pass is portable SQL: on Spark (local, through sqlglot) the planted sample (seed 4,
    1,500 users) gives the same day counts, the same single-step table and the same proposal as DuckDB."""
    sample = generate_planted_sample(n_users=1500, seed=4)
    for name in ("users", "events", "conversions"):
        sample[name].to_parquet(tmp_path / f"{name}.parquet")
    spark = discover_activation(pk.load(tmp_path, engine=spark_engine), within_days=14)
    duck = discover_activation(pk.load(tmp_path), within_days=14)
    assert spark.proposal == duck.proposal
    pd.testing.assert_frame_equal(spark.singles, duck.singles)
    pd.testing.assert_frame_equal(spark.flow, duck.flow)
