"""The JSON summary: every headline number of docs/metrics.md#json-summary in one plain dict."""

from __future__ import annotations

import pandas as pd

from pqlkit.core.context import AsOf, Context, context_as_of, context_value
from pqlkit.core.loading import ledger_to_dict
from pqlkit.metrics.conversion import pql_to_paid
from pqlkit.metrics.counts import activation_funnel, pqls_over_time
from pqlkit.metrics.current import is_current_pql
from pqlkit.metrics.stalled import is_stalled
from pqlkit.metrics.time_to_pql import number_or_none, time_to_pql_km_median, time_to_pql_km_readings

__all__ = ["summary"]


def summary(
    entities: pd.DataFrame, *, context: Context | None = None, ledger: pd.DataFrame | None = None, as_of: AsOf = None
) -> dict:
    """Every headline number of docs/metrics.md#json-summary as a plain dict (JSON-ready: no NaN, None for missing).

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table from :func:`pqlkit.entity_table`.
    context : Context
        The analysis context (level, steps, day settings, and the dataset's ledger); required.
    ledger : pandas.DataFrame, optional
        Overrides the context's dataset ledger, for ``data_quality``.
    as_of : optional
        Overrides the context's.

    Returns
    -------
    dict
        ``as_of``, ``level``, ``entities``, ``raw_pqls``, ``current_pqls``, ``pql_rate``,
        ``activation_rate_mean``, ``time_to_pql_median_days``, ``time_to_pql_km_median_days``,
        ``stalled_in_trial``, ``paid_pqls``, ``paid_before_pql``, ``paid_without_pql``,
        ``pql_to_paid_rate`` (the four PQL-to-paid figures are None, not measured, when the dataset has
        no conversions table), ``step_completion`` (step -> entities), ``pqls_over_time`` (a list of
        ``{week, new_pqls}``), ``data_quality`` (``{table: {read, used, dropped}}``; empty without a
        ledger), and the Kaplan–Meier readings of :func:`time_to_pql_km_readings`:
        ``time_to_pql_km_share_7d``, ``time_to_pql_km_share_trial`` (at the spec's trial length),
        ``time_to_pql_km_share_30d`` (each ``{day, share, ci_low, ci_high}``),
        ``time_to_pql_km_p10_days`` and ``time_to_pql_km_p25_days``.
    """
    if context is None:
        raise ValueError(
            "summary needs `context`: pass context=... (the second value returned by pk.entity_table)"
        )
    as_of = context_as_of(as_of, context, caller="summary")
    if ledger is None and context.dataset is not None:
        ledger = context.ledger
    n = len(entities)
    raw = int(entities["is_pql"].sum())
    conversion = pql_to_paid(entities).iloc[0]
    # Without a conversions table nobody can be seen paying: the figures are not measured, not 0.
    measured = context.dataset is None or context.dataset.has_conversions
    median = entities.loc[entities["is_pql"], "time_to_pql_days"].median() if raw else None
    weeks = pqls_over_time(entities, freq="W", as_of=as_of)
    funnel = activation_funnel(entities, context=context)
    return {
        "as_of": as_of.isoformat(timespec="microseconds"),
        "level": context.level,
        "entities": n,
        "raw_pqls": raw,
        "current_pqls": int(is_current_pql(entities["pql_at"], entities["paid_at"], entities["last_seen_at"], at=as_of,
                                           active_days=context.active_days).sum()),
        "pql_rate": raw / n if n else None,
        "activation_rate_mean": number_or_none(entities["activation_rate"].mean()) if n else None,
        "time_to_pql_median_days": number_or_none(median),
        "time_to_pql_km_median_days": time_to_pql_km_median(entities),
        "stalled_in_trial": int(is_stalled(entities, age_days=(as_of - entities["signup_at"]).dt.total_seconds() / 86400,
                                           trial_days=context.trial_days, stall_day=context.stall_day).sum()),
        "paid_pqls": int(conversion["paid_pqls"]) if measured else None,
        "paid_before_pql": int(conversion["paid_before_pql"]) if measured else None,
        "paid_without_pql": int(conversion["paid_without_pql"]) if measured else None,
        "pql_to_paid_rate": number_or_none(conversion["pql_to_paid_rate"]) if measured else None,
        "step_completion": {row.step: int(row.completed) for row in funnel.itertuples()},
        "pqls_over_time": [
            {"week": row.period_start.strftime("%Y-%m-%d"), "new_pqls": int(row.new_pqls)}
            for row in weeks.itertuples()
        ],
        "data_quality": ledger_to_dict(ledger) if ledger is not None else {},
        **time_to_pql_km_readings(entities, trial_days=context_value("trial_days", None, context, caller="summary")),
    }
