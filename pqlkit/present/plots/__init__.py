"""Charts for the notebooks: one function per chart, a result table in, the Axes out.

Every function takes the tidy table that a computation in pqlkit returned (never raw events), an
optional ``ax=`` to draw on, and returns the Axes. Every chart gets a title and labelled axes with
units. Call :func:`set_style` once (the notebooks do) so that all figures look alike.

Readers' rules, kept by every chart: a legend never covers data (it sits outside the plotting area,
to the right); ordinal groups (company size bands) keep their natural order
(:func:`pqlkit.present.tables.natural_order`); date tick labels are thinned and rotated so that they never
overlap; each activation step keeps one colour in every chart (:func:`step_colours`).

One module per notebook's charts (:mod:`~pqlkit.present.plots.activation`,
:mod:`~pqlkit.present.plots.pql_metrics`, :mod:`~pqlkit.present.plots.cohorts`,
:mod:`~pqlkit.present.plots.pricing`, :mod:`~pqlkit.present.plots.playbook`) and one for the
conversion score's (:mod:`~pqlkit.present.plots.scoring`), sharing the look and the helpers of
:mod:`~pqlkit.present.plots.style`; every chart is reachable from here (``pk.plots.plot_rates``).

No computation happens here beyond reshaping for display (STYLE: no matplotlib in computation, no
computation in plots). An empty table raises ``ValueError``: the notebooks check for data first
and print a sentence instead of drawing an empty chart.
"""

from pqlkit.present.plots.activation import (
    plot_activation_distribution,
    plot_candidate_steps,
    plot_completion_curves,
    plot_event_catalogue,
    plot_level_comparison,
    plot_step_completion,
    plot_threshold_comparison,
)
from pqlkit.present.plots.discovery import plot_discovery_frontier, plot_discovery_heatmap
from pqlkit.present.plots.cohorts import (
    plot_cohort_heatmap,
    plot_cohort_rates,
    plot_cohort_time_to_pql,
    plot_pql_cohort_conversion,
    plot_seasonality,
)
from pqlkit.present.plots.playbook import plot_kpis
from pqlkit.present.plots.pql_metrics import (
    plot_current_pqls_over_time,
    plot_km_curve,
    plot_paid_lag,
    plot_pqls_over_time,
    plot_rates,
    plot_time_to_pql_distribution,
)
from pqlkit.present.plots.pricing import plot_benchmark, plot_revenue_at_stake
from pqlkit.present.plots.scoring import plot_calibration, plot_importance, plot_lift
from pqlkit.present.plots.style import FIGSIZE, set_style, step_colours

__all__ = [
    "FIGSIZE",
    "plot_activation_distribution",
    "plot_benchmark",
    "plot_calibration",
    "plot_candidate_steps",
    "plot_cohort_heatmap",
    "plot_cohort_rates",
    "plot_cohort_time_to_pql",
    "plot_discovery_frontier",
    "plot_discovery_heatmap",
    "plot_completion_curves",
    "plot_current_pqls_over_time",
    "plot_event_catalogue",
    "plot_importance",
    "plot_km_curve",
    "plot_kpis",
    "plot_level_comparison",
    "plot_lift",
    "plot_paid_lag",
    "plot_pql_cohort_conversion",
    "plot_pqls_over_time",
    "plot_rates",
    "plot_revenue_at_stake",
    "plot_seasonality",
    "plot_step_completion",
    "plot_threshold_comparison",
    "plot_time_to_pql_distribution",
    "set_style",
    "step_colours",
]
