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
- :mod:`~pqlkit.metrics.json_summary`: every headline number in one dict, from the table.
- :mod:`~pqlkit.metrics.rules`: the rules above on numpy columns, the one home each pandas function calls.
- :mod:`~pqlkit.core.arrays`: the per-entity table as numpy columns.
- :mod:`~pqlkit.metrics.headline`: every headline number in one dict, from the columns (no pandas).

Nothing is imported until first used (PEP 562, as in :mod:`pqlkit`): the command line's summary
loads :mod:`~pqlkit.metrics.headline` and its numpy rules, never pandas.
"""

from pqlkit.base.lazy import lazy_exports

# Every public name, and the module (under pqlkit.metrics) that defines it.
_NAMES = {
    "wilson_interval": "rates",
    "rate_table": "rates",
    "pql_rate": "rates",
    "period_start": "periods",
    "activation_funnel": "counts",
    "activation_distribution": "counts",
    "pqls": "counts",
    "pqls_over_time": "counts",
    "current_pqls": "current",
    "time_to_pql_percentiles": "time_to_pql",
    "time_to_pql_curve": "time_to_pql",
    "time_to_pql_km_median": "time_to_pql",
    "time_to_pql_km_readings": "time_to_pql",
    "share_pql_by_day": "time_to_pql",
    "stalled_trials": "stalled",
    "pql_to_paid": "conversion",
    "paid_lag": "conversion",
    "summary": "json_summary",
}

__all__ = list(_NAMES)


__getattr__, __dir__ = lazy_exports(__name__, _NAMES, globals())
