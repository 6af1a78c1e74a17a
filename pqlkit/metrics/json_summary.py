"""The JSON summary: every headline number of docs/metrics.md#json-summary in one plain dict, from the table.

The figures are :func:`pqlkit.metrics.headline.headline`'s, on the table's numpy columns: this
function only reads the context.
"""

from __future__ import annotations

import pandas as pd

from pqlkit.core.context import AsOf, Context, context_as_of, context_steps
from pqlkit.core.loading import ledger_to_dict
from pqlkit.core.arrays import columns_from_frame
from pqlkit.metrics.headline import headline, headline_columns

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
    context_steps(None, context, entities, caller="summary")  # each step's column is there, or a clear error
    if ledger is None and context.dataset is not None:
        ledger = context.ledger
    # Without a conversions table nobody can be seen paying: the figures are not measured, not 0.
    measured = context.dataset is None or context.dataset.has_conversions
    columns = columns_from_frame(entities, names=headline_columns(context.spec))
    return headline(columns, spec=context.spec, as_of=as_of, has_conversions=measured,
                    data_quality=ledger_to_dict(ledger) if ledger is not None else {})
