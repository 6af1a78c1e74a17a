"""PQL to paid (family 4, docs/metrics.md#metrics): conversion of PQLs, and the days from PQL to payment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pqlkit.core.context import check_columns
from pqlkit.core.arrays import column_array
from pqlkit.metrics.rates import rate_table
from pqlkit.metrics.rules import paid_and_pql
from pqlkit.stats import km_share_by, km_table

__all__ = ["pql_to_paid", "paid_lag", "time_to_paid_curve", "chance_to_pay"]


def pql_to_paid(
    entities: pd.DataFrame, *, within_days: float | None = None, by: str | Sequence[str] | None = None,
    by_day: float | None = None,
) -> pd.DataFrame:
    """PQL-to-paid conversion: of PQLs who were not customers before, how many paid after.

    All-time by default: PQLs of any age count, so a young PQL that has had no time to pay lowers
    the rate. With ``by_day=N`` it is taken at a fixed lag: paid within N days of ``pql_at``, among
    the PQLs that have been PQLs for at least N days (docs/metrics.md#choices), the basis of every
    comparison with a benchmark, a threshold, a plan or another report.

    Parameters
    ----------
    within_days : float, optional
        Count only payments within this many days after ``pql_at``.
    by : str or list of str, optional
        Segment column(s) to group by.
    by_day : float, optional
        The fixed lag N in days: count only PQLs with ``age_days - time_to_pql_days >= N``, and as
        paid only payments within N days after ``pql_at`` (``within_days`` is then ignored).

    Returns
    -------
    pandas.DataFrame
        The group columns, ``pqls``, ``paid_before_pql``, ``eligible`` (pqls - paid_before_pql),
        ``paid_pqls``, ``pql_to_paid_rate`` (NaN when nothing is eligible), ``ci_low``, ``ci_high``,
        and ``paid_without_pql`` (paying entities that are not PQLs).
    """
    keys = check_columns(entities, by, argument="by")
    if by_day is not None:
        since_pql = entities["age_days"] - entities["time_to_pql_days"]
        entities = entities[~entities["is_pql"] | (since_pql >= by_day)]
        within_days = by_day
    frame = entities[keys].copy() if keys else pd.DataFrame(index=entities.index)
    flags = _paid_and_pql(entities, within_days=within_days)
    sums = ["pqls", "paid_before_pql", "paid_pqls", "paid_without_pql"]
    for name in sums:
        frame[name] = flags[name]
    if keys:
        counts = frame.groupby(keys, dropna=False, sort=True)[sums].sum().reset_index()
    else:
        counts = frame[sums].sum().to_frame().T
    counts[sums] = counts[sums].astype("int64")
    counts.insert(len(keys) + 2, "eligible", counts["pqls"] - counts["paid_before_pql"])
    table = rate_table(counts, hits="paid_pqls", total="eligible", rate="pql_to_paid_rate")
    return table[[*keys, "pqls", "paid_before_pql", "eligible", "paid_pqls", "pql_to_paid_rate",
                  "ci_low", "ci_high", "paid_without_pql"]]


def _paid_and_pql(entities: pd.DataFrame, *, within_days: float | None = None) -> dict[str, np.ndarray]:
    """:func:`pqlkit.metrics.rules.paid_and_pql` on the table's columns."""
    return paid_and_pql(column_array(entities["is_pql"]), column_array(entities["pql_at"]),
                        column_array(entities["paid_at"]), within_days=within_days)


def paid_lag(entities: pd.DataFrame) -> pd.DataFrame:
    """Days from PQL to first payment, for the PQLs that paid at or after becoming PQLs.

    Returns
    -------
    pandas.DataFrame
        ``entity_id``, ``pql_at``, ``paid_at``, ``lag_days``, sorted by ``lag_days``.
    """
    mask = _paid_and_pql(entities)["paid_pqls"]
    table = entities.loc[mask, ["entity_id", "pql_at", "paid_at"]].copy()
    table["lag_days"] = (table["paid_at"] - table["pql_at"]).dt.total_seconds() / 86400
    return table.sort_values(["lag_days", "entity_id"]).reset_index(drop=True)


def _time_to_paid(entities: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Days from PQL to payment for the PQLs that paid after it; days since PQL (censored) for the unpaid.

    PQLs that paid before their PQL were customers already and are left out.
    """
    flags = _paid_and_pql(entities)
    frame = entities[flags["pqls"] & ~flags["paid_before_pql"]]
    paid = frame["paid_at"].notna()
    lag = (frame["paid_at"] - frame["pql_at"]).dt.total_seconds() / 86400
    since_pql = frame["age_days"] - frame["time_to_pql_days"]
    return lag.where(paid, since_pql).astype(float), paid


def time_to_paid_curve(entities: pd.DataFrame) -> pd.DataFrame:
    """Kaplan–Meier estimate of the days from PQL to first payment (docs/metrics.md#choices).

    Among the PQLs that had not paid before their PQL: a payment is the event, at its lag after
    ``pql_at``; a PQL that has not paid is censored at its days since PQL (``age_days -
    time_to_pql_days``). Young PQLs count for as long as they have been observed, which is what
    the all-time PQL-to-paid rate cannot do.

    Returns
    -------
    pandas.DataFrame
        :func:`pqlkit.stats.km_table`'s columns (``time`` in days since PQL, ``at_risk``,
        ``events`` (payments), ``censored``, ``survival`` (share not yet paying), ``ci_low``,
        ``ci_high``); empty without eligible PQLs.
    """
    durations, paid = _time_to_paid(entities)
    return km_table(durations.to_numpy(), paid.to_numpy())


def chance_to_pay(entities: pd.DataFrame, *, days_since_pql: ArrayLike, horizon_days: float = 30) -> np.ndarray:
    """Each lead's chance of paying within the horizon, given how long it has been a PQL without paying.

    From the curve of :func:`time_to_paid_curve`, ``S``, fitted on ``entities``: a PQL that has gone ``d`` days
    without paying pays within the next ``h`` days with probability ``(S(d) - S(d + h)) / S(d)``.
    *Example:* S(10) = 0.8 and S(40) = 0.7 give (0.8 - 0.7) / 0.8 = 0.125 for a lead 10 days past
    its PQL, over 30 days.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table the curve is fitted on.
    days_since_pql : array-like of float
        For each lead, the days since its PQL (it has not paid).
    horizon_days : float
        The horizon ``h`` in days (30).

    Returns
    -------
    numpy.ndarray
        One chance per lead, in [0, 1]; NaN (not measured) where ``d + h`` is past the longest
        follow-up of the curve, where ``S(d)`` is 0, or when there is no eligible PQL.
    """
    if horizon_days <= 0:
        raise ValueError(f"The value for `horizon_days` must be > 0, but {horizon_days!r} was passed.")
    days = np.asarray(days_since_pql, dtype=float)
    durations, paid = _time_to_paid(entities)
    # S(day) = 1 - the share paid by that day, read by the one Kaplan–Meier reader (NaN past the
    # longest follow-up while S is still above 0, NaN everywhere without an eligible PQL).
    flat = days.reshape(-1)
    survival = 1 - km_share_by(durations.to_numpy(), paid.to_numpy(),
                               days=np.concatenate([flat, flat + horizon_days]))["share"].to_numpy()
    now, later = survival[: flat.size].reshape(days.shape), survival[flat.size:].reshape(days.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        chance = np.where(now > 0, (now - later) / now, np.nan)
    return chance
