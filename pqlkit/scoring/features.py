"""The features of each (entity, cut-off) row, built from nothing later than its cut-off."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pqlkit.core.context import Context, context_steps, context_value
from pqlkit.core.reduction import days_after_sql

__all__ = ["ExtraFeatures", "feature_table"]


#: A user-supplied feature builder: ``f(query, *, events, users, cutoffs)`` where ``query`` runs SQL
#: over the dataset and returns a frame, ``events`` and ``users`` are the names of the tables to read,
#: and ``cutoffs`` the name of a table of ``entity_id, cutoff_at``. It may also read the payments
#: table by its name, ``conversions``. It returns ``entity_id, cutoff_at`` and its feature columns.
#: During :func:`check_no_leakage` every one of these tables holds only its rows up to the cut-off.
ExtraFeatures = Callable[..., pd.DataFrame]

KEYS = ["entity_id", "cutoff_at"]
DAY = pd.Timedelta(days=1)


def feature_table(
    cutoffs: pd.DataFrame,
    *,
    entities: pd.DataFrame,
    context: Context,
    feature_days: float | None = None,
    event_names: list[str] | None = None,
    events: str = "events",
    users: str = "users",
    extra_features: ExtraFeatures | None = None,
) -> pd.DataFrame:
    """The features of each (entity, cut-off) row, from nothing later than its cut-off.

    Parameters
    ----------
    cutoffs : pandas.DataFrame
        ``entity_id`` and ``cutoff_at`` (UTC): the moment each row is scored at.
    entities : pandas.DataFrame
        The per-entity table: signup, step completion times, ``pql_at`` and segments are read from
        it, each time masked at the row's cut-off.
    context : Context
        The analysis context (steps, level, segments, dataset).
    feature_days : float, optional
        The early-activity window after signup; default the spec's ``trial_days``.
    event_names : list of str, optional
        The event names to count (default every name in the data).
    events, users : str
        The tables to read.
    extra_features : callable, optional
        More features (see :data:`ExtraFeatures`).

    Returns
    -------
    pandas.DataFrame
        One row per cut-off row, in its order: ``entity_id``, ``cutoff_at``, ``age_days``,
        ``{step}_done`` (0/1) and ``{step}_day`` (days after signup, NaN if not done by the
        cut-off) per step, ``steps_done``, ``activation_rate``, ``days_since_pql`` (NaN if not
        a PQL by then), ``days_since_seen`` (since the last event; the age when none),
        ``account_size`` (the account's users signed up by then), ``account_founder`` (user
        level: 1 for the account's first user), ``first_{k}d:{event}`` (events of that name in
        the first ``k = feature_days`` days after signup, up to the cut-off), the segment
        columns as text, then the extra features.
    """
    dataset = context.dataset
    if dataset is None:
        raise ValueError("pay_score needs the loaded dataset: build the context with pk.entity_table(...)")
    feature_days = float(context_value("feature_days", feature_days, context, caller="feature_table",
                                       attribute="trial_days"))
    steps = context_steps(None, context, entities, caller="feature_table")
    if event_names is None:
        event_names = dataset.event_names()
    rows = cutoffs[KEYS].reset_index(drop=True).copy()
    rows["cutoff_at"] = pd.to_datetime(rows["cutoff_at"], utc=True).astype("datetime64[us, UTC]")
    by_id = entities.set_index("entity_id")
    cut = rows["cutoff_at"]
    out = _step_features(rows, by_id, steps=steps)

    name = "_pay_cutoffs"
    dataset.engine.register(name, rows)
    try:
        sql = _features_sql(context, name, feature_days=feature_days, events=events, users=users)
        counts = dataset.sql(sql["counts"])
        seen = dataset.sql(sql["seen"])
        extra = None if extra_features is None else extra_features(dataset.sql, events=events, users=users,
                                                                   cutoffs=name)
    finally:
        dataset.engine.unregister(name)
    window = f"first_{feature_days:g}d:"
    seen["cutoff_at"] = pd.to_datetime(seen["cutoff_at"], utc=True).astype("datetime64[us, UTC]")
    seen["last_seen_at"] = pd.to_datetime(seen["last_seen_at"], utc=True)
    out = out.merge(seen, on=KEYS, how="left", validate="one_to_one")
    out["days_since_seen"] = ((cut - out.pop("last_seen_at")) / DAY).fillna(out["age_days"])
    out["account_size"] = out["account_size"].fillna(1).astype("int64")
    if context.level != "user":
        out = out.drop(columns="account_founder")
    else:
        out["account_founder"] = out["account_founder"].fillna(1).astype("int64")
    wide = _event_counts(counts, rows, event_names=event_names, window=window)
    out = out.merge(wide.reset_index(), on=KEYS, how="left")
    out[list(wide.columns)] = out[list(wide.columns)].fillna(0).astype("int64")
    for segment in context.segments:
        if segment in by_id:
            out[segment] = rows["entity_id"].map(by_id[segment])
    if extra is not None:
        extra = extra.copy()
        extra["cutoff_at"] = pd.to_datetime(extra["cutoff_at"], utc=True).astype("datetime64[us, UTC]")
        out = out.merge(extra, on=KEYS, how="left", validate="one_to_one")
    return out


def _step_features(rows: pd.DataFrame, by_id: pd.DataFrame, *, steps: list[str]) -> pd.DataFrame:
    """``rows`` with the age, each step's done flag and day, ``steps_done``, ``activation_rate`` and
    ``days_since_pql``, each read at the row's cut-off."""
    signup = rows["entity_id"].map(by_id["signup_at"])
    cut = rows["cutoff_at"]
    out = rows.copy()
    out["age_days"] = (cut - signup) / DAY
    for name in steps:
        at = rows["entity_id"].map(by_id[f"{name}_at"])
        done = at <= cut
        out[f"{name}_done"] = done.astype("int64")
        out[f"{name}_day"] = ((at - signup) / DAY).where(done)
    out["steps_done"] = out[[f"{name}_done" for name in steps]].sum(axis=1)
    out["activation_rate"] = out["steps_done"] / len(steps)
    pql_at = rows["entity_id"].map(by_id["pql_at"])
    out["days_since_pql"] = ((cut - pql_at) / DAY).where(pql_at <= cut)
    return out


