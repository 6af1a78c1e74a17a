"""The per-entity table as a pandas frame: the Python API's view of the reduction's columns.

:mod:`pqlkit.core.reduction` reduces the events to one row per entity as numpy columns, without
pandas; this module turns them into the frame that :func:`pqlkit.entity_table` and
:func:`pqlkit.reduce` return (:func:`frame_from_columns`; :func:`pqlkit.core.arrays.columns_from_frame`
goes back), and
applies the step-completion rule to frames (a table as it stood at a past moment, a definition
tried by hand).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from pqlkit.base.columns import timestamp_literal
from pqlkit.core.arrays import column_array
from pqlkit.core.context import Context
from pqlkit.core.loading import Dataset
from pqlkit.core.reduction import completion_columns, entity_columns, kth_time, reduce_columns
from pqlkit.core.spec import ActivationSpec

__all__ = ["add_completion", "entity_table", "frame_from_columns", "pql_times", "reduce"]


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
    return frame_from_columns(reduce_columns(dataset, spec))


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
    columns, dataset, spec = entity_columns(source, spec, as_of=as_of, level=level, strict=strict,
                                            events_format=events_format, engine=engine, schema=schema, sql=sql)
    return frame_from_columns(columns), Context.from_dataset(dataset, spec)


def frame_from_columns(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The per-entity columns of :mod:`pqlkit.core.reduction` as the pandas table: ``datetime64[us]``
    columns as UTC (``datetime64[us, UTC]``), object columns of text as pandas' text (missing kept)."""
    table = {}
    for name, values in columns.items():
        if values.dtype.kind == "M":
            table[name] = _utc(values, pd.RangeIndex(len(values)))
        elif values.dtype == object:
            text = pd.Series(values, dtype=object)
            table[name] = text.astype("str").where(text.notna(), None)
        else:
            table[name] = pd.Series(values)
    return pd.DataFrame(table)


def add_completion(table: pd.DataFrame, *, steps: list[str] | tuple[str, ...], steps_required: int) -> None:
    """Set, in place, what follows from the step columns (:func:`pqlkit.core.reduction.completion_columns`):
    ``steps_done``, ``activation_rate``, ``pql_at``, ``is_pql`` and ``time_to_pql_days``."""
    completed = completion_columns([column_array(table[f"{name}_at"]) for name in steps],
                                   column_array(table["signup_at"]), steps_required=steps_required)
    for name, values in completed.items():
        table[name] = _utc(values, table.index) if values.dtype.kind == "M" else pd.Series(values, index=table.index)


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
    pql_at = kth_time([column_array(entities[f"{name}_at"]) for name in steps], steps_required)
    return _utc(pql_at, entities.index).rename("pql_at")


def _utc(values: np.ndarray, index: pd.Index) -> pd.Series:
    """Naive ``datetime64[us]`` values as a UTC column on ``index``."""
    return pd.Series(values, index=index, dtype="datetime64[us]").dt.tz_localize("UTC")


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
