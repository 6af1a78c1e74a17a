"""Trying a definition by hand: the per-entity table under another spec, recomputed in pandas in well under a second.

:class:`EarliestEvents` reads, once, each entity's earliest ``keep`` times of every event (one query
in the engine). A spec's step is then done at its ``min_count``-th earliest time when that is at most
its window after signup, exactly as the reduction counts it (docs/metrics.md#definitions), so the
table it gives is the one :func:`pqlkit.entity_table` would give for that spec (event steps only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pqlkit.core.loading import Dataset
from pqlkit.core.entities import add_completion
from pqlkit.core.spec import ActivationSpec

__all__ = ["EarliestEvents"]


@dataclass(frozen=True)
class EarliestEvents:
    """Each entity's ``keep`` earliest times of each event.

    Attributes
    ----------
    times : dict of str to numpy.ndarray
        Event name -> array (entities × keep) of ``datetime64[us]`` (UTC, NaT where fewer events),
        rows in the order of ``entity_ids``.
    entity_ids : pandas.Index
        The entities.
    keep : int
        The largest ``min_count`` that can be tried.
    """

    times: dict
    entity_ids: pd.Index
    keep: int

    @classmethod
    def from_dataset(cls, dataset: Dataset, entity_ids, *, keep: int = 10) -> EarliestEvents:
        """Read the earliest ``keep`` times per (entity, event) of the used events, in one query."""
        rows = dataset.sql(f"""
            SELECT entity_id, event, ts, n FROM (
                SELECT entity_id, event, ts, row_number() OVER (PARTITION BY entity_id, event ORDER BY ts) AS n
                FROM events
            ) AS numbered WHERE n <= {int(keep)}
        """)
        index = pd.Index(pd.Series(entity_ids, dtype="str"))
        where = index.get_indexer(rows["entity_id"].astype("str"))
        ts = pd.to_datetime(rows["ts"], utc=True).dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        n = rows["n"].to_numpy(dtype=np.int64) - 1
        events = rows["event"].astype("str").to_numpy()
        times = {}
        for event in np.unique(events):
            mask = (events == event) & (where >= 0)
            grid = np.full((len(index), keep), np.datetime64("NaT"), dtype="datetime64[us]")
            grid[where[mask], n[mask]] = ts[mask]
            times[str(event)] = grid
        return cls(times=times, entity_ids=index, keep=int(keep))

    @property
    def events(self) -> list[str]:
        """The event names, sorted."""
        return sorted(self.times)

    def step_times(self, signup_at: pd.Series, *, event: str, min_count: int, within_days: float | None) -> np.ndarray:
        """When each entity completed the step (``datetime64[us]``, NaT if not): its ``min_count``-th event,
        when at most ``within_days`` days after ``signup_at`` (aligned with ``entity_ids``)."""
        if not 1 <= min_count <= self.keep:
            raise ValueError(f"The value for `min_count` must be between 1 and {self.keep}, but {min_count!r} was passed.")
        grid = self.times.get(event)
        if grid is None:
            return np.full(len(self.entity_ids), np.datetime64("NaT"), dtype="datetime64[us]")
        done = grid[:, min_count - 1].copy()
        if within_days is not None:
            start = signup_at.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
            limit = start + np.timedelta64(round(float(within_days) * 86_400_000_000), "us")
            done[~(done <= limit)] = np.datetime64("NaT")
        return done

    def entity_table(self, entities: pd.DataFrame, spec: ActivationSpec) -> pd.DataFrame:
        """A copy of the per-entity table with the step columns, ``steps_done``, ``pql_at``, ``is_pql`` and
        ``time_to_pql_days`` of ``spec`` (event steps only; the rest of the table is kept)."""
        bad = [step.name for step in spec.steps if step.event is None or step.min_users is not None]
        if bad:
            raise ValueError(f"steps {bad} count users (min_users); the explorer tries event steps only")
        table = entities.drop(columns=[c for c in entities if c.endswith("_at") and c not in
                                       ("signup_at", "pql_at", "paid_at", "last_seen_at")]).copy()
        order = self.entity_ids.get_indexer(table["entity_id"].astype("str"))
        if (order < 0).any():
            raise ValueError("the per-entity table holds entities whose events were not read; build EarliestEvents "
                             "from its entity ids")
        signup = pd.Series(pd.NaT, index=self.entity_ids, dtype=table["signup_at"].dtype)
        signup.iloc[order] = table["signup_at"].to_numpy()
        for step in spec.steps:
            times = self.step_times(signup, event=step.event, min_count=step.min_count, within_days=spec.window_for(step))
            table[f"{step.name}_at"] = pd.Series(times[order], index=table.index).dt.tz_localize("UTC")
        add_completion(table, steps=spec.step_names, steps_required=spec.steps_required)
        return table
