"""The activation definition's charts (notebook 01): events, candidate steps, step completion,
completion curves, the activation distribution, thresholds and levels.

See :mod:`pqlkit.present.plots` for the rules every chart keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from pqlkit.present.plots.style import (
    ACCENT,
    FIGSIZE,
    MAIN,
    MUTED,
    error_bars,
    legend_outside,
    need_data,
    new_axes,
    noun_or_entities,
    percent_axis,
    step_colours,
)

__all__ = [
    "plot_activation_distribution",
    "plot_candidate_steps",
    "plot_completion_curves",
    "plot_event_catalogue",
    "plot_level_comparison",
    "plot_step_completion",
    "plot_threshold_comparison",
]


def plot_event_catalogue(catalogue: pd.DataFrame, *, noun: str | None = None, ax: Axes | None = None) -> Axes:
    """Horizontal bars: share of entities doing each event (from :func:`pqlkit.analyses.explore.event_catalogue`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_data(catalogue, "the event catalogue")
    noun = noun_or_entities(noun)
    data = catalogue.sort_values(["share_of_entities", "event"], ascending=[True, False])
    ax = new_axes(ax, (FIGSIZE[0], max(2.5, 0.4 * len(data) + 1)))
    ax.barh(data["event"], data["share_of_entities"], color=MAIN)
    for y, (share, per) in enumerate(zip(data["share_of_entities"], data["events_per_entity"])):
        ax.text(share, y, f"  {per:.1f} per {noun[:-1] if noun.endswith('s') else noun}", va="center", fontsize=9)
    percent_axis(ax.xaxis)
    ax.set_xlim(0, 1.25)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.set_title(f"Which events {noun} do")
    ax.set_xlabel(f"Share of {noun} doing the event at least once (%)")
    ax.set_ylabel("Event")
    return ax


def plot_candidate_steps(ranking: pd.DataFrame, *, top: int = 12, ax: Axes | None = None) -> Axes:
    """Horizontal bars of conversion lift per candidate step, with 95 % intervals; steps of the spec highlighted.

    Takes :func:`pqlkit.analyses.explore.rank_candidate_steps`; only rows with ``enough_data`` and a lift.
    The whiskers are each lift's 95 % interval (``lift_ci_low``, ``lift_ci_high``; none where it is not
    measured); a hatched bar does not survive the Benjamini–Hochberg correction (``separates`` false).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    data = ranking[ranking["enough_data"] & np.isfinite(ranking["lift"].astype(float))].head(top)
    need_data(data, "candidate steps")
    data = data.iloc[::-1]
    labels = [f"{e} ≥{k}×" for e, k in zip(data["event"], data["min_count"])]
    ax = new_axes(ax, (FIGSIZE[0], max(2.5, 0.4 * len(data) + 1)))
    colors = [ACCENT if flag else MUTED for flag in data["in_spec"]]
    bounds = data.rename(columns={"lift_ci_low": "ci_low", "lift_ci_high": "ci_high"})
    bars = ax.barh(labels, data["lift"], color=colors, xerr=error_bars(bounds, "lift"), capsize=3)
    for bar, separates in zip(bars, data["separates"]):
        if not separates:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    ax.axvline(1, color="black", linewidth=1, linestyle="--")
    window = float(data["within_days"].iloc[0])
    ax.set_title(f"Which early events separate future payers (first {window:g} days, before paying)")
    ax.set_xlabel("Conversion lift: paid share of doers ÷ paid share of others (×), 95% interval")
    ax.set_ylabel("Event, done at least k times")
    handles = [Patch(color=ACCENT, label="a step of the spec"),
               Patch(color=MUTED, label="not in the spec"),
               Patch(facecolor="white", edgecolor=MUTED, hatch="//", label="could be chance (Benjamini–Hochberg)")]
    legend_outside(ax, handles=handles)
    return ax


def plot_step_completion(funnel: pd.DataFrame, *, noun: str | None = None, colours: dict[str, str] | None = None,
                         ax: Axes | None = None) -> Axes:
    """Bars with 95 % intervals: share of entities completing each step (:func:`pqlkit.activation_funnel`).

    ``colours``: step -> colour (default :func:`step_colours` of the table's steps, in order); pass
    the same mapping to :func:`plot_completion_curves`.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_data(funnel, "step completion")
    noun = noun_or_entities(noun)
    ax = new_axes(ax)
    colours = colours or step_colours(list(funnel["step"]))
    ax.bar(funnel["step"], funnel["share"], yerr=error_bars(funnel, "share"), capsize=4,
           color=[colours.get(step, MAIN) for step in funnel["step"]])
    for x, (share, done) in enumerate(zip(funnel["share"], funnel["completed"])):
        ax.text(x, share / 2, f"{share:.0%}\n({done:,})", ha="center", va="center", color="white", fontsize=9)
    percent_axis(ax.yaxis)
    ax.set_ylim(0, 1)
    ax.set_title("Completion of each activation step")
    ax.set_xlabel("Activation step")
    ax.set_ylabel(f"Completed it (% of {noun})")
    return ax


def plot_completion_curves(curves: pd.DataFrame, *, trial_days: float | None = None, noun: str | None = None,
                           colours: dict[str, str] | None = None, ax: Axes | None = None) -> Axes:
    """Lines: share of (mature) entities that completed each step by day d (:func:`pqlkit.analyses.explore.completion_curves`).

    ``colours``: step -> colour, as for :func:`plot_step_completion`; PQL is the thick black line.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_data(curves, "completion curves", "share")
    noun = noun_or_entities(noun)
    ax = new_axes(ax)
    colours = colours or step_colours(list(curves["step"].drop_duplicates()))
    for step, group in curves.groupby("step", sort=False):
        style = {"linewidth": 2.5} if step == "PQL" else {"linewidth": 1.5}
        ax.plot(group["day"], group["share"], label=step, color=colours.get(step, MUTED), **style)
    if trial_days:
        ax.axvline(trial_days, color=MUTED, linestyle="--", linewidth=1)
        ax.text(trial_days, 0.98, " trial ends", va="top", fontsize=9, color=MUTED)
    percent_axis(ax.yaxis)
    ax.set_ylim(0, 1)
    ax.set_title("How soon after signup each step gets done")
    ax.set_xlabel("Days since signup")
    ax.set_ylabel(f"Completed it (% of {noun})")
    legend_outside(ax, fontsize=9, title="Step")
    return ax


def plot_activation_distribution(distribution: pd.DataFrame, *, steps_required: int | None = None,
                                 noun: str | None = None, ax: Axes | None = None) -> Axes:
    """Bars: share of entities by activation rate (:func:`pqlkit.activation_distribution`); PQL bars highlighted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_data(distribution, "the activation distribution", "share")
    noun = noun_or_entities(noun)
    ax = new_axes(ax)
    labels = [f"{rate:.0%}\n({done} of {len(distribution) - 1})" for rate, done in
              zip(distribution["activation_rate"], distribution["steps_done"])]
    colors = [ACCENT if steps_required is not None and done >= steps_required else MAIN
              for done in distribution["steps_done"]]
    ax.bar(labels, distribution["share"], color=colors)
    for x, (share, n) in enumerate(zip(distribution["share"], distribution["entities"])):
        ax.text(x, share, f"{share:.0%}", ha="center", va="bottom", fontsize=9)
    percent_axis(ax.yaxis)
    ax.set_title("How far activation gets" + (" (orange: PQL)" if steps_required is not None else ""))
    ax.set_xlabel("Activation rate (steps done of the spec's steps)")
    ax.set_ylabel(f"Share of {noun} (%)")
    return ax


def plot_threshold_comparison(table: pd.DataFrame, *, has_payments: bool = True, ax: Axes | None = None) -> Axes:
    """Bars of PQL count per threshold, with PQL-to-paid (and its interval) on a second axis.

    Takes :func:`pqlkit.analyses.explore.compare_thresholds`. Returns the left (PQL count) Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The left (PQL count) Axes.
    """
    need_data(table, "the threshold comparison")
    ax = new_axes(ax)
    labels = [f"{k} of {int(round(k / t))}" for k, t in zip(table["steps_required"], table["threshold"])]
    colors = [ACCENT if chosen else MAIN for chosen in table["chosen"]]
    ax.bar(labels, table["pqls"], color=colors, alpha=0.85)
    ax.set_title("What the threshold does to PQL volume and PQL-to-paid")
    ax.set_xlabel("Steps needed to be a PQL (orange: the spec's threshold)")
    ax.set_ylabel("PQLs (count)")
    ax.grid(False, axis="x")
    if has_payments and table["pql_to_paid_rate"].notna().any():
        right = ax.twinx()
        right.errorbar(labels, table["pql_to_paid_rate"], yerr=error_bars(table, "pql_to_paid_rate"),
                       color="black", marker="o", capsize=4, linewidth=1.5)
        percent_axis(right.yaxis)
        right.set_ylim(0, max(0.05, float(np.nanmax(table["ci_high"])) * 1.15))
        right.set_ylabel("PQL-to-paid rate, 95% CI (%) — black")
        right.grid(False)
    return ax


def plot_level_comparison(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bars with intervals: PQL rate at user and at account level (:func:`pqlkit.analyses.explore.compare_levels`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    data = table[table["available"]]
    need_data(data, "the level comparison", "pql_rate")
    ax = new_axes(ax, (6.0, 4.0))
    labels = [f"{level}\n({n:,} {level}s)" for level, n in zip(data["level"], data["entities"])]
    ax.bar(labels, data["pql_rate"], yerr=error_bars(data, "pql_rate"), capsize=4, color=[MAIN, ACCENT][: len(data)])
    percent_axis(ax.yaxis)
    ax.set_title("PQL rate: users vs accounts")
    ax.set_xlabel("Level of analysis")
    ax.set_ylabel("PQL rate, 95% CI (%)")
    return ax
