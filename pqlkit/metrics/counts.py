"""How many: step completion (the funnel, the distribution of steps done) and the PQLs, in all and per period."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pqlkit.core.context import AsOf, Context, context_as_of, context_steps
from pqlkit.core.arrays import column_array, utc_instant
from pqlkit.metrics.rates import rate_table
from pqlkit.metrics.rules import new_pqls_per_period, step_completion

__all__ = ["activation_funnel", "activation_distribution", "pqls", "pqls_over_time"]


# --- 0. activation -----------------------------------------------------------------------------


def activation_funnel(
    entities: pd.DataFrame, *, context: Context | None = None, steps: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per-step completion: how many entities completed each step.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    steps : sequence of str, optional
        The step names (default: the context's).

    Returns
    -------
    pandas.DataFrame
        One row per step in spec order: ``step``, ``entities`` (in scope), ``completed``,
        ``share`` (completed / entities), ``ci_low``, ``ci_high`` (Wilson 95 %).
    """
    steps = context_steps(steps, context, entities, caller="activation_funnel")
    completed = step_completion({step: column_array(entities[f"{step}_at"]) for step in steps})
    counts = pd.DataFrame({"step": steps, "entities": len(entities), "completed": list(completed.values())})
    return rate_table(counts, hits="completed", total="entities", rate="share")


def activation_distribution(
    entities: pd.DataFrame, *, context: Context | None = None, steps: Sequence[str] | None = None
) -> pd.DataFrame:
    """How many entities have done 0, 1, ... n of the n steps.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    steps : sequence of str, optional
        The step names (default: the context's).

    Returns
    -------
    pandas.DataFrame
        One row per possible count, zeros included: ``steps_done``, ``activation_rate``,
        ``entities``, ``share``.
    """
    n_steps = len(context_steps(steps, context, entities, caller="activation_distribution"))
    counts = entities["steps_done"].value_counts().reindex(range(n_steps + 1), fill_value=0)
    table = pd.DataFrame({"steps_done": counts.index.astype("int64"), "entities": counts.to_numpy(dtype="int64")})
    table.insert(1, "activation_rate", table["steps_done"] / n_steps)
    table["share"] = table["entities"] / len(entities) if len(entities) else np.nan
    return table


# --- 1. how many reach activation ------------------------------------------------------------------


def pqls(entities: pd.DataFrame) -> pd.DataFrame:
    """The raw PQLs: every entity in scope that reached the threshold, earliest PQL first.

    Returns
    -------
    pandas.DataFrame
        The PQL rows with the columns of the per-entity table, sorted by ``pql_at`` then ``entity_id``.
    """
    return entities[entities["is_pql"]].sort_values(["pql_at", "entity_id"]).reset_index(drop=True)


def pqls_over_time(
    entities: pd.DataFrame, *, context: Context | None = None, freq: str = "W", as_of: AsOf = None
) -> pd.DataFrame:
    """New PQLs per week (Monday 00:00 UTC) or per month, every period listed, zeros included.

    Periods run from the one holding the earliest ``signup_at`` to the one holding ``as_of``.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    freq : {"W", "M"}
        Weeks or months.
    as_of : optional
        Overrides the context's.

    Returns
    -------
    pandas.DataFrame
        ``period_start`` (datetime, UTC), ``new_pqls``, ``cumulative_pqls``.
    """
    as_of = context_as_of(as_of, context, caller="pqls_over_time")
    if entities.empty:
        return pd.DataFrame({"period_start": pd.Series([], dtype="datetime64[us, UTC]"),
                             "new_pqls": pd.Series([], dtype="int64"), "cumulative_pqls": pd.Series([], dtype="int64")})
    periods, new_pqls = new_pqls_per_period(
        column_array(entities["signup_at"]), column_array(entities["is_pql"]), column_array(entities["pql_at"]),
        as_of=utc_instant(as_of), freq=freq)
    table = pd.DataFrame({"period_start": pd.Series(periods, dtype="datetime64[us]").dt.tz_localize("UTC"),
                          "new_pqls": new_pqls})
    table["cumulative_pqls"] = table["new_pqls"].cumsum()
    return table
