"""The report's HTML: notebook pages without code, and the index page that links them.

:func:`write_pages` turns executed notebooks into ``DIR/NN_name.html`` (one page per notebook) and
``DIR/index.html``: the north-star KPI first, then each headline number with its weekly trend (an inline
SVG sparkline) and its change against four weeks earlier (from :func:`pqlkit.report.run.headline_trends`),
what changed since a previous report (``--previous``), a card per page with its first finding and
recorded numbers, the activation steps and the exported files.
:mod:`pqlkit.report.run` runs the notebooks and then calls it; this module runs nothing.

Safety, in three layers:

- every string on the index that comes from the data or the spec is HTML-escaped;
- a notebook's HTML outputs go through :func:`sanitize_html` (nh3, the Python binding of the Rust
  sanitiser ammonia): only the tags and attributes of tables and simple markup stay; scripts, styles,
  event handlers and ``javascript:`` links go;
- a notebook's Markdown outputs (the narrative, written from the data) are rendered here, with raw
  HTML in them shown as text, and the resulting HTML sanitised likewise (:func:`markdown_to_html`);
  other rich outputs (JavaScript, widgets) are dropped;

and every file written is checked to lie inside the report folder (:func:`inside`).
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from pqlkit.base.errors import PqlkitError

__all__ = [
    "FRONT_KPIS",
    "INJECTED_TAG",
    "LABELS",
    "NOTHING",
    "REMOVE_TAGS",
    "first_finding",
    "human_date",
    "index_html",
    "inside",
    "label",
    "markdown_to_html",
    "nav_bar",
    "notebook_title",
    "one_line",
    "page_notebook",
    "recorded_numbers",
    "render_page",
    "sanitize_html",
    "short_path",
    "sparkline",
    "summary_line",
    "write_pages",
]

#: The tag papermill puts on the cell of injected parameters.
INJECTED_TAG = "injected-parameters"
#: Cells with one of these tags stay in the executed notebook but not on its HTML page.
REMOVE_TAGS = frozenset({"remove-cell", "remove_cell", "hide-in-report"})
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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


# --- sanitising notebook outputs ---------------------------------------------------------------

# Tags and attributes a notebook's HTML output may keep: pandas tables and simple markup. Anything
# else is removed (its text kept, except for script and style, which go whole).
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
    "*": {"class", "id", "title", "style", "align"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "table": {"border", "cellpadding", "cellspacing"},
    "td": {"colspan", "rowspan", "halign", "valign"},
    "th": {"colspan", "rowspan", "halign", "valign"},
}
# The CSS properties a style attribute may keep (layout and colour of table cells and text).
_STYLE_PROPERTIES = {
    "background-color", "border", "border-bottom", "border-collapse", "border-color", "border-left", "border-right",
    "border-style", "border-top", "border-width", "color", "font-family", "font-size", "font-style", "font-weight",
    "height", "line-height", "margin", "margin-bottom", "margin-left", "margin-right", "margin-top", "max-width",
    "min-width", "padding", "padding-bottom", "padding-left", "padding-right", "padding-top", "text-align",
    "text-decoration", "vertical-align", "white-space", "width",
}
_URL_SCHEMES = {"http", "https", "mailto", "data"}
_SAFE_OUTPUTS = {"text/plain", "image/png", "image/jpeg", "image/svg+xml", "text/latex", "application/json"}


def _url_filter(element: str, attribute: str, value: str) -> str | None:
    """A ``data:`` URL only as an embedded image (``<img src="data:image/png;base64,...">``), never a link."""
    if attribute in ("href", "src") and value.strip().lower().startswith("data:"):
        if not (element == "img" and attribute == "src" and value.strip().lower().startswith("data:image/")):
            return None
    return value


def sanitize_html(markup: str) -> str:
    """``markup`` with only the tags, attributes, CSS properties and URL schemes a report page may show.

    Returns
    -------
    str
        Sanitised HTML (nh3): no script, no style element, no event handler, no ``javascript:`` URL,
        no comment; text that looked like markup is escaped.

    Examples
    --------
    >>> sanitize_html('<td onclick="alert(1)">a</td><script>alert(1)</script><b>b</b>')
    'a<b>b</b>'
    """
    import nh3

    return nh3.clean(
        markup, tags=_TAGS, clean_content_tags={"script", "style"}, attributes=_ATTRIBUTES,
        attribute_filter=_url_filter, url_schemes=_URL_SCHEMES, filter_style_properties=_STYLE_PROPERTIES,
        strip_comments=True, link_rel="noopener noreferrer",
    )


def markdown_to_html(text: str) -> str:
    """A notebook's Markdown output as sanitised HTML, any HTML inside it shown as text.

    The narrative writes data values (segment values, plan names, event names) into Markdown, so
    ``<`` and ``&`` in it are escaped before rendering: a plan named ``<script>`` reads
    ``&lt;script&gt;``. The rendered HTML then goes through :func:`sanitize_html`, which also drops
    a ``[link](javascript:...)``.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> markdown_to_html("Top plan: **<b>pro</b>** [x](javascript:alert(1))")
    '<p>Top plan: <strong>&lt;b&gt;pro&lt;/b&gt;</strong> <a rel="noopener noreferrer">x</a></p>\\n'
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return sanitize_html(markdown2html_mistune(escaped))


