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

import numpy as np
import pandas as pd

from pqlkit.core.context import Context, context_value
from pqlkit.core.loading import Dataset
from pqlkit.metrics import current_pqls, paid_lag, pql_to_paid, rate_table, wilson_interval

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
    "revenue_at_stake",
]

BENCHMARK_SOURCE = "PLG Handbook rule of thumb, attributed to OpenView (15–30 % PQL-to-paid; 25–30 % when sales calls PQLs)"
VERDICTS = ("below", "within", "above", "inconclusive", "no_data")

_ACTIONS = {
    "below": "look at pricing, the upgrade flow and the value people perceive before asking them to pay",
    "within": "conversion is where the band puts it; improve it through volume (more PQLs) rather than price",
    "above": "activated users pay readily: you may be undercharging, so test a higher price or a paid tier",
    "inconclusive": "not enough evidence yet to call it; wait for more PQLs before changing the price",
    "no_data": "no PQL could convert yet (no PQLs, or no payments data), so there is nothing to compare",
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
    within_days: float | None = None,
) -> pd.DataFrame:
    """The PQL-to-paid rate, its interval, the band, the verdict and what it points to.

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
    within_days : float, optional
        Count only payments within this many days of ``pql_at``.

    Returns
    -------
    pandas.DataFrame
        One row: ``eligible``, ``paid_pqls``, ``pql_to_paid_rate``, ``ci_low``, ``ci_high``,
        ``band_low``, ``band_high``, ``verdict``, ``action``.
    """
    _check_band(low, high)
    has_payments = context_value("has_payments", has_payments, context, caller="benchmark_reading",
                                 attribute="has_conversions")
    row = pql_to_paid(entities, within_days=within_days).iloc[0]
    rate, ci_low, ci_high = (float(row[c]) for c in ("pql_to_paid_rate", "ci_low", "ci_high"))
    if not has_payments:
        rate = ci_low = ci_high = np.nan
    verdict = benchmark_verdict(ci_low, ci_high, low=low, high=high)
    return pd.DataFrame([{
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
            SELECT entity_id, paid_at, NULLIF(trim(CAST({plan} AS VARCHAR)), '') AS paid_plan, {mrr} AS mrr,
                row_number() OVER (PARTITION BY entity_id ORDER BY paid_at, paid_plan NULLS LAST, mrr NULLS LAST) AS n
            FROM conversions WHERE entity_id IS NOT NULL
        ) WHERE n = 1
        ORDER BY entity_id
        """
    )
    table["entity_id"] = table["entity_id"].astype("str")
    table["paid_at"] = pd.to_datetime(table["paid_at"], utc=True).astype("datetime64[us, UTC]")
    table["paid_plan"] = table["paid_plan"].astype("object").where(table["paid_plan"].notna(), None)
    table["mrr"] = table["mrr"].astype(float)
    return table


def _paying(entities: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Paying entities with their path: ``converted_pql`` / ``paid_before_pql`` / ``paid_without_pql``."""
    paid = payments(dataset)
    frame = entities.loc[entities["paid_at"].notna(), ["entity_id", "is_pql", "pql_at", "paid_at"]]
    frame = frame.merge(paid[["entity_id", "paid_plan", "mrr"]], on="entity_id", how="left")
    path = np.where(~frame["is_pql"], "paid_without_pql",
                    np.where(frame["paid_at"] < frame["pql_at"], "paid_before_pql", "converted_pql"))
    frame["path"] = path
    frame["lag_days"] = ((frame["paid_at"] - frame["pql_at"]).dt.total_seconds() / 86400).where(frame["path"] == "converted_pql")
    return frame


def _paid_summary(frame: pd.DataFrame, key: str, total_eligible: int) -> pd.DataFrame:
    groups = frame.groupby(key, dropna=False, sort=True)
    table = pd.DataFrame({
        "paying": groups.size(),
        "converted_pqls": groups["path"].apply(lambda s: int((s == "converted_pql").sum())),
        "paid_before_pql": groups["path"].apply(lambda s: int((s == "paid_before_pql").sum())),
        "paid_without_pql": groups["path"].apply(lambda s: int((s == "paid_without_pql").sum())),
        "mean_mrr": groups["mrr"].mean(),
        "median_lag_days": groups["lag_days"].median(),
    }).reset_index()
    for column in ("paying", "converted_pqls", "paid_before_pql", "paid_without_pql"):
        table[column] = table[column].astype("int64")
    table["share_of_paid_pqls"] = table["converted_pqls"] / max(int(table["converted_pqls"].sum()), 1)
    table["eligible"] = total_eligible
    return rate_table(table, hits="converted_pqls", total="eligible", rate="pql_to_paid_rate").drop(columns="eligible")


def _dataset(context: Context | None, caller: str) -> Dataset:
    if context is None or context.dataset is None:
        raise ValueError(f"{caller} needs `context` with the loaded dataset (it reads the payments): pass "
                         "context=... (the second value returned by pk.entity_table)")
    return context.dataset


def conversion_by_plan(entities: pd.DataFrame, *, context: Context) -> pd.DataFrame:
    """How paying entities split by the plan of their first payment, and how PQLs convert to each.

    ``pql_to_paid_rate`` is per plan: PQLs that converted to that plan / all eligible PQLs (PQLs
    that had not paid before), so the rates add up to the overall PQL-to-paid rate.

    Returns
    -------
    pandas.DataFrame
        One row per plan (``"(no plan)"`` when the payments have none), sorted by plan: ``plan``,
        ``paying``, ``converted_pqls``, ``paid_before_pql``, ``paid_without_pql``, ``mean_mrr``,
        ``median_lag_days`` (PQL to payment), ``share_of_paid_pqls``, ``pql_to_paid_rate``,
        ``ci_low``, ``ci_high``. Empty without payments.
    """
    frame = _paying(entities, _dataset(context, "conversion_by_plan"))
    eligible = int(pql_to_paid(entities).iloc[0]["eligible"])
    frame["plan"] = frame["paid_plan"].where(frame["paid_plan"].notna(), "(no plan)").astype("str")
    columns = ["plan", "paying", "converted_pqls", "paid_before_pql", "paid_without_pql", "mean_mrr",
               "median_lag_days", "share_of_paid_pqls", "pql_to_paid_rate", "ci_low", "ci_high"]
    if frame.empty:
        return pd.DataFrame({c: [] for c in columns})
    return _paid_summary(frame, "plan", eligible)[columns]


def conversion_by_price_point(entities: pd.DataFrame, *, context: Context, max_points: int = 8) -> pd.DataFrame:
    """As :func:`conversion_by_plan`, by MRR price point (the distinct MRR values of first payments).

    When there are more than ``max_points`` distinct values, they are grouped into ``max_points``
    ranges of equal count (quantile bins, labelled by their bounds).

    Returns
    -------
    pandas.DataFrame
        ``price_point`` (label, e.g. ``"49"`` or ``"49–99"``), ``mrr_low`` (sort key) and the
        columns of :func:`conversion_by_plan` after ``plan``; empty without MRR values.
    """
    frame = _paying(entities, _dataset(context, "conversion_by_price_point"))
    frame = frame[frame["mrr"].notna()].copy()
    columns = ["price_point", "mrr_low", "paying", "converted_pqls", "paid_before_pql", "paid_without_pql",
               "mean_mrr", "median_lag_days", "share_of_paid_pqls", "pql_to_paid_rate", "ci_low", "ci_high"]
    if frame.empty:
        return pd.DataFrame({c: [] for c in columns})
    eligible = int(pql_to_paid(entities).iloc[0]["eligible"])
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


def revenue_at_stake(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    expected_conversion: float | None = None,
    average_mrr: float | None = None,
) -> pd.DataFrame:
    """What the current PQLs are worth: current PQLs × expected conversion × average MRR.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table.
    context : Context, optional
        The analysis context: ``as_of`` and ``active_days`` (current PQLs), and the dataset (the MRR
        of payments; without one, ``average_mrr`` must be given).
    expected_conversion : float, optional
        Default: the observed PQL-to-paid rate, with its Wilson interval as the low and high case.
    average_mrr : float, optional
        Default: the mean MRR of the first payments of PQLs that converted, else of all payers.

    Returns
    -------
    pandas.DataFrame
        Three rows, ``case`` = ``low`` / ``expected`` / ``high``: ``case``, ``current_pqls``,
        ``conversion``, ``average_mrr``, ``expected_customers``, ``mrr_at_stake``. The numbers are
        NaN where an input is missing (no payments, no MRR).

    Examples
    --------
    40 current PQLs, 25 % conversion, 100 a month: 10 customers, 1,000 MRR at stake.
    """
    if expected_conversion is not None and not 0 <= expected_conversion <= 1:
        raise ValueError(f"The value for `expected_conversion` must be in [0, 1], but {expected_conversion!r} was passed.")
    current = len(current_pqls(entities, context=context))
    dataset = context.dataset if context is not None else None
    if expected_conversion is not None:
        rates = {"low": expected_conversion, "expected": expected_conversion, "high": expected_conversion}
    else:
        row = pql_to_paid(entities).iloc[0]
        has = dataset is None or dataset.has_conversions
        rates = {
            "low": float(row["ci_low"]) if has else np.nan,
            "expected": float(row["pql_to_paid_rate"]) if has else np.nan,
            "high": float(row["ci_high"]) if has else np.nan,
        }
    if average_mrr is None:
        average_mrr = np.nan
        if dataset is not None and dataset.has_conversions:
            frame = _paying(entities, dataset)
            converted = frame.loc[frame["path"] == "converted_pql", "mrr"].dropna()
            pool = converted if len(converted) else frame["mrr"].dropna()
            average_mrr = float(pool.mean()) if len(pool) else np.nan
    rows = []
    for case, rate in rates.items():
        customers = current * rate
        rows.append({"case": case, "current_pqls": current, "conversion": rate, "average_mrr": float(average_mrr),
                     "expected_customers": customers, "mrr_at_stake": customers * average_mrr})
    table = pd.DataFrame(rows)
    table["current_pqls"] = table["current_pqls"].astype("int64")
    return table
