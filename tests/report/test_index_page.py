"""pqlkit.report.index_page: the front page in the reader's words (issue 22, "One answer everywhere").

Where the expected values come from:

- the records are those the sample report's notebooks wrote (``pqlkit report data/sample --spec
  data/activation.yaml``: ``data/04_pricing_signals.json`` and ``data/05_gtm_playbook.json``), copied below;
  the score's sentence reads two of them (``pay_score_top_decile_payers_score`` 7,
  ``pay_score_top_decile_payers_today`` 5);
- amounts are rounded to whole units with a thousands separator and the ISO code after them
  (``present.formatting.money``: 2,050.56 → ``2,051 EUR``);
- :data:`READER_UNFRIENDLY` lists what issue 22 found on the pages (code keys, parameter names, model jargon, a
  developer's note, a Python repr, an amount without its currency); the browser test checks every page's
  visible text against it too.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from pqlkit.base.errors import PqlkitError
from pqlkit.io.database import DatabaseSource
from pqlkit.io.exports import ExportSource
from pqlkit.present.formatting import DEFAULT_CURRENCY, LABELS
from pqlkit.report import index_page
from pqlkit.report.run import PARAMETERS, check_currency, dataset_title, run_report

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny"
TINY_SPEC = ROOT / "tests" / "data" / "tiny_spec.yaml"

#: What a reader must not meet on any page: (what it is, pattern). The summary's and records' keys with an
#: underscore are code wherever they appear (names from the data, such as event and step names, are not).
READER_UNFRIENDLY = (
    ("a summary or record key", re.compile(r"\b(?:" + "|".join(sorted((k for k in LABELS if "_" in k), key=len,
                                                                     reverse=True)) + r")\b")),
    ("a code of pqlkit's", re.compile(r"\b(?:converted_pql|no_data|logistic_regression|gradient_boosting|"
                                      r"north_star|pay_score\w*|roc_auc|top_decile\w*|order_reason)\b")),
    ("a parameter name", re.compile(r"\b(?:" + "|".join(n for n in PARAMETERS if "_" in n)
                                    + r"|active_days|trial_days|window_days|"
                                    r"horizon_days|paid_within_days|backtest_dates|min_months|price_by|"
                                    r"false_discovery_rate|lead_list)\b")),
    ("a parameter written as code", re.compile(r"\bfirst_\d+d:|\b[a-z][a-z_]{2,}=[\w'\"]")),
    ("model jargon", re.compile(r"\bbrier\b|\broc[ _]auc\b", re.IGNORECASE)),
    ("a note for developers", re.compile(r"\bfor the tests\b", re.IGNORECASE)),
    ("a Python repr", re.compile(r"\b\w+Source\(")),
    ("an amount without its currency", re.compile(r"MRR at stake:?\s+\d[\d,.]*(?![\d,.]*\s*[A-Z]{3}\b)")),
)


def unfriendly_words(text: str) -> list[str]:
    """Every match of :data:`READER_UNFRIENDLY` in ``text``, as ``what: 'match'``."""
    return [f"{what}: {match.group(0)!r}" for what, pattern in READER_UNFRIENDLY for match in pattern.finditer(text)]


@pytest.mark.parametrize(("text", "found"), [
    pytest.param("Verdict no_data", "a code of pqlkit's", id="code"),
    pytest.param("converted_pql by plan", "a code of pqlkit's", id="column"),
    pytest.param("Cohort cohort_freq W", "a summary or record key", id="parameter-name"),
    pytest.param("Pay score brier 0.0714", "model jargon", id="brier"),
    pytest.param("Pay score roc auc 0.777", "model jargon", id="roc-auc"),
    pytest.param("Segments: first_14d: 3 events", "a parameter written as code", id="window"),
    pytest.param("lift for channel=organic", "a parameter written as code", id="assignment"),
    pytest.param("Kept small for the tests.", "a note for developers", id="note"),
    pytest.param("Dataset DatabaseSource(url='postgresql://u@h/db', tables={}, queries={})", "a Python repr", id="repr"),
    pytest.param("MRR at stake 9,534 and more", "an amount without its currency", id="amount"),
    pytest.param("the raw_pqls of June", "a summary or record key", id="key"),
    pytest.param("PQLs at least horizon_days old", "a parameter name", id="parameter"),
])
def test_unfriendly_words_are_found(text, found):
    """Each pattern catches the words issue 22 quotes (a repr's ``url=`` is also a parameter written as code)."""
    assert found in [hit.split(":")[0] for hit in unfriendly_words(text)]


@pytest.mark.parametrize("text", [
    "MRR at stake 9,534 EUR", "MRR at stake $9,534", "report_created at least 3× in the first 14 days",
    "Reach PQL by day 14 (Kaplan–Meier)", "p = 0.03", "Steps: connected_data, core_workflow",
])
def test_reader_words_pass(text):
    """Amounts with a currency, names from the data (events, steps) and statistics in words pass."""
    assert unfriendly_words(text) == []


#: notebook 04's and 05's records as the sample report wrote them (module docstring), summary keys left out.
RECORD_04 = {"notebook": "04_pricing_signals", "benchmark_high": 0.3, "benchmark_low": 0.15,
             "free_to_paid_rate": 0.07976794778825236, "mrr_at_stake": 2050.5610065585547, "verdict": "within"}
RECORD_05 = {"notebook": "05_gtm_playbook", "crm_rows": 211, "north_star": "activation", "north_star_kpi": "pql_rate",
             "pay_score_average_precision": 0.20793333707479067, "pay_score_brier": 0.07141107269559141,
             "pay_score_roc_auc": 0.7767819236756451, "pay_score_today_roc_auc": 0.6199349025897448,
             "pay_score_top_decile_extra_payers": 2, "pay_score_top_decile_payers_score": 7,
             "pay_score_top_decile_payers_today": 5}
SUMMARY = {"as_of": "2026-06-30T23:58:07+00:00", "level": "user", "entities": 3000, "raw_pqls": 832,
           "current_pqls": 211, "pql_rate": 832 / 3000, "paid_pqls": 173, "paid_before_pql": 17,
           "pql_to_paid_rate": 173 / 815, "time_to_pql_median_days": 3.13, "step_completion": {"connected_data": 1385}}


def _pages(currency: str = DEFAULT_CURRENCY) -> list[dict]:
    return [
        {"href": "04_pricing_signals.html", "notebook": "notebooks/04_pricing_signals.ipynb", "title": "04 · Pricing",
         "summary": "PQL-to-paid within 30 days is 22%.",
         "numbers": index_page.recorded_numbers(RECORD_04, currency=currency)},
        {"href": "05_gtm_playbook.html", "notebook": "notebooks/05_gtm_playbook.ipynb", "title": "05 · Playbook",
         "summary": "North star (activation): PQL rate = 27.7%.",
         "numbers": index_page.recorded_numbers(RECORD_05, currency=currency),
         "notes": [index_page.score_sentence(RECORD_05)]},
    ]


def _visible_text(page: str) -> str:
    """The page's text without its styles and tags (what the browser test reads as ``innerText``)."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style[^>]*>.*?</style>", "", page, flags=re.DOTALL))
    return re.sub(r"\s+", " ", html.unescape(text))


def test_the_sample_index_speaks_the_readers_language():
    """The records of the sample report on the front page: no key, code or model statistic; the verdict, the
    north-star goal and the score in words; every label from present.formatting.LABELS."""
    page = index_page.index_html(summary=SUMMARY, pages=_pages(), dataset="data/sample", spec="data/activation.yaml")
    text = _visible_text(page)
    assert unfriendly_words(text) == []
    assert "Verdict inside the benchmark band" in text
    assert "North star the activation goal" in text
    labels = [key for key, _ in index_page.recorded_numbers(RECORD_04) + index_page.recorded_numbers(RECORD_05)]
    assert set(labels) <= set(LABELS.values())
    assert ("Ordered by the pay score (each lead's odds to pay), the top tenth of past lead lists held 7 payers, "
            "against 5 in today's order.") in text


def test_every_amount_carries_the_reports_currency():
    """2,050.56 of MRR at stake reads 2,051 with the report's currency (USD by default), which the page names."""
    default = _visible_text(index_page.index_html(summary=SUMMARY, pages=_pages(), dataset="d", spec="s"))
    assert "MRR at stake 2,051 USD" in default and "amounts in USD" in default
    euro = _visible_text(index_page.index_html(summary=SUMMARY, pages=_pages("EUR"), dataset="d", spec="s",
                                               currency="EUR"))
    assert "MRR at stake 2,051 EUR" in euro and "amounts in EUR" in euro and "USD" not in euro


@pytest.mark.parametrize(("record", "sentence"), [
    pytest.param(RECORD_05, "the top tenth of past lead lists held 7 payers, against 5 in today's order.", id="sample"),
    pytest.param({"pay_score_top_decile_payers_score": 1, "pay_score_top_decile_payers_today": 0},
                 "held 1 payer, against 0 in today's order.", id="one-payer"),
    pytest.param(dict.fromkeys(RECORD_05, None), "", id="no-model"),
    pytest.param({"crm_rows": 2}, "", id="no-score"),
])
def test_score_sentence(record, sentence):
    """The sentence ends with the two recorded counts; a score without a model (validation() gives None) says
    nothing."""
    shown = index_page.score_sentence(record)
    assert shown.endswith(sentence) if sentence else shown == ""


def test_a_key_without_a_label_is_left_off_the_index():
    """A record key that present.formatting has no label for is not shown as the key in words."""
    assert index_page.recorded_numbers({"brand_new_measure": 3, "crm_rows": 4}) == [("Leads in the CRM export", "4")]


@pytest.mark.parametrize(("dataset", "title"), [
    pytest.param("data/sample", "data/sample", id="folder"),
    pytest.param(ExportSource("exports/mixpanel", stitch_identities=True), "exports/mixpanel", id="export"),
])
def test_dataset_title_of_a_folder_is_its_path(dataset, title):
    assert dataset_title(dataset) == title


def test_dataset_title_of_a_database_is_its_masked_url():
    """Never the DatabaseSource repr, never the password (io.database.mask_url writes ``***``)."""
    source = DatabaseSource("postgresql://analyst:s3cr3t@db:5432/product", schema="app")
    title = dataset_title(source, source)
    assert title == "postgresql://analyst:***@db:5432/product (schema app)"
    page = index_page.index_html(summary=SUMMARY, pages=[], dataset=title, spec="s")
    assert "s3cr3t" not in page and "DatabaseSource" not in page and "postgresql://analyst:***@db:5432/product" in page


@pytest.mark.parametrize(("given", "expected"), [
    pytest.param("EUR", "EUR", id="code"),
    pytest.param(" gbp ", "GBP", id="lower-case"),
    pytest.param("euro", pytest.raises(PqlkitError, match=r"`currency` must be a three-letter ISO 4217 code .*'euro'"),
                 id="word"),
    pytest.param("$", pytest.raises(PqlkitError, match=r"three-letter ISO 4217 code"), id="symbol"),
])
def test_check_currency(given, expected):
    if isinstance(expected, str):
        assert check_currency(given) == expected
    else:
        with expected:
            check_currency(given)


def test_cli_refuses_a_currency_that_is_not_a_code(tmp_path):
    """``pqlkit report --currency euro``: one error line, exit 2, before any notebook runs."""
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "pqlkit.cli", "report", str(TINY), "--spec", str(TINY_SPEC), "--out", str(out),
         "--no-progress", "--currency", "euro"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        ("pqlkit: error: The value for `currency` must be a three-letter ISO 4217 code such as USD, EUR or GBP, "
         "but 'euro' was passed.")]
    assert not out.exists()


