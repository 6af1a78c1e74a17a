"""The reduction: events in, one row per entity out (docs/metrics.md#definitions), as numpy columns.

It runs in the dataset's engine over the clean tables of a :class:`~pqlkit.core.loading.Dataset`, so
the events stay in the engine; what comes back is one row per user or account, as a mapping of
column name to numpy array (:func:`reduce_columns`). This module imports no pandas: ``pqlkit
metrics`` reads its answer from these columns. The pandas table of the Python API is built from
them in :mod:`pqlkit.core.entities`.

The columns: timestamps as ``datetime64[us]`` (naive, UTC; NaT when missing); ids and segments as
object arrays of str (None when missing); ``n_users`` and ``steps_done`` int64; rates and days
float64 (NaN when missing); ``is_pql`` bool.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from pqlkit.base.errors import SpecError
from pqlkit.base.sql import quote_identifier
from pqlkit.core.arrays import MICROSECONDS_PER_DAY, days_between, utc_instant
from pqlkit.core.loading import Dataset, load
from pqlkit.core.quality import entity_column, event_facts, fact_column
from pqlkit.core.spec import ActivationSpec, Step

__all__ = ["completion_columns", "days_after_sql", "entity_columns", "kth_time", "reduce_columns"]

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


def reduce_columns(dataset: Dataset, spec: ActivationSpec | Mapping | str | os.PathLike, *,
                   names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Reduce the events of ``dataset`` to one row per entity, as docs/metrics.md#definitions defines.

    Parameters
    ----------
    dataset : Dataset
        A loaded dataset (:func:`pqlkit.load`); its level must be the spec's level.
    spec : ActivationSpec, dict or path
        The activation steps and threshold: the spec, its dict, or the path of its YAML file
        (:meth:`ActivationSpec.coerce`).
    names : sequence of str, optional
        Only these columns (default: every one). The command line's summary reads no ids or
        segments, and fetching 223,214 rows of them cost a quarter of a second at 10M events.

    Returns
    -------
    dict of str to numpy.ndarray
        The columns of :func:`pqlkit.reduce` (or ``names`` among them), in its order and its row order
        (``signup_at`` then ``entity_id``), typed as this module's docstring says.
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
    query = _entities_sql(spec, dataset)
    if names is not None:  # the times the completion rule and the age need, and the asked columns
        wanted = ["signup_at", *(f"{step}_at" for step in spec.step_names), "paid_at", "last_seen_at"]
        wanted += [name for name in names if name in ("entity_id", "account_id", "n_users", *segments)]
        query = f"SELECT {', '.join(quote_identifier(name) for name in dict.fromkeys(wanted))} FROM ({query}) AS t"
    columns = _finish(engine.arrays(query), spec, dataset)
    return columns if names is None else {name: columns[name] for name in names if name in columns}


def _entities_sql(spec: ActivationSpec, dataset: Dataset) -> str:
    """SQL of the per-entity rows: the entity, its step completion times, ``paid_at`` and ``last_seen_at``."""
    engine = dataset.engine
    paid = "SELECT entity_id, min(paid_at) AS paid_at FROM conversions WHERE entity_id IS NOT NULL GROUP BY 1"
    if spec.level == "user":
        return _user_level_sql(spec, engine, dataset.event_facts, paid)
    steps_sql = " UNION ALL ".join(f"({_step_sql(i, step, spec, engine, dataset.event_facts)})" for i, step in enumerate(spec.steps))
    pivot = "".join(
        f", max(step_at) FILTER (WHERE step = {i}) AS {quote_identifier(step.name + '_at')}" for i, step in enumerate(spec.steps)
    )
    step_columns = "".join(f", s.{quote_identifier(step.name + '_at')}" for step in spec.steps)
    return f"""
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


