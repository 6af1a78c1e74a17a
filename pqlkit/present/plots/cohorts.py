"""The cohorts' charts (notebook 03): the cohort heatmap, rates and time to PQL per signup cohort,
PQL-to-paid per PQL cohort, and seasonality.

See :mod:`pqlkit.present.plots` for the rules every chart keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from pqlkit.present.plots.style import (
    FIGSIZE,
    MAIN,
    MUTED,
    error_bars,
    legend_outside,
    need_data,
    new_axes,
    percent_axis,
    thin_ticks,
    within_label,
)

__all__ = [
    "plot_cohort_heatmap",
    "plot_cohort_rates",
    "plot_cohort_time_to_pql",
    "plot_pql_cohort_conversion",
    "plot_seasonality",
]


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
    need_data(matrix, "the cohort heatmap", "pql_rate")
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
    need_data(rates, "cohort PQL rates", "pql_rate_so_far")
    within = within_label(rates, "horizon_days")
    return _cohort_points(
        new_axes(ax), rates, cohort="signup_cohort", rate="pql_rate", so_far="pql_rate_so_far", freq=freq,
        title=f"PQL rate{within} of signup, per cohort", xlabel="Signup cohort (start)",
        ylabel=f"PQL rate{within}, 95% CI (%)",
    )


def _cohort_points(ax: Axes, table: pd.DataFrame, *, cohort: str, rate: str, so_far: str, freq: str | None, title: str,
                   xlabel: str, ylabel: str) -> Axes:
    """Rates with 95 % error bars per cohort: mature cohorts solid; too-young ones (their rate blank) hollow
    and muted at the floor so far (``so_far``), without an interval."""
    x = np.arange(len(table))
    errors = error_bars(table, rate)
    mature = table["mature"].astype(bool).to_numpy()
    if mature.any():
        ax.errorbar(x[mature], table[rate].to_numpy()[mature], yerr=errors[:, mature], fmt="o", capsize=3,
                    color=MAIN, label="mature cohort")
    if (~mature).any():
        ax.plot(x[~mature], table[so_far].to_numpy()[~mature], "o", color=MUTED, mfc="white",
                label="too young: a floor, not a drop")
    thin_ticks(ax, x, _cohort_labels(table[cohort], freq))
    percent_axis(ax.yaxis)
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    legend_outside(ax, fontsize=9)
    return ax


def plot_cohort_time_to_pql(table: pd.DataFrame, *, freq: str | None = None, ax: Axes | None = None) -> Axes:
    """Median time to PQL per signup cohort, with the interquartile range (:func:`pqlkit.analyses.cohorts.cohort_time_to_pql`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    data = table[table["median_days"].notna()]
    need_data(data, "time to PQL per cohort")
    ax = new_axes(ax)
    labels = _cohort_labels(data["signup_cohort"], freq)
    x = np.arange(len(data))
    lower = (data["median_days"] - data["p25_days"]).to_numpy(dtype=float)
    upper = (data["p75_days"] - data["median_days"]).to_numpy(dtype=float)
    ax.errorbar(x, data["median_days"], yerr=np.vstack([lower, upper]), fmt="o", color=MAIN, capsize=3,
                label="median (bars: 25th–75th percentile)")
    thin_ticks(ax, x, labels)
    ax.set_ylim(bottom=0)
    ax.set_title("Time to PQL per signup cohort (PQLs so far)")
    ax.set_xlabel("Signup cohort (start)")
    ax.set_ylabel("Days from signup to PQL")
    legend_outside(ax, fontsize=9)
    return ax


def plot_pql_cohort_conversion(table: pd.DataFrame, *, freq: str | None = None, ax: Axes | None = None) -> Axes:
    """PQL-to-paid within N days per PQL cohort, immature cohorts hollow (:func:`pqlkit.analyses.cohorts.pql_cohort_conversion`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    data = table[table["pql_to_paid_so_far"].notna()].reset_index(drop=True)
    need_data(data, "PQL-to-paid per PQL cohort")
    label = within_label(table, "within_days")
    return _cohort_points(
        new_axes(ax), data, cohort="pql_cohort", rate="pql_to_paid_rate", so_far="pql_to_paid_so_far", freq=freq,
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
    need_data(data, f"seasonality by {key}")
    within = within_label(table, "horizon_days")
    ax = new_axes(ax)
    ax.bar(data[key], data["pql_rate"], yerr=error_bars(data, "pql_rate"), capsize=4, color=MAIN)
    percent_axis(ax.yaxis)
    ax.set_title(f"PQL rate by signup {key}")
    ax.set_xlabel(f"Signup {key}")
    ax.set_ylabel(f"PQL rate{within}, 95% CI (%)")
    return ax
