"""Payments and pricing (notebook 04): PQL-to-paid, the lag to payment, plans, the benchmark, free-to-paid,
the definition's checks against payments and the revenue at stake.
"""

from __future__ import annotations

import pandas as pd

from pqlkit.present.formatting import (
    DEFAULT_CURRENCY,
    days,
    missing,
    money,
    pct,
    rate_phrase,
    value_words,
)
from pqlkit.present.narrative.display import bold

__all__ = [
    "benchmark_sentence",
    "checks_sentence",
    "free_to_paid_sentence",
    "lag_sentence",
    "paid_sentence",
    "plan_sentence",
    "revenue_sentence",
    "backtest_sentence",
]


def paid_sentence(conversion: pd.DataFrame, *, has_payments: bool = True) -> str:
    """PQL-to-paid with its interval.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if not has_payments:
        return "There is no conversions table, so PQL-to-paid cannot be measured."
    row = conversion.iloc[0]
    if row["eligible"] == 0:
        return "No PQL could convert yet (none that had not already paid)."
    return (f"{int(row['paid_pqls']):,} of {int(row['eligible']):,} PQLs went on to pay: "
            f"{bold('PQL-to-paid is ' + rate_phrase(row['pql_to_paid_rate'], row['ci_low'], row['ci_high']))}; "
            f"{int(row['paid_before_pql']):,} paid before becoming PQLs and {int(row['paid_without_pql']):,} "
            "paid without ever reaching the threshold.")


def lag_sentence(lag: pd.DataFrame) -> str:
    """Median lag from PQL to payment and the share within 14 days.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    row = lag.iloc[0]
    if row["paid_pqls"] == 0:
        return "No PQL has paid yet, so there is no lag to payment to show."
    text = (f"Paying PQLs paid a median {days(row['median_days'])} after becoming PQLs "
            f"(middle half {row['p25_days']:.1f}–{row['p75_days']:.1f} days)")
    if "within_14d" in lag:
        text += f"; {pct(row['within_14d'])} paid within 14 days"
    return text + "."


def plan_sentence(by_plan: pd.DataFrame, *, key: str = "plan", what: str = "{}",
                  currency: str = DEFAULT_CURRENCY) -> str:
    """Which plan (or price point) the converted PQLs choose, and at what MRR (an amount in ``currency``).

    ``what`` formats a group's name (in words, :func:`~pqlkit.present.formatting.value_words`), e.g.
    ``"the {} a month price point"``.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    data = by_plan[by_plan["converted_pqls"] > 0] if len(by_plan) else by_plan
    if data.empty:
        return "No PQL has paid yet, so there is no plan mix to show."
    top = data.sort_values(["converted_pqls", key], ascending=[False, True]).iloc[0]
    text = f"Most converted PQLs chose {what.format(value_words(top[key]))} ({pct(top['share_of_paid_pqls'])} of them"
    if not missing(top["mean_mrr"]):
        text += f", mean MRR {money(top['mean_mrr'], currency=currency)}"
    text += ")"
    if len(data) > 1:
        others = data[data[key] != top[key]].sort_values(["converted_pqls", key], ascending=[False, True])
        text += "; then " + ", ".join(f"{what.format(value_words(r[key]))} ({pct(r['share_of_paid_pqls'])})"
                                      for _, r in others.iterrows())
    return text + "."


def benchmark_sentence(reading: pd.DataFrame) -> str:
    """The verdict in words, with the rate, its interval, the band and what to look at.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    row = reading.iloc[0]
    band = f"{pct(row['band_low'])}–{pct(row['band_high'])}"
    lag = row.get("by_day", float("nan"))
    name = "PQL-to-paid (all time, PQLs of any age)" if missing(lag) else f"PQL-to-paid within {lag:g} days"
    among = "" if missing(lag) else f" (among the {int(row['eligible']):,} PQLs at least {lag:g} days past their PQL)"
    if row["verdict"] == "no_data":
        lag_words = " (all time)" if missing(lag) else f" within {lag:g} days of the PQL"
        return f"No PQL-to-paid rate{lag_words} to compare with the {band} band: {row['action']}."
    rate = rate_phrase(row["pql_to_paid_rate"], row["ci_low"], row["ci_high"])
    where = {"below": "below", "above": "above", "within": "inside", "inconclusive": "overlapping the edge of"}[row["verdict"]]
    return f"{bold(f'{name} is {rate}')}{among}, {where} the {band} band: {row['action']}."


