"""The report's ``index.html``: the north-star KPI, each headline number with its weekly trend (an inline SVG
sparkline) and its change against four weeks earlier (from :func:`pqlkit.report.previous.headline_trends`), what
changed since a previous report, a card per page with its first finding and recorded numbers, the activation
steps and the exported files; and the navigation bar on top of every page.

Every string on the index that comes from the data or the spec is HTML-escaped. Numbers and amounts (in the
report's currency) are formatted, and summary keys labelled, by :mod:`pqlkit.present.formatting`; a record key
without a label is left off, pqlkit's codes read in words, and the conversion score's validation numbers read as
one sentence (:func:`score_sentence`): the index speaks the reader's language.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from pqlkit.analyses.playbook import KPIS
from pqlkit.metrics import wilson_interval
from pqlkit.present.formatting import (
    DEFAULT_CURRENCY,
    LABELS,
    NOTHING,
    days,
    human_date,
    interval,
    label,
    money,
    pct,
    signed_change,
    summary_value,
)

__all__ = ["index_html"]


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
        shown = html.escape(title)
        links.append(f"<strong>{shown}</strong>" if index == current else f'<a href="{quote(href)}">{shown}</a>')
    return (
        '<nav class="pqlkit-nav" style="font-family:sans-serif;font-size:14px;padding:8px 16px;'
        'border-bottom:1px solid #ddd;background:#f7f7f7">' + " · ".join(links) + "</nav>"
    )


#: Links that look like links, on the index and on every notebook page (the nbconvert page's own styles show
#: a link as plain text): the accent colour and an underline, another colour once visited.
LINK_CSS = """
.pqlkit-nav a:link,main a:link,.jp-RenderedHTMLCommon a:link{color:#0969da;text-decoration:underline;text-underline-offset:2px}
.pqlkit-nav a:visited,main a:visited,.jp-RenderedHTMLCommon a:visited{color:#8250df;text-decoration:underline;text-underline-offset:2px}
.pqlkit-nav a:hover,main a:hover,.jp-RenderedHTMLCommon a:hover{color:#0550ae;text-decoration-thickness:2px}
.pqlkit-nav strong{color:#1f2328}
"""


def _wilson_interval(successes: int, trials: int) -> str:
    """The 95 % Wilson interval of ``successes`` out of ``trials`` as the index writes it; "" without trials."""
    if not trials:
        return ""
    low, high = wilson_interval(successes, trials)
    return interval(float(low), float(high), digits=1, unit_on_both=True)


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


#: The front page's headline numbers after the north star: key and where its trend comes from.
FRONT_KPIS = ("raw_pqls", "current_pqls", "pql_rate", "time_to_pql_median_days", "pql_to_paid_rate")
#: The summary keys that need payments: null with PQLs to convert means payments are not measured.
_PAYMENT_KEYS = ("pql_to_paid_rate", "paid_pqls", "paid_without_pql")
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
@media print{.card,.page,.star{break-inside:avoid} table{font-size:11px} .grid{grid-template-columns:repeat(2,1fr)}}
""" + LINK_CSS


#: What notebook 04's benchmark verdict (:data:`pqlkit.analyses.pricing.VERDICTS`) reads as on the index.
VERDICT_WORDS = {
    "below": "below the benchmark band", "within": "inside the benchmark band", "above": "above the benchmark band",
    "inconclusive": "too close to the band to call", "no_data": "nothing to compare yet",
}
#: What notebook 03's cohort period code reads as.
PERIOD_WORDS = {"W": "week", "M": "month", "Q": "quarter"}
#: Words of a record key that make its value an amount of money, shown with the report's currency.
MONEY_WORDS = frozenset({"mrr", "arr", "revenue", "amount"})
#: The prefix of the conversion score's validation numbers in notebook 05's record: read as one sentence
#: (:func:`score_sentence`), never as a list of model statistics.
SCORE_PREFIX = "pay_score_"


def is_money(key: str) -> bool:
    """Whether a record key holds an amount of money (``mrr_at_stake``): one of its words is in :data:`MONEY_WORDS`."""
    return bool(MONEY_WORDS & set(str(key).lower().split("_")))


def recorded_numbers(record: Mapping, *, exclude: Iterable[str] = (),
                     currency: str = DEFAULT_CURRENCY) -> list[tuple[str, str]]:
    """The scalar entries of a notebook's JSON record that have a reader's label, labelled and formatted.

    The index shows the summary's numbers (docs/metrics.md#json-summary) once, in its headline section; for each
    page it lists what that notebook adds (the best candidate event, the benchmark verdict, the CRM export's rows,
    ...). A key without a label in :data:`pqlkit.present.formatting.LABELS` is left out, never shown as a key in
    words: the index speaks the reader's language, and a new record key appears once it has a label. So are
    nested values, ``exclude`` and the score's validation numbers (:func:`score_sentence` reads those).

    Parameters
    ----------
    record : mapping
        The notebook's record (``data/NN_name.json``).
    exclude : iterable of str
        Keys shown elsewhere (the summary's).
    currency : str
        The report's currency (ISO 4217 code): amounts read ``2,051 USD``.

    Returns
    -------
    list of (str, str)
        (label, formatted value), in the record's order.
    """
    skip = set(exclude) | {"notebook"}
    rows = []
    for key, value in record.items():
        key = str(key)
        if (key in skip or key not in LABELS or key.startswith("pay_score_")
                or isinstance(value, (Mapping, list, tuple))):
            continue
        shown = summary_value(key, value)
        if isinstance(value, str):
            if key == "north_star_kpi":
                shown = label(value)  # a summary key: its label
            elif key == "cohort_freq":
                shown = PERIOD_WORDS.get(value, value)
            elif key == "verdict":
                shown = VERDICT_WORDS.get(value, value.replace("_", " "))
            elif key == "north_star":
                shown = f"the {value.replace('_', ' ')} goal"  # a goal of pqlkit.analyses.playbook.NORTH_STARS
        elif is_money(key):
            shown = money(value, currency=currency)
        rows.append((label(key), shown))
    return rows


def score_sentence(record: Mapping) -> str:
    """What the conversion score gains, in words, from notebook 05's record: how many of the PQLs who went on to
    pay were in the top tenth of the past lists ordered by the score, against the same lists in today's order.

    Returns
    -------
    str
        "Ordered by the pay score, the top tenth of past lead lists held 7 payers, against 5 in today's order."
        ("" when the record holds no score, or the score could not be fitted).
    """
    score = record.get(f"{SCORE_PREFIX}top_decile_payers_score")
    today = record.get(f"{SCORE_PREFIX}top_decile_payers_today")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (score, today)):
        return ""
    score, today = int(score), int(today)
    payers = "payer" if score == 1 else "payers"
    return (f"Ordered by the pay score (each lead's odds to pay), the top tenth of past lead lists held {score:,} "
            f"{payers}, against {today:,} in today's order.")


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
    change = signed_change(key, summary.get(key), values[-5])
    return (f"{change} since {then_end}" if change else ""), line


def _km_list(summary: Mapping) -> str:
    """The Kaplan–Meier readings of time to PQL present in the summary, as a list ("" when none is)."""
    items = []
    for key in ("time_to_pql_km_share_7d", "time_to_pql_km_share_trial", "time_to_pql_km_share_30d"):
        reading = summary.get(key)
        if isinstance(reading, Mapping) and reading.get("share") is not None:
            ci = ""
            if reading.get("ci_low") is not None and reading.get("ci_high") is not None:
                ci = f' <span class="ci">{interval(reading["ci_low"], reading["ci_high"], digits=1, unit_on_both=True)}</span>'
            day = reading.get("day")
            what = label(key) if key != "time_to_pql_km_share_trial" or day is None else (
                f"Reach PQL by day {day:g}, the trial's end (Kaplan–Meier)")
            items.append(f"<li><span>{html.escape(what)}</span><span>{pct(reading['share'], digits=1)}{ci}</span></li>")
    for key in ("time_to_pql_km_p10_days", "time_to_pql_km_p25_days", "time_to_pql_km_median_days"):
        value = summary.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            items.append(f"<li><span>{html.escape(label(key))}</span><span>{days(value)}</span></li>")
    return f'<ul class="km">{"".join(items)}</ul>' if items else ""


def _kpi_card(key: str, summary: Mapping, trends, *, star: bool = False) -> str:
    esc = html.escape
    value = summary.get(key)
    shown = summary_value(key, value)
    eligible = (summary.get("raw_pqls") or 0) - (summary.get("paid_before_pql") or 0)
    if value is None and key == "time_to_pql_km_median_days":
        shown = "not reached"
    elif value is None and key in _PAYMENT_KEYS and (summary.get("paid_pqls") is None or eligible > 0):
        shown = "not measured"  # no payments table: PQLs to convert, but nothing says who paid
    ci = {"pql_rate": _wilson_interval(summary.get("raw_pqls") or 0, summary.get("entities") or 0),
          "pql_to_paid_rate": _wilson_interval(summary.get("paid_pqls") or 0, eligible) if value is not None else ""}.get(key, "")
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


def _change_value(kind: str, key: str, value: float) -> str:
    """A value of the comparison's table as the index shows it ("not measured" where it is missing)."""
    if not math.isfinite(value):
        return "not measured"
    return summary_value(key, value) if kind == "rate" else summary_value(key, int(value))


def _verdict(row) -> str:
    if row.beyond_noise is None:
        return f'<span class="no">{html.escape(row.test)}</span>'
    word = '<span class="yes">yes</span>' if row.beyond_noise else '<span class="no">no</span>'
    return f"{word} (p = {row.p_adjusted:.2g})"


def _changes_section(changes, previous: str | None) -> list[str]:
    """"What changed since the previous report": the judged flows and fixed-age rates, then the totals."""
    esc = html.escape
    table = changes.table
    where = f" in <code>{esc(short_path(previous))}</code>" if previous is not None else ""
    parts = ["<h2>What changed since the previous report</h2>",
             f'<p class="meta">Compared with the report as of {esc(human_date(changes.previous_as_of))}{where}, '
             f"{(changes.as_of - changes.previous_as_of).total_seconds() / 86400:.0f} days earlier.</p>"]
    if f"{changes.current_window_days:.1f}" != f"{changes.window_days:.1f}" and not changes.overlap:
        parts.append(f'<p class="meta">The reports are less than {changes.window_days:g} days apart, so this '
                     f"report's window is shortened to the {changes.current_window_days:.1f} days since the previous "
                     "one: no signup or PQL is counted in both. Counts are compared per day.</p>")
    if changes.overlap:
        parts.append(f'<p class="meta">The reports are less than {changes.window_days:g} days apart: their windows '
                     "overlap, so no change is judged.</p>")
    parts.append('<table><thead><tr><th>Flows and rates at a fixed age</th><th class="n">Then</th>'
                 '<th class="n">Now</th><th class="n">Change</th><th>Beyond noise?</th></tr></thead><tbody>')
    judged, totals = table[table["judged"]], table[~table["judged"]]
    for row in judged.itertuples(index=False):
        parts.append(f"<tr><td>{esc(row.metric)}</td><td class=\"n\">{esc(_change_value(row.kind, row.key, row.before))}</td>"
                     f"<td class=\"n\">{esc(_change_value(row.kind, row.key, row.after))}</td>"
                     f"<td class=\"n\">{esc(signed_change(row.key, row.after, row.before) or '—')}</td>"
                     f"<td>{_verdict(row)}</td></tr>")
    parts.append("</tbody></table>")
    parts.append('<p class="meta">Each report counts its own window, so the two count different signups and PQLs. '
                 "Counts: exact test of two Poisson counts; rates: "
                 f"two-proportion z-test; p-values adjusted together (Holm), {changes.alpha:.0%} level.</p>")
    parts.append('<table><thead><tr><th>Totals, without a verdict</th><th class="n">Then</th><th class="n">Now</th>'
                 '<th class="n">Change</th><th>Why no verdict</th></tr></thead><tbody>')
    for row in totals.itertuples(index=False):
        parts.append(f"<tr><td>{esc(row.metric)}</td><td class=\"n\">{esc(_change_value(row.kind, row.key, row.before))}</td>"
                     f"<td class=\"n\">{esc(_change_value(row.kind, row.key, row.after))}</td>"
                     f"<td class=\"n\">{esc(signed_change(row.key, row.after, row.before) or '—')}</td>"
                     f"<td>{esc(row.test.removeprefix('none: '))}</td></tr>")
    parts.append("</tbody></table>")
    return parts


def _pages_section(pages: Sequence[Mapping]) -> list[str]:
    """"Pages": a card per page with its title, first finding, recorded numbers and notes (all escaped)."""
    esc = html.escape
    parts = ["<h2>Pages</h2>"]
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
        for note in page.get("notes") or []:
            parts.append(f'<p class="note">{esc(note)}</p>')
        parts.append(
            f'<p><small>Executed notebook: <a href="{quote(page["notebook"])}">{esc(page["notebook"])}</a></small></p></div>'
        )
    return parts


def index_html(*, summary: Mapping, pages: Sequence[Mapping], dataset: str, spec: str,
               files: Sequence[str] = (), trends=None, north_star: str | None = None, changes=None,
               previous: str | None = None, currency: str = DEFAULT_CURRENCY) -> str:
    """The report's ``index.html``: the north-star KPI, the headline numbers with their trends, what changed,
    a card per page with its finding, step completion, the exported files.

    Parameters
    ----------
    summary : mapping
        :func:`pqlkit.summary` of the report's input (docs/metrics.md#json-summary).
    pages : sequence of mappings
        Per page: ``href``, ``notebook`` (the executed notebook's path), ``title``, ``summary`` (its
        one-line finding), ``numbers`` (from :func:`recorded_numbers`) and optionally ``notes`` (sentences
        shown under the numbers, such as :func:`score_sentence`).
    dataset, spec : str
        The dataset's title (a folder's path, a database's URL without its password) and the spec's path
        (shown shortened, escaped).
    files : sequence of str
        Paths relative to the report folder of the files the notebooks exported.
    trends : pandas.DataFrame, optional
        :func:`pqlkit.report.previous.headline_trends`: a sparkline per KPI and its change against the end of
        the week four rows earlier.
    north_star : str, optional
        The summary key of the north-star KPI (:data:`pqlkit.analyses.playbook.NORTH_STARS`); default the PQL rate.
    changes : ReportChanges, optional
        :func:`pqlkit.report.previous.changes_since` of a previous report; adds "What changed since the previous
        report" (the previous report's ``as_of``, the judged figures, the totals without a verdict).
    previous : str, optional
        That report's folder, as given.
    currency : str
        The currency of every amount (ISO 4217 code), named on the page.

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
        f'{esc(summary_value("entities", summary["entities"]))} entities in scope</p>',
        f'<p class="meta">Dataset <code>{esc(short_path(dataset))}</code> · spec <code>{esc(short_path(spec))}</code>'
        f' · amounts in {esc(currency)}</p>',
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
        parts += _changes_section(changes, previous)

    parts += _pages_section(pages)

    steps = summary.get("step_completion") or {}
    if steps:
        total = summary["entities"]
        parts.append('<h2>Activation steps</h2><table><thead><tr><th>Step</th><th class="n">Completed</th>'
                     '<th class="n">Share</th></tr></thead><tbody>')
        for step, done in steps.items():
            share = pct(done / total, digits=1) if total else NOTHING
            parts.append(f'<tr><td>{esc(label(str(step)))}</td><td class="n">{esc(summary_value("n", done))}</td>'
                         f'<td class="n">{esc(share)}</td></tr>')
        parts.append("</tbody></table>")
    if files:
        parts.append("<h2>Files</h2><p>Exported by the notebooks (CSV opens in a spreadsheet or imports into a CRM):</p><ul>")
        for name in files:
            parts.append(f'<li><a href="{quote(name)}">{esc(name)}</a></li>')
        parts.append("</ul>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
