"""Exploring what activation should mean, before fixing it in a spec (notebook 01).

The event-level work (the event catalogue, the ranking of candidate steps) is SQL that runs in the
dataset's DuckDB database, so the events never come into pandas; only one row per event (or per
entity) comes back. The rest works on the per-entity table from :func:`pqlkit.entity_table` and
its :class:`~pqlkit.Context`.

Choices (also in the docstrings):

- A candidate step is "the entity did event E at least k times within N days of signup, before
  it paid". It is judged on the entities observed for the whole window (``age_days >= N``),
  against whether they paid at any time up to ``as_of``. Entities too young to have had the whole
  window are left out, so a young cohort does not make every event look useless; events at or
  after an entity's first payment are not counted, since what a customer does once paying cannot
  announce the payment.
- Each candidate's lift has its 95 % interval (Katz's log interval for a ratio of two
  proportions) and the p-value of Fisher's exact test, corrected across every candidate tested
  (Benjamini–Hochberg); a candidate is a separator only when it survives the correction.
- Completion curves use mature denominators: the share at day d is taken among entities at least
  d days old, so the curve is not pulled down by people who signed up yesterday.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from pqlkit.base.columns import timestamp_literal
from pqlkit.base.errors import PqlkitError, PqlkitWarning
from pqlkit.base.paths import shorten_paths
from pqlkit.core.asof import parse_as_of
from pqlkit.core.context import AsOf, Context, context_steps, context_value
from pqlkit.core.loading import Dataset
from pqlkit.core.entities import entity_table, pql_times
from pqlkit.core.arrays import MICROSECONDS_PER_DAY
from pqlkit.core.reduction import days_after_sql
from pqlkit.core.spec import ActivationSpec
from pqlkit.metrics import current_pqls, pql_rate, pql_to_paid, summary, wilson_interval
from pqlkit.stats.lift import benjamini_hochberg, lift_tests

__all__ = [
    "event_catalogue",
    "rank_candidate_steps",
    "completion_curves",
    "compare_thresholds",
    "compare_levels",
]

# --- SQL helpers -------------------------------------------------------------------------------


_ENTITY_SIGNUP = "SELECT entity_id, min(signup_at) AS signup_at FROM users GROUP BY entity_id"


# --- the event catalogue -----------------------------------------------------------------------


def event_catalogue(dataset: Dataset) -> pd.DataFrame:
    """Every event name: how often it happens, how many entities do it, how soon after signup.

    Runs in the dataset's engine (DuckDB) over its clean ``events`` table; one row per event name
    comes back.

    Parameters
    ----------
    dataset : Dataset
        A loaded dataset (:func:`pqlkit.load` or the second value of :func:`pqlkit.entity_table`).

    Returns
    -------
    pandas.DataFrame
        One row per event name, most widespread first (then by name): ``event``, ``events`` (rows),
        ``entities`` (distinct entities doing it), ``share_of_entities`` (of the entities in
        scope), ``events_per_entity`` (mean among the entities doing it),
        ``median_days_to_first`` (median days from the entity's signup to its first such event).

    Examples
    --------
    >>> event_catalogue(dataset).head(3)        # doctest: +SKIP
    """
    total = int(dataset.sql("SELECT count(DISTINCT entity_id) AS n FROM users")["n"].iloc[0])
    table = dataset.sql(
        f"""
        WITH ent AS ({_ENTITY_SIGNUP}),
        per_entity AS (
            SELECT ev.entity_id, ev.event, count(*) AS n, min(ev.ts) AS first_ts
            FROM events AS ev
            GROUP BY ev.entity_id, ev.event
        )
        SELECT p.event,
            CAST(sum(p.n) AS BIGINT) AS events,
            CAST(count(*) AS BIGINT) AS entities,
            median(CAST(epoch_us(p.first_ts) - epoch_us(e.signup_at) AS DOUBLE) / {MICROSECONDS_PER_DAY}) AS median_days_to_first
        FROM per_entity AS p JOIN ent AS e ON p.entity_id = e.entity_id
        GROUP BY p.event
        ORDER BY entities DESC, p.event
        """
    )
    table["events"] = table["events"].astype("int64")
    table["entities"] = table["entities"].astype("int64")
    table["share_of_entities"] = table["entities"] / total if total else np.nan
    table["events_per_entity"] = table["events"] / table["entities"]
    table["event"] = table["event"].astype("str")
    return table[["event", "events", "entities", "share_of_entities", "events_per_entity",
                  "median_days_to_first"]].reset_index(drop=True)


# --- candidate steps ---------------------------------------------------------------------------


def rank_candidate_steps(
    dataset: Dataset,
    *,
    spec: ActivationSpec | None,
    min_counts: Sequence[int] = (1, 3),
    within_days: float = 14,
    min_doers: int = 10,
    events: Iterable[str] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Rank events as candidate activation steps by how well doing them separates payers.

    For each event E and each k in ``min_counts``, an entity "does the step" when it has at least
    k E events within ``within_days`` days of its signup and before its first payment (events at
    or after the payment are the outcome's consequences, not its signs). Only entities observed for
    the whole window (``age_days >= within_days``) are judged; the outcome is having paid by
    ``as_of``. The counting runs in the dataset's engine (DuckDB); only one row per (event, k)
    comes back.

    Each row is tested: Fisher's exact test (two-sided, ``scipy.stats.fisher_exact``) of the 2×2
    table doers/others × paid/not, its p-value corrected across every row that could be tested
    (both groups non-empty, some payer) by Benjamini–Hochberg
    (``statsmodels.stats.multitest.multipletests``), and the lift's 95 % interval by Katz's log
    method (``statsmodels.stats.proportion.confint_proportions_2indep(method="log",
    compare="ratio")``), NaN when either group has no payer.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (``context.dataset``).
    spec : ActivationSpec or None
        The spec whose step events are flagged ``in_spec`` (``context.spec``); None flags none.
    min_counts : sequence of int
        The k values to try (at least k events).
    within_days : float
        The window after signup, in days.
    min_doers : int
        Rows with fewer entities doing the step than this are marked ``enough_data = False``
        and ranked last: a lift from a handful of entities is noise.
    events : iterable of str, optional
        Restrict to these event names.
    alpha : float
        The false discovery rate of the Benjamini–Hochberg correction: a row ``separates`` when its
        adjusted p-value is below it (5 %, the usual level).

    Returns
    -------
    pandas.DataFrame
        One row per (event, k), best first: ``event``, ``min_count``, ``within_days``,
        ``in_spec`` (the event is a step of ``spec``), ``entities`` (judged),
        ``doers``, ``coverage`` (doers / entities), ``paid_doers``,
        ``conversion_doers`` (= precision, paid_doers / doers), ``conversion_others`` (paid share of
        the entities not doing it), ``lift`` (conversion_doers / conversion_others; inf when the
        others never pay), ``lift_ci_low``, ``lift_ci_high`` (95 % Katz interval), ``p_value``
        (Fisher's exact, two-sided), ``p_adjusted`` (Benjamini–Hochberg across the rows tested),
        ``recall`` (paid_doers / all payers judged), ``enough_data``, ``separates``
        (``enough_data``, lift above 1 and ``p_adjusted < alpha``).
        Sorted by ``enough_data``, then ``lift`` (high first, NaN last), then ``coverage``, event
        and k. Rates, intervals and p-values are NaN where they cannot be measured.

    Examples
    --------
    A login that everyone does has lift 1; an invitation done mostly by future payers has lift > 1.

    >>> rank_candidate_steps(ctx.dataset, spec=ctx.spec, min_counts=(1,), within_days=7)   # doctest: +SKIP
    """
    ks = sorted({int(k) for k in min_counts})
    if not 0 < alpha < 1:
        raise ValueError(f"The value for `alpha` must be between 0 and 1, but {alpha!r} was passed.")
    if not ks or ks[0] < 1:
        raise ValueError(f"The value for `min_counts` must be whole numbers >= 1, but {list(min_counts)!r} was passed.")
    if within_days is None or within_days <= 0:
        raise ValueError(f"The value for `within_days` must be a number > 0, but {within_days!r} was passed.")
    spec_events = {step.event for step in spec.steps if step.event} if spec is not None else set()
    restrict = ""
    if events is not None:
        names = ", ".join("'" + str(name).replace("'", "''") + "'" for name in events)
        restrict = f"AND ev.event IN ({names})" if names else "AND FALSE"
    # Three stages: the entities judged (observed for the whole window) and whether they paid; the
    # doers of each (event, k) among them, counted in SQL; then the rates and the lift in pandas.
    judged = _judged_sql(dataset, within_days=within_days)
    totals = dataset.sql(
        f"SELECT count(*) AS n, sum(CASE WHEN paid THEN 1 ELSE 0 END) AS paid FROM ({judged}) AS judged"
    ).iloc[0]
    n_judged = int(totals["n"])
    n_paid = 0 if pd.isna(totals["paid"]) else int(totals["paid"])
    table = _doers(dataset, judged, ks=ks, within_days=within_days, restrict=restrict)
    table["within_days"] = float(within_days)
    table["in_spec"] = table["event"].isin(spec_events)
    table = _lift(table, n_judged=n_judged, n_paid=n_paid, min_doers=min_doers)
    table = _separation(table, n_judged=n_judged, n_paid=n_paid, alpha=alpha)
    table = table.sort_values(
        ["enough_data", "lift", "coverage", "event", "min_count"],
        ascending=[False, False, False, True, True],
        na_position="last",
    )
    columns = ["event", "min_count", "within_days", "in_spec", "entities", "doers", "coverage", "paid_doers",
               "conversion_doers", "conversion_others", "lift", "lift_ci_low", "lift_ci_high", "p_value",
               "p_adjusted", "recall", "enough_data", "separates"]
    return table[columns].reset_index(drop=True)


def _judged_sql(dataset: Dataset, *, within_days: float) -> str:
    """The entities observed for the whole window after signup, with whether and when they first paid (a query)."""
    return f"""
        WITH ent AS ({_ENTITY_SIGNUP}),
        paid AS (SELECT entity_id, min(paid_at) AS paid_at FROM conversions WHERE entity_id IS NOT NULL GROUP BY entity_id)
        SELECT ent.entity_id, ent.signup_at, (paid.paid_at IS NOT NULL) AS paid, paid.paid_at
        FROM ent LEFT JOIN paid ON ent.entity_id = paid.entity_id
        WHERE {days_after_sql('ent.signup_at', within_days)} <= {timestamp_literal(dataset.as_of)}
    """


def _doers(dataset: Dataset, judged: str, *, ks: list[int], within_days: float, restrict: str) -> pd.DataFrame:
    """Per (event, k): the judged entities with at least k such events in the window before their payment,
    and how many paid."""
    values = ", ".join(f"({k})" for k in ks)
    table = dataset.sql(
        f"""
        WITH judged AS ({judged}),
        counts AS (
            SELECT ev.entity_id, ev.event, count(*) AS n
            FROM events AS ev JOIN judged AS j ON ev.entity_id = j.entity_id
            WHERE ev.ts <= {days_after_sql('j.signup_at', within_days)}
                AND (j.paid_at IS NULL OR ev.ts < j.paid_at) {restrict}
            GROUP BY ev.entity_id, ev.event
        ),
        ks AS (SELECT * FROM (VALUES {values}) AS v(min_count))
        SELECT c.event, ks.min_count,
            CAST(sum(CASE WHEN c.n >= ks.min_count THEN 1 ELSE 0 END) AS BIGINT) AS doers,
            CAST(sum(CASE WHEN c.n >= ks.min_count AND j.paid THEN 1 ELSE 0 END) AS BIGINT) AS paid_doers
        FROM counts AS c JOIN judged AS j ON c.entity_id = j.entity_id CROSS JOIN ks
        GROUP BY c.event, ks.min_count
        """
    )
    table["event"] = table["event"].astype("str")
    table["min_count"] = table["min_count"].astype("int64")
    table["doers"] = table["doers"].astype("int64")
    table["paid_doers"] = table["paid_doers"].astype("int64")
    return table


def _lift(table: pd.DataFrame, *, n_judged: int, n_paid: int, min_doers: int) -> pd.DataFrame:
    """``table`` with the coverage, the two conversions, the lift, the recall and ``enough_data`` added."""
    table["entities"] = n_judged
    others = n_judged - table["doers"]
    paid_others = n_paid - table["paid_doers"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["coverage"] = table["doers"] / n_judged if n_judged else np.nan
        table["conversion_doers"] = np.where(table["doers"] > 0, table["paid_doers"] / table["doers"].clip(lower=1), np.nan)
        table["conversion_others"] = np.where(others > 0, paid_others / others.clip(lower=1), np.nan)
        lift = table["conversion_doers"] / table["conversion_others"]
        lift = lift.where(~((table["conversion_others"] == 0) & (table["conversion_doers"] == 0)), np.nan)
        table["lift"] = lift.where(table["conversion_others"].notna() & table["conversion_doers"].notna(), np.nan)
        table["recall"] = table["paid_doers"] / n_paid if n_paid else np.nan
    table["enough_data"] = (table["doers"] >= min_doers) & (others >= min_doers) & (n_paid > 0)
    return table


def _separation(table: pd.DataFrame, *, n_judged: int, n_paid: int, alpha: float) -> pd.DataFrame:
    """``table`` with the lift's 95 % Katz interval, Fisher's p-value, its Benjamini–Hochberg
    adjustment across the rows tested, and ``separates``."""
    tests = lift_tests(table["doers"].to_numpy(), table["paid_doers"].to_numpy(), n_judged, n_paid)
    table["lift_ci_low"], table["lift_ci_high"] = tests["ci_low"], tests["ci_high"]
    table["p_value"] = tests["p_value"]
    table["p_adjusted"] = benjamini_hochberg(tests["p_value"], alpha=alpha)
    table["separates"] = table["enough_data"] & (table["lift"] > 1) & (table["p_adjusted"] < alpha)
    return table


# --- completion curves -------------------------------------------------------------------------


def completion_curves(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    days: Sequence[float] | None = None,
    steps: Sequence[str] | None = None,
    include_pql: bool = True,
) -> pd.DataFrame:
    """Share of entities that completed each step within d days of signup, for each day d.

    Works on the step completion times of the per-entity table (so ``min_count``, ``min_users``
    and windows count exactly as in the spec). The share at day d is taken among the entities at
    least d days old (``mature``), so recent signups do not pull the curve down.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context, optional
        The analysis context: the step names and the default ``days``.
    days : sequence of float, optional
        Days since signup to evaluate; default 0, 1, ..., 2 × the context's ``trial_days``.
    steps : sequence of str, optional
        The step names (default: the context's).
    include_pql : bool
        Add a curve named ``"PQL"`` for reaching the PQL threshold.

    Returns
    -------
    pandas.DataFrame
        One row per (step, day), steps in spec order: ``step``, ``day``, ``mature``,
        ``completed`` (mature entities that completed it within ``day`` days), ``share``
        (NaN when no entity is that old).

    Examples
    --------
    >>> completion_curves(entities, days=[1, 7, 14])        # doctest: +SKIP
    """
    if days is None:
        trial_days = context_value("days", None, context, caller="completion_curves", attribute="trial_days")
        days = list(range(0, int(round(2 * trial_days)) + 1))
    steps = context_steps(steps, context, entities, caller="completion_curves")
    columns = {step: f"{step}_at" for step in steps}
    if include_pql:
        columns["PQL"] = "pql_at"
    age = entities["age_days"].to_numpy(dtype=float)
    rows = []
    for step, column in columns.items():
        elapsed = ((entities[column] - entities["signup_at"]).dt.total_seconds() / 86400).to_numpy(dtype=float)
        for day in days:
            mature = age >= day
            completed = mature & (elapsed <= day)
            n = int(mature.sum())
            rows.append({"step": step, "day": float(day), "mature": n, "completed": int(completed.sum()),
                         "share": completed.sum() / n if n else np.nan})
    table = pd.DataFrame(rows, columns=["step", "day", "mature", "completed", "share"])
    table["mature"] = table["mature"].astype("int64")
    table["completed"] = table["completed"].astype("int64")
    table["share"] = table["share"].astype(float)
    return table


# --- threshold and level comparisons -----------------------------------------------------------


def _with_threshold(entities: pd.DataFrame, steps: list[str], required: int) -> pd.DataFrame:
    """A copy of the entity table where a PQL needs ``required`` steps."""
    table = entities.copy()
    table["pql_at"] = pql_times(table, steps=steps, steps_required=required)
    table["is_pql"] = table["pql_at"].notna()
    table["time_to_pql_days"] = (table["pql_at"] - table["signup_at"]).dt.total_seconds() / 86400
    return table


def compare_thresholds(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    steps_required: Sequence[int] | None = None,
    has_payments: bool | None = None,
    by_day: float | None = 30,
) -> pd.DataFrame:
    """What the PQL threshold does to PQL volume and to PQL-to-paid conversion.

    PQL-to-paid is taken at a fixed lag (``by_day``): a stricter threshold makes PQLs later, so
    all-time rates would compare PQLs that have had less time to pay (docs/metrics.md#choices).

    Re-derives ``pql_at`` as the k-th completed step for each k, from the step times already in
    the per-entity table (no new pass over the events).

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context
        The analysis context: the steps, the spec's threshold (``chosen``), ``as_of`` and
        ``active_days`` (``current_pqls``), and whether there are payments.
    steps_required : sequence of int, optional
        The k values to compare; default every k from 1 to the number of steps.
    has_payments : bool, optional
        Default ``context.has_conversions``: without a payments table the PQL-to-paid columns are
        NaN (a rate of 0 would read as "nobody pays").
    by_day : float or None
        PQL-to-paid within this many days of ``pql_at``, among the PQLs at least that old (default
        30); None for the all-time rate (a description, not a comparison).

    Returns
    -------
    pandas.DataFrame
        One row per k, ascending: ``steps_required``, ``threshold`` (k / steps), ``chosen`` (k is
        the spec's), ``pqls``, ``pql_rate``, ``pql_rate_ci_low``, ``pql_rate_ci_high``,
        ``current_pqls``, ``eligible``, ``paid_pqls``, ``pql_to_paid_rate``, ``ci_low``, ``ci_high``,
        ``paid_by_day`` (``by_day``; the same in every row).

    Examples
    --------
    >>> compare_thresholds(entities)[["steps_required", "pqls", "pql_to_paid_rate"]]   # doctest: +SKIP
    """
    if context is None:
        raise ValueError("compare_thresholds needs `context`: pass context=... (the second value returned by "
                         "pk.entity_table)")
    steps = context_steps(None, context, entities, caller="compare_thresholds")
    chosen = context.steps_required
    if has_payments is None:
        has_payments = context.has_conversions
    ks = list(range(1, len(steps) + 1)) if steps_required is None else sorted({int(k) for k in steps_required})
    bad = [k for k in ks if not 1 <= k <= len(steps)]
    if bad:
        raise ValueError(f"The value for `steps_required` must be between 1 and {len(steps)}, but {bad!r} was passed.")
    rows = []
    for k in ks:
        table = _with_threshold(entities, steps, k)
        rate = pql_rate(table).iloc[0]
        paid = pql_to_paid(table, by_day=by_day).iloc[0]
        rows.append({
            "steps_required": k,
            "threshold": k / len(steps),
            "chosen": k == chosen,
            "pqls": int(table["is_pql"].sum()),
            "pql_rate": float(rate["pql_rate"]),
            "pql_rate_ci_low": float(rate["ci_low"]),
            "pql_rate_ci_high": float(rate["ci_high"]),
            "current_pqls": len(current_pqls(table, context=context)),
            "eligible": int(paid["eligible"]),
            "paid_pqls": int(paid["paid_pqls"]),
            "pql_to_paid_rate": float(paid["pql_to_paid_rate"]) if has_payments else np.nan,
            "ci_low": float(paid["ci_low"]) if has_payments else np.nan,
            "ci_high": float(paid["ci_high"]) if has_payments else np.nan,
            "paid_by_day": np.nan if by_day is None else float(by_day),
        })
    return pd.DataFrame(rows)


def compare_levels(
    source: str | os.PathLike | Mapping[str, pd.DataFrame],
    spec: ActivationSpec | str | os.PathLike,
    *,
    as_of: AsOf = None,
    levels: Sequence[str] = ("user", "account"),
    events_format: str | None = None,
    current: tuple[pd.DataFrame, Context] | None = None,
    engine: str | object | None = None,
) -> pd.DataFrame:
    """The headline metrics at user level and at account level, side by side.

    Loads the dataset once per level, except the level of ``current`` when given: its row comes
    from that table, which is what loading again would give. The other levels are loaded by
    ``engine``, by default an engine of ``current``'s kind with tables of its own (Spark when
    ``current`` came from Spark), else DuckDB. A level that cannot be analysed (no
    ``account_id`` in the users table, or a spec with ``min_users`` steps at user level) gets a row
    with ``available = False`` and the reason in ``note``, instead of an error. Spec warnings (a
    step's event never occurs) are not repeated here.

    Parameters
    ----------
    source : path or mapping of frames
        The dataset (see :func:`pqlkit.load`).
    spec : ActivationSpec or path
        The activation spec.
    as_of : optional
        The analysis instant (see :func:`pqlkit.parse_as_of`); default ``current``'s when given.
    levels : sequence of str
        The levels to compare.
    events_format : str, optional
        The events file's format (see :func:`pqlkit.load`).
    current : (pandas.DataFrame, Context), optional
        The per-entity table and context already reduced from ``source`` with ``spec`` and
        ``as_of`` at one of the levels (a notebook's ``entities, ctx``), so that level is not
        loaded again. Its context must have the same ``as_of`` and, at its level, the same spec.
    engine : {"duckdb", "spark"} or an engine object, optional
        Where the other levels are loaded (see :func:`pqlkit.load`).

    Returns
    -------
    pandas.DataFrame
        One row per level: ``level``, ``available``, ``entities``, ``raw_pqls``, ``pql_rate``,
        ``ci_low``, ``ci_high``, ``current_pqls``, ``time_to_pql_median_days``,
        ``pql_to_paid_rate``, ``note``.

    Raises
    ------
    ValueError
        When ``current``'s context was computed at another ``as_of`` or with another spec.
    """
    if not isinstance(spec, ActivationSpec):
        spec = ActivationSpec.from_yaml(spec)
    if current is not None:
        _check_current(current[1], spec, as_of=as_of)
        as_of = current[1].as_of if as_of is None else as_of
        if engine is None and current[1].dataset is not None:
            engine = current[1].dataset.engine.new_session()
    rows = []
    for level in levels:
        if current is not None and current[1].level == level:
            rows.append(_level_row(level, *current))
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PqlkitWarning)
                table, context = entity_table(source, spec, as_of=as_of, level=level, events_format=events_format,
                                              engine=engine)
        except PqlkitError as error:
            rows.append(_level_row(level, note=shorten_paths(str(error), [spec.source, source])))
            continue
        rows.append(_level_row(level, table, context))
    table = pd.DataFrame(rows)
    for column in ("entities", "raw_pqls", "current_pqls"):
        table[column] = table[column].astype("int64")
    return table


def _check_current(context: Context, spec: ActivationSpec, *, as_of: AsOf) -> None:
    """Refuse a ``current`` table that loading ``spec`` at ``as_of`` would not give."""
    if as_of is not None and parse_as_of(as_of) != context.as_of:
        raise ValueError(f"compare_levels: `current` was computed at as_of {context.as_of.isoformat()}, not at "
                         f"{parse_as_of(as_of).isoformat()}; pass the as_of of its context (ctx.as_of)")
    if spec.with_level(context.level) != context.spec:
        raise ValueError("compare_levels: `current` was computed with another activation spec; pass the spec "
                         "its context holds (ctx.spec)")


def _level_row(level: str, table: pd.DataFrame | None = None, context: Context | None = None, *,
               note: str = "") -> dict:
    """One level's row of :func:`compare_levels`: from its table and context, or unavailable with ``note``."""
    row = {"level": level, "available": False, "entities": 0, "raw_pqls": 0, "pql_rate": np.nan,
           "ci_low": np.nan, "ci_high": np.nan, "current_pqls": 0, "time_to_pql_median_days": np.nan,
           "pql_to_paid_rate": np.nan, "note": note}
    if table is None:
        return row
    if table.empty:
        row["note"] = "no entities in scope (at account level: no user has an account_id)"
        return row
    result = summary(table, context=context)
    low, high = wilson_interval(result["raw_pqls"], result["entities"])
    row.update({
        "available": True,
        "entities": result["entities"],
        "raw_pqls": result["raw_pqls"],
        "pql_rate": result["pql_rate"],
        "ci_low": float(low),
        "ci_high": float(high),
        "current_pqls": result["current_pqls"],
        "time_to_pql_median_days": result["time_to_pql_median_days"] if result["time_to_pql_median_days"] is not None else np.nan,
        "pql_to_paid_rate": result["pql_to_paid_rate"] if (result["pql_to_paid_rate"] is not None and context.has_conversions) else np.nan,
    })
    return row