def free_to_paid_sentence(table: pd.DataFrame, *, benchmark: float = 0.08,
                          source: str = "the 2026 Free-to-Paid Conversion Report") -> str:
    """Free-to-paid of all signups past the trial, against a published median.

    ``benchmark`` (0.08) is the median free-to-paid conversion of the 2026 *Free-to-Paid Conversion
    Report* (Growth Unhinged with ChartMogul and ProductLed); ``source`` names it in the sentence.
    "Above" or "below" only when the whole 95 % interval is.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    row = table.iloc[0]
    if missing(row["free_to_paid_rate"]):
        return ("No free-to-paid rate: no payments table, or no signup has been around for "
                f"{row['min_age_days']:g} days yet.")
    where = "above" if row["ci_low"] > benchmark else "below" if row["ci_high"] < benchmark else "in line with"
    return (f"Of {int(row['entities']):,} signups at least {row['min_age_days']:g} days old, {int(row['paying']):,} "
            f"pay: {bold('free-to-paid is ' + rate_phrase(row['free_to_paid_rate'], row['ci_low'], row['ci_high']))}, "
            f"{where} the {pct(benchmark)} median of {source}.")


def checks_sentence(checks: pd.DataFrame, *, revisit_share: float = 0.25) -> str:
    """What paid-before-PQL and paid-without-PQL say about the definition.

    ``revisit_share`` (0.25): when at least this share of payers paid without reaching the threshold
    (or did the steps only after paying), the sentence says to revisit the steps.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    total = int(checks["paying"].sum())
    if total == 0:
        return "No paying entities yet, so the definition cannot be checked against payments."
    rows = checks.set_index("path")
    before, without = rows.loc["paid_before_pql"], rows.loc["paid_without_pql"]
    text = (f"Of {total:,} paying, {pct(rows.loc['converted_pql', 'share'])} became PQLs before paying, "
            f"{pct(before['share'])} paid first and did the steps later, and {pct(without['share'])} paid "
            "without reaching the threshold")
    if without["share"] > revisit_share:
        text += f": more than {pct(revisit_share)} of buyers take a road the definition misses, so revisit the steps"
    elif before["share"] > revisit_share:
        text += ": many steps come after the purchase, so they measure onboarding rather than intent"
    else:
        text += ": the definition captures the usual road to paying"
    return text + "."


def revenue_sentence(table: pd.DataFrame, *, currency: str = DEFAULT_CURRENCY) -> str:
    """Expected new customers over the horizon and the MRR at stake, with the low-high range; every amount
    with its ``currency`` (:func:`~pqlkit.present.formatting.money`).

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    rows = table.set_index("case")
    exp = rows.loc["expected"]
    if exp["current_pqls"] == 0:
        return "There are no current PQLs, so no revenue is at stake right now."
    horizon = days(exp["horizon_days"], digits=0)
    unmeasured = int(exp.get("not_measured", 0))
    note = (f" {unmeasured:,} of them have been PQLs for longer than anyone has been followed after their PQL plus "
            f"{horizon}, so their chance is not measured and left out." if unmeasured else "")
    if missing(exp["mrr_at_stake"]):
        reason = ("no payments data, or no lead the curve can speak for" if missing(exp["expected_customers"])
                  else "no MRR in the payments")
        return f"{int(exp['current_pqls']):,} current PQLs, but the revenue at stake cannot be estimated ({reason}).{note}"
    low, high = rows.loc["low"], rows.loc["high"]
    headline = bold(f"about {exp['expected_customers']:.0f} are expected to pay within {horizon}")
    return (f"{int(exp['current_pqls']):,} current PQLs: from how long each has already been a PQL without paying, "
            f"{headline} "
            f"({low['expected_customers']:.0f}–{high['expected_customers']:.0f}), × {money(exp['average_mrr'], currency=currency)} "
            f"average MRR ≈ {money(exp['mrr_at_stake'], currency=currency)} of monthly recurring revenue at stake "
            f"(between {money(low['mrr_at_stake'], currency=currency)} and "
            f"{money(high['mrr_at_stake'], currency=currency)}).{note}")


def backtest_sentence(backtest: pd.DataFrame, *, horizon_days: float = 30) -> str:
    """How the revenue-at-stake method did on past dates, against the former formula.

    Parameters
    ----------
    backtest : pandas.DataFrame
        :func:`pqlkit.analyses.pricing.revenue_backtest`.
    horizon_days : float
        The horizon the backtest used (30), said in the sentence.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    rows = backtest[backtest["expected_customers"].notna()]
    if rows.empty:
        return "No past date has leads the curve can speak for yet, so the method cannot be checked on the past."
    expected, realised = rows["expected_customers"].sum(), int(rows["realised_measured"].sum())
    former, happened = rows["all_time_rate_customers"].sum(), int(rows["realised_customers"].sum())
    return (f"Replayed at {len(rows)} past dates, the method expected {bold(f'{expected:.0f} customers within {days(horizon_days, digits=0)}')} "
            f"in all, and {realised:,} paid. The former formula (current PQLs × the PQL-to-paid rate of all PQLs) "
            f"expected {former:.0f}, for {happened:,} that paid.")
