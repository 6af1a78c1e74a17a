"""Charts for the notebooks: one function per chart, a result table in, the Axes out.

Every function takes the tidy table that a computation in pqlkit returned (never raw events), an
optional ``ax=`` to draw on, and returns the Axes. Every chart gets a title and labelled axes with
units. Call :func:`set_style` once (the notebooks do) so that all figures look alike.

Readers' rules, kept by every chart: a legend never covers data (it sits outside the plotting area,
to the right); ordinal groups (company size bands) keep their natural order
(:func:`pqlkit.present.tables.natural_order`); date tick labels are thinned and rotated so that they never
overlap; each activation step keeps one colour in every chart (:func:`step_colours`).

No computation happens here beyond reshaping for display (STYLE: no matplotlib in computation, no
computation in plots). An empty table raises ``ValueError``: the notebooks check for data first
and print a sentence instead of drawing an empty chart.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from pqlkit.core.context import check_columns
from pqlkit.present.tables import natural_order

__all__ = [
    "plot_importance",
    "plot_lift",
    "plot_calibration",
    "set_style",
    "FIGSIZE",
    "step_colours",
    "plot_event_catalogue",
    "plot_candidate_steps",
    "plot_step_completion",
    "plot_completion_curves",
    "plot_activation_distribution",
    "plot_threshold_comparison",
    "plot_level_comparison",
    "plot_pqls_over_time",
    "plot_current_pqls_over_time",
    "plot_rates",
    "plot_time_to_pql_distribution",
    "plot_km_curve",
    "plot_paid_lag",
    "plot_cohort_heatmap",
    "plot_cohort_rates",
    "plot_cohort_time_to_pql",
    "plot_pql_cohort_conversion",
    "plot_seasonality",
    "plot_benchmark",
    "plot_revenue_at_stake",
    "plot_kpis",
]

FIGSIZE = (10.0, 4.8)
_MAIN = "#4C72B0"
_ACCENT = "#DD8452"
_MUTED = "#8C8C8C"
_GOOD = "#55A868"


def set_style() -> None:
    """Apply the one pqlkit look to every figure that follows.

    Seaborn's white-grid theme, a fixed figure size (10 × 4.8 in) and resolution (100 dpi), and
    settings that keep saved SVG files identical from run to run (``svg.hashsalt``, no date).

    Returns
    -------
    None
    """
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", palette="deep")
    mpl.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "savefig.bbox": "tight",
        "svg.hashsalt": "pqlkit",
        "axes.titleweight": "bold",
        "axes.titlesize": 12,
        "axes.titlelocation": "left",
        "figure.max_open_warning": 0,
    })


def new_axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax``, or the Axes of a new figure in the house size (for plot functions here and in pqlkit.scoring)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # here, so that importing pqlkit does not pick a backend

    _, ax = plt.subplots(figsize=figsize or FIGSIZE, layout="constrained")
    return ax


#: The colours given to activation steps, in the spec's order (seaborn's "deep" palette without the
#: blue and orange that mark the main series and the highlight); "PQL" is always black.
_STEP_PALETTE = ("#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#CCB974", "#64B5CD", "#4C72B0", "#DD8452")


def step_colours(steps: Sequence[str]) -> dict[str, str]:
    """One colour per activation step, the same in every chart: pass the spec's step names in order.

    >>> step_colours(["connected", "reported"])
    {'connected': '#55A868', 'reported': '#C44E52', 'PQL': 'black'}

    Returns
    -------
    dict
        Step name -> colour, and ``"PQL"`` -> black.
    """
    colours = {step: _STEP_PALETTE[i % len(_STEP_PALETTE)] for i, step in enumerate(s for s in steps if s != "PQL")}
    colours["PQL"] = "black"
    return colours


def _legend_outside(ax: Axes, **kwargs) -> None:
    """The legend to the right of the plotting area, so that it never covers a point (constrained layout makes room)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False, **kwargs)


