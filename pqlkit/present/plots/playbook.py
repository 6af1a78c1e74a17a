"""The playbook's overview (notebook 05): new PQLs per week and PQL rate per signup month.

See :mod:`pqlkit.present.plots` for the rules every chart keeps.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes

from pqlkit.present.plots.cohorts import plot_cohort_rates
from pqlkit.present.plots.pql_metrics import plot_pqls_over_time
from pqlkit.present.plots.style import FIGSIZE, need_data

__all__ = [
    "plot_kpis",
]


def plot_kpis(weekly: pd.DataFrame, *, monthly_rates: pd.DataFrame, axes: Sequence[Axes] | None = None) -> Sequence[Axes]:
    """Two small panels: new PQLs per week and PQL rate per signup month (for the playbook's overview).

    Returns the two Axes.

    Returns
    -------
    sequence of matplotlib.axes.Axes
        The two panels (weekly PQLs, monthly PQL rate).
    """
    need_data(weekly, "new PQLs per week")
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
