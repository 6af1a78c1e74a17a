"""The reduction: events in, one row per entity out (docs/metrics.md#definitions).

It runs in DuckDB over the clean tables of a :class:`~pqlkit.core.loading.Dataset`, so the events stay
out of pandas; only the per-entity table (one row per user or account) comes back as a pandas frame.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from pqlkit.base.columns import timestamp_literal
from pqlkit.base.errors import SpecError
from pqlkit.base.sql import quote_identifier
from pqlkit.core.context import Context
from pqlkit.core.loading import Dataset, load
from pqlkit.core.quality import entity_column, event_facts, fact_column
from pqlkit.core.spec import ActivationSpec, Step

__all__ = ["add_completion", "entity_table", "pql_times", "reduce"]

_RESERVED_COLUMNS = (
    "entity_id",
    "signup_at",
    "account_id",
    "n_users",
    "steps_done",
    "activation_rate",
    "is_pql",
    "pql_at",
    "time_to_pql_days",
    "paid_at",
    "last_seen_at",
    "age_days",
)
#: Microseconds in a day: windows in days become exact microsecond intervals in SQL.
MICROSECONDS_PER_DAY = 86_400_000_000


def days_after_sql(moment: str, days: float) -> str:
    """SQL for the instant ``days`` days after the SQL expression ``moment``, to the microsecond.

    Returns
    -------
    str
        ``"{moment} + INTERVAL {n} MICROSECOND"``.

    Examples
    --------
    >>> days_after_sql("signup_at", 1.5)
    'signup_at + INTERVAL 129600000000 MICROSECOND'
    """
    return f"{moment} + INTERVAL {round(float(days) * MICROSECONDS_PER_DAY)} MICROSECOND"


def _within_window(moment: str, days: float | None) -> str:
    """SQL: ``moment`` is at most ``days`` after the entity's signup (``q.signup_at``)."""
    if days is None:
        return "TRUE"
    return f"{moment} <= {days_after_sql('q.signup_at', days)}"


def step_events(spec: ActivationSpec) -> dict[str, int]:
    """The events the spec's steps count, each with the most earliest times a step needs of it.

    A step with ``min_users`` needs each user's earliest time (1); with ``min_count: n``, the n
    earliest of the entity, which are among the n earliest of each of its users.
    """
    needed: dict[str, int] = {}
    for step in spec.steps:
        if step.event is not None:
            needed[step.event] = max(needed.get(step.event, 1), step.min_count)
    return needed


def _step_sql(index: int, step: Step, spec: ActivationSpec, engine, facts: Mapping[str, int]) -> str:
    """SQL giving ``(entity_id, step, step_at)`` for the entities that completed ``step``.

    It reads ``event_facts`` (per user, each step event's earliest times, see
    :func:`pqlkit.core.quality.event_facts`; ``facts`` are the step events it covers), never the
    events. Used events are never before their user's signup, so never before the entity's; the
    window is checked on the completing time, since the qualifying events are the earliest ones,
    in order.
    """
    window = spec.window_for(step)
    if step.event is None:
        # min_users only: the k-th user's signup completes it, within the window after the account's signup.
        return f"""
            SELECT entity_id, {index} AS step, user_signup_at AS step_at FROM (
                SELECT u.entity_id, u.signup_at AS user_signup_at, e.signup_at,
                    row_number() OVER (PARTITION BY u.entity_id ORDER BY u.signup_at, u.user_id) AS n
                FROM users AS u JOIN entities AS e ON u.entity_id = e.entity_id
            ) AS q
            WHERE n = {step.min_users} AND {_within_window('q.user_signup_at', window)}
        """
    first_times = f"f.{fact_column(facts, step.event)}"
    used = f"event_facts AS f WHERE f._reason IS NULL AND {first_times} IS NOT NULL"
    if spec.level == "user":  # one used row of facts per entity: its own earliest times
        counted = f"SELECT f.entity_id, {engine.nth(first_times, step.min_count)} AS step_at FROM {used}"
    else:  # the k-th event of an account is among its users' k earliest
        counted = f"""
            SELECT f.entity_id, {engine.nth(f'list_sort(flatten(list({first_times})))', step.min_count)} AS step_at
            FROM {used} GROUP BY f.entity_id
        """
    by_count = f"""
        SELECT c.entity_id, c.step_at FROM ({counted}) AS c JOIN entities AS q USING (entity_id)
        WHERE c.step_at IS NOT NULL AND {_within_window('c.step_at', window)}
    """
    if step.min_users is None:
        return f"SELECT entity_id, {index} AS step, step_at FROM ({by_count}) AS counted"
    by_users = f"""
        SELECT entity_id, first_ts AS step_at FROM (
            SELECT entity_id, first_ts, row_number() OVER (PARTITION BY entity_id ORDER BY first_ts, user_id) AS n
            FROM (
                SELECT f.entity_id, f.user_id, {engine.nth(first_times, 1)} AS first_ts FROM {used}
            ) AS firsts JOIN entities AS q USING (entity_id)
            WHERE first_ts IS NOT NULL AND {_within_window('first_ts', window)}
        ) AS numbered_users WHERE n = {step.min_users}
    """
    return f"""
        SELECT c.entity_id, {index} AS step, greatest(c.step_at, k.step_at) AS step_at
        FROM ({by_count}) AS c JOIN ({by_users}) AS k USING (entity_id)
    """