def test_report_passes_the_currency_to_notebooks_with_and_without_the_parameter(tmp_path):
    """``run_report(currency="EUR")``: a notebook whose parameters cell defines ``currency`` gets EUR; one
    written before the parameter existed (no ``currency`` in its cell) runs all the same; the index names EUR."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name, names in (("01_with.ipynb", PARAMETERS), ("02_without.ipynb", [n for n in PARAMETERS if n != "currency"])):
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                               "language": "python"}})
        parameters = nbformat.v4.new_code_cell("\n".join(f"{n} = None" for n in names))
        parameters.metadata["tags"] = ["parameters"]
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"), parameters,
                    nbformat.v4.new_code_cell("from IPython.display import Markdown\nMarkdown(f'Amounts in {currency}.')")]
        nbformat.write(nb, folder / name)
    index = run_report(TINY, TINY_SPEC, out=tmp_path / "report", notebooks=folder, progress=False, currency="EUR",
                       jobs=1)
    for name in ("01_with", "02_without"):
        executed = nbformat.read(index.parent / "notebooks" / f"{name}.ipynb", as_version=4)
        assert executed.metadata["papermill"]["parameters"]["currency"] == "EUR"
        assert "Amounts in EUR." in (index.parent / f"{name}.html").read_text(encoding="utf-8")
    assert "amounts in EUR" in index.read_text(encoding="utf-8")
