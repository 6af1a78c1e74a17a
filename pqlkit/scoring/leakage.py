"""The leak check: a feature that changes once the data after its cut-off is removed uses the future."""

from __future__ import annotations

import pandas as pd

from pqlkit.base.columns import timestamp_literal
from pqlkit.core.context import Context
from pqlkit.scoring.features import DAY, KEYS, ExtraFeatures, feature_table
from pqlkit.scoring.snapshots import as_seen_at, last_seen_at

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
    built twice: from the full tables, and from views of ``events`` and ``users`` holding only the
    rows up to ``at`` with the per-entity table as it stood at ``at`` (later step times, PQL times
    and payments unseen, counts recomputed). A feature that reads anything after its cut-off
    differs between the two.

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
    names = context.dataset.event_names()
    full = feature_table(cutoffs, entities=entities, context=context, feature_days=feature_days, event_names=names,
                         extra_features=extra_features)
    engine = context.dataset.engine
    engine.view("_pay_events_cut", f"SELECT * FROM events WHERE ts <= {timestamp_literal(moment)}")
    engine.view("_pay_users_cut", f"SELECT * FROM users WHERE signup_at <= {timestamp_literal(moment)}")
    try:
        seen_at = last_seen_at(context, [moment], every=DAY, events="_pay_events_cut")[0]
        seen = as_seen_at(entities, moment, context=context, last_seen_at=seen_at)
        cut = feature_table(cutoffs, entities=seen, context=context, feature_days=feature_days, event_names=names,
                            events="_pay_events_cut", users="_pay_users_cut", extra_features=extra_features)
    finally:
        engine.drop("_pay_events_cut", "_pay_users_cut")
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
