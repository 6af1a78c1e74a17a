"""The report: ``pqlkit report`` end to end, its failure modes, its HTML safety, and the regeneration.

The end-to-end runs are shared with ``test_notebooks.py`` (one ``pqlkit report`` subprocess per
parameter set, see ``conftest.py``). The other tests use a stand-in notebook of a few cells, so a
kernel start (2–4 s) is all they cost.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import pqlkit as pk
from pqlkit.report import run as report
from pqlkit.cli import main
from pqlkit.report.previous import changes_since, comparison_record, headline_trends, read_previous
from pqlkit.report.regenerate import main as regenerate_main
from pqlkit.report.regenerate import regenerate
from pqlkit.report.run import NotebookFailed, find_notebooks, run_report

from conftest import HOSTILE, ROOT, TINY, TINY_SPEC

ALL_CASES = ["sample", "tiny", "account", "other_spec", "past_as_of", "hostile", "export"]
# The only <script> tags a page may hold: nbconvert's lab template (require.js, MathJax, mermaid).
TEMPLATE_SCRIPT = re.compile(
    r'<script( src="https://cdnjs\.cloudflare\.com/[^"]+"| type="text/x-mathjax-config"| type="module")?>'
)


def pages(run) -> dict[str, str]:
    """Every HTML page of a report, by file name."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(run.out.glob("*.html"))}


def stand_in(folder: Path, name: str = "01_stand_in.ipynb", *, extra: list[str] = (), dataset=TINY,
             spec=TINY_SPEC) -> Path:
    """A small notebook with the six parameters that records the raw PQL count like the real ones."""
    folder.mkdir(parents=True, exist_ok=True)
    parameters = nbformat.v4.new_code_cell(
        f"data_dir = {str(dataset)!r}\nspec_path = {str(spec)!r}\nas_of = None\nlevel = None\n"
        "events_format = None\noutput_dir = 'out'"
    )
    parameters.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A stand-in\n\nIt counts PQLs."),
        parameters,
        *[nbformat.v4.new_code_cell(source) for source in extra],
        nbformat.v4.new_code_cell(
            "import json, pathlib\nimport pqlkit as pk\n"
            "entities, _ = pk.entity_table(data_dir, spec_path, as_of=as_of, level=level)\n"
            "pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
            f"(pathlib.Path(output_dir) / {Path(name).stem + '.json'!r}).write_text("
            "json.dumps({'raw_pqls': int(entities['is_pql'].sum())}))\nprint(int(entities['is_pql'].sum()))"
        ),
    ]
    path = folder / name
    nbformat.write(nb, path)
    return path


# --- end to end --------------------------------------------------------------------------------


