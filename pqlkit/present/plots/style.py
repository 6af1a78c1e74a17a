"""The one pqlkit look, and the helpers every chart module shares.

:func:`set_style` (called once, by the notebooks' set-up), the house figure size and colours, one
colour per activation step (:func:`step_colours`), a new Axes in the house size (:func:`new_axes`),
and the small helpers that keep the readers' rules: a legend outside the plotting area, thinned
date ticks, percent axes, 95 % error bars, and the refusal of an empty table.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

__all__ = ["FIGSIZE", "set_style", "step_colours"]

#: The house figure size (inches), and the colours of the main series, the highlight, the muted series and
#: a benchmark band.
FIGSIZE = (10.0, 4.8)
MAIN = "#4C72B0"
ACCENT = "#DD8452"
MUTED = "#8C8C8C"
GOOD = "#55A868"


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
    """``ax``, or the Axes of a new figure in the house size (for every chart function of :mod:`pqlkit.present.plots`)."""
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


def legend_outside(ax: Axes, **kwargs) -> None:
    """The legend to the right of the plotting area, so that it never covers a point (constrained layout makes room)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False, **kwargs)


def thin_ticks(ax: Axes, x: np.ndarray, labels: Sequence[str], *, max_labels: int = 8) -> None:
    """Every k-th label only (at most ``max_labels``, the last one always shown), rotated: they never overlap."""
    step = max(1, int(np.ceil(len(labels) / max_labels)))
    keep = [i for i in range(len(labels)) if (len(labels) - 1 - i) % step == 0]
    ax.set_xticks(x[keep], [labels[i] for i in keep], rotation=45, ha="right", rotation_mode="anchor")


def need_data(table: pd.DataFrame, what: str, column: str | None = None) -> None:
    """Refuse an empty table (or one whose ``column`` is all missing) with a ``ValueError`` naming ``what``."""
    if table is None or len(table) == 0 or (column is not None and table[column].notna().sum() == 0):
        raise ValueError(f"No data to plot for {what}: check the table is not empty before plotting (the notebooks print a sentence instead).")


def percent_axis(axis) -> None:
    """Tick labels as whole percents, for an axis of shares in [0, 1]."""
    axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))


def noun_or_entities(noun: str | None) -> str:
    """What the charts call the analysed units: ``noun``, or "entities" when None."""
    return noun or "entities"


def within_label(table: pd.DataFrame, column: str) -> str:
    """`` within N days`` from a result table's fixed-age column (blank when the table has none)."""
    values = table[column].dropna().unique() if column in table else []
    return f" within {float(values[0]):g} days" if len(values) == 1 else ""


def error_bars(table: pd.DataFrame, rate: str) -> np.ndarray:
    """The (2, n) ``yerr``/``xerr`` of a rate column from its ``ci_low`` and ``ci_high`` (never negative, 0 where missing)."""
    low = (table[rate] - table["ci_low"]).clip(lower=0).fillna(0).to_numpy(dtype=float)
    high = (table["ci_high"] - table[rate]).clip(lower=0).fillna(0).to_numpy(dtype=float)
    return np.vstack([low, high])
