"""The one vocabulary of the pages (issue 22, "One answer everywhere"): labels, values, features, shares and
amounts, each written one way wherever a reader sees them (docs/metrics.md, "Words on the pages")."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from pqlkit.analyses.playbook import KPIS
from pqlkit.present import narrative, plots
from pqlkit.present.formatting import (
    LABELS,
    NOT_MEASURED,
    days,
    feature_words,
    header_words,
    label,
    money,
    pct,
    summary_value,
    value_words,
)


@pytest.mark.parametrize(("key", "words"), [
    # the layout review's conflicts, each resolved into one label
    ("time_to_pql_median_days", "Median time to PQL (among PQLs)"),  # was also "Median time to PQL", "median (PQLs)"
    ("stalled_in_trial", "Stalled in trial"),  # was also "Stalled trials"
    ("pql_to_paid_rate", "PQL-to-paid rate"),  # was also "PQL to paid rate"
    ("entities", "Entities"),  # was also "Entities in scope"
    # one fallback: label() gave "Utm source" and "Within 14d", header_words() "UTM source", "Within 14 days"
    ("utm_source", "UTM source"),
    ("within_14d", "Within 14 days"),
])
def test_one_label_per_key(key, words):
    assert label(key) == header_words(key) == words


def test_the_playbook_kpis_carry_the_same_label():
    """KPIS (analyses, below present) keeps a label slot; it must read as the one vocabulary's."""
    for key, (words, _, _) in KPIS.items():
        assert words == label(key), key


def test_kpi_table_names_each_kpi_by_its_label():
    summary = {key: 0.5 for key in KPIS} | {"time_to_pql_km_share_trial": None}
    table = narrative.kpi_table(summary)
    assert table.set_index("key")["kpi"].to_dict() == {key: label(key) for key in KPIS}


@pytest.mark.parametrize(("feature", "words"), [
    ("first_14d:login", "login in the first 14 days"),
    ("first_7d:report_created", "report created in the first 7 days"),
    ("channel=paid_social", "channel: paid social"),
    ("utm_source=google", "UTM source: google"),
    ("core_workflow_done", "core workflow done"),
    ("core_workflow_day", "day of core workflow"),
    ("steps_done", "steps done"),
    ("days_since_pql", "days since PQL"),
    ("activation_rate", "activation rate"),
])
def test_feature_words(feature, words):
    assert feature_words(feature) == words


@pytest.mark.parametrize(("value", "words"), [
    ("converted_pql", "became a PQL, then paid"),
    ("paid_before_pql", "paid before becoming a PQL"),
    ("paid_without_pql", "paid without becoming a PQL"),
    ("no_data", "no data"),
    ("logistic_regression", "weighted sum of the signals"),
    ("gradient_boosting", "many small decision trees"),
    ("paid_social", "paid social"),
    ("referral", "referral"),
])
def test_value_words(value, words):
    assert value_words(value) == words


def test_a_share_reads_the_same_in_a_sentence_and_a_table():
    """0.4123 reads 41.2 % in a sentence and in the table beside it (the old sentence rule said 41 %)."""
    rates = pd.DataFrame({"channel": ["referral", "organic"], "pql_rate": [0.4123, 0.2], "ci_low": [0.36, 0.15],
                          "ci_high": [0.462, 0.26], "pqls": [41, 20], "entities": [100, 100]})
    sentence = narrative.segment_sentence(rates, by="channel")
    assert "41.2% (95% CI 36.0–46.2%)" in sentence and pct(0.4123) == "41.2%"


def test_segment_values_in_sentences_read_in_words():
    rates = pd.DataFrame({"channel": ["referral", "paid_social"], "pql_rate": [0.4, 0.1], "ci_low": [0.3, 0.05],
                          "ci_high": [0.5, 0.2], "pqls": [40, 10], "entities": [100, 100]})
    sentence = narrative.segment_sentence(rates, by="channel")
    assert "paid social at 10.0%" in sentence and "paid_social" not in sentence