def _thin_ticks(ax: Axes, x: np.ndarray, labels: Sequence[str], *, max_labels: int = 8) -> None:
    """Every k-th label only (at most ``max_labels``, the last one always shown), rotated: they never overlap."""
    step = max(1, int(np.ceil(len(labels) / max_labels)))
    keep = [i for i in range(len(labels)) if (len(labels) - 1 - i) % step == 0]
    ax.set_xticks(x[keep], [labels[i] for i in keep], rotation=45, ha="right", rotation_mode="anchor")


def _need(table: pd.DataFrame, what: str, column: str | None = None) -> None:
    if table is None or len(table) == 0 or (column is not None and table[column].notna().sum() == 0):
        raise ValueError(f"No data to plot for {what}: check the table is not empty before plotting (the notebooks print a sentence instead).")


def _percent_axis(axis) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))


def _noun(noun: str | None) -> str:
    return noun or "entities"


def _within_label(table: pd.DataFrame, column: str) -> str:
    """`` within N days`` from a result table's fixed-age column (blank when the table has none)."""
    values = table[column].dropna().unique() if column in table else []
    return f" within {float(values[0]):g} days" if len(values) == 1 else ""


def _errors(table: pd.DataFrame, rate: str) -> np.ndarray:
    low = (table[rate] - table["ci_low"]).clip(lower=0).fillna(0).to_numpy(dtype=float)
    high = (table["ci_high"] - table[rate]).clip(lower=0).fillna(0).to_numpy(dtype=float)
    return np.vstack([low, high])


# --- 01: activation definition -----------------------------------------------------------------


def plot_event_catalogue(catalogue: pd.DataFrame, *, noun: str | None = None, ax: Axes | None = None) -> Axes:
    """Horizontal bars: share of entities doing each event (from :func:`pqlkit.analyses.explore.event_catalogue`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _need(catalogue, "the event catalogue")
    noun = _noun(noun)
    data = catalogue.sort_values(["share_of_entities", "event"], ascending=[True, False])
    ax = new_axes(ax, (FIGSIZE[0], max(2.5, 0.4 * len(data) + 1)))
    ax.barh(data["event"], data["share_of_entities"], color=_MAIN)
    for y, (share, per) in enumerate(zip(data["share_of_entities"], data["events_per_entity"])):
        ax.text(share, y, f"  {per:.1f} per {noun[:-1] if noun.endswith('s') else noun}", va="center", fontsize=9)
    _percent_axis(ax.xaxis)
    ax.set_xlim(0, 1.25)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.set_title(f"Which events {noun} do")
    ax.set_xlabel(f"Share of {noun} doing the event at least once (%)")
    ax.set_ylabel("Event")
    return ax


def plot_candidate_steps(ranking: pd.DataFrame, *, top: int = 12, ax: Axes | None = None) -> Axes:
    """Horizontal bars of conversion lift per candidate step; steps of the spec highlighted.

    Takes :func:`pqlkit.analyses.explore.rank_candidate_steps`; only rows with ``enough_data`` and a lift.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    data = ranking[ranking["enough_data"] & np.isfinite(ranking["lift"].astype(float))].head(top)
    _need(data, "candidate steps")
    data = data.iloc[::-1]
    labels = [f"{e} ≥{k}×" for e, k in zip(data["event"], data["min_count"])]
    ax = new_axes(ax, (FIGSIZE[0], max(2.5, 0.4 * len(data) + 1)))
    colors = [_ACCENT if flag else _MUTED for flag in data["in_spec"]]
    ax.barh(labels, data["lift"], color=colors)
    ax.axvline(1, color="black", linewidth=1, linestyle="--")
    window = float(data["within_days"].iloc[0])
    ax.set_title(f"Which early events separate future payers (first {window:g} days)")
    ax.set_xlabel("Conversion lift: paid share of doers ÷ paid share of others (×)")
    ax.set_ylabel("Event, done at least k times")
    handles = [Patch(color=_ACCENT, label="a step of the spec"),
               Patch(color=_MUTED, label="not in the spec")]
    _legend_outside(ax, handles=handles)
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
    _need(funnel, "step completion")
    noun = _noun(noun)
    ax = new_axes(ax)
    colours = colours or step_colours(list(funnel["step"]))
    ax.bar(funnel["step"], funnel["share"], yerr=_errors(funnel, "share"), capsize=4,
           color=[colours.get(step, _MAIN) for step in funnel["step"]])
    for x, (share, done) in enumerate(zip(funnel["share"], funnel["completed"])):
        ax.text(x, share / 2, f"{share:.0%}\n({done:,})", ha="center", va="center", color="white", fontsize=9)
    _percent_axis(ax.yaxis)
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
    _need(curves, "completion curves", "share")
    noun = _noun(noun)
    ax = new_axes(ax)
    colours = colours or step_colours(list(curves["step"].drop_duplicates()))
    for step, group in curves.groupby("step", sort=False):
        style = {"linewidth": 2.5} if step == "PQL" else {"linewidth": 1.5}
        ax.plot(group["day"], group["share"], label=step, color=colours.get(step, _MUTED), **style)
    if trial_days:
        ax.axvline(trial_days, color=_MUTED, linestyle="--", linewidth=1)
        ax.text(trial_days, 0.98, " trial ends", va="top", fontsize=9, color=_MUTED)
    _percent_axis(ax.yaxis)
    ax.set_ylim(0, 1)
    ax.set_title("How soon after signup each step gets done")
    ax.set_xlabel("Days since signup")
    ax.set_ylabel(f"Completed it (% of {noun})")
    _legend_outside(ax, fontsize=9, title="Step")
    return ax


