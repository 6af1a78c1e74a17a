"""The four PQL metric families (docs/metrics.md#metrics), each computed from the per-entity table.

Every function takes the per-entity table from :func:`pqlkit.entity_table` first, everything else
keyword-only, and returns a new tidy frame (or a number); the input is never modified. What the
table alone cannot say (``as_of``, the step names, the spec's day settings) comes from
``context=`` (the :class:`~pqlkit.Context` returned beside the table) or from an explicit
argument; a function missing one says which argument to pass.

The modules, one job each:

- :mod:`~pqlkit.metrics.rates`: rates with their Wilson interval, and the PQL rate.
- :mod:`~pqlkit.metrics.periods`: the week and month a timestamp falls in.
- :mod:`~pqlkit.metrics.counts`: the activation funnel and distribution, the PQLs, new PQLs per period.
- :mod:`~pqlkit.metrics.current`: the current-PQL rule and the PQLs current now.
- :mod:`~pqlkit.metrics.time_to_pql`: time to PQL, by percentile and by Kaplan–Meier.
- :mod:`~pqlkit.metrics.stalled`: the trials stalled near their end.
- :mod:`~pqlkit.metrics.conversion`: PQL to paid.
- :mod:`~pqlkit.metrics.json_summary`: every headline number in one dict.
"""

from pqlkit.metrics.conversion import paid_lag, pql_to_paid
from pqlkit.metrics.counts import activation_distribution, activation_funnel, pqls, pqls_over_time
from pqlkit.metrics.current import current_pqls
from pqlkit.metrics.json_summary import summary
from pqlkit.metrics.periods import period_start
from pqlkit.metrics.rates import pql_rate, rate_table, wilson_interval
from pqlkit.metrics.stalled import stalled_trials
from pqlkit.metrics.time_to_pql import (
    share_pql_by_day,
    time_to_pql_curve,
    time_to_pql_km_median,
    time_to_pql_km_readings,
    time_to_pql_percentiles,
)

__all__ = [
    "wilson_interval",
    "rate_table",
    "period_start",
    "activation_funnel",
    "activation_distribution",
    "pqls",
    "current_pqls",
    "pqls_over_time",
    "pql_rate",
    "time_to_pql_percentiles",
    "time_to_pql_curve",
    "time_to_pql_km_median",
    "time_to_pql_km_readings",
    "share_pql_by_day",
    "stalled_trials",
    "pql_to_paid",
    "paid_lag",
    "summary",
]