def _user_level_sql(spec: ActivationSpec, engine, facts: Mapping[str, int], paid: str) -> str:
    """SQL of the per-entity rows at user level, in one join: a user has one row of used facts, so each
    step's completing time is read off it (its ``min_count``-th earliest time of the step's event)
    and its window checked on that time, as :func:`_step_sql` does; ``last_seen_at`` is the row's
    latest time."""
    steps = []
    for step in spec.steps:
        at = engine.nth(f"f.{fact_column(facts, step.event)}", step.min_count)
        steps.append(f", CASE WHEN {_within_window(at, spec.window_for(step))} THEN {at} END "
                     f"AS {quote_identifier(step.name + '_at')}")
    return f"""
        SELECT q.*{''.join(steps)}, p.paid_at, f.latest AS last_seen_at
        FROM entities AS q
        LEFT JOIN (SELECT * FROM event_facts WHERE _reason IS NULL) AS f USING (entity_id)
        LEFT JOIN ({paid}) AS p USING (entity_id)
        ORDER BY q.signup_at, q.entity_id
    """


def _check_names(spec: ActivationSpec, segments: list[str]) -> None:
    taken = set(_RESERVED_COLUMNS) | set(segments)
    for index, name in enumerate(spec.step_names):
        if f"{name}_at" in taken:
            raise SpecError(
                f"{spec.source}: step name {name!r} would make the column {name + '_at'!r}, which is already "
                "used; rename the step",
                key=f"steps[{index}].name",
            )


