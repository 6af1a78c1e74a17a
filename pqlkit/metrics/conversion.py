"""PQL to paid (family 4, docs/metrics.md#metrics): conversion of PQLs, and the days from PQL to payment."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pqlkit.core.context import check_columns
from pqlkit.metrics.rates import rate_table

__all__ = ["pql_to_paid", "paid_lag"]


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