def page_notebook(nb):
    """A copy of an executed notebook ready for a page: outputs sanitised; stderr, parameter cells and cells
    tagged ``remove-cell`` (or ``remove_cell``, ``hide-in-report``) dropped.

    Text and images pass as they are (nbconvert escapes text; matplotlib escapes SVG text). HTML
    outputs go through :func:`sanitize_html`; Markdown outputs become HTML through
    :func:`markdown_to_html`. Other output types (JavaScript, widgets) are dropped. stderr (warnings,
    progress bars) stays in the executed notebook but not on the page.

    Returns
    -------
    nbformat.NotebookNode
        The page's notebook (the argument is left as it was).
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if INJECTED_TAG in tags or "parameters" in tags or REMOVE_TAGS & set(tags):
            continue
        if cell.cell_type == "code":
            cell.outputs = [output for output in map(_page_output, cell.get("outputs", [])) if output is not None]
        cells.append(cell)
    nb.cells = cells
    return nb


def _page_output(output):
    """One output as a page shows it, or None when it is left off the page."""
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        return None
    if "data" not in output:
        return output
    data = {}
    for key, value in output["data"].items():
        text = value if isinstance(value, str) else "".join(value) if isinstance(value, list) else value
        if key in _SAFE_OUTPUTS:
            data[key] = value
        elif key == "text/html":
            data[key] = sanitize_html(text)
        elif key == "text/markdown" and "text/html" not in output["data"]:
            data["text/html"] = markdown_to_html(text)
    if not data:
        return None
    output["data"] = data
    return output


# --- pages -------------------------------------------------------------------------------------


def notebook_title(nb, fallback: str) -> str:
    """The notebook's first Markdown heading (plain text), or ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^\s*#{1,3}\s+(.+?)\s*#*\s*$", cell.source, re.MULTILINE)
            if match:
                return re.sub(r"[*_`]", "", match.group(1)).strip()
    return fallback


def first_finding(nb) -> str:
    """The page's first finding: its first Markdown output with a bold headline, as one line of plain text.

    Every page opens with the same scope sentence (the as-of instant, the level, the spec), which has
    no bold headline, so the first output whose text has ``**`` is the page's own finding; a page
    without one gives its first Markdown output.

    Returns
    -------
    str
        Bold, code and link markup removed, nothing cut; "" when the notebook shows no Markdown output.
    """
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
    chosen = next((p for p in paragraphs if "**" in p), paragraphs[0] if paragraphs else "")
    chosen = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", chosen)
    return one_line(re.sub(r"[*`]", "", chosen), limit=100_000) if chosen else ""


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


