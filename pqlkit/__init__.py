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
    "ExportSource": "exports",
    "derive_users": "exports",
    "AsOf": "context",
    "Context": "context",
    "NotebookPaths": "context",
    "check_columns": "context",
    "notebook_setup": "context",
    "DatabaseSource": "database",
    "DataError": "errors",
    "DataQualityError": "errors",
    "PqlkitError": "errors",
    "PqlkitWarning": "errors",
    "SpecError": "errors",
    "Dataset": "loading",
    "FORMATS": "loading",
    "REASONS": "loading",
    "TABLES": "loading",
    "ledger_to_dict": "loading",
    "load": "loading",
    "parse_as_of": "loading",
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
    "record_headlines": "narrative",
    "repo_root": "paths",
    "resolve_path": "paths",
    "EVENTS_FORMATS": "readers",
    "convert_events": "readers",
    "detect_events_format": "readers",
    "read_events": "readers",
    "entity_table": "reduction",
    "pql_times": "reduction",
    "reduce": "reduction",
    "ActivationSpec": "spec",
    "Step": "spec",
}
_MODULES = ("scoring", "exports", "cohorts", "engines", "explore", "narrative", "playbook", "pricing", "plots", "stats", "database", "paths", "context")

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
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'pqlkit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