def _event_counts(counts: pd.DataFrame, rows: pd.DataFrame, *, event_names: list[str], window: str) -> pd.DataFrame:
    """The early event counts wide, one column ``{window}{event}`` per event name, indexed by the row keys."""
    if len(counts):
        counts["cutoff_at"] = pd.to_datetime(counts["cutoff_at"], utc=True).astype("datetime64[us, UTC]")
        wide = counts.pivot_table(index=KEYS, columns="event", values="n", aggfunc="sum", fill_value=0)
    else:
        wide = pd.DataFrame(index=pd.MultiIndex.from_frame(rows[KEYS].iloc[:0]))
    wide = wide.reindex(columns=event_names, fill_value=0)
    wide.columns = [window + str(event) for event in wide.columns]
    return wide


def _features_sql(context: Context, cutoffs: str, *, feature_days: float, events: str, users: str) -> dict[str, str]:
    """The two queries behind :func:`feature_table`: early event counts, and last seen with account size."""
    starts = f"SELECT entity_id, min(signup_at) AS signup_at FROM {users} GROUP BY 1"
    counts = f"""
        WITH c AS (SELECT c.entity_id, c.cutoff_at, s.signup_at FROM {cutoffs} AS c JOIN ({starts}) AS s USING (entity_id))
        SELECT c.entity_id, c.cutoff_at, e.event, count(*) AS n
        FROM c JOIN {events} AS e ON e.entity_id = c.entity_id
            AND e.ts >= c.signup_at AND e.ts <= least(c.cutoff_at, {days_after_sql('c.signup_at', feature_days)})
        GROUP BY ALL
    """
    if context.level == "user":
        size = f"""
            SELECT c.entity_id, c.cutoff_at,
                greatest(count(mates.user_id), 1) AS account_size,
                CAST(bool_and(mates.user_id IS NULL OR (mates.signup_at, mates.user_id) >= (u.signup_at, u.user_id))
                     AS INTEGER) AS account_founder
            FROM {cutoffs} AS c JOIN {users} AS u ON u.entity_id = c.entity_id
            LEFT JOIN {users} AS mates ON mates.account_id = u.account_id AND mates.signup_at <= c.cutoff_at
            GROUP BY 1, 2
        """
    else:
        size = f"""
            SELECT c.entity_id, c.cutoff_at, count(*) AS account_size, 1 AS account_founder
            FROM {cutoffs} AS c JOIN {users} AS u ON u.entity_id = c.entity_id AND u.signup_at <= c.cutoff_at
            GROUP BY 1, 2
        """
    seen = f"""
        WITH last AS (
            SELECT c.entity_id, c.cutoff_at, max(e.ts) AS last_seen_at
            FROM {cutoffs} AS c LEFT JOIN {events} AS e ON c.entity_id = e.entity_id AND e.ts <= c.cutoff_at
            GROUP BY 1, 2
        ), size AS ({size})
        SELECT last.entity_id, last.cutoff_at, last.last_seen_at, size.account_size, size.account_founder
        FROM last LEFT JOIN size USING (entity_id, cutoff_at)
    """
    return {"counts": counts, "seen": seen}
