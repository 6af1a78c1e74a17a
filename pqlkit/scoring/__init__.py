"""The conversion score: which PQLs will pay, with the chance stated and checked on later cohorts.

:func:`pay_score` answers "which of the leads on today's PQL list will pay within ``within_days``
days?" It is fitted on the lists of the past, whose outcome is already known at ``as_of``:

- **Snapshots.** Every ``every_days`` days back from ``as_of - within_days``, the PQL list is
  rebuilt as it stood at that moment ``T`` (the entities :func:`pqlkit.analyses.playbook.prioritise_pqls`
  would have listed as of ``T``: PQL by ``T``, not paying, seen within ``active_days``), and each
  lead on it is one row. Its outcome is 1 when the entity paid in ``(T, T + within_days]``.
- **Features known at T, and only those.** Each row carries its cut-off ``cutoff_at = T``
  explicitly, and :func:`feature_table` reads nothing later than it: which steps were done by
  ``T`` and on which day after signup, the count of every event name (spec step or not) in the
  first ``feature_days`` days after signup up to ``T``, days since last seen, age, account size and,
  at user level, whether the user founded the account, plus the segment columns (one-hot).
  :func:`check_no_leakage` rebuilds the features from the data cut at ``T`` and fails on any
  column that changes; :func:`pay_score` runs it before fitting.
- **Out-of-time choice.** Entities are split by signup: the latest ``validation_share`` of them
  (later signup cohorts) are validation only; the model is fitted on rows of earlier cohorts whose
  outcome was known before the first validation signup. A regularised logistic regression on
  standardised features (the readable baseline) and a histogram gradient-boosted model are each
  calibrated (Platt's sigmoid by default) on the time-latest quarter of their training rows, and
  compared on validation. The boosted model is chosen only when its average precision beats the
  baseline's by more than ``prefer_readable_by``.
- **The list sales gets.** The chosen kind is refitted on every labelled row and scores today's
  list: ``pay_probability``, and ``expected_mrr`` = probability x the price the entity would
  likely pay (the mean first-payment ``mrr`` of payers, per ``price_by`` segment where given).

With too few payers, too few mature signup cohorts, or one class only, there is no model:
:attr:`PayScore.reason` says why in one sentence, the scores are NaN (never a made-up 0.5) and
:func:`order_pql_list` keeps today's order. Method and choices: docs/metrics.md#metrics.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pqlkit.core.context import Context, check_columns, context_steps, context_value
from pqlkit.analyses.playbook import prioritise_pqls
from pqlkit.core.reduction import days_after_sql, pql_times


__all__ = [
    "LeakageError",
    "PayScore",
    "MODELS",
    "ExtraFeatures",
    "snapshot_rows",
    "feature_table",
    "check_no_leakage",
    "pay_score",
    "order_pql_list",
]

#: The two model kinds compared, by the name :attr:`PayScore.model_name` reports.
MODELS = ("logistic_regression", "gradient_boosting")

#: A user-supplied feature builder: ``f(query, *, events, users, cutoffs)`` where ``query`` runs SQL
#: over the dataset and returns a frame, ``events`` and ``users`` are the names of the tables to read
#: (a cut-off view during :func:`check_no_leakage`), and ``cutoffs`` the name of a table of
#: ``entity_id, cutoff_at``. It returns ``entity_id, cutoff_at`` and its feature columns.
ExtraFeatures = Callable[..., pd.DataFrame]

_KEYS = ["entity_id", "cutoff_at"]
_DAY = pd.Timedelta(days=1)


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


@dataclass(frozen=True, eq=False)  # compared by identity: its tables have no single truth value
class PayScore:
    """The conversion score, its validation numbers, and the scores of today's PQL list.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per lead on today's list (:func:`pqlkit.analyses.playbook.prioritise_pqls` order):
        ``entity_id``, ``priority`` (today's order), ``pay_probability`` (NaN without a model),
        ``assumed_mrr`` (the price used), ``expected_mrr`` (probability x price).
    reason : str or None
        Why there is no model, in one sentence; None when there is one.
    model_name : str or None
        ``"logistic_regression"`` or ``"gradient_boosting"``: the one chosen on validation.
    within_days, feature_days, every_days : float
        The outcome window, the early-activity window and the snapshot spacing used.
    split_at : pandas.Timestamp or None
        The first signup of the validation cohorts.
    rows : pandas.DataFrame
        Counts per part: ``part`` (``"training"``, ``"validation"``, ``"final fit"``), ``rows``,
        ``entities``, ``payers`` (rows with outcome 1), ``snapshots``, ``signup_weeks``.
    models : pandas.DataFrame
        Validation scores per ordering: ``model`` (the two models and ``"today's order"``),
        ``roc_auc``, ``average_precision``, ``brier`` (NaN for today's order, which gives no
        probability), ``chosen`` (bool).
    calibration : pandas.DataFrame
        The chosen model on validation, by bin of predicted probability: ``bin``,
        ``predicted_mean``, ``observed_rate``, ``count``.
    lift : pandas.DataFrame
        By decile of the validation rows (1 = top): ``decile``, ``ordering`` (``"score"`` or
        ``"today"``), ``rows``, ``payers``, ``payer_rate``, ``lift`` (payer rate / overall rate),
        ``cumulative_payers``.
    importance : pandas.DataFrame
        Permutation importance of the chosen model on validation (drop in ROC AUC):
        ``feature``, ``importance_mean``, ``importance_std``, most important first.
    top_decile_extra_payers : int or None
        Payers in the score's top validation decile minus those in today's order's top decile.
    validation_rows : pandas.DataFrame
        The validation leads: ``entity_id``, ``cutoff_at`` (the snapshot), ``signup_at``,
        ``paid`` (0/1), ``today_priority`` (among the validation leads of that snapshot),
        ``pay_probability`` (the chosen model fitted on the training cohorts).
    feature_names : tuple of str
        The model's input columns (segments one-hot as ``segment=value``).
    model : sklearn estimator or None
        The chosen kind refitted on every labelled row (calibrated), which scored today's list.
    """

    scores: pd.DataFrame
    reason: str | None
    model_name: str | None
    within_days: float
    feature_days: float
    every_days: float
    split_at: pd.Timestamp | None = None
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    models: pd.DataFrame = field(default_factory=pd.DataFrame)
    calibration: pd.DataFrame = field(default_factory=pd.DataFrame)
    lift: pd.DataFrame = field(default_factory=pd.DataFrame)
    importance: pd.DataFrame = field(default_factory=pd.DataFrame)
    top_decile_extra_payers: int | None = None
    validation_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    feature_names: tuple[str, ...] = ()
    model: Any = field(default=None, compare=False, repr=False)

    def __repr__(self) -> str:
        if not self.has_model:
            return f"PayScore(no model: {self.reason!r})"
        numbers = self.validation()
        return (f"PayScore(model_name={self.model_name!r}, roc_auc={numbers['roc_auc']:.3f}, "
                f"top_decile_extra_payers={self.top_decile_extra_payers}, leads={len(self.scores)})")

    @property
    def has_model(self) -> bool:
        """Whether a model was fitted (else :attr:`reason` says why)."""
        return self.model is not None

    def validation(self) -> dict[str, float | None]:
        """The chosen model's validation numbers as a flat mapping.

        Returns
        -------
        dict
            ``roc_auc``, ``average_precision``, ``brier``, ``today_roc_auc``,
            ``top_decile_payers_score``, ``top_decile_payers_today``, ``top_decile_extra_payers``;
            None for each without a model.
        """
        keys = ("roc_auc", "average_precision", "brier", "today_roc_auc", "top_decile_payers_score",
                "top_decile_payers_today", "top_decile_extra_payers")
        if not self.has_model:
            return dict.fromkeys(keys)
        chosen = self.models[self.models["chosen"]].iloc[0]
        today = self.models[self.models["model"] == "today's order"].iloc[0]
        top = self.lift[self.lift["decile"] == 1].set_index("ordering")["payers"]
        return {
            "roc_auc": float(chosen["roc_auc"]),
            "average_precision": float(chosen["average_precision"]),
            "brier": float(chosen["brier"]),
            "today_roc_auc": float(today["roc_auc"]),
            "top_decile_payers_score": int(top["score"]),
            "top_decile_payers_today": int(top["today"]),
            "top_decile_extra_payers": self.top_decile_extra_payers,
        }


# --- the past lists --------------------------------------------------------------------------------


def _last_seen_at(context: Context, latest: pd.Timestamp, *, count: int, every: pd.Timedelta,
                  events: str = "events") -> list[pd.Series]:
    """The latest event at or before each moment ``latest - j * every`` (j = 0 .. count - 1), per entity.

    One pass over the events, whatever ``count``: each event at or before ``latest`` falls in the
    bucket ``k = floor((latest - ts) / every)`` (whole nanoseconds, so exact), is seen by the moments
    j <= k, and the moment's last-seen time is the latest event of its entity's buckets k >= j.

    Returns
    -------
    list of pandas.Series
        One per moment, ``latest`` first: ``last_seen_at`` (UTC) indexed by ``entity_id`` (text),
        entities with no event by that moment left out.
    """
    if count < 1:
        return []
    frame = context.dataset.sql(f"""
        WITH bucket AS (
            SELECT entity_id, ({pd.Timestamp(latest).value} - epoch_ns(ts)) // {pd.Timedelta(every).value} AS k,
                max(ts) AS last_seen_at
            FROM {events} WHERE ts <= {_literal(latest)}
            GROUP BY ALL
        )
        SELECT moments.j, bucket.entity_id, max(bucket.last_seen_at) AS last_seen_at
        FROM bucket JOIN range({int(count)}) AS moments(j) ON bucket.k >= moments.j
        GROUP BY ALL
        ORDER BY 1, 2
    """)
    frame["last_seen_at"] = pd.to_datetime(frame["last_seen_at"], utc=True)
    frame["entity_id"] = frame["entity_id"].astype(str)
    by_moment = {j: part.set_index("entity_id")["last_seen_at"] for j, part in frame.groupby("j", sort=True)}
    empty = pd.Series([], index=pd.Index([], dtype=str, name="entity_id"), dtype="datetime64[us, UTC]")
    return [by_moment.get(j, empty).rename(None).rename_axis(None) for j in range(count)]


def _literal(moment: pd.Timestamp) -> str:
    return f"TIMESTAMPTZ '{pd.Timestamp(moment).tz_convert('UTC').isoformat()}'"


def _as_seen_at(entities: pd.DataFrame, moment: pd.Timestamp, *, context: Context,
                last_seen_at: pd.Series) -> pd.DataFrame:
    """The per-entity table as it would have been computed at ``moment``.

    A step completed by ``moment`` has the same completion time whenever the table is computed
    (the completing event is at or before it), so masking later times is exact; ``pql_at`` is
    recomputed from the masked steps, payments after ``moment`` are unseen, and ``last_seen_at``
    comes from the events up to ``moment``. ``n_users`` (account level) counts the users signed up
    by then.
    """
    steps = list(context.steps)
    table = entities[entities["signup_at"] <= moment].copy()
    for name in steps:
        column = table[f"{name}_at"]
        table[f"{name}_at"] = column.where(column <= moment)
    table["steps_done"] = table[[f"{name}_at" for name in steps]].notna().sum(axis=1).astype("int64")
    table["activation_rate"] = table["steps_done"] / len(steps)
    table["pql_at"] = pql_times(table, steps=steps, steps_required=context.steps_required)
    table["is_pql"] = table["pql_at"].notna()
    table["time_to_pql_days"] = (table["pql_at"] - table["signup_at"]).dt.total_seconds() / 86400
    table["paid_at"] = table["paid_at"].where(table["paid_at"] <= moment)
    table["last_seen_at"] = table["entity_id"].map(last_seen_at).astype(table["signup_at"].dtype)
    table["age_days"] = (moment - table["signup_at"]).dt.total_seconds() / 86400
    if "n_users" in table:
        users = context.dataset.sql(
            f"SELECT entity_id, count(*) AS n FROM users WHERE signup_at <= {_literal(moment)} GROUP BY 1"
        )
        table["n_users"] = table["entity_id"].map(users.set_index("entity_id")["n"]).fillna(1).astype("int64")
    return table


def snapshot_rows(
    entities: pd.DataFrame,
    *,
    context: Context,
    within_days: float = 30,
    every_days: float = 7,
) -> pd.DataFrame:
    """The PQL lists of the past, one row per lead and snapshot, with their known outcome.

    The snapshots are ``T = as_of - within_days - j * every_days`` (j = 0, 1, ...) back to the
    first signup. At each, the list is :func:`pqlkit.analyses.playbook.prioritise_pqls` of the table as it
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
    last_seen = _last_seen_at(context, latest, count=len(moments), every=every)
    frames = []
    for moment, last_seen_at in zip(moments, last_seen):
        seen = _as_seen_at(entities, moment, context=context, last_seen_at=last_seen_at)
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


# --- features -------------------------------------------------------------------------------------


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
        The tables to read (:func:`check_no_leakage` passes views cut at a moment).
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
    if dataset is None or dataset.con is None:
        raise ValueError("pay_score needs the dataset loaded with the DuckDB engine: build the context with "
                         "pk.entity_table(...) (not engine='spark')")
    feature_days = float(context_value("feature_days", feature_days, context, caller="feature_table",
                                       attribute="trial_days"))
    steps = context_steps(None, context, entities, caller="feature_table")
    if event_names is None:
        event_names = dataset.event_names()
    rows = cutoffs[_KEYS].reset_index(drop=True).copy()
    rows["cutoff_at"] = pd.to_datetime(rows["cutoff_at"], utc=True).astype("datetime64[us, UTC]")
    by_id = entities.set_index("entity_id")
    signup = rows["entity_id"].map(by_id["signup_at"])
    cut = rows["cutoff_at"]
    out = rows.copy()
    out["age_days"] = (cut - signup) / _DAY
    for name in steps:
        at = rows["entity_id"].map(by_id[f"{name}_at"])
        done = at <= cut
        out[f"{name}_done"] = done.astype("int64")
        out[f"{name}_day"] = ((at - signup) / _DAY).where(done)
    out["steps_done"] = out[[f"{name}_done" for name in steps]].sum(axis=1)
    out["activation_rate"] = out["steps_done"] / len(steps)
    pql_at = rows["entity_id"].map(by_id["pql_at"])
    out["days_since_pql"] = ((cut - pql_at) / _DAY).where(pql_at <= cut)

    name = "_pay_cutoffs"
    dataset.con.register(name, rows)
    try:
        sql = _features_sql(context, name, feature_days=feature_days, events=events, users=users)
        counts = dataset.sql(sql["counts"])
        seen = dataset.sql(sql["seen"])
        extra = None if extra_features is None else extra_features(dataset.sql, events=events, users=users,
                                                                   cutoffs=name)
    finally:
        dataset.con.unregister(name)
    window = f"first_{feature_days:g}d:"
    seen["cutoff_at"] = pd.to_datetime(seen["cutoff_at"], utc=True).astype("datetime64[us, UTC]")
    seen["last_seen_at"] = pd.to_datetime(seen["last_seen_at"], utc=True)
    out = out.merge(seen, on=_KEYS, how="left", validate="one_to_one")
    out["days_since_seen"] = ((cut - out.pop("last_seen_at")) / _DAY).fillna(out["age_days"])
    out["account_size"] = out["account_size"].fillna(1).astype("int64")
    if context.level != "user":
        out = out.drop(columns="account_founder")
    else:
        out["account_founder"] = out["account_founder"].fillna(1).astype("int64")
    if len(counts):
        counts["cutoff_at"] = pd.to_datetime(counts["cutoff_at"], utc=True).astype("datetime64[us, UTC]")
        wide = counts.pivot_table(index=_KEYS, columns="event", values="n", aggfunc="sum", fill_value=0)
    else:
        wide = pd.DataFrame(index=pd.MultiIndex.from_frame(rows[_KEYS].iloc[:0]))
    wide = wide.reindex(columns=event_names, fill_value=0)
    wide.columns = [window + str(event) for event in wide.columns]
    out = out.merge(wide.reset_index(), on=_KEYS, how="left")
    out[list(wide.columns)] = out[list(wide.columns)].fillna(0).astype("int64")
    for segment in context.segments:
        if segment in by_id:
            out[segment] = rows["entity_id"].map(by_id[segment])
    if extra is not None:
        extra = extra.copy()
        extra["cutoff_at"] = pd.to_datetime(extra["cutoff_at"], utc=True).astype("datetime64[us, UTC]")
        out = out.merge(extra, on=_KEYS, how="left", validate="one_to_one")
    return out


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
    engine.view("_pay_events_cut", f"SELECT * FROM events WHERE ts <= {_literal(moment)}")
    engine.view("_pay_users_cut", f"SELECT * FROM users WHERE signup_at <= {_literal(moment)}")
    try:
        last_seen_at = _last_seen_at(context, moment, count=1, every=_DAY, events="_pay_events_cut")[0]
        seen = _as_seen_at(entities, moment, context=context, last_seen_at=last_seen_at)
        cut = feature_table(cutoffs, entities=seen, context=context, feature_days=feature_days, event_names=names,
                            events="_pay_events_cut", users="_pay_users_cut", extra_features=extra_features)
    finally:
        engine.drop("_pay_events_cut", "_pay_users_cut")
    changed = []
    for column in full.columns:
        if column in _KEYS:
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


# --- models ---------------------------------------------------------------------------------------


def _design(features: pd.DataFrame, *, segments: list[str], levels: Mapping[str, list[str]] | None = None,
            max_levels: int = 20) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The numeric matrix: segment columns one-hot (the ``max_levels`` commonest values of the
    fitting rows; others and unseen values are all zeros), everything else as numbers."""
    segments = [s for s in segments if s in features.columns]
    if levels is None:
        levels = {s: [str(v) for v in features[s].dropna().astype(str).value_counts().index[:max_levels]]
                  for s in segments}
    numeric = features.drop(columns=[*_KEYS, *segments]).astype("float64")
    parts = [numeric]
    for segment in segments:
        values = features[segment].astype("object").where(features[segment].notna(), None)
        parts.append(pd.DataFrame({f"{segment}={level}": (values == level).astype("float64") for level in levels[segment]},
                                  index=features.index))
    return pd.concat(parts, axis=1), dict(levels)


def _signed_log(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.log1p(np.abs(values))


def _estimator(kind: str, *, random_state: int, logistic_c: float):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    if kind == "logistic_regression":
        # Days and counts enter on a signed log scale (sign(x) log(1 + |x|)): a lead ten times older
        # than any fitted is not ten times further out on the logit, so no probability of 1e-18.
        return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                             FunctionTransformer(_signed_log, feature_names_out="one-to-one"), StandardScaler(),
                             LogisticRegression(C=logistic_c, max_iter=5000))
    return HistGradientBoostingClassifier(learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=40,
                                          l2_regularization=1.0, early_stopping=False, random_state=random_state)


class _BackgroundThread:
    """One worker thread whose tasks run under the same OpenMP/BLAS limit as the caller's.

    OpenMP's thread count is set per thread, so a new thread would otherwise use every core and a
    boosted model fitted there could add its sums in another order than one fitted here.
    """

    def __init__(self, *, threads: int | None):
        from concurrent.futures import ThreadPoolExecutor

        self._threads = threads
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pqlkit-score")

    def _limited(self, function, *args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self._threads):
            return function(*args, **kwargs)

    def submit(self, function, *args, **kwargs):
        """Start ``function(*args, **kwargs)``; returns its :class:`concurrent.futures.Future`."""
        return self._pool.submit(self._limited, function, *args, **kwargs)

    def __enter__(self) -> _BackgroundThread:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _fit_calibrated(kind: str, X: pd.DataFrame, y: np.ndarray, cutoff_at: pd.Series, *, calibration: str,
                    random_state: int, logistic_c: float):
    """Fit on the earlier snapshots, calibrate on the time-latest quarter of the rows."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    order = np.argsort(cutoff_at.to_numpy(), kind="stable")
    boundary = cutoff_at.to_numpy()[order[int(len(order) * 0.75)]]
    late = (cutoff_at.to_numpy() >= boundary)
    if late.all() or not late.any() or len(set(y[late])) < 2 or len(set(y[~late])) < 2:
        late = np.zeros(len(y), bool)
        late[order[int(len(order) * 0.75):]] = True
    model = _estimator(kind, random_state=random_state, logistic_c=logistic_c).fit(X[~late], y[~late])
    calibrated = CalibratedClassifierCV(FrozenEstimator(model), method=calibration, ensemble=False).fit(X[late], y[late])
    return calibrated


@functools.cache
def _tree_cache_class() -> type:
    """The boosted model that re-runs only the trees a changed column reaches (sklearn loads on first use)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    class TreeCachedBoosting(HistGradientBoostingClassifier):
        """A fitted binary boosted model that remembers each tree's output on one table.

        On a table that differs from the remembered one in a few columns (a permutation importance
        shuffles one column at a time), only the trees that split on a changed column are run
        again; the others' outputs are reused, and the outputs are summed tree by tree in the same
        order as sklearn does, so the decision values are the same numbers.
        """

        def remember(self, X) -> None:
            self._remembered = None
            table = self._preprocess_X(X, reset=False)
            trees = [tree for iteration in self._predictors for tree in iteration]
            outputs = np.zeros((len(trees), len(table)))
            for position, tree in enumerate(trees):
                out = np.zeros((len(table), 1))
                super()._predict_iterations(table, [[tree]], out, False, _openmp_effective_n_threads())
                outputs[position] = out[:, 0]
            splits = np.zeros((len(trees), table.shape[1]), dtype=bool)
            for position, tree in enumerate(trees):
                splits[position, tree.nodes["feature_idx"][~tree.nodes["is_leaf"].astype(bool)]] = True
            self._remembered = (table, outputs, splits)

        def _predict_iterations(self, X, predictors, raw_predictions, is_binned, n_threads):
            remembered = getattr(self, "_remembered", None)
            if is_binned or remembered is None or predictors is not self._predictors or X.shape != remembered[0].shape:
                return super()._predict_iterations(X, predictors, raw_predictions, is_binned, n_threads)
            table, outputs, splits = remembered
            changed = ~((X == table) | (np.isnan(X) & np.isnan(table))).all(axis=0)
            rerun = splits[:, changed].any(axis=1)
            trees = [tree for iteration in predictors for tree in iteration]
            for position, tree in enumerate(trees):
                if rerun[position]:
                    out = np.zeros((len(X), 1))
                    super()._predict_iterations(X, [[tree]], out, False, n_threads)
                    raw_predictions[:, 0] += out[:, 0]
                else:
                    raw_predictions[:, 0] += outputs[position]

    return TreeCachedBoosting


def _importance_model(model, X: pd.DataFrame):
    """``model`` to permute ``X``'s columns with: the same probabilities, computed faster when it can be.

    For the calibrated gradient-boosted model, a copy whose boosted model re-runs only the trees
    that split on the shuffled column (each tree splits on few of the features, so most of the
    prediction work of a permutation importance is repeated work). The copy is used only when
    its probabilities on ``X`` equal ``model``'s exactly; otherwise, and for the logistic
    regression, ``model`` itself.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.frozen import FrozenEstimator

    if len(getattr(model, "calibrated_classifiers_", ())) != 1:
        return model
    inner = model.calibrated_classifiers_[0]
    boosted = getattr(inner.estimator, "estimator", None)
    if type(boosted) is not HistGradientBoostingClassifier or boosted.n_trees_per_iteration_ != 1:
        return model
    cached = _tree_cache_class().__new__(_tree_cache_class())
    cached.__dict__.update(boosted.__dict__)
    fast_inner = copy.copy(inner)
    fast_inner.estimator = FrozenEstimator(cached)
    fast = copy.copy(model)
    fast.calibrated_classifiers_ = [fast_inner]
    try:  # the copy reads sklearn's private tree structures: another sklearn may lay them out otherwise
        cached.remember(X)
        same = np.array_equal(fast.predict_proba(X), model.predict_proba(X))
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        same = False
    return fast if same else model


def _scores_table(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    return {"roc_auc": float(roc_auc_score(y, p)), "average_precision": float(average_precision_score(y, p)),
            "brier": float(brier_score_loss(y, p))}


def _calibration_table(y: np.ndarray, p: np.ndarray, *, bins: int = 10) -> pd.DataFrame:
    """Equal-count bins of the predicted probability (ties kept together)."""
    frame = pd.DataFrame({"p": p, "y": y})
    codes = pd.qcut(frame["p"].rank(method="first"), q=min(bins, len(frame)), labels=False)
    table = frame.groupby(codes).agg(predicted_mean=("p", "mean"), observed_rate=("y", "mean"), count=("y", "size"))
    table = table.reset_index(drop=True)
    table.insert(0, "bin", np.arange(1, len(table) + 1))
    return table


def _within_snapshot_deciles(score: np.ndarray, priority: np.ndarray, snapshot: np.ndarray) -> np.ndarray:
    """Decile 1..10 of each row within its snapshot's list, highest ``score`` first (ties: today's
    priority), as equal in size as the list allows."""
    frame = pd.DataFrame({"score": -score, "priority": priority, "snapshot": snapshot})
    rank = frame.sort_values(["snapshot", "score", "priority"]).groupby("snapshot").cumcount()
    size = frame.groupby("snapshot")["score"].transform("size")
    return (np.floor(rank.reindex(frame.index) * 10 / size) + 1).astype(int).to_numpy()


def _lift_table(y: np.ndarray, score_decile: np.ndarray, today_decile: np.ndarray) -> pd.DataFrame:
    base = y.mean() if len(y) else math.nan
    frames = []
    for ordering, decile in (("score", score_decile), ("today", today_decile)):
        table = pd.DataFrame({"decile": decile, "paid": y}).groupby("decile").agg(rows=("paid", "size"),
                                                                                 payers=("paid", "sum"))
        table = table.reindex(range(1, 11), fill_value=0).reset_index()
        table.insert(1, "ordering", ordering)
        table["payer_rate"] = table["payers"] / table["rows"].where(table["rows"] > 0)
        table["lift"] = table["payer_rate"] / base
        table["cumulative_payers"] = table["payers"].cumsum()
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    out["payers"] = out["payers"].astype("int64")
    out["cumulative_payers"] = out["cumulative_payers"].astype("int64")
    return out


# --- the score ------------------------------------------------------------------------------------


def _prices(entities: pd.DataFrame, *, context: Context, price_by: str | None) -> tuple[pd.Series, float]:
    """The price each entity would likely pay: mean first-payment ``mrr`` of payers (per ``price_by``)."""
    dataset = context.dataset
    if not dataset.has_conversions or "mrr" not in dataset.conversion_columns:
        return pd.Series(np.nan, index=entities["entity_id"]), math.nan
    first = dataset.sql(
        "SELECT entity_id, arg_min(TRY_CAST(mrr AS DOUBLE), paid_at) AS mrr FROM conversions "
        "WHERE entity_id IS NOT NULL GROUP BY 1"
    ).set_index("entity_id")["mrr"]
    overall = float(first.mean()) if first.notna().any() else math.nan
    if price_by is None:
        return pd.Series(overall, index=entities["entity_id"]), overall
    check_columns(entities, price_by, argument="price_by")
    segment = entities.set_index("entity_id")[price_by]
    paid = pd.DataFrame({"segment": segment.reindex(first.index), "mrr": first})
    stats = paid.groupby("segment", dropna=True)["mrr"].agg(["mean", "count"])
    means = stats["mean"].where(stats["count"] >= 5)  # fewer than 5 payers: the overall mean
    return segment.map(means).fillna(overall), overall


def _no_model(reason: str, base: dict[str, Any], listed: pd.DataFrame, rows: pd.DataFrame | None = None) -> PayScore:
    scores = listed[["entity_id", "priority"]].assign(pay_probability=np.nan, assumed_mrr=np.nan, expected_mrr=np.nan)
    return PayScore(scores=scores, reason=reason, model_name=None,
                    rows=rows if rows is not None else pd.DataFrame(), **base)


def _signup_weeks(signup_at: pd.Series) -> int:
    """The number of distinct signup weeks (Monday 00:00 UTC)."""
    return int(signup_at.dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("W").nunique())


def _counts(part: str, rows: pd.DataFrame) -> dict[str, Any]:
    return {"part": part, "rows": len(rows), "entities": rows["entity_id"].nunique(), "payers": int(rows["paid"].sum()),
            "snapshots": rows["cutoff_at"].nunique(), "signup_weeks": _signup_weeks(rows["signup_at"])
            if len(rows) else 0}


def pay_score(
    entities: pd.DataFrame,
    *,
    context: Context,
    # the question
    within_days: float = 30,
    feature_days: float | None = None,
    every_days: float = 7,
    # the out-of-time validation
    validation_share: float = 0.3,
    min_payers: int = 25,
    min_validation_payers: int = 10,
    min_cohorts: int = 4,
    # the models
    calibration: str = "sigmoid",
    logistic_c: float = 0.5,
    prefer_readable_by: float = 0.01,
    random_state: int = 0,
    importance_repeats: int = 5,
    # the list
    price_by: str | None = None,
    extra_features: ExtraFeatures | None = None,
    check_leakage: bool = True,
    threads: int | None = 1,
) -> PayScore:
    """Score today's PQL list by the chance that each lead pays within ``within_days`` days.

    See the module docstring for the method: snapshots of past lists, features known at each
    snapshot, out-of-time choice between a calibrated logistic regression and a calibrated
    gradient-boosted model.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context
        Its context (with the dataset: DuckDB engine).
    within_days : float
        The outcome: pays within this many days of the moment the lead is on the list.
    feature_days : float, optional
        Events are counted in the first this-many days after signup; default ``trial_days``.
    every_days : float
        Days between past snapshots of the list.
    validation_share : float
        The share of entities (latest signups) kept for validation, in (0, 1).
    min_payers, min_validation_payers : int
        Fewest paying rows in the fitting rows and in the validation rows; fewer: no model.
        25 fitting payers keep about 10 payers per model degree of freedom that matters
        (steps, activity, recency), the usual events-per-variable rule of thumb for logistic
        regression (Peduzzi et al. 1996 ask 10 per variable); 10 validation payers is the least
        that gives a top decile any payer to count.
    min_cohorts : int
        Fewest signup weeks whose leads have a known outcome; fewer: no model.
    calibration : {"sigmoid", "isotonic"}
        How the probabilities are calibrated (sigmoid: Platt, safer with few payers).
    logistic_c : float
        Inverse L2 regularisation strength of the logistic regression.
    prefer_readable_by : float
        The gradient-boosted model is chosen only when its validation average precision beats the
        logistic regression's by more than this.
    random_state : int
        Seed of the boosted model and of the permutation importance.
    importance_repeats : int
        Shuffles per feature for the permutation importance.
    price_by : str, optional
        A segment column: the assumed price is the mean first-payment ``mrr`` of payers with the
        same value (5 payers at least, else the overall mean). None: the overall mean.
    extra_features : callable, optional
        More features (:data:`ExtraFeatures`), checked for leaks like the built-in ones.
    check_leakage : bool
        Run :func:`check_no_leakage` at the validation split and at the latest snapshot.
    threads : int or None
        OpenMP/BLAS threads for the models (None: the libraries' default). One by default: the
        tables are small, and on a busy machine more threads only wait on each other (a
        700-row boosted fit took 6.6 s with two threads and 0.7 s with one on the 2-core CI box).
        The final fit runs in a second Python thread, under the same limit, while the permutation
        importance is computed (the two share no data, so the numbers do not depend on it).

    Returns
    -------
    PayScore
        The scores of today's list, the validation tables, the reason when there is no model.

    Raises
    ------
    LeakageError
        A feature reads data from after its cut-off.

    Examples
    --------
    >>> entities, ctx = pk.entity_table("data/sample", "data/activation.yaml")   # doctest: +SKIP
    >>> score = pk.pay_score(entities, context=ctx)                              # doctest: +SKIP
    >>> score.validation()["roc_auc"], score.top_decile_extra_payers            # doctest: +SKIP
    """
    arguments = {name: value for name, value in locals().items() if name not in ("entities", "context")}
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime first, so the limit reaches it)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        return _pay_score(entities, context=context, **arguments)


def _pay_score(entities: pd.DataFrame, *, context: Context, within_days: float, feature_days: float | None,
               every_days: float, validation_share: float, min_payers: int, min_validation_payers: int,
               min_cohorts: int, calibration: str, logistic_c: float, prefer_readable_by: float, random_state: int,
               importance_repeats: int, price_by: str | None, extra_features: ExtraFeatures | None,
               check_leakage: bool, threads: int | None) -> PayScore:
    if calibration not in ("sigmoid", "isotonic"):
        raise ValueError(f"The value for `calibration` must be one of ['sigmoid', 'isotonic'], but {calibration!r} was passed.")
    if not 0 < validation_share < 1:
        raise ValueError(f"`validation_share` must be in (0, 1), but {validation_share!r} was passed.")
    feature_days = float(context_value("feature_days", feature_days, context, caller="pay_score", attribute="trial_days"))
    segments = [s for s in context.segments if s in entities.columns]
    base = {"within_days": float(within_days), "feature_days": feature_days, "every_days": float(every_days)}
    listed = prioritise_pqls(entities, context=context, segments=[])
    if not context.has_conversions:
        return _no_model("There is no payments table, so nothing says who paid and no score can be fitted.",
                         base, listed)
    rows = snapshot_rows(entities, context=context, within_days=within_days, every_days=every_days)
    if rows.empty:
        return _no_model(f"No lead was on the PQL list {within_days:g} days or more before {context.as_of:%Y-%m-%d}, "
                         "so no outcome is known yet.", base, listed)
    weeks = _signup_weeks(rows["signup_at"])
    if weeks < min_cohorts:
        return _no_model(f"Only {weeks} signup week(s) have leads whose {within_days:g}-day outcome is known "
                         f"(at least {min_cohorts} are needed), so the score could not be checked on later cohorts.",
                         base, listed)
    signups = rows.drop_duplicates("entity_id")["signup_at"].sort_values()
    split_at = signups.iloc[int(len(signups) * (1 - validation_share))]
    validation = rows[rows["signup_at"] >= split_at]
    training = rows[(rows["signup_at"] < split_at) &
                    (rows["cutoff_at"] + pd.Timedelta(days=within_days) <= split_at)]
    counts = pd.DataFrame([_counts("training", training), _counts("validation", validation), _counts("final fit", rows)])
    base["split_at"] = split_at
    for part, frame, least in (("fitting", training, min_payers), ("validation", validation, min_validation_payers)):
        payers = int(frame["paid"].sum())
        if payers in (0, len(frame)):
            kind = "paid" if payers else "did not pay"
            return _no_model(f"Every one of the {len(frame)} {part} leads {kind} within {within_days:g} days, so "
                             "there is only one class to learn from.", base, listed, counts)
        if payers < least:
            return _no_model(f"Only {payers} {part} leads paid within {within_days:g} days (at least {least} are "
                             "needed), too few payers for a score to be trusted.", base, listed, counts)

    names = context.dataset.event_names()
    if check_leakage:
        for moment in sorted({split_at, rows["cutoff_at"].max()}):
            check_no_leakage(entities, context=context, at=moment, feature_days=feature_days,
                             extra_features=extra_features,
                             cutoffs=rows[rows["cutoff_at"] <= moment].drop_duplicates("entity_id"))
    features = feature_table(rows, entities=entities, context=context, feature_days=feature_days, event_names=names,
                             extra_features=extra_features)
    train_index, valid_index = training.index.to_numpy(), validation.index.to_numpy()
    X_train, levels = _design(features.loc[train_index], segments=segments)
    X_valid, _ = _design(features.loc[valid_index], segments=segments, levels=levels)
    y_train, y_valid = rows.loc[train_index, "paid"].to_numpy(), rows.loc[valid_index, "paid"].to_numpy()
    fitted, table = {}, []
    for kind in MODELS:
        model = _fit_calibrated(kind, X_train, y_train, rows.loc[train_index, "cutoff_at"], calibration=calibration,
                                random_state=random_state, logistic_c=logistic_c)
        p = model.predict_proba(X_valid)[:, 1]
        fitted[kind] = (model, p)
        table.append({"model": kind, **_scores_table(y_valid, p)})
    # Today's order as a score: the share of its snapshot's list a lead is ahead of.
    snapshot = rows.loc[valid_index, "cutoff_at"].to_numpy()
    # (the validation cohorts' leads keep their order among themselves on each snapshot's list)
    today_priority = rows.loc[valid_index].groupby("cutoff_at")["today_priority"].rank(method="first").to_numpy()
    list_size = pd.Series(snapshot).map(pd.Series(snapshot).value_counts()).to_numpy()
    today_score = 1.0 - (today_priority - 1) / list_size
    table.append({"model": "today's order", **_scores_table(y_valid, today_score), "brier": math.nan})
    models = pd.DataFrame(table)
    ap = models.set_index("model")["average_precision"]
    chosen = "gradient_boosting" if ap["gradient_boosting"] > ap["logistic_regression"] + prefer_readable_by \
        else "logistic_regression"
    models["chosen"] = models["model"] == chosen
    model, p_valid = fitted[chosen]

    # Lift: deciles of each snapshot's list (1 = the first tenth called), by the score and in
    # today's order, payers summed over the validation snapshots.
    lift = _lift_table(y_valid, _within_snapshot_deciles(p_valid, today_priority, snapshot),
                       _within_snapshot_deciles(-today_priority.astype(float), today_priority, snapshot))
    top = lift[lift["decile"] == 1].set_index("ordering")["payers"]

    # The final model: the chosen kind on every labelled row, scoring today's list at as_of. It is
    # fitted in a second thread while this one computes the importance and today's features: the
    # two share no data, so the numbers are those of one after the other.
    X_all, levels_all = _design(features, segments=segments)
    with _BackgroundThread(threads=threads) as background:
        final_fit = background.submit(_fit_calibrated, chosen, X_all, rows["paid"].to_numpy(), rows["cutoff_at"],
                                      calibration=calibration, random_state=random_state, logistic_c=logistic_c)
        from sklearn.inspection import permutation_importance
        result = permutation_importance(_importance_model(model, X_valid), X_valid, y_valid, scoring="roc_auc",
                                        n_repeats=importance_repeats, random_state=random_state)
        now = pd.DataFrame({"entity_id": listed["entity_id"], "cutoff_at": context.as_of})
        now_features = feature_table(now, entities=entities, context=context, feature_days=feature_days,
                                     event_names=names, extra_features=extra_features)
        final = final_fit.result()
    importance = pd.DataFrame({"feature": X_valid.columns, "importance_mean": result.importances_mean,
                               "importance_std": result.importances_std})
    importance = importance.sort_values(["importance_mean", "feature"], ascending=[False, True]).reset_index(drop=True)
    X_now, _ = _design(now_features, segments=segments, levels=levels_all)
    probability = final.predict_proba(X_now)[:, 1] if len(X_now) else np.array([], dtype=float)
    price, _ = _prices(entities, context=context, price_by=price_by)
    assumed = listed["entity_id"].map(price).to_numpy(dtype=float)
    scores = pd.DataFrame({"entity_id": listed["entity_id"].to_numpy(), "priority": listed["priority"].to_numpy(),
                           "pay_probability": probability, "assumed_mrr": assumed,
                           "expected_mrr": probability * assumed})
    return PayScore(
        scores=scores, reason=None, model_name=chosen, rows=counts, models=models,
        calibration=_calibration_table(y_valid, p_valid), lift=lift, importance=importance,
        top_decile_extra_payers=int(top["score"] - top["today"]),
        validation_rows=validation[["entity_id", "cutoff_at", "signup_at", "paid"]].assign(
            today_priority=today_priority.astype("int64"), pay_probability=p_valid).reset_index(drop=True),
        feature_names=tuple(X_all.columns), model=final,
        **base,
    )


def order_pql_list(table: pd.DataFrame, score: PayScore, *, by: str | None = "pay_probability") -> pd.DataFrame:
    """Today's PQL list with the score's columns, ordered by ``by``.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`pqlkit.analyses.playbook.prioritise_pqls` output (today's order in ``priority``).
    score : PayScore
        :func:`pay_score` of the same entities and context.
    by : {"pay_probability", "expected_mrr"} or None
        The new order (highest first; ties keep today's order). None, or a score without a model:
        today's order is kept.

    Returns
    -------
    pandas.DataFrame
        ``table``'s columns plus ``pay_probability`` and ``expected_mrr`` (NaN without a model),
        ``priority`` renumbered 1.. in the new order.
    """
    if by not in (None, "pay_probability", "expected_mrr"):
        raise ValueError(f"The value for `by` must be one of ['pay_probability', 'expected_mrr', None], but {by!r} was passed.")
    columns = score.scores.set_index("entity_id")[["pay_probability", "expected_mrr"]]
    out = table.join(columns, on="entity_id")
    if by is not None and score.has_model:
        out = out.sort_values([by, "priority"], ascending=[False, True], na_position="last", kind="stable")
    out = out.sort_values("priority", kind="stable") if by is None or not score.has_model else out
    out = out.reset_index(drop=True)
    out["priority"] = np.arange(1, len(out) + 1, dtype="int64")
    return out


# --- charts ---------------------------------------------------------------------------------------