def nav_bar(pages: Sequence[tuple[str, str]], current: int | None) -> str:
    """The navigation bar on top of every page: the index, then each page (``current`` in bold).

    Parameters
    ----------
    pages : sequence of (href, title)
        The notebook pages, in order.
    current : int or None
        The position of the page the bar is for; None for the index.

    Returns
    -------
    str
        A ``<nav>`` element, titles escaped.
    """
    links = ['<a href="index.html">Report index</a>']
    for index, (href, title) in enumerate(pages):
        label = html.escape(title)
        links.append(f"<strong>{label}</strong>" if index == current else f'<a href="{quote(href)}">{label}</a>')
    return (
        '<nav class="pqlkit-nav" style="font-family:sans-serif;font-size:14px;padding:8px 16px;'
        'border-bottom:1px solid #ddd;background:#f7f7f7">' + " · ".join(links) + "</nav>"
    )


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
    """One notebook as a standalone HTML page: no code, figures embedded, ``nav`` on top.

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
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)


# --- the index page -------------------------------------------------------------------------------

#: Labels of the summary's and the records' keys, in the analyst's words (others: the key in words).
LABELS = {
    "entities": "Entities in scope", "raw_pqls": "Raw PQLs", "current_pqls": "Current PQLs", "pql_rate": "PQL rate",
    "activation_rate_mean": "Mean activation rate", "time_to_pql_median_days": "Median time to PQL (PQLs)",
    "time_to_pql_km_median_days": "Median time to PQL (Kaplan–Meier)", "stalled_in_trial": "Stalled in trial",
    "paid_pqls": "Paid PQLs", "paid_before_pql": "Paid before PQL", "paid_without_pql": "Paid without PQL",
    "pql_to_paid_rate": "PQL-to-paid rate", "time_to_pql_km_share_7d": "Reach PQL by day 7 (Kaplan–Meier)",
    "time_to_pql_km_share_trial": "Reach PQL by the end of the trial (Kaplan–Meier)",
    "time_to_pql_km_share_30d": "Reach PQL by day 30 (Kaplan–Meier)",
    "time_to_pql_km_p10_days": "Days until 10% reach PQL", "time_to_pql_km_p25_days": "Days until 25% reach PQL",
    "best_candidate_event": "Best candidate event", "events": "Event names", "steps": "Steps",
    "steps_required": "Steps a PQL needs", "cohort_freq": "Cohort period", "cohorts": "Cohorts",
    "mature_cohorts": "Mature cohorts", "benchmark_low": "Benchmark, low end", "benchmark_high": "Benchmark, high end",
    "free_to_paid_rate": "Free-to-paid rate", "mrr_at_stake": "MRR at stake", "verdict": "Verdict",
    "crm_rows": "Leads in the CRM export", "north_star": "North star", "north_star_kpi": "North-star KPI",
}
#: What "nothing to show" reads as (never "n/a").
NOTHING = "none yet"


def label(key: str) -> str:
    """The reader's label of a summary or record key: :data:`LABELS`, else the key in words.

    Returns
    -------
    str
        ``"PQL rate"`` for ``pql_rate``; ``"Crm rows"`` for an unknown ``crm_rows``.
    """
    if key in LABELS:
        return LABELS[key]
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _format_value(key: str, value) -> str:
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return NOTHING
        lowered = key.lower()
        if any(word in lowered for word in ("rate", "share", "pct", "benchmark")) and 0 <= value <= 1:
            return f"{value:.1%}"
        if "days" in lowered:
            return f"{value:.1f} days"
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _interval(successes: int, trials: int) -> str:
    from pqlkit.metrics import wilson_interval

    if not trials:
        return ""
    low, high = wilson_interval(successes, trials)
    return f"95% CI {float(low):.1%}–{float(high):.1%}"


def human_date(value) -> str:
    """An instant as a reader writes it: ``30 June 2026, 23:58 UTC`` (midnight or the day's last microsecond, as
    ``--as-of 2026-04-30`` and week ends give: the date only).

    Returns
    -------
    str
        The text; a value that is not a date is returned as it is.
    """
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return str(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    stamp = stamp.tz_convert("UTC")
    day = f"{stamp.day} {stamp.strftime('%B %Y')}"
    whole_day = (stamp.hour, stamp.minute, stamp.second) in ((0, 0, 0), (23, 59, 59)) and stamp.microsecond in (0, 999999)
    return day if whole_day else f"{day}, {stamp.strftime('%H:%M')} UTC"


def short_path(path: str) -> str:
    """A dataset or spec path as the index shows it: relative to the working folder when inside it, else its
    last two parts; a URL as it is.

    Returns
    -------
    str
        ``data/sample`` rather than ``/home/me/project/data/sample``.
    """
    if "://" in path:
        return path
    given = Path(path)
    try:
        return given.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return Path(*given.parts[-2:]).as_posix() if len(given.parts) > 1 else given.as_posix()


def sparkline(values: Sequence[float], *, label_text: str, width: int = 132, height: int = 30) -> str:
    """A small inline SVG line of ``values`` (oldest first), with the last point marked.

    Parameters
    ----------
    values : sequence of float
        The weekly values; NaN and None are gaps.
    label_text : str
        What the line shows, for screen readers (``aria-label``) and as the tooltip; escaped.

    Returns
    -------
    str
        An ``<svg>`` element, or "" with fewer than two values to draw.
    """
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None and math.isfinite(float(v))]
    if len(points) < 2:
        return ""
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0
    last = len(values) - 1 or 1

    def xy(i: int, v: float) -> tuple[float, float]:
        return 2 + (width - 6) * i / last, height - 3 - (height - 6) * (v - low) / span

    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in points))
    x_end, y_end = xy(*points[-1])
    text = html.escape(label_text)
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{text}"><title>{text}</title>'
        f'<polyline fill="none" stroke="#0969da" stroke-width="1.6" points="{path}"/>'
        f'<circle cx="{x_end:.1f}" cy="{y_end:.1f}" r="2.6" fill="#0969da"/></svg>'
    )


def _change(key: str, now, then) -> str:
    """``+12`` / ``+1.4 pts`` / ``−0.3 days`` from ``then`` to ``now``; "" when either is missing."""
    if now is None or then is None:
        return ""
    try:
        now, then = float(now), float(then)
    except (TypeError, ValueError):
        return ""
    if not (math.isfinite(now) and math.isfinite(then)):
        return ""
    difference = now - then
    if "rate" in key or "share" in key:
        size, unit, digits = abs(difference) * 100, " pts", 1
    elif "days" in key:
        size, unit, digits = abs(difference), " days", 1
    else:
        size, unit, digits = abs(difference), "", 0
    if round(size, digits) == 0:
        return f"±{0:.{digits}f}{unit}"
    return f"{'+' if difference > 0 else '−'}{size:,.{digits}f}{unit}"


#: The front page's headline numbers after the north star: key and where its trend comes from.
FRONT_KPIS = ("raw_pqls", "current_pqls", "pql_rate", "time_to_pql_median_days", "pql_to_paid_rate")
#: A KPI without a weekly trend of its own is shown beside the trend of this one.
_TREND_OF = {"time_to_pql_km_median_days": "time_to_pql_median_days"}

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px}
h1{margin:0 0 4px;font-size:28px} h2{margin:32px 0 12px;font-size:20px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#57606a;margin:0 0 8px} .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:12px 14px} .card h3{margin:0 0 6px;font-size:15px;color:#57606a}
.card .big{font-size:30px;font-weight:600;margin:0} .card .q{color:#57606a;font-size:13px;margin:4px 0 0}
.star{border:2px solid #0969da;background:#f6f8fa;padding:16px 20px;margin:0 0 12px}
.star .big{font-size:44px} .delta{font-size:13px;color:#57606a;margin:2px 0}
.ci{display:block;color:#57606a;font-size:12px;font-weight:400} .spark{display:block;margin-top:6px}
.card.wide{grid-column:span 2} .km{margin:6px 0 0;padding:0;list-style:none;font-size:13px} .km li{display:flex;justify-content:space-between;gap:8px}
table{border-collapse:collapse;font-size:14px} td,th{border-bottom:1px solid #eee;padding:4px 12px 4px 0;text-align:left}
td.n,th.n{text-align:right} .page{border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:0 0 12px}
.page h3{margin:0 0 6px;font-size:17px} .page p{margin:0 0 8px;color:#57606a}
.yes{color:#1a7f37;font-weight:600} .no{color:#57606a}
"""


