"""Stalled trials: near their end, not PQL, not paying; and which steps each entity has not done."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pqlkit.core.context import AsOf, Context, context_as_of, context_steps, context_value
from pqlkit.core.arrays import column_array, days_between, utc_instant
from pqlkit.metrics.rules import is_stalled

__all__ = ["stalled_trials"]


def missing_steps(table: pd.DataFrame, steps: Sequence[str]) -> list[str] | pd.Series:
    """Per row, the comma-separated names of the steps not done (``{step}_at`` missing), in spec order.

    The rows are grouped by which steps they miss (at most 2 ** len(steps) patterns), so each
    pattern's text is joined once, not once per row. An empty table gives an empty text column.
    """
    if not len(table):
        return pd.Series([], dtype="str")
    missing = np.zeros((len(table), len(steps)), dtype=bool)
    for position, name in enumerate(steps):
        missing[:, position] = table[f"{name}_at"].isna().to_numpy()
    patterns, codes = np.unique(missing, axis=0, return_inverse=True)
    texts = [", ".join(name for name, absent in zip(steps, pattern) if absent) for pattern in patterns]
    return [texts[code] for code in codes.ravel()]


def stalled_trials(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    as_of: AsOf = None,
    trial_days: float | None = None,
    stall_day: float | None = None,
    steps: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Trials stuck near their end: not PQL, not paying, ``stall_day <= age < trial_days``.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    as_of, trial_days, stall_day, steps : optional
        Override the context's.

    Returns
    -------
    pandas.DataFrame
        The entity rows with ``trial_days_left`` and ``missing_steps`` (the step names not done,
        comma-separated), oldest trial first.
    """
    as_of = context_as_of(as_of, context, caller="stalled_trials")
    trial_days = context_value("trial_days", trial_days, context, caller="stalled_trials")
    stall_day = context_value("stall_day", stall_day, context, caller="stalled_trials")
    steps = context_steps(steps, context, entities, caller="stalled_trials")
    age = days_between(utc_instant(as_of), column_array(entities["signup_at"]))
    mask = is_stalled(column_array(entities["is_pql"]), column_array(entities["paid_at"]), age_days=age,
                      trial_days=trial_days, stall_day=stall_day)
    table = entities[mask].copy()
    table["trial_days_left"] = trial_days - age[mask]
    table["missing_steps"] = missing_steps(table, steps)
    return table.sort_values(["trial_days_left", "entity_id"]).reset_index(drop=True)
