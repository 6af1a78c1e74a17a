"""The data-quality ledger for readers: every row read, used or dropped, and why (docs/metrics.md#data-quality).

One home for the ledger's three renderings: :func:`format_ledger`, the small text table that
``pqlkit validate`` and ``pqlkit metrics`` print (from the summary's ``data_quality``), and
:func:`ledger_table` and :func:`ledger_sentence`, the table and the sentence a notebook shows (from
``context.ledger``). The module loads no pandas: the frames come from the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pqlkit.present.formatting import pct

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["format_ledger", "ledger_sentence", "ledger_table"]


def format_ledger(quality: dict) -> str:
    """The data-quality ledger as a small text table.

    Parameters
    ----------
    quality : dict
        ``{table: {"read": n, "used": n, "dropped": {reason: n}}}``, as
        :func:`pqlkit.ledger_to_dict` and the summary's ``data_quality`` give it.

    Returns
    -------
    str
        A header line, then one line per table: ``read``, ``used`` and the non-zero drop reasons.
    """
    lines = [f"{'table':<12}{'read':>10}{'used':>10}  dropped"]
    for table, counts in quality.items():
        dropped = ", ".join(f"{reason} {n}" for reason, n in counts["dropped"].items() if n) or "none"
        lines.append(f"{table:<12}{counts['read']:>10}{counts['used']:>10}  {dropped}")
    return "\n".join(lines)


def ledger_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """The data-quality ledger (``context.ledger``) as one row per table.

    Returns
    -------
    pandas.DataFrame
        ``table``, ``read``, ``used``, then one column per drop reason (zeros included, blank where
        a reason does not apply to the table; docs/metrics.md#data-quality).
    """
    wide = ledger.pivot_table(index="table", columns="reason", values="rows", aggfunc="sum", sort=False)
    reasons = [r for r in ledger["reason"].drop_duplicates() if r != "used"]
    wide = wide.reindex(columns=["used", *reasons])
    wide.insert(0, "read", wide.sum(axis=1, skipna=True).astype("int64"))
    order = [t for t in ("users", "events", "conversions") if t in wide.index]
    wide = wide.loc[order].reset_index()
    wide.columns.name = None
    for column in wide.columns[1:]:
        wide[column] = wide[column].astype("Int64")
    return wide


def ledger_sentence(ledger: pd.DataFrame) -> str:
    """How many rows of the ledger (``context.ledger``) were read and used, and the main reasons for
    dropping the rest.

    Returns
    -------
    str
        One or two sentences.
    """
    read = int(ledger["rows"].sum())
    used = int(ledger.loc[ledger["reason"] == "used", "rows"].sum())
    dropped = ledger[(ledger["reason"] != "used") & (ledger["rows"] > 0)]
    if dropped.empty:
        return f"All {read:,} rows read were used: no row was dropped."
    top = dropped.sort_values(["rows", "table", "reason"], ascending=[False, True, True]).head(3)
    parts = ", ".join(f"{int(r.rows):,} {r.table} rows ({r.reason.replace('_', ' ')})" for r in top.itertuples())
    return (f"Of {read:,} rows read, {used:,} ({pct(used / read, digits=1)}) are used; "
            f"{read - used:,} were dropped, mostly {parts}. Nothing is dropped silently.")