@pytest.mark.parametrize("report_run", ALL_CASES, indirect=True)
def test_report_writes_every_page_without_errors(report_run):
    """Exit 0; index.html, one page and one executed notebook per notebook; no code, no error, no
    traceback and no external image in any page; the index links every page."""
    run = report_run
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "error" not in run.stderr.lower(), run.stderr
    assert run.stdout.strip().splitlines()[-1] == str(run.out / "index.html")
    expected = {"index.html", "notebooks", "data"} | {f"{nb.stem}.html" for nb in run.notebooks}
    assert {path.name for path in run.out.iterdir()} == expected
    assert {p.name for p in (run.out / "notebooks").iterdir()} == {nb.name for nb in run.notebooks}
    html_pages = pages(run)
    index = html_pages.pop("index.html")
    for export in (run.out / "data").glob("*.csv"):
        assert f'href="data/{export.name}"' in index
    for notebook in run.notebooks:
        assert f'href="{notebook.stem}.html"' in index
        page = html_pages[f"{notebook.stem}.html"]
        assert "Traceback (most recent call last)" not in page, notebook.name
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page, f"error or stderr in {notebook.name}"
        assert 'class="highlight hl-ipython3"' not in page, f"code shown in {notebook.name}"
        code_cells = re.findall(r'<div class="jp-Cell jp-CodeCell[^"]*"', page)
        assert code_cells and all("jp-mod-noInput" in cell for cell in code_cells), notebook.name
        for source in re.findall(r'<img[^>]*\ssrc="([^"]*)"', page):
            assert source.startswith("data:image/"), f"{notebook.name} links an image file: {source[:80]}"
        executed = nbformat.read(run.out / "notebooks" / notebook.name, as_version=4)
        assert not [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_index_shows_the_hand_worked_numbers_of_tiny(tiny_report):
    """tests/data/tiny by hand (2 of 3 steps make a PQL; as_of defaults to the last event, u5's login at
    2026-03-08T20:00Z): created_project by u1, u2, u3, u5 (4 of 5 = 80.0%); invited_teammate by u1, u3
    (2, 40.0%); shared_report by u3 (1, 20.0%). PQLs u1 and u3: 2 of 5 entities, a PQL rate of 40.0%."""
    run = tiny_report
    assert run.returncode == 0, run.stderr
    index = (run.out / "index.html").read_text(encoding="utf-8")
    assert '<h3>Raw PQLs</h3><p class="big">2</p>' in index
    assert '<h3>North star · PQL rate</h3><p class="big">40.0%</p>' in index  # the playbook's default north star
    assert "5 entities in scope" in index
    assert "As of 8 March 2026, 20:00 UTC" in index
    for step, done, share in (("Created project", 4, "80.0%"), ("Invited teammate", 2, "40.0%"),
                              ("Shared report", 1, "20.0%")):
        assert f'<tr><td>{step}</td><td class="n">{done}</td><td class="n">{share}</td></tr>' in index


def test_index_counts_the_sample_users_the_generator_kept(sample_report):
    """The sample's entities in scope are the users the generator wrote minus the dirty user rows it
    injected (``expected_data_quality``: 3,009 rows read, the repeated and broken ones dropped)."""
    from pqlkit.synthetic import expected_data_quality, generate_sample

    run = sample_report
    assert run.returncode == 0, run.stderr
    kept = expected_data_quality(generate_sample(n_users=3000, seed=7))["users"]["used"]
    index = (run.out / "index.html").read_text(encoding="utf-8")
    assert f"{kept:,} entities in scope" in index


def test_hostile_strings_are_escaped_in_every_page(hostile_report):
    """An event name, a segment value, a plan and a step name ``<script>alert(1)</script>``: shown as text,
    never as markup, in every page (issue 6, Safety)."""
    run = hostile_report
    assert run.returncode == 0, run.stderr
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    shown = 0
    for name, page in pages(run).items():
        assert HOSTILE not in page, name
        # every occurrence of the payload is the escaped text
        assert page.count("alert(1)") == page.count(escaped), name
        shown += page.count(escaped)
        assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", page.replace("&lt;", "")), f"event handler in {name}"
        for tag in re.findall(r"<script[^>]*>", page):
            assert TEMPLATE_SCRIPT.fullmatch(tag), f"{name}: {tag}"
    index = (run.out / "index.html").read_text(encoding="utf-8")
    assert escaped in index and "<script" not in index
    assert shown > 1


def test_report_writes_only_inside_out(hostile_report):
    """Besides its --out folder, the run left the dataset and the spec as they were."""
    run = hostile_report
    assert run.returncode == 0, run.stderr
    case_folder = run.out.parent
    assert {p.name for p in case_folder.iterdir()} == {"dataset", "hostile_spec.yaml", "report"}
    assert {p.name for p in (case_folder / "dataset").iterdir()} == {"users.csv", "events.csv", "conversions.csv"}


# --- failures ----------------------------------------------------------------------------------


def test_failing_notebook_exits_1_naming_notebook_and_cell(tmp_path, monkeypatch, capsys):
    """A deliberately broken copy of the first notebook: exit 1, one line on stderr with the notebook, the
    cell (its position in the source notebook and its In [N]) and the error; the executed notebook stays."""
    source = find_notebooks()[0]
    nb = nbformat.read(source, as_version=4)
    position = next(i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", []))
    nb.cells.insert(position + 1, nbformat.v4.new_code_cell('raise ValueError("deliberately broken")'))
    broken = tmp_path / "notebooks"
    broken.mkdir()
    nbformat.write(nb, broken / source.name)
    code_cells_before = sum(c.cell_type == "code" for c in nb.cells[: position + 1])
    monkeypatch.setattr(report, "notebooks_dir", lambda: broken)
    out = tmp_path / "report"

    status = main(["report", str(TINY), "--spec", str(TINY_SPEC), "--out", str(out), "--no-progress"])

    captured = capsys.readouterr()
    executed = out / "notebooks" / source.name
    assert status == 1
    assert captured.err.splitlines() == [
        f"pqlkit: error: notebook {source.name} failed in cell {position + 2} (In [{code_cells_before + 2}]): "
        f"ValueError: deliberately broken; the executed notebook is kept at {executed}"
    ]
    kept = nbformat.read(executed, as_version=4)
    assert any(o.get("output_type") == "error" for c in kept.cells for o in c.get("outputs", []))
    assert not list(out.glob("*.html"))


def test_failing_cell_after_others_is_named(tmp_path):
    """The API raises NotebookFailed with the cell's position, In [N] and the error's last line."""
    path = stand_in(tmp_path / "nb", extra=["x = 1", "print('fine')", "{}['missing']"])
    with pytest.raises(NotebookFailed) as failure:
        run_report(TINY, TINY_SPEC, out=tmp_path / "out", notebooks=[path], progress=False)
    assert (failure.value.notebook, failure.value.cell, failure.value.execution_count) == (path.name, 5, 5)
    assert failure.value.error == "KeyError: 'missing'"
    assert failure.value.executed == (tmp_path / "out" / "notebooks" / path.name).resolve()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["missing_dataset", "--spec", str(TINY_SPEC)], "dataset folder not found", id="missing-dataset"),
        pytest.param([str(TINY), "--spec", "missing.yaml"], "missing.yaml", id="missing-spec"),
        pytest.param([str(TINY), "--spec", "BAD"], "threshold", id="bad-spec"),
        pytest.param([str(TINY), "--spec", str(TINY_SPEC), "--as-of", "someday"], "as_of", id="bad-as-of"),
    ],
)
def test_input_errors_exit_2_before_any_notebook(arguments, message, tmp_path, monkeypatch, capsys):
    """Input mistakes: one line on stderr, exit 2, and no notebook started (nothing written)."""
    bad_spec = tmp_path / "bad.yaml"
    bad_spec.write_text("threshold: 2\nsteps:\n  - name: a\n    event: b\n", encoding="utf-8")
    arguments = [str(bad_spec) if a == "BAD" else a for a in arguments]
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report"
    status = main(["report", *arguments, "--out", str(out), "--no-progress"])
    lines = capsys.readouterr().err.splitlines()
    assert status == 2
    assert len(lines) == 1 and lines[0].startswith("pqlkit: error:") and message in lines[0], lines
    assert not out.exists()


