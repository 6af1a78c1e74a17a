"""What the discovery of an activation says: the trade-off sentence, the reasons for left-out events,
the tables of definitions and single steps, and the text ``pqlkit discover`` prints."""

from __future__ import annotations

import pandas as pd

from pqlkit.analyses.discovery import Discovery
import numpy as np

from pqlkit.present.formatting import human_date, missing, number, pct

__all__ = ["tradeoff_sentence", "flow_reasons", "flow_sentence", "definitions_table", "singles_table", "proposal_markdown",
           "discovery_text"]


def flow_reasons(found: Discovery) -> pd.DataFrame:
    """The purchase-flow events, each with its reason in words: ``event``, ``reason``."""
    flow = found.flow[found.flow["flow"]]
    hours = f"{found.settings.get('flow_hours', 24):g}"
    reasons = [f"{pct(row.near_share, digits=0)} of its events by those who reached the target come in the "
               f"{hours} hours before it (all events: {pct(row.all_events_share, digits=0)})"
               for row in flow.itertuples()]
    return pd.DataFrame({"event": flow["event"].tolist(), "reason": reasons})


def tradeoff_sentence(found: Discovery, *, min_points: float = 0.02) -> str:
    """One sentence: the proposal against the current spec, on the later signups (out of time).

    A gap in reach or precision under ``min_points`` (2 percentage points by default) reads as
    "about the same": the sentence describes the trade-off, it does not test it.
    """
    proposal, current = found.proposal_row, found.current_row
    if found.settings["entities"] == 0:
        return (f"No signup is old enough to judge yet: the target ({found.target.label}) needs "
                f"{found.target.age_days:g} days after signup, so there is nothing to propose.")
    if proposal is None:
        return ("No definition passed the checks (enough entities on each side, a lift above 1 within activity "
                "levels, and a false discovery rate below the limit), so there is nothing to propose.")
    cohort = f"on the {found.settings['report_entities']:,} later signups"
    target = found.target.label
    if current is None:
        return (f"The proposal reaches {pct(proposal['reach'])} of signups, and {pct(proposal['precision'])} of them "
                f"end up {target}, {pct(proposal['recall'])} of all who do ({cohort}).")
    def compare(key: str, more: str, less: str) -> str:
        gap = proposal[key] - current[key]
        return "about the same" if abs(gap) < min_points or pd.isna(gap) else (more if gap > 0 else less)

    verdict = (f"the proposal's reach is {compare('reach', 'higher', 'lower')} and its precision "
               f"{compare('precision', 'higher', 'lower')}")
    return (f"Against the current spec, {verdict} (a gap under {min_points * 100:g} percentage points reads as about the same): "
            f"the proposal reaches {pct(proposal['reach'])} of signups "
            f"(current {pct(current['reach'])}), {pct(proposal['precision'])} of them end up {target} "
            f"(current {pct(current['precision'])}), and it catches {pct(proposal['recall'])} of all who do "
            f"(current {pct(current['recall'])}), {cohort}.")


def definitions_table(found: Discovery) -> pd.DataFrame:
    """The proposal, the runners-up and the current spec, on the later signups, in words."""
    rows = []
    for row in found.definitions.itertuples():
        name = "current spec" if row.is_current else ("proposal" if row.is_proposal else "runner-up")
        rows.append({"definition": name, "steps": row.label, "reach": pct(row.reach),
                     "precision": pct(row.precision), "recall": pct(row.recall),
                     "lift (95% CI)": _lift(row.lift, row.lift_ci_low, row.lift_ci_high),
                     "lift within activity levels": _lift(row.adjusted_lift)})
    return pd.DataFrame(rows)


def _lift(value, low=None, high=None) -> str:
    """A lift as ``5.0`` or ``5.0 (95% CI 3.0–8.4)``; n/a when it cannot be measured."""
    if missing(value) or not np.isfinite(value):
        return "n/a"
    if low is None or missing(low) or missing(high):
        return number(value, digits=1)
    return f"{number(value, digits=1)} (95% CI {number(low, digits=1)}–{number(high, digits=1)})"


