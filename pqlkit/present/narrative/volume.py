"""How many PQLs, where and how fast (notebook 02): volume, weekly trend, segments, time to PQL, stalled trials."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqlkit.core.context import check_columns
from pqlkit.present.formatting import (
    days,
    interval,
    lower_first,
    missing,
    p_value,
    pct,
    points,
    rate_phrase,
    signed_pct,
    value_words,
)
from pqlkit.present.formatting import (
    label as key_label,
)
from pqlkit.present.narrative.display import bold
from pqlkit.stats import compare_groups
from pqlkit.stats.groups import FISHER, MIN_GROUP_SIZE, MONTE_CARLO

__all__ = [
    "current_trend_sentence",
    "km_sentence",
    "segment_sentence",
    "stalled_sentence",
    "time_to_pql_headline",
    "time_to_pql_sentence",
    "volume_sentence",
    "weekly_sentence",
]


def volume_sentence(summary: dict, *, active_days: float, noun: str = "entities") -> str:
    """Raw and current PQLs out of the entities in scope.

    ``active_days``: the window of "active recently" behind current PQLs (the spec's
    ``active_days``, ``context.active_days``).

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if summary["entities"] == 0:
        return f"No {noun} in scope."
    return (bold(f"{summary['raw_pqls']:,} of {summary['entities']:,} {noun} have reached activation")
            + f" (raw PQLs); {summary['current_pqls']:,} of them are current: not paying yet and active in the "
            f"last {active_days:g} days, ready for someone to act.")


def weekly_sentence(weekly: pd.DataFrame, *, window: int = 4) -> str:
    """The last complete weeks against the ones before.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    complete = weekly[weekly["complete"]] if "complete" in weekly else weekly
    if len(complete) < 2 * window:
        total = int(weekly["new_pqls"].sum()) if len(weekly) else 0
        return (f"{total:,} new PQLs over {len(weekly)} week(s): not enough complete weeks yet "
                f"({2 * window} needed) to call a trend.")
    recent = complete["new_pqls"].iloc[-window:].mean()
    before = complete["new_pqls"].iloc[-2 * window:-window].mean()
    change = recent / before - 1 if before else np.nan
    last = complete["period_start"].iloc[-1].strftime("%Y-%m-%d")
    return (f"Over the {window} complete weeks up to the week of {last}, {recent:.1f} new PQLs a week, against "
            f"{before:.1f} in the {window} weeks before ({signed_pct(change)}).")


def current_trend_sentence(table: pd.DataFrame) -> str:
    """Current PQLs now against four weeks earlier and the peak.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if table.empty:
        return "No weeks to show."
    now = int(table["current_pqls"].iloc[-1])
    text = f"{now:,} PQLs are current now"
    if len(table) > 4:
        before = int(table["current_pqls"].iloc[-5])
        text += f", against {before:,} four weeks earlier"
    peak = table.sort_values(["current_pqls", "week_end"], ascending=[False, True]).iloc[0]
    if int(peak["current_pqls"]) > now:
        text += f"; the peak was {int(peak['current_pqls']):,} in the week ending {peak['week_end'].strftime('%Y-%m-%d')}"
    return text + "."


