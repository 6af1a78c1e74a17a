"""What activation means (notebook 01): sentences on the events, the steps, the threshold and the level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqlkit.present.formatting import interval, missing, p_value, pct, signed_pct
from pqlkit.present.narrative.display import bold

__all__ = [
    "candidates_sentence",
    "catalogue_sentence",
    "curves_sentence",
    "distribution_sentence",
    "funnel_sentence",
    "levels_sentence",
    "thresholds_sentence",
]


def catalogue_sentence(catalogue: pd.DataFrame, *, noun: str = "entities") -> str:
    """The most widespread and the rarest events.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if catalogue.empty:
        return "No event was used, so there is no event catalogue."
    top = catalogue.iloc[0]
    text = (f"{len(catalogue)} distinct events. The most widespread is {top['event']} "
            f"({pct(top['share_of_entities'])} of {noun}, {top['events_per_entity']:.1f} times each)")
    if len(catalogue) > 1:
        low = catalogue.iloc[-1]
        text += f"; the rarest is {low['event']} ({pct(low['share_of_entities'])} of {noun})"
    return text + "."


def candidates_sentence(ranking: pd.DataFrame, *, has_payments: bool = True, common_coverage: float = 0.8,
                        alpha: float = 0.05) -> str:
    """The strongest separator of future payers that survives the correction, and how the vanity events fare.

    Takes :func:`pqlkit.analyses.explore.rank_candidate_steps`. The strongest separator is the
    candidate with the largest lift among those that ``separate`` (Fisher's exact test,
    Benjamini–Hochberg-corrected across the candidates tested), said with its 95 % interval; a
    larger lift that does not survive the correction is named as possibly chance, never as a
    separator. When none survives, the sentence says so.

    Parameters
    ----------
    ranking : pandas.DataFrame
        The candidate ranking.
    has_payments : bool
        Whether the dataset has payments (without them nothing can be ranked).
    common_coverage : float
        An event done by at least this share of the entities counts as one that nearly everyone does.
    alpha : float
        The false discovery rate the ranking was corrected at (``rank_candidate_steps``' ``alpha``).

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if not has_payments:
        return "There are no payments in this dataset, so events cannot be ranked by how well they separate future payers."
    usable = ranking[ranking["enough_data"] & np.isfinite(ranking["lift"].astype(float))]
    if usable.empty:
        return ("Not enough data to rank candidate steps yet: too few entities have been observed for the whole "
                "window, or too few of them paid.")
    test = (f"Fisher's exact test, Benjamini–Hochberg-corrected across the {int(ranking['p_adjusted'].notna().sum())} "
            f"candidates tested at a {alpha * 100:g}% false discovery rate")
    separators = usable[usable["separates"].astype(bool)]
    window = f"{usable['within_days'].iloc[0]:g}"
    if separators.empty:
        top = usable.iloc[0]
        text = (bold("No candidate step separates future payers beyond chance") + f": the largest lift, "
                f"{_candidate(top)} in the first {window} days before paying ({_lift_phrase(top)}), does not survive "
                f"the correction ({test}).")
    else:
        best = separators.iloc[0]
        text = (bold(f"The strongest separator is doing {_candidate(best)} in the first {window} days before paying")
                + f": {pct(best['conversion_doers'])} of those who do it pay, against "
                f"{pct(best['conversion_others'])} of the others ({_lift_phrase(best)}; {test}).")
        larger = usable[(usable["lift"] > best["lift"]) & ~usable["separates"].astype(bool)]
        if len(larger):
            text += (f" A larger lift, {_candidate(larger.iloc[0])} ({_lift_phrase(larger.iloc[0])}), may be chance: "
                     "it does not survive the correction.")
    return text + _common_events(ranking, common_coverage=common_coverage)


def _candidate(row) -> str:
    """``report_created at least 3×``."""
    return f"{row['event']} at least {int(row['min_count'])}×"


def _lift_phrase(row) -> str:
    """``lift 5.4×, 95% CI 3.9–7.3×, adjusted p < 0.001``; the interval ``not measured`` when missing."""
    low, high = row["lift_ci_low"], row["lift_ci_high"]
    span = "interval not measured" if missing(low) or missing(high) else f"95% CI {low:.1f}–{high:.1f}×"
    return f"lift {row['lift']:.1f}×, {span}, adjusted {p_value(row['p_adjusted'])}"


def _common_events(ranking: pd.DataFrame, *, common_coverage: float) -> str:
    """The sentence on events that nearly everyone does (at least ``common_coverage``), outside the spec; "" when none."""
    common = ranking[(ranking["coverage"] >= common_coverage) & ~ranking["in_spec"]].copy()
    common["_finite"] = np.isfinite(common["lift"].astype(float))
    order = common.groupby("event")["coverage"].transform("max")
    common = common.assign(_reach=order).sort_values(
        ["_reach", "event", "_finite", "min_count"], ascending=[False, True, False, True])
    common = common.drop_duplicates("event")
    if not len(common):
        return ""
    parts = []
    for row in common.head(3).itertuples():
        if np.isfinite(row.lift):
            parts.append(f"{row.event} at least {row.min_count}× ({pct(row.coverage)} do it, lift {row.lift:.1f}×)")
        else:
            parts.append(f"{row.event} (done by everyone, so it separates no one)")
    return f" Events that at least {pct(common_coverage)} of them do separate little: " + ", ".join(parts) + "."


def funnel_sentence(funnel: pd.DataFrame, *, noun: str = "entities") -> str:
    """The easiest and the hardest step.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    if funnel.empty or funnel["entities"].iloc[0] == 0:
        return f"No {noun} in scope, so no step completion to show."
    order = funnel.sort_values(["share", "step"], ascending=[False, True])
    easy, hard = order.iloc[0], order.iloc[-1]
    if len(funnel) == 1:
        return f"{pct(easy['share'])} of {noun} completed {easy['step']} ({interval(easy['ci_low'], easy['ci_high'])})."
    return (f"The most completed step is {easy['step']} ({pct(easy['share'])} of {noun}); the least is "
            f"{hard['step']} ({pct(hard['share'])}, {interval(hard['ci_low'], hard['ci_high'])}): that is where "
            "activation is lost.")


