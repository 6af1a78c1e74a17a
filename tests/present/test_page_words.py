"""Issue 22: the committed notebooks speak the reader's language on every page.

What reaches a report page is each markdown cell and each code cell's output, except the cells the
report leaves out (the parameters, and the tags of :data:`pqlkit.report.pages.REMOVE_TAGS`). In that
text there is no code: no parameter name, no ``snake_case`` key or value, no model jargon, no note for
developers. The one exception is the data's own names, the event and step names of the sample
(data/activation.yaml and its events), written as the tracking plan writes them so that a reader can
find them in their tools (docs/metrics.md, "Words on the pages"); and a file's own name (``.csv``).
"""

from __future__ import annotations

import ast
import gzip
import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pqlkit.report.pages import REMOVE_TAGS

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b(?!\.csv)")
#: Words the issue found on the pages: model jargon and notes for developers.
FORBIDDEN = ("roc auc", "auc", "logistic", "gradient", "for the tests", "headline numbers", "pk.", "pqlkit export")


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _output_text(output) -> str:
    data = output.get("data", {})
    if "text/markdown" in data:
        return "".join(data["text/markdown"])
    if "text/html" in data:
        page = re.sub(r"<style.*?</style>", " ", "".join(data["text/html"]), flags=re.DOTALL)
        return html.unescape(re.sub(r"<[^>]+>", " ", page))
    return "".join(output.get("text", ""))


def page_texts(path: Path) -> list[tuple[int, str]]:
    """(cell index, text) of everything the notebook's report page shows."""
    texts = []
    for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        if "parameters" in _tags(cell) or REMOVE_TAGS & _tags(cell):
            continue
        if cell["cell_type"] == "markdown":
            texts.append((index, "".join(cell["source"])))
        for output in cell.get("outputs", []):
            texts.append((index, _output_text(output)))
    return texts


def parameter_names() -> set[str]:
    """Every name assigned in any notebook's parameters cell."""
    names = set()
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if "parameters" in _tags(cell):
                tree = ast.parse("".join(cell["source"]))
                names |= {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets}
    return names


def data_names() -> set[str]:
    """The sample's own names: the spec's step names and events, and every event name of the sample."""
    spec = yaml.safe_load((ROOT / "data" / "activation.yaml").read_text(encoding="utf-8"))
    names = {step["name"] for step in spec["steps"]} | {step["event"] for step in spec["steps"]}
    with gzip.open(ROOT / "data" / "sample" / "events.csv.gz", "rt", encoding="utf-8") as handle:
        events = pd.read_csv(handle, usecols=["event"])["event"]
    return names | {str(name) for name in events.dropna().unique()}


def test_the_committed_notebooks_are_found():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_no_code_on_the_pages(path):
    """No parameter name (``cohort_freq``, ``north_star``, ``compare_at_day`` ...), no other ``snake_case``
    (``converted_pql``, ``no_data``, ``logistic_regression``, ``paid_social``), no jargon or developer note,
    in any markdown or output a page shows."""
    allowed = data_names()
    parameters = parameter_names()
    assert {"cohort_freq", "north_star", "compare_at_day", "currency"} <= parameters  # the list is read, not empty
    problems = []
    for index, text in page_texts(path):
        lowered = text.lower()
        problems += [(index, name) for name in parameters if re.search(rf"\b{re.escape(name)}\b", text) and "_" in name]
        problems += [(index, word) for word in FORBIDDEN if re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", lowered)]
        problems += [(index, token) for token in SNAKE.findall(text) if token not in allowed]
    assert problems == []


def test_the_word_check_catches_what_the_issue_found(tmp_path):
    """The check itself can fail: a page with the issue's words is caught."""
    text = ("Set `cohort_freq`. converted_pql, no_data, logistic_regression; ROC AUC 0.78. "
            "Headline numbers, recorded for the tests.")
    found = SNAKE.findall(text)
    assert found == ["cohort_freq", "converted_pql", "no_data", "logistic_regression"]
    assert [w for w in FORBIDDEN if re.search(rf"(?<![\w.]){re.escape(w)}(?!\w)", text.lower())] == [
        "roc auc", "auc", "for the tests", "headline numbers"]
    assert SNAKE.findall("exported to current_pqls_for_crm.csv") == []


def _tables(path: Path, index: int) -> list[pd.DataFrame]:
    """The reader tables of one cell's outputs, as text."""
    cell = json.loads(path.read_text(encoding="utf-8"))["cells"][index]
    frames = []
    for output in cell.get("outputs", []):
        page = "".join(output.get("data", {}).get("text/html", ""))
        rows = [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd].*?</t[hd]>", r, flags=re.DOTALL)]
                for r in re.findall(r"<tr.*?</tr>", re.sub(r"<style.*?</style>", "", page, flags=re.DOTALL), flags=re.DOTALL)]
        if rows:
            frames.append(pd.DataFrame(rows[1:], columns=rows[0]))
    return frames


