"""The conversion score's charts (:class:`pqlkit.scoring.PayScore`'s tables): calibration, lift
and feature importance.

See :mod:`pqlkit.present.plots` for the rules every chart keeps.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from pqlkit.present.formatting import feature_words
from pqlkit.present.plots.style import MAIN, MUTED, new_axes, percent_axis

__all__ = [
    "plot_calibration",
    "plot_importance",
    "plot_lift",
]


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
    ax.plot([0, top], [0, top], linestyle="--", color=MUTED, label="perfectly calibrated")
    ax.plot(calibration["predicted_mean"], calibration["observed_rate"], marker="o", color=MAIN, label="score")
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set(title="Calibration on later cohorts", xlabel="predicted chance to pay (%)", ylabel="share that paid (%)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    return ax


def plot_lift(lift: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Payers per decile of the validation list, in people, the score's order beside today's.

    Parameters
    ----------
    lift : pandas.DataFrame
        :attr:`pqlkit.scoring.PayScore.lift`: ``decile``, ``ordering`` (``score``/``today``), ``payers``
        (distinct entities).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    wide = lift.pivot(index="decile", columns="ordering", values="payers").reindex(columns=["score", "today"])
    width = 0.4
    ax.bar(wide.index - width / 2, wide["score"], width=width, color=MAIN, label="ordered by the score")
    ax.bar(wide.index + width / 2, wide["today"], width=width, color=MUTED, label="today's order")
    ax.set_xticks(wide.index)
    ax.set(title="Payers per tenth of the list", xlabel="tenth of the list (1 = called first)", ylabel="payers (people)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    return ax


def plot_importance(importance: pd.DataFrame, *, top: int = 10, ax: Axes | None = None) -> Axes:
    """The features that move the score most (permutation importance), as horizontal bars, named in words
    (:func:`pqlkit.present.formatting.feature_words`: ``first_14d:login`` reads ``login in the first 14 days``).

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
    ax.barh([feature_words(f) for f in shown["feature"]], shown["importance_mean"], xerr=shown["importance_std"], color=MAIN)
    ax.set(title="What moves the score",
           xlabel="how much less often the score ranks a payer first when this is shuffled (share of pairs)",
           ylabel="what the score reads")
    return ax
