"""pqlkit: Product Qualified Lead metrics from raw product events.

>>> import pqlkit as pk
>>> entities, ctx = pk.entity_table("data/sample", "data/activation.yaml")   # doctest: +SKIP
>>> pk.pql_rate(entities, by="channel")                                      # doctest: +SKIP
>>> pk.current_pqls(entities, context=ctx)                                   # doctest: +SKIP

The flat namespace is the public surface: every name an analyst calls, and the modules the
notebooks use (``pk.cohorts``, ``pk.tables``, ...). The code lives in subpackages by stage
(docs/architecture.md); anything not listed here is internal and may move.
"""

# Every public name, and the module (under pqlkit) that defines it. `import pqlkit` loads none of
# them: a name is imported on first use (PEP 562), so `pqlkit metrics` pays only for the modules it
# runs (no matplotlib, no lifelines) and a notebook still reaches everything as `pk.name`.
_NAMES = {
    "DataError": "base.errors",
    "DataQualityError": "base.errors",
    "PqlkitError": "base.errors",
    "PqlkitWarning": "base.errors",
    "SpecError": "base.errors",
    "FORMATS": "base.columns",
    "REASONS": "base.columns",
    "TABLES": "base.columns",
    "repo_root": "base.paths",
    "resolve_path": "base.paths",
    "ActivationSpec": "core.spec",
    "Step": "core.spec",
    "parse_as_of": "core.asof",
    "AsOf": "core.context",
    "check_columns": "core.context",
    "Context": "core.context",
    "Dataset": "core.loading",
    "ledger_to_dict": "core.loading",
    "load": "core.loading",
    "entity_table": "core.entities",
    "pql_times": "core.entities",
    "reduce": "core.entities",
    "detect_events_format": "io.formats",
    "EVENTS_FORMATS": "io.formats",
    "convert_events": "io.events",
    "read_events": "io.events",
    "ExportSource": "io.exports",
    "derive_users": "io.users",
    "DatabaseSource": "io.database",
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
    "LeakageError": "scoring",
    "order_pql_list": "scoring",
    "lead_list": "scoring",
    "pay_score": "scoring",
    "PayScore": "scoring",
    "discover_activation": "analyses.discovery",
    "Discovery": "analyses.discovery",
    "record_headlines": "present.narrative",
    "notebook_setup": "report.setup",
    "NotebookPaths": "report.setup",
}
# The modules a notebook uses as `pk.<name>` (or `from pqlkit import <name>`), and where each lives.
_MODULES = {
    "cohorts": "analyses.cohorts",
    "explore": "analyses.explore",
    "discovery": "analyses.discovery",
    "pricing": "analyses.pricing",
    "playbook": "analyses.playbook",
    "scoring": "scoring",
    "stats": "stats",
    "narrative": "present.narrative",
    "tables": "present.tables",
    "plots": "present.plots",
    "explorer": "present.explorer",
}

__version__ = "0.1.0"

__all__ = sorted([*_NAMES, *_MODULES], key=str.lower)


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
