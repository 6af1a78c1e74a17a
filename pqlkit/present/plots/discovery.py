"""The discovery's charts (notebook 01): the count × days heat map of the top events, and the frontier of
reach against precision with the current spec marked.

See :mod:`pqlkit.present.plots` for the rules every chart keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from pqlkit.present.plots.style import ACCENT, FIGSIZE, MAIN, legend_outside, need_data, new_axes, percent_axis

__all__ = ["plot_discovery_heatmap", "plot_discovery_frontier"]


def plot_discovery_heatmap(singles: pd.DataFrame, *, events: int = 4, value: str = "adjusted_lift",
                           ax: Axes | None = None) -> Axes:
    """One heat map per top event: the lift within activity levels of "at least k events within w days",
    k down, w across (as Amplitude Compass and Mixpanel Signal show), from ``Discovery.singles``.

    The top events are those with the highest ``value`` among the admissible single steps; cells that are
    not admissible (too few entities, or not beyond chance) are left blank.

    Returns
    -------
    matplotlib.axes.Axes
        The first event's Axes (the figure holds one per event).
    """
    need_data(singles, "the single steps")
    ranked = singles[singles["admissible"]].sort_values(value, ascending=False)
    top = list(dict.fromkeys(ranked["event"]))[:events]
    need_data(pd.DataFrame({"event": top}), "the admissible single steps")
    import matplotlib.pyplot as plt

    figure, axes = (plt.subplots(1, len(top), figsize=(FIGSIZE[0], 3.6), layout="constrained", sharey=True)
                    if ax is None else (ax.figure, [ax]))
    axes = np.atleast_1d(axes)
    shown = singles[singles["admissible"]]
    high = float(shown[value].replace(np.inf, np.nan).max())
    image = None
    for axis, event in zip(axes, top):
        grid = shown[shown["event"] == event].pivot(index="min_count", columns="within_days", values=value)
        counts = range(1, int(singles["min_count"].max()) + 1)
        days = range(1, int(singles["within_days"].max()) + 1)
        grid = grid.reindex(index=counts, columns=days)
        image = axis.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis", vmin=1, vmax=high,
                            extent=(0.5, len(days) + 0.5, 0.5, len(counts) + 0.5))
        axis.set_title(event, fontsize=10)
        axis.set_xlabel("Within days of signup")
    axes[0].set_ylabel("At least this many events")
    if image is not None and ax is None:
        figure.colorbar(image, ax=list(axes), label="Lift within activity levels (×)")
        figure.suptitle("Which count within which window separates those who reach the target")
    return axes[0]


def plot_discovery_frontier(definitions: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Reach against precision of the candidate definitions on the later signups, the proposal and the
    current spec marked (``Discovery.definitions``).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    need_data(definitions, "the definitions")
    ax = new_axes(ax)
    others = definitions[~definitions["is_proposal"] & ~definitions["is_current"]]
    ax.scatter(others["reach"], others["precision"], s=40, color=MAIN, label="runners-up")
    for mask, colour, marker, name in ((definitions["is_proposal"], ACCENT, "*", "proposal"),
                                       (definitions["is_current"], "black", "D", "current spec")):
        rows = definitions[mask]
        if len(rows):
            ax.scatter(rows["reach"], rows["precision"], s=160 if marker == "*" else 70, color=colour, marker=marker,
                       label=name, zorder=3)
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlim(0, max(0.05, float(definitions["reach"].max()) * 1.15))
    ax.set_ylim(0, max(0.05, float(definitions["precision"].max()) * 1.15))
    ax.set_title("Reach against precision: each definition on the later signups")
    ax.set_xlabel("Reach: share of signups who qualify (%)")
    ax.set_ylabel("Precision: share of them reaching the target (%)")
    legend_outside(ax)
    return ax
