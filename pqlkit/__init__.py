"""pqlkit: Product Qualified Lead metrics from raw product events.

>>> import pqlkit as pk
>>> entities, ctx = pk.entity_table("data/sample", "data/activation.yaml")   # doctest: +SKIP
>>> pk.pql_rate(entities, by="channel")                                      # doctest: +SKIP
>>> pk.current_pqls(entities, context=ctx)                                   # doctest: +SKIP
"""

# Every public name, and the module that defines it. `import pqlkit` loads none of them: a name
# is imported on first use (PEP 562), so `pqlkit metrics` pays only for the modules it runs
# (no matplotlib, no lifelines) and a notebook still reaches everything as `pk.name`.
_NAMES = {
    "LeakageError": "scoring",
    "PayScore": "scoring",
    "order_pql_list": "scoring",
    "pay_score": "scoring",
    "ExportSource": "io.exports",
    "derive_users": "io.exports",
    "AsOf": "core.context",
    "Context": "core.context",
    "NotebookPaths": "core.context",
    "check_columns": "core.context",
    "notebook_setup": "core.context",
    "DatabaseSource": "io.database",
    "DataError": "base.errors",
    "DataQualityError": "base.errors",
    "PqlkitError": "base.errors",
    "PqlkitWarning": "base.errors",
    "SpecError": "base.errors",
    "Dataset": "core.loading",
    "FORMATS": "core.loading",
    "REASONS": "core.loading",
    "TABLES": "core.loading",
    "ledger_to_dict": "core.loading",
    "load": "core.loading",
    "parse_as_of": "core.loading",
    "activation_distribution": "metrics",
    "activation_funnel": "metrics",
    "current_pqls": "metrics",
    "paid_lag": "metrics",
    "period_start": "metrics",
    "pql_rate": "metrics",
    "pql_to_paid": "metrics",
    "pqls": "metrics",
    "pqls_over_time": "metrics",
    "rate_table": "metrics",
    "share_pql_by_day": "metrics",
    "stalled_trials": "metrics",
    "summary": "metrics",
    "time_to_pql_curve": "metrics",
    "time_to_pql_km_median": "metrics",
    "time_to_pql_percentiles": "metrics",
    "wilson_interval": "metrics",
    "record_headlines": "present.narrative",
    "repo_root": "base.paths",
    "resolve_path": "base.paths",
    "EVENTS_FORMATS": "io.readers",
    "convert_events": "io.readers",
    "detect_events_format": "io.readers",
    "read_events": "io.readers",
    "entity_table": "core.reduction",
    "pql_times": "core.reduction",
    "reduce": "core.reduction",
    "ActivationSpec": "core.spec",
    "Step": "core.spec",
}
# The modules a notebook uses as `pk.<name>` (and `from pqlkit import <name>`), and where each lives.
_MODULES = {
    "cohorts": "analyses.cohorts",
    "explore": "analyses.explore",
    "pricing": "analyses.pricing",
    "playbook": "analyses.playbook",
    "scoring": "scoring",
    "narrative": "present.narrative",
    "plots": "present.plots",
    "tables": "present.tables",
    "stats": "stats",
    "metrics": "metrics",
    "exports": "io.exports",
    "engines": "io.engines",
    "database": "io.database",
    "paths": "base.paths",
    "context": "core.context",
}

__version__ = "0.1.0"

__all__ = [
    "cohorts",
    "scoring",
    "exports",
    "LeakageError",
    "PayScore",
    "order_pql_list",
    "pay_score",
    "ExportSource",
    "derive_users",
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
    import importlib

    if name in _NAMES:
        value = getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    elif name in _MODULES:
        value = importlib.import_module(f".{_MODULES[name]}", __name__)
    else:
        raise AttributeError(f"module 'pqlkit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