def _day(value) -> str:
    return human_date(pd.Timestamp(value).normalize()) if not missing(value) else "n/a"


def singles_table(found: Discovery, *, top: int = 10) -> pd.DataFrame:
    """The strongest admissible single steps (on the earlier signups), raw lift beside the adjusted one."""
    table = found.singles[found.singles["admissible"]].drop_duplicates("event").head(top)
    return pd.DataFrame({
        "event": table["event"], "at least": table["min_count"], "within days": table["within_days"],
        "reach": table["reach"].map(pct), "precision": table["precision"].map(pct),
        "lift": table["lift"].map(_lift), "lift within activity levels": table["adjusted_lift"].map(_lift),
    }).reset_index(drop=True)


def discovery_text(found: Discovery) -> str:
    """What ``pqlkit discover`` prints."""
    settings = found.settings
    if settings["entities"] == 0:
        return f"target: {found.target.label}\n\n{tradeoff_sentence(found)}"
    lines = [f"target: {found.target.label}",
             f"judged: {settings['entities']:,} signups old enough ({settings['reached']:,} reached the target); "
             f"chosen on {settings['choose_entities']:,} signed up {_day(settings['choose_signups'][0])} to "
             f"{_day(settings['choose_signups'][1])}, reported on {settings['report_entities']:,} signed up "
             f"{_day(settings['report_signups'][0])} to {_day(settings['report_signups'][1])}",
             f"candidates tried: {settings['tried']:,} (false discovery rate {pct(settings['alpha'], digits=0)}, "
             f"at least {settings['min_support']} signups on each side)", ""]
    reasons = flow_reasons(found)
    if len(reasons):
        lines.append("left out as purchase flow (pass --include-flow to keep):")
        lines += [f"  {row.event}: {row.reason}" for row in reasons.itertuples()]
        lines.append("")
    lines.append("best single steps (earlier signups; lift, then lift within activity levels):")
    lines += [f"  {row['event']} ×{row['at least']} within {row['within days']} days: reach {row['reach']}, "
              f"precision {row['precision']}, lift {row['lift']}, within activity levels {row['lift within activity levels']}"
              for _, row in singles_table(found, top=5).iterrows()]
    lines += ["", "definitions (later signups):"]
    for _, row in definitions_table(found).iterrows():
        lines.append(f"  {row['definition']}: {row['steps']}")
        lines.append(f"    reach {row['reach']}, precision {row['precision']}, recall {row['recall']}, "
                     f"lift {row['lift (95% CI)']}, within activity levels {row['lift within activity levels']}")
    if settings.get("current_note"):
        lines.append(f"  current spec: not measured ({settings['current_note']})")
    lines += ["", tradeoff_sentence(found)]
    return "\n".join(lines)


def flow_sentence(found: Discovery) -> str:
    """Which events were left out as the purchase flow, or that none was."""
    reasons = flow_reasons(found)
    hours = f"{found.settings.get('flow_hours', 24):g}"
    if not len(reasons):
        return (f"No event clusters in the {hours} hours before the target, so none was left out as part of the "
                "purchase flow.")
    names = ", ".join(reasons["event"])
    kept = "kept among the candidates, as asked" if found.settings.get("include_flow") else "left out of the search"
    return (f"{len(reasons)} event{'s' if len(reasons) != 1 else ''} ({names}) cluster in the {hours} hours before the "
            f"target: they are part of the purchase, not a sign of value, and were {kept}.")


def proposal_markdown(found: Discovery, *, source: str = "") -> str:
    """The proposed spec as a YAML block in Markdown, or a sentence when nothing was proposed."""
    if found.spec is None:
        return "No spec is proposed: no definition passed the checks."
    return f"The proposed spec, ready to save as a file and pass as `--spec`:\n\n```yaml\n{found.to_yaml(source=source)}```"
