"""The four PQL metric families (docs/metrics.md#metrics), each computed from the per-entity table.

Every function takes the per-entity table from :func:`pqlkit.entity_table` first, everything else
keyword-only, and returns a new tidy frame (or a number); the input is never modified. What the
table alone cannot say (``as_of``, the step names, the spec's day settings) comes from
``context=`` (the :class:`~pqlkit.Context` returned beside the table) or from an explicit
argument; a function missing one says which argument to pass.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pqlkit.core.context import AsOf, Context, check_columns, context_as_of, context_steps, context_value
from pqlkit.core.loading import ledger_to_dict
from pqlkit.stats import km_median, km_share_by, km_time_to_share

__all__ = [
    "wilson_interval",
    "rate_table",
    "period_start",
    "activation_funnel",
    "activation_distribution",
    "pqls",
    "current_pqls",
    "pqls_over_time",
    "pql_rate",
    "time_to_pql_percentiles",
    "time_to_pql_curve",
    "time_to_pql_km_median",
    "time_to_pql_km_readings",
    "share_pql_by_day",
    "stalled_trials",
    "pql_to_paid",
    "paid_lag",
    "summary",
]

_FREQS = ("W", "M")


# --- helpers -----------------------------------------------------------------------------------


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (no continuity correction).

    Parameters
    ----------
    successes, trials : array-like of int
        Counts; where ``trials`` is 0 both bounds are NaN.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    (low, high) : tuple of numpy arrays

    Examples
    --------
    >>> low, high = wilson_interval(81, 263)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2553, 0.3662)
    """
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def rate_table(groups: pd.DataFrame, *, hits: str, total: str, rate: str) -> pd.DataFrame:
    """A copy of a table of counts with a rate and its Wilson 95 % interval added.

    Parameters
    ----------
    groups : pandas.DataFrame
        One row per group, with the count columns ``hits`` and ``total``.
    hits, total : str
        The numerator and denominator columns.
    rate : str
        The name of the rate column to add.

    Returns
    -------
    pandas.DataFrame
        ``groups``' columns, then ``{rate}`` (hits / total, NaN where total is 0), ``ci_low``,
        ``ci_high``.

    Examples
    --------
    >>> rate_table(pd.DataFrame({"k": [81, 0], "n": [263, 0]}), hits="k", total="n", rate="share").round(4)
        k    n  share  ci_low  ci_high
    0  81  263  0.308  0.2553   0.3662
    1   0    0    NaN     NaN      NaN
    """
    table = groups.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        table[rate] = np.where(table[total] > 0, table[hits] / table[total].where(table[total] > 0), np.nan)
    table["ci_low"], table["ci_high"] = wilson_interval(table[hits], table[total])
    return table


def period_start(stamps: pd.Series, *, freq: str) -> pd.Series:
    """The start of the week (Monday 00:00 UTC) or month holding each timestamp.

    Returns
    -------
    pandas.Series
        Datetimes (UTC, microseconds) on the same index.

    Examples
    --------
    >>> period_start(pd.Series(pd.to_datetime(["2026-01-08T10:00Z"])), freq="W").iloc[0]
    Timestamp('2026-01-05 00:00:00+0000', tz='UTC')
    """
    if freq not in _FREQS:
        raise ValueError(f"The value for `freq` must be one of {list(_FREQS)}, but {freq!r} was passed.")
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    if freq == "W":
        start = naive.dt.normalize() - pd.to_timedelta(naive.dt.day_of_week, unit="D")
    else:
        start = naive.dt.to_period("M").dt.start_time
    return start.dt.tz_localize("UTC").astype("datetime64[us, UTC]")


# --- 0. activation -----------------------------------------------------------------------------