def _finish(columns: dict[str, np.ndarray], spec: ActivationSpec, dataset: Dataset) -> dict[str, np.ndarray]:
    """Add what follows from the engine's columns: steps done, PQL, time to PQL, age; in the table's order."""
    step_columns = [f"{name}_at" for name in spec.step_names]
    for column in ["signup_at", *step_columns, "paid_at", "last_seen_at"]:
        columns[column] = columns[column].astype("datetime64[us]")
    for column in ["entity_id", "account_id", *dataset.segments]:
        if column in columns:
            columns[column] = np.array([None if value is None else str(value) for value in columns[column]], dtype=object)
    if "n_users" in columns:
        columns["n_users"] = columns["n_users"].astype("int64")
    columns.update(completion_columns([columns[c] for c in step_columns], columns["signup_at"],
                                      steps_required=spec.steps_required))
    columns["age_days"] = days_between(utc_instant(dataset.as_of_datetime), columns["signup_at"])
    order = [
        "entity_id", "signup_at", "account_id", "n_users", *dataset.segments,
        *step_columns, "steps_done", "activation_rate", "is_pql", "pql_at", "time_to_pql_days",
        "paid_at", "last_seen_at", "age_days",
    ]
    return {name: columns[name] for name in order if name in columns}


def completion_columns(step_times: Sequence[np.ndarray], signup_at: np.ndarray, *,
                       steps_required: int) -> dict[str, np.ndarray]:
    """What follows from the step completion times: the one rule for the reduction, a table as seen at a
    past moment, and a definition tried by hand.

    Parameters
    ----------
    step_times : sequence of numpy.ndarray
        One ``datetime64[us]`` array per step (UTC, NaT when not done), aligned.
    signup_at : numpy.ndarray
        ``datetime64[us]``, aligned.
    steps_required : int
        The k of "k of n steps" (1 <= k <= n).

    Returns
    -------
    dict
        ``steps_done`` (int64), ``activation_rate`` (steps done / steps), ``pql_at`` (the k-th earliest
        completion time; NaT where fewer than k steps are done), ``is_pql`` (bool) and
        ``time_to_pql_days`` (float, NaN for non-PQLs).

    Examples
    --------
    Steps done on day 3 and day 1, a third not done: with k = 2, ``pql_at`` is day 3; with k = 3, NaT.
    """
    steps_done = np.sum([~np.isnat(times) for times in step_times], axis=0, dtype="int64")
    pql_at = kth_time(step_times, steps_required)
    return {
        "steps_done": steps_done,
        "activation_rate": steps_done / len(step_times),
        "pql_at": pql_at,
        "is_pql": ~np.isnat(pql_at),
        "time_to_pql_days": days_between(pql_at, signup_at),
    }


def kth_time(step_times: Sequence[np.ndarray], k: int) -> np.ndarray:
    """Row by row, the k-th earliest of the step completion times (``datetime64[us]``): ``pql_at`` for
    "k of n steps"; NaT where fewer than k are done (NaT sorts last)."""
    times = np.column_stack([np.asarray(t, dtype="datetime64[us]") for t in step_times])
    return np.sort(times, axis=1)[:, k - 1]


def entity_columns(
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
    names: Sequence[str] | None = None,
) -> tuple[dict[str, np.ndarray], Dataset, ActivationSpec]:
    """Load, check and reduce in one call, without pandas: the work of :func:`pqlkit.entity_table`.

    Parameters
    ----------
    source, spec, as_of, level, strict, events_format, engine, schema, sql
        As :func:`pqlkit.entity_table`.
    names : sequence of str, optional
        Only these columns (:func:`reduce_columns`).

    Returns
    -------
    (dict, Dataset, ActivationSpec)
        The per-entity columns (:func:`reduce_columns`), the loaded dataset, and the spec at the level used.
    """
    spec = ActivationSpec.coerce(spec).with_level(level)
    dataset = load(source, level=spec.level, as_of=as_of, strict=strict, events_format=events_format, engine=engine,
                   schema=schema, sql=sql, step_events=step_events(spec), active_days=spec.active_days)
    used = [event for event, rows in dataset.step_event_rows().items() if rows.get("used")]
    known = used if set(used) >= set(spec.step_events) else dataset.event_names()  # the names are for the warnings' hints
    spec.check_events(known, dropped=dataset.dropped_event_reasons(spec.step_events))
    return reduce_columns(dataset, spec, names=names), dataset, spec