def test_report_refuses_to_overwrite_the_notebooks_it_runs(tmp_path):
    """--out whose notebooks/ is the folder being run (the repository root, say) is refused."""
    path = stand_in(tmp_path / "notebooks")
    with pytest.raises(pk.PqlkitError, match="overwrite the notebooks"):
        run_report(TINY, TINY_SPEC, out=tmp_path, notebooks=[path], progress=False)


# --- regeneration and the committed notebooks ---------------------------------------------------


def test_regenerate_keeps_outputs_and_counts_and_drops_noise(tmp_path, monkeypatch):
    """Outputs and execution counts stay; papermill metadata and per-cell timestamps go; the rest of the
    metadata (tags) is the source's."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # regenerate's scratch folder
    path = stand_in(tmp_path / "nb", extra=["from IPython.display import Markdown\nMarkdown('**hello**')"])
    original = nbformat.read(path, as_version=4)

    assert regenerate([path], progress=False) == [path.resolve()]

    nb = nbformat.read(path, as_version=4)
    assert "papermill" not in nb.metadata
    assert [c.metadata for c in nb.cells] == [c.metadata for c in original.cells]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert code[1].outputs[0]["data"]["text/markdown"] == "**hello**"
    assert code[2].outputs[0]["text"].strip().isdigit()
    nbformat.validate(nb)


def test_regenerate_leaves_a_failing_notebook_untouched(tmp_path, monkeypatch):
    """The notebook stays as it was; the executed copy with the error is kept in a scratch folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path = stand_in(tmp_path / "nb", extra=["1 / 0"])
    before = path.read_bytes()
    with pytest.raises(NotebookFailed, match="ZeroDivisionError") as failure:
        regenerate([path], progress=False)
    assert path.read_bytes() == before
    assert failure.value.executed.is_relative_to(tmp_path) and failure.value.executed.name == path.name


