"""Current PQLs: the list now, and each entity's last-seen time at past moments, which the rule (a PQL by
T, not paying at T, seen within ``active_days`` before T; :func:`pqlkit.metrics.rules.is_current_pql`)
needs to be applied at those moments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pqlkit.base.columns import timestamp_literal
from pqlkit.core.context import AsOf, Context, context_as_of, context_value
from pqlkit.metrics.rules import is_current_pql

if TYPE_CHECKING:
    from pqlkit.core.loading import Dataset

__all__ = ["current_pqls"]


def current_pqls(
    entities: pd.DataFrame, *, context: Context | None = None, as_of: AsOf = None, active_days: float | None = None
) -> pd.DataFrame:
    """PQLs in play now: not paying at ``as_of`` and seen within ``active_days`` before it, best lead first.

    The rows are in the rule-based order of the lead list (docs/metrics.md#one-lead-list), which is
    the lead list's order when no conversion score orders it (:func:`pqlkit.lead_list` without
    ``score``, the same leads in the same order): ``activation_rate`` (high first), then whole
    days since last seen (seen today first), then ``account_size`` (larger first), then
    ``entity_id``. Whole days keep recency from swamping account size: two PQLs seen the same day
    are told apart by size.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    as_of, active_days : optional
        Override the context's.

    Returns
    -------
    pandas.DataFrame
        The PQL rows on a fresh index, with ``days_since_seen`` and ``days_since_pql`` (days) and
        ``account_size`` added. ``account_size`` is the account's number of users: ``n_users`` at
        account level; at user level, the number of users in ``entities`` with the same
        ``account_id`` (1 without one).
    """
    as_of = context_as_of(as_of, context, caller="current_pqls")
    active_days = context_value("active_days", active_days, context, caller="current_pqls")
    mask = is_current_pql(entities["pql_at"], entities["paid_at"], entities["last_seen_at"], at=as_of,
                          active_days=active_days)
    table = entities[mask].copy()
    table["days_since_seen"] = (as_of - table["last_seen_at"]).dt.total_seconds() / 86400
    table["days_since_pql"] = (as_of - table["pql_at"]).dt.total_seconds() / 86400
    table["account_size"] = account_size(table, entities)
    seen_days = np.floor(table["days_since_seen"].to_numpy(dtype=float))
    order = np.lexsort((table["entity_id"].to_numpy(dtype=str), -table["account_size"].to_numpy(), seen_days,
                        -table["activation_rate"].to_numpy(dtype=float)))
    return table.iloc[order].reset_index(drop=True)


def account_size(table: pd.DataFrame, entities: pd.DataFrame) -> pd.Series:
    """The number of users of each row's account: ``n_users`` at account level, else users of ``entities``
    with the same ``account_id`` (1 without one), on ``table``'s index as int64."""
    if "n_users" in table.columns:
        return table["n_users"].astype("int64")
    if "account_id" not in table.columns or "account_id" not in entities.columns:
        return pd.Series(1, index=table.index, dtype="int64")
    return table["account_id"].map(entities["account_id"].value_counts()).fillna(1).astype("int64")


def last_seen_at_moments(
    dataset: Dataset,
    moments: Sequence[pd.Timestamp],
    *,
    every: pd.Timedelta,
    events: str = "events",
    entity_ids: pd.Series | None = None,
) -> pd.DataFrame:
    """Each entity's latest event at or before each of several moments, in one pass over the events.

    The moments are given newest first, each ``every`` before the one after it, except the newest,
    which may be nearer to the second than ``every`` (a week cut short at ``as_of``). Each event at
    or before the newest moment falls in the bucket ``k = floor((anchor - ts) / every)`` (whole
    nanoseconds, so exact), with ``anchor`` the second moment plus ``every`` (the newest moment
    when there is one): the moment in position j sees the buckets k >= j, and its last-seen time is
    the latest event of its entity's buckets k >= j. However many moments there are, the events are
    read once.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (either engine).
    moments : sequence of pandas.Timestamp
        The moments (UTC), newest first, spaced as said above.
    every : pandas.Timedelta
        The spacing of the moments.
    events : str
        The events table (or view) to read.
    entity_ids : pandas.Series, optional
        Read only these entities' events (default every entity's).

    Returns
    -------
    pandas.DataFrame
        One row per moment and entity with an event by that moment, sorted by ``moment`` then
        ``entity_id``: ``moment`` (the position in ``moments``, 0 = newest), ``at`` (the moment),
        ``entity_id`` (text), ``last_seen_at`` (UTC).
    """
    moments = [pd.Timestamp(moment) for moment in moments]
    if not moments:
        return pd.DataFrame({"moment": pd.Series([], dtype="int64"), "at": pd.Series([], dtype="datetime64[us, UTC]"),
                             "entity_id": pd.Series([], dtype=str), "last_seen_at": pd.Series([], dtype="datetime64[us, UTC]")})
    anchor = moments[1] + every if len(moments) > 1 else moments[0]
    restrict = "" if entity_ids is None else "AND entity_id IN (SELECT entity_id FROM _last_seen_ids)"
    query = f"""
        WITH bucket AS (
            SELECT entity_id, ({anchor.value} - epoch_ns(ts)) // {pd.Timedelta(every).value} AS k,
                max(ts) AS last_seen_at
            FROM {events} WHERE ts <= {timestamp_literal(moments[0])} {restrict}
            GROUP BY ALL
        )
        SELECT moments.j AS moment, bucket.entity_id, max(bucket.last_seen_at) AS last_seen_at
        FROM bucket JOIN (VALUES {", ".join(f"({j})" for j in range(len(moments)))}) AS moments(j) ON bucket.k >= moments.j
        GROUP BY ALL
        ORDER BY 1, 2
    """
    if entity_ids is None:
        frame = dataset.sql(query)
    else:
        dataset.engine.register("_last_seen_ids", pd.DataFrame({"entity_id": entity_ids.astype(str).to_numpy()}))
        try:
            frame = dataset.sql(query)
        finally:
            dataset.engine.unregister("_last_seen_ids")
    frame["last_seen_at"] = pd.to_datetime(frame["last_seen_at"], utc=True)
    frame["entity_id"] = frame["entity_id"].astype(str)
    frame["moment"] = frame["moment"].astype("int64")
    frame.insert(1, "at", frame["moment"].map(dict(enumerate(moments))))
    return frame
