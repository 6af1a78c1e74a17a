"""pqlkit.narrative: number formatting, the computed sentences (including the not-enough-data ones),
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

TINY = Path(__file__).resolve().parent / "data" / "tiny"
TINY_SPEC = Path(__file__).resolve().parent / "data" / "tiny_spec.yaml"


@pytest.fixture(scope="module")
def tiny():
    """tests/data/tiny: five users, one week, no conversions; 2 of 3 steps make a PQL (u1, u3)."""
    return pk.entity_table(TINY, TINY_SPEC)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.4123, "41%"), (0.034, "3.4%"), (0.0, "0%"), (1.0, "100%"), (None, "n/a"), (float("nan"), "n/a")],
)
def test_pct(value, text):
    assert narrative.pct(value) == text


def test_interval_and_days():
    assert narrative.interval(0.36, 0.462) == "95% CI 36–46%"
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


def test_segment_sentence_reads_the_best_and_worst_groups():
    rates = pd.DataFrame({"channel": ["a", "b", "c"], "pql_rate": [0.41, 0.12, 0.2],
                          "ci_low": [0.36, 0.10, 0.15], "ci_high": [0.46, 0.14, 0.25]})
    text = narrative.segment_sentence(rates, by="channel", noun="users")
    assert text == ("a users activate at 41% (95% CI 36–46%), b at 12% (95% CI 10–14%): the intervals do not "
                    "overlap, so the gap is real.")
    assert "nothing to compare" in narrative.segment_sentence(rates.head(1), by="channel")


def test_benchmark_sentence_for_each_verdict():
    def reading(low, high):
        verdict = pricing.benchmark_verdict(low, high)
        return pd.DataFrame([{"pql_to_paid_rate": (low + high) / 2, "ci_low": low, "ci_high": high,
                              "band_low": 0.15, "band_high": 0.30, "verdict": verdict,
                              "action": pricing._ACTIONS[verdict]}])

    assert "below the 15%–30% band" in narrative.benchmark_sentence(reading(0.05, 0.10))
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
    assert "Recorded" in capsys.readouterr().out


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
    assert text == ("At the spec's 2 of 3 steps there are 10 PQLs, of whom 20% pay; 3 of 3 (stricter) gives 5 PQLs "
                    "(−50%) converting at 30%; 1 of 3 (looser) gives 20 PQLs (+100%) converting at 10%.")


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
