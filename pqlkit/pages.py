"""The report's HTML: notebook pages without code, and the index page that links them.

:func:`write_pages` turns executed notebooks into ``DIR/NN_name.html`` (one page per notebook) and
``DIR/index.html`` (the headline numbers, each page's recorded numbers, the exported files).
:mod:`pqlkit.report` runs the notebooks and then calls it; this module runs nothing.

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

from .errors import PqlkitError

__all__ = [
    "INJECTED_TAG",
    "REMOVE_TAGS",
    "index_html",
    "inside",
    "markdown_to_html",
    "nav_bar",
    "notebook_title",
    "one_line",
    "page_notebook",
    "recorded_numbers",
    "render_page",
    "sanitize_html",
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


def summary_line(nb) -> str:
    """The first paragraph of the notebook's first Markdown cell that is not a heading (plain text)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for paragraph in re.split(r"\n\s*\n", cell.source):
            text = paragraph.strip()
            if text and not text.startswith(("#", "|", "<", "!", "-", "*", ">", "```")):
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
                return one_line(re.sub(r"[*`]", "", text), limit=320)
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


def render_page(nb, *, title: str, nav: str) -> str:
    """One notebook as a standalone HTML page: no code, figures embedded, ``nav`` on top.

    Returns
    -------
    str
        The page (nbconvert's ``lab`` template) of :func:`page_notebook` of ``nb``.
    """
    from nbconvert import HTMLExporter

    page_nb = page_notebook(nb)
    page_nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(page_nb)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)


# --- the index page -------------------------------------------------------------------------------