def reduce(dataset: Dataset, spec: ActivationSpec | Mapping | str | os.PathLike) -> pd.DataFrame:
    """Reduce the events of ``dataset`` to one row per entity, as docs/metrics.md#definitions defines.

    Parameters
    ----------
    dataset : Dataset
        A loaded dataset (:func:`pqlkit.load`); its level must be the spec's level.
    spec : ActivationSpec, dict or path
        The activation steps and threshold: the spec, its dict, or the path of its YAML file
        (:meth:`ActivationSpec.coerce`).

    Returns
    -------
    pandas.DataFrame
        One row per entity in scope, sorted by ``signup_at`` then ``entity_id``, with columns:

        - ``entity_id`` (str): the user id or account id.
        - ``signup_at`` (datetime, UTC): the user's signup, or an account's earliest user's.
        - ``account_id`` (str, user level), ``n_users`` (int, account level).
        - the users table's segment columns (account level: the earliest user's values).
        - ``{step}_at`` (datetime, UTC) for each step: when it was completed, NaT if not.
        - ``steps_done`` (int), ``activation_rate`` (float, steps done / steps).
        - ``is_pql`` (bool), ``pql_at`` (datetime), ``time_to_pql_days`` (float).
        - ``paid_at`` (datetime): the earliest payment at or before ``as_of``.
        - ``last_seen_at`` (datetime): the latest used event of any name.
        - ``age_days`` (float): ``as_of - signup_at`` in days.

        The table carries no state: the metric functions take the :class:`~pqlkit.Context`
        (``pk.Context.from_dataset(dataset, spec)``, or the one :func:`entity_table` returns).

    Examples
    --------
    >>> ds = pk.load("data/sample")                                   # doctest: +SKIP
    >>> spec = pk.ActivationSpec.from_yaml("data/activation.yaml")    # doctest: +SKIP
    >>> pk.reduce(ds, spec)[["entity_id", "steps_done", "pql_at"]]     # doctest: +SKIP
    """
    spec = ActivationSpec.coerce(spec)
    if dataset.level != spec.level:
        spec = spec.with_level(dataset.level)
    _check_names(spec, dataset.segments)
    engine = dataset.engine
    segments = dataset.segments
    if spec.level == "user":
        segment_sql = "".join(f", {quote_identifier(name)}" for name in segments)
        engine.table("entities", f"SELECT entity_id, signup_at, account_id{segment_sql} FROM users")
    else:
        segment_sql = "".join(
            f", arg_min({quote_identifier(name)}, (signup_at, user_id)) AS {quote_identifier(name)}" for name in segments
        )
        engine.table(
            "entities",
            f"SELECT entity_id, min(signup_at) AS signup_at, count(*) AS n_users{segment_sql} FROM users GROUP BY entity_id",
        )
    # The steps read the per-user facts of the tagging pass; a dataset loaded without this spec's
    # step events (pk.load, then reduce) gets them in one more pass.
    needed = step_events(spec)
    have = dataset.event_facts
    if have is None or any(have.get(name, 0) < count for name, count in needed.items()):
        dataset.event_facts = event_facts(engine, step_events=needed, entity=entity_column(spec.level == "account"))
    paid = "SELECT entity_id, min(paid_at) AS paid_at FROM conversions WHERE entity_id IS NOT NULL GROUP BY 1"
    if spec.level == "user":
        query = _user_level_sql(spec, engine, dataset.event_facts, paid)
    else:
        steps_sql = " UNION ALL ".join(f"({_step_sql(i, step, spec, engine, dataset.event_facts)})" for i, step in enumerate(spec.steps))
        pivot = "".join(
            f", max(step_at) FILTER (WHERE step = {i}) AS {quote_identifier(step.name + '_at')}" for i, step in enumerate(spec.steps)
        )
        step_columns = "".join(f", s.{quote_identifier(step.name + '_at')}" for step in spec.steps)
        query = f"""
            WITH step_times AS ({steps_sql}),
            wide AS (SELECT entity_id{pivot} FROM step_times GROUP BY entity_id),
            seen AS (SELECT entity_id, max(latest) AS last_seen_at FROM event_facts WHERE _reason IS NULL GROUP BY entity_id),
            paid AS ({paid})
            SELECT e.*{step_columns}, p.paid_at, seen.last_seen_at
            FROM entities AS e
            LEFT JOIN wide AS s USING (entity_id)
            LEFT JOIN paid AS p USING (entity_id)
            LEFT JOIN seen USING (entity_id)
            ORDER BY e.signup_at, e.entity_id
        """
    table = engine.frame(query)
    return _finish(table, spec, dataset)


def _finish(table: pd.DataFrame, spec: ActivationSpec, dataset: Dataset) -> pd.DataFrame:
    """Add the pandas-side columns: steps done, PQL, time to PQL, age."""
    as_of = dataset.as_of
    step_columns = [f"{name}_at" for name in spec.step_names]
    for column in ["signup_at", *step_columns, "paid_at", "last_seen_at"]:
        table[column] = pd.to_datetime(table[column], utc=True).astype("datetime64[us, UTC]")
    for column in ["entity_id", "account_id", *dataset.segments]:
        if column in table:
            table[column] = table[column].astype("str").where(table[column].notna(), None)
    if "n_users" in table:
        table["n_users"] = table["n_users"].astype("int64")
    add_completion(table, steps=spec.step_names, steps_required=spec.steps_required)
    table["age_days"] = (as_of - table["signup_at"]).dt.total_seconds() / 86400
    order = [
        "entity_id", "signup_at", *[c for c in ("account_id", "n_users") if c in table], *dataset.segments,
        *step_columns, "steps_done", "activation_rate", "is_pql", "pql_at", "time_to_pql_days",
        "paid_at", "last_seen_at", "age_days",
    ]
    return table[order].reset_index(drop=True)


def add_completion(table: pd.DataFrame, *, steps: list[str] | tuple[str, ...], steps_required: int) -> None:
    """Set, in place, what follows from the step columns: ``steps_done``, ``activation_rate``, ``pql_at``,
    ``is_pql`` and ``time_to_pql_days`` (the one rule for the reduction, a table as seen at a past
    moment, and a definition tried by hand)."""
    table["steps_done"] = table[[f"{name}_at" for name in steps]].notna().sum(axis=1).astype("int64")
    table["activation_rate"] = table["steps_done"] / len(steps)
    table["pql_at"] = pql_times(table, steps=steps, steps_required=steps_required)
    table["is_pql"] = table["pql_at"].notna()
    table["time_to_pql_days"] = (table["pql_at"] - table["signup_at"]).dt.total_seconds() / 86400