def plot_activation_distribution(distribution: pd.DataFrame, *, steps_required: int | None = None,
                                 noun: str | None = None, ax: Axes | None = None) -> Axes:
    """Bars: share of entities by activation rate (:func:`pqlkit.activation_distribution`); PQL bars highlighted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _need(distribution, "the activation distribution", "share")
    noun = _noun(noun)
    ax = new_axes(ax)
    labels = [f"{rate:.0%}\n({done} of {len(distribution) - 1})" for rate, done in
              zip(distribution["activation_rate"], distribution["steps_done"])]
    colors = [_ACCENT if steps_required is not None and done >= steps_required else _MAIN
              for done in distribution["steps_done"]]
    ax.bar(labels, distribution["share"], color=colors)
    for x, (share, n) in enumerate(zip(distribution["share"], distribution["entities"])):
        ax.text(x, share, f"{share:.0%}", ha="center", va="bottom", fontsize=9)
    _percent_axis(ax.yaxis)
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
    _need(table, "the threshold comparison")
    ax = new_axes(ax)
    labels = [f"{k} of {int(round(k / t))}" for k, t in zip(table["steps_required"], table["threshold"])]
    colors = [_ACCENT if chosen else _MAIN for chosen in table["chosen"]]
    ax.bar(labels, table["pqls"], color=colors, alpha=0.85)
    ax.set_title("What the threshold does to PQL volume and PQL-to-paid")
    ax.set_xlabel("Steps needed to be a PQL (orange: the spec's threshold)")
    ax.set_ylabel("PQLs (count)")
    ax.grid(False, axis="x")
    if has_payments and table["pql_to_paid_rate"].notna().any():
        right = ax.twinx()
        right.errorbar(labels, table["pql_to_paid_rate"], yerr=_errors(table, "pql_to_paid_rate"),
                       color="black", marker="o", capsize=4, linewidth=1.5)
        _percent_axis(right.yaxis)
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
    _need(data, "the level comparison", "pql_rate")
    ax = new_axes(ax, (6.0, 4.0))
    labels = [f"{level}\n({n:,} {level}s)" for level, n in zip(data["level"], data["entities"])]
    ax.bar(labels, data["pql_rate"], yerr=_errors(data, "pql_rate"), capsize=4, color=[_MAIN, _ACCENT][: len(data)])
    _percent_axis(ax.yaxis)
    ax.set_title("PQL rate: users vs accounts")
    ax.set_xlabel("Level of analysis")
    ax.set_ylabel("PQL rate, 95% CI (%)")
    return ax


# --- 02: PQL metrics ---------------------------------------------------------------------------


def plot_pqls_over_time(weekly: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bars of new PQLs per week with the rolling mean (:func:`pqlkit.analyses.cohorts.weekly_pqls`).

    A week that is not over yet (``complete = False``) is drawn pale.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _need(weekly, "new PQLs per week")
    ax = new_axes(ax)
    x = weekly["period_start"].dt.tz_localize(None)
    complete = weekly["complete"] if "complete" in weekly else pd.Series(True, index=weekly.index)
    ax.bar(x, weekly["new_pqls"], width=5, color=[_MAIN if c else "#B0C4DE" for c in complete], label="new PQLs")
    if "rolling_mean" in weekly:
        ax.plot(x, weekly["rolling_mean"], color=_ACCENT, linewidth=2, label="rolling mean")
    ax.set_title("New PQLs per week")
    ax.set_xlabel("Week starting (Monday, UTC)")
    ax.set_ylabel("New PQLs (count per week)")
    _legend_outside(ax)
    for label in ax.get_xticklabels():
        label.set_rotation(45)
        label.set_ha("right")
    return ax


def plot_current_pqls_over_time(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Line: PQLs current at each week end (:func:`pqlkit.analyses.cohorts.current_pqls_over_time`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _need(table, "current PQLs over time")
    ax = new_axes(ax)
    x = table["week_end"].dt.tz_localize(None)
    ax.plot(x, table["current_pqls"], marker="o", color=_MAIN, label="current PQLs")
    ax.set_title("PQLs in play at each week end")
    ax.set_xlabel("Week end (UTC)")
    ax.set_ylabel("Current PQLs (count)")
    ax.set_ylim(bottom=0)
    ax.figure.autofmt_xdate()
    return ax


def plot_rates(
    table: pd.DataFrame,
    *,
    label: str,
    rate: str = "pql_rate",
    title: str = "PQL rate by segment",
    xlabel: str = "PQL rate, 95% CI (%)",
    ylabel: str | None = None,
    band: tuple[float, float] | None = None,
    overall: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal points with 95 % intervals: a rate per group (segment, plan, weekday ...).

    Groups are drawn top to bottom in the table's order, except size bands (``1-10``, ``11-50``,
    ``1000+`` ...), which are put in the order of their numbers (:func:`pqlkit.present.tables.natural_order`).
    The legend (overall rate, benchmark band) sits outside the plotting area.

    Parameters
    ----------
    table : pandas.DataFrame
        With the column ``label``, the ``rate`` column, ``ci_low`` and ``ci_high``.
    band : (low, high), optional
        A benchmark band to shade.
    overall : float, optional
        A reference line (the overall rate).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    check_columns(table, label, argument="label")
    check_columns(table, rate, argument="rate")
    data = natural_order(table[table[rate].notna()], by=label)
    _need(data, title)
    data = data.iloc[::-1]
    ax = new_axes(ax, (FIGSIZE[0], max(3.2, 0.45 * len(data) + 1.2)))
    labels = data[label].astype("str").to_numpy()
    if band is not None:
        ax.axvspan(band[0], band[1], color=_GOOD, alpha=0.15, label=f"benchmark {band[0]:.0%}–{band[1]:.0%}")
    ax.errorbar(data[rate], labels, xerr=_errors(data, rate), fmt="o", color=_MAIN, capsize=4)
    if overall is not None and not np.isnan(overall):
        ax.axvline(overall, color=_ACCENT, linestyle="--", linewidth=1, label=f"overall {overall:.0%}")
    _percent_axis(ax.xaxis)
    ax.set_xlim(left=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or label.replace("_", " ").capitalize())
    if band is not None or overall is not None:
        _legend_outside(ax)
    return ax


def _daily_histogram(ax: Axes, values: pd.Series, what: str) -> Axes:
    """A histogram of day counts, one bar per day, with the median marked."""
    _need(values.to_frame(), what)
    top = max(1, int(np.ceil(values.max())))
    ax.hist(values, bins=np.arange(0, top + 1), color=_MAIN, edgecolor="white")
    ax.axvline(values.median(), color=_ACCENT, linewidth=2, label=f"median {values.median():.1f} days")
    return ax


def plot_time_to_pql_distribution(pqls: pd.DataFrame, *, trial_days: float | None = None, ax: Axes | None = None) -> Axes:
    """Histogram of time to PQL in days (the PQL rows, e.g. :func:`pqlkit.pqls`), one bar per day.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    values = pqls["time_to_pql_days"].dropna()
    ax = _daily_histogram(new_axes(ax), values, "time to PQL")
    if trial_days:
        ax.axvline(trial_days, color=_MUTED, linestyle="--", linewidth=1, label=f"trial ends (day {trial_days:g})")
    ax.set_title("Time from signup to PQL")
    ax.set_xlabel("Days from signup to PQL")
    ax.set_ylabel("PQLs (count per day)")
    _legend_outside(ax)
    return ax


