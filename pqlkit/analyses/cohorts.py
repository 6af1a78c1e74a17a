"""Signup cohorts and trends over time (notebooks 02 and 03).

Everything here works on the per-entity table from :func:`pqlkit.entity_table`, except
:func:`current_pqls_over_time`, which also needs the events (through ``context.dataset``) and runs
in DuckDB.

Maturity. A cohort that signed up last week cannot have the PQL rate of one that signed up three
months ago: its members have not had the time. So every cohort figure here is either taken at a
fixed age (PQL within ``horizon_days`` of signup, PQL-to-paid within ``within_days`` of PQL) with a
``mature`` flag that says whether every member of the cohort is that old yet, or left blank (NaN)
where the cohort is too young.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pqlkit.core.context import AsOf, Context, context_as_of, context_value
from pqlkit.core.loading import Dataset
from pqlkit.metrics import period_start, pql_to_paid, pqls_over_time, rate_table, time_to_pql_km_median
from pqlkit.metrics.current import is_current_pql, last_seen_at_moments

__all__ = [
    "cohort_matrix",
    "cohort_rates",
    "cohort_time_to_pql",
    "pql_cohort_conversion",
    "seasonality",
    "weekly_pqls",
    "current_pqls_over_time",
    "WEEKDAYS",
    "MONTHS",
]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The average month, for spans of time given in months.
DAYS_PER_MONTH = 365.25 / 12
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _cohort_column(entities: pd.DataFrame, freq: str) -> pd.Series:
    if entities.empty:
        return pd.Series([], index=entities.index, dtype="datetime64[us, UTC]")
    return period_start(entities["signup_at"], freq=freq)


# --- the cohort triangle -----------------------------------------------------------------------


def cohort_matrix(
    entities: pd.DataFrame,
    *,
    freq: str = "W",
    days: Sequence[float] = (1, 3, 7, 14, 21, 30, 60, 90),
) -> pd.DataFrame:
    """Cumulative PQL rate by signup cohort and days since signup (the cohort triangle).

    The cell (cohort c, day d) is the share of c's entities that became PQL within d days of their
    signup. It is left NaN (``mature = False``) unless every entity of the cohort is at least d days
    old, so young cohorts show as blank cells, not as drops.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.reduce`).
    freq : {"W", "M"}
        Weekly (Monday) or monthly signup cohorts.
    days : sequence of float
        Days since signup.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per (cohort, day), cohorts oldest first: ``signup_cohort``, ``entities``,
        ``day``, ``mature``, ``pqls_by_day``, ``pql_rate``.

    Examples
    --------
    >>> cohort_matrix(entities, days=[7, 14]).pivot(index="signup_cohort", columns="day", values="pql_rate")  # doctest: +SKIP
    """
    columns = ["signup_cohort", "entities", "day", "mature", "pqls_by_day", "pql_rate"]
    if entities.empty:
        return pd.DataFrame({c: [] for c in columns})
    frame = pd.DataFrame({
        "signup_cohort": _cohort_column(entities, freq),
        "age_days": entities["age_days"].to_numpy(dtype=float),
        "ttp": entities["time_to_pql_days"].where(entities["is_pql"]).to_numpy(dtype=float),
    })
    rows = []
    for cohort, group in frame.groupby("signup_cohort", sort=True):
        youngest = group["age_days"].min()
        for day in days:
            mature = bool(youngest >= day)
            hits = int((group["ttp"] <= day).sum())
            rows.append({"signup_cohort": cohort, "entities": len(group), "day": float(day), "mature": mature,
                         "pqls_by_day": hits, "pql_rate": hits / len(group) if mature else np.nan})
    table = pd.DataFrame(rows, columns=columns)
    table["entities"] = table["entities"].astype("int64")
    table["pqls_by_day"] = table["pqls_by_day"].astype("int64")
    return table


def cohort_rates(
    entities: pd.DataFrame, *, context: Context | None = None, freq: str = "W", horizon_days: float | None = None
) -> pd.DataFrame:
    """PQL rate per signup cohort at a fixed age, with Wilson intervals and a maturity flag.

    The rate is the share of the cohort that became PQL within ``horizon_days`` of signup, which
    is comparable across cohorts once they are all that old. A cohort whose youngest member is
    younger than ``horizon_days`` is marked ``mature = False`` and its rate and interval are left blank
    (NaN), as docs/metrics.md promises: not everyone in it has had ``horizon_days`` yet, so a rate would
    be a floor that reads as a drop (0.0 % for a cohort that signed up yesterday).
    ``pql_rate_so_far`` keeps that floor (``pqls_within / entities``) for a chart to draw hollow.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context, optional
        The analysis context, for the default ``horizon_days``.
    freq : {"W", "M"}
        Weekly (Monday) or monthly signup cohorts.
    horizon_days : float, optional
        The fixed age; default the context's ``trial_days``.

    Returns
    -------
    pandas.DataFrame
        One row per cohort, oldest first: ``signup_cohort``, ``entities``, ``pqls_within``,
        ``pql_rate``, ``ci_low``, ``ci_high`` (NaN for a cohort too young), ``pqls_to_date``,
        ``youngest_age_days``, ``mature``, ``horizon_days`` (the fixed age, the same on every row),
        ``pql_rate_so_far`` (the floor, on every row).
    """
    horizon = float(context_value("horizon_days", horizon_days, context, caller="cohort_rates", attribute="trial_days"))
    columns = ["signup_cohort", "entities", "pqls_within", "pql_rate", "ci_low", "ci_high", "pqls_to_date",
               "youngest_age_days", "mature", "horizon_days", "pql_rate_so_far"]
    if entities.empty:
        return pd.DataFrame({c: [] for c in columns})
    frame = pd.DataFrame({
        "signup_cohort": _cohort_column(entities, freq),
        "within": (entities["is_pql"] & (entities["time_to_pql_days"] <= horizon)).to_numpy(),
        "is_pql": entities["is_pql"].to_numpy(),
        "age_days": entities["age_days"].to_numpy(dtype=float),
    })
    table = frame.groupby("signup_cohort", sort=True).agg(
        entities=("within", "size"), pqls_within=("within", "sum"), pqls_to_date=("is_pql", "sum"),
        youngest_age_days=("age_days", "min"),
    ).reset_index()
    for column in ("entities", "pqls_within", "pqls_to_date"):
        table[column] = table[column].astype("int64")
    table["mature"] = table["youngest_age_days"] >= horizon
    table = rate_table(table, hits="pqls_within", total="entities", rate="pql_rate")
    table["horizon_days"] = horizon
    table["pql_rate_so_far"] = table["pql_rate"]
    table[["pql_rate", "ci_low", "ci_high"]] = table[["pql_rate", "ci_low", "ci_high"]].where(table["mature"], np.nan)
    return table[columns]


def cohort_time_to_pql(entities: pd.DataFrame, *, freq: str = "W") -> pd.DataFrame:
    """Time to PQL per signup cohort: quartiles among the cohort's PQLs and the Kaplan–Meier median.

    The quartiles only see the cohort's PQLs so far (young cohorts look fast: only their quick
    PQLs exist yet); the Kaplan–Meier median counts the others as censored at their age.

    Returns
    -------
    pandas.DataFrame
        One row per cohort, oldest first: ``signup_cohort``, ``entities``, ``pqls``, ``p25_days``,
        ``median_days``, ``p75_days`` (NaN without PQLs), ``km_median_days`` (NaN where the curve
        never reaches one half).
    """
    columns = ["signup_cohort", "entities", "pqls", "p25_days", "median_days", "p75_days", "km_median_days"]
    if entities.empty:
        return pd.DataFrame({c: [] for c in columns})
    cohort = _cohort_column(entities, freq)
    rows = []
    for start, group in entities.groupby(cohort.to_numpy(), sort=True):
        times = group.loc[group["is_pql"], "time_to_pql_days"]
        km = time_to_pql_km_median(group)
        rows.append({
            "signup_cohort": pd.Timestamp(start).tz_localize("UTC") if pd.Timestamp(start).tzinfo is None else pd.Timestamp(start),
            "entities": len(group),
            "pqls": len(times),
            "p25_days": float(times.quantile(0.25)) if len(times) else np.nan,
            "median_days": float(times.median()) if len(times) else np.nan,
            "p75_days": float(times.quantile(0.75)) if len(times) else np.nan,
            "km_median_days": np.nan if km is None else km,
        })
    table = pd.DataFrame(rows, columns=columns)
    table["signup_cohort"] = table["signup_cohort"].astype("datetime64[us, UTC]")
    return table


def pql_cohort_conversion(
    entities: pd.DataFrame, *, context: Context | None = None, freq: str = "M", within_days: float = 30, as_of: AsOf = None
) -> pd.DataFrame:
    """PQL-to-paid per PQL cohort (the week or month the entities became PQLs), at a fixed lag.

    A PQL counts as converted when it paid within ``within_days`` of ``pql_at`` (PQLs that paid
    before becoming PQLs are left out of the denominator, as in docs/metrics.md#metrics). A cohort
    with a PQL less than ``within_days`` old at ``as_of`` is marked ``mature = False``, its rate and
    interval left blank (NaN) and its floor kept in ``pql_to_paid_so_far``, as in :func:`cohort_rates`.

    Parameters
    ----------
    context : Context, optional
        The analysis context, for ``as_of``.
    freq : {"W", "M"}
        PQL weeks or months.
    within_days : float
        The fixed lag after ``pql_at``.
    as_of : optional
        Overrides the context's.

    Returns
    -------
    pandas.DataFrame
        One row per PQL cohort, oldest first: ``pql_cohort``, ``pqls``, ``paid_before_pql``,
        ``eligible``, ``paid_pqls``, ``pql_to_paid_rate``, ``ci_low``, ``ci_high``,
        ``youngest_days_since_pql``, ``mature``, ``within_days`` (the lag, the same on every row),
        ``pql_to_paid_so_far`` (the floor, on every row).
    """
    as_of = context_as_of(as_of, context, caller="pql_cohort_conversion")
    columns = ["pql_cohort", "pqls", "paid_before_pql", "eligible", "paid_pqls", "pql_to_paid_rate", "ci_low",
               "ci_high", "youngest_days_since_pql", "mature", "within_days", "pql_to_paid_so_far"]
    pqls = entities[entities["is_pql"]]
    if pqls.empty:
        return pd.DataFrame({c: [] for c in columns})
    frame = pqls.copy()
    frame["pql_cohort"] = period_start(frame["pql_at"], freq=freq)
    table = pql_to_paid(frame, within_days=within_days, by="pql_cohort")
    since = (as_of - frame["pql_at"]).dt.total_seconds() / 86400
    youngest = since.groupby(frame["pql_cohort"]).min()
    table["youngest_days_since_pql"] = table["pql_cohort"].map(youngest).astype(float)
    table["mature"] = table["youngest_days_since_pql"] >= within_days
    table["within_days"] = float(within_days)
    table["pql_to_paid_so_far"] = table["pql_to_paid_rate"]
    rates = ["pql_to_paid_rate", "ci_low", "ci_high"]
    table[rates] = table[rates].where(table["mature"], np.nan)
    return table[columns].reset_index(drop=True)


def seasonality(
    entities: pd.DataFrame, *, context: Context | None = None, by: str = "weekday", horizon_days: float | None = None
) -> pd.DataFrame:
    """PQL rate by signup weekday or calendar month, and on which weekdays/months PQLs happen.

    The rate is taken at a fixed age, as in :func:`cohort_rates`: the share of entities at least
    ``horizon_days`` old that became PQL within ``horizon_days`` of signup.

    Parameters
    ----------
    context : Context, optional
        The analysis context, for the default ``horizon_days``.
    by : {"weekday", "month"}
        Group by the weekday (Mon..Sun, all seven listed) or the calendar month (those present).
    horizon_days : float, optional
        Default: the context's ``trial_days``.

    Returns
    -------
    pandas.DataFrame
        One row per weekday/month, in calendar order: ``weekday`` or ``month``, ``signups`` (all),
        ``mature`` (old enough to judge), ``pqls_within``, ``pql_rate``, ``ci_low``, ``ci_high``,
        ``pqls_reached`` (PQLs whose ``pql_at`` falls on that weekday/month), ``horizon_days``,
        ``months_of_data`` (the time from the first signup to the last, in months of 365.25 / 12
        days; the same on every row; NaN without signups): a month-by-month comparison needs 12 or
        more, or it measures the trend (docs/metrics.md#comparing-groups).
    """
    if by not in ("weekday", "month"):
        raise ValueError(f"The value for `by` must be one of ['weekday', 'month'], but {by!r} was passed.")
    horizon = float(context_value("horizon_days", horizon_days, context, caller="seasonality", attribute="trial_days"))
    labels = WEEKDAYS if by == "weekday" else MONTHS

    def key(stamps: pd.Series) -> pd.Series:
        return stamps.dt.day_of_week if by == "weekday" else stamps.dt.month - 1

    signup_key = key(entities["signup_at"])
    mature = entities["age_days"] >= horizon
    within = mature & entities["is_pql"] & (entities["time_to_pql_days"] <= horizon)
    reached_key = key(entities.loc[entities["is_pql"], "pql_at"])
    index = range(len(labels))
    table = pd.DataFrame({
        by: list(labels),
        "signups": signup_key.value_counts().reindex(index, fill_value=0).to_numpy(),
        "mature": signup_key[mature].value_counts().reindex(index, fill_value=0).to_numpy(),
        "pqls_within": signup_key[within].value_counts().reindex(index, fill_value=0).to_numpy(),
        "pqls_reached": reached_key.value_counts().reindex(index, fill_value=0).to_numpy(),
    })
    for column in ("signups", "mature", "pqls_within", "pqls_reached"):
        table[column] = table[column].astype("int64")
    if by == "month":
        table = table[(table["signups"] > 0) | (table["pqls_reached"] > 0)].reset_index(drop=True)
    table = rate_table(table, hits="pqls_within", total="mature", rate="pql_rate")
    table["horizon_days"] = horizon
    span = entities["signup_at"].max() - entities["signup_at"].min() if len(entities) else pd.NaT
    table["months_of_data"] = span / pd.Timedelta(days=DAYS_PER_MONTH) if pd.notna(span) else np.nan
    return table[[by, "signups", "mature", "pqls_within", "pql_rate", "ci_low", "ci_high", "pqls_reached",
                  "horizon_days", "months_of_data"]]


# --- trends ------------------------------------------------------------------------------------


def weekly_pqls(
    entities: pd.DataFrame, *, context: Context | None = None, window: int = 4, freq: str = "W", as_of: AsOf = None
) -> pd.DataFrame:
    """New PQLs per week (Monday 00:00 UTC) with a trailing rolling mean.

    Parameters
    ----------
    context : Context, optional
        The analysis context, for ``as_of``.
    as_of : optional
        Overrides the context's.
    freq : {"W", "M"}
        Weeks or months.
    window : int
        Periods in the rolling mean (a partial window at the start averages what there is).

    Returns
    -------
    pandas.DataFrame
        ``period_start``, ``new_pqls``, ``cumulative_pqls`` (as :func:`pqlkit.pqls_over_time`),
        ``rolling_mean`` (NaN for a period not over yet), ``complete`` (False for the period holding
        ``as_of`` when it is not over).
    """
    if window < 1:
        raise ValueError(f"The value for `window` must be a whole number >= 1, but {window!r} was passed.")
    as_of = context_as_of(as_of, context, caller="weekly_pqls")
    table = pqls_over_time(entities, freq=freq, as_of=as_of)
    table["rolling_mean"] = table["new_pqls"].rolling(window, min_periods=1).mean()
    step = pd.DateOffset(weeks=1) if freq == "W" else pd.DateOffset(months=1)
    if len(table):
        ends = table["period_start"] + step
        table["complete"] = ends <= as_of + pd.Timedelta(microseconds=1)
    else:
        table["complete"] = pd.Series([], dtype=bool) if table.empty else True
    # A week still running would drag the mean down: it gets none.
    table["rolling_mean"] = table["rolling_mean"].where(table["complete"])
    return table


def current_pqls_over_time(
    entities: pd.DataFrame, *, context: Context | None = None, active_days: float | None = None
) -> pd.DataFrame:
    """How many PQLs were *current* at the end of each past week, as docs/metrics.md#metrics defines current.

    At the end ``W`` of each week (Sunday 23:59:59.999999 UTC; for the last week, ``as_of``), an
    entity counts when it was a PQL (``pql_at <= W``), not yet paying (no ``paid_at <= W``) and had
    an event in ``[W - active_days, W]``. Step completion times are those of the per-entity table
    (taken at ``as_of``). The event look-up runs in DuckDB. The last row equals
    ``len(pqlkit.current_pqls(entities, context=context))``.

    Parameters
    ----------
    context : Context
        The analysis context: ``as_of``, the default ``active_days`` and the dataset (the events).
    active_days : float, optional
        Overrides the context's.

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week_start``, ``week_end``, ``pqls_to_date``, ``current_pqls``.
    """
    active = float(context_value("active_days", active_days, context, caller="current_pqls_over_time"))
    if context is None or context.dataset is None:
        raise ValueError("current_pqls_over_time needs `context` with the loaded dataset (it reads the events): "
                         "pass context=... (the second value returned by pk.entity_table)")
    dataset = context.dataset
    as_of = context.as_of
    weeks = pqls_over_time(entities, freq="W", as_of=as_of)
    columns = ["week_start", "week_end", "pqls_to_date", "current_pqls"]
    if weeks.empty:
        return pd.DataFrame({c: [] for c in columns})
    ends = weeks["period_start"] + pd.Timedelta(days=7) - pd.Timedelta(microseconds=1)
    ends = ends.where(ends <= as_of, as_of)
    frame = pd.DataFrame({"week_start": weeks["period_start"], "week_end": ends.astype("datetime64[us, UTC]")})
    pqls = entities.loc[entities["is_pql"], ["entity_id", "pql_at", "paid_at"]].copy()
    frame["pqls_to_date"] = [int((pqls["pql_at"] <= end).sum()) for end in frame["week_end"]]
    frame["current_pqls"] = _current_at(pqls, frame["week_end"], dataset=dataset, active=active)
    frame["pqls_to_date"] = frame["pqls_to_date"].astype("int64")
    frame["current_pqls"] = frame["current_pqls"].astype("int64")
    return frame[columns]


def _current_at(pqls: pd.DataFrame, week_ends: pd.Series, *, dataset: Dataset, active: float) -> list[int]:
    """The number of current PQLs at each week end, in order (0 where none), by :func:`pqlkit.metrics.current.is_current_pql`.

    One pass over the PQLs' events gives each PQL's last-seen time at each week end (weeks are 7
    days from the first week's Monday; the last ends at ``as_of``); the rule is then applied to each
    (PQL, week end) pair.
    """
    seen = last_seen_at_moments(dataset, week_ends.iloc[::-1].tolist(), every=pd.Timedelta(days=7),
                                entity_ids=pqls["entity_id"])
    by_id = pqls.set_index("entity_id")
    current = is_current_pql(seen["entity_id"].map(by_id["pql_at"]), seen["entity_id"].map(by_id["paid_at"]),
                             seen["last_seen_at"], at=seen["at"], active_days=active)
    counts = seen.loc[current, "moment"].value_counts()
    # The moments are the week ends newest first: moment j is week len - 1 - j.
    return [int(counts.get(len(week_ends) - 1 - week, 0)) for week in range(len(week_ends))]