# Record keys whose text values are codes of pqlkit's (shown in words), not names from the data (shown as they are).
_CODED = {"verdict", "north_star", "cohort_freq"}


def recorded_numbers(record: Mapping, *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The scalar entries of a notebook's JSON record, labelled and formatted; nested values and ``exclude`` are
    left out.

    The index shows the summary's numbers (docs/metrics.md#json-summary) once, in its headline section; for each
    page it lists what that notebook adds (the best candidate event, the benchmark verdict, the CRM export's rows, ...).

    Returns
    -------
    list of (str, str)
        (label, formatted value), in the record's order.
    """
    skip = set(exclude) | {"notebook"}
    rows = []
    for key, value in record.items():
        if key in skip or isinstance(value, (Mapping, list, tuple)):
            continue
        shown = _format_value(str(key), value)
        if key == "north_star_kpi" and isinstance(value, str):
            shown = label(value)  # a summary key: its label
        elif key == "cohort_freq" and isinstance(value, str):
            shown = {"W": "week", "M": "month", "Q": "quarter"}.get(value, value)
        elif key in _CODED and isinstance(value, str):
            shown = value.replace("_", " ")  # a code the notebook chose ("no_data"), not a name from the data
        rows.append((label(str(key)), shown))
    return rows


def _trend_cell(key: str, summary: Mapping, trends) -> tuple[str, str]:
    """(the change against four weeks earlier, the sparkline) of ``key``, from the weekly trend table."""
    column = _TREND_OF.get(key, key)
    if trends is None or len(trends) == 0 or column not in trends:
        return "", ""
    values = [None if v is None else float(v) for v in trends[column]]
    line = sparkline(values, label_text=f"{label(column)} at the end of each of the last {len(values)} weeks")
    if len(values) < 5 or column != key:
        return "", line
    then_end = human_date(trends["week_end"].iloc[-5])
    change = _change(key, summary.get(key), values[-5])
    return (f"{change} since {then_end}" if change else ""), line


def _km_list(summary: Mapping) -> str:
    """The Kaplan–Meier readings of time to PQL present in the summary, as a list ("" when none is)."""
    items = []
    for key in ("time_to_pql_km_share_7d", "time_to_pql_km_share_trial", "time_to_pql_km_share_30d"):
        reading = summary.get(key)
        if isinstance(reading, Mapping) and reading.get("share") is not None:
            ci = ""
            if reading.get("ci_low") is not None and reading.get("ci_high") is not None:
                ci = f' <span class="ci">95% CI {reading["ci_low"]:.1%}–{reading["ci_high"]:.1%}</span>'
            day = reading.get("day")
            what = label(key) if key != "time_to_pql_km_share_trial" or day is None else (
                f"Reach PQL by day {day:g}, the trial's end (Kaplan–Meier)")
            items.append(f"<li><span>{html.escape(what)}</span><span>{reading['share']:.1%}{ci}</span></li>")
    for key in ("time_to_pql_km_p10_days", "time_to_pql_km_p25_days", "time_to_pql_km_median_days"):
        value = summary.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            items.append(f"<li><span>{html.escape(label(key))}</span><span>{value:.1f} days</span></li>")
    return f'<ul class="km">{"".join(items)}</ul>' if items else ""


def _kpi_card(key: str, summary: Mapping, trends, *, star: bool = False) -> str:
    from pqlkit.analyses.playbook import KPIS

    esc = html.escape
    value = summary.get(key)
    shown = _format_value(key, value)
    if value is None and key == "time_to_pql_km_median_days":
        shown = "not reached"
    eligible = (summary.get("raw_pqls") or 0) - (summary.get("paid_before_pql") or 0)
    ci = {"pql_rate": _interval(summary.get("raw_pqls") or 0, summary.get("entities") or 0),
          "pql_to_paid_rate": _interval(summary.get("paid_pqls") or 0, eligible) if value is not None else ""}.get(key, "")
    change, line = _trend_cell(key, summary, trends)
    question = KPIS.get(key, ("", "", ""))[2]
    parts = [f'<div class="card{" star" if star else ""}">',
             f"<h3>{'North star · ' if star else ''}{esc(label(key))}</h3>",
             f'<p class="big">{esc(shown)}</p>']
    if ci:
        parts.append(f'<span class="ci">{esc(ci)}</span>')
    if change:
        parts.append(f'<p class="delta">{esc(change)}</p>')
    parts.append(line)
    if question:
        parts.append(f'<p class="q">{esc(question)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _changes_section(changes, previous: str | None, summary: Mapping) -> list[str]:
    esc = html.escape
    parts = ["<h2>What changed since the previous report</h2>"]
    if previous is not None:
        parts.append(f'<p class="meta">Compared with the report in <code>{esc(short_path(previous))}</code>. '
                     "Rates: two-proportion z-test; counts: exact test of two Poisson counts; 5% level.</p>")
    parts.append('<table><thead><tr><th>Metric</th><th class="n">Then</th><th class="n">Now</th>'
                 '<th class="n">Change</th><th>Beyond noise?</th></tr></thead><tbody>')
    for row in changes.itertuples(index=False):
        if row.beyond_noise is None:
            verdict = '<span class="no">no test (a mean or a median)</span>'
        elif row.beyond_noise:
            verdict = f'<span class="yes">yes</span> (p = {row.p_value:.3g})'
        elif math.isfinite(row.p_value):
            verdict = f'<span class="no">no</span> (p = {row.p_value:.2g})'
        else:
            verdict = '<span class="no">no (nothing to compare)</span>'
        as_int = row.key not in ("pql_rate", "pql_to_paid_rate", "activation_rate_mean", "time_to_pql_median_days")
        before = _format_value(row.key, int(row.before) if as_int else row.before)
        after = _format_value(row.key, int(row.after) if as_int else row.after)
        parts.append(f"<tr><td>{esc(row.metric)}</td><td class=\"n\">{esc(before)}</td><td class=\"n\">{esc(after)}</td>"
                     f"<td class=\"n\">{esc(_change(row.key, row.after, row.before) or '±0')}</td><td>{verdict}</td></tr>")
    parts.append("</tbody></table>")
    return parts


def index_html(*, summary: Mapping, pages: Sequence[Mapping], dataset: str, spec: str,
               files: Sequence[str] = (), trends=None, north_star: str | None = None, changes=None,
               previous: str | None = None) -> str:
    """The report's ``index.html``: the north-star KPI, the headline numbers with their trends, what changed,
    a card per page with its finding, step completion, the exported files.

    Parameters
    ----------
    summary : mapping
        :func:`pqlkit.summary` of the report's input (docs/metrics.md#json-summary).
    pages : sequence of mappings
        Per page: ``href``, ``notebook`` (the executed notebook's path), ``title``, ``summary`` (its
        one-line finding) and ``numbers`` (from :func:`recorded_numbers`).
    dataset, spec : str
        As the user gave them (shown shortened, escaped).
    files : sequence of str
        Paths relative to the report folder of the files the notebooks exported.
    trends : pandas.DataFrame, optional
        :func:`pqlkit.report.run.headline_trends`: a sparkline per KPI and its change against the end of
        the week four rows earlier.
    north_star : str, optional
        The summary key of the north-star KPI (:data:`pqlkit.analyses.playbook.NORTH_STARS`); default the PQL rate.
    changes : pandas.DataFrame, optional
        :func:`pqlkit.report.run.changes_since` of a previous report; adds "What changed since the previous report".
    previous : str, optional
        That report's folder, as given.

    Returns
    -------
    str
        The page; every string from the data, the spec or the notebooks is escaped.
    """
    esc = html.escape
    star = north_star if north_star in summary else "pql_rate"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>PQL report</title>",
        f"<style>{_CSS}</style></head><body>",
        nav_bar([(p["href"], p["title"]) for p in pages], None),
        "<main>",
        "<h1>Product Qualified Leads: the report</h1>",
        f'<p class="meta">As of {esc(human_date(summary["as_of"]))} · {esc(str(summary["level"]))} level · '
        f'{esc(_format_value("entities", summary["entities"]))} entities in scope</p>',
        f'<p class="meta">Dataset <code>{esc(short_path(dataset))}</code> · spec <code>{esc(short_path(spec))}</code></p>',
        _kpi_card(star, summary, trends, star=True),
        "<h2>Headline numbers</h2>",
    ]
    if trends is not None and len(trends) >= 5:
        parts.append(f'<p class="meta">Each line: the value at the end of each of the last {len(trends)} weeks '
                     f"(the last at the report's instant); changes against the end of the week of "
                     f"{esc(human_date(trends['week_end'].iloc[-5]))}, four weeks earlier.</p>")
    parts.append('<div class="grid">')
    for key in FRONT_KPIS:
        if key != star:
            parts.append(_kpi_card(key, summary, trends))
    readings = _km_list(summary)
    if readings:
        parts.append('<div class="card wide"><h3>Time to PQL, counting the trials still running</h3>'
                     f'{readings}<p class="q">Kaplan–Meier: signups not yet PQL count until their age.</p></div>')
    parts.append("</div>")
    if changes is not None:
        parts += _changes_section(changes, previous, summary)

    parts.append("<h2>Pages</h2>")
    for page in pages:
        parts.append(f'<div class="page"><h3><a href="{quote(page["href"])}">{esc(page["title"])}</a></h3>')
        if page.get("summary"):
            parts.append(f"<p>{esc(page['summary'])}</p>")
        numbers = page.get("numbers") or []
        if numbers:
            parts.append("<table><tbody>")
            for key, value in numbers[:12]:
                parts.append(f'<tr><td>{esc(key)}</td><td class="n">{esc(value)}</td></tr>')
            parts.append("</tbody></table>")
        parts.append(
            f'<p><small>Executed notebook: <a href="{quote(page["notebook"])}">{esc(page["notebook"])}</a></small></p></div>'
        )

    steps = summary.get("step_completion") or {}
    if steps:
        total = summary["entities"]
        parts.append('<h2>Activation steps</h2><table><thead><tr><th>Step</th><th class="n">Completed</th>'
                     '<th class="n">Share</th></tr></thead><tbody>')
        for step, done in steps.items():
            share = f"{done / total:.1%}" if total else NOTHING
            parts.append(f'<tr><td>{esc(label(str(step)))}</td><td class="n">{esc(_format_value("n", done))}</td>'
                         f'<td class="n">{esc(share)}</td></tr>')
        parts.append("</tbody></table>")
    if files:
        parts.append("<h2>Files</h2><p>Exported by the notebooks (CSV opens in a spreadsheet or imports into a CRM):</p><ul>")
        for name in files:
            parts.append(f'<li><a href="{quote(name)}">{esc(name)}</a></li>')
        parts.append("</ul>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def write_pages(out: Path, executed: Sequence[tuple[Path, object]], *, summary: Mapping, data_dir: Path,
                dataset: str, spec: str, trends=None, changes=None, previous: str | None = None) -> list[Path]:
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
        As the user gave them, for the index.
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
            "summary": first_finding(nb) or summary_line(nb, limit=None),
            "numbers": recorded_numbers(record, exclude=summary) if isinstance(record, Mapping) else [],
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
                                north_star=north_star, changes=changes, previous=previous), encoding="utf-8")
    return [*written, index]
