"""pqlkit.present.tables: the table a report reader sees (issue 14: index columns, raw names, True/False cells,
unformatted numbers, cut-off text). Each expected cell is written out by hand from the input row."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from pqlkit.present.formatting import header_words, label
from pqlkit.present.tables import natural_order, reader_table


@pytest.fixture
def rates() -> pd.DataFrame:
    return pd.DataFrame({
        "channel": ["referral", "paid_social"],
        "entities": [135873, 7],
        "pql_rate": [0.41234, 0.034],
        "ci_low": [0.40, 0.01],
        "ci_high": [0.42, 0.1],
        "north_star": [True, False],
        "mean_mrr": [799.0, 9.87],
        "signup_at": pd.to_datetime(["2026-01-05", "2026-02-02"], utc=True),
        "question": ["What share of signups reaches the moment of value within the trial, and how fast?", None],
    })


def test_cells_read_like_a_report(rates):
    """Counts with thousands separators (135873 -> 135,873), shares as percentages with one decimal
    (0.41234 -> 41.2%), the interval as one column (40.0–42.0%), booleans as words, money rounded to one
    decimal (9.87 -> 9.9), dates without a time at midnight, missing text blank, long text whole."""
    styled = reader_table(rates, percent=["pql_rate", "ci_low"])
    assert list(styled.data.columns) == ["Channel", "Entities", "PQL rate", "95% CI", "North star", "Mean MRR",
                                         "Signup at", "Question"]
    assert styled.data.iloc[0].tolist() == [
        "referral", "135,873", "41.2%", "40.0–42.0%", "yes", "799.0", "2026-01-05",
        "What share of signups reaches the moment of value within the trial, and how fast?"]
    assert styled.data.iloc[1].tolist() == ["paid social", "7", "3.4%", "1.0–10.0%", "no", "9.9", "2026-02-02", ""]
    assert rates["entities"].tolist() == [135873, 7]  # the caller's table is not modified


def test_html_has_no_index_column_and_aligns_numbers_right(rates):
    """No <th> per row (the pandas index), no True/False cell, the whole question (no '...'); numbers
    right-aligned and unwrapped, text left-aligned, headers too, and that survives the report page's
    sanitiser (pqlkit.report.sanitize.sanitize_html drops <style> elements but keeps inline styles)."""
    from pqlkit.report.sanitize import sanitize_html

    html = sanitize_html(reader_table(rates, percent=["pql_rate", "ci_low"]).to_html())
    body = html[html.index("<tbody>"):]
    assert "<th" not in body
    assert not re.search(r">\s*(True|False)\s*<", html)
    assert "how fast?</div></td>" in html and "...<" not in html
    right, left = "text-align:right;white-space:nowrap", "text-align:left;white-space:normal"
    assert f'<div style="{right}">135,873</div>' in html and f'<div style="{right}">41.2%</div>' in html
    assert f'<div style="{left}">referral</div>' in html
    assert f'<th class="col_heading level0 col1"><div style="{right}">Entities</div></th>' in html
    assert f'<th class="col_heading level0 col0"><div style="{left}">Channel</div></th>' in html


def test_text_from_the_data_is_escaped():
    """A plan named <b>pro</b> reads as text, not markup."""
    html = reader_table(pd.DataFrame({"plan": ["<b>pro</b>"]})).to_html()
    assert "&lt;b&gt;pro&lt;/b&gt;" in html and "<b>pro" not in html


def test_the_same_table_gives_the_same_html(rates):
    """Deterministic output (nbval compares stored HTML): no random uuid in the element ids."""
    assert reader_table(rates).to_html() == reader_table(rates.copy()).to_html()


@pytest.mark.parametrize(("column", "words"), [
    ("pql_to_paid_rate", "PQL-to-paid rate"),
    ("within_14d", "Within 14 days"),
    ("entity_id", "Entity ID"),
    ("raw_pqls", "Raw PQLs"),
    ("mrr_at_stake", "MRR at stake"),
    ("days_since_seen", "Days since last seen"),
    ("utm_source", "UTM source"),
    ("entities", "Entities"),
    ("time_to_pql_median_days", "Median time to PQL (among PQLs)"),
])
def test_header_words(column, words):
    """A table's header and a summary's label are one vocabulary: header_words is label (issue 22, the
    layout review's conflicts 3 to 5: "PQL to paid rate", "Utm source", "Within 14d", "Entities in scope")."""
    assert header_words(column) == words == label(column)


def test_columns_labels_and_rows(rates):
    """A column subset in the given order, a label given by hand, the first rows with a caption that says so;
    an interval of a non-percent column shown as numbers."""
    frame = rates.assign(mrr_ci_low=[700.0, 5.0], mrr_ci_high=[900.0, 12.5])
    styled = reader_table(frame, columns=["mean_mrr", "channel", "mrr_ci_low", "mrr_ci_high"],
                          labels={"mean_mrr": "Mean MRR (USD a month)"}, max_rows=1)
    assert list(styled.data.columns) == ["Mean MRR (USD a month)", "Channel", "MRR 95% CI"]
    assert styled.data.iloc[0].tolist() == ["799.0", "referral", "700.0–900.0"]
    assert "(the first 1 of 2 rows)" in styled.to_html()


def test_missing_and_special_numbers():
    """NaN and None blank, infinity as ∞, nullable integers with separators, pandas NA blank."""
    table = pd.DataFrame({"lift": [np.inf, np.nan], "rows": pd.array([1200, None], dtype="Int64")})
    assert reader_table(table).data.to_dict("list") == {"Lift": ["∞", ""], "Rows": ["1,200", ""]}


@pytest.mark.parametrize(("kwargs", "message"), [
    pytest.param({"percent": ["pql_rat"]}, r"`percent` must be one of .*'pql_rat' was passed", id="percent"),
    pytest.param({"columns": ["chanel"]}, r"`columns` must be one of .*'chanel' was passed", id="columns"),
    pytest.param({"labels": {"x": "X"}}, r"`labels` must be one of .*'x' was passed", id="labels"),
])
def test_a_wrong_column_name_is_refused(rates, kwargs, message):
    with pytest.raises(ValueError, match=message):
        reader_table(rates, **kwargs)


def test_natural_order_of_size_bands_and_prices():
    """Size bands by their first number (issue 14: 1-10, 1000+, 11-50, 201-1000, 51-200 in text order);
    price points ('49', '199', '49–99') by their price; labels without numbers keep the table's order."""
    bands = pd.DataFrame({"company_size": ["1-10", "1000+", "11-50", "201-1000", "51-200"], "n": range(5)})
    assert natural_order(bands, by="company_size")["company_size"].tolist() == [
        "1-10", "11-50", "51-200", "201-1000", "1000+"]
    prices = pd.DataFrame({"price_point": ["199", "49–99", "1,000", "29"]})
    assert natural_order(prices, by="price_point")["price_point"].tolist() == ["29", "49–99", "199", "1,000"]
    mixed = pd.DataFrame({"plan": ["team", "1-10", "free"]})
    assert natural_order(mixed, by="plan")["plan"].tolist() == ["team", "1-10", "free"]


def test_two_intervals_get_two_headers():
    """compare_thresholds has the PQL rate's interval (pql_rate_ci_low/high) and PQL-to-paid's (ci_low/high):
    two distinct headers, each pair in its own column."""
    table = pd.DataFrame({"pql_rate": [0.3], "pql_rate_ci_low": [0.25], "pql_rate_ci_high": [0.35],
                          "pql_to_paid_rate": [0.2], "ci_low": [0.1], "ci_high": [0.3]})
    styled = reader_table(table, percent=["pql_rate", "pql_rate_ci_low", "pql_to_paid_rate", "ci_low"])
    assert list(styled.data.columns) == ["PQL rate", "PQL rate 95% CI", "PQL-to-paid rate", "95% CI"]
    assert styled.data.iloc[0].tolist() == ["30.0%", "25.0–35.0%", "20.0%", "10.0–30.0%"]
    styled.to_html()  # renders


def test_values_in_words_names_as_written_and_blank_young_cohorts():
    """Issue 22: pqlkit's own category values read in words from the one vocabulary (``converted_pql`` ->
    "became a PQL, then paid", ``logistic_regression`` -> "weighted sum of the signals"), a segment's value
    with spaces (``paid_social`` -> "paid social"); ids and step names as the data writes them; a model's
    features in words; a missing rate (a cohort too young) blank, never "0.0%"."""
    table = pd.DataFrame({"path": ["converted_pql", "no_data"], "entity_id": ["u_1", "u_2"],
                          "missing_steps": ["core_workflow", ""], "feature": ["first_14d:login", "channel=paid_social"],
                          "pql_rate": [np.nan, 0.0]})
    cells = reader_table(table, percent=["pql_rate"]).data
    assert cells["Road to paying"].tolist() == ["became a PQL, then paid", "no data"]
    assert cells["Entity ID"].tolist() == ["u_1", "u_2"] and cells["Missing steps"].tolist() == ["core_workflow", ""]
    assert cells["Feature"].tolist() == ["login in the first 14 days", "channel: paid social"]
    assert cells["PQL rate"].tolist() == ["", "0.0%"]


def test_a_brier_score_keeps_three_decimals_beside_shares():
    """Issue 22: the model table rounded 0.781, 0.214 and 0.117 to "0.8 / 0.2 / 0.1". The shares read as
    percentages with one decimal (0.781 -> 78.1%), the Brier score with three (0.117)."""
    models = pd.DataFrame({"model": ["logistic_regression"], "roc_auc": [0.781], "average_precision": [0.214],
                           "brier": [0.117]})
    cells = reader_table(models, percent=["roc_auc", "average_precision"], column_digits={"brier": 3}).data
    assert cells.iloc[0].tolist() == ["weighted sum of the signals", "78.1%", "21.4%", "0.117"]
    assert cells.columns[3].startswith("Squared error") and "lower is better" in cells.columns[3]