def segment_sentence(rates: pd.DataFrame, *, by: str, by_day: float | None = None, rate: str = "pql_rate",
                     hits: str = "pqls", total: str = "entities", what: str = "activate", noun: str = "entities",
                     alpha: float = 0.05, min_size: int = MIN_GROUP_SIZE) -> str:
    """Do the groups' rates differ at a fixed age? The test across the groups, then each group against the rest.

    Only rates taken at a fixed age are compared (docs/metrics.md#comparing-groups): pass the table of
    :func:`pqlkit.pql_rate` with ``by_day=N`` and the same ``by_day`` here. An all-time rate counts
    signups too young to have had the time, so a young group looks worse whatever its true rate:
    without ``by_day`` the sentence describes the rates and tests nothing. The test is
    :func:`pqlkit.stats.compare_groups`: groups under ``min_size`` are named and not judged; a
    chi-square across the others (Monte-Carlo p-value when an expected count is under 5), then each
    against the rest (z-test, or Fisher's exact test for small counts) with Holm's correction; with
    two groups, one test. Each significant group's difference from the rest is given with its 95 %
    (Newcombe) interval. Overlapping intervals of two groups are not a test.

    Parameters
    ----------
    rates : pandas.DataFrame
        One row per group: ``by``, ``rate`` and the counts ``hits`` out of ``total``, with
        ``ci_low``, ``ci_high`` (as :func:`pqlkit.pql_rate` returns).
    by_day : float, optional
        The fixed age of the rates (``pql_rate(..., by_day=N)``); None: all-time rates, not tested.
    noun : str
        What the groups count ("users"); the sentence says "signups" when empty.
    alpha : float
        The significance level (0.05).
    min_size : int
        Groups with fewer entities (old enough) are named and not judged (default 10,
        :data:`pqlkit.stats.groups.MIN_GROUP_SIZE`).

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    check_columns(rates, by, argument="by")
    check_columns(rates, rate, argument="rate")
    check_columns(rates, [hits, total], argument="hits/total")
    data = rates[rates[rate].notna()].reset_index(drop=True)
    data[by] = data[by].map(lambda value: value_words(value) if isinstance(value, str) else value)  # paid_social: paid social
    label, who = lower_first(key_label(by)), noun or "signups"
    if len(data) < 2:
        return f"Fewer than two {label} groups with data: nothing to compare."
    if by_day is None:
        return (_spread(data, by=by, rate=rate, noun=noun, what=what) + f". These are all-time rates: they count "
                f"{who} too young to have had the time, so the {label} groups are not compared on them (compare "
                "them at a fixed age).")
    test = compare_groups(data.assign(**{by: data[by].astype("str")}), group=by, hits=hits, total=total, alpha=alpha,
                          min_size=min_size)
    table = test.table.assign(ci_low=data["ci_low"].to_numpy(), ci_high=data["ci_high"].to_numpy())
    judged = table[table["judged"]]
    age = f" At a fixed age: PQL within {by_day:g} days of signup, among {who} at least {by_day:g} days old."
    small = _too_small(test.too_small, who=who, min_size=min_size)
    if len(judged) < 2:
        return (_spread(data, by=by, rate=rate, noun=noun, what=what) + f". Fewer than two {label} groups have "
                f"{min_size} {who} or more, so nothing is compared." + small + age)
    spread = _spread(judged, by=by, rate="rate", noun=noun, what=what)
    if len(judged) == 2:
        return _two_groups(judged, test, by=by, label=label, spread=spread) + small + age
    across = f"chi-square across the {len(judged)} groups, {p_value(test.p_value)}"
    if test.test == MONTE_CARLO:
        across = (f"chi-square across the {len(judged)} groups, {p_value(test.p_value)} by Monte-Carlo as some "
                  "expected counts are under 5")
    if not test.significant:
        return (f"{spread}, but the rates by {label} do not differ significantly ({across}): the gap may be "
                "noise." + small + age)
    order = judged.sort_values(["rate", by], ascending=[False, True])
    standing = order[order["significant"]]
    if standing.empty:
        plain = _spread(judged, by=by, rate="rate", noun=noun, what=what, capital=False)
        return (f"{bold(f'The rates by {label} differ')} ({across}), {plain}; but no single "
                f"group differs significantly from the rest after Holm's correction for {len(judged)} comparisons."
                + small + age)
    parts = [_against_rest(row, by=by) for row in standing.to_dict("records")]
    others = len(judged) - len(standing)
    text = (f"{bold(f'The rates by {label} differ significantly')} ({across}). Against the rest: "
            + "; ".join(parts) + ".")
    if others:
        text += (f" The other {others} groups do not differ significantly from the rest." if others > 1
                 else " The other group does not differ significantly from the rest.")
    return text + small + age


def _spread(data: pd.DataFrame, *, by: str, rate: str, noun: str, what: str, capital: bool = True) -> str:
    """The best and the worst group's rate, with their intervals (capitalised to start a sentence)."""
    order = data.sort_values([rate, by], ascending=[False, True])
    best, worst = order.iloc[0], order.iloc[-1]
    text = (f"{best[by]} {noun} {what} at {rate_phrase(best[rate], best['ci_low'], best['ci_high'])}, "
            f"{worst[by]} at {rate_phrase(worst[rate], worst['ci_low'], worst['ci_high'])}").replace("  ", " ").strip()
    return text[0].upper() + text[1:] if capital else text


