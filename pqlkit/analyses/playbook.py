"""The go-to-market playbook: who acts on which number, and the list sales works from (notebook 05).

- :data:`NORTH_STARS` maps a team goal (growth, activation, speed, monetization) to its headline
  KPI; :func:`kpi_table` lists the KPIs with the chosen north star first.
- :func:`team_kpis` gives each team (product, marketing, sales, customer success) the numbers it
  owns.
- :func:`prioritise_pqls` ranks the current PQLs for sales, and :func:`export_for_crm` writes them
  as a CSV a CRM can import.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from pqlkit.core.context import AsOf, Context, context_steps, context_value
from pqlkit.metrics import current_pqls, missing_steps

__all__ = [
    "NORTH_STARS",
    "KPIS",
    "TEAMS",
    "kpi_table",
    "team_kpis",
    "prioritise_pqls",
    "export_for_crm",
    "CRM_COLUMNS",
    "FORMULA_TRIGGERS",
    "defuse_formulas",
]

#: Team goal -> the summary key of its headline KPI.
NORTH_STARS = {
    "growth": "raw_pqls",
    "activation": "pql_rate",
    "speed": "time_to_pql_median_days",
    "monetization": "pql_to_paid_rate",
}

#: Summary key -> (label, unit, the question it answers).
KPIS = {
    "raw_pqls": ("Raw PQLs", "entities", "Is reach matched by activation?"),
    "current_pqls": ("Current PQLs", "entities", "How many warm leads are in play now?"),
    "pql_rate": ("PQL rate", "share", "What share of signups reaches the moment of value?"),
    "time_to_pql_median_days": ("Median time to PQL", "days", "How fast do PQLs get there?"),
    "time_to_pql_km_share_trial": ("Reach PQL by the end of the trial (Kaplan–Meier)", "km_share",
                                   "How many get there in time, counting the trials still running?"),
    "stalled_in_trial": ("Stalled trials", "entities", "Who is still wandering near the end of the trial?"),
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

#: The columns of the CRM export, in order.
CRM_COLUMNS = (
    "priority", "entity_id", "account_id", "account_size", "activation_rate", "steps_done", "steps_total",
    "missing_steps", "pql_at", "days_since_pql", "last_seen_at", "days_since_seen", "signup_at",
)


def _check_north_star(north_star: str) -> str:
    value = {"monetisation": "monetization"}.get(north_star, north_star)
    if value not in NORTH_STARS:
        raise ValueError(
            f"The value for `north_star` must be one of {list(NORTH_STARS)}, but {north_star!r} was passed."
        )
    return value


def _format(value, unit: str) -> str:
    if unit == "km_share":  # a Kaplan–Meier reading: {"day", "share", "ci_low", "ci_high"}
        if not value or value.get("share") is None:
            return "n/a"
        return (f"{value['share']:.1%} by day {value['day']:g} "
                f"(95% CI {value['ci_low']:.1%}–{value['ci_high']:.1%})")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "days":
        return f"{value:.1f} days"
    return f"{int(value):,}"


def _number(value) -> float:
    if isinstance(value, dict):  # a Kaplan–Meier reading: its share
        value = value.get("share")
    return np.nan if value is None else float(value)


def kpi_table(summary: dict, *, north_star: str = "activation", has_payments: bool = True) -> pd.DataFrame:
    """The headline KPIs, the north star's first.

    Parameters
    ----------
    summary : dict
        :func:`pqlkit.summary` of the per-entity table.
    north_star : {"growth", "activation", "speed", "monetization"}
        The team goal whose KPI leads.
    has_payments : bool
        Pass ``dataset.has_conversions``: without payments the PQL-to-paid figures read ``n/a``.

    Returns
    -------
    pandas.DataFrame
        One row per KPI of :data:`KPIS`: ``kpi`` (label), ``key`` (summary key), ``value`` (number or
        NaN), ``shown`` (formatted), ``question``, ``north_star`` (bool). The north star first, the
        others in :data:`KPIS` order.
    """
    star = NORTH_STARS[_check_north_star(north_star)]
    order = [star, *[key for key in KPIS if key != star]]
    rows = []
    for key in order:
        label, unit, question = KPIS[key]
        value = summary.get(key)
        if not has_payments and key in ("pql_to_paid_rate", "paid_without_pql"):
            value = None
        rows.append({
            "kpi": label,
            "key": key,
            "value": _number(value),
            "shown": _format(value, unit),
            "question": question,
            "north_star": key == star,
        })
    return pd.DataFrame(rows)


def team_kpis(summary: dict, team: str, *, has_payments: bool = True) -> pd.DataFrame:
    """The KPIs one team acts on (see :data:`TEAMS`), with their values.

    Returns
    -------
    pandas.DataFrame
        ``kpi``, ``shown``, ``question``, in the team's order.
    """
    if team not in TEAMS:
        raise ValueError(f"The value for `team` must be one of {list(TEAMS)}, but {team!r} was passed.")
    table = kpi_table(summary, has_payments=has_payments).set_index("key")
    return table.loc[list(TEAMS[team]), ["kpi", "shown", "question"]].reset_index(drop=True)


def prioritise_pqls(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    as_of: AsOf = None,
    active_days: float | None = None,
    steps: list[str] | tuple[str, ...] | None = None,
    segments: list[str] | tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The current PQLs, ranked for sales: activation first, then recency, then account size.

    Order: ``activation_rate`` (high first), then ``days_since_seen`` in whole days (seen today
    first), then ``account_size`` (larger first), then ``entity_id``. Whole days keep recency from
    swamping account size: two PQLs seen the same day are told apart by size.

    ``account_size`` is the account's number of users: ``n_users`` at account level; at user
    level, the number of users in scope with the same ``account_id`` (1 without one).

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.reduce`).
    as_of, active_days : optional
        As in :func:`pqlkit.current_pqls`.
    context : Context, optional
        The analysis context: ``as_of``, ``active_days``, the step names and the segment columns.
    steps, segments : sequence of str, optional
        Override the context's.

    Returns
    -------
    pandas.DataFrame
        One row per current PQL with :data:`CRM_COLUMNS` and the segment columns after
        ``account_size``: ``priority`` (1 = call first), ``missing_steps`` (comma-separated step
        names not done, empty when all are), ``days_since_*`` in days.
    """
    table = current_pqls(entities, context=context, as_of=as_of, active_days=active_days)
    steps = context_steps(steps, context, entities, caller="prioritise_pqls")
    segments = [s for s in context_value("segments", segments, context, caller="prioritise_pqls") if s in table.columns]
    if "n_users" in table.columns:
        size = table["n_users"].astype("int64")
        account = table["entity_id"]
    else:
        counts = entities["account_id"].value_counts() if "account_id" in entities else pd.Series(dtype="int64")
        account = table["account_id"] if "account_id" in table else pd.Series(None, index=table.index, dtype="object")
        size = account.map(counts).fillna(1).astype("int64")
    table = table.assign(
        account_id=account.to_numpy(),
        account_size=size.to_numpy(),
        steps_total=len(steps),
        missing_steps=missing_steps(table, steps),
        _seen_days=np.floor(table["days_since_seen"].to_numpy(dtype=float)),
    )
    table = table.sort_values(
        ["activation_rate", "_seen_days", "account_size", "entity_id"], ascending=[False, True, False, True]
    ).reset_index(drop=True)
    table["priority"] = np.arange(1, len(table) + 1, dtype="int64")
    columns = list(CRM_COLUMNS)
    columns[4:4] = [s for s in segments if s not in columns]
    return table[columns]


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
        The output of :func:`prioritise_pqls`.
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
