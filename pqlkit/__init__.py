"""pqlkit: Product Qualified Lead metrics from raw product events.

>>> import pqlkit as pk
>>> entities, ctx = pk.entity_table("data/sample", "data/activation.yaml")   # doctest: +SKIP
>>> pk.pql_rate(entities, by="channel")                                      # doctest: +SKIP
>>> pk.current_pqls(entities, context=ctx)                                   # doctest: +SKIP
"""

from .context import AsOf, Context, NotebookPaths, check_columns, notebook_setup
from .errors import DataError, DataQualityError, PqlkitError, PqlkitWarning, SpecError
from .database import DatabaseSource
from .loading import FORMATS, REASONS, TABLES, Dataset, ledger_to_dict, load, parse_as_of
from .metrics import (
    activation_distribution,
    activation_funnel,
    current_pqls,
    paid_lag,
    pql_rate,
    pql_to_paid,
    pqls,
    pqls_over_time,
    period_start,
    rate_table,
    share_pql_by_day,
    stalled_trials,
    summary,
    time_to_pql_curve,
    time_to_pql_km_median,
    time_to_pql_percentiles,
    wilson_interval,
)
from .readers import EVENTS_FORMATS, convert_events, detect_events_format, read_events
from .reduction import entity_table, pql_times, reduce
from . import cohorts, engines, explore, narrative, playbook, pricing
from .paths import repo_root, resolve_path
from .narrative import record_headlines
from .spec import ActivationSpec, Step

__version__ = "0.1.0"

__all__ = [
    "cohorts",
    "engines",
    "explore",
    "narrative",
    "playbook",
    "plots",
    "pricing",
    "record_headlines",
    "repo_root",
    "resolve_path",
    "AsOf",
    "Context",
    "NotebookPaths",
    "check_columns",
    "notebook_setup",
    "period_start",
    "pql_times",
    "rate_table",
    "ActivationSpec",
    "DataError",
    "DatabaseSource",
    "DataQualityError",
    "Dataset",
    "FORMATS",
    "PqlkitError",
    "PqlkitWarning",
    "REASONS",
    "SpecError",
    "Step",
    "TABLES",
    "activation_distribution",
    "activation_funnel",
    "current_pqls",
    "entity_table",
    "EVENTS_FORMATS",
    "convert_events",
    "detect_events_format",
    "read_events",
    "ledger_to_dict",
    "load",
    "paid_lag",
    "parse_as_of",
    "pql_rate",
    "pql_to_paid",
    "pqls",
    "pqls_over_time",
    "reduce",
    "share_pql_by_day",
    "stalled_trials",
    "summary",
    "time_to_pql_curve",
    "time_to_pql_km_median",
    "time_to_pql_percentiles",
    "wilson_interval",
]


def __getattr__(name: str):
    # pqlkit.plots imports matplotlib: loaded on first use, so the command line starts faster.
    if name == "plots":
        import importlib

        return importlib.import_module(".plots", __name__)
    raise AttributeError(f"module 'pqlkit' has no attribute {name!r}")
