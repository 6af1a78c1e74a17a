"""The order of the lead list: the current PQLs ranked for sales, and re-ranked by a score.

The two orders in one place: :func:`prioritise_pqls` gives today's rule (activation, then recency,
then account size) and :func:`order_by_score` the sort keys of a score-based order
(:func:`pqlkit.scoring.order_pql_list` supplies the score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqlkit.core.context import AsOf, Context, context_steps, context_value
from pqlkit.metrics.current import current_pqls
from pqlkit.metrics.stalled import missing_steps

__all__ = ["CRM_COLUMNS", "prioritise_pqls"]

#: The columns of the CRM export, in order.
CRM_COLUMNS = (
    "priority", "entity_id", "account_id", "account_size", "activation_rate", "steps_done", "steps_total",
    "missing_steps", "pql_at", "days_since_pql", "last_seen_at", "days_since_seen", "signup_at",
)


def prioritise_pqls(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    as_of: AsOf = None,
    active_days: float | None = None,
    steps: list[str] | tuple[str, ...] | None = None,
    segments: list[str] | tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The current PQLs, ranked for sales: activation first, then recency, then account size.

    Order: ``activation_rate`` (high first), then ``days_since_seen`` in whole days (seen today
    first), then ``account_size`` (larger first), then ``entity_id``. Whole days keep recency from
    swamping account size: two PQLs seen the same day are told apart by size.

    ``account_size`` is the account's number of users: ``n_users`` at account level; at user
    level, the number of users in scope with the same ``account_id`` (1 without one).

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.reduce`).
    as_of, active_days : optional
        As in :func:`pqlkit.current_pqls`.
    context : Context, optional
        The analysis context: ``as_of``, ``active_days``, the step names and the segment columns.
    steps, segments : sequence of str, optional
        Override the context's.

    Returns
    -------
    pandas.DataFrame
        One row per current PQL with :data:`CRM_COLUMNS` and the segment columns after
        ``account_size``: ``priority`` (1 = call first), ``missing_steps`` (comma-separated step
        names not done, empty when all are), ``days_since_*`` in days.
    """
    table = current_pqls(entities, context=context, as_of=as_of, active_days=active_days)
    steps = context_steps(steps, context, entities, caller="prioritise_pqls")
    segments = [s for s in context_value("segments", segments, context, caller="prioritise_pqls") if s in table.columns]
    if "n_users" in table.columns:
        size = table["n_users"].astype("int64")
        account = table["entity_id"]
    else:
        counts = entities["account_id"].value_counts() if "account_id" in entities else pd.Series(dtype="int64")
        account = table["account_id"] if "account_id" in table else pd.Series(None, index=table.index, dtype="object")
        size = account.map(counts).fillna(1).astype("int64")
    table = table.assign(
        account_id=account.to_numpy(),
        account_size=size.to_numpy(),
        steps_total=len(steps),
        missing_steps=missing_steps(table, steps),
        _seen_days=np.floor(table["days_since_seen"].to_numpy(dtype=float)),
    )
    table = table.sort_values(
        ["activation_rate", "_seen_days", "account_size", "entity_id"], ascending=[False, True, False, True]
    )
    table = number_leads(table)
    columns = list(CRM_COLUMNS)
    columns[4:4] = [s for s in segments if s not in columns]
    return table[columns]


def order_by_score(table: pd.DataFrame, *, by: str | None) -> pd.DataFrame:
    """A ranked lead list in a new order: by the score column ``by``, or today's order when None.

    Highest ``by`` first, NaN last; ties keep today's order (``priority``). ``priority`` is then
    renumbered 1.. in the new order.

    Parameters
    ----------
    table : pandas.DataFrame
        A ranked list (``priority`` = today's order) with the column ``by``.
    by : str or None
        The score column; None keeps today's order.

    Returns
    -------
    pandas.DataFrame
        ``table``'s rows in the new order, on a fresh index.
    """
    if by is not None:
        out = table.sort_values([by, "priority"], ascending=[False, True], na_position="last", kind="stable")
    else:
        out = table.sort_values("priority", kind="stable")
    return number_leads(out)


def number_leads(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` on a fresh index with ``priority`` set to 1, 2, ... in its row order (1 = call first)."""
    table = table.reset_index(drop=True)
    table["priority"] = np.arange(1, len(table) + 1, dtype="int64")
    return table
