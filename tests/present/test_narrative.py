"""pqlkit.present.narrative: number formatting, the computed sentences (including the not-enough-data ones),
the warning notes and the headline record the notebooks leave for the tests and the report."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pqlkit as pk
from pqlkit import cohorts, explore, narrative, pricing
from pqlkit.analyses.playbook import KPIS

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"
TINY_SPEC = Path(__file__).resolve().parents[1] / "data" / "tiny_spec.yaml"


@pytest.fixture(scope="module")
def tiny():
    """tests/data/tiny: five users, one week, no conversions; 2 of 3 steps make a PQL (u1, u3)."""
    return pk.entity_table(TINY, TINY_SPEC)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.4123, "41.2%"), (0.034, "3.4%"), (0.0, "0.0%"), (1.0, "100.0%"), (0.0951, "9.5%"), (None, "n/a"),
     (float("nan"), "n/a")],
)
def test_pct(value, text):
    """One decimal wherever a share is shown (docs/metrics.md, "Words on the pages"): 0.4123 -> 41.2 %,
    0.0951 -> 9.5 % (the old rule gave "10%" from 9.5 % up, and "41%" in a sentence beside "41.2%")."""
    assert narrative.pct(value) == text


def test_interval_and_days():
    assert narrative.interval(0.36, 0.462) == "95% CI 36.0–46.2%"
    assert narrative.interval(np.nan, 0.2) == "no interval"
    assert narrative.days(3.14159) == "3.1 days" and narrative.days(None) == "n/a"


def test_noun_follows_the_level(tiny):
    entities, ctx = tiny
    assert ctx.noun == "users" and ctx.level == "user"
    _, accounts = pk.entity_table(TINY, TINY_SPEC, level="account")
    assert accounts.noun == "accounts" and accounts.level == "account"


def test_scope_sentence_names_the_spec_file_not_its_path(tiny):
    entities, ctx = tiny
    text = narrative.scope_sentence(entities, context=ctx)
    assert "5 users" in text and "2 of the 3 steps of tiny_spec.yaml" in text
    assert str(TINY_SPEC.parent) not in text
    assert "no conversions table" in text


def test_ledger_table_and_sentence(tiny):
    entities, ctx = tiny
    table = narrative.ledger_table(ctx.ledger)
    assert table["table"].tolist() == ["users", "events"]
    assert table["read"].tolist() == [5, 14] and table["used"].tolist() == [5, 14]
    assert narrative.ledger_sentence(ctx.ledger) == "All 19 rows read were used: no row was dropped."


def test_notes_for_warnings_prints_short_paths(capsys):
    """Outside a notebook kernel the notes are printed (in one, they are displayed as Markdown)."""
    with narrative.notes_for_warnings("/some/where/spec.yaml"):
        warnings.warn("/some/where/spec.yaml: step 'x' waits for event 'y'", pk.PqlkitWarning)
        warnings.warn("/some/where/spec.yaml: step 'x' waits for event 'y'", pk.PqlkitWarning)
    assert capsys.readouterr().out == "Note: spec.yaml: step 'x' waits for event 'y'\n"


def test_tidy_formats_for_display():
    frame = pd.DataFrame({
        "rate": [0.1234, np.nan], "when": pd.to_datetime(["2026-01-05", "2026-01-06"], utc=True),
        "flag": [True, False], "x": [1.23456, 2.0], "n": pd.array([1, None], dtype="Int64"),
    })
    shown = narrative.tidy(frame, percent=["rate"])
    assert shown["rate"].tolist() == ["12.3%", ""]
    assert shown["when"].tolist() == ["2026-01-05", "2026-01-06"]
    assert shown["flag"].tolist() == ["yes", "no"]
    assert shown["x"].tolist() == [1.23, 2.0]
    assert shown["n"].tolist() == [1, ""]
    assert frame["rate"].iloc[0] == 0.1234  # the input is left alone


def test_sentences_on_the_tiny_dataset_say_when_data_is_missing(tiny):
    """No payments, one week, nobody 14 days old: each section says so in words."""
    entities, ctx = tiny
    summary = pk.summary(entities, context=ctx)
    ranking = explore.rank_candidate_steps(ctx.dataset, spec=ctx.spec)
    assert "no payments" in narrative.candidates_sentence(ranking, has_payments=False)
    assert "not enough complete weeks" in narrative.weekly_sentence(cohorts.weekly_pqls(entities, context=ctx))
    assert "cannot be measured" in narrative.paid_sentence(pk.pql_to_paid(entities), has_payments=False)
    assert "No PQL has paid yet" in narrative.lag_sentence(pricing.lag_summary(entities))
    assert "too young" in narrative.cohort_rates_sentence(cohorts.cohort_rates(entities, context=ctx)) or \
        "old enough" in narrative.cohort_rates_sentence(cohorts.cohort_rates(entities, context=ctx))
    assert "Not enough" in narrative.seasonality_sentence(cohorts.seasonality(entities, context=ctx))
    assert "No PQL-to-paid rate" in narrative.benchmark_sentence(
        pricing.benchmark_reading(entities, context=ctx, has_payments=False))
    assert "cannot be estimated" in narrative.revenue_sentence(pricing.revenue_at_stake(entities, context=ctx))
    assert "No trial is stalled" in narrative.stalled_sentence(
        pk.stalled_trials(entities, context=ctx), trial_days=14, stall_day=12, noun="users")
    assert "fewer than half" in narrative.km_sentence(summary, curve=pk.time_to_pql_curve(entities), trial_days=14)


def _rates(groups: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """A pql_rate-shaped table (channel, entities, pqls, pql_rate, Wilson interval) from (pqls, entities)."""
    counts = pd.DataFrame({"channel": list(groups), "pqls": [h for h, _ in groups.values()],
                           "entities": [n for _, n in groups.values()]})
    return pk.rate_table(counts, hits="pqls", total="entities", rate="pql_rate")


def test_segment_sentence_two_overlapping_intervals_that_differ_significantly():
    """60 of 200 against 40 of 200 (tests/stats/test_stats.py): the Wilson intervals overlap (30%: 24.1–36.7%,
    20%: 15.0–26.1%; 24.1 < 26.1), yet the two-proportion test gives p = 0.0209 (z = 0.1 / sqrt(0.25 * 0.75 *
    (1/200 + 1/200)) = 2.309, p = 2 * (1 - Phi(2.309))). With two groups this is the one test: no Holm over
    two copies of it (issue 21, defect 5). The difference, 10 points, has the Newcombe interval
    0.1 -/+ sqrt((0.30 - 0.2407)^2 + (0.2609 - 0.20)^2) / sqrt((0.3668 - 0.30)^2 + (0.20 - 0.1505)^2)
    = +1.5 to +18.3 points (Newcombe 1998, method 10). The old rule ("the intervals overlap, so the gap
    may be noise") got this wrong."""
    rates = _rates({"referral": (60, 200), "organic": (40, 200)})
    assert rates.loc[0, "ci_low"] < rates.loc[1, "ci_high"]  # the intervals overlap
    text = narrative.segment_sentence(rates, by="channel", by_day=14, noun="users")
    assert text == ("**The rates by channel differ significantly**: referral at 30.0%, 10.0 points above organic at 20.0% "
                    "(95% CI +1.5 to +18.3 points, two-proportion z-test, p = 0.021). At a fixed age: PQL within 14 "
                    "days of signup, among users at least 14 days old.")
    assert "overlap" not in text and "noise" not in text and "Holm" not in text


def test_segment_sentence_two_groups_one_test_not_doubled_by_holm():
    """Issue 21, defect 5: two groups, 68/200 against 50/200 (34% and 25%). Pooled 118/400 = 0.295,
    SE = sqrt(0.295 * 0.705 * (1/200 + 1/200)) = 0.045604, z = 0.09 / 0.045604 = 1.9735,
    p = 2 * (1 - Phi(1.9735)) = 0.0484 < 0.05. The old code applied Holm to "A vs rest" and "B vs rest"
    (the same test twice): 2 * 0.0484 = 0.097 > 0.05, and said both "the rates differ" and "no single
    group differs". Now one test, p = 0.048, and one verdict."""
    text = narrative.segment_sentence(_rates({"a": (68, 200), "b": (50, 200)}), by="channel", by_day=14)
    assert "p = 0.048" in text and "differ significantly" in text
    assert "no single group" not in text and "Holm" not in text


def test_segment_sentence_calls_no_gap_significant_when_the_test_does_not():
    """45/200 against 40/200 (22.5% and 20%): z = 0.025 / sqrt(0.2125 * 0.7875 / 100) = 0.611, p = 0.541
    (chi-square, 1 df): not significant, so the sentence says the gap may be noise, never "significant"."""
    text = narrative.segment_sentence(_rates({"referral": (45, 200), "organic": (40, 200)}), by="channel", by_day=7,
                                      noun="users")
    assert text == ("Referral users activate at 22.5% (95% CI 17.3–28.8%), organic at 20.0% (95% CI 15.0–26.1%), but the rates by "
                    "channel do not differ significantly (two-proportion z-test, p = 0.541): the gap may be noise. "
                    "At a fixed age: PQL within 7 days of signup, among users at least 7 days old.")
    assert "nothing to compare" in narrative.segment_sentence(_rates({"a": (1, 2)}), by="channel", by_day=14)


def test_segment_sentence_names_only_the_groups_that_stand_out():
    """Three groups, 100 each: 50, 30, 30 PQLs. Across: expected 36.67 PQLs and 63.33 others per group,
    chi-square = sum (O - E)^2 / E over the 3 x 2 cells = 4.848 + 2.807 + 2 * (1.212 + 0.702) = 11.48,
    2 df, p = exp(-11.48 / 2) = 0.003. 'a' against the rest: 50/100 vs 60/200, z = 0.2 / sqrt(0.3667 *
    0.6333 * (1/100 + 1/200)) = 3.39, p = 0.0007, Holm (x 3) 0.002; 'b' and 'c' each 30/100 vs 80/200:
    z = -1.69, p = 0.090, Holm (x 2) 0.18 > 0.05. Only 'a' is named."""
    text = narrative.segment_sentence(_rates({"a": (50, 100), "b": (30, 100), "c": (30, 100)}), by="channel",
                                      by_day=14)
    assert text.startswith("**The rates by channel differ significantly** (chi-square across the 3 groups, p = 0.003).")
    assert "a at 50.0%, 20.0 points above the rest" in text and "Holm-adjusted p = 0.002" in text and "b at" not in text
    assert text.endswith("The other 2 groups do not differ significantly from the rest. At a fixed age: PQL within "
                         "14 days of signup, among entities at least 14 days old.")


def test_segment_sentence_does_not_test_all_time_rates():
    """Issue 21, defect 3: all-time rates (no ``by_day``) count yesterday's signups, so a young channel
    looks worse whatever its true rate. 300/1000 against 60/400 (30% and 15%; z = 6.0, p < 0.001 on the
    old code, which called it significant) is described, and not tested."""
    text = narrative.segment_sentence(_rates({"organic": (300, 1000), "new_channel": (60, 400)}), by="channel",
                                      noun="users")
    assert "significant" not in text and "p <" not in text and "p =" not in text
    assert "all-time rates" in text and "not compared" in text


def test_segment_sentence_tiny_groups_from_the_issue():
    """Issue 21, defect 4: US 5/100, NL 1/1, SE 0/40. The old sentence: NL "96.4 points above the rest,
    Holm-adjusted p < 0.001" (a z-test on one user). By hand, NL against the rest (US + SE, 5/140):
    the margins fix 6 PQLs among 141; the one NL user is a PQL with probability 6/141 = 0.04255 and is
    not with 135/141; Fisher's two-sided p sums the tables no more likely than the one seen, so
    p = 0.04255 (0.043), and Holm over the 3 groups, NL's p being the smallest, 3 * 0.04255 = 0.128:
    not significant.

    With the default minimum size (10), NL (1 user) is named and not judged, and US against SE is one
    test: Fisher, as the expected PQLs of SE, 40 * 5/140 = 1.43, are under 5."""
    rates = _rates({"US": (5, 100), "NL": (1, 1), "SE": (0, 40)}).rename(columns={"channel": "country"})
    text = narrative.segment_sentence(rates, by="country", by_day=14, noun="users")
    assert "NL has fewer than 10 users and is not judged." in text
    assert "Fisher's exact test" in text and "NL at" not in text and "significantly" in text
    assert "do not differ significantly" in text
    every = narrative.segment_sentence(rates, by="country", by_day=14, min_size=1)
    assert "96.4 points" not in every and "p < 0.001" not in every
    assert "NL at" not in every  # not significant after Holm (0.128), so not named


def test_seasonality_by_month_under_twelve_months_is_not_tested():
    """Issue 21, the smaller point: a month-by-month test on under 12 months of signups measures the
    trend. A table with a clear gap between months (120/400 against 60/400, p < 0.001) but six months of
    data is described, not tested."""
    table = pd.DataFrame({"month": ["Jan", "Jun"], "mature": [400, 400], "pqls_within": [120, 60]})
    table = pk.rate_table(table, hits="pqls_within", total="mature", rate="pql_rate").assign(
        horizon_days=14.0, months_of_data=6.0)
    text = narrative.seasonality_sentence(table)
    assert "span only 6.0 months, fewer than 12" in text and "not tested" in text
    assert "significant" not in text
    tested = narrative.seasonality_sentence(table.assign(months_of_data=13.0))
    assert "differ significantly" in tested and "within 14 days" in tested


def test_volume_sentence_says_how_many_days():
    """Issue 14: "active in the last days" had no number: it is the spec's active_days."""
    summary = {"entities": 3000, "raw_pqls": 832, "current_pqls": 211}
    assert narrative.volume_sentence(summary, active_days=14, noun="users") == (
        "**832 of 3,000 users have reached activation** (raw PQLs); 211 of them are current: not paying yet "
        "and active in the last 14 days, ready for someone to act.")


def test_time_to_pql_headline_says_something_without_a_median():
    """The worked example's readings (docs/metrics.md#json-summary: 50% by day 7 and by day 14, 95% CI
    19.6–88.9%, nothing at day 30, 10% by day 2, 25% by day 4, median 6), and the same without a median
    (fewer than half ever reach PQL): the headline never says "n/a"."""
    reading = {"share": 0.5, "ci_low": 0.1963, "ci_high": 0.8891}
    summary = {"raw_pqls": 3, "time_to_pql_km_share_7d": {"day": 7.0, **reading},
               "time_to_pql_km_share_trial": {"day": 14.0, **reading},
               "time_to_pql_km_share_30d": {"day": 30.0, "share": None, "ci_low": None, "ci_high": None},
               "time_to_pql_km_p10_days": 2.0, "time_to_pql_km_p25_days": 4.0, "time_to_pql_km_median_days": 6.0}
    text = narrative.time_to_pql_headline(summary, noun="users")
    assert text == ("**An estimated 50.0% of users reached PQL by day 7 (95% CI 19.6–88.9%) and 50.0% by the end of the "
                    "14-day trial (95% CI 19.6–88.9%)** (Kaplan–Meier, counting the trials still running). 10% got there within "
                    "2.0 days and 25% within 4.0 days; half within 6.0 days (the Kaplan–Meier median).")
    text = narrative.time_to_pql_headline({**summary, "time_to_pql_km_median_days": None}, noun="users")
    assert text.endswith("fewer than half ever do, so there is no Kaplan–Meier median.") and "n/a" not in text


def test_thresholds_behind_sentences_are_arguments():
    """The 8% free-to-paid median and the 25% "revisit the steps" rule are arguments, not constants:
    12% (95% CI 10–14%) is above 8% but in line with a 12% benchmark; 30% paying without PQL is over 25%
    but not over 35%."""
    free = pd.DataFrame({"free_to_paid_rate": [0.12], "ci_low": [0.10], "ci_high": [0.14], "entities": [1000],
                         "paying": [120], "min_age_days": [14.0]})
    assert "above the 8.0% median" in narrative.free_to_paid_sentence(free)
    assert "in line with the 12.0% median of X" in narrative.free_to_paid_sentence(free, benchmark=0.12, source="X")
    checks = pd.DataFrame({"path": ["converted_pql", "paid_before_pql", "paid_without_pql"],
                           "paying": [50, 20, 30], "share": [0.5, 0.2, 0.3]})
    assert "revisit the steps" in narrative.checks_sentence(checks)
    assert "revisit" not in narrative.checks_sentence(checks, revisit_share=0.35)


def test_benchmark_sentence_for_each_verdict():
    def reading(low, high):
        verdict = pricing.benchmark_verdict(low, high)
        return pd.DataFrame([{"pql_to_paid_rate": (low + high) / 2, "ci_low": low, "ci_high": high,
                              "band_low": 0.15, "band_high": 0.30, "verdict": verdict,
                              "action": pricing._ACTIONS[verdict]}])

    assert "below the 15.0%–30.0% band" in narrative.benchmark_sentence(reading(0.05, 0.10))
    assert "pricing" in narrative.benchmark_sentence(reading(0.05, 0.10))
    assert "undercharging" in narrative.benchmark_sentence(reading(0.35, 0.45))
    assert "not enough evidence" in narrative.benchmark_sentence(reading(0.10, 0.25))


def test_record_headlines_writes_summary_values(tmp_path, tiny, capsys):
    """The recorded values are pqlkit.summary's (what `pqlkit metrics` prints), plus the extras."""
    entities, ctx = tiny
    record = narrative.record_headlines(entities, context=ctx, output_dir=tmp_path / "out", notebook="02_pql_metrics",
                                        extra={"share": float("nan"), "count": np.int64(3)})
    written = json.loads((tmp_path / "out" / "02_pql_metrics.json").read_text(encoding="utf-8"))
    assert written == record
    summary = json.loads(json.dumps(pk.summary(entities, context=ctx)))
    for key in narrative.HEADLINE_KEYS:
        assert written[key] == summary[key]
    assert written["share"] is None and written["count"] == 3 and written["notebook"] == "02_pql_metrics"
    assert capsys.readouterr().out == ""  # nothing on stdout: a report page shows no log line


def test_record_headlines_refuses_unknown_keys(tmp_path, tiny):
    entities, ctx = tiny
    with pytest.raises(ValueError, match="pqlkit.summary does not have"):
        narrative.record_headlines(entities, context=ctx, output_dir=tmp_path, notebook="x", keys=("raw_pqls", "nope"))


def test_crm_sentence_names_the_file_only(tmp_path):
    table = pd.DataFrame({"entity_id": ["u1"], "activation_rate": [1.0], "days_since_seen": [0.25],
                          "account_size": [3]})
    text = narrative.crm_sentence(table, path=tmp_path / "leads.csv", noun="users")
    assert str(tmp_path) not in text and "leads.csv" in text and "priority 1 is u1" in text
    assert "No current PQLs" in narrative.crm_sentence(table.iloc[:0], path=tmp_path / "leads.csv")


def test_thresholds_sentence_by_hand():
    """Two of three steps chosen: 10 PQLs; three of three: 5 (−50 %); one of three: 20 (+100 %)."""
    table = pd.DataFrame({"steps_required": [1, 2, 3], "threshold": [1 / 3, 2 / 3, 1.0], "chosen": [False, True, False],
                          "pqls": [20, 10, 5], "pql_to_paid_rate": [0.1, 0.2, 0.3]})
    text = narrative.thresholds_sentence(table)
    assert text == ("At the spec's 2 of 3 steps there are 10 PQLs, of whom 20.0% pay; 3 of 3 (stricter) gives 5 PQLs "
                    "(−50.0%) converting at 30.0%; 1 of 3 (looser) gives 20 PQLs (+100.0%) converting at 10.0%.")


def test_a_wrong_column_name_gets_the_same_error_in_sentences_and_charts(tiny):
    """The same message as pk.pql_rate(by="chanel"): the argument, the columns there, the value passed."""
    import matplotlib

    matplotlib.use("Agg")
    from pqlkit import plots

    entities, _ = tiny
    rates = pk.pql_rate(entities, by="channel")
    message = re.escape(f"The value for `by` must be one of {list(rates.columns)}, but 'chanel' was passed.")
    with pytest.raises(ValueError, match=message):
        narrative.segment_sentence(rates, by="chanel")
    with pytest.raises(ValueError, match=message.replace("`by`", "`label`")):
        plots.plot_rates(rates, label="chanel")


# --- the playbook's KPI tables (notebook 05) ---------------------------------------------------------

SUMMARY = {"raw_pqls": 832, "current_pqls": 211, "pql_rate": 0.2773, "time_to_pql_median_days": 3.13,
           "time_to_pql_km_median_days": None,
           "time_to_pql_km_share_trial": {"day": 14.0, "share": 0.3114, "ci_low": 0.2946, "ci_high": 0.3287},
           "stalled_in_trial": 24, "pql_to_paid_rate": 0.2123,
           "paid_without_pql": 31}


@pytest.mark.parametrize(
    ("north_star", "first"),
    [("growth", "raw_pqls"), ("activation", "pql_rate"), ("speed", "time_to_pql_km_share_trial"),
     ("monetization", "pql_to_paid_rate"), ("monetisation", "pql_to_paid_rate")],
)
def test_kpi_table_puts_the_north_star_first(north_star, first):
    table = narrative.kpi_table(SUMMARY, north_star=north_star)
    assert table["key"].iloc[0] == first
    assert table["north_star"].tolist() == [True] + [False] * (len(table) - 1)
    assert sorted(table["key"]) == sorted(KPIS)


def test_kpi_table_formats_values():
    table = narrative.kpi_table(SUMMARY, north_star="growth").set_index("key")
    assert table.loc["pql_rate", "shown"] == "27.7%"
    assert table.loc["time_to_pql_median_days", "shown"] == "3.1 days"
    assert table.loc["raw_pqls", "shown"] == "832"
    # The Kaplan–Meier reading at the end of a 14-day trial, its interval with it (values as written above).
    assert table.loc["time_to_pql_km_share_trial", "shown"] == "31.1% by day 14 (95% CI 29.5%–32.9%)"
    assert table.loc["time_to_pql_km_share_trial", "value"] == pytest.approx(0.3114)
    missing = narrative.kpi_table({**SUMMARY, "time_to_pql_km_share_trial": None}).set_index("key")
    assert missing.loc["time_to_pql_km_share_trial", "shown"] == "n/a"


def test_kpi_table_without_payments_hides_conversion():
    table = narrative.kpi_table(SUMMARY, has_payments=False).set_index("key")
    assert table.loc["pql_to_paid_rate", "shown"] == "not measured" and pd.isna(table.loc["pql_to_paid_rate", "value"])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: narrative.kpi_table(SUMMARY, north_star="revenue"), r"`north_star` must be one of",
                     id="north-star"),
        pytest.param(lambda: narrative.team_kpis(SUMMARY, "finance"), r"`team` must be one of", id="team"),
    ],
)
def test_unknown_choices_are_refused_with_the_options(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("team", "kpis", "shown"),
    [
        ("sales", ["Current PQLs", "PQL-to-paid rate"], ["211", "21.2%"]),
        ("marketing", ["Raw PQLs", "PQL rate"], ["832", "27.7%"]),
        ("product", ["PQL rate", "Median time to PQL (among PQLs)", "PQL-to-paid rate", "Paid without PQL"],
         ["27.7%", "3.1 days", "21.2%", "31"]),
        ("customer success", ["Median time to PQL (among PQLs)", "Stalled in trial", "PQL-to-paid rate"],
         ["3.1 days", "24", "21.2%"]),
    ],
)
def test_team_kpis_follow_the_concept_table(team, kpis, shown):
    """Who acts on which number (the playbook's concept table), with SUMMARY's values formatted by hand:
    0.2773 -> 27.7%, 0.2123 -> 21.2%, 3.13 days -> 3.1 days."""
    table = narrative.team_kpis(SUMMARY, team)
    assert table["kpi"].tolist() == kpis
    assert table["shown"].tolist() == shown


