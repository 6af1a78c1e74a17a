"""The pricing charts (notebook 04): PQL-to-paid against the benchmark band, and the revenue at stake.

See :mod:`pqlkit.present.plots` for the rules every chart keeps.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from pqlkit.present.formatting import DEFAULT_CURRENCY, money, value_words
from pqlkit.present.plots.style import (
    FIGSIZE,
    GOOD,
    MAIN,
    MUTED,
    legend_outside,
    need_data,
    new_axes,
    percent_axis,
)

__all__ = [
    "plot_benchmark",
    "plot_revenue_at_stake",
]


def plot_benchmark(reading: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """The PQL-to-paid rate and its interval against the shaded benchmark band (:func:`pqlkit.analyses.pricing.benchmark_reading`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_data(reading, "the benchmark reading", "pql_to_paid_rate")
    row = reading.iloc[0]
    ax = new_axes(ax, (FIGSIZE[0], 2.6))
    ax.axvspan(row["band_low"], row["band_high"], color=GOOD, alpha=0.2,
               label=f"benchmark band {row['band_low']:.0%}–{row['band_high']:.0%}")
    ax.errorbar([row["pql_to_paid_rate"]], [0], xerr=[[row["pql_to_paid_rate"] - row["ci_low"]],
                                                      [row["ci_high"] - row["pql_to_paid_rate"]]],
                fmt="o", color=MAIN, capsize=6, markersize=9, label="observed, 95% CI")
    ax.set_yticks([0], ["observed"])
    percent_axis(ax.xaxis)
    ax.set_xlim(0, max(0.5, float(row["ci_high"]) * 1.2, float(row["band_high"]) * 1.2))
    lag = "" if pd.isna(row.get("by_day")) else f" within {row['by_day']:g} days"
    ax.set_title(f"PQL-to-paid{lag} against the benchmark band: {value_words(row['verdict'])}")
    ax.set_xlabel("PQL-to-paid rate, 95% CI (%)")
    ax.set_ylabel("Eligible PQLs")
    legend_outside(ax, fontsize=9)
    return ax


def plot_revenue_at_stake(table: pd.DataFrame, *, currency: str = DEFAULT_CURRENCY, ax: Axes | None = None) -> Axes:
    """Bars: monthly recurring revenue at stake, low / expected / high (:func:`pqlkit.analyses.pricing.revenue_at_stake`).

    Each bar's amount and the axis carry ``currency`` (an ISO code such as ``USD``, or a one-character
    symbol), as :func:`pqlkit.present.formatting.money` writes it.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_data(table, "revenue at stake", "mrr_at_stake")
    ax = new_axes(ax, (6.0, 4.0))
    ax.bar(table["case"], table["mrr_at_stake"], color=[MUTED, MAIN, MUTED][: len(table)])
    for x, value in enumerate(table["mrr_at_stake"]):
        ax.text(x, value, money(value, currency=currency), ha="center", va="bottom", fontsize=9)
    ax.set_title("Monthly recurring revenue at stake in the current PQLs")
    ax.set_xlabel("Case (expected, and the 95% range of outcomes if each lead's odds are right)")
    ax.set_ylabel(f"MRR at stake ({currency} per month)")
    return ax