def _two_groups(judged: pd.DataFrame, test, *, by: str, label: str, spread: str) -> str:
    """Two groups: one comparison, one test, no correction."""
    first, second = judged.sort_values(["rate", by], ascending=[False, True]).to_dict("records")
    how = f"{test.test}, {p_value(test.p_value)}"
    if not test.significant:
        return f"{spread}, but the rates by {label} do not differ significantly ({how}): the gap may be noise."
    return (f"{bold(f'The rates by {label} differ significantly')}: {first[by]} at {pct(first['rate'])}, "
            f"{points(first['difference'])[1:]} above {second[by]} at {pct(second['rate'])} "
            f"(95% CI {points(first['diff_ci_low'])[:-7]} to {points(first['diff_ci_high'])}, {how}).")


def _against_rest(row: dict, *, by: str) -> str:
    """One significant group against the rest: rate, difference, interval, adjusted p (and the exact test if used)."""
    side = "above" if row["difference"] > 0 else "below"
    exact = f"{FISHER}, " if row["test"] == FISHER else ""
    return (f"{row[by]} at {pct(row['rate'])}, {points(row['difference'])[1:]} {side} the rest "
            f"(95% CI {points(row['diff_ci_low'])[:-7]} to {points(row['diff_ci_high'])}, "
            f"{exact}Holm-adjusted {p_value(row['p_adjusted'])})")


def _too_small(names: tuple[str, ...], *, who: str, min_size: int) -> str:
    """The groups under the minimum size, named: they are not judged."""
    if not names:
        return ""
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    verb = "have" if len(names) > 1 else "has"
    return f" {listed} {verb} fewer than {min_size} {who} and {'are' if len(names) > 1 else 'is'} not judged."


def time_to_pql_headline(summary: dict, *, noun: str = "entities") -> str:
    """The time-to-PQL headline from the summary's Kaplan–Meier readings: it always says something.

    The Kaplan–Meier share of the signups that reached PQL by day 7, by the end of the trial and by
    day 30 (each with its 95 % interval), the days by which 10 % and 25 % got there, and the median
    where there is one (docs/metrics.md#json-summary). When fewer than half ever become PQLs the
    median does not exist, and the sentence says so instead of writing "n/a".

    Returns
    -------
    str
        Markdown, the first sentence in bold.
    """
    if summary["raw_pqls"] == 0:
        return f"No {noun} have reached PQL yet, so there is no time to PQL to show."
    readings = [summary[key] for key in ("time_to_pql_km_share_7d", "time_to_pql_km_share_trial",
                                         "time_to_pql_km_share_30d") if key in summary]
    seen, phrases = set(), []
    for i, reading in enumerate(readings):
        if reading is None or reading.get("share") is None or reading["day"] in seen:
            continue
        seen.add(reading["day"])
        when = f"by the end of the {reading['day']:g}-day trial" if i == 1 else f"by day {reading['day']:g}"
        phrases.append((pct(reading["share"]), f"{when} ({interval(reading['ci_low'], reading['ci_high'])})"))
    if phrases:
        first = f"An estimated {phrases[0][0]} of {noun} reached PQL {phrases[0][1]}"
        rest = [f"{share} {when}" for share, when in phrases[1:]]
        if rest:
            first += f" and {rest[0]}" if len(rest) == 1 else ", " + ", ".join(rest[:-1]) + f", and {rest[-1]}"
        text = bold(first) + " (Kaplan–Meier, counting the trials still running)."
    else:
        text = f"No {noun} have been observed for 7 days yet, so no share by day can be read."
    times = [(share, summary.get(f"time_to_pql_km_p{share}_days")) for share in (10, 25)]
    times = [(share, value) for share, value in times if value is not None]
    if times:
        text += " " + " and ".join(f"{share}%{' got there' if i == 0 else ''} within {days(value)}"
                                   for i, (share, value) in enumerate(times))
    median = summary.get("time_to_pql_km_median_days")
    if median is not None:
        text += f"{';' if times else ''} half within {days(median)} (the Kaplan–Meier median)."
    else:
        text += ("; " if times else " ") + "fewer than half ever do, so there is no Kaplan–Meier median."
    return text