# --- candidate steps (notebook 01) -------------------------------------------------------------


def _ranking(rows: list[tuple]) -> pd.DataFrame:
    """A candidate ranking by hand: (event, k, lift, ci_low, ci_high, p_adjusted, separates), best lift first;
    every row has enough data, a coverage of 30 % and is outside the spec."""
    table = pd.DataFrame(rows, columns=["event", "min_count", "lift", "lift_ci_low", "lift_ci_high", "p_adjusted",
                                        "separates"])
    return table.assign(within_days=14.0, in_spec=False, enough_data=True, coverage=0.3,
                        conversion_doers=0.2, conversion_others=0.04)


def test_candidates_sentence_names_the_strongest_separator_with_its_interval_and_test():
    """The top lift (8.0×, adjusted p 0.20) does not survive the correction: the separator named is
    the next (5.0×, 95% CI 3.1–8.2×, adjusted p 0.001), and the 8.0× is said to be possibly chance."""
    ranking = _ranking([("export", 3, 8.0, 0.9, 70.0, 0.20, False), ("invite", 1, 5.0, 3.1, 8.2, 0.001, True),
                        ("login", 1, 1.1, 0.8, 1.5, 0.6, False)])
    text = narrative.candidates_sentence(ranking)
    assert text.startswith("**The strongest separator is doing invite at least 1× in the first 14 days before paying**")
    assert "lift 5.0×, 95% CI 3.1–8.2×, adjusted p = 0.001" in text
    assert "Fisher's exact test, Benjamini–Hochberg-corrected across the 3 candidates tested at a 5% false" in text
    assert "A larger lift, export at least 3× (lift 8.0×, 95% CI 0.9–70.0×, adjusted p = 0.200), may be chance" in text
    assert "strongest separator is doing export" not in text


def test_candidates_sentence_without_a_surviving_candidate_calls_none_a_separator():
    """Nothing survives: the largest lift is named as not surviving; no "strongest separator"; an interval
    that cannot be measured is said so."""
    ranking = _ranking([("export", 3, 8.0, np.nan, np.nan, 0.20, False), ("login", 1, 1.1, 0.8, 1.5, 0.6, False)])
    text = narrative.candidates_sentence(ranking, alpha=0.01)
    assert text.startswith("**No candidate step separates future payers beyond chance**")
    assert "strongest separator" not in text
    assert "export at least 3× in the first 14 days before paying (lift 8.0×, interval not measured, adjusted " \
           "p = 0.200), does not survive the correction" in text
    assert "at a 1% false discovery rate" in text