def test_young_cohorts_are_blank_in_the_cohort_tables():
    """docs/metrics.md: "a cohort too young for a figure gets a blank, not a low number". In notebook 03's
    cohort tables every row marked Mature "no" has a blank rate and interval (the sample's newest
    cohort, 28 signups on 2026-06-29, read 0.0 % before)."""
    path = ROOT / "notebooks" / "03_cohort_trends.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    tables = [t for i in range(len(cells)) for t in _tables(path, i) if "Mature" in t.columns]
    assert len(tables) == 2  # signup cohorts and PQL cohorts
    for table in tables:
        rate = next(c for c in table.columns if c.endswith("rate"))
        young = table[table["Mature"] == "no"]
        assert len(young) >= 1
        assert (young[rate] == "").all() and (young["95% CI"] == "").all()
        assert (table.loc[table["Mature"] == "yes", rate] != "").all()


def test_the_model_table_has_three_decimals_where_it_needs_them():
    """Issue 22: the model table read "0.8 / 0.2 / 0.1" for both models. The Brier score now has three
    decimals and the shares one decimal as percentages, so the models can be told apart."""
    path = ROOT / "notebooks" / "05_gtm_playbook.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    [models] = [t for i in range(len(cells)) for t in _tables(path, i) if "Model" in t.columns]
    brier = next(c for c in models.columns if c.startswith("Squared error"))
    assert all(re.fullmatch(r"0\.\d{3}", v) for v in models[brier] if v)
    assert all(re.fullmatch(r"\d+\.\d%", v) for v in models.iloc[:, 1])


@pytest.mark.parametrize("name", ["04_pricing_signals", "05_gtm_playbook"])
def test_every_amount_carries_its_currency(name):
    """Notebooks 04 and 05 take ``currency`` (USD by default) as a parameter; every sentence that gives an
    amount of MRR says its currency (the issue: "MRR at stake 9,534" had no currency)."""
    path = ROOT / "notebooks" / f"{name}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    [parameters] = [c for c in cells if "parameters" in _tags(c)]
    assert 'currency = "USD"' in "".join(parameters["source"])
    sentences = [s for cell in cells for output in cell.get("outputs", []) if "text/markdown" in output.get("data", {})
                 for s in re.split(r"(?<=[.;])\s", _output_text(output)) if "MRR" in s and re.search(r"MRR[^.;]*\d", s)]
    assert all("USD" in s for s in sentences), sentences
    assert name != "04_pricing_signals" or len(sentences) >= 2  # the plan sentences and the revenue at stake


def test_the_currency_parameter_is_in_every_notebook():
    """The report passes ``currency`` to every notebook (papermill parameter), so each declares it."""
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        [parameters] = [c for c in cells if "parameters" in _tags(c)]
        assert re.search(r'^currency = "USD"', "".join(parameters["source"]), flags=re.MULTILINE), path.name