def time_to_pql_sentence(summary: dict, *, share_by_day: pd.DataFrame | None = None,
                         trial_days: float | None = None) -> str:
    """Median time to PQL among PQLs, and the share of mature signups that were PQLs by the end of the trial.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if summary["raw_pqls"] == 0:
        return "No PQLs yet, so there is no time to PQL to show."
    text = f"Half of the PQLs got there within {days(summary['time_to_pql_median_days'])} of signup"
    if share_by_day is not None and trial_days is not None:
        row = share_by_day[share_by_day["day"] == trial_days]
        if len(row) and not missing(row.iloc[0]["share"]):
            r = row.iloc[0]
            text += (f"; of the signups at least {trial_days:g} days old, {pct(r['share'])} were PQLs by the end of "
                     f"the trial ({interval(r['ci_low'], r['ci_high'])})")
    return text + "."


def km_sentence(summary: dict, *, curve: pd.DataFrame, trial_days: float | None = None, noun: str = "entities") -> str:
    """The Kaplan–Meier reading: the share reaching PQL by the end of the trial and the median.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if curve.empty or summary["raw_pqls"] == 0:
        return "No PQLs yet, so the Kaplan–Meier curve has nothing to show."
    horizon = trial_days if trial_days is not None else float(curve["days"].max())
    upto = curve[curve["days"] <= horizon]
    share = float(upto["share_pql"].iloc[-1]) if len(upto) else 0.0
    text = (f"Counting the trials still running, an estimated {pct(share)} of {noun} reach PQL within "
            f"{horizon:g} days")
    median = summary.get("time_to_pql_km_median_days")
    if median is None:
        text += "; fewer than half ever do, so the Kaplan–Meier median is undefined (the median among PQLs is the figure to use)"
    else:
        text += f"; the Kaplan–Meier median is {days(median)}"
    return text + "."


def stalled_sentence(stalled: pd.DataFrame, *, trial_days: float | None = None, stall_day: float | None = None,
                     noun: str = "entities") -> str:
    """How many trials are stuck near their end, and the step they miss most.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if stalled.empty:
        return f"No trial is stalled: no {noun[:-1] if noun.endswith('s') else noun} between day {stall_day:g} and day {trial_days:g} without activation." \
            if trial_days is not None and stall_day is not None else "No trial is stalled."
    counts = pd.Series([s for text in stalled["missing_steps"] for s in text.split(", ") if s]).value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    text = f"{len(stalled):,} {noun} are past day {stall_day:g} of a {trial_days:g}-day trial without activation"
    if len(counts):
        text += f"; the step most of them miss is {counts.index[0]} ({int(counts.iloc[0]):,} of {len(stalled):,})"
    return text + ". Customer success can reach out before the trial ends."