def _format_value(key: str, value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        lowered = key.lower()
        if any(word in lowered for word in ("rate", "share", "pct", "benchmark")) and 0 <= value <= 1:
            return f"{value:.1%}"
        if "days" in lowered:
            return f"{value:.1f} days"
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _interval(successes: int, trials: int) -> str:
    from .metrics import wilson_interval

    if not trials:
        return ""
    low, high = wilson_interval(successes, trials)
    return f"95% CI {float(low):.1%}–{float(high):.1%}"


_HEADLINES = (
    ("How many reach activation", (("raw_pqls", "Raw PQLs"), ("current_pqls", "Current PQLs"))),
    ("PQL rate", (("pql_rate", "PQL rate"), ("activation_rate_mean", "Mean activation rate"))),
    ("Time to PQL", (("time_to_pql_median_days", "Median time to PQL (PQLs)"),
                     ("time_to_pql_km_median_days", "Median time to PQL (Kaplan–Meier)"),
                     ("stalled_in_trial", "Stalled in trial"))),
    ("PQL to paid", (("pql_to_paid_rate", "PQL-to-paid rate"), ("paid_pqls", "Paid PQLs"),
                     ("paid_before_pql", "Paid before PQL"), ("paid_without_pql", "Paid without PQL"))),
)

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px}
h1{margin:0 0 4px;font-size:28px} h2{margin:32px 0 12px;font-size:20px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#57606a;margin:0 0 8px} .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:12px 14px} .card h3{margin:0 0 8px;font-size:15px;color:#57606a}
.metric{display:flex;justify-content:space-between;gap:8px;padding:2px 0} .metric .v{font-weight:600;text-align:right}
.ci{display:block;color:#57606a;font-size:12px;font-weight:400}
table{border-collapse:collapse;font-size:14px} td,th{border-bottom:1px solid #eee;padding:4px 12px 4px 0;text-align:left}
td.n{text-align:right} .page{border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:0 0 12px}
.page h3{margin:0 0 6px;font-size:17px} .page p{margin:0 0 8px;color:#57606a}
"""


def recorded_numbers(record: Mapping, *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The scalar entries of a notebook's JSON record, formatted; nested values and ``exclude`` are left out.

    The index shows the summary's numbers (docs/metrics.md#json-summary) once, in its headline section; for each page it lists what that
    notebook adds (the best candidate event, the benchmark verdict, the CRM export's rows, ...).

    Returns
    -------
    list of (str, str)
        (key, formatted value), in the record's order.
    """
    skip = set(exclude) | {"notebook"}
    rows = []
    for key, value in record.items():
        if key in skip or isinstance(value, (Mapping, list, tuple)):
            continue
        rows.append((str(key), _format_value(str(key), value)))
    return rows


def index_html(*, summary: Mapping, pages: Sequence[Mapping], dataset: str, spec: str,
                files: Sequence[str] = ()) -> str:
    """The report's ``index.html``: headline numbers, step completion, a card per page, the exported files.

    Parameters
    ----------
    summary : mapping
        :func:`pqlkit.summary` of the report's input (docs/metrics.md#json-summary).
    pages : sequence of mappings
        Per page: ``href``, ``notebook`` (the executed notebook's path), ``title``, ``summary`` (a
        line) and ``numbers`` (from :func:`recorded_numbers`).
    dataset, spec : str
        As the user gave them (shown, escaped).
    files : sequence of str
        Paths relative to the report folder of the files the notebooks exported.

    Returns
    -------
    str
        The page; every string from the data, the spec or the notebooks is escaped.
    """
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>PQL report</title>",
        f"<style>{_CSS}</style></head><body>",
        nav_bar([(p["href"], p["title"]) for p in pages], None),
        "<main>",
        "<h1>Product Qualified Leads: the report</h1>",
        f'<p class="meta">As of {esc(str(summary["as_of"]))} · {esc(str(summary["level"]))} level · '
        f'{esc(_format_value("entities", summary["entities"]))} entities in scope</p>',
        f'<p class="meta">Dataset <code>{esc(dataset)}</code> · spec <code>{esc(spec)}</code></p>',
        "<h2>Headline numbers</h2>",
        '<div class="grid">',
    ]
    eligible = summary["raw_pqls"] - summary["paid_before_pql"]
    intervals = {
        "pql_rate": _interval(summary["raw_pqls"], summary["entities"]),
        "pql_to_paid_rate": _interval(summary["paid_pqls"], eligible),
    }
    for heading, metrics in _HEADLINES:
        parts.append(f'<div class="card"><h3>{esc(heading)}</h3>')
        for key, label in metrics:
            value = esc(_format_value(key, summary.get(key)))
            ci = intervals.get(key, "")
            ci_html = f'<span class="ci">{esc(ci)}</span>' if ci else ""
            parts.append(f'<div class="metric"><span>{esc(label)}</span><span class="v">{value}{ci_html}</span></div>')
        parts.append("</div>")
    parts.append("</div>")

    steps = summary.get("step_completion") or {}
    if steps:
        total = summary["entities"]
        parts.append("<h2>Activation steps</h2><table><thead><tr><th>Step</th><th>Completed</th><th>Share</th></tr></thead><tbody>")
        for step, done in steps.items():
            share = f"{done / total:.1%}" if total else "n/a"
            parts.append(f'<tr><td>{esc(str(step))}</td><td class="n">{esc(_format_value("n", done))}</td>'
                         f'<td class="n">{esc(share)}</td></tr>')
        parts.append("</tbody></table>")

    parts.append("<h2>Pages</h2>")
    for page in pages:
        parts.append(f'<div class="page"><h3><a href="{quote(page["href"])}">{esc(page["title"])}</a></h3>')
        if page.get("summary"):
            parts.append(f"<p>{esc(page['summary'])}</p>")
        numbers = page.get("numbers") or []
        if numbers:
            parts.append("<table><tbody>")
            for key, value in numbers[:12]:
                parts.append(f'<tr><td>{esc(key.replace("_", " "))}</td><td class="n">{esc(value)}</td></tr>')
            parts.append("</tbody></table>")
        parts.append(
            f'<p><small>Executed notebook: <a href="{quote(page["notebook"])}">{esc(page["notebook"])}</a></small></p></div>'
        )
    if files:
        parts.append("<h2>Files</h2><p>Exported by the notebooks (CSV opens in a spreadsheet or imports into a CRM):</p><ul>")
        for name in files:
            parts.append(f'<li><a href="{quote(name)}">{esc(name)}</a></li>')
        parts.append("</ul>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def write_pages(out: Path, executed: Sequence[tuple[Path, object]], *, summary: Mapping, data_dir: Path,
                dataset: str, spec: str) -> list[Path]:
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

    Returns
    -------
    list of pathlib.Path
        The pages written, in order, then ``index.html``.
    """
    pages = []
    for path, nb in executed:
        record_path = data_dir / f"{path.stem}.json"
        record = {}
        if record_path.is_file():
            try:
                record = json.loads(record_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = {}
        pages.append({
            "href": f"{path.stem}.html",
            "notebook": f"notebooks/{path.name}",
            "title": notebook_title(nb, path.stem.replace("_", " ")),
            "summary": summary_line(nb),
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
    index = inside(out, "index.html")
    index.write_text(index_html(summary=summary, pages=pages, dataset=dataset, spec=spec, files=files),
                     encoding="utf-8")
    return [*written, index]