def _stake():
    """Revenue at stake by hand: 10 current PQLs; expected 2 customers (low 1, high 3) × 150 average MRR =
    300 (low 150, high 450)."""
    return pd.DataFrame({"case": ["low", "expected", "high"], "current_pqls": [10, 10, 10], "not_measured": [0, 0, 0],
                         "horizon_days": [30.0] * 3, "conversion": [0.1, 0.2, 0.3], "average_mrr": [150.0] * 3,
                         "expected_customers": [1.0, 2.0, 3.0], "mrr_at_stake": [150.0, 300.0, 450.0]})


def test_every_amount_of_the_revenue_sentence_has_its_currency():
    """The issue: "MRR at stake 9,534" had no currency. Every amount (150, 300, 150, 450) with it."""
    text = narrative.revenue_sentence(_stake())
    assert "× 150 USD average MRR ≈ 300 USD of monthly recurring revenue" in text
    assert "(between 150 USD and 450 USD)" in text
    assert "300 EUR" in narrative.revenue_sentence(_stake(), currency="EUR")


def test_the_plan_sentence_gives_the_mean_mrr_with_its_currency():
    """starter: 8 of 10 converted PQLs (80.0 %), mean MRR 49; team: 2 (20.0 %)."""
    by_plan = pd.DataFrame({"plan": ["starter", "team_plus"], "converted_pqls": [8, 2], "share_of_paid_pqls": [0.8, 0.2],
                            "mean_mrr": [49.0, 199.0]})
    text = narrative.plan_sentence(by_plan, currency="EUR")
    assert text == "Most converted PQLs chose starter (80.0% of them, mean MRR 49 EUR); then team plus (20.0%)."


def test_the_revenue_chart_writes_the_currency_on_each_bar_and_the_axis():
    ax = plots.plot_revenue_at_stake(_stake(), currency="EUR")
    assert [t.get_text() for t in ax.texts] == [money(v, currency="EUR") for v in (150, 300, 450)]
    assert "EUR" in ax.get_ylabel()
    plt.close(ax.figure)


def test_the_importance_chart_names_features_in_words():
    importance = pd.DataFrame({"feature": ["first_14d:login", "channel=paid_social"], "importance_mean": [0.05, 0.02],
                               "importance_std": [0.01, 0.01]})
    ax = plots.plot_importance(importance)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert set(labels) == {"login in the first 14 days", "channel: paid social"}
    assert "AUC" not in ax.get_xlabel() and "ROC" not in ax.get_xlabel()
    plt.close(ax.figure)


def test_the_score_sentence_says_the_accuracy_in_words():
    """ROC AUC 0.78 is the share of (payer, non-payer) pairs ranked payer first: 78.0 % (today's 0.62: 62.0 %)."""
    validation = {"roc_auc": 0.78, "today_roc_auc": 0.62, "top_decile_payers_score": 9, "top_decile_payers_today": 5,
                  "top_decile_extra_payers": 4}
    text = narrative.score_sentence(validation, model="logistic_regression")
    assert "ranks the payer first in 78.0% of pairs, against 62.0% for today's order" in text
    assert "ROC" not in text and "AUC" not in text and "logistic" not in text


def test_labels_have_no_code_in_them():
    for key, words in LABELS.items():
        assert "_" not in words, key


def test_the_score_record_reads_in_words_on_the_front_page():
    """Notebook 05 records pay_score_roc_auc 0.777 (and the rest): a label in words and a share, 77.7 %."""
    for key in ("roc_auc", "today_roc_auc", "average_precision", "brier", "top_decile_payers_score",
                "top_decile_payers_today", "top_decile_extra_payers"):
        assert "_" not in label(f"pay_score_{key}") and "roc" not in label(f"pay_score_{key}").lower()
    assert summary_value("pay_score_roc_auc", 0.777) == "77.7%" and summary_value("pay_score_brier", 0.0712) == "0.0712"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="None"), pytest.param(float("nan"), id="nan"), pytest.param(pd.NA, id="pd.NA"),
        pytest.param(pd.NaT, id="NaT"),
    ],
)
def test_every_kind_of_missing_reads_n_a_and_not_measured(value):
    """pandas' NA and NaT are missing as None and NaN are, though the module loads no pandas itself
    (it looks for them only once pandas is loaded, the only way such a value can exist)."""
    assert (pct(value), days(value), pct(value, missing_text=NOT_MEASURED)) == ("n/a", "n/a", "not measured")
