"""The PQL lists of the past: the per-entity table as it stood at each snapshot, and the leads listed then."""

from __future__ import annotations

import pandas as pd

from pqlkit.analyses.leads import prioritise_pqls
from pqlkit.core.context import Context
from pqlkit.core.entities import as_seen_at
from pqlkit.metrics.current import last_seen_at_moments

__all__ = ["snapshot_rows"]


def last_seen_at(context: Context, moments: list[pd.Timestamp], *, every: pd.Timedelta,
                 events: str = "events", entity_ids: pd.Series | None = None) -> list[pd.Series]:
    """The latest event at or before each moment, per entity (:func:`pqlkit.metrics.current.last_seen_at_moments`).

    ``moments`` are newest first, ``every`` apart; the events are read once, whatever their number.
    ``entity_ids`` limits the entities (default: all).

    Returns
    -------
    list of pandas.Series
        One per moment, in the order given: ``last_seen_at`` (UTC) indexed by ``entity_id`` (text),
        entities with no event by that moment left out.
    """
    frame = last_seen_at_moments(context.dataset, moments, every=every, events=events, entity_ids=entity_ids)
    by_moment = {j: part.set_index("entity_id")["last_seen_at"] for j, part in frame.groupby("moment", sort=True)}
    empty = pd.Series([], index=pd.Index([], dtype=str, name="entity_id"), dtype="datetime64[us, UTC]")
    return [by_moment.get(j, empty).rename(None).rename_axis(None) for j in range(len(moments))]


def snapshot_rows(
    entities: pd.DataFrame,
    *,
    context: Context,
    within_days: float = 30,
    every_days: float = 7,
) -> pd.DataFrame:
    """The PQL lists of the past, one row per lead and snapshot, with their known outcome.

    The snapshots are ``T = as_of - within_days - j * every_days`` (j = 0, 1, ...) back to the
    first signup. At each, the list is :func:`pqlkit.analyses.leads.prioritise_pqls` of the table as it
    stood at ``T`` (same rule, ``as_of=T``), so the leads and today's order are exactly what sales
    would have seen then.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context
        Its context (with the dataset, for the events).
    within_days : float
        The outcome window after ``T``.
    every_days : float
        Days between snapshots.

    Returns
    -------
    pandas.DataFrame
        ``entity_id``, ``cutoff_at`` (= ``T``), ``signup_at``, ``today_priority`` (1 = first in
        today's order at ``T``), ``paid`` (1 when paid in ``(T, T + within_days]``, else 0),
        sorted by ``cutoff_at`` then ``today_priority``.
    """
    latest = context.as_of - pd.Timedelta(days=within_days)
    every = pd.Timedelta(days=every_days)
    first = entities["signup_at"].min() if len(entities) else latest
    moments = []
    while len(entities) and latest - len(moments) * every >= first:
        moments.append(latest - len(moments) * every)
    frames = []
    for moment, seen_at in zip(moments, last_seen_at(context, moments, every=every)):
        seen = as_seen_at(entities, moment, context=context, last_seen_at=seen_at)
        listed = prioritise_pqls(seen, as_of=moment, active_days=context.active_days, steps=list(context.steps),
                                 segments=[])
        frames.append(pd.DataFrame({
            "entity_id": listed["entity_id"].to_numpy(),
            "cutoff_at": moment,
            "today_priority": listed["priority"].to_numpy(),
        }))
    columns = ["entity_id", "cutoff_at", "signup_at", "today_priority", "paid"]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    rows = pd.concat(frames[::-1], ignore_index=True)
    rows["cutoff_at"] = rows["cutoff_at"].astype(entities["signup_at"].dtype)
    by_id = entities.set_index("entity_id")
    rows["signup_at"] = rows["entity_id"].map(by_id["signup_at"])
    paid_at = rows["entity_id"].map(by_id["paid_at"])
    rows["paid"] = ((paid_at > rows["cutoff_at"]) &
                    (paid_at <= rows["cutoff_at"] + pd.Timedelta(days=within_days))).astype("int64")
    return rows[columns]