def activation_funnel(
    entities: pd.DataFrame, *, context: Context | None = None, steps: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per-step completion: how many entities completed each step.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    steps : sequence of str, optional
        The step names (default: the context's).

    Returns
    -------
    pandas.DataFrame
        One row per step in spec order: ``step``, ``entities`` (in scope), ``completed``,
        ``share`` (completed / entities), ``ci_low``, ``ci_high`` (Wilson 95 %).
    """
    steps = context_steps(steps, context, entities, caller="activation_funnel")
    counts = pd.DataFrame({
        "step": steps,
        "entities": len(entities),
        "completed": [int(entities[f"{s}_at"].notna().sum()) for s in steps],
    })
    return rate_table(counts, hits="completed", total="entities", rate="share")


def activation_distribution(
    entities: pd.DataFrame, *, context: Context | None = None, steps: Sequence[str] | None = None
) -> pd.DataFrame:
    """How many entities have done 0, 1, ... n of the n steps.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    steps : sequence of str, optional
        The step names (default: the context's).

    Returns
    -------
    pandas.DataFrame
        One row per possible count, zeros included: ``steps_done``, ``activation_rate``,
        ``entities``, ``share``.
    """
    n_steps = len(context_steps(steps, context, entities, caller="activation_distribution"))
    counts = entities["steps_done"].value_counts().reindex(range(n_steps + 1), fill_value=0)
    table = pd.DataFrame({"steps_done": counts.index.astype("int64"), "entities": counts.to_numpy(dtype="int64")})
    table.insert(1, "activation_rate", table["steps_done"] / n_steps)
    table["share"] = table["entities"] / len(entities) if len(entities) else np.nan
    return table


# --- 1. how many reach activation ------------------------------------------------------------------


def pqls(entities: pd.DataFrame) -> pd.DataFrame:
    """The raw PQLs: every entity in scope that reached the threshold, earliest PQL first.

    Returns
    -------
    pandas.DataFrame
        The PQL rows with the columns of the per-entity table, sorted by ``pql_at`` then ``entity_id``.
    """
    return entities[entities["is_pql"]].sort_values(["pql_at", "entity_id"]).reset_index(drop=True)


def current_pqls(
    entities: pd.DataFrame, *, context: Context | None = None, as_of: AsOf = None, active_days: float | None = None
) -> pd.DataFrame:
    """PQLs in play now: not paying at ``as_of`` and seen within ``active_days`` before it.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    as_of, active_days : optional
        Override the context's.

    Returns
    -------
    pandas.DataFrame
        The PQL rows, with ``days_since_seen`` and ``days_since_pql`` added, sorted by
        ``activation_rate`` (high first), then most recently seen.
    """
    as_of = context_as_of(as_of, context, caller="current_pqls")
    active_days = context_value("active_days", active_days, context, caller="current_pqls")
    since = as_of - pd.Timedelta(days=active_days)
    mask = entities["is_pql"] & entities["paid_at"].isna() & (entities["last_seen_at"] >= since)
    table = entities[mask].copy()
    table["days_since_seen"] = (as_of - table["last_seen_at"]).dt.total_seconds() / 86400
    table["days_since_pql"] = (as_of - table["pql_at"]).dt.total_seconds() / 86400
    return table.sort_values(["activation_rate", "last_seen_at", "entity_id"], ascending=[False, False, True]).reset_index(drop=True)


def pqls_over_time(
    entities: pd.DataFrame, *, context: Context | None = None, freq: str = "W", as_of: AsOf = None
) -> pd.DataFrame:
    """New PQLs per week (Monday 00:00 UTC) or per month, every period listed, zeros included.

    Periods run from the one holding the earliest ``signup_at`` to the one holding ``as_of``.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    freq : {"W", "M"}
        Weeks or months.
    as_of : optional
        Overrides the context's.

    Returns
    -------
    pandas.DataFrame
        ``period_start`` (datetime, UTC), ``new_pqls``, ``cumulative_pqls``.
    """
    as_of = context_as_of(as_of, context, caller="pqls_over_time")
    if entities.empty:
        return pd.DataFrame({"period_start": pd.Series([], dtype="datetime64[us, UTC]"),
                             "new_pqls": pd.Series([], dtype="int64"), "cumulative_pqls": pd.Series([], dtype="int64")})
    last = period_start(pd.Series([as_of]), freq=freq).iloc[0]
    first = period_start(pd.Series([entities["signup_at"].min()]), freq=freq).iloc[0]
    step = pd.DateOffset(weeks=1) if freq == "W" else pd.DateOffset(months=1)
    periods = pd.date_range(first, last, freq=step).astype("datetime64[us, UTC]")
    counts = period_start(entities.loc[entities["is_pql"], "pql_at"], freq=freq).value_counts()
    table = pd.DataFrame({"period_start": periods})
    table["new_pqls"] = table["period_start"].map(counts).fillna(0).astype("int64")
    table["cumulative_pqls"] = table["new_pqls"].cumsum()
    return table


# --- 2. PQL rate -------------------------------------------------------------------------------


def pql_rate(entities: pd.DataFrame, *, by: str | Sequence[str] | None = None, cohort: str | None = None) -> pd.DataFrame:
    """PQL rate (PQLs / entities in scope), overall, by segment and/or by signup cohort.

    Parameters
    ----------
    by : str or list of str, optional
        Segment column(s) to group by (``"channel"``); missing values form their own group.
    cohort : {"W", "M"}, optional
        Also group by signup week (Monday) or month, as ``signup_cohort``.

    Returns
    -------
    pandas.DataFrame
        The group columns, ``entities``, ``pqls``, ``pql_rate``, ``ci_low``, ``ci_high`` (Wilson 95 %).

    Examples
    --------
    >>> pk.pql_rate(entities, by="channel")       # doctest: +SKIP
    """
    keys = check_columns(entities, by, argument="by")
    frame = entities[keys + ["is_pql"]].copy()
    if cohort is not None:
        frame["signup_cohort"] = period_start(entities["signup_at"], freq=cohort)
        keys = keys + ["signup_cohort"]
    if keys:
        grouped = frame.groupby(keys, dropna=False, sort=True)["is_pql"]
        counts = grouped.agg(entities="size", pqls="sum").reset_index()
    else:
        counts = pd.DataFrame({"entities": [len(frame)], "pqls": [int(frame["is_pql"].sum())]})
    counts["pqls"] = counts["pqls"].astype("int64")
    counts["entities"] = counts["entities"].astype("int64")
    return rate_table(counts, hits="pqls", total="entities", rate="pql_rate")


# --- 3. time to PQL ----------------------------------------------------------------------------


def time_to_pql_percentiles(entities: pd.DataFrame, *, percentiles: Sequence[float] = (0.25, 0.5, 0.75, 0.9)) -> pd.DataFrame:
    """Percentiles of time to PQL (days) among PQLs, linear interpolation (pandas' default).

    Returns
    -------
    pandas.DataFrame
        ``percentile`` (0-1), ``time_to_pql_days`` (NaN when there are no PQLs), ``pqls``.
    """
    values = entities.loc[entities["is_pql"], "time_to_pql_days"]
    return pd.DataFrame({
        "percentile": list(percentiles),
        "time_to_pql_days": [float(values.quantile(p)) if len(values) else np.nan for p in percentiles],
        "pqls": len(values),
    })


def _durations(entities: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Time to PQL for PQLs, time observed (age) for the others, who are censored."""
    durations = entities["time_to_pql_days"].where(entities["is_pql"], entities["age_days"])
    return durations.astype(float), entities["is_pql"].astype(bool)


def _fit_km(entities: pd.DataFrame):
    from lifelines import KaplanMeierFitter

    durations, observed = _durations(entities)
    fitter = KaplanMeierFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(durations, event_observed=observed)
    return fitter


def time_to_pql_curve(entities: pd.DataFrame) -> pd.DataFrame:
    """Kaplan–Meier estimate of the share that has reached PQL by each day since signup.

    Entities that are not PQLs are censored at their age (``as_of - signup_at``), so trials still
    running count for as long as they have been observed. Fitted with lifelines.

    Returns
    -------
    pandas.DataFrame
        ``days``, ``share_pql`` (1 - survival), ``ci_low``, ``ci_high`` (lifelines' exponential
        Greenwood 95 % interval), ``at_risk``, ``new_pqls``, ``censored``. Empty when there are
        no entities.
    """
    columns = ["days", "share_pql", "ci_low", "ci_high", "at_risk", "new_pqls", "censored"]
    if entities.empty:
        return pd.DataFrame({c: pd.Series([], dtype=float) for c in columns})
    fitter = _fit_km(entities)
    survival = fitter.survival_function_.iloc[:, 0]
    bounds = fitter.confidence_interval_survival_function_
    events = fitter.event_table
    table = pd.DataFrame({
        "days": survival.index.to_numpy(dtype=float),
        "share_pql": 1 - survival.to_numpy(),
        "ci_low": 1 - bounds.iloc[:, 1].to_numpy(),
        "ci_high": 1 - bounds.iloc[:, 0].to_numpy(),
    })
    table["at_risk"] = events["at_risk"].reindex(survival.index).fillna(0).to_numpy(dtype="int64")
    table["new_pqls"] = events["observed"].reindex(survival.index).fillna(0).to_numpy(dtype="int64")
    table["censored"] = events["censored"].reindex(survival.index).fillna(0).to_numpy(dtype="int64")
    return table[columns]


def time_to_pql_km_median(entities: pd.DataFrame) -> float | None:
    """Kaplan–Meier median time to PQL in days (docs/metrics.md#metrics), or None where the curve never gets there.

    The smallest event time at which the survival estimate is <= 0.5, with a tolerance of 1e-9
    (:func:`pqlkit.stats.km_median`; numpy only, lifelines is not imported).

    Returns
    -------
    float or None
        Days from signup.
    """
    if not entities["is_pql"].any():
        return None
    durations, observed = _durations(entities)
    return km_median(durations, observed)


def time_to_pql_km_readings(entities: pd.DataFrame, *, trial_days: float, days: Sequence[float] = (7, 30),
                            shares: Sequence[float] = (0.10, 0.25)) -> dict:
    """The Kaplan–Meier readings of time to PQL that always say something (docs/metrics.md#json-summary).

    Non-PQLs are censored at their age. Computed with :mod:`pqlkit.stats` (numpy only).

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table.
    trial_days : float
        The trial length: the share is also read at this day.
    days : sequence of float
        The other days to read the share at (7 and 30).
    shares : sequence of float
        The shares whose KM time is given (10 % and 25 %).

    Returns
    -------
    dict
        ``time_to_pql_km_share_{d}d`` for each of ``days`` and ``time_to_pql_km_share_trial``, each a
        dict ``{day, share, ci_low, ci_high}`` (None for a figure the data cannot give: no entity
        observed that long); ``time_to_pql_km_p{10,25}_days`` (None where the curve never gets
        there).
    """
    durations, observed = _durations(entities)
    wanted = [*days, trial_days]
    table = km_share_by(durations, observed, days=wanted) if len(entities) else pd.DataFrame(
        {"day": wanted, "share": np.nan, "ci_low": np.nan, "ci_high": np.nan})
    readings = {}
    for i, day in enumerate(wanted):
        row = table.iloc[i]
        key = "time_to_pql_km_share_trial" if i == len(days) else f"time_to_pql_km_share_{day:g}d"
        readings[key] = {"day": float(day), **{c: _number_or_none(row[c]) for c in ("share", "ci_low", "ci_high")}}
    for share in shares:
        readings[f"time_to_pql_km_p{share * 100:g}_days"] = (
            km_time_to_share(durations, observed, share=share) if len(entities) else None)
    return readings


def share_pql_by_day(entities: pd.DataFrame, *, days: Sequence[float] = (1, 3, 7, 14, 30)) -> pd.DataFrame:
    """Share of entities that reached PQL within N days of signup.

    Two readings side by side: the Kaplan–Meier estimate (uses every entity, censoring the young
    ones) and the plain share among entities at least N days old (``mature``).

    Returns
    -------
    pandas.DataFrame
        ``day``, ``km_share``, ``mature`` (entities with age >= day), ``pql_by_day`` (of those,
        PQL within ``day`` days), ``share``, ``ci_low``, ``ci_high`` (Wilson, of ``share``).
    """
    curve = time_to_pql_curve(entities)
    rows = []
    for day in days:
        km = curve.loc[curve["days"] <= day, "share_pql"]
        mature = entities["age_days"] >= day
        reached = mature & entities["is_pql"] & (entities["time_to_pql_days"] <= day)
        rows.append({
            "day": day,
            "km_share": float(km.iloc[-1]) if len(km) else (0.0 if len(entities) else np.nan),
            "mature": int(mature.sum()),
            "pql_by_day": int(reached.sum()),
        })
    return rate_table(pd.DataFrame(rows), hits="pql_by_day", total="mature", rate="share")


def missing_steps(table: pd.DataFrame, steps: Sequence[str]) -> list[str] | pd.Series:
    """Per row, the comma-separated names of the steps not done (``{step}_at`` missing), in spec order.

    The rows are grouped by which steps they miss (at most 2 ** len(steps) patterns), so each
    pattern's text is joined once, not once per row. An empty table gives an empty text column.
    """
    if not len(table):
        return pd.Series([], dtype="str")
    missing = np.zeros((len(table), len(steps)), dtype=bool)
    for position, name in enumerate(steps):
        missing[:, position] = table[f"{name}_at"].isna().to_numpy()
    patterns, codes = np.unique(missing, axis=0, return_inverse=True)
    texts = [", ".join(name for name, absent in zip(steps, pattern) if absent) for pattern in patterns]
    return [texts[code] for code in codes.ravel()]


def stalled_trials(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    as_of: AsOf = None,
    trial_days: float | None = None,
    stall_day: float | None = None,
    steps: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Trials stuck near their end: not PQL, not paying, ``stall_day <= age < trial_days``.

    Parameters
    ----------
    context : Context, optional
        The analysis context (the second value returned by :func:`pqlkit.entity_table`).
    as_of, trial_days, stall_day, steps : optional
        Override the context's.

    Returns
    -------
    pandas.DataFrame
        The entity rows with ``trial_days_left`` and ``missing_steps`` (the step names not done,
        comma-separated), oldest trial first.
    """
    as_of = context_as_of(as_of, context, caller="stalled_trials")
    trial_days = context_value("trial_days", trial_days, context, caller="stalled_trials")
    stall_day = context_value("stall_day", stall_day, context, caller="stalled_trials")
    steps = context_steps(steps, context, entities, caller="stalled_trials")
    age = (as_of - entities["signup_at"]).dt.total_seconds() / 86400
    mask = ~entities["is_pql"] & entities["paid_at"].isna() & (age >= stall_day) & (age < trial_days)
    table = entities[mask].copy()
    table["trial_days_left"] = trial_days - age[mask]
    table["missing_steps"] = missing_steps(table, steps)
    return table.sort_values(["trial_days_left", "entity_id"]).reset_index(drop=True)


# --- 4. PQL to paid ----------------------------------------------------------------------------


def pql_to_paid(
    entities: pd.DataFrame, *, within_days: float | None = None, by: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """PQL-to-paid conversion: of PQLs who were not customers before, how many paid after.

    Parameters
    ----------
    within_days : float, optional
        Count only payments within this many days after ``pql_at``.
    by : str or list of str, optional
        Segment column(s) to group by.

    Returns
    -------
    pandas.DataFrame
        The group columns, ``pqls``, ``paid_before_pql``, ``eligible`` (pqls - paid_before_pql),
        ``paid_pqls``, ``pql_to_paid_rate`` (NaN when nothing is eligible), ``ci_low``, ``ci_high``,
        and ``paid_without_pql`` (paying entities that are not PQLs).
    """
    keys = check_columns(entities, by, argument="by")
    frame = entities[keys].copy() if keys else pd.DataFrame(index=entities.index)
    is_pql = entities["is_pql"]
    paid = entities["paid_at"].notna()
    frame["pqls"] = is_pql
    frame["paid_before_pql"] = is_pql & paid & (entities["paid_at"] < entities["pql_at"])
    converted = is_pql & paid & (entities["pql_at"] <= entities["paid_at"])
    if within_days is not None:
        converted &= (entities["paid_at"] - entities["pql_at"]) <= pd.Timedelta(days=within_days)
    frame["paid_pqls"] = converted
    frame["paid_without_pql"] = ~is_pql & paid
    sums = ["pqls", "paid_before_pql", "paid_pqls", "paid_without_pql"]
    if keys:
        counts = frame.groupby(keys, dropna=False, sort=True)[sums].sum().reset_index()
    else:
        counts = frame[sums].sum().to_frame().T
    counts[sums] = counts[sums].astype("int64")
    counts.insert(len(keys) + 2, "eligible", counts["pqls"] - counts["paid_before_pql"])
    table = rate_table(counts, hits="paid_pqls", total="eligible", rate="pql_to_paid_rate")
    return table[[*keys, "pqls", "paid_before_pql", "eligible", "paid_pqls", "pql_to_paid_rate",
                  "ci_low", "ci_high", "paid_without_pql"]]


def paid_lag(entities: pd.DataFrame) -> pd.DataFrame:
    """Days from PQL to first payment, for the PQLs that paid at or after becoming PQLs.

    Returns
    -------
    pandas.DataFrame
        ``entity_id``, ``pql_at``, ``paid_at``, ``lag_days``, sorted by ``lag_days``.
    """
    mask = entities["is_pql"] & entities["paid_at"].notna() & (entities["pql_at"] <= entities["paid_at"])
    table = entities.loc[mask, ["entity_id", "pql_at", "paid_at"]].copy()
    table["lag_days"] = (table["paid_at"] - table["pql_at"]).dt.total_seconds() / 86400
    return table.sort_values(["lag_days", "entity_id"]).reset_index(drop=True)


# --- the JSON summary --------------------------------------------------------------------------


def _number_or_none(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def summary(
    entities: pd.DataFrame, *, context: Context | None = None, ledger: pd.DataFrame | None = None, as_of: AsOf = None
) -> dict:
    """Every headline number of docs/metrics.md#json-summary as a plain dict (JSON-ready: no NaN, None for missing).

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table from :func:`pqlkit.entity_table`.
    context : Context
        The analysis context (level, steps, day settings, and the dataset's ledger); required.
    ledger : pandas.DataFrame, optional
        Overrides the context's dataset ledger, for ``data_quality``.
    as_of : optional
        Overrides the context's.

    Returns
    -------
    dict
        ``as_of``, ``level``, ``entities``, ``raw_pqls``, ``current_pqls``, ``pql_rate``,
        ``activation_rate_mean``, ``time_to_pql_median_days``, ``time_to_pql_km_median_days``,
        ``stalled_in_trial``, ``paid_pqls``, ``paid_before_pql``, ``paid_without_pql``,
        ``pql_to_paid_rate``, ``step_completion`` (step -> entities), ``pqls_over_time`` (a list of
        ``{week, new_pqls}``), ``data_quality`` (``{table: {read, used, dropped}}``; empty without a
        ledger), and the Kaplan–Meier readings of :func:`time_to_pql_km_readings`:
        ``time_to_pql_km_share_7d``, ``time_to_pql_km_share_trial`` (at the spec's trial length),
        ``time_to_pql_km_share_30d`` (each ``{day, share, ci_low, ci_high}``),
        ``time_to_pql_km_p10_days`` and ``time_to_pql_km_p25_days``.
    """
    if context is None:
        raise ValueError(
            "summary needs `context`: pass context=... (the second value returned by pk.entity_table)"
        )
    as_of = context_as_of(as_of, context, caller="summary")
    if ledger is None and context.dataset is not None:
        ledger = context.ledger
    n = len(entities)
    raw = int(entities["is_pql"].sum())
    conversion = pql_to_paid(entities).iloc[0]
    median = entities.loc[entities["is_pql"], "time_to_pql_days"].median() if raw else None
    weeks = pqls_over_time(entities, freq="W", as_of=as_of)
    funnel = activation_funnel(entities, context=context)
    return {
        "as_of": as_of.isoformat(timespec="microseconds"),
        "level": context.level,
        "entities": n,
        "raw_pqls": raw,
        "current_pqls": len(current_pqls(entities, context=context, as_of=as_of)),
        "pql_rate": raw / n if n else None,
        "activation_rate_mean": _number_or_none(entities["activation_rate"].mean()) if n else None,
        "time_to_pql_median_days": _number_or_none(median),
        "time_to_pql_km_median_days": time_to_pql_km_median(entities),
        "stalled_in_trial": len(stalled_trials(entities, context=context, as_of=as_of)),
        "paid_pqls": int(conversion["paid_pqls"]),
        "paid_before_pql": int(conversion["paid_before_pql"]),
        "paid_without_pql": int(conversion["paid_without_pql"]),
        "pql_to_paid_rate": _number_or_none(conversion["pql_to_paid_rate"]),
        "step_completion": {row.step: int(row.completed) for row in funnel.itertuples()},
        "pqls_over_time": [
            {"week": row.period_start.strftime("%Y-%m-%d"), "new_pqls": int(row.new_pqls)}
            for row in weeks.itertuples()
        ],
        "data_quality": ledger_to_dict(ledger) if ledger is not None else {},
        **time_to_pql_km_readings(entities, trial_days=context_value("trial_days", None, context, caller="summary")),
    }
