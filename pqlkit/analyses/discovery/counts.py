"""The one pass over the events: per (entity, event, day since signup) counts, cut at the target.

Two queries run in the dataset's engine (DuckDB, or Spark through sqlglot), in portable SQL: the
entities judged with their target time (one row per entity), and the counts (one row per entity,
event and day). Everything after runs in numpy on those counts.

Days are whole days since the entity's signup: day d holds the events at least d and less than
d + 1 days (of 24 hours) after it. "Within w days" is days 0 to w - 1, so it differs from the
spec's window (at most w days, to the microsecond) only for an event exactly w days after signup.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pqlkit.base.columns import timestamp_literal
from pqlkit.base.sql import sql_string
from pqlkit.core.loading import Dataset
from pqlkit.core.arrays import MICROSECONDS_PER_DAY
from pqlkit.core.reduction import days_after_sql

__all__ = ["Target", "DayCounts", "judged_entities", "day_counts"]

TARGETS = ("paid", "retained")


@dataclass(frozen=True)
class Target:
    """What a definition should announce.

    Attributes
    ----------
    kind : {"paid", "retained", "event"}
        Paying within ``days`` of signup; active in week ``week`` after signup (days 7W to 7W + 6);
        or doing ``event`` within ``days`` of signup.
    days : float
        The target's window after signup (``paid``, ``event``).
    week : int
        The retention week (``retained``).
    event : str or None
        The target event (``event``).
    """

    kind: str = "paid"
    days: float = 30
    week: int = 4
    event: str | None = None

    @classmethod
    def parse(cls, target: str, *, days: float = 30, week: int = 4) -> Target:
        """``"paid"``, ``"retained"`` or an event name."""
        if target in TARGETS:
            return cls(kind=target, days=float(days), week=int(week))
        return cls(kind="event", days=float(days), week=int(week), event=str(target))

    @property
    def age_days(self) -> float:
        """The age an entity needs for its outcome to be known (the fixed age of the comparison)."""
        return 7.0 * (self.week + 1) if self.kind == "retained" else self.days

    @property
    def label(self) -> str:
        """The target in words."""
        if self.kind == "paid":
            return f"paying within {self.days:g} days of signup"
        if self.kind == "retained":
            return f"still active in week {self.week} after signup"
        return f"doing {self.event} within {self.days:g} days of signup"


_ENTITY_SIGNUP = "SELECT entity_id, min(signup_at) AS signup_at FROM users GROUP BY entity_id"


def _target_sql(target: Target) -> str:
    """SQL of ``(entity_id, target_at)``: when each entity reached the target (rows only for those that did)."""
    if target.kind == "paid":
        first = "SELECT entity_id, min(paid_at) AS target_at FROM conversions WHERE entity_id IS NOT NULL GROUP BY entity_id"
        limit = days_after_sql("e.signup_at", target.days)
    elif target.kind == "event":
        first = (f"SELECT entity_id, min(ts) AS target_at FROM events WHERE event = {sql_string(target.event)} "
                 "GROUP BY entity_id")
        limit = days_after_sql("e.signup_at", target.days)
    else:
        start, end = 7 * target.week, 7 * (target.week + 1)
        first = f"""
            SELECT e.entity_id, min({days_after_sql('e.signup_at', start)}) AS target_at
            FROM events AS ev JOIN ent AS e ON ev.entity_id = e.entity_id
            WHERE ev.ts >= {days_after_sql('e.signup_at', start)} AND ev.ts < {days_after_sql('e.signup_at', end)}
            GROUP BY e.entity_id
        """
        limit = days_after_sql("e.signup_at", end)
    return f"""
        SELECT e.entity_id, t.target_at FROM ent AS e JOIN ({first}) AS t ON e.entity_id = t.entity_id
        WHERE t.target_at <= {limit}
    """


def _judged_sql(dataset: Dataset, target: Target) -> str:
    """SQL of the entities judged: old enough for the target window, with their signup and target time."""
    return f"""
        WITH ent AS ({_ENTITY_SIGNUP}),
        reached AS ({_target_sql(target)})
        SELECT ent.entity_id, ent.signup_at, reached.target_at
        FROM ent LEFT JOIN reached ON ent.entity_id = reached.entity_id
        WHERE {days_after_sql('ent.signup_at', target.age_days)} <= {timestamp_literal(dataset.as_of)}
    """


def judged_entities(dataset: Dataset, target: Target) -> pd.DataFrame:
    """The entities judged, one row each, by signup then id: ``entity_id``, ``signup_at``, ``target_at`` (NaT: not reached)."""
    table = dataset.sql(_judged_sql(dataset, target) + " ORDER BY signup_at, entity_id")
    table["entity_id"] = table["entity_id"].astype("str")
    for column in ("signup_at", "target_at"):
        table[column] = pd.to_datetime(table[column], utc=True).astype("datetime64[us, UTC]")
    return table.reset_index(drop=True)


@dataclass(frozen=True)
class DayCounts:
    """Per (entity, event, day) counts of the events before the target, as numpy arrays.

    Attributes
    ----------
    entities : pandas.DataFrame
        The judged entities (:func:`judged_entities`); row i is entity i.
    events : tuple of str
        The event names; code j is ``events[j]``.
    entity, event, day, count, near_target : numpy arrays, one value per row
        Entity index, event code, whole days since signup, events that day, and of them those in
        the ``near_hours`` before the entity's target.
    horizon : int
        Days counted (0 to horizon - 1).
    near_hours : float
        The hours before the target that ``near_target`` counts.
    """

    entities: pd.DataFrame
    events: tuple[str, ...]
    entity: np.ndarray
    event: np.ndarray
    day: np.ndarray
    count: np.ndarray
    near_target: np.ndarray
    horizon: int
    near_hours: float

    @property
    def reached(self) -> np.ndarray:
        """Per entity: reached the target (bool)."""
        return self.entities["target_at"].notna().to_numpy()

    def cumulative(self, code: int, *, cap: int) -> np.ndarray:
        """Entities × days: events of ``code`` within d + 1 days (days 0..d), capped at ``cap`` (uint8)."""
        rows = self.event == code
        dense = np.zeros((len(self.entities), self.horizon), dtype=np.int64)
        np.add.at(dense, (self.entity[rows], self.day[rows]), self.count[rows])
        return np.minimum(np.cumsum(dense, axis=1), cap).astype(np.uint8)

    def active_days(self, within_days: int) -> np.ndarray:
        """Per entity: the days (of the first ``within_days``) with any event before the target."""
        rows = self.day < within_days
        pairs = np.unique(self.entity[rows].astype(np.int64) * self.horizon + self.day[rows])
        return np.bincount(pairs // self.horizon, minlength=len(self.entities))

    def activity(self, within_days: int) -> np.ndarray:
        """Per entity: the share of its observed days (of the first ``within_days``) with any event.

        An entity that reached the target is observed only until then (its later events do not
        count), so its active days are divided by the days it was observed, not by ``within_days``:
        a payer active on each of the 3 days before paying on day 3 is as busy as someone active
        every day of the window.
        """
        elapsed = (self.entities["target_at"] - self.entities["signup_at"]).dt.total_seconds().to_numpy() / 86400
        observed = np.where(np.isnan(elapsed), within_days, np.clip(np.ceil(elapsed), 1, within_days))
        return self.active_days(within_days) / observed


def day_counts(dataset: Dataset, target: Target, *, horizon: int, near_hours: float = 24) -> DayCounts:
    """Count the events of the judged entities per (entity, event, day), in one query in the engine.

    Only the events before the entity's target count (a step is in the past of what it announces),
    and for a named target event, not that event itself.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.
    target : Target
        What definitions announce.
    horizon : int
        Days after signup to count (days 0 to horizon - 1).
    near_hours : float
        Also count, per row, the events in the last ``near_hours`` before the target (the purchase
        flow's fingerprint).
    """
    entities = judged_entities(dataset, target)
    near = round(float(near_hours) * 3_600_000_000)
    skip = f"AND ev.event <> {sql_string(target.event)}" if target.kind == "event" else ""
    rows = dataset.sql(f"""
        WITH judged AS ({_judged_sql(dataset, target)}),
        counted AS (
            SELECT ev.entity_id, ev.event,
                CAST(floor(CAST(date_diff('microsecond', j.signup_at, ev.ts) AS DOUBLE) / {MICROSECONDS_PER_DAY}) AS INTEGER) AS day,
                CASE WHEN j.target_at IS NOT NULL AND ev.ts >= j.target_at - INTERVAL {near} MICROSECOND THEN 1 ELSE 0 END AS near
            FROM events AS ev JOIN judged AS j ON ev.entity_id = j.entity_id
            WHERE ev.ts < {days_after_sql('j.signup_at', horizon)} AND ev.ts >= j.signup_at
                AND (j.target_at IS NULL OR ev.ts < j.target_at) {skip}
        )
        SELECT entity_id, event, day, count(*) AS n, sum(near) AS n_near FROM counted GROUP BY entity_id, event, day
    """)
    names = tuple(sorted(rows["event"].astype("str").unique()))
    index = pd.Index(entities["entity_id"])
    return DayCounts(
        entities=entities,
        events=names,
        entity=index.get_indexer(rows["entity_id"].astype("str")).astype(np.int64),
        event=pd.Index(names).get_indexer(rows["event"].astype("str")).astype(np.int64),
        day=rows["day"].to_numpy(dtype=np.int64),
        count=rows["n"].to_numpy(dtype=np.int64),
        near_target=rows["n_near"].to_numpy(dtype=np.int64),
        horizon=int(horizon),
        near_hours=float(near_hours),
    )
