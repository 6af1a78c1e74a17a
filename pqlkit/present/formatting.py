"""How a number reads: percentages, intervals, day counts, dates and the reader's labels, in one place.

The notebooks' sentences (:mod:`pqlkit.present.narrative`), the tables beside them
(:mod:`pqlkit.present.tables`), the report's index page (:mod:`pqlkit.report.index_page`) and the
command line's text summary all format their numbers here, and all name a key with :func:`label`
(the one table :data:`LABELS`, one fallback). A share reads with one decimal wherever it is shown
(``41.2%`` in a sentence and in the table beside it); category values read in words
(:func:`value_words`), model features too (:func:`feature_words`), and every amount carries its
currency (:func:`money`). docs/metrics.md, "Words on the pages", is the contract.

Every function returns text and leaves its input alone; missing values (None, NaN, ``pd.NA``,
``NaT``) read as ``n/a`` unless a caller passes another ``missing`` text.

The module loads no pandas, so that the command line's text summary runs without it: the two
functions that take pandas objects or parse dates with it (:func:`date_format`, :func:`human_date`)
import it when called.
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_CURRENCY", "LABELS", "VALUE_WORDS", "days", "feature_words", "header_words", "interval", "kpi_value",
    "label", "money", "pct", "value_words",
]

#: Labels of the summary's, the records' and the tables' keys, in the analyst's words: the ONE table of
#: reader labels (a key not here reads as its words, :func:`label`).
LABELS = {
    "entities": "Entities", "raw_pqls": "Raw PQLs", "current_pqls": "Current PQLs", "pql_rate": "PQL rate",
    "activation_rate_mean": "Mean activation rate", "time_to_pql_median_days": "Median time to PQL (among PQLs)",
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
    "crm_rows": "Leads in the CRM export", "north_star": "North star",
    "north_star_kpi": "North-star KPI", "kpi": "KPI", "model": "Model",
    "roc_auc": "Ranks a payer above a non-payer (share of pairs; 50% is chance)",
    "average_precision": "Payers among the leads ranked first (average precision; higher is better)",
    "brier": "Squared error of the chance of paying (lower is better)",
    "days_since_pql": "Days since PQL", "days_since_seen": "Days since last seen", "age_days": "Days since signup",
    "account_founder": "First user of the account", "path": "Road to paying",
    "pay_score_roc_auc": "Score: ranks a payer above a non-payer (share of pairs)",
    "pay_score_today_roc_auc": "Today's order: ranks a payer above a non-payer (share of pairs)",
    "pay_score_average_precision": "Score: payers among the leads ranked first (average precision)",
    "pay_score_brier": "Score: squared error of the chance of paying (lower is better)",
    "pay_score_top_decile_payers_score": "Payers in the score's first tenth of the list",
    "pay_score_top_decile_payers_today": "Payers in today's first tenth of the list",
    "pay_score_top_decile_extra_payers": "Extra payers in the first tenth, by the score",
}
#: Words written in capitals (or with their own spelling) in a table's headers (:func:`header_words`).
HEADER_WORDS = {
    "pql": "PQL", "pqls": "PQLs", "ci": "CI", "mrr": "MRR", "kpi": "KPI", "kpis": "KPIs", "id": "ID",
    "crm": "CRM", "utm": "UTM", "km": "Kaplan–Meier", "pct": "%",
}
#: pqlkit's own category values in words (a value not here reads with its underscores as spaces).
VALUE_WORDS = {
    "converted_pql": "became a PQL, then paid", "paid_before_pql": "paid before becoming a PQL",
    "paid_without_pql": "paid without becoming a PQL", "no_data": "no data",
    "logistic_regression": "weighted sum of the signals", "gradient_boosting": "many small decision trees",
    "inconclusive": "not enough evidence yet", "within": "inside the band",
}
#: Columns holding the data's own names (ids, event and step names as the tracking plan and the spec write
#: them): shown as written, never turned into words, so that a reader can find them in their tools.
NAMES_AS_WRITTEN = frozenset({
    "entity_id", "account_id", "user_id", "event", "event_name", "step", "steps", "missing_steps",
    "best_candidate_event",
})
#: What "nothing to show" reads as on the report's index (never "n/a").
NOTHING = "none yet"
#: What a figure the data cannot give reads as (no payments table: nobody can be seen paying), never 0.
NOT_MEASURED = "not measured"


# --- missing values -------------------------------------------------------------------------------


def missing(value) -> bool:
    """Whether ``value`` is missing: None, ``pd.NA``, ``NaT`` or a float NaN.

    >>> missing(None), missing(float("nan")), missing(0.0)
    (True, True, False)

    Returns
    -------
    bool
    """
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    # pd.NA and pd.NaT exist only once pandas is loaded: without it, no value can be one of them.
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


# --- shares, intervals, differences ----------------------------------------------------------------


def pct(value: float | None, *, digits: int = 1, grouping: bool = False, missing_text: str = "n/a") -> str:
    """A share as a percentage, with one decimal wherever it is shown; ``n/a`` for missing.

    One rule for sentences and tables, so that a figure reads the same in a sentence and in the table
    beside it (``41.2%`` in both, never ``41%`` in one and ``41.2%`` in the other).

    >>> pct(0.4123), pct(0.034), pct(None), pct(0.4123, digits=0)
    ('41.2%', '3.4%', 'n/a', '41%')

    Parameters
    ----------
    value : float or None
        The share (0-1).
    digits : int
        Decimals (1).
    grouping : bool
        Thousands separators (``1,234.5%``), as the report's tables write them.
    missing_text : str
        What a missing value reads as.

    Returns
    -------
    str
        ``41.2%``, ``3.4%`` or ``n/a``.
    """
    if missing(value):
        return missing_text
    return f"{float(value) * 100:{',' if grouping else ''}.{digits}f}%"


def share_span(low: float, high: float, *, digits: int = 1, grouping: bool = False,
               unit_on_both: bool = False) -> str:
    """Two shares as a range: ``36.0–46.2%`` (``36.0%–46.2%`` with ``unit_on_both``); both bounds present.

    ``digits`` and ``grouping`` as in :func:`pct`, applied to each bound.

    Returns
    -------
    str
        The range, an en dash between the bounds.
    """
    first = pct(low, digits=digits, grouping=grouping)
    return f"{first if unit_on_both else first[:-1]}–{pct(high, digits=digits, grouping=grouping)}"


def interval(low: float | None, high: float | None, *, digits: int = 1,
             unit_on_both: bool = False) -> str:
    """A 95 % interval of shares: ``95% CI 36.0–46.2%``.

    >>> interval(0.36, 0.462)
    '95% CI 36.0–46.2%'

    ``digits`` and ``unit_on_both`` as in :func:`share_span` (the report's index writes
    ``95% CI 36.0%–46.2%``).

    Returns
    -------
    str
        ``95% CI 36.0–46.2%``, or ``no interval`` when a bound is missing.
    """
    if missing(low) or missing(high):
        return "no interval"
    return f"95% CI {share_span(low, high, digits=digits, unit_on_both=unit_on_both)}"


def rate_phrase(rate, low, high) -> str:
    """A rate and its interval for prose: ``41.2% (95% CI 36.0–46.2%)``."""
    return f"{pct(rate)} ({interval(low, high)})"


def signed_pct(change) -> str:
    """A relative change, signed: ``+12.0%``, ``−3.4%``; ``n/a`` for missing."""
    if missing(change):
        return "n/a"
    return f"{'+' if change >= 0 else '−'}{pct(abs(change))}"


def points(value: float) -> str:
    """A difference of two shares in percentage points, signed: ``+12.3 points``."""
    return f"{'+' if value >= 0 else '−'}{abs(value) * 100:.1f} points"


def p_value(value: float) -> str:
    """A p-value for prose: ``p = 0.021``, ``p < 0.001``."""
    if missing(value):
        return "no p-value"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def signed_change(key: str, now, then) -> str:
    """``+12`` / ``+1.4 pts`` / ``−0.3 days`` from ``then`` to ``now`` of a summary key; "" when either is missing.

    A rate or share changes in percentage points, a number of days in days (one decimal), a count in
    whole units.

    Returns
    -------
    str
        The signed change, ``±0`` (with its unit) when it rounds to nothing.
    """
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


# --- counts, numbers, days ------------------------------------------------------------------------


def days(value: float | None, *, digits: int = 1, grouping: bool = False, missing_text: str = "n/a") -> str:
    """Days with one decimal: ``3.1 days``; ``n/a`` for missing.

    ``grouping``: thousands separators (``1,234.5 days``), as the report's tables write them.

    Returns
    -------
    str
        ``3.1 days`` or ``n/a``.
    """
    if missing(value):
        return missing_text
    return f"{float(value):{',' if grouping else ''}.{digits}f} days"


def number(value, *, digits: int) -> str:
    """A number as a table shows it: ``135,873``, ``9.9``, ``1,200`` for a whole ``1200.0``, ``∞``, yes/no.

    Returns
    -------
    str
        Integers with thousands separators; other numbers with ``digits`` decimals.
    """
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


def summary_value(key: str, value) -> str:
    """A value of the summary or of a notebook's record, as the report's index shows it.

    Shares (a key with ``rate``, ``share``, ``pct``, ``benchmark``, ``roc_auc`` or ``average_precision``,
    between 0 and 1) as ``41.2%``,
    days as ``3.1 days``, counts with thousands separators, other numbers with three significant
    digits; missing and infinite values read :data:`NOTHING`.

    Returns
    -------
    str
        The value in words.
    """
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
        if any(word in lowered for word in ("rate", "share", "pct", "benchmark", "roc_auc", "average_precision")) \
                and 0 <= value <= 1:
            return pct(value, digits=1)
        if "days" in lowered:
            return days(value)
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


# --- dates ----------------------------------------------------------------------------------------


def date_format(series: pd.Series) -> str:
    """The ``strftime`` format of a column of timestamps: dates alone when every one is at midnight,
    else date and minute.

    Returns
    -------
    str
        ``"%Y-%m-%d"`` or ``"%Y-%m-%d %H:%M"``.
    """
    import pandas as pd  # takes a pandas column; the module itself loads no pandas

    stamps = series.dropna()
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_localize(None)
    return "%Y-%m-%d" if len(stamps) == 0 or (stamps == stamps.dt.normalize()).all() else "%Y-%m-%d %H:%M"


def human_date(value) -> str:
    """An instant as a reader writes it: ``30 June 2026, 23:58 UTC`` (midnight or the day's last microsecond, as
    ``--as-of 2026-04-30`` and week ends give: the date only).

    Returns
    -------
    str
        The text; a value that is not a date is returned as it is.
    """
    import pandas as pd  # reads any date pandas reads; the module itself loads no pandas

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


# --- labels ---------------------------------------------------------------------------------------


def label(key: str) -> str:
    """The reader's label of a key (a summary key, a record key, a table's column): the one vocabulary.

    :data:`LABELS` first; else the key in words: underscores as spaces, the words of
    :data:`HEADER_WORDS` in their spelling (``PQL``, ``UTM``, ``ID``), ``14d`` as ``14 days``, the first
    letter in capitals.

    >>> label("pql_to_paid_rate"), label("utm_source"), label("within_14d"), label("entity_id")
    ('PQL-to-paid rate', 'UTM source', 'Within 14 days', 'Entity ID')

    Returns
    -------
    str
        The label.
    """
    key = str(key)
    if key in LABELS:
        return LABELS[key]
    words = []
    for word in key.split("_"):
        if not word:
            continue
        if word.endswith("d") and word[:-1].isdigit():
            words.append(f"{word[:-1]} days")
        else:
            words.append(HEADER_WORDS.get(word.lower(), word))
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else key


#: A table's header: the same label as everywhere else (kept as a name for the callers that say "header").
header_words = label


def value_words(value) -> str:
    """A category value in words: :data:`VALUE_WORDS` (pqlkit's own values), else underscores as spaces.

    >>> value_words("converted_pql"), value_words("paid_social"), value_words("referral")
    ('became a PQL, then paid', 'paid social', 'referral')

    Returns
    -------
    str
        The value in words (a value that is not text: its text).
    """
    text = str(value)
    return VALUE_WORDS.get(text, text.replace("_", " "))


def lower_first(text: str) -> str:
    """``Days since PQL`` → ``days since PQL``; an acronym (``PQL rate``) keeps its capitals."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def feature_words(feature: str) -> str:
    """A feature of the conversion score in words, as its chart and table show it.

    ``first_14d:login`` (how often the event was done in the first days) reads ``login in the first
    14 days``; ``channel=paid_social`` (a segment's value) reads ``channel: paid social``;
    ``core_workflow_done`` and ``core_workflow_day`` read ``core workflow done`` and ``day of core
    workflow``; other features read as their :func:`label`, first letter small. Event and step
    names are turned into words too: a chart's axis is not where a reader copies them from.

    >>> feature_words("first_14d:login"), feature_words("channel=paid_social"), feature_words("days_since_pql")
    ('login in the first 14 days', 'channel: paid social', 'days since PQL')

    Returns
    -------
    str
        The feature in words.
    """
    feature = str(feature)
    if feature.startswith("first_") and ":" in feature:
        window, event = feature[len("first_"):].split(":", 1)
        period = f"{window[:-1]} days" if window.endswith("d") and window[:-1].replace(".", "").isdigit() else window
        return f"{value_words(event)} in the first {period}"
    if "=" in feature:
        segment, level = feature.split("=", 1)
        return f"{lower_first(label(segment))}: {value_words(level)}"
    if feature.endswith("_done") and feature not in LABELS and feature != "steps_done":
        return f"{value_words(feature[:-len('_done')])} done"
    if feature.endswith("_day") and feature not in LABELS:
        return f"day of {value_words(feature[:-len('_day')])}"
    return lower_first(label(feature))


def kpi_value(value, unit: str) -> str:
    """A headline KPI as the playbook shows it, by its unit in :data:`pqlkit.analyses.playbook.KPIS`.

    ``share`` as ``41.2%``, ``days`` as ``3.1 days``, ``count`` as ``1,234``, ``km_share`` (a
    Kaplan–Meier reading, ``{"day", "share", "ci_low", "ci_high"}``) as
    ``33.0% by day 14 (95% CI 30.1%–36.0%)``; ``n/a`` for missing.

    >>> kpi_value(0.4123, "share"), kpi_value(1234, "count"), kpi_value(None, "days")
    ('41.2%', '1,234', 'n/a')
    >>> kpi_value({"day": 14, "share": 0.33, "ci_low": 0.301, "ci_high": 0.36}, "km_share")
    '33.0% by day 14 (95% CI 30.1%–36.0%)'
    """
    if unit == "km_share":
        if not value or value.get("share") is None:
            return "n/a"
        return (f"{pct(value['share'], digits=1)} by day {value['day']:g} "
                f"({interval(value['ci_low'], value['ci_high'], digits=1, unit_on_both=True)})")
    if missing(value):
        return "n/a"
    if unit == "share":
        return pct(value, digits=1)
    if unit == "days":
        return days(value)
    return f"{int(value):,}"


#: The currency every amount is shown in unless a report or notebook says otherwise (ISO 4217 code).
DEFAULT_CURRENCY = "USD"


def money(value, *, currency: str = DEFAULT_CURRENCY, missing_text: str = "not measured") -> str:
    """An amount of money with its currency, in whole units: ``9,534 USD``; ``not measured`` for missing.

    ``currency`` is an ISO 4217 code or a symbol; a symbol of one character goes before the amount.

    >>> money(9534.4), money(9534.4, currency="EUR"), money(120, currency="$"), money(None)
    ('9,534 USD', '9,534 EUR', '$120', 'not measured')
    """
    if missing(value):
        return missing_text
    amount = f"{value:,.0f}"
    return f"{currency}{amount}" if len(currency) == 1 else f"{amount} {currency}".strip()
