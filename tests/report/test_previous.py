"""The comparison with a previous report (``pqlkit report --previous``, issue 21).

What it must do: judge only flows over equal windows and rates at a fixed age, show running totals
without a verdict, and refuse reports that cannot be compared. Tested by hand (a seven-entity table),
by simulation (a steady product must give "beyond noise" at most 5 % of the time; a real change must be
found) and on the sample.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from pqlkit.base.errors import PqlkitError
from pqlkit.cli import main
from pqlkit.core.context import Context
from pqlkit.report.index_page import index_html
from pqlkit.report.previous import (
    changes_since,
    check_comparable,
    compare_with_previous,
    comparison_record,
    read_previous,
)

from conftest import OTHER_SPEC, SAMPLE, SAMPLE_SPEC
from helpers import DAY, analyze, conversions, events, spec, users

T = pd.Timestamp("2026-03-01T00:00:00Z")
ONE_STEP = spec([{"name": "did_a", "event": "a"}], threshold=1.0, trial_days=14)


# --- a hand-worked record ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand_worked():
    """Seven users, one step (event ``a``), trial 14 days, as_of T, window 28 days. Days relative to T:

    ====  ======  =====================  ===========================
    user  signup  PQL (first ``a``)      paid
    ====  ======  =====================  ===========================
    e1    -50     -48 (day 2)            -40
    e2    -40     -35 (day 5)            -30 (5 days after PQL)
    e3    -30     -10 (day 20)           never
    e4    -20     never (a login at -19)  never
    e5    -20     -18 (day 2)            -19 (before its PQL)
    e6    -10     -9 (day 1)             never
    e7    -25     -24 (day 1)            -2 (22 days after PQL)
    ====  ======  =====================  ===========================

    - new signups, signup in (-28, 0]: e4, e5, e6, e7 = 4 (e3 at -30 is outside);
    - new PQLs, PQL in (-28, 0]: e3, e5, e6, e7 = 4 (e2 at -35 is outside);
    - PQL by day 14 among the signups that turned 14 days old in the window (signup in (-42, -14]):
      e2, e3, e4, e5, e7 = 5 entities, of which e2, e5, e7 were PQLs by day 14 (e3 only at day 20): 3 of 5;
    - paid within 14 days of PQL among the PQLs that turned 14 days past it in the window (PQL in
      (-42, -14]): e2, e5, e7; e5 paid before its PQL, so 2 are eligible; e2 paid 5 days after, e7 22
      days after: 1 of 2.
    """
    at = {name: T + offset * DAY for name, offset in
          (("s1", -50), ("s2", -40), ("s3", -30), ("s4", -20), ("s5", -20), ("s6", -10), ("s7", -25))}
    frames = {
        "users": users([(f"e{i}", at[f"s{i}"]) for i in range(1, 8)]),
        "events": events([("e1", "a", T - 48 * DAY), ("e2", "a", T - 35 * DAY), ("e3", "a", T - 10 * DAY),
                          ("e4", "login", T - 19 * DAY), ("e5", "a", T - 18 * DAY), ("e6", "a", T - 9 * DAY),
                          ("e7", "a", T - 24 * DAY)]),
        "conversions": conversions([("e1", T - 40 * DAY), ("e2", T - 30 * DAY), ("e5", T - 19 * DAY),
                                    ("e7", T - 2 * DAY)]),
    }
    entities, context = analyze(frames, ONE_STEP, as_of=T)
    return entities, context


def test_record_counts_flows_and_fixed_age_groups_by_hand(hand_worked):
    entities, context = hand_worked
    record = comparison_record(entities, context=context)
    assert (record["window_days"], record["by_day"]) == (28.0, 14.0)
    assert (record["new_signups"], record["new_pqls"]) == (4, 4)
    assert record["pql_by_day"] == {"entities": 5, "pqls": 3}
    assert record["paid_by_day"] == {"eligible": 2, "paid_pqls": 1}
    assert record["level"] == "user" and record["as_of"].startswith("2026-03-01")


def test_record_without_payments_says_not_measured(hand_worked):
    """No payments table: the paid figure is None (not measured), never 0 of something."""
    entities, context = hand_worked
    assert comparison_record(entities, context=context, payments=False)["paid_by_day"] is None


def test_a_narrower_window_counts_fewer(hand_worked):
    """Window 7 days: new signups in (-7, 0]: none; PQL by day 14 among signups in (-21, -14]: e4, e5 -> 1 of 2."""
    entities, context = hand_worked
    record = comparison_record(entities, context=context, window_days=7)
    assert (record["new_signups"], record["new_pqls"]) == (0, 0)
    assert record["pql_by_day"] == {"entities": 2, "pqls": 1}


# --- a simulated product ------------------------------------------------------------------------------

SIM_SPEC = pk.ActivationSpec.from_dict({"steps": [{"name": "a", "event": "a"}], "trial_days": 14})
START = pd.Timestamp("2026-01-01T00:00:00Z")


def simulate(seed: int, *, days: float = 200.0, per_day: float = 20.0, pql_share: float = 0.3,
             change_at: float | None = None, per_day_after: float | None = None,
             pql_share_after: float | None = None) -> pd.DataFrame:
    """The true history of a product: signups as a Poisson process, each a PQL with ``pql_share`` after an
    exponential time (mean 5 days, none after 20), a PQL paying with probability 0.25 after an
    exponential lag (mean 10 days) or, with probability 0.03, 1-3 days before its PQL; 2 % of the
    others pay. From ``change_at`` (days) on, signups arrive at ``per_day_after`` and turn PQL with
    ``pql_share_after``."""
    rng = np.random.default_rng(seed)
    change_at = days if change_at is None else change_at
    before = np.sort(rng.uniform(0, change_at, rng.poisson(per_day * change_at)))
    rate_after = per_day if per_day_after is None else per_day_after
    after = np.sort(rng.uniform(change_at, days, rng.poisson(rate_after * (days - change_at))))
    signup = np.concatenate([before, after])
    share = np.where(signup < change_at, pql_share, pql_share if pql_share_after is None else pql_share_after)
    to_pql = rng.exponential(5.0, signup.size)
    pql = np.where((rng.uniform(size=signup.size) < share) & (to_pql <= 20), signup + to_pql, np.nan)
    draw = rng.uniform(size=signup.size)
    paid = np.where(draw < 0.25, pql + rng.exponential(10.0, signup.size),
                    np.where(draw < 0.28, pql - rng.uniform(1, 3, signup.size), np.nan))
    paid = np.where(np.isnan(pql), np.where(rng.uniform(size=signup.size) < 0.02, signup + 5, np.nan), paid)
    return pd.DataFrame({"entity_id": [f"u{i}" for i in range(signup.size)], "signup": signup, "pql": pql,
                         "paid": paid})


def as_of_day(truth: pd.DataFrame, day: float) -> tuple[pd.DataFrame, Context]:
    """The per-entity table a report as of ``day`` sees: signups by then, PQLs and payments by then."""
    seen = truth[truth["signup"] <= day]
    stamp = lambda values: START + pd.to_timedelta(values, unit="D")  # noqa: E731
    pql = seen["pql"].where(seen["pql"] <= day)
    table = pd.DataFrame({
        "entity_id": seen["entity_id"], "signup_at": stamp(seen["signup"]), "is_pql": pql.notna(),
        "pql_at": stamp(pql), "time_to_pql_days": pql - seen["signup"],
        "paid_at": stamp(seen["paid"].where(seen["paid"] <= day)), "age_days": day - seen["signup"],
    })
    return table, Context(as_of=START + pd.Timedelta(days=day), spec=SIM_SPEC)


def compare_days(truth: pd.DataFrame, then: float, now: float) -> pd.DataFrame:
    """The comparison of the reports as of days ``then`` and ``now``, by key (totals: entities, raw PQLs,
    the all-time PQL rate)."""
    records = []
    for table, context in (as_of_day(truth, then), as_of_day(truth, now)):
        totals = {"entities": len(table), "raw_pqls": int(table["is_pql"].sum()), "pql_rate": table["is_pql"].mean()}
        records.append(comparison_record(table, context=context, payments=True, totals=totals))
    return changes_since(*records).table.set_index("key")


@pytest.fixture
def no_gc_in_holm(monkeypatch):
    """statsmodels' Holm adjustment calls gc.collect() (0.1 s in a test process full of frames); the
    simulations call it hundreds of times, so it is skipped there. The adjusted values do not depend on it."""
    import gc

    monkeypatch.setattr(gc, "collect", lambda *args: 0)


def test_a_steady_product_is_beyond_noise_at_most_five_percent_of_the_time(no_gc_in_holm):
    """300 seeds of a steady product (20 signups a day, 30 % PQL, nothing changes), reports on days 170
    and 198 (four weeks apart). Each test alone, and the four together after Holm's adjustment, must
    say "beyond noise" at most 5 % of the time, plus Monte-Carlo error: with 300 seeds the share's
    standard error at 5 % is sqrt(0.05 · 0.95 / 300) = 0.0126, and a one-sided 99 % bound is
    0.05 + 2.33 · 0.0126 = 0.079. The old comparison judged totals: entities and raw PQLs grew by
    about 560 and 170 every time, "beyond noise" in every seed."""
    seeds = 300
    raw, family = {}, 0
    for seed in range(seeds):
        table = compare_days(simulate(seed), 170.0, 198.0)
        judged = table[table["judged"]]
        for key, p in judged["p_value"].items():
            raw[key] = raw.get(key, 0) + int(p < 0.05)
        family += int(judged["beyond_noise"].fillna(False).astype(bool).any())
        assert table.loc[["entities", "raw_pqls", "paid_pqls", "pql_rate"], "beyond_noise"].isna().all()
    bound = 0.05 + 2.33 * math.sqrt(0.05 * 0.95 / seeds)
    assert set(raw) == {"new_signups", "new_pqls", "pql_rate_by_day", "pql_to_paid_rate_by_day"}
    for key, hits in raw.items():
        assert hits / seeds <= bound, (key, hits / seeds)
    assert family / seeds <= bound, family / seeds


@pytest.mark.parametrize(("change", "key"), [
    pytest.param({"change_at": 156.0, "pql_share_after": 0.18}, "pql_rate_by_day", id="fewer-signups-turn-pql"),
    pytest.param({"change_at": 170.0, "per_day_after": 26.0}, "new_signups", id="more-signups"),
])
def test_a_real_change_is_found(no_gc_in_holm, change, key):
    """From day 156 on, 18 % of signups turn PQL instead of 30 %: the day-198 report's fixed-age group
    (signups of days 156-184, about 560) against the day-170 one's (days 128-156): 0.30 vs 0.18,
    z = 0.12 / sqrt(0.24 · 0.76 · 2/560) = 4.7. From day 170 on, 26 signups a day instead of 20: new
    signups 560 vs 728, z = 168 / sqrt(1,288) = 4.7. At z = 4.7 a test at 0.05/4 (Holm's strictest
    step, |z| > 2.5) misses with probability about 1 %: found in at least 45 of 50 seeds."""
    found = sum(bool(compare_days(simulate(seed, **change), 170.0, 198.0).loc[key, "beyond_noise"])
                for seed in range(50))
    assert found >= 45, found


def test_a_burst_of_young_signups_moves_the_all_time_rate_not_the_fixed_age_one():
    """Defect 1's second case: 300 extra signups in the last 5 days before the second report. They are
    younger than 14 days, so the PQL rate by day 14 is the same with or without them; the all-time PQL
    rate falls (they have had no time to turn PQL) and gets no verdict."""
    steady = simulate(3)
    rng = np.random.default_rng(4)
    burst = pd.DataFrame({"entity_id": [f"b{i}" for i in range(300)], "signup": rng.uniform(193, 198, 300),
                          "pql": np.nan, "paid": np.nan})
    plain, bursty = compare_days(steady, 170.0, 198.0), compare_days(pd.concat([steady, burst]), 170.0, 198.0)
    assert bursty.loc["pql_rate_by_day", "after"] == plain.loc["pql_rate_by_day", "after"]
    assert bursty.loc["pql_rate_by_day", "beyond_noise"] == plain.loc["pql_rate_by_day", "beyond_noise"] is False
    assert bursty.loc["pql_rate", "after"] < plain.loc["pql_rate", "after"]
    assert bursty.loc["pql_rate", "beyond_noise"] is None
    assert bursty.loc["new_signups", "after"] == plain.loc["new_signups", "after"] + 300


def test_reports_less_than_a_window_apart_compare_shorter_windows(hand_worked):
    """Days 180 and 198 are 18 days apart. Records over 28 days each would overlap: nothing is judged.
    compare_with_previous shortens the current window to the 18 days since the previous report, so that
    no entity is in both, and compares counts per day (28 days then, 18 now)."""
    truth = simulate(1)
    records = [comparison_record(t, context=c, payments=True) for t, c in (as_of_day(truth, 180.0), as_of_day(truth, 198.0))]
    changes = changes_since(*records)
    assert changes.overlap and changes.table["beyond_noise"].isna().all()
    assert changes.table.loc[changes.table["judged"], "test"].str.contains("overlap").all()
    table, context = as_of_day(truth, 198.0)
    _, shorter = compare_with_previous({"comparison": records[0]}, table, context=context, summary={},
                                       payments=True)
    assert not shorter.overlap and (shorter.window_days, shorter.current_window_days) == (28.0, 18.0)
    rows = shorter.table.set_index("key")
    day = table["signup_at"] > context.as_of - pd.Timedelta(days=18)
    assert rows.loc["new_signups", "after"] == int(day.sum())
    assert rows.loc["new_signups", "beyond_noise"] is not None


# --- defects 1 and 2 on the sample --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_records():
    """The sample's records as of 2 June and 30 June 2026 (the issue's reports), and the later table."""
    records = {}
    for as_of in ("2026-06-02", "2026-06-30"):
        entities, context = pk.entity_table(SAMPLE, SAMPLE_SPEC, as_of=as_of)
        records[as_of] = comparison_record(entities, context=context, totals=pk.summary(entities, context=context))
    return records["2026-06-02"], records["2026-06-30"], entities


def test_running_totals_get_no_verdict(sample_records):
    """Defect 1: entities 2,477 -> 3,000 and raw PQLs 694 -> 832 are running totals (the old comparison
    gave p = 1.7e-12 and 4.5e-4, "beyond noise"). Now they are shown without a verdict, and what is
    judged (new signups 518 -> 523, new PQLs 150 -> 138 in the last 28 days; PQL by day 14 158/508 ->
    141/531) is within noise: 518 vs 523 given 1,041 is Binomial(1,041, 1/2), z = 2.5 / 16.1 = 0.16."""
    previous, current, entities = sample_records
    check_comparable(previous, current, entities, folder="earlier")
    table = changes_since(previous, current).table.set_index("key")
    for key, before, after in (("entities", 2477, 3000), ("raw_pqls", 694, 832)):
        assert (table.loc[key, "before"], table.loc[key, "after"]) == (before, after)
        assert table.loc[key, "beyond_noise"] is None and table.loc[key, "test"] == "none: a running total"
    assert table.loc["pql_rate", "beyond_noise"] is None
    assert (table.loc["new_signups", "before"], table.loc["new_signups", "after"]) == (518, 523)
    assert (table.loc["new_pqls", "before"], table.loc["new_pqls", "after"]) == (150, 138)
    assert (table.loc["pql_rate_by_day", "before_n"], table.loc["pql_rate_by_day", "after_n"]) == (508, 531)
    assert not table.loc[table["judged"], "beyond_noise"].any()


def test_the_sample_record_matches_an_independent_count(sample_records):
    """The 30 June record against counts made here from the per-entity table with plain filters."""
    _, current, entities = sample_records
    as_of, window, n = pd.Timestamp(current["as_of"]), pd.Timedelta(days=28), pd.Timedelta(days=14)
    signup, pql = entities["signup_at"], entities["pql_at"]
    assert current["new_signups"] == int(((signup > as_of - window) & (signup <= as_of)).sum())
    assert current["new_pqls"] == int(((pql > as_of - window) & (pql <= as_of)).sum())
    group = entities[(signup > as_of - window - n) & (signup <= as_of - n)]
    assert current["pql_by_day"] == {"entities": len(group),
                                     "pqls": int((group["pql_at"] <= group["signup_at"] + n).sum())}


def _record(as_of="2026-06-02", level=None, spec_path=SAMPLE_SPEC):
    entities, context = pk.entity_table(SAMPLE, spec_path, as_of=as_of, level=level)
    return comparison_record(entities, context=context, totals=pk.summary(entities, context=context))


@pytest.mark.parametrize(("previous", "match"), [
    pytest.param(lambda: _record(level="account"), r"that report is at account level, this one at user level",
                 id="level"),
    pytest.param(lambda: _record(spec_path=OTHER_SPEC), r"another activation spec \(", id="spec"),
    pytest.param(lambda: _record(as_of="2026-06-30"), r"as of 30 June 2026.*not earlier", id="not-earlier"),
    pytest.param(lambda: {**_record(), "entities_digest": "0" * 64}, r"2,477 entities are not the 2,477 of this "
                 r"dataset signed up by its as_of \(2 June 2026\): another dataset", id="dataset"),
])
def test_reports_that_cannot_be_compared_are_refused(sample_records, previous, match):
    """Defect 2: a user-level report against an account-level one of the same data (the old comparison
    showed "PQL rate 41.0% -> 27.7%, beyond noise"), another spec, a report that is not earlier, or
    other entities: one line saying what differs."""
    _, current, entities = sample_records
    with pytest.raises(PqlkitError, match=match):
        check_comparable(previous(), current, entities, folder="earlier")


def test_the_index_shows_the_previous_as_of_and_two_tables(sample_records):
    previous, current, _ = sample_records
    summary = {"as_of": current["as_of"], "level": "user", "entities": 3000, "raw_pqls": 832}
    page = index_html(summary=summary, pages=[], dataset="d", spec="s", changes=changes_since(previous, current),
                      previous="reports/june")
    assert "Compared with the report as of 2 June 2026 in <code>reports/june</code>, 28 days earlier." in page
    assert '<tr><td>Entities in scope (all signups so far)</td><td class="n">2,477</td><td class="n">3,000</td>' \
           '<td class="n">+523</td><td>a running total</td></tr>' in page
    assert '<tr><td>New signups, last 28 days</td><td class="n">518</td><td class="n">523</td>' \
           '<td class="n">+5</td><td><span class="no">no</span>' in page


def test_the_front_page_says_not_measured_for_a_null_payment_rate():
    """Issue 21, point 11: no payments table gives a null PQL-to-paid rate (and paid PQLs); the front page
    says "not measured", not 0.0 % and not "none yet"."""
    summary = {"as_of": "2026-06-30T00:00:00Z", "level": "user", "entities": 10, "raw_pqls": 4,
               "pql_to_paid_rate": None, "paid_pqls": None, "paid_before_pql": None}
    page = index_html(summary=summary, pages=[], dataset="d", spec="s")
    assert '<h3>PQL-to-paid rate</h3><p class="big">not measured</p>' in page
    assert "0.0%" not in page


# --- real reports ---------------------------------------------------------------------------------------


def test_previous_report_of_another_level_is_refused_in_one_line(account_report, tmp_path, capsys):
    """``pqlkit report`` (user level) with ``--previous`` an account-level report: exit 2, one line,
    nothing written."""
    assert account_report.returncode == 0, account_report.stderr
    code = main(["report", str(SAMPLE), "--spec", str(SAMPLE_SPEC), "--out", str(tmp_path / "out"),
                 "--previous", str(account_report.out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"pqlkit: error: --previous {account_report.out}: that report is at account level")
    assert not (tmp_path / "out").exists()


def test_a_report_without_a_comparison_record_is_refused(past_as_of_report, tmp_path):
    """A report written before data/comparison.json existed: refused, saying how to remake it."""
    assert past_as_of_report.returncode == 0, past_as_of_report.stderr
    assert (past_as_of_report.out / "data" / "comparison.json").is_file()
    old = tmp_path / "old"
    shutil.copytree(past_as_of_report.out / "data", old / "data")
    (old / "data" / "comparison.json").unlink()
    with pytest.raises(PqlkitError, match=r"no data/comparison.json .* run that report again with --as-of 2026-04-30"):
        read_previous(old)