def curves_sentence(curves: pd.DataFrame, *, trial_days: float | None = None, noun: str = "entities") -> str:
    """How much of the PQL curve is reached by day 7 and by the end of the trial.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    pql = curves[(curves["step"] == "PQL") & curves["share"].notna()]
    if pql.empty:
        return f"No {noun} are old enough yet to draw completion curves."
    end = trial_days if trial_days is not None else float(pql["day"].max())
    at_end = pql[pql["day"] <= end].iloc[-1]
    week = pql[pql["day"] <= 7].iloc[-1]
    text = (f"By day {at_end['day']:g}, {pct(at_end['share'])} of the {noun} old enough to judge had reached PQL "
            f"({int(at_end['mature']):,} {noun})")
    if week["day"] < at_end["day"] and at_end["share"] > 0:
        text += f"; {pct(week['share'] / at_end['share'])} of that happened within the first {week['day']:g} days"
    return text + "."


def distribution_sentence(distribution: pd.DataFrame, *, steps_required: int | None = None, noun: str = "entities") -> str:
    """How many did nothing, how many got all the way, and how many are one step short.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    total = int(distribution["entities"].sum())
    if total == 0:
        return f"No {noun} in scope."
    n_steps = int(distribution["steps_done"].max())
    none = distribution.loc[distribution["steps_done"] == 0, "share"].iloc[0]
    full = distribution.loc[distribution["steps_done"] == n_steps, "share"].iloc[0]
    text = f"{pct(none)} of {noun} completed no step and {pct(full)} completed all {n_steps}"
    if steps_required is not None and steps_required >= 1:
        short = distribution.loc[distribution["steps_done"] == steps_required - 1, "entities"].sum()
        text += f"; {int(short):,} are one step short of the PQL threshold ({steps_required} of {n_steps})"
    return text + "."


def thresholds_sentence(table: pd.DataFrame, *, has_payments: bool = True) -> str:
    """What moving the threshold one step up or down does to volume and conversion.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    chosen = table[table["chosen"]]
    if chosen.empty or table["pqls"].sum() == 0:
        return "No entity reaches even one step, so the threshold cannot be compared yet."
    row = chosen.iloc[0]
    n_steps = int(round(row["steps_required"] / row["threshold"]))
    parts = [f"At the spec's {int(row['steps_required'])} of {n_steps} steps there are {int(row['pqls']):,} PQLs"]
    lag = row.get("paid_by_day", np.nan)
    within = "" if missing(lag) else f" within {lag:g} days (among PQLs at least that old)"
    if has_payments and not missing(row["pql_to_paid_rate"]):
        parts[0] += f", of whom {pct(row['pql_to_paid_rate'])} pay{within}"
    for offset, word in ((1, "stricter"), (-1, "looser")):
        other = table[table["steps_required"] == row["steps_required"] + offset]
        if other.empty:
            continue
        o = other.iloc[0]
        change = (o["pqls"] / row["pqls"] - 1) if row["pqls"] else np.nan
        phrase = f"{int(o['steps_required'])} of {n_steps} ({word}) gives {int(o['pqls']):,} PQLs ({signed_pct(change)})"
        if has_payments and not missing(o["pql_to_paid_rate"]):
            phrase += f" converting at {pct(o['pql_to_paid_rate'])}"
        parts.append(phrase)
    text = "; ".join(parts) + "."
    if not has_payments:
        text += " Without payments the effect on PQL-to-paid cannot be measured."
    return text


def levels_sentence(table: pd.DataFrame) -> str:
    """User-level against account-level PQL rate.

    Returns
    -------
    str
        Markdown sentences, deterministic for nbval.
    """
    rows = {row.level: row for row in table.itertuples()}
    missing = [row for row in table.itertuples() if not row.available]
    if missing:
        notes = "; ".join(f"{row.level} level is not available: {row.note}" for row in missing)
        return notes[0].upper() + notes[1:] + "."
    user, account = rows.get("user"), rows.get("account")
    if user is None or account is None:
        return "Only one level was computed."
    return (f"{pct(user.pql_rate)} of users ({user.raw_pqls:,} of {user.entities:,}) are PQLs, against "
            f"{pct(account.pql_rate)} of accounts ({account.raw_pqls:,} of {account.entities:,}): an account "
            "counts the steps of all its users together, so sales working accounts sees "
            f"{account.current_pqls:,} current leads instead of {user.current_pqls:,}.")
