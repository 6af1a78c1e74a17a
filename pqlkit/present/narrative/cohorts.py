"""Cohorts and seasonality (notebook 03): sentences on the cohort heatmap, cohort rates and times, PQL
cohorts and the weekday or month of signup.
"""

from __future__ import annotations

import pandas as pd

from pqlkit.present.formatting import days, p_value, pct, rate_phrase
from pqlkit.present.narrative.volume import segment_sentence
from pqlkit.stats import compare_groups

__all__ = [
    "cohort_rates_sentence",
    "cohort_time_sentence",
    "heatmap_sentence",
    "pql_cohort_sentence",
    "seasonality_sentence",
]


def _single(table: pd.DataFrame, column: str) -> float | None:
    """The one value of a result table's fixed-setting column (``horizon_days``), None if none or several."""
    values = table[column].dropna().unique() if column in table else []
    return float(values[0]) if len(values) == 1 else None


def heatmap_sentence(matrix: pd.DataFrame) -> str:
    """The latest mature reading at the longest common day, oldest against newest cohort.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    data = matrix[matrix["pql_rate"].notna()]
    if data.empty:
        return "No cohort is old enough yet to fill a cell of the cohort heatmap."
    counts = data.groupby("day")["signup_cohort"].nunique()
    shared = counts[counts >= 2]
    if shared.empty:
        row = data.sort_values("day").iloc[-1]
        return (f"Only one cohort is old enough: {pct(row['pql_rate'])} of it reached PQL within "
                f"{row['day']:g} days.")
    day = float(shared.index.max())
    cells = data[data["day"] == day].sort_values("signup_cohort")
    first, last = cells.iloc[0], cells.iloc[-1]
    return (f"Within {day:g} days of signup, the oldest cohort ({first['signup_cohort'].strftime('%Y-%m-%d')}) "
            f"reached {pct(first['pql_rate'])} and the newest cohort old enough to judge "
            f"({last['signup_cohort'].strftime('%Y-%m-%d')}) {pct(last['pql_rate'])}.")


def cohort_rates_sentence(rates: pd.DataFrame, *, alpha: float = 0.05) -> str:
    """Mature cohorts: range, whether they differ (chi-square across them), the latest; how many are still too young.

    The mature cohorts are compared with :func:`pqlkit.stats.compare_groups` (chi-square across,
    significance level ``alpha``); the young ones are left out, their rates being floors.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if rates.empty:
        return "No signup cohorts."
    horizon = _single(rates, "horizon_days")
    mature = rates[rates["mature"]]
    young = int((~rates["mature"]).sum())
    within = f" within {horizon:g} days" if horizon else ""
    if mature.empty:
        return (f"No cohort is old enough yet to judge its PQL rate{within}: all {len(rates)} are still young, "
                "so their rates are floors, not drops.")
    low = mature.sort_values(["pql_rate", "signup_cohort"]).iloc[0]
    high = mature.sort_values(["pql_rate", "signup_cohort"], ascending=[False, True]).iloc[0]
    latest = mature.iloc[-1]
    text = (f"Mature cohorts reach PQL{within} at {pct(low['pql_rate'])} to {pct(high['pql_rate'])}; the latest "
            f"mature one ({latest['signup_cohort'].strftime('%Y-%m-%d')}) at "
            f"{rate_phrase(latest['pql_rate'], latest['ci_low'], latest['ci_high'])}")
    if len(mature) >= 2:
        test = compare_groups(mature.assign(signup_cohort=mature["signup_cohort"].astype("str")),
                              group="signup_cohort", hits="pqls_within", total="entities", alpha=alpha)
        verdict = "differ significantly" if test.significant else "do not differ significantly"
        text += f". The {len(mature)} mature cohorts {verdict} (chi-square, {p_value(test.p_value)})"
    if young:
        text += f". The {young} newest cohort(s) are too young to judge and are drawn hollow"
    return text + "."


def cohort_time_sentence(table: pd.DataFrame) -> str:
    """Median time to PQL: first against last cohort with PQLs.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    data = table[table["median_days"].notna()]
    if data.empty:
        return "No cohort has PQLs yet, so there is no time to PQL per cohort."
    first, last = data.iloc[0], data.iloc[-1]
    if len(data) == 1:
        return f"The one cohort with PQLs took a median {days(first['median_days'])} to get there."
    return (f"The median time to PQL went from {days(first['median_days'])} for the "
            f"{first['signup_cohort'].strftime('%Y-%m-%d')} cohort to {days(last['median_days'])} for the "
            f"{last['signup_cohort'].strftime('%Y-%m-%d')} cohort (the newest only counts its quick PQLs so far).")


def pql_cohort_sentence(table: pd.DataFrame, *, has_payments: bool = True) -> str:
    """PQL-to-paid per PQL cohort: range among mature cohorts.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if not has_payments:
        return "There is no conversions table, so PQL-to-paid per cohort cannot be measured."
    data = table[table["pql_to_paid_rate"].notna()] if len(table) else table
    if data.empty:
        return "No PQL cohort yet."
    within = _single(table, "within_days")
    label = f" within {within:g} days" if within else ""
    mature = data[data["mature"]]
    if mature.empty:
        return f"No PQL cohort is old enough yet to judge PQL-to-paid{label}."
    low = mature.sort_values(["pql_to_paid_rate", "pql_cohort"]).iloc[0]
    high = mature.sort_values(["pql_to_paid_rate", "pql_cohort"], ascending=[False, True]).iloc[0]
    return (f"Among mature PQL cohorts, PQL-to-paid{label} ranges from {pct(low['pql_to_paid_rate'])} "
            f"({low['pql_cohort'].strftime('%Y-%m-%d')}) to {pct(high['pql_to_paid_rate'])} "
            f"({high['pql_cohort'].strftime('%Y-%m-%d')}).")


def seasonality_sentence(table: pd.DataFrame, *, alpha: float = 0.05) -> str:
    """Whether weekdays (or months) of signup differ in PQL rate: :func:`segment_sentence`'s test.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    key = "weekday" if "weekday" in table else "month"
    data = table[table["pql_rate"].notna()]
    if len(data) < 2:
        return f"Not enough signups old enough to judge to compare PQL rates by {key}."
    return segment_sentence(data, by=key, hits="pqls_within", total="mature", what="signups activate",
                            noun="", alpha=alpha).replace("  ", " ").strip()
