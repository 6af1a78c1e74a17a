"""Tables for readers: one helper that turns a result table into the table a report page shows.

A pandas frame displayed as is reads like pandas: an index column (0, 1, 2 ...), ``snake_case``
headers, ``True``/``False`` cells, ``135873`` and ``0.41234``. :func:`reader_table` returns a
pandas ``Styler`` instead: no index column, headers in words, counts with thousands separators,
shares as percentages, each interval as one ``36–46%`` column, booleans as ``yes``/``no``, dates
as dates, numbers aligned right and text left, and long text wrapped rather than cut short.

Only the display changes: the table's values are not modified (STYLE: tidy table in, new table out).
"""

from __future__ import annotations

import hashlib
import html
import math
import numbers
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from pqlkit.core.context import check_columns

__all__ = ["reader_table", "header_words", "natural_order"]

#: Words written in capitals (or with their own spelling) in headers.
_WORDS = {
    "pql": "PQL", "pqls": "PQLs", "ci": "CI", "mrr": "MRR", "kpi": "KPI", "kpis": "KPIs", "id": "ID",
    "crm": "CRM", "utm": "UTM", "km": "Kaplan–Meier", "pct": "%",
}


def header_words(column: str) -> str:
    """A ``snake_case`` column name in words: ``pql_to_paid_rate`` → ``PQL to paid rate``.

    >>> header_words("pql_to_paid_rate"), header_words("within_14d"), header_words("entity_id")
    ('PQL to paid rate', 'Within 14 days', 'Entity ID')

    Returns
    -------
    str
        The header, first letter in capitals.
    """
    words = []
    for word in str(column).split("_"):
        if not word:
            continue
        if word.endswith("d") and word[:-1].isdigit():
            words.append(f"{word[:-1]} days")
        else:
            words.append(_WORDS.get(word.lower(), word))
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else str(column)


_LEADING_NUMBER = re.compile(r"^\s*[<>≤≥]?\s*(\d[\d,]*(?:\.\d+)?)")


