"""The PQL metrics' charts (notebook 02): PQLs over time, rates per group, time to PQL, the
Kaplan–Meier curve and the lag to payment.

See :mod:`pqlkit.present.plots` for the rules every chart keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from pqlkit.core.context import check_columns
from pqlkit.present.plots.style import (
    ACCENT,
    FIGSIZE,
    GOOD,
    MAIN,
    MUTED,
    error_bars,
    legend_outside,
    need_data,
    new_axes,
    noun_or_entities,
    percent_axis,
)
from pqlkit.present.tables import natural_order

__all__ = [
    "plot_current_pqls_over_time",
    "plot_km_curve",
    "plot_paid_lag",
    "plot_pqls_over_time",
    "plot_rates",
    "plot_time_to_pql_distribution",
]


def plot_pqls_over_time(weekly: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bars of new PQLs per week with the rolling mean (:func:`pqlkit.analyses.cohorts.weekly_pqls`).

    A week that is not over yet (``complete = False``) is drawn pale.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_data(weekly, "new PQLs per week")
    ax = new_axes(ax)
    x = weekly["period_start"].dt.tz_localize(None)
    complete = weekly["complete"] if "complete" in weekly else pd.Series(True, index=weekly.index)
    ax.bar(x, weekly["new_pqls"], width=5, color=[MAIN if c else "#B0C4DE" for c in complete], label="new PQLs")
    if "rolling_mean" in weekly:
        ax.plot(x, weekly["rolling_mean"], color=ACCENT, linewidth=2, label="rolling mean")
    ax.set_title("New PQLs per week")
    ax.set_xlabel("Week starting (Monday, UTC)")
    ax.set_ylabel("New PQLs (count per week)")
    legend_outside(ax)
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
    need_data(table, "current PQLs over time")
    ax = new_axes(ax)
    x = table["week_end"].dt.tz_localize(None)
    ax.plot(x, table["current_pqls"], marker="o", color=MAIN, label="current PQLs")
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
    need_data(data, title)
    data = data.iloc[::-1]
    ax = new_axes(ax, (FIGSIZE[0], max(3.2, 0.45 * len(data) + 1.2)))
    labels = data[label].astype("str").to_numpy()
    if band is not None:
        ax.axvspan(band[0], band[1], color=GOOD, alpha=0.15, label=f"benchmark {band[0]:.0%}–{band[1]:.0%}")
    ax.errorbar(data[rate], labels, xerr=error_bars(data, rate), fmt="o", color=MAIN, capsize=4)
    if overall is not None and not np.isnan(overall):
        ax.axvline(overall, color=ACCENT, linestyle="--", linewidth=1, label=f"overall {overall:.0%}")
    percent_axis(ax.xaxis)
    ax.set_xlim(left=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or label.replace("_", " ").capitalize())
    if band is not None or overall is not None:
        legend_outside(ax)
    return ax


def _daily_histogram(ax: Axes, values: pd.Series, what: str) -> Axes:
    """A histogram of day counts, one bar per day, with the median marked."""
    need_data(values.to_frame(), what)
    top = max(1, int(np.ceil(values.max())))
    ax.hist(values, bins=np.arange(0, top + 1), color=MAIN, edgecolor="white")
    ax.axvline(values.median(), color=ACCENT, linewidth=2, label=f"median {values.median():.1f} days")
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
        ax.axvline(trial_days, color=MUTED, linestyle="--", linewidth=1, label=f"trial ends (day {trial_days:g})")
    ax.set_title("Time from signup to PQL")
    ax.set_xlabel("Days from signup to PQL")
    ax.set_ylabel("PQLs (count per day)")
    legend_outside(ax)
    return ax


def plot_km_curve(curve: pd.DataFrame, *, trial_days: float | None = None, noun: str | None = None,
                  ax: Axes | None = None) -> Axes:
    """Step curve: Kaplan–Meier share reaching PQL by day, with its 95 % band (:func:`pqlkit.time_to_pql_curve`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_data(curve, "the Kaplan–Meier curve")
    noun = noun_or_entities(noun)
    ax = new_axes(ax)
    ax.step(curve["days"], curve["share_pql"], where="post", color=MAIN, linewidth=2, label="Kaplan–Meier estimate")
    ax.fill_between(curve["days"], curve["ci_low"], curve["ci_high"], step="post", color=MAIN, alpha=0.2,
                    label="95% interval")
    if trial_days:
        ax.axvline(trial_days, color=MUTED, linestyle="--", linewidth=1, label=f"trial ends (day {trial_days:g})")
    percent_axis(ax.yaxis)
    ax.set_ylim(0, 1)
    reached = curve.loc[curve["new_pqls"] > 0, "days"] if "new_pqls" in curve else curve["days"]
    right = max(float(reached.max()) * 1.1 if len(reached) else 0.0, 2 * (trial_days or 0), 1.0)
    ax.set_xlim(0, min(right, float(curve["days"].max())) if float(curve["days"].max()) > 0 else 1)
    ax.set_title("Share reaching PQL by days since signup (trials still running counted)")
    ax.set_xlabel("Days since signup")
    ax.set_ylabel(f"Reached PQL (% of {noun})")
    legend_outside(ax)
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
    legend_outside(ax)
    return ax
