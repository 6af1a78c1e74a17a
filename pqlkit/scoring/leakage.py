"""The leak check: a feature that changes once the data after its cut-off is removed uses the future."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from pqlkit.base.columns import timestamp_literal
from pqlkit.core.context import Context
from pqlkit.core.loading import Dataset
from pqlkit.scoring.features import DAY, KEYS, ExtraFeatures, feature_table
from pqlkit.core.entities import as_seen_at
from pqlkit.scoring.snapshots import last_seen_at

__all__ = ["LeakageError", "check_no_leakage"]


class LeakageError(ValueError):
    """A feature changed when the data after its cut-off was removed: it uses the future.

    Attributes
    ----------
    columns : list of str
        The feature columns that changed.
    """

    def __init__(self, message: str, *, columns: list[str]):
        super().__init__(message)
        self.columns = columns


def check_no_leakage(
    entities: pd.DataFrame,
    *,
    context: Context,
    at: pd.Timestamp | str,
    feature_days: float | None = None,
    extra_features: ExtraFeatures | None = None,
    cutoffs: pd.DataFrame | None = None,
) -> None:
    """Fail when a feature at cut-off ``at`` changes once the data after ``at`` is removed.

    The features of ``cutoffs`` (default: every entity signed up by ``at``), all cut at ``at``, are
    built twice: from the full tables, and with every table a feature may read cut at ``at``:
    ``events``, ``users`` and ``conversions`` (the payments) hold only their rows up to ``at``
    (by ``ts``, ``signup_at`` and ``paid_at``) under their own names, so a feature reads the cut
    rows whether it takes the table names it is given or writes them itself, and the per-entity
    table is as it stood at ``at`` (later step times, PQL times and payments unseen, counts
    recomputed). A feature that reads anything after its cut-off differs between the two.

    Raises
    ------
    LeakageError
        "features use data from after their cut-off 2026-05-01T00:00:00+00:00: first_14d:login
        (12 of 800 rows differ) ...; build them from rows at or before cutoff_at".
    """
    moment = pd.Timestamp(at)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    if cutoffs is None:
        cutoffs = pd.DataFrame({"entity_id": entities.loc[entities["signup_at"] <= moment, "entity_id"]})
    cutoffs = cutoffs[["entity_id"]].assign(cutoff_at=moment)
    # Only the checked entities' rows are built, from the full tables and from the cut ones.
    entities = entities[entities["entity_id"].isin(cutoffs["entity_id"])]
    names = context.dataset.event_names()
    full = feature_table(cutoffs, entities=entities, context=context, feature_days=feature_days, event_names=names,
                         extra_features=extra_features)
    with tables_cut_at(context.dataset, moment):
        seen_at = last_seen_at(context, [moment], every=DAY, entity_ids=cutoffs["entity_id"])[0]
        seen = as_seen_at(entities, moment, context=context, last_seen_at=seen_at)
        cut = feature_table(cutoffs, entities=seen, context=context, feature_days=feature_days, event_names=names,
                            extra_features=extra_features)
    changed = []
    for column in full.columns:
        if column in KEYS:
            continue
        a, b = full[column], cut[column]
        differ = ~((a == b) | (a.isna() & b.isna()))
        if differ.any():
            changed.append((column, int(differ.sum())))
    if changed:
        listed = ", ".join(f"{column} ({n} of {len(full)} rows differ)" for column, n in changed)
        raise LeakageError(
            f"features use data from after their cut-off {moment.isoformat()}: {listed}; build them from rows at or "
            "before cutoff_at (docs/metrics.md#metrics)",
            columns=[column for column, _ in changed],
        )


#: The tables a feature may read, and the time column each is cut by.
CUT_COLUMNS = {"events": "ts", "users": "signup_at", "conversions": "paid_at"}


@contextmanager
def tables_cut_at(dataset: Dataset, moment: pd.Timestamp) -> Iterator[None]:
    """Within the block, ``events``, ``users`` and ``conversions`` hold only their rows up to ``moment``.

    The engine puts each table aside and names a view of its rows up to ``moment`` after it
    (:meth:`pqlkit.io.engines.DuckDBEngine.rows_where`), so every query in the block (the built-in
    features, extra features, views over these tables) reads the cut rows; the tables are put back
    on leaving, also after an error.
    """
    with dataset.engine.rows_where({name: f"{column} <= {timestamp_literal(moment)}"
                                    for name, column in CUT_COLUMNS.items()}):
        yield
