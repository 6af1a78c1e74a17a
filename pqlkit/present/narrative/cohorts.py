"""Cohorts and seasonality (notebook 03): sentences on the cohort heatmap, cohort rates and times, PQL
cohorts and the weekday or month of signup.
"""

from __future__ import annotations

import pandas as pd

from pqlkit.present.formatting import days, p_value, pct, rate_phrase
from pqlkit.present.narrative.volume import segment_sentence
from pqlkit.stats import compare_groups
from pqlkit.stats.groups import CHI_SQUARE, MIN_GROUP_SIZE, MONTE_CARLO

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


def cohort_rates_sentence(rates: pd.DataFrame, *, alpha: float = 0.05, min_size: int = MIN_GROUP_SIZE) -> str:
    """Mature cohorts: range, whether they differ (at the fixed age), the latest; how many are still too young.

    The mature cohorts are compared at the table's fixed age (``horizon_days``) with
    :func:`pqlkit.stats.compare_groups` (chi-square across them, with a Monte-Carlo p-value when an
    expected count is under 5; with two cohorts, the one test of the two; significance level
    ``alpha``); cohorts under ``min_size`` entities are named and not judged; the young ones are
    left out, their rates being floors.

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
        test = compare_groups(mature.assign(signup_cohort=mature["signup_cohort"].dt.strftime("%Y-%m-%d")),
                              group="signup_cohort", hits="pqls_within", total="entities", alpha=alpha,
                              min_size=min_size)
        if test.groups_judged >= 2:
            verdict = "differ significantly" if test.significant else "do not differ significantly"
            how = "chi-square" if test.test == CHI_SQUARE else test.test
            if test.test == MONTE_CARLO:
                how = "chi-square, Monte-Carlo p-value as some expected counts are under 5"
            text += f". The {test.groups_judged} mature cohorts {verdict}{within} ({how}, {p_value(test.p_value)})"
        if test.too_small:
            text += (f". {len(test.too_small)} mature cohort(s) have fewer than {min_size} signups and are not "
                     f"judged ({', '.join(test.too_small)})")
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


def seasonality_sentence(table: pd.DataFrame, *, alpha: float = 0.05, min_months: float = 12,
                         min_size: int = MIN_GROUP_SIZE) -> str:
    """Whether weekdays (or months) of signup differ in PQL rate at a fixed age: :func:`segment_sentence`'s test.

    Months are compared only when the signups span at least ``min_months`` months (the table's
    ``months_of_data``): with fewer, each calendar month is seen at most once and the months differ
    by when they came, so a test would measure the trend, not a season; the sentence says so and
    tests nothing.

    Parameters
    ----------
    table : pandas.DataFrame
        As :func:`pqlkit.cohorts.seasonality` returns (``horizon_days`` gives the fixed age).
    alpha : float
        The significance level (0.05).
    min_months : float
        The months of data a month-by-month test needs (12: each calendar month seen once; 24
        would see each twice).
    min_size : int
        Weekdays or months with fewer signups old enough are named and not judged (10).

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    key = "weekday" if "weekday" in table else "month"
    data = table[table["pql_rate"].notna()]
    if len(data) < 2:
        return f"Not enough signups old enough to judge to compare PQL rates by {key}."
    span = _single(table, "months_of_data")
    if key == "month" and (span is None or span < min_months):
        measured = f"span only {span:.1f} months" if span is not None else "have no measured span"
        return (f"The signups {measured}, fewer than {min_months:g}: each calendar month is seen at most once, "
                "so a difference between months would measure the trend over these months, not a season. "
                "The rates by month are shown, not tested.")
    return segment_sentence(data, by=key, by_day=_single(table, "horizon_days"), hits="pqls_within", total="mature",
                            what="signups activate", noun="", alpha=alpha, min_size=min_size)