def natural_order(table: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """The rows ordered by the numbers their ``by`` labels start with, when every label starts with one.

    Size bands sort as text (``1-10``, ``1000+``, ``11-50`` ...); by their numbers they read in
    their natural order. Any other labels (channels, plans) keep the table's order.

    >>> bands = pd.DataFrame({"company_size": ["1-10", "1000+", "11-50", "201-1000", "51-200"]})
    >>> natural_order(bands, by="company_size")["company_size"].tolist()
    ['1-10', '11-50', '51-200', '201-1000', '1000+']

    Returns
    -------
    pandas.DataFrame
        The same rows and columns, reordered (a new frame; the index is kept).
    """
    check_columns(table, by, argument="by")
    keys = []
    for label in table[by].astype("str"):
        match = _LEADING_NUMBER.match(label)
        if match is None:
            return table.copy()
        keys.append(float(match.group(1).replace(",", "")))
    order = sorted(range(len(keys)), key=lambda i: (keys[i], i))
    return table.iloc[order].copy()


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _percent(value, digits: int) -> str:
    return f"{float(value) * 100:,.{digits}f}%"


def _number(value, digits: int) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == round(value) and abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _cell(value, *, percent: bool, digits: int, date_format: str | None) -> str:
    """One value as the reader sees it (blank when missing)."""
    if _missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return value.strftime(date_format or "%Y-%m-%d %H:%M")
    if isinstance(value, pd.Timedelta):
        return f"{value.total_seconds() / 86400:,.{digits}f} days"
    if isinstance(value, numbers.Number):
        return _percent(value, digits) if percent else _number(value, digits)
    return str(value)


def _aligned(side: str):
    """A formatter: the (escaped) text in a block with inline alignment.

    Report pages drop ``<style>`` elements (they are sanitised) but keep inline ``style``
    attributes, and JupyterLab's stylesheet right-aligns every cell: the alignment therefore rides
    on each cell too, not only on the Styler's CSS.
    """
    wrap = "nowrap" if side == "right" else "normal"

    def format_cell(text) -> str:
        return f'<div style="text-align: {side}; white-space: {wrap};">{html.escape(str(text))}</div>'

    return format_cell


def _date_format(series: pd.Series) -> str:
    """Dates alone when every timestamp is at midnight, else date and minute."""
    stamps = series.dropna()
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_localize(None)
    return "%Y-%m-%d" if len(stamps) == 0 or (stamps == stamps.dt.normalize()).all() else "%Y-%m-%d %H:%M"


def _interval_pairs(columns: Sequence[str]) -> list[tuple[str, str, str]]:
    """(low, high, estimate-or-'') for each ``*ci_low`` column that has its ``*ci_high``."""
    pairs = []
    for low in columns:
        if low.endswith("ci_low"):
            high = low[: -len("low")] + "high"
            if high in columns:
                stem = low[: -len("ci_low")].rstrip("_")
                pairs.append((low, high, stem))
    return pairs


def reader_table(
    table: pd.DataFrame,
    *,
    percent: Sequence[str] = (),
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    digits: int = 1,
    max_rows: int | None = None,
    caption: str | None = None,
) -> Styler:
    """A result table styled for a report reader (pandas ``Styler``).

    Parameters
    ----------
    table : pandas.DataFrame
        Any pqlkit result table; not modified.
    percent : sequence of str
        Columns holding shares (0-1), shown as percentages (``41.2%``). The columns of an interval
        (``ci_low`` and ``ci_high``, or ``x_ci_low`` and ``x_ci_high``) are shown as one column
        ``95% CI`` (``36.0–46.2%``), in percent when the ``*ci_low`` column is listed here; the
        header is ``X 95% CI`` for ``x_ci_*`` when the table has several intervals or no ``x``.
    columns : sequence of str, optional
        The columns to show, in this order (default: all).
    labels : mapping, optional
        Header text for some columns (default: the column name in words, :func:`header_words`).
    digits : int
        Decimals of non-integer numbers and of percentages.
    max_rows : int, optional
        Show only the first rows (the caption then says how many of how many).
    caption : str, optional
        A line above the table.

    Returns
    -------
    pandas.io.formats.style.Styler
        One row per row of ``table`` (or the first ``max_rows``), the chosen columns, with headers
        in words and ``95% CI`` in place of each interval pair; no index column. Numbers, dates and
        yes/no cells are aligned right, text left; numbers and dates never wrap, text does.

    Raises
    ------
    ValueError
        When ``percent``, ``columns`` or ``labels`` names a column that is not in ``table``.

    Examples
    --------
    >>> rates = pd.DataFrame({"channel": ["referral"], "entities": [1200], "pql_rate": [0.41],
    ...                       "ci_low": [0.38], "ci_high": [0.44]})
    >>> styled = reader_table(rates, percent=["pql_rate", "ci_low"])
    >>> list(styled.data.columns)
    ['Channel', 'Entities', 'PQL rate', '95% CI']
    >>> styled.data.iloc[0].tolist()
    ['referral', '1,200', '41.0%', '38.0–44.0%']
    """
    shown = list(table.columns if columns is None else columns)
    check_columns(table, shown, argument="columns")
    check_columns(table, list(percent), argument="percent")
    check_columns(table, list(labels or {}), argument="labels")
    total_rows = len(table)
    data = table[shown] if max_rows is None else table[shown].head(max_rows)

    cells: dict[str, list[str]] = {}
    numeric: set[str] = set()
    skip: set[str] = set()
    names = {column: (labels or {}).get(column, header_words(column)) for column in shown}
    pairs = _interval_pairs(shown)
    for low, high, stem in pairs:
        in_percent = low in percent
        name = "95% CI" if not stem or (len(pairs) == 1 and stem in shown) else f"{header_words(stem)} 95% CI"
        values = []
        for a, b in zip(data[low], data[high]):
            if _missing(a) or _missing(b):
                values.append("")
            elif in_percent:
                values.append(f"{float(a) * 100:,.{digits}f}–{_percent(b, digits)}")
            else:
                values.append(f"{_number(a, digits)}–{_number(b, digits)}")
        cells[low] = values
        names[low] = (labels or {}).get(low, name)
        numeric.add(low)
        skip.add(high)
    for column in shown:
        if column in skip or column in cells:
            continue
        series = data[column]
        date_format = None
        if pd.api.types.is_datetime64_any_dtype(series) or isinstance(series.dtype, pd.DatetimeTZDtype):
            date_format = _date_format(series)
        cells[column] = [_cell(v, percent=column in percent, digits=digits, date_format=date_format) for v in series]
        kinds = [v for v in series if not _missing(v)]
        if kinds and all(isinstance(v, (numbers.Number, pd.Timestamp, pd.Timedelta, np.bool_)) for v in kinds):
            numeric.add(column)

    order = [c for c in shown if c not in skip]
    seen: set[str] = set()
    for column in order:  # headers must be unique (a Styler cannot style a repeated one)
        if names[column] in seen:
            names[column] = f"{names[column]} ({column})"
        seen.add(names[column])
    frame = pd.DataFrame({names[c]: cells[c] for c in order}, index=range(len(data)))
    digest = hashlib.sha1(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()[:10]
    styler = Styler(frame, uuid=f"pqlkit{digest}", cell_ids=False)
    styler = styler.hide(axis="index")
    right = [names[c] for c in order if c in numeric]
    left = [names[c] for c in order if c not in numeric]
    if right:
        styler = styler.set_properties(subset=right, **{"text-align": "right", "white-space": "nowrap"})
        styler = styler.format(_aligned("right"), subset=right)
    if left:
        styler = styler.set_properties(subset=left, **{"text-align": "left", "white-space": "normal"})
        styler = styler.format(_aligned("left"), subset=left)
    header_alignment = {names[c]: ("right" if c in numeric else "left") for c in order}
    styler = styler.format_index(lambda label: _aligned(header_alignment.get(label, "left"))(label), axis="columns")
    header = [{"selector": "th.col_heading", "props": "text-align: left; white-space: normal; vertical-align: bottom;"}]
    header += [{"selector": f"th.col_heading.col{i}", "props": "text-align: right;"}
               for i, c in enumerate(order) if c in numeric]
    styler = styler.set_table_styles([
        {"selector": "", "props": "border-collapse: collapse; font-variant-numeric: tabular-nums; max-width: 100%;"},
        {"selector": "td, th", "props": "padding: 0.2em 0.6em;"},
        *header,
    ])
    if max_rows is not None and total_rows > max_rows:
        caption = (caption + " " if caption else "") + f"(the first {max_rows:,} of {total_rows:,} rows)"
    if caption:
        styler = styler.set_caption(caption)
    return styler
