"""Tables for readers: one helper that turns a result table into the table a report page shows.

A pandas frame displayed as is reads like pandas: an index column (0, 1, 2 ...), ``snake_case``
headers, ``True``/``False`` cells, ``135873`` and ``0.41234``. :func:`reader_table` returns a
pandas ``Styler`` instead: no index column, headers in words, counts with thousands separators,
shares as percentages, each interval as one ``36–46%`` column, booleans as ``yes``/``no``, dates
as dates, category values in words (``converted_pql`` reads ``became a PQL, then paid``, ``paid_social``
``paid social``; ids, event and step names as written), a model's features in words, missing values
(a cohort too young for the figure) blank, numbers aligned right and text left, and long text
wrapped rather than cut short. Headers and values come from the one vocabulary,
:mod:`pqlkit.present.formatting`.

Only the display changes: the table's values are not modified (STYLE: tidy table in, new table out).
"""

from __future__ import annotations

import hashlib
import html
import numbers
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from pqlkit.core.context import check_columns
from pqlkit.present.formatting import (
    NAMES_AS_WRITTEN,
    date_format,
    days,
    feature_words,
    label,
    missing,
    number,
    pct,
    share_span,
    value_words,
)

__all__ = ["natural_order", "reader_table"]

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
    for text in table[by].astype("str"):
        match = _LEADING_NUMBER.match(text)
        if match is None:
            return table.copy()
        keys.append(float(match.group(1).replace(",", "")))
    order = sorted(range(len(keys)), key=lambda i: (keys[i], i))
    return table.iloc[order].copy()


def _cell(value, *, percent: bool, digits: int, stamp_format: str | None, words=value_words) -> str:
    """One value as the reader sees it (blank when missing; text through ``words``)."""
    if missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return value.strftime(stamp_format or "%Y-%m-%d %H:%M")
    if isinstance(value, pd.Timedelta):
        return days(value.total_seconds() / 86400, digits=digits, grouping=True)
    if isinstance(value, numbers.Number):
        return pct(value, digits=digits, grouping=True) if percent else number(value, digits=digits)
    return words(value)


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
    column_digits: Mapping[str, int] | None = None,
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
        Header text for some columns (default: the column's label, :func:`pqlkit.present.formatting.label`).
    digits : int
        Decimals of non-integer numbers and of percentages.
    column_digits : mapping, optional
        Decimals of some columns, where they differ from ``digits`` (a Brier score at three decimals
        beside shares at one).
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
    check_columns(table, list(column_digits or {}), argument="column_digits")
    total_rows = len(table)
    data = table[shown] if max_rows is None else table[shown].head(max_rows)

    names = {column: (labels or {}).get(column, label(column)) for column in shown}
    pairs = _interval_pairs(shown)
    cells = _interval_cells(data, pairs, percent=percent, digits=digits)
    numeric = set(cells)
    skip = {high for _, high, _ in pairs}
    for low, _, stem in pairs:
        name = "95% CI" if not stem or (len(pairs) == 1 and stem in shown) else f"{label(stem)} 95% CI"
        names[low] = (labels or {}).get(low, name)
    for column in shown:
        if column in skip or column in cells:
            continue
        cells[column], right = _column_cells(data[column], percent=column in percent,
                                             digits=(column_digits or {}).get(column, digits),
                                             words=_words_of(column))
        if right:
            numeric.add(column)

    order = [c for c in shown if c not in skip]
    seen: set[str] = set()
    for column in order:  # headers must be unique (a Styler cannot style a repeated one)
        if names[column] in seen:
            names[column] = f"{names[column]} ({column})"
        seen.add(names[column])
    frame = pd.DataFrame({names[c]: cells[c] for c in order}, index=range(len(data)))
    styler = _styled(frame, right=[c in numeric for c in order])
    if max_rows is not None and total_rows > max_rows:
        caption = (caption + " " if caption else "") + f"(the first {max_rows:,} of {total_rows:,} rows)"
    if caption:
        styler = styler.set_caption(caption)
    return styler


def _interval_cells(data: pd.DataFrame, pairs: Sequence[tuple[str, str, str]], *, percent: Sequence[str],
                    digits: int) -> dict[str, list[str]]:
    """The text of each interval, keyed by its ``*ci_low`` column: ``36.0–46.2%`` in percent when the low
    column is in ``percent``, else ``1.2–3.4``; blank when a bound is missing."""
    cells = {}
    for low, high, _ in pairs:
        values = []
        for a, b in zip(data[low], data[high]):
            if missing(a) or missing(b):
                values.append("")
            elif low in percent:
                values.append(share_span(a, b, digits=digits, grouping=True))
            else:
                values.append(f"{number(a, digits=digits)}–{number(b, digits=digits)}")
        cells[low] = values
    return cells


def _words_of(column: str):
    """How a column's text cells read: names as written, features in words, other values in words."""
    if column in NAMES_AS_WRITTEN or str(column).endswith("_id"):
        return str
    return feature_words if column == "feature" else value_words


def _column_cells(series: pd.Series, *, percent: bool, digits: int, words=value_words) -> tuple[list[str], bool]:
    """The text of one column's cells, and whether the column holds numbers, dates or yes/no (aligned right)."""
    stamp_format = None
    if pd.api.types.is_datetime64_any_dtype(series) or isinstance(series.dtype, pd.DatetimeTZDtype):
        stamp_format = date_format(series)
    cells = [_cell(v, percent=percent, digits=digits, stamp_format=stamp_format, words=words) for v in series]
    kinds = [v for v in series if not missing(v)]
    right = bool(kinds) and all(isinstance(v, (numbers.Number, pd.Timestamp, pd.Timedelta, np.bool_)) for v in kinds)
    return cells, right


def _styled(frame: pd.DataFrame, *, right: Sequence[bool]) -> Styler:
    """``frame`` (text cells, headers in words) as a Styler: no index, the columns flagged in ``right``
    aligned right and unwrapped, the others left and wrapped, headers likewise."""
    digest = hashlib.sha1(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()[:10]
    styler = Styler(frame, uuid=f"pqlkit{digest}", cell_ids=False)
    styler = styler.hide(axis="index")
    headers = list(frame.columns)
    to_right = [h for h, flag in zip(headers, right) if flag]
    to_left = [h for h, flag in zip(headers, right) if not flag]
    if to_right:
        styler = styler.set_properties(subset=to_right, **{"text-align": "right", "white-space": "nowrap"})
        styler = styler.format(_aligned("right"), subset=to_right)
    if to_left:
        styler = styler.set_properties(subset=to_left, **{"text-align": "left", "white-space": "normal"})
        styler = styler.format(_aligned("left"), subset=to_left)
    header_alignment = {h: ("right" if flag else "left") for h, flag in zip(headers, right)}
    styler = styler.format_index(lambda label: _aligned(header_alignment.get(label, "left"))(label), axis="columns")
    header = [{"selector": "th.col_heading", "props": "text-align: left; white-space: normal; vertical-align: bottom;"}]
    header += [{"selector": f"th.col_heading.col{i}", "props": "text-align: right;"}
               for i, flag in enumerate(right) if flag]
    return styler.set_table_styles([
        {"selector": "", "props": "border-collapse: collapse; font-variant-numeric: tabular-nums; max-width: 100%;"},
        {"selector": "td, th", "props": "padding: 0.2em 0.6em;"},
        *header,
    ])