def plot_km_curve(curve: pd.DataFrame, *, trial_days: float | None = None, noun: str | None = None,
                  ax: Axes | None = None) -> Axes:
    """Step curve: Kaplan–Meier share reaching PQL by day, with its 95 % band (:func:`pqlkit.time_to_pql_curve`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _need(curve, "the Kaplan–Meier curve")
    noun = _noun(noun)
    ax = new_axes(ax)
    ax.step(curve["days"], curve["share_pql"], where="post", color=_MAIN, linewidth=2, label="Kaplan–Meier estimate")
    ax.fill_between(curve["days"], curve["ci_low"], curve["ci_high"], step="post", color=_MAIN, alpha=0.2,
                    label="95% interval")
    if trial_days:
        ax.axvline(trial_days, color=_MUTED, linestyle="--", linewidth=1, label=f"trial ends (day {trial_days:g})")
    _percent_axis(ax.yaxis)
    ax.set_ylim(0, 1)
    reached = curve.loc[curve["new_pqls"] > 0, "days"] if "new_pqls" in curve else curve["days"]
    right = max(float(reached.max()) * 1.1 if len(reached) else 0.0, 2 * (trial_days or 0), 1.0)
    ax.set_xlim(0, min(right, float(curve["days"].max())) if float(curve["days"].max()) > 0 else 1)
    ax.set_title("Share reaching PQL by days since signup (trials still running counted)")
    ax.set_xlabel("Days since signup")
    ax.set_ylabel(f"Reached PQL (% of {noun})")
    _legend_outside(ax)
    return ax


def plot_paid_lag(lag: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Histogram of days from PQL to first payment (:func:`pqlkit.paid_lag`), one bar per day.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _daily_histogram(new_axes(ax), lag["lag_days"].dropna(), "the lag to payment")
    ax.set_title("Time from PQL to first payment")
    ax.set_xlabel("Days from PQL to first payment")
    ax.set_ylabel("Paying PQLs (count per day)")
    _legend_outside(ax)
    return ax


# --- 03: cohorts -------------------------------------------------------------------------------


def _cohort_labels(stamps: pd.Series, freq: str | None = None) -> list[str]:
    naive = stamps.dt.tz_localize(None)
    if freq == "M" or (freq is None and (naive.dt.day == 1).all() and len(naive) > 1
                       and (naive.diff().dropna() > pd.Timedelta(days=8)).all()):
        return naive.dt.strftime("%Y-%m").tolist()
    return naive.dt.strftime("%Y-%m-%d").tolist()


def plot_cohort_heatmap(matrix: pd.DataFrame, *, freq: str | None = None, ax: Axes | None = None) -> Axes:
    """Heatmap: cumulative PQL rate by signup cohort (rows) and days since signup (columns).

    Takes :func:`pqlkit.analyses.cohorts.cohort_matrix`; immature cells are left blank.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _need(matrix, "the cohort heatmap", "pql_rate")
    import seaborn as sns

    table = matrix.pivot(index="signup_cohort", columns="day", values="pql_rate").sort_index()
    table.index = _cohort_labels(pd.Series(table.index), freq)
    table.columns = [f"{d:g}" for d in table.columns]
    ax = new_axes(ax, (FIGSIZE[0], max(3.0, 0.3 * len(table) + 1.5)))
    sns.heatmap(table, ax=ax, annot=len(table) <= 30, fmt=".0%", cmap="Blues", vmin=0,
                cbar_kws={"label": "Cumulative PQL rate (share of cohort)", "format": PercentFormatter(xmax=1, decimals=0)},
                annot_kws={"fontsize": 8}, linewidths=0.5, linecolor="white")
    ax.grid(False)
    ax.set_title("PQL rate by signup cohort and days since signup (blank: too young)")
    ax.set_xlabel("Days since signup")
    ax.set_ylabel("Signup cohort (start)")
    return ax


