"""The report's HTML: notebook pages without code, and the index page that links them.

:func:`write_pages` turns executed notebooks into ``DIR/NN_name.html`` (one page per notebook) and
``DIR/index.html`` (:func:`pqlkit.report.index_page.index_html`): the north-star KPI first, then each
headline number with its weekly trend and its change against four weeks earlier, what changed since a
previous report (``--previous``), a card per page with its first finding and recorded numbers, the
activation steps and the exported files.
:mod:`pqlkit.report.run` runs the notebooks and then calls it; this module runs nothing.

Safety, in three layers:

- every string on the index that comes from the data or the spec is HTML-escaped
  (:mod:`pqlkit.report.index_page`);
- a notebook's HTML and Markdown outputs are sanitised (:mod:`pqlkit.report.sanitize`), other rich
  outputs (JavaScript, widgets) dropped;

and every file written is checked to lie inside the report folder (:func:`inside`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from pqlkit.base.errors import PqlkitError
from pqlkit.present.formatting import DEFAULT_CURRENCY
from pqlkit.report.index_page import LINK_CSS, index_html, nav_bar, recorded_numbers, score_sentence
from pqlkit.report.sanitize import page_output

__all__ = ["render_page", "write_pages"]

#: The tag papermill puts on the cell of injected parameters.
INJECTED_TAG = "injected-parameters"
#: Cells with one of these tags stay in the executed notebook but not on its HTML page.
REMOVE_TAGS = frozenset({"remove-cell", "remove_cell", "hide-in-report"})
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: The scope sentence every page opens with (:func:`pqlkit.present.narrative.scope_sentence`: "As of 2026-06-30
#: 23:58 UTC, at user level: 3,000 users in scope. ..."): never a page's finding.
SCOPE_SENTENCE = re.compile(r"^As of\b[^.]*\bin scope\b", re.IGNORECASE)

#: A notebook page's own styles, after nbconvert's: links that look like links (:data:`LINK_CSS`); tables no
#: wider than their output (nbconvert's ``table-layout: fixed`` with no width lets a wide table run past the
#: window: cells wrap at spaces instead); and print styles that keep every column of a wide table on paper.
#: nbconvert puts each output in a box that scrolls sideways (``overflow-x: auto``); on a sheet of paper the
#: columns past its edge were cut, a scrollbar printed in. In print the page turns to landscape, nothing
#: scrolls, and tables shrink their type and wrap their cells so that they fit the sheet's width.
PAGE_CSS = LINK_CSS + """
.jp-RenderedHTMLCommon table{table-layout:auto;max-width:100%}
.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th{overflow-wrap:break-word;padding:4px 6px}
.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th,.jp-RenderedHTMLCommon td *,.jp-RenderedHTMLCommon th *{white-space:normal!important}
@page{size:A4 landscape;margin:10mm}
@media print{
html,body,.jp-Notebook,.jp-Cell,.jp-Cell-outputWrapper,.jp-OutputArea,.jp-OutputArea-child,.jp-OutputArea-output,
.jp-RenderedHTMLCommon,.jp-RenderedHTML,.jp-RenderedMarkdown,.jp-RenderedImage{overflow:visible!important;max-width:100%!important}
.jp-Notebook{padding:0!important}
table{table-layout:auto!important;width:auto!important;max-width:100%!important;font-size:8pt!important}
td,th,td *,th *{white-space:normal!important;overflow-wrap:break-word!important;word-break:normal!important;min-width:0!important}
td,th{padding:2px 5px!important}
tr,img,svg{break-inside:avoid}
img,svg{max-width:100%!important;height:auto!important}
::-webkit-scrollbar{display:none}
}
"""


def inside(out: Path, *parts: str) -> Path:
    """``out / parts``, refused unless it resolves to a path inside ``out``.

    Returns
    -------
    pathlib.Path
        The resolved path.

    Raises
    ------
    PqlkitError
        When ``parts`` lead outside ``out`` (``..``, an absolute path, a symbolic link).
    """
    target = out.joinpath(*parts).resolve()
    if target != out and not target.is_relative_to(out):
        raise PqlkitError(f"refusing to write {target}: it is outside the report folder {out}")
    return target


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line: terminal colour codes removed, runs of white space made one space, at most
    ``limit`` characters (an ellipsis marks a cut).

    Returns
    -------
    str
        The line.
    """
    line = " ".join(_ANSI.sub("", text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- which cells and outputs a page shows -------------------------------------------------------


def page_notebook(nb):
    """A copy of an executed notebook ready for a page: outputs sanitised; stderr, parameter cells and cells
    tagged ``remove-cell`` (or ``remove_cell``, ``hide-in-report``) dropped.

    Text and images pass as they are (nbconvert escapes text; matplotlib escapes SVG text). HTML
    outputs go through :func:`sanitize_html`; Markdown outputs become HTML through
    :func:`markdown_to_html`. Other output types (JavaScript, widgets) are dropped, and so is the widgets'
    saved state (the notebook's ``widgets`` metadata, which nbconvert would embed with fresh model ids and
    the data's strings). stderr (warnings, progress bars) stays in the executed notebook but not on the page.

    Returns
    -------
    nbformat.NotebookNode
        The page's notebook (the argument is left as it was).
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if INJECTED_TAG in tags or "parameters" in tags or REMOVE_TAGS & set(tags):
            continue
        if cell.cell_type == "code":
            cell.outputs = [output for output in map(page_output, cell.get("outputs", [])) if output is not None]
        cells.append(cell)
    nb.cells = cells
    return nb


# --- pages -------------------------------------------------------------------------------------


def notebook_title(nb, fallback: str) -> str:
    """The notebook's first Markdown heading (plain text), or ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^\s*#{1,3}\s+(.+?)\s*#*\s*$", cell.source, re.MULTILINE)
            if match:
                return re.sub(r"[*_`]", "", match.group(1)).strip()
    return fallback


def markdown_paragraphs(nb) -> list[str]:
    """The paragraphs of the notebook's Markdown outputs, in order, without headings, tables, markup and images."""
    paragraphs = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code" or INJECTED_TAG in tags or REMOVE_TAGS & set(tags):
            continue
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown") if "data" in output else None
            if text:
                text = "".join(text) if isinstance(text, list) else text
                paragraph = next((p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()
                                  and not p.strip().startswith(("#", "|", "<", "!"))), "")
                if paragraph:
                    paragraphs.append(paragraph)
    return paragraphs


def first_finding(nb, *, skip: Collection[str] = ()) -> str:
    """The page's first finding: its first Markdown output with a bold headline, as one line of plain text.

    Every page opens with the same scope sentence (the as-of instant, the level, the spec): it is never the
    finding, nor is a paragraph in ``skip`` (:func:`write_pages` passes the opening every page shares). The
    first remaining output whose text has ``**`` is the page's own finding; a page without one gives its first
    remaining Markdown output.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    skip : collection of str
        Paragraphs that are not findings (as :func:`markdown_paragraphs` gives them).

    Returns
    -------
    str
        Bold, code and link markup removed, nothing cut; "" when the notebook shows no other Markdown output.
    """
    paragraphs = [p for p in markdown_paragraphs(nb)
                  if p not in skip and not SCOPE_SENTENCE.match(re.sub(r"[*`]", "", p))]
    chosen = next((p for p in paragraphs if "**" in p), paragraphs[0] if paragraphs else "")
    chosen = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", chosen)
    return one_line(re.sub(r"[*`]", "", chosen), limit=100_000) if chosen else ""


def shared_opening(notebooks: Sequence) -> set[str]:
    """The first Markdown paragraph every one of two notebooks or more opens with (the scope sentence), as a set
    of at most one paragraph; empty when they open differently or there is one notebook."""
    openings = {next(iter(markdown_paragraphs(nb)), "") for nb in notebooks}
    return openings if len(notebooks) > 1 and len(openings) == 1 and "" not in openings else set()


def summary_line(nb, *, limit: int | None = 320) -> str:
    """The first paragraph of the notebook's first Markdown cell that is not a heading (plain text), at most
    ``limit`` characters (None: all of it)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for paragraph in re.split(r"\n\s*\n", cell.source):
            text = paragraph.strip()
            if text and not text.startswith(("#", "|", "<", "!", "-", "*", ">", "```")):
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
                return one_line(re.sub(r"[*`]", "", text), limit=limit or 100_000)
    return ""


# nbconvert's lab template without the blocks that load scripts from a CDN (require.js, MathJax, mermaid,
# the widget manager): a page holds no widgets, diagrams or LaTeX, and offline those scripts only fail.
_PAGE_TEMPLATE = "pqlkit_page.html.j2"
_PAGE_TEMPLATE_SOURCE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def render_page(nb, *, title: str, nav: str) -> str:
    """One notebook as a standalone HTML page: no code, figures embedded, ``nav`` on top, and :data:`PAGE_CSS`
    (links that look like links; in print, landscape sheets and tables that keep every column).

    Returns
    -------
    str
        The page (nbconvert's ``lab`` template, without its remote scripts) of :func:`page_notebook` of ``nb``.
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    page_nb = page_notebook(nb)
    page_nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        embed_images=True, extra_loaders=[DictLoader({_PAGE_TEMPLATE: _PAGE_TEMPLATE_SOURCE})],
        template_file=_PAGE_TEMPLATE,
    )
    body, _ = exporter.from_notebook_node(page_nb)
    body = body.replace("</head>", f"<style>{PAGE_CSS}</style>\n</head>", 1)  # after nbconvert's styles: ours win
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)


def write_pages(out: Path, executed: Sequence[tuple[Path, object]], *, summary: Mapping, data_dir: Path,
                dataset: str, spec: str, trends=None, changes=None, previous: str | None = None,
                currency: str = DEFAULT_CURRENCY) -> list[Path]:
    """Write one HTML page per executed notebook and the index, inside ``out``.

    Parameters
    ----------
    out : pathlib.Path
        The report folder (resolved).
    executed : sequence of (source path, executed notebook node)
        In report order.
    summary : mapping
        :func:`pqlkit.summary` of the input, for the index's headline numbers.
    data_dir : pathlib.Path
        Where the notebooks wrote their records (``NN_name.json``) and exports.
    dataset, spec : str
        The dataset's title (a folder's path, a database's URL without its password) and the spec's path, for
        the index.
    currency : str
        The report's currency (ISO 4217 code), for the amounts on the index.
    trends, changes, previous : optional
        For the index (:func:`index_html`); the north star is the one the playbook notebook recorded
        (``north_star_kpi``), else the PQL rate.

    Returns
    -------
    list of pathlib.Path
        The pages written, in order, then ``index.html``.
    """
    pages = []
    records_read = []
    opening = shared_opening([nb for _, nb in executed])
    for path, nb in executed:
        record_path = data_dir / f"{path.stem}.json"
        record = {}
        if record_path.is_file():
            try:
                record = json.loads(record_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = {}
        if isinstance(record, Mapping):
            records_read.append(record)
        pages.append({
            "href": f"{path.stem}.html",
            "notebook": f"notebooks/{path.name}",
            "title": notebook_title(nb, path.stem.replace("_", " ")),
            "summary": first_finding(nb, skip=opening) or summary_line(nb, limit=None),
            "numbers": recorded_numbers(record, exclude=summary, currency=currency) if isinstance(record, Mapping) else [],
            "notes": [note for note in [score_sentence(record) if isinstance(record, Mapping) else ""] if note],
            "nb": nb,
        })
    links = [(page["href"], page["title"]) for page in pages]
    written = []
    for position, page in enumerate(pages):
        target = inside(out, page["href"])
        target.write_text(render_page(page["nb"], title=page["title"], nav=nav_bar(links, position)), encoding="utf-8")
        written.append(target)
    records = {data_dir / f"{path.stem}.json" for path, _ in executed}
    files = sorted(
        path.relative_to(out).as_posix() for path in data_dir.rglob("*")
        if path.is_file() and path not in records and path.resolve().is_relative_to(out)
    )
    north_star = next((r["north_star_kpi"] for r in records_read if isinstance(r.get("north_star_kpi"), str)), None)
    index = inside(out, "index.html")
    index.write_text(index_html(summary=summary, pages=pages, dataset=dataset, spec=spec, files=files, trends=trends,
                                north_star=north_star, changes=changes, previous=previous, currency=currency),
                     encoding="utf-8")
    return [*written, index]