def pql_times(entities: pd.DataFrame, *, steps: list[str] | tuple[str, ...], steps_required: int) -> pd.Series:
    """When each entity became a PQL: the ``steps_required``-th earliest of its step completion times.

    Parameters
    ----------
    entities : pandas.DataFrame
        With a ``{step}_at`` column (datetime, UTC) per step.
    steps : sequence of str
        The step names.
    steps_required : int
        The k of "k of n steps" (1 <= k <= n).

    Returns
    -------
    pandas.Series
        ``pql_at`` (datetime, UTC) on the table's index; NaT where fewer than k steps are done.

    Examples
    --------
    Steps done on day 3 and day 1, a third not done: with k = 2, ``pql_at`` is day 3; with k = 3, NaT.
    """
    columns = [f"{name}_at" for name in steps]
    times = entities[columns].apply(lambda column: column.dt.tz_localize(None)).to_numpy(dtype="datetime64[us]")
    # NaT sorts last, so the k-th smallest is NaT exactly when fewer than k steps are done.
    kth = np.sort(times, axis=1)[:, steps_required - 1] if len(entities) else []
    return pd.Series(kth, index=entities.index, dtype="datetime64[us]").dt.tz_localize("UTC").rename("pql_at")


def entity_table(
    source,
    spec: ActivationSpec | Mapping | str | os.PathLike,
    *,
    as_of=None,
    level: str | None = None,
    strict: bool = False,
    events_format: str | None = None,
    engine: str | object | None = None,
    schema: str | None = None,
    sql: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, Context]:
    """Load, check and reduce in one call.

    Parameters
    ----------
    source : path or mapping of frames
        See :func:`pqlkit.load`.
    spec : ActivationSpec, dict or path
        The spec, its dict, or the path of its YAML file (:meth:`ActivationSpec.coerce`).
    as_of, strict, events_format, engine, schema, sql
        See :func:`pqlkit.load` (``schema`` and ``sql`` for a database source).
    level : {"user", "account"}, optional
        Overrides the spec's level.

    Returns
    -------
    (pandas.DataFrame, Context)
        The per-entity table (columns as :func:`reduce`) and its :class:`~pqlkit.Context`
        (``as_of``, the spec at the level used, the segments, and the dataset for its ledger and SQL):
        pass it as ``context=`` to the metric functions.

    Examples
    --------
    >>> entities, ctx = pk.entity_table("data/sample", "data/activation.yaml")   # doctest: +SKIP
    >>> pk.current_pqls(entities, context=ctx)                                   # doctest: +SKIP
    """
    spec = ActivationSpec.coerce(spec).with_level(level)
    dataset = load(source, level=spec.level, as_of=as_of, strict=strict, events_format=events_format, engine=engine,
                   schema=schema, sql=sql, step_events=step_events(spec), active_days=spec.active_days)
    used = [event for event, rows in dataset.step_event_rows().items() if rows.get("used")]
    names = used if set(used) >= set(spec.step_events) else dataset.event_names()  # the names are for the warnings' hints
    spec.check_events(names, dropped=dataset.dropped_event_reasons(spec.step_events))
    return reduce(dataset, spec), Context.from_dataset(dataset, spec)


def as_seen_at(entities: pd.DataFrame, moment: pd.Timestamp, *, context: Context,
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
    add_completion(table, steps=steps, steps_required=context.steps_required)
    table["paid_at"] = table["paid_at"].where(table["paid_at"] <= moment)
    table["last_seen_at"] = table["entity_id"].map(last_seen_at).astype(table["signup_at"].dtype)
    table["age_days"] = (moment - table["signup_at"]).dt.total_seconds() / 86400
    if "n_users" in table:
        users = context.dataset.sql(
            f"SELECT entity_id, count(*) AS n FROM users WHERE signup_at <= {timestamp_literal(moment)} GROUP BY 1"
        )
        table["n_users"] = table["entity_id"].map(users.set_index("entity_id")["n"]).fillna(1).astype("int64")
    return table
