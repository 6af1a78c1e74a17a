"""pqlkit.analyses.explore: event catalogue, candidate-step ranking, completion curves, threshold and level
comparisons, on a hand-worked dataset whose numbers are derived in the docstrings."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from helpers import DAY, T0, analyze, conversions, events, spec, users
from pqlkit import explore

HOUR = pd.Timedelta(hours=1)
AS_OF = T0 + 20 * DAY
INVITE_ONLY = spec([{"name": "invited", "event": "teammate_invited"}], active_days=14, trial_days=14)
INVITE_AND_LOGIN = spec(
    [{"name": "invited", "event": "teammate_invited"}, {"name": "logged_in", "event": "login"}],
    threshold=0.5, active_days=14, trial_days=14,
)


def frames() -> dict:
    """Five users; u5 signed up 10 days after the others.

    ========  =========  ===============================================  ============
    user      account    events (time after T0)                           paid (T0 +)
    ========  =========  ===============================================  ============
    u1        a1         login 1h, teammate_invited 1d, teammate_invited 2d   5d
    u2        a1         login 1h, teammate_invited 3d                         6d
    u3        a2         login 1h, login 2h                                    -
    u4        a3         login 1h, teammate_invited 15d (outside 14 days)      -
    u5        a3         teammate_invited 11d (1 day after its signup)         12d
    ========  =========  ===============================================  ============

    ``as_of`` = T0 + 20 days, so u1-u4 are 20 days old and u5 is 10.
    """
    return {
        "users": users([("u1", T0, "a1"), ("u2", T0, "a1"), ("u3", T0, "a2"), ("u4", T0, "a3"),
                        ("u5", T0 + 10 * DAY, "a3")], columns=("user_id", "signup_at", "account_id")),
        "events": events([
            ("u1", "login", T0 + HOUR), ("u1", "teammate_invited", T0 + DAY), ("u1", "teammate_invited", T0 + 2 * DAY),
            ("u2", "login", T0 + HOUR), ("u2", "teammate_invited", T0 + 3 * DAY),
            ("u3", "login", T0 + HOUR), ("u3", "login", T0 + 2 * HOUR),
            ("u4", "login", T0 + HOUR), ("u4", "teammate_invited", T0 + 15 * DAY),
            ("u5", "teammate_invited", T0 + 11 * DAY),
        ]),
        "conversions": conversions([("u1", T0 + 5 * DAY), ("u2", T0 + 6 * DAY), ("u5", T0 + 12 * DAY)]),
    }


@pytest.fixture(scope="module")
def one_step():
    return analyze(frames(), INVITE_ONLY, as_of=AS_OF)


@pytest.fixture(scope="module")
def two_steps():
    return analyze(frames(), INVITE_AND_LOGIN, as_of=AS_OF)


# --- resolve_path ------------------------------------------------------------------------------


def test_resolve_path_keeps_absolute_paths(tmp_path):
    assert pk.resolve_path(tmp_path / "x") == str(tmp_path / "x")


def test_resolve_path_is_relative_to_notebooks_whatever_the_working_directory(tmp_path, monkeypatch):
    """``../data/sample`` from notebooks/ is ``<repo>/data/sample``, from the repo root or from elsewhere."""
    root = Path(__file__).resolve().parents[2]
    expected = str(root / "data" / "sample")
    monkeypatch.chdir(root / "tests")
    assert pk.resolve_path("../data/sample") == expected
    monkeypatch.chdir(tmp_path)
    assert pk.resolve_path("../data/sample") == expected


def test_repo_root_is_the_folder_whose_pyproject_names_pqlkit(tmp_path):
    """The clone holding this file is the root, from any folder inside it; a folder outside any clone has none,
    and a pyproject.toml of another project does not count."""
    root = Path(__file__).resolve().parents[2]
    assert pk.repo_root(root / "tests" / "data") == root == pk.repo_root()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n')
    assert pk.repo_root(tmp_path) is None


# --- the event catalogue -----------------------------------------------------------------------


def test_event_catalogue_counts_by_hand(one_step):
    """login: 5 events by u1-u4 (4 of 5 users, 1.25 each), first 1 hour after signup.
    teammate_invited: 5 events by u1, u2, u4, u5 (4 of 5), first after 1, 3, 15 and 1 days: median 2.
    Both are done by 4 users, so they are ordered by name."""
    _, ctx = one_step
    catalogue = explore.event_catalogue(ctx.dataset)
    assert catalogue["event"].tolist() == ["login", "teammate_invited"]
    login, invite = catalogue.iloc[0], catalogue.iloc[1]
    assert (login["events"], login["entities"]) == (5, 4)
    assert login["share_of_entities"] == pytest.approx(0.8)
    assert login["events_per_entity"] == pytest.approx(1.25)
    assert login["median_days_to_first"] == pytest.approx(1 / 24)
    assert (invite["events"], invite["entities"]) == (5, 4)
    assert invite["median_days_to_first"] == pytest.approx(2.0)


def test_event_catalogue_at_account_level_counts_accounts(one_step):
    """Accounts a1 (u1, u2), a2 (u3), a3 (u4, u5): login by all 3; invites by a1 and a3."""
    _, ctx = analyze(frames(), INVITE_ONLY, as_of=AS_OF, level="account")
    catalogue = explore.event_catalogue(ctx.dataset).set_index("event")
    assert catalogue.loc["login", "entities"] == 3
    assert catalogue.loc["teammate_invited", "entities"] == 2
    assert catalogue.loc["teammate_invited", "share_of_entities"] == pytest.approx(2 / 3)


@pytest.mark.filterwarnings("ignore::pqlkit.PqlkitWarning")
def test_event_catalogue_with_no_used_event_is_empty():
    data = {"users": users([("u1", T0)]), "events": events([("u1", "login", T0 - DAY)])}
    _, ctx = analyze(data, INVITE_ONLY)
    catalogue = explore.event_catalogue(ctx.dataset)
    assert catalogue.empty
    assert list(catalogue.columns) == ["event", "events", "entities", "share_of_entities", "events_per_entity",
                                       "median_days_to_first"]


# --- candidate steps ---------------------------------------------------------------------------


def test_rank_candidate_steps_by_hand(one_step):
    """Judged: u1-u4 (u5 is 10 days old, younger than the 14-day window); payers u1, u2 (2 of 4).

    - invite ≥1 in 14 days: u1, u2 (u4's invite is on day 15): 2 of 2 pay, others 0 of 2: lift inf.
    - invite ≥2: u1: 1 of 1 pays; others u2, u3, u4: 1 of 3: lift 3.
    - login ≥2: u3: 0 of 1; others 2 of 3: lift 0.
    - login ≥1: everyone, no "others": lift NaN and not enough data, so last.
    """
    entities, ctx = one_step
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, min_counts=(1, 2), within_days=14, min_doers=1)
    assert list(zip(ranking["event"], ranking["min_count"])) == [
        ("teammate_invited", 1), ("teammate_invited", 2), ("login", 2), ("login", 1)]
    rows = ranking.set_index(["event", "min_count"])
    assert (rows["entities"] == 4).all()
    assert math.isinf(rows.loc[("teammate_invited", 1), "lift"])
    assert rows.loc[("teammate_invited", 2), "lift"] == pytest.approx(3.0)
    assert rows.loc[("teammate_invited", 2), "conversion_others"] == pytest.approx(1 / 3)
    assert rows.loc[("teammate_invited", 2), "recall"] == pytest.approx(0.5)
    assert rows.loc[("login", 2), "lift"] == pytest.approx(0.0)
    assert rows.loc[("login", 2), "coverage"] == pytest.approx(0.25)
    assert np.isnan(rows.loc[("login", 1), "lift"]) and not rows.loc[("login", 1), "enough_data"]
    assert rows.loc[("teammate_invited", 1), "in_spec"] and not rows.loc[("login", 1), "in_spec"]


def test_rank_candidate_steps_invariants(one_step):
    entities, ctx = one_step
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, min_counts=(1, 2, 3), within_days=7, min_doers=1)
    for column in ("coverage", "conversion_doers", "conversion_others", "recall"):
        values = ranking[column].dropna()
        assert ((values >= 0) & (values <= 1)).all(), column
    assert (ranking["paid_doers"] <= ranking["doers"]).all()
    assert (ranking["doers"] <= ranking["entities"]).all()
    # a higher k never has more doers
    for _, group in ranking.groupby("event"):
        doers = group.sort_values("min_count")["doers"].to_numpy()
        assert (np.diff(doers) <= 0).all()


def test_rank_candidate_steps_min_doers_marks_small_groups(one_step):
    entities, ctx = one_step
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, min_counts=(1,), within_days=14, min_doers=3)
    assert not ranking["enough_data"].any()


def test_rank_candidate_steps_can_be_restricted_to_events(one_step):
    entities, ctx = one_step
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, events=["login"], min_doers=1)
    assert set(ranking["event"]) == {"login"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"min_counts": (0,)}, "min_counts", id="zero-count"),
        pytest.param({"min_counts": ()}, "min_counts", id="no-counts"),
        pytest.param({"within_days": 0}, "within_days", id="zero-window"),
        pytest.param({"alpha": 1.5}, "alpha", id="alpha-above-one"),
    ],
)
def test_rank_candidate_steps_rejects_bad_arguments(one_step, kwargs, match):
    entities, ctx = one_step
    with pytest.raises(ValueError, match=match):
        explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, **kwargs)


def test_rank_candidate_steps_with_nobody_old_enough_is_empty(one_step):
    entities, ctx = one_step
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, within_days=30)
    assert ranking.empty


def test_rank_candidate_steps_counts_only_events_before_the_payment():
    """Four users signed up at T0, judged at T0 + 20 days on a 14-day window.

    ====  ===================================  ==========
    user  teammate_invited (days after T0)     paid (T0 +)
    ====  ===================================  ==========
    u1    1, 3                                 2
    u2    1, 2                                 5
    u3    1                                    -
    u4    - (login only)                       -
    ====  ===================================  ==========

    Invite ≥2 before paying: only u2 (u1's second invite comes after its payment): 1 of 1 pays,
    against 1 of 3 others (u1, u3, u4): lift 3. Counting u1's later invite, as the old code did,
    made u1 and u2 doers (2 of 2 pay, 0 of 2 others): an infinite lift. Invite ≥1: u1, u2, u3
    either way (2 of 3 pay, 0 of 1 others).
    """
    data = {
        "users": users([(f"u{i}", T0) for i in range(1, 5)]),
        "events": events([("u1", "teammate_invited", T0 + DAY), ("u1", "teammate_invited", T0 + 3 * DAY),
                          ("u2", "teammate_invited", T0 + DAY), ("u2", "teammate_invited", T0 + 2 * DAY),
                          ("u3", "teammate_invited", T0 + DAY), ("u4", "login", T0 + HOUR)]),
        "conversions": conversions([("u1", T0 + 2 * DAY), ("u2", T0 + 5 * DAY)]),
    }
    _, ctx = analyze(data, INVITE_ONLY, as_of=AS_OF)
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, min_counts=(1, 2), within_days=14,
                                           min_doers=1, events=["teammate_invited"])
    rows = ranking.set_index(["event", "min_count"])
    twice = rows.loc[("teammate_invited", 2)]
    assert (twice["doers"], twice["paid_doers"]) == (1, 1)
    assert twice["lift"] == pytest.approx(3.0)
    once = rows.loc[("teammate_invited", 1)]
    assert (once["doers"], once["paid_doers"]) == (3, 2)


def _separation_frames() -> dict:
    """Twenty users signed up at T0; everyone logs in; six pay on day 10 (u01-u05 and u07).

    - teammate_invited (day 1) by u01-u06: 5 of 6 doers pay, 1 of the 14 others.
    - export_downloaded (day 1) by u07, u08: 1 of 2 doers pays, 5 of the 18 others.
    """
    ids = [f"u{i:02d}" for i in range(1, 21)]
    rows = [(u, "login", T0 + HOUR) for u in ids]
    rows += [(u, "teammate_invited", T0 + DAY) for u in ids[:6]]
    rows += [(u, "export_downloaded", T0 + DAY) for u in ids[6:8]]
    payers = ids[:5] + [ids[6]]
    return {"users": users([(u, T0) for u in ids]), "events": events(rows),
            "conversions": conversions([(u, T0 + 10 * DAY) for u in payers])}


def test_rank_candidate_steps_tests_each_candidate_and_corrects_across_them():
    """Fisher's exact test by hand (hypergeometric: 20 users, 6 payers; P(x paying doers)):

    - invite, 6 doers: P(x) = C(6,x) C(14,6-x) / C(20,6) = (3003, 12012, 15015, 7280, 1365, 84, 1) / 38760
      for x = 0..6. Observed x = 5 (84); the two-sided p sums the outcomes no likelier: (84 + 1) / 38760.
    - export, 2 doers: P(x) = C(6,x) C(14,2-x) / C(20,2) = (91, 84, 15) / 190; observed x = 1:
      p = (84 + 15) / 190.
    - login: everyone does it, no "others": not tested, NaN.

    Benjamini–Hochberg over the m = 2 rows tested: the smaller p times 2/1, the larger times 2/2.
    Katz's interval of invite's lift (5/6) / (1/14) = 11.67: exp(± 1.96 × sqrt(1/5 - 1/6 + 1/1 - 1/14)).
    Invite survives (adjusted 0.0044 < 0.05) and separates; export's lift 1.8 = (1/2) / (5/18) does not.
    """
    _, ctx = analyze(_separation_frames(), INVITE_ONLY, as_of=T0 + 30 * DAY)
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, min_counts=(1,), within_days=14, min_doers=1)
    rows = ranking.set_index("event")
    invite, export = rows.loc["teammate_invited"], rows.loc["export_downloaded"]
    p_invite, p_export = 85 / 38760, 99 / 190
    assert invite["p_value"] == pytest.approx(p_invite) and export["p_value"] == pytest.approx(p_export)
    assert invite["p_adjusted"] == pytest.approx(2 * p_invite) and export["p_adjusted"] == pytest.approx(p_export)
    lift = (5 / 6) / (1 / 14)
    spread = math.exp(1.959964 * math.sqrt(1 / 5 - 1 / 6 + 1 / 1 - 1 / 14))
    assert invite["lift"] == pytest.approx(lift)
    assert (invite["lift_ci_low"], invite["lift_ci_high"]) == pytest.approx((lift / spread, lift * spread), rel=1e-5)
    assert export["lift"] == pytest.approx(1.8)
    assert invite["separates"] and not export["separates"]
    assert np.isnan(rows.loc["login", "p_value"]) and not rows.loc["login", "separates"]


def test_rank_candidate_steps_has_no_interval_where_a_group_has_no_payer(one_step):
    """In the hand-worked ranking, invite ≥1 has no paying "other" (lift inf) and login ≥2 no paying
    doer (lift 0): the log interval cannot be measured, so it is NaN, not 0."""
    _, ctx = one_step
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec, min_counts=(1, 2), within_days=14, min_doers=1)
    rows = ranking.set_index(["event", "min_count"])
    for key in (("teammate_invited", 1), ("login", 2)):
        assert np.isnan(rows.loc[key, "lift_ci_low"]) and np.isnan(rows.loc[key, "lift_ci_high"]), key
    assert not np.isnan(rows.loc[("teammate_invited", 2), "lift_ci_low"])


# --- completion curves -------------------------------------------------------------------------


def test_completion_curves_by_hand(one_step):
    """The invite step is done 1, 3 and 15 days after signup by u1, u2, u4, and 1 day after by u5
    (who is 10 days old). Day 0: 0 of 5; day 1: u1, u5 of 5; day 3: u1, u2, u5 of 5; day 14: u1, u2
    of the 4 users 14+ days old; day 15: u1, u2, u4 of 4."""
    entities, ctx = one_step
    curves = explore.completion_curves(entities, context=ctx, days=[0, 1, 3, 14, 15])
    invited = curves[curves["step"] == "invited"]
    assert invited["mature"].tolist() == [5, 5, 5, 4, 4]
    assert invited["completed"].tolist() == [0, 2, 3, 2, 3]
    assert invited["share"].tolist() == pytest.approx([0, 0.4, 0.6, 0.5, 0.75])
    pql = curves[curves["step"] == "PQL"]
    assert pql["completed"].tolist() == invited["completed"].tolist()


def test_completion_curves_default_days_and_without_pql(one_step):
    entities, ctx = one_step
    curves = explore.completion_curves(entities, context=ctx, include_pql=False)
    assert set(curves["step"]) == {"invited"}
    assert curves["day"].tolist() == [float(d) for d in range(29)]  # 0 .. 2 × trial_days


def test_completion_curves_with_nobody_old_enough_has_nan_shares(one_step):
    entities, ctx = one_step
    curves = explore.completion_curves(entities, context=ctx, days=[100])
    assert curves["mature"].eq(0).all() and curves["share"].isna().all()


# --- thresholds --------------------------------------------------------------------------------


def test_compare_thresholds_by_hand(two_steps):
    """Two steps (invite, login), the spec needs 1.

    - 1 of 2: all five are PQLs (u5 by its invite on day 11); payers u1, u2, u5 all paid after:
      3 of 5 = 60 %. Current (seen in the last 14 days, not paying): u4 (seen day 15).
    - 2 of 2: u1 (PQL day 1), u2 (day 3), u4 (day 15): 60 % of users; u1 and u2 paid after: 2 of 3.

    Those are the all-time rates (``by_day=None``). At a fixed lag of 5 days (PQL-to-paid within 5
    days, among PQLs at least 5 days past their PQL; as_of = day 20):

    - 1 of 2: all five are old enough (u5 is 9 days past its PQL on day 11); within 5 days: u1 (PQL
      1h, paid day 5: 4.96 days) and u5 (1 day), not u2 (5.96 days): 2 of 5.
    - 2 of 2: u1 (19 days past), u2 (17) and u4 (exactly 5) count; u1 paid 4 days after, u2 3: 2 of 3.
    """
    entities, ctx = two_steps
    table = explore.compare_thresholds(entities, context=ctx, by_day=None)
    assert table["steps_required"].tolist() == [1, 2]
    assert table["chosen"].tolist() == [True, False]
    assert table["pqls"].tolist() == [5, 3]
    assert table["pql_rate"].tolist() == pytest.approx([1.0, 0.6])
    assert table["pql_to_paid_rate"].tolist() == pytest.approx([0.6, 2 / 3])
    at_lag = explore.compare_thresholds(entities, context=ctx, by_day=5)
    assert at_lag["eligible"].tolist() == [5, 3]
    assert at_lag["pql_to_paid_rate"].tolist() == pytest.approx([0.4, 2 / 3])
    assert at_lag["paid_by_day"].tolist() == [5, 5]
    assert table["current_pqls"].tolist() == [1, 1]
    assert (table["ci_low"] <= table["pql_to_paid_rate"]).all() and (table["pql_to_paid_rate"] <= table["ci_high"]).all()


def test_compare_thresholds_matches_the_reduction_at_the_chosen_threshold(two_steps):
    entities, ctx = two_steps
    chosen = explore.compare_thresholds(entities, context=ctx, by_day=None).query("chosen").iloc[0]
    summary = pk.summary(entities, context=ctx)
    assert chosen["pqls"] == summary["raw_pqls"]
    assert chosen["pql_to_paid_rate"] == pytest.approx(summary["pql_to_paid_rate"])
    assert chosen["current_pqls"] == summary["current_pqls"]


def test_compare_thresholds_without_payments_has_no_conversion(two_steps):
    entities, ctx = two_steps
    table = explore.compare_thresholds(entities, context=ctx, has_payments=False, steps_required=[2])
    assert table["steps_required"].tolist() == [2]
    assert table["pql_to_paid_rate"].isna().all()


def test_compare_thresholds_rejects_impossible_thresholds(two_steps):
    entities, ctx = two_steps
    with pytest.raises(ValueError, match="between 1 and 2"):
        explore.compare_thresholds(entities, context=ctx, steps_required=[3])


def test_compare_thresholds_volume_never_grows_with_the_threshold(two_steps):
    entities, ctx = two_steps
    pqls = explore.compare_thresholds(entities, context=ctx)["pqls"].to_numpy()
    assert (np.diff(pqls) <= 0).all()


def test_compare_thresholds_on_an_empty_table(two_steps):
    entities, ctx = two_steps
    empty = entities.iloc[:0]
    table = explore.compare_thresholds(empty, context=ctx)
    assert table["pqls"].tolist() == [0, 0]
    assert table["pql_rate"].isna().all()


# --- levels ------------------------------------------------------------------------------------


def test_compare_levels_by_hand():
    """User level: u1, u2, u4, u5 invited (no window in the spec): 4 of 5. Account level: a1 (u1, u2)
    and a3 (u4, u5) did, a2 did not: 2 of 3."""
    table = explore.compare_levels(frames(), INVITE_ONLY, as_of=AS_OF)
    assert table["level"].tolist() == ["user", "account"]
    assert table["available"].all()
    assert table["entities"].tolist() == [5, 3]
    assert table["raw_pqls"].tolist() == [4, 2]
    assert table["pql_rate"].tolist() == pytest.approx([0.8, 2 / 3])


def test_compare_levels_says_why_a_level_is_not_available():
    """Without account_id every user is dropped at account level; a min_users step cannot run at user level."""
    data = {"users": users([("u1", T0), ("u2", T0)]), "events": events([("u1", "login", T0 + HOUR)])}
    login = spec([{"name": "logged_in", "event": "login"}])
    table = explore.compare_levels(data, login).set_index("level")
    assert table.loc["user", "available"]
    assert not table.loc["account", "available"] and table.loc["account", "note"]
    team = spec([{"name": "team", "min_users": 2}], level="account")
    table = explore.compare_levels(frames(), team, as_of=AS_OF).set_index("level")
    assert not table.loc["user", "available"] and "min_users" in table.loc["user", "note"]
    assert table.loc["account", "available"]


def test_compare_levels_takes_the_current_levels_row_from_its_table():
    """The level of ``current`` is read from the table passed, not loaded again: with u3 (a2, no
    invite) filtered out of the user-level table, the user row is 4 users, 4 PQLs (u1, u2, u4, u5),
    while the account row is loaded as before: a1 and a3 of a1, a2, a3 invited, 2 of 3."""
    entities, ctx = pk.entity_table(frames(), INVITE_ONLY, as_of=AS_OF)
    without_u3 = entities[entities["entity_id"] != "u3"]
    table = explore.compare_levels(frames(), INVITE_ONLY, as_of=AS_OF, current=(without_u3, ctx))
    assert table["level"].tolist() == ["user", "account"]
    assert table["entities"].tolist() == [4, 3]
    assert table["raw_pqls"].tolist() == [4, 2]
    assert table["pql_rate"].tolist() == pytest.approx([1.0, 2 / 3])
    unfiltered = explore.compare_levels(frames(), INVITE_ONLY, current=(entities, ctx))  # as_of: the context's
    pd.testing.assert_frame_equal(unfiltered, explore.compare_levels(frames(), INVITE_ONLY, as_of=AS_OF))


@pytest.mark.parametrize("as_of, other_spec, message", [
    pytest.param(AS_OF + DAY, None, "as_of", id="another as_of"),
    pytest.param(AS_OF, INVITE_AND_LOGIN, "another activation spec", id="another spec"),
])
def test_compare_levels_refuses_a_current_table_of_other_inputs(as_of, other_spec, message):
    entities, ctx = pk.entity_table(frames(), INVITE_ONLY, as_of=AS_OF)
    with pytest.raises(ValueError, match=message):
        explore.compare_levels(frames(), other_spec or INVITE_ONLY, as_of=as_of, current=(entities, ctx))


def test_notebook_setup_is_entity_table_with_resolved_paths(tmp_path, monkeypatch, capsys):
    """The notebooks' one set-up call: relative paths resolve against notebooks/ whatever the working
    directory, and the table and context equal pk.entity_table's on the same inputs."""
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(tmp_path)
    entities, ctx, paths = pk.notebook_setup("../data/sample", "../data/activation.yaml", output_dir="../build/x",
                                             as_of="2026-03-31")
    assert paths == (str(root / "data" / "sample"), str(root / "data" / "activation.yaml"), str(root / "build" / "x"))
    expected, expected_ctx = pk.entity_table(root / "data" / "sample", root / "data" / "activation.yaml", as_of="2026-03-31")
    pd.testing.assert_frame_equal(entities, expected)
    assert ctx == expected_ctx and ctx.as_of == pd.Timestamp("2026-03-31T23:59:59.999999Z")
    assert str(root) not in capsys.readouterr().out  # any "Note:" line names files, not machine paths
