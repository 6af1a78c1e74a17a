"""pqlkit.report.pages: notebook outputs sanitised with nh3, strings escaped on the index, writes kept inside the folder.

Where the expected strings come from: the HTML specification's escaping of ``<`` and ``&``
(``&lt;``, ``&amp;``), and ammonia's (nh3's) documented behaviour: a tag not on the allow list is
removed and its text kept, except ``script`` and ``style`` (``clean_content_tags``), removed with their
content; attributes not on the list and URLs of other schemes are removed.
"""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

import pqlkit as pk
from pqlkit.present import formatting
from pqlkit.report import index_page, pages, sanitize

from conftest import HOSTILE

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def notebook_with(*outputs, hidden: bool = True):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = list(outputs)
    cells = [cell]
    if hidden:
        note = nbformat.v4.new_markdown_cell("The next cell holds the parameters.")
        note.metadata["tags"] = ["remove-cell"]
        cells.insert(0, note)
    nb.cells = cells
    return nb


def test_page_outputs_are_sanitised():
    """HTML and Markdown outputs lose live markup; JavaScript and stderr are dropped; tables stay."""
    nb = notebook_with(
        nbformat.v4.new_output("display_data", data={"text/markdown": f"Top plan: **{HOSTILE}**",
                                                     "text/plain": "<IPython.core.display.Markdown object>"}),
        nbformat.v4.new_output("display_data", data={
            "text/html": f'<table class="dataframe"><tr><td>{HOSTILE}</td></tr></table><img src=x onerror="alert(1)">',
            "text/plain": "table"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: noise"),
        nbformat.v4.new_output("stream", name="stdout", text=HOSTILE),
    )
    page = pages.page_notebook(nb)
    assert len(page.cells) == 1
    outputs = page.cells[0].outputs
    assert len(outputs) == 3
    # Markdown is rendered here, its HTML shown as text
    assert outputs[0]["data"]["text/html"] == f"<p>Top plan: <strong>{ESCAPED}</strong></p>\n"
    assert "text/markdown" not in outputs[0]["data"]
    # a script element in HTML goes whole (nh3's clean_content_tags); the table stays
    table = outputs[1]["data"]["text/html"]
    assert table == '<table class="dataframe"><tbody><tr><td></td></tr></tbody></table><img src="x">'
    assert outputs[2]["text"] == HOSTILE  # stream text: nbconvert escapes it when rendering
    html_page = pages.render_page(nb, title=HOSTILE, nav="")
    assert HOSTILE not in html_page and "onerror" not in html_page and "UserWarning" not in html_page
    assert ESCAPED in html_page  # the Markdown's value and the stdout text, shown as text
    assert len(nb.cells) == 2 and nb.cells[1].outputs[0]["data"]["text/markdown"].endswith(f"{HOSTILE}**")


def test_a_page_carries_no_saved_widget_state():
    """The explorer's widgets save their state in the notebook's metadata (ipywidgets' documented
    ``application/vnd.jupyter.widget-state+json``), with a new model id each run and the data's strings
    unescaped inside a script element; a page has no widgets, so the state is dropped: no model id and no
    payload reach the page, and the executed notebook keeps it."""
    nb = notebook_with(nbformat.v4.new_output("display_data", data={"text/plain": "shown"}))
    state = {"state": {"0f3c": {"model_name": "DropdownModel", "state": {"options": [HOSTILE]}}},
             "version_major": 2, "version_minor": 0}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": state}
    page = pages.render_page(nb, title="t", nav="")
    assert "shown" in page
    assert "0f3c" not in page and "widget-state" not in page and "alert(1)" not in page
    assert nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"] == state


def test_a_pandas_table_keeps_a_hostile_value_as_text():
    """pandas escapes cell values in ``to_html``; the sanitiser keeps the table and that text."""
    frame = pd.DataFrame({"channel": [HOSTILE, "organic & paid"], "users": [3, -1]})
    clean = sanitize.sanitize_html(frame.to_html())
    assert ESCAPED in clean and "organic &amp; paid" in clean and "<td>-1</td>" in clean
    assert clean.startswith('<table border="1" class="dataframe">') and HOSTILE not in clean


@pytest.mark.parametrize(
    ("markup", "clean"),
    [
        pytest.param('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>', id="javascript-url"),
        pytest.param('<a href="data:text/html,<script>alert(1)</script>">x</a>', '<a rel="noopener noreferrer">x</a>',
                     id="data-url-link"),
        pytest.param('<img src="data:image/png;base64,iVBORw0KGgo=">', '<img src="data:image/png;base64,iVBORw0KGgo=">',
                     id="embedded-image"),
        pytest.param('<img src="data:text/html;base64,PHNjcmlwdD4=">', "<img>", id="data-url-not-an-image"),
        pytest.param('<a href="https://example.org/">x</a>', '<a href="https://example.org/" rel="noopener noreferrer">x</a>',
                     id="https-link"),
        pytest.param('<style>body{display:none}</style><b>b</b>', "<b>b</b>", id="style-element"),
        pytest.param('<span style="text-align: right; position: fixed">1</span>', '<span style="text-align:right">1</span>',
                     id="style-properties"),
        pytest.param('<svg onload="alert(1)">t</svg>', "t", id="svg-handler"),
        pytest.param("<b>a</b><!-- hidden -->", "<b>a</b>", id="comment"),
        pytest.param('<iframe src="https://example.org"></iframe>ok', "ok", id="iframe"),
    ],
)
def test_sanitize_html(markup, clean):
    assert sanitize.sanitize_html(markup) == clean


def test_markdown_links_and_raw_html_cannot_run():
    """mistune (nbconvert's Markdown renderer) passes raw HTML and any link scheme; pages does not."""
    clean = sanitize.markdown_to_html('[docs](javascript:alert(1)) <b onclick="x()">bold</b> R&D\n\n| a |\n|---|\n| <i> |')
    assert clean.startswith('<p><a rel="noopener noreferrer">docs</a> &lt;b onclick="x()"&gt;bold&lt;/b&gt; R&amp;D</p>')
    assert "javascript" not in clean and "<b" not in clean
    assert "<td>&lt;i&gt;</td>" in clean  # a Markdown table stays a table


def test_index_escapes_every_data_derived_string():
    """Eight strings reach the index from the data or the spec: as_of, a step name, the dataset, the spec, a
    page title (twice: nav and card), its summary, a recorded number's key and value, an exported file."""
    summary = {
        "as_of": HOSTILE, "level": "user", "entities": 3, "raw_pqls": 1, "current_pqls": 1, "pql_rate": 1 / 3,
        "activation_rate_mean": 0.5, "time_to_pql_median_days": None, "time_to_pql_km_median_days": None,
        "stalled_in_trial": 0, "paid_pqls": 0, "paid_before_pql": 0, "paid_without_pql": 0,
        "pql_to_paid_rate": None, "step_completion": {HOSTILE: 1},
    }
    page = {"href": "01_x.html", "notebook": "notebooks/01_x.ipynb", "title": HOSTILE, "summary": HOSTILE,
            "numbers": [(HOSTILE, HOSTILE)]}
    index = index_page.index_html(summary=summary, pages=[page], dataset=HOSTILE, spec=HOSTILE, files=[HOSTILE])
    assert "<script" not in index
    assert index.count(ESCAPED) == 10


def test_index_numbers_by_hand():
    """1 PQL of 3 entities: 33.3 %, and its Wilson 95 % interval 6.1 %–79.2 % (Wilson 1927:
    (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n) with p = 1/3, n = 3, z = 1.96). The north star
    (the PQL rate by default) comes first; the step name reads in words; an instant at midnight is a date;
    nothing reads "n/a"."""
    summary = {
        "as_of": "2026-03-08", "level": "user", "entities": 3, "raw_pqls": 1, "current_pqls": 1, "pql_rate": 1 / 3,
        "activation_rate_mean": 0.5, "time_to_pql_median_days": 1.25, "time_to_pql_km_median_days": None,
        "stalled_in_trial": 0, "paid_pqls": 0, "paid_before_pql": 0, "paid_without_pql": 0,
        "pql_to_paid_rate": None, "step_completion": {"created_project": 2},
    }
    index = index_page.index_html(summary=summary, pages=[], dataset="d", spec="s")
    assert '<div class="card star"><h3>North star · PQL rate</h3><p class="big">33.3%</p>' \
           '<span class="ci">95% CI 6.1%–79.2%</span>' in index
    assert index.index("North star") < index.index("Headline numbers")
    assert '<h3>Median time to PQL (among PQLs)</h3><p class="big">1.2 days</p>' in index
    assert '<tr><td>Created project</td><td class="n">2</td><td class="n">66.7%</td></tr>' in index
    assert "As of 8 March 2026 · user level" in index
    assert "n/a" not in index and "created_project" not in index


def test_index_trends_and_change_against_four_weeks_earlier():
    """Five weekly rows: raw PQLs 10, 12, 15, 15, 19; the change is against the row four weeks before
    the last (10): +9, and the PQL rate's 0.20 -> 0.25 is +5.0 pts. The north star recorded by the
    playbook (raw PQLs) comes first; the sparkline is an inline SVG of 5 points, the last marked."""
    weeks = pd.to_datetime(["2026-02-08", "2026-02-15", "2026-02-22", "2026-03-01", "2026-03-08"], utc=True)
    trends = pd.DataFrame({"week_end": weeks + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1),
                           "raw_pqls": [10, 12, 15, 15, 19], "pql_rate": [0.20, 0.21, 0.22, 0.24, 0.25]})
    summary = {"as_of": "2026-03-08T12:30:00+00:00", "level": "account", "entities": 76, "raw_pqls": 19,
               "pql_rate": 0.25, "current_pqls": 4, "paid_pqls": 0, "paid_before_pql": 0}
    index = index_page.index_html(summary=summary, pages=[], dataset="d", spec="s", trends=trends, north_star="raw_pqls")
    assert index.index("North star · Raw PQLs") < index.index("<h3>PQL rate</h3>")
    assert "+9 since 8 February 2026" in index and "+5.0 pts since 8 February 2026" in index
    assert "As of 8 March 2026, 12:30 UTC" in index
    line = index_page.sparkline([10, 12, 15, 15, 19], label_text="Raw PQLs")
    assert line.startswith('<svg class="spark"') and line.count(",") == 5 and "<circle" in line
    assert index_page.sparkline([3], label_text="x") == ""


@pytest.mark.parametrize(("key", "now", "then", "shown"), [
    pytest.param("raw_pqls", 832, 717, "+115", id="count"),
    pytest.param("pql_rate", 0.2773, 0.2777, "±0.0 pts", id="rate-unchanged-at-one-decimal"),
    pytest.param("pql_to_paid_rate", 0.2123, 0.2068, "+0.5 pts", id="rate"),
    pytest.param("time_to_pql_median_days", 3.0, 3.25, "−0.2 days", id="days"),
    pytest.param("raw_pqls", None, 3, "", id="missing"),
])
def test_change_wording(key, now, then, shown):
    assert formatting.signed_change(key, now, then) == shown


def test_short_path_and_labels(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    assert index_page.short_path(str(tmp_path / "data")) == "data"
    assert index_page.short_path("/elsewhere/deep/folder/sample") == "folder/sample"
    assert index_page.short_path("postgresql://u@h/db") == "postgresql://u@h/db"
    assert formatting.label("time_to_pql_km_p10_days") == "Days until 10% reach PQL"
    assert formatting.label("best_lead_source") == "Best lead source"


def test_paths_outside_out_are_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "link").symlink_to(tmp_path)
    assert pages.inside(out.resolve(), "notebooks", "a.ipynb") == out.resolve() / "notebooks" / "a.ipynb"
    for parts in (("..", "x.html"), ("link", "x.html"), ("/etc/passwd",)):
        with pytest.raises(pk.PqlkitError, match="outside the report folder"):
            pages.inside(out.resolve(), *parts)


def test_a_page_loads_nothing_from_the_network():
    """nbconvert's lab template puts require.js and MathJax from cdnjs.cloudflare.com (and mermaid from
    jsdelivr) in every page's head; offline those fail. A page keeps nbconvert's layout and styles
    (``jp-Notebook``) but holds no script and no remote URL outside its embedded images."""
    nb = notebook_with(nbformat.v4.new_output("stream", name="stdout", text="42"), hidden=False)
    page = pages.render_page(nb, title="t", nav="")
    assert "jp-Notebook" in page and "42" in page
    assert "<script" not in page
    assert "cdnjs" not in page and "jsdelivr" not in page and "mathjax" not in page.lower()


def test_recorded_numbers_read_in_words_but_keep_names_from_the_data():
    """Keys become labels; pqlkit's own codes (a verdict, the north-star key, the cohort period) read in
    words; an event name from the data stays exactly as tracked; a missing amount reads "not measured"
    (present.formatting.money), never "n/a"; a key without a reader's label, and the score's validation
    numbers, are left out."""
    record = {"notebook": "04", "verdict": "no_data", "north_star_kpi": "pql_rate", "cohort_freq": "W",
              "best_candidate_event": "report_created", "mrr_at_stake": None, "crm_rows": 2, "step_completion": {},
              "pay_score_brier": 0.0714, "horizon_days": 30}
    assert index_page.recorded_numbers(record) == [
        ("Verdict", "nothing to compare yet"), ("North-star KPI", "PQL rate"), ("Cohort period", "week"),
        ("Best candidate event", "report_created"), ("MRR at stake", "not measured"),
        ("Leads in the CRM export", "2"),
    ]


def _markdown_output(text):
    return nbformat.v4.new_output("display_data", data={"text/markdown": text, "text/plain": "<Markdown>"})


def _cells(*texts):
    cells = []
    for text in texts:
        cell = nbformat.v4.new_code_cell("x")
        cell.outputs = [_markdown_output(text)]
        cells.append(cell)
    return cells


SCOPE = ("As of 2026-06-30 23:58 UTC, at user level: 3,000 users in scope. A PQL has done 3 of the 4 steps of "
         "activation.yaml (connected_data, core_workflow, invited_teammate, shared_dashboard).")


def test_first_finding_skips_the_scope_sentence_for_the_pages_own_headline():
    """Every page opens with the same plain scope sentence (narrative.scope_sentence, copied from the sample
    report's notebook 03); the index shows the first bold finding instead (markup removed). A page with no bold
    finding gives its first Markdown output after the scope sentence (issue 22: notebook 03's card showed the
    scope sentence); a page with nothing else gives ""."""
    nb = nbformat.v4.new_notebook()
    nb.cells = _cells(SCOPE, "**27.7% of signups became PQLs** ([why](#x)), 832 of 3,000.")
    assert pages.first_finding(nb) == "27.7% of signups became PQLs (why), 832 of 3,000."
    nb.cells = _cells(SCOPE, "Within 90 days of signup, the oldest cohort reached 33%.", "Mature cohorts: 24.")
    assert pages.first_finding(nb) == "Within 90 days of signup, the oldest cohort reached 33%."
    nb.cells = _cells(SCOPE)
    assert pages.first_finding(nb) == ""
    nb.cells = []
    assert pages.first_finding(nb) == ""


def test_the_opening_every_page_shares_is_no_finding():
    """Whatever its wording, the paragraph every notebook opens with is skipped (write_pages passes it); one
    notebook alone, or notebooks that open differently, share nothing."""
    first, second = nbformat.v4.new_notebook(), nbformat.v4.new_notebook()
    first.cells = _cells("Scope: 3,000 users, spec activation.yaml.", "Cohorts reach PQL at 21% to 36%.")
    second.cells = _cells("Scope: 3,000 users, spec activation.yaml.", "**211 PQLs are current.**")
    shared = pages.shared_opening([first, second])
    assert shared == {"Scope: 3,000 users, spec activation.yaml."}
    assert pages.first_finding(first, skip=shared) == "Cohorts reach PQL at 21% to 36%."
    assert pages.first_finding(second, skip=shared) == "211 PQLs are current."
    assert pages.shared_opening([first]) == set()
    second.cells = _cells("Another opening.")
    assert pages.shared_opening([first, second]) == set()


def test_a_page_has_print_styles_that_keep_every_column_and_links_that_look_like_links():
    """The page's own styles come after nbconvert's (so they win at equal specificity): landscape sheets, no
    scrolling box in print, tables that wrap their cells; nav links underlined and coloured, visited too. That
    they work in print is the browser test's (test_pdf_keeps_every_column)."""
    page = pages.render_page(notebook_with(hidden=False), title="t", nav=index_page.nav_bar([("01_x.html", "x")], None))
    head = page[:page.index("</head>")]
    assert head.count("<style") > 1 and head.rstrip().endswith(f"<style>{pages.PAGE_CSS}</style>")  # the last
    assert "@page{size:A4 landscape" in pages.PAGE_CSS and "@media print" in pages.PAGE_CSS
    assert "overflow:visible!important" in pages.PAGE_CSS and "white-space:normal!important" in pages.PAGE_CSS
    assert ".pqlkit-nav a:link" in index_page.LINK_CSS and ".pqlkit-nav a:visited" in index_page.LINK_CSS
    assert "text-decoration:underline" in index_page.LINK_CSS
