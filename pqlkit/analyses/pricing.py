"""Pricing signals: PQL-to-paid against a benchmark band, and what it is worth (notebook 04).

The benchmark band is a parameter, not a fact of the data. The default, 15–30 % PQL-to-paid, is a
rule of thumb from the PLG Handbook, attributed to OpenView; no primary dataset behind it was found,
so the readings here say "the band" rather than "the industry".

Reading a rate against the band uses its Wilson 95 % interval, not the point estimate alone:

- the whole interval below the band: ``"below"`` (look at pricing, the upgrade flow, perceived value);
- the whole interval above the band: ``"above"`` (you may be undercharging);
- the whole interval inside the band: ``"within"``;
- otherwise the interval straddles an edge of the band: ``"inconclusive"``, not enough evidence yet.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from pqlkit.core.context import AsOf, Context, context_value
from pqlkit.core.loading import Dataset
from pqlkit.core.entities import as_seen_at
from pqlkit.metrics import current_pqls, paid_lag, pql_to_paid, rate_table, wilson_interval
from pqlkit.metrics.conversion import chance_to_pay
from pqlkit.metrics.current import last_seen_at_moments

__all__ = [
    "BENCHMARK_SOURCE",
    "VERDICTS",
    "benchmark_verdict",
    "benchmark_reading",
    "payments",
    "conversion_by_plan",
    "conversion_by_price_point",
    "lag_summary",
    "free_to_paid",
    "definition_checks",
    "lead_chances",
    "revenue_at_stake",
    "revenue_backtest",
]

BENCHMARK_SOURCE = "PLG Handbook rule of thumb, attributed to OpenView (15–30 % PQL-to-paid; 25–30 % when sales calls PQLs)"
VERDICTS = ("below", "within", "above", "inconclusive", "no_data")

_ACTIONS = {
    "below": "look at pricing, the upgrade flow and the value people perceive before asking them to pay",
    "within": "conversion is where the band puts it; improve it through volume (more PQLs) rather than price",
    "above": "activated users pay readily: you may be undercharging, so test a higher price or a paid tier",
    "inconclusive": "not enough evidence yet to call it; wait for more PQLs before changing the price",
    "no_data": "no PQL could convert yet (no PQL old enough, or no payments data), so there is nothing to compare",
}


def _check_band(low: float, high: float) -> None:
    if not (0 <= low < high <= 1):
        raise ValueError(
            f"The benchmark band must satisfy 0 <= benchmark_low < benchmark_high <= 1, but {low!r} and {high!r} were passed."
        )


def benchmark_verdict(ci_low: float | None, ci_high: float | None, *, low: float = 0.15, high: float = 0.30) -> str:
    """Place a rate's 95 % interval against a benchmark band.

    Parameters
    ----------
    ci_low, ci_high : float or None
        The rate's interval; None or NaN means there is no rate.
    low, high : float
        The band, as shares (0.15 and 0.30).

    Returns
    -------
    str
        One of ``"below"``, ``"within"``, ``"above"``, ``"inconclusive"``, ``"no_data"``.

    Examples
    --------
    >>> benchmark_verdict(0.05, 0.12)
    'below'
    >>> benchmark_verdict(0.10, 0.20)
    'inconclusive'
    """
    _check_band(low, high)
    if ci_low is None or ci_high is None or math.isnan(ci_low) or math.isnan(ci_high):
        return "no_data"
    if ci_high < low:
        return "below"
    if ci_low > high:
        return "above"
    if ci_low >= low and ci_high <= high:
        return "within"
    return "inconclusive"


def benchmark_reading(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    low: float = 0.15,
    high: float = 0.30,
    has_payments: bool | None = None,
    by_day: float | None = 30,
) -> pd.DataFrame:
    """PQL-to-paid at a fixed lag, its interval, the band, the verdict and what it points to.

    The rate compared is paid within ``by_day`` days of ``pql_at`` among the PQLs at least
    ``by_day`` days past their PQL (:func:`pqlkit.pql_to_paid` with ``by_day``), so PQLs too young
    to have had the time to pay do not pull it down (docs/metrics.md#choices).

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context, optional
        The analysis context, for ``has_payments``.
    low, high : float
        The benchmark band.
    has_payments : bool, optional
        Default ``context.has_conversions``: without a payments table the rate means nothing and
        the verdict is ``"no_data"``.
    by_day : float or None
        The lag N in days (30, the horizon of the conversion score). None: all-time, PQLs of any
        age (a description, not a basis for the verdict).

    Returns
    -------
    pandas.DataFrame
        One row: ``by_day`` (NaN for all-time), ``eligible``, ``paid_pqls``, ``pql_to_paid_rate``,
        ``ci_low``, ``ci_high``, ``band_low``, ``band_high``, ``verdict``, ``action``.
    """
    _check_band(low, high)
    has_payments = context_value("has_payments", has_payments, context, caller="benchmark_reading",
                                 attribute="has_conversions")
    row = pql_to_paid(entities, by_day=by_day).iloc[0]
    rate, ci_low, ci_high = (float(row[c]) for c in ("pql_to_paid_rate", "ci_low", "ci_high"))
    if not has_payments:
        rate = ci_low = ci_high = np.nan
    verdict = benchmark_verdict(ci_low, ci_high, low=low, high=high)
    return pd.DataFrame([{
        "by_day": np.nan if by_day is None else float(by_day),
        "eligible": int(row["eligible"]),
        "paid_pqls": int(row["paid_pqls"]) if has_payments else 0,
        "pql_to_paid_rate": rate,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "band_low": float(low),
        "band_high": float(high),
        "verdict": verdict,
        "action": _ACTIONS[verdict],
    }])


# --- payments, plans and price points ----------------------------------------------------------


def payments(dataset: Dataset) -> pd.DataFrame:
    """The first payment of each paying entity, with its plan and MRR when the file has them.

    Runs in the dataset's engine over the clean ``conversions`` table; the earliest row per entity counts
    (ties broken by plan, then MRR, so the result does not depend on file order).

    Returns
    -------
    pandas.DataFrame
        One row per paying entity, sorted by ``entity_id``: ``entity_id``, ``paid_at``,
        ``paid_plan`` (str or None), ``mrr`` (float or NaN).
    """
    columns = set(dataset.sql("SELECT * FROM conversions LIMIT 0").columns)
    plan = "plan" if "plan" in columns else "CAST(NULL AS VARCHAR)"
    mrr = "TRY_CAST(mrr AS DOUBLE)" if "mrr" in columns else "CAST(NULL AS DOUBLE)"
    table = dataset.sql(
        f"""
        SELECT entity_id, paid_at, paid_plan, mrr FROM (
            SELECT *, row_number() OVER (PARTITION BY entity_id ORDER BY paid_at, paid_plan NULLS LAST, mrr NULLS LAST) AS n
            FROM (
                SELECT entity_id, paid_at, NULLIF(trim(CAST({plan} AS VARCHAR)), '') AS paid_plan, {mrr} AS mrr
                FROM conversions WHERE entity_id IS NOT NULL
            ) AS firsts
        ) AS ranked WHERE n = 1
        ORDER BY entity_id
        """
    )
    table["entity_id"] = table["entity_id"].astype("str")
    table["paid_at"] = pd.to_datetime(table["paid_at"], utc=True).astype("datetime64[us, UTC]")
    table["paid_plan"] = table["paid_plan"].astype("object").where(table["paid_plan"].notna(), None)
    table["mrr"] = table["mrr"].astype(float)
    return table


def _paying(entities: pd.DataFrame, dataset: Dataset, *, by_day: float | None = None) -> pd.DataFrame:
    """Paying entities with their path: ``converted_pql`` / ``paid_before_pql`` / ``paid_without_pql``,
    and ``in_lag``: a converted PQL at least ``by_day`` days past its PQL that paid within ``by_day``
    days of it (every converted PQL when ``by_day`` is None)."""
    paid = payments(dataset)
    frame = entities.loc[entities["paid_at"].notna(), ["entity_id", "is_pql", "pql_at", "paid_at", "age_days",
                                                       "time_to_pql_days"]]
    frame = frame.merge(paid[["entity_id", "paid_plan", "mrr"]], on="entity_id", how="left")
    path = np.where(~frame["is_pql"], "paid_without_pql",
                    np.where(frame["paid_at"] < frame["pql_at"], "paid_before_pql", "converted_pql"))
    frame["path"] = path
    frame["lag_days"] = ((frame["paid_at"] - frame["pql_at"]).dt.total_seconds() / 86400).where(frame["path"] == "converted_pql")
    frame["in_lag"] = frame["path"] == "converted_pql"
    if by_day is not None:
        since_pql = frame["age_days"] - frame["time_to_pql_days"]
        frame["in_lag"] &= (since_pql >= by_day) & (frame["lag_days"] <= by_day)
    return frame.drop(columns=["age_days", "time_to_pql_days"])


def _paid_summary(frame: pd.DataFrame, key: str, total_eligible: int) -> pd.DataFrame:
    groups = frame.groupby(key, dropna=False, sort=True)
    table = pd.DataFrame({
        "paying": groups.size(),
        "converted_pqls": groups["path"].apply(lambda s: int((s == "converted_pql").sum())),
        "converted_in_lag": groups["in_lag"].sum(),
        "paid_before_pql": groups["path"].apply(lambda s: int((s == "paid_before_pql").sum())),
        "paid_without_pql": groups["path"].apply(lambda s: int((s == "paid_without_pql").sum())),
        "mean_mrr": groups["mrr"].mean(),
        "median_lag_days": groups["lag_days"].median(),
    }).reset_index()
    for column in ("paying", "converted_pqls", "converted_in_lag", "paid_before_pql", "paid_without_pql"):
        table[column] = table[column].astype("int64")
    table["share_of_paid_pqls"] = table["converted_pqls"] / max(int(table["converted_pqls"].sum()), 1)
    table["eligible"] = total_eligible
    return rate_table(table, hits="converted_in_lag", total="eligible", rate="pql_to_paid_rate").drop(columns="eligible")


def _dataset(context: Context | None, caller: str) -> Dataset:
    if context is None or context.dataset is None:
        raise ValueError(f"{caller} needs `context` with the loaded dataset (it reads the payments): pass "
                         "context=... (the second value returned by pk.entity_table)")
    return context.dataset


def conversion_by_plan(entities: pd.DataFrame, *, context: Context, by_day: float | None = 30) -> pd.DataFrame:
    """How paying entities split by the plan of their first payment, and how PQLs convert to each.

    ``pql_to_paid_rate`` is per plan and at a fixed lag: PQLs that paid for that plan within
    ``by_day`` days of their PQL / the PQLs at least ``by_day`` days past their PQL that had not
    paid before (:func:`pqlkit.pql_to_paid` with ``by_day``), so the rates add up to the overall
    PQL-to-paid rate within ``by_day`` days. The counts (``paying``, ``converted_pqls``, ...) and
    the shares describe every payment so far.

    Parameters
    ----------
    context : Context
        The analysis context, with the loaded dataset (the payments).
    by_day : float or None
        The lag N in days (30); None: all-time.

    Returns
    -------
    pandas.DataFrame
        One row per plan (``"(no plan)"`` when the payments have none), sorted by plan: ``plan``,
        ``paying``, ``converted_pqls``, ``converted_in_lag`` (the rate's numerator),
        ``paid_before_pql``, ``paid_without_pql``, ``mean_mrr``, ``median_lag_days`` (PQL to
        payment), ``share_of_paid_pqls``, ``pql_to_paid_rate``, ``ci_low``, ``ci_high``. Empty
        without payments.
    """
    frame = _paying(entities, _dataset(context, "conversion_by_plan"), by_day=by_day)
    eligible = int(pql_to_paid(entities, by_day=by_day).iloc[0]["eligible"])
    frame["plan"] = frame["paid_plan"].where(frame["paid_plan"].notna(), "(no plan)").astype("str")
    columns = ["plan", "paying", "converted_pqls", "converted_in_lag", "paid_before_pql", "paid_without_pql", "mean_mrr",
               "median_lag_days", "share_of_paid_pqls", "pql_to_paid_rate", "ci_low", "ci_high"]
    if frame.empty:
        return pd.DataFrame({c: [] for c in columns})
    return _paid_summary(frame, "plan", eligible)[columns]


def conversion_by_price_point(entities: pd.DataFrame, *, context: Context, max_points: int = 8,
                              by_day: float | None = 30) -> pd.DataFrame:
    """As :func:`conversion_by_plan` (the same lag ``by_day``), by MRR price point (the distinct MRR values of first payments).

    When there are more than ``max_points`` distinct values, they are grouped into ``max_points``
    ranges of equal count (quantile bins, labelled by their bounds).

    Returns
    -------
    pandas.DataFrame
        ``price_point`` (label, e.g. ``"49"`` or ``"49–99"``), ``mrr_low`` (sort key) and the
        columns of :func:`conversion_by_plan` after ``plan``; empty without MRR values.
    """
    frame = _paying(entities, _dataset(context, "conversion_by_price_point"), by_day=by_day)
    frame = frame[frame["mrr"].notna()].copy()
    columns = ["price_point", "mrr_low", "paying", "converted_pqls", "converted_in_lag", "paid_before_pql", "paid_without_pql",
               "mean_mrr", "median_lag_days", "share_of_paid_pqls", "pql_to_paid_rate", "ci_low", "ci_high"]
    if frame.empty:
        return pd.DataFrame({c: [] for c in columns})
    eligible = int(pql_to_paid(entities, by_day=by_day).iloc[0]["eligible"])
    values = np.sort(frame["mrr"].unique())
    if len(values) <= max_points:
        frame["mrr_low"] = frame["mrr"]
        frame["price_point"] = frame["mrr"].map(_money)
    else:
        bins = pd.qcut(frame["mrr"], q=max_points, duplicates="drop")
        frame["mrr_low"] = bins.map(lambda b: float(frame.loc[bins == b, "mrr"].min())).astype(float)
        highs = bins.map(lambda b: float(frame.loc[bins == b, "mrr"].max())).astype(float)
        frame["price_point"] = [f"{_money(lo)}–{_money(hi)}" for lo, hi in zip(frame["mrr_low"], highs)]
    table = _paid_summary(frame, "mrr_low", eligible)
    labels = frame.drop_duplicates("mrr_low").set_index("mrr_low")["price_point"]
    table.insert(0, "price_point", table["mrr_low"].map(labels).astype("str"))
    return table[columns]


def _money(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def lag_summary(entities: pd.DataFrame, *, days: tuple[float, ...] = (7, 14, 30)) -> pd.DataFrame:
    """Days from PQL to first payment: count, quartiles and the share paid within N days.

    Returns
    -------
    pandas.DataFrame
        One row: ``paid_pqls``, ``p25_days``, ``median_days``, ``p75_days``, ``p90_days``, then
        ``within_{N}d`` (share of paid PQLs that paid within N days) for each N. NaN without any.
    """
    lag = paid_lag(entities)["lag_days"]
    row = {"paid_pqls": len(lag)}
    for name, q in (("p25_days", 0.25), ("median_days", 0.5), ("p75_days", 0.75), ("p90_days", 0.9)):
        row[name] = float(lag.quantile(q)) if len(lag) else np.nan
    for day in days:
        row[f"within_{day:g}d"] = float((lag <= day).mean()) if len(lag) else np.nan
    return pd.DataFrame([row])


def free_to_paid(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    min_age_days: float | None = None,
    has_payments: bool | None = None,
) -> pd.DataFrame:
    """Free-to-paid conversion of all signups old enough to have finished the trial.

    Comparable with published free-to-paid figures (which count every trial or free signup, not
    only PQLs): the share of entities at least ``min_age_days`` old (default the context's
    ``trial_days``) that have paid, by ``as_of``. ``has_payments`` defaults to
    ``context.has_conversions``.

    Returns
    -------
    pandas.DataFrame
        One row: ``min_age_days``, ``entities`` (old enough), ``paying``, ``free_to_paid_rate``,
        ``ci_low``, ``ci_high`` (NaN without entities or without payments).
    """
    min_age_days = context_value("min_age_days", min_age_days, context, caller="free_to_paid", attribute="trial_days")
    has_payments = context_value("has_payments", has_payments, context, caller="free_to_paid",
                                 attribute="has_conversions")
    old = entities["age_days"] >= min_age_days
    n = int(old.sum())
    paying = int((old & entities["paid_at"].notna()).sum())
    low, high = wilson_interval(paying, n)
    rate = paying / n if n and has_payments else np.nan
    return pd.DataFrame([{
        "min_age_days": float(min_age_days),
        "entities": n,
        "paying": paying,
        "free_to_paid_rate": rate,
        "ci_low": float(low) if has_payments else np.nan,
        "ci_high": float(high) if has_payments else np.nan,
    }])


def definition_checks(entities: pd.DataFrame) -> pd.DataFrame:
    """Checks on the activation definition itself, from how paying entities got there.

    - ``paid_before_pql``: payers who completed the steps only after paying. Many of them means
      the steps happen *after* the decision to buy (e.g. inviting the team once the contract is
      signed): they measure onboarding, not buying intent.
    - ``paid_without_pql``: payers who never reached the threshold. Many of them means there is a
      road to value the definition misses.

    Returns
    -------
    pandas.DataFrame
        One row per path, in the order ``converted_pql``, ``paid_before_pql``,
        ``paid_without_pql``: ``path``, ``paying`` (entities), ``share`` (of all paying entities,
        NaN when none), ``ci_low``, ``ci_high``.
    """
    paid = entities["paid_at"].notna()
    is_pql = entities["is_pql"]
    before = is_pql & paid & (entities["paid_at"] < entities["pql_at"])
    counts = {
        "converted_pql": int((is_pql & paid & ~before).sum()),
        "paid_before_pql": int(before.sum()),
        "paid_without_pql": int((~is_pql & paid).sum()),
    }
    total = int(paid.sum())
    table = pd.DataFrame({"path": list(counts), "paying": list(counts.values())})
    table["paying"] = table["paying"].astype("int64")
    table["all_paying"] = total
    return rate_table(table, hits="paying", total="all_paying", rate="share").drop(columns="all_paying")


def _average_mrr(entities: pd.DataFrame, dataset: Dataset | None) -> float:
    """The mean MRR of the first payments of PQLs that converted, else of all payers; NaN without MRR."""
    if dataset is None or not dataset.has_conversions:
        return np.nan
    frame = _paying(entities, dataset)
    converted = frame.loc[frame["path"] == "converted_pql", "mrr"].dropna()
    pool = converted if len(converted) else frame["mrr"].dropna()
    return float(pool.mean()) if len(pool) else np.nan


def lead_chances(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    as_of: AsOf = None,
    active_days: float | None = None,
    horizon_days: float = 30,
    chances: pd.Series | None = None,
) -> pd.DataFrame:
    """Each current PQL's chance of paying within ``horizon_days``, from its own odds.

    A lead that has been a PQL for ``d`` days without paying pays within the next ``h`` days with
    probability ``(S(d) - S(d + h)) / S(d)``, ``S`` being the Kaplan–Meier curve of days from PQL
    to payment (:func:`pqlkit.metrics.conversion.chance_to_pay`). Where a score gives calibrated
    probabilities of paying within the same horizon, pass them as ``chances``.

    Parameters
    ----------
    context : Context, optional
        The analysis context (``as_of``, ``active_days``: the current PQLs).
    as_of, active_days : optional
        Override the context's.
    horizon_days : float
        The horizon in days (30, the conversion score's).
    chances : pandas.Series, optional
        Probabilities indexed by ``entity_id`` (e.g. :func:`pqlkit.pay_score`'s), used instead of the curve.

    Returns
    -------
    pandas.DataFrame
        One row per current PQL: ``entity_id``, ``days_since_pql``, ``chance`` (NaN, not
        measured, where the curve does not reach ``d + h``).
    """
    current = current_pqls(entities, context=context, as_of=as_of, active_days=active_days)
    table = current[["entity_id", "days_since_pql"]].reset_index(drop=True)
    if chances is not None:
        table["chance"] = table["entity_id"].map(chances).astype(float)
    else:
        table["chance"] = chance_to_pay(entities, days_since_pql=table["days_since_pql"], horizon_days=horizon_days)
    return table


def _cases(chance: pd.Series, *, level: float) -> dict[str, float]:
    """Expected customers and the range of outcomes if the odds are right (normal approximation of a
    sum of independent Bernoulli trials)."""
    known = chance.dropna()
    expected = float(known.sum())
    spread = NormalDist().inv_cdf(0.5 + level / 2) * math.sqrt(float((known * (1 - known)).sum()))
    return {"low": max(expected - spread, 0.0), "expected": expected, "high": expected + spread}


def revenue_at_stake(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    as_of: AsOf = None,
    active_days: float | None = None,
    horizon_days: float = 30,
    chances: pd.Series | None = None,
    average_mrr: float | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """What the current PQLs are worth over the horizon: the sum of their own chances × average MRR.

    Each current PQL's chance of paying within ``horizon_days`` comes from how long it has already
    been a PQL without paying (:func:`lead_chances`), not from the conversion of all PQLs, who
    include the ones that paid early. The low and high cases are the ``level`` range of the number
    of customers if those chances are right (a normal approximation of the sum of independent
    Bernoulli trials; the uncertainty of the curve itself is not in it). Leads too far past their
    PQL for the curve to say are counted in ``not_measured`` and left out of the sum.
    :func:`revenue_backtest` checks the method on past dates.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table.
    context : Context, optional
        The analysis context: ``as_of`` and ``active_days`` (current PQLs), and the dataset (the MRR
        of payments; without one, ``average_mrr`` must be given).
    as_of, active_days : optional
        Override the context's.
    horizon_days : float
        The horizon in days (30).
    chances : pandas.Series, optional
        Each lead's probability of paying within the horizon, by ``entity_id`` (a calibrated score).
    average_mrr : float, optional
        Default: the mean MRR of the first payments of PQLs that converted, else of all payers.
    level : float
        The range of the low and high cases (0.95).

    Returns
    -------
    pandas.DataFrame
        Three rows, ``case`` = ``low`` / ``expected`` / ``high``: ``case``, ``current_pqls``,
        ``not_measured`` (leads without a chance), ``horizon_days``, ``conversion`` (expected
        customers / measured leads), ``average_mrr``, ``expected_customers``, ``mrr_at_stake``. The
        numbers are NaN where an input is missing (no payments, no MRR, no lead measured).

    Examples
    --------
    Two current PQLs with chances 0.5 and 0.1, 200 a month: 0.6 customers, 120 MRR at stake.
    """
    if not 0 < level < 1:
        raise ValueError(f"The value for `level` must be between 0 and 1, but {level!r} was passed.")
    dataset = context.dataset if context is not None else None
    leads = lead_chances(entities, context=context, as_of=as_of, active_days=active_days,
                         horizon_days=horizon_days, chances=chances)
    measured = leads["chance"].notna()
    has = (dataset is None or dataset.has_conversions) and bool(measured.any())
    customers = _cases(leads["chance"], level=level) if has else dict.fromkeys(("low", "expected", "high"), np.nan)
    mrr = _average_mrr(entities, dataset) if average_mrr is None else float(average_mrr)
    rows = [{"case": case, "current_pqls": len(leads), "not_measured": int((~measured).sum()),
             "horizon_days": float(horizon_days), "conversion": value / measured.sum() if has else np.nan,
             "average_mrr": mrr, "expected_customers": value, "mrr_at_stake": value * mrr}
            for case, value in customers.items()]
    table = pd.DataFrame(rows)
    table[["current_pqls", "not_measured"]] = table[["current_pqls", "not_measured"]].astype("int64")
    return table


def revenue_backtest(
    entities: pd.DataFrame,
    *,
    context: Context,
    horizon_days: float = 30,
    dates: int = 6,
    every_days: float = 30,
    active_days: float | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Replay :func:`revenue_at_stake` at past dates and compare the expected customers with what happened.

    The dates are ``as_of - horizon_days``, then every ``every_days`` before it (``dates`` of them,
    none before the first signup), so that the whole horizon after each is known. At each date the
    table is cut to what was known then (PQLs, payments and last-seen times up to it); the current
    PQLs then are counted, their expected customers computed by this method and by the former one
    (current PQLs × the all-time PQL-to-paid rate then), and compared with the realised customers:
    those of the leads that paid within ``horizon_days`` after the date.

    Parameters
    ----------
    context : Context
        The analysis context with the loaded dataset (DuckDB engine: the events give last-seen times).
    horizon_days, dates, every_days : float, int, float
        The horizon (30), the number of past dates (6) and their spacing in days (30).
    active_days : float, optional
        Overrides the context's (the current-PQL rule).
    level : float
        The range of the low and high cases (0.95), as in :func:`revenue_at_stake`.

    Returns
    -------
    pandas.DataFrame
        One row per date, oldest first: ``as_of``, ``current_pqls``, ``not_measured`` (leads the
        curve could not give a chance then), ``expected_customers``, ``low``, ``high`` (as in
        :func:`revenue_at_stake`, over the measured leads), ``realised_measured`` (of those, the
        ones that paid within the horizon: what ``expected_customers`` predicts),
        ``all_time_rate_customers`` (the former formula: every current PQL × the all-time
        PQL-to-paid rate then) and ``realised_customers`` (every current PQL that paid within the
        horizon: what the former formula predicts).
    """
    if context is None or context.dataset is None:
        raise ValueError("revenue_backtest needs `context` with the loaded dataset (it reads the events): pass "
                         "context=... (the second value returned by pk.entity_table)")
    active = float(context_value("active_days", active_days, context, caller="revenue_backtest"))
    every = pd.Timedelta(days=every_days)
    newest = context.as_of - pd.Timedelta(days=horizon_days)
    moments = [newest - k * every for k in range(dates) if newest - k * every >= entities["signup_at"].min()]
    columns = ["as_of", "current_pqls", "not_measured", "expected_customers", "low", "high", "realised_measured",
               "all_time_rate_customers", "realised_customers"]
    if not moments:
        return pd.DataFrame({c: [] for c in columns})
    seen = last_seen_at_moments(context.dataset, moments, every=every)
    rows = []
    for position, at in enumerate(moments):
        moment_seen = seen[seen["moment"] == position].set_index("entity_id")["last_seen_at"]
        past = as_seen_at(entities, at, context=context, last_seen_at=moment_seen)
        leads = lead_chances(past, as_of=at, active_days=active, horizon_days=horizon_days)
        measured = leads["chance"].notna()
        cases = _cases(leads["chance"], level=level) if measured.any() else dict.fromkeys(("low", "expected", "high"), np.nan)
        paid = leads["entity_id"].map(entities.set_index("entity_id")["paid_at"])
        won = (paid > at) & (paid <= at + pd.Timedelta(days=horizon_days))
        rate = pql_to_paid(past).iloc[0]["pql_to_paid_rate"]
        rows.append({"as_of": at, "current_pqls": len(leads), "not_measured": int((~measured).sum()),
                     "expected_customers": cases["expected"], "low": cases["low"], "high": cases["high"],
                     "realised_measured": int((won & measured).sum()),
                     "all_time_rate_customers": len(leads) * rate, "realised_customers": int(won.sum())})
    return pd.DataFrame(rows, columns=columns).iloc[::-1].reset_index(drop=True)
