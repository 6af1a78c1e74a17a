"""The go-to-market playbook: who acts on which number, and the list sales works from (notebook 05).

- :data:`NORTH_STARS` maps a team goal (growth, activation, speed, monetization) to its headline
  KPI, :data:`KPIS` labels each KPI and says what it answers, and :data:`TEAMS` gives each team
  (product, marketing, sales, customer success) the numbers it owns; the tables of their values,
  formatted, are :func:`pqlkit.present.narrative.kpi_table` and ``team_kpis``.
- :func:`prioritise_pqls` ranks the current PQLs by the rule (its home is :mod:`pqlkit.analyses.leads`),
  and :func:`export_for_crm` writes a lead list as a CSV a CRM can import. The list a report shows
  and exports is :func:`pqlkit.lead_list` (ordered by the conversion score when it is trusted), the
  same list everywhere (docs/metrics.md#one-lead-list).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from pqlkit.analyses.leads import CRM_COLUMNS, prioritise_pqls

__all__ = [
    "NORTH_STARS",
    "KPIS",
    "TEAMS",
    "prioritise_pqls",
    "export_for_crm",
    "CRM_COLUMNS",
    "FORMULA_TRIGGERS",
    "defuse_formulas",
]

#: Team goal -> the summary key of its headline KPI. Speed is the Kaplan–Meier share reaching PQL by the
#: end of the trial: it counts the trials still running, which the plain median among PQLs leaves out
#: (docs/metrics.md#3-time-to-pql), and unlike the Kaplan–Meier median it exists when fewer than half
#: of the signups ever reach PQL.
NORTH_STARS = {
    "growth": "raw_pqls",
    "activation": "pql_rate",
    "speed": "time_to_pql_km_share_trial",
    "monetization": "pql_to_paid_rate",
}

#: Summary key -> (label, unit, the question it answers). The label a reader sees is
#: :func:`pqlkit.present.formatting.label` of the key (the one vocabulary; this layer cannot import it):
#: the first item is the same words, kept so that the tuple keeps its shape, and a test fails when the two differ.
KPIS = {
    "raw_pqls": ("Raw PQLs", "entities", "Is reach matched by activation?"),
    "current_pqls": ("Current PQLs", "entities", "How many warm leads are in play now?"),
    "pql_rate": ("PQL rate", "share", "What share of signups reaches the moment of value?"),
    "time_to_pql_median_days": ("Median time to PQL (among PQLs)", "days", "How fast do PQLs get there?"),
    "time_to_pql_km_share_trial": ("Reach PQL by the end of the trial (Kaplan–Meier)", "km_share",
                                   "How many get there in time, counting the trials still running?"),
    "stalled_in_trial": ("Stalled in trial", "entities", "Who is still wandering near the end of the trial?"),
    "pql_to_paid_rate": ("PQL-to-paid rate", "share", "Do activated users pay?"),
    "paid_without_pql": ("Paid without PQL", "entities", "Is there a road to value the definition misses?"),
}

#: Team -> the summary keys it acts on, most important first.
TEAMS = {
    "product": ("pql_rate", "time_to_pql_median_days", "pql_to_paid_rate", "paid_without_pql"),
    "marketing": ("raw_pqls", "pql_rate"),
    "sales": ("current_pqls", "pql_to_paid_rate"),
    "customer success": ("time_to_pql_median_days", "stalled_in_trial", "pql_to_paid_rate"),
}


#: The first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# A negative number written as text ("-3", "-0.25"): a spreadsheet reads it as that number and
# nothing else, so it is left as it is (as defusedcsv does); "-2+3" or "-A1" is not one.
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(\.[0-9]+)?")


def _defuse(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _NEGATIVE_NUMBER.fullmatch(value):
        return "'" + value
    return value


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open in a spreadsheet: no text cell can run as a formula.

    Every text cell, and every column name, that begins with one of :data:`FORMULA_TRIGGERS`
    (``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading ``'``, as the OWASP guidance on
    CSV injection recommends: ``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``. Numbers stay
    numbers: numeric columns are not touched, and a text cell that is a plain negative number
    (``-3``, ``-0.5``, as a segment read from a CSV holds it) is left as it is. Every CSV pqlkit
    writes from the data goes through this function.

    Returns
    -------
    pandas.DataFrame
        The same columns (names defused likewise) and rows; text columns are ``object`` dtype.
    """
    frame = frame.copy()
    for column in frame.columns:
        series = frame[column]
        text = pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series)
        if not (text or isinstance(series.dtype, pd.CategoricalDtype)):
            continue  # numbers, booleans and timestamps: a CSV writes them as they are
        frame[column] = series.astype("object").map(_defuse)
    frame.columns = [_defuse(str(name)) for name in frame.columns]
    return frame


def export_for_crm(table: pd.DataFrame, path: str | os.PathLike, *, digits: int = 2) -> Path:
    """Write a prioritised PQL list as a CSV a CRM can import.

    Timestamps are written as ISO 8601 in UTC (``2026-06-30T14:05:00Z``), floats rounded to
    ``digits``, rows in priority order, no index column. The folder is created if needed.

    No cell is a formula: a text value from the data (an id, a segment value, a plan name, a step
    name) that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
    leading apostrophe (``'=HYPERLINK(...)``), so a spreadsheet shows it as text instead of running
    it (OWASP's advice on CSV injection); numbers are written as numbers, so ``-3`` stays ``-3``.
    Rows end in CRLF (RFC 4180).
    See :func:`defuse_formulas`.

    Parameters
    ----------
    table : pandas.DataFrame
        The lead list (:func:`pqlkit.lead_list`, or :func:`prioritise_pqls`), written as it is: the
        same rows in the same order, with ``pay_probability``, ``expected_mrr`` and
        ``order_reason`` when it has them.
    path : path-like
        The CSV file to write.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    out = Path(os.fspath(path))
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = table.copy()
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            frame[column] = series.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif pd.api.types.is_float_dtype(series):
            frame[column] = series.round(digits)
    if "priority" in frame:
        frame = frame.sort_values("priority")
    # CRLF line ends (RFC 4180): Python's csv module quotes a cell holding any character of the line
    # terminator, so a carriage return inside a value is quoted, not read as the end of a row.
    defuse_formulas(frame).to_csv(out, index=False, lineterminator="\r\n")
    return out