def plot_cohort_rates(rates: pd.DataFrame, *, freq: str | None = None, ax: Axes | None = None) -> Axes:
    """Points with 95 % intervals per signup cohort; immature cohorts hollow and grey.

    Takes :func:`pqlkit.analyses.cohorts.cohort_rates`.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _need(rates, "cohort PQL rates", "pql_rate")
    within = _within_label(rates, "horizon_days")
    return _cohort_points(
        new_axes(ax), rates, cohort="signup_cohort", rate="pql_rate", freq=freq,
        title=f"PQL rate{within} of signup, per cohort", xlabel="Signup cohort (start)",
        ylabel=f"PQL rate{within}, 95% CI (%)",
    )


def _cohort_points(ax: Axes, table: pd.DataFrame, *, cohort: str, rate: str, freq: str | None, title: str,
                   xlabel: str, ylabel: str) -> Axes:
    """Rates with 95 % error bars per cohort: mature cohorts solid, too-young ones hollow and muted."""
    x = np.arange(len(table))
    errors = _errors(table, rate)
    for flag, style in ((True, {"color": _MAIN, "label": "mature cohort"}),
                        (False, {"color": _MUTED, "mfc": "white", "label": "too young: a floor, not a drop"})):
        mask = (table["mature"] == flag).to_numpy()
        if mask.any():
            ax.errorbar(x[mask], table[rate].to_numpy()[mask], yerr=errors[:, mask], fmt="o", capsize=3, **style)
    _thin_ticks(ax, x, _cohort_labels(table[cohort], freq))
    _percent_axis(ax.yaxis)
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _legend_outside(ax, fontsize=9)
    return ax


def plot_cohort_time_to_pql(table: pd.DataFrame, *, freq: str | None = None, ax: Axes | None = None) -> Axes:
    """Median time to PQL per signup cohort, with the interquartile range (:func:`pqlkit.analyses.cohorts.cohort_time_to_pql`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    data = table[table["median_days"].notna()]
    _need(data, "time to PQL per cohort")
    ax = new_axes(ax)
    labels = _cohort_labels(data["signup_cohort"], freq)
    x = np.arange(len(data))
    lower = (data["median_days"] - data["p25_days"]).to_numpy(dtype=float)
    upper = (data["p75_days"] - data["median_days"]).to_numpy(dtype=float)
    ax.errorbar(x, data["median_days"], yerr=np.vstack([lower, upper]), fmt="o", color=_MAIN, capsize=3,
                label="median (bars: 25th–75th percentile)")
    _thin_ticks(ax, x, labels)
    ax.set_ylim(bottom=0)
    ax.set_title("Time to PQL per signup cohort (PQLs so far)")
    ax.set_xlabel("Signup cohort (start)")
    ax.set_ylabel("Days from signup to PQL")
    _legend_outside(ax, fontsize=9)
    return ax


def plot_pql_cohort_conversion(table: pd.DataFrame, *, freq: str | None = None, ax: Axes | None = None) -> Axes:
    """PQL-to-paid within N days per PQL cohort, immature cohorts hollow (:func:`pqlkit.analyses.cohorts.pql_cohort_conversion`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    data = table[table["pql_to_paid_rate"].notna()].reset_index(drop=True)
    _need(data, "PQL-to-paid per PQL cohort")
    label = _within_label(table, "within_days")
    return _cohort_points(
        new_axes(ax), data, cohort="pql_cohort", rate="pql_to_paid_rate", freq=freq,
        title=f"PQL-to-paid{label}, per PQL cohort", xlabel="PQL cohort (when they became PQLs)",
        ylabel=f"Paid{label} of PQL, 95% CI (%)",
    )


def plot_seasonality(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bars with 95 % intervals: PQL rate by signup weekday or month (:func:`pqlkit.analyses.cohorts.seasonality`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    key = "weekday" if "weekday" in table else "month"
    data = table[table["pql_rate"].notna()]
    _need(data, f"seasonality by {key}")
    within = _within_label(table, "horizon_days")
    ax = new_axes(ax)
    ax.bar(data[key], data["pql_rate"], yerr=_errors(data, "pql_rate"), capsize=4, color=_MAIN)
    _percent_axis(ax.yaxis)
    ax.set_title(f"PQL rate by signup {key}")
    ax.set_xlabel(f"Signup {key}")
    ax.set_ylabel(f"PQL rate{within}, 95% CI (%)")
    return ax


# --- 04: pricing -------------------------------------------------------------------------------


def plot_benchmark(reading: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """The PQL-to-paid rate and its interval against the shaded benchmark band (:func:`pqlkit.analyses.pricing.benchmark_reading`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _need(reading, "the benchmark reading", "pql_to_paid_rate")
    row = reading.iloc[0]
    ax = new_axes(ax, (FIGSIZE[0], 2.6))
    ax.axvspan(row["band_low"], row["band_high"], color=_GOOD, alpha=0.2,
               label=f"benchmark band {row['band_low']:.0%}–{row['band_high']:.0%}")
    ax.errorbar([row["pql_to_paid_rate"]], [0], xerr=[[row["pql_to_paid_rate"] - row["ci_low"]],
                                                      [row["ci_high"] - row["pql_to_paid_rate"]]],
                fmt="o", color=_MAIN, capsize=6, markersize=9, label="observed, 95% CI")
    ax.set_yticks([0], ["observed"])
    _percent_axis(ax.xaxis)
    ax.set_xlim(0, max(0.5, float(row["ci_high"]) * 1.2, float(row["band_high"]) * 1.2))
    ax.set_title(f"PQL-to-paid against the benchmark band: {row['verdict']}")
    ax.set_xlabel("PQL-to-paid rate, 95% CI (%)")
    ax.set_ylabel("Eligible PQLs")
    _legend_outside(ax, fontsize=9)
    return ax


def plot_revenue_at_stake(table: pd.DataFrame, *, currency: str = "", ax: Axes | None = None) -> Axes:
    """Bars: monthly recurring revenue at stake, low / expected / high (:func:`pqlkit.analyses.pricing.revenue_at_stake`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _need(table, "revenue at stake", "mrr_at_stake")
    ax = new_axes(ax, (6.0, 4.0))
    ax.bar(table["case"], table["mrr_at_stake"], color=[_MUTED, _MAIN, _MUTED][: len(table)])
    for x, value in enumerate(table["mrr_at_stake"]):
        ax.text(x, value, f"{currency}{value:,.0f}", ha="center", va="bottom", fontsize=9)
    ax.set_title("Monthly recurring revenue at stake in the current PQLs")
    ax.set_xlabel("Case (conversion at the low end, point and high end of its 95% CI)")
    ax.set_ylabel(f"MRR at stake ({currency or 'currency units'} per month)")
    return ax


# --- 05: playbook ------------------------------------------------------------------------------


def plot_kpis(weekly: pd.DataFrame, *, monthly_rates: pd.DataFrame, axes: Sequence[Axes] | None = None) -> Sequence[Axes]:
    """Two small panels: new PQLs per week and PQL rate per signup month (for the playbook's overview).

    Returns the two Axes.

    Returns
    -------
    sequence of matplotlib.axes.Axes
        The two panels (weekly PQLs, monthly PQL rate).
    """
    _need(weekly, "new PQLs per week")
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(2, 1, figsize=(FIGSIZE[0], 7.6), layout="constrained")
    plot_pqls_over_time(weekly, ax=axes[0])
    data = monthly_rates[monthly_rates["pql_rate"].notna()]
    if len(data):
        plot_cohort_rates(monthly_rates, freq="M", ax=axes[1])
    else:
        axes[1].set_axis_off()
    return axes


# --- the conversion score (pqlkit.scoring.PayScore's tables) --------------------------------------


def plot_calibration(calibration: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Observed payer rate against predicted probability, per bin, with the diagonal.

    Parameters
    ----------
    calibration : pandas.DataFrame
        :attr:`pqlkit.scoring.PayScore.calibration`: ``predicted_mean``, ``observed_rate`` per bin.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    top = float(max(calibration["predicted_mean"].max(), calibration["observed_rate"].max(), 0.05)) if len(calibration) else 1.0
    ax.plot([0, top], [0, top], linestyle="--", color=_MUTED, label="perfectly calibrated")
    ax.plot(calibration["predicted_mean"], calibration["observed_rate"], marker="o", color=_MAIN, label="score")
    _percent_axis(ax.xaxis)
    _percent_axis(ax.yaxis)
    ax.set(title="Calibration on later cohorts", xlabel="predicted chance to pay (%)", ylabel="share that paid (%)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    return ax


def plot_lift(lift: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Payers per decile of the validation list, the score's order beside today's.

    Parameters
    ----------
    lift : pandas.DataFrame
        :attr:`pqlkit.scoring.PayScore.lift`: ``decile``, ``ordering`` (``score``/``today``), ``payers``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    wide = lift.pivot(index="decile", columns="ordering", values="payers").reindex(columns=["score", "today"])
    width = 0.4
    ax.bar(wide.index - width / 2, wide["score"], width=width, color=_MAIN, label="ordered by the score")
    ax.bar(wide.index + width / 2, wide["today"], width=width, color=_MUTED, label="today's order")
    ax.set_xticks(wide.index)
    ax.set(title="Payers per tenth of the list", xlabel="tenth of the list (1 = called first)", ylabel="payers (count)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    return ax


def plot_importance(importance: pd.DataFrame, *, top: int = 10, ax: Axes | None = None) -> Axes:
    """The features that move the score most (permutation importance), as horizontal bars.

    Parameters
    ----------
    importance : pandas.DataFrame
        :attr:`pqlkit.scoring.PayScore.importance`: ``feature``, ``importance_mean``, ``importance_std``.
    top : int
        How many features to show.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    shown = importance.head(top).iloc[::-1]
    ax.barh(shown["feature"], shown["importance_mean"], xerr=shown["importance_std"], color=_MAIN)
    ax.set(title="What moves the score", xlabel="drop in validation ROC AUC when shuffled (AUC points)", ylabel="feature")
    return ax