@pytest.mark.parametrize("notebook", find_notebooks() if any((ROOT / "notebooks").glob("*.ipynb")) else [],
                         ids=lambda p: p.stem)
def test_committed_notebook_is_executed_and_clean(notebook):
    """What nbval compares against: every code cell executed in order, no error, no papermill noise,
    and a first code cell tagged ``parameters`` that defines the report's parameters: every required
    one, and an optional one (``currency``, ``interactive``) wherever a later cell uses it, so the
    notebook also runs when opened by hand."""
    nb = nbformat.read(notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    for name in report.PARAMETERS:
        used = any(re.search(rf"\b{name}\b", cell.source) for cell in code[1:])
        if name not in report.OPTIONAL_PARAMETERS or used:
            assert re.search(rf"^{name}\s*=", code[0].source, re.MULTILINE), name
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert "papermill" not in nb.metadata
    for cell in code:
        assert "papermill" not in cell.metadata and "execution" not in cell.metadata
        assert all(o.get("output_type") != "error" for o in cell.outputs)


def test_notebooks_folder_and_kernel():
    assert report.notebooks_dir() == ROOT / "notebooks"
    from jupyter_client.kernelspec import KernelSpecManager

    assert report.kernel_name() in KernelSpecManager().find_kernel_specs()


def test_regenerate_command_line_needs_the_flag(capsys):
    with pytest.raises(SystemExit) as exit_:
        regenerate_main([])
    assert exit_.value.code == 2
    assert "--regenerate" in capsys.readouterr().err


def test_records_name_their_notebook_and_hold_the_tiny_counts(tiny_report):
    """Each notebook's record (read by the index) names its notebook, and where it holds the raw PQL count
    or the entity count, they are tiny's by hand: 2 PQLs (u1, u3) of 5 users."""
    assert tiny_report.returncode == 0, tiny_report.stderr
    for notebook in tiny_report.notebooks:
        record = json.loads((tiny_report.out / "data" / f"{notebook.stem}.json").read_text(encoding="utf-8"))
        assert record["notebook"] == notebook.stem
        assert record.get("raw_pqls", 2) == 2 and record.get("entities", 5) == 5, notebook.stem


# --- the checked dataset handed to the notebooks (issue 13: a report that reduces once) ----------


def test_notebook_setup_takes_the_reports_table_only_for_its_own_inputs(tmp_path, monkeypatch):
    """The stored table (pqlkit.report.checked) gives notebook_setup the same per-entity table, context, ledger
    and summary as loading the raw sample; the notebook's kernel then holds only the three clean tables
    and the tagging pass's event facts, read from Parquet (no staging or tagged table: nothing was loaded). With another ``as_of`` (the
    key differs) or no variable, it loads the raw data."""
    from pqlkit.report.checked import CHECKED_ENV

    sample, spec = str(ROOT / "data" / "sample"), str(ROOT / "data" / "activation.yaml")
    inputs = report._check_inputs(sample, spec, as_of=None, level=None)
    folder = report._hand_over(inputs, tmp_path)
    assert folder.parent == tmp_path / "checked"
    raw = pk.notebook_setup(sample, spec, output_dir=tmp_path, as_of=inputs.as_of)
    monkeypatch.setenv(CHECKED_ENV, str(folder))
    stored = pk.notebook_setup(sample, spec, output_dir=tmp_path, as_of=inputs.as_of)
    tables = stored[1].dataset.con.sql(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    assert sorted(name for (name,) in tables) == ["conversions", "event_facts", "events", "users"]
    assert stored[1].dataset.event_names() == raw[1].dataset.event_names()
    pd.testing.assert_frame_equal(raw[0], stored[0])
    assert raw[1] == stored[1] and raw[2] == stored[2]
    pd.testing.assert_frame_equal(raw[1].ledger, stored[1].ledger)
    assert pk.summary(raw[0], context=raw[1]) == pk.summary(stored[0], context=stored[1])
    other = pk.notebook_setup(sample, spec, output_dir=tmp_path, as_of="2026-04-30")
    assert other[1].as_of != stored[1].as_of and "tagged_users" in {
        name for (name,) in other[1].dataset.con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_report_records_the_same_numbers_with_and_without_the_stored_table(tmp_path, monkeypatch):
    """Every notebook's recorded JSON is identical whether the notebooks read the table the report
    stored or load tests/data/tiny themselves; the stored folder (the size of the events) is gone
    from the report afterwards, and the index lists no Parquet file."""
    with_store = run_report(TINY, TINY_SPEC, out=tmp_path / "with", progress=False)
    assert not (tmp_path / "with" / "data" / "checked").exists()
    assert ".parquet" not in with_store.read_text(encoding="utf-8")
    monkeypatch.setattr(report, "_hand_over", lambda *args, **kwargs: None)
    run_report(TINY, TINY_SPEC, out=tmp_path / "without", progress=False)
    records = sorted((tmp_path / "with" / "data").glob("*.json"))
    assert [p.name for p in records] == [f"{nb.stem}.json" for nb in find_notebooks()] + ["comparison.json"]
    for path in records:
        assert json.loads(path.read_text()) == json.loads((tmp_path / "without" / "data" / path.name).read_text())


def test_notebooks_run_two_at_once_give_the_same_pages(tmp_path):
    """Run two at a time (the default on two cores) and one after the other, every page, record and
    export is byte for byte the same; this process's working folder is left as it was (papermill's
    own ``cwd=``, which changes it, is not used)."""
    import os

    before = os.getcwd()
    run_report(TINY, TINY_SPEC, out=tmp_path / "two", progress=False, jobs=2)
    assert os.getcwd() == before
    run_report(TINY, TINY_SPEC, out=tmp_path / "one", progress=False, jobs=1)
    written = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*")
                     if p.is_file() and p.suffix in (".html", ".json", ".csv"))
    assert len(written) >= 2 * len(find_notebooks()) + 1  # pages, records and the index
    for name in written:
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name


def test_two_at_once_name_the_first_failing_notebook_in_file_order(tmp_path):
    """With two notebooks failing, run two at a time, the failure reported is the first in file
    order, as when they run one after the other."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    paths = [stand_in(folder, "01_fails.ipynb", extra=["raise ValueError('first')"]),
             stand_in(folder, "02_fails.ipynb", extra=["raise ValueError('second')"])]
    with pytest.raises(NotebookFailed, match="01_fails.ipynb.*ValueError: first"):
        run_report(TINY, TINY_SPEC, out=tmp_path / "out", notebooks=paths, progress=False, jobs=2)


# --- the front page's trends and what changed since a previous report (issue 14) ----------------


def test_trends_end_at_the_summary_and_count_pqls_by_each_week_end():
    """The trend table's last row is the sample's summary (832 raw PQLs of 3,000 entities, 211 current,
    the rates and the median); each earlier row's raw PQLs equal an independent count of the entities
    with ``pql_at`` by that week's end, and its entities those signed up by then."""
    entities, context = pk.entity_table(ROOT / "data" / "sample", ROOT / "data" / "activation.yaml")
    summary = pk.summary(entities, context=context)
    trends = headline_trends(entities, context=context)
    assert len(trends) == 13 and trends["week_end"].is_monotonic_increasing
    last = trends.iloc[-1]
    assert last["week_end"] == context.as_of
    for key in ("entities", "raw_pqls", "current_pqls"):
        assert last[key] == summary[key], key
    for key in ("pql_rate", "time_to_pql_median_days", "pql_to_paid_rate"):
        assert last[key] == pytest.approx(summary[key], rel=1e-12), key
    for row in trends.itertuples():
        assert row.raw_pqls == int((entities["pql_at"] <= row.week_end).sum())
        assert row.entities == int((entities["signup_at"] <= row.week_end).sum())
        assert 0 <= row.pql_rate <= 1 and row.current_pqls <= row.raw_pqls


def test_changes_between_two_real_reports(past_as_of_report, sample_report):
    """The sample as of 2026-04-30 (previous) and as of its last event, 2026-06-30 (now), from the two
    reports' data/comparison.json (issue 21). Each record is what comparison_record gives on the
    per-entity table at its as_of. By hand from the records:

    - running totals: entities 1,879 -> 3,000, raw PQLs 521 -> 832: shown, no verdict (the later
      contains the earlier); the all-time PQL rate 27.7 % both times: no verdict;
    - new signups in the last 28 days 547 -> 523: given n = 1,070, "now" is Binomial(1,070, 1/2),
      z = (523 - 535) / 16.4 = -0.73: within noise;
    - PQL by day 14 of the signups who turned 14 days old in the window: 163/525 = 31.0 % -> 141/531
      = 26.6 %; pooled 304/1,056 = 0.288, z = 0.0449 / sqrt(0.288 · 0.712 · (1/525 + 1/531)) = 1.61,
      p = 0.107: within noise (and more so after Holm's adjustment).
    """
    assert past_as_of_report.returncode == 0 and sample_report.returncode == 0
    previous = read_previous(past_as_of_report.out)["comparison"]
    current = read_previous(sample_report.out)["comparison"]
    for as_of, record in (("2026-04-30", previous), (None, current)):
        entities, context = pk.entity_table(ROOT / "data" / "sample", ROOT / "data" / "activation.yaml", as_of=as_of)
        assert record == comparison_record(entities, context=context, totals=pk.summary(entities, context=context))
    changes = changes_since(previous, current).table.set_index("key")
    for key, before, after in (("entities", 1879, 3000), ("raw_pqls", 521, 832), ("new_signups", 547, 523)):
        assert (changes.loc[key, "before"], changes.loc[key, "after"]) == (before, after), key
    assert changes.loc[["entities", "raw_pqls", "paid_pqls", "pql_rate"], "beyond_noise"].isna().all()
    assert (changes.loc["pql_rate_by_day", "before_n"], changes.loc["pql_rate_by_day", "after_n"]) == (525, 531)
    assert changes.loc["pql_rate_by_day", "p_value"] == pytest.approx(0.107, abs=0.001)
    assert changes.loc[changes["judged"], "beyond_noise"].eq(False).all()


def test_report_with_previous_adds_the_section(past_as_of_report, tmp_path):
    """``--previous`` adds "What changed since the previous report": the previous report's date, the
    judged rows and the totals without a verdict (a stand-in notebook keeps the run short)."""
    assert past_as_of_report.returncode == 0
    notebook = stand_in(tmp_path / "nbs", dataset=ROOT / "data" / "sample", spec=ROOT / "data" / "activation.yaml")
    index = run_report(ROOT / "data" / "sample", ROOT / "data" / "activation.yaml", out=tmp_path / "out",
                       notebooks=[notebook], progress=False, previous=past_as_of_report.out).read_text(encoding="utf-8")
    assert "What changed since the previous report" in index
    assert "Compared with the report as of 30 April 2026" in index
    assert ('<tr><td>Raw PQLs (all so far)</td><td class="n">521</td><td class="n">832</td><td class="n">+311</td>'
            '<td>a running total</td></tr>') in index
    assert ('<tr><td>New signups, last 28 days</td><td class="n">547</td><td class="n">523</td><td class="n">−24</td>'
            '<td><span class="no">no</span>') in index
    assert (tmp_path / "out" / "data" / "comparison.json").is_file()
    without = run_report(ROOT / "data" / "sample", ROOT / "data" / "activation.yaml", out=tmp_path / "plain",
                         notebooks=[notebook], progress=False).read_text(encoding="utf-8")
    assert "What changed" not in without


def test_previous_that_is_not_a_report_is_one_line(tmp_path, capsys):
    """A folder without a report's records: exit 2 and one line naming the folder, before any notebook."""
    (tmp_path / "empty").mkdir()
    code = main(["report", str(TINY), "--spec", str(TINY_SPEC), "--out", str(tmp_path / "out"),
                 "--previous", str(tmp_path / "empty"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"pqlkit: error: --previous {tmp_path / 'empty'}: not a report folder")
    assert not (tmp_path / "out").exists()
