"""The front page's trends, and the comparison with a previous report.

:func:`headline_trends` gives the headline numbers at the end of each of the last weeks, for the
index's trend lines; :func:`read_previous` reads the numbers an earlier report recorded, and
:func:`changes_since` compares them with this report's (``pqlkit report --previous``), judging each
change against noise with :mod:`pqlkit.stats`. :func:`pqlkit.report.pages.write_pages` renders both.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pqlkit.analyses.cohorts import current_pqls_over_time
from pqlkit.base.errors import PqlkitError
from pqlkit.stats import change_beyond_noise, count_change_beyond_noise

__all__ = ["CHANGE_METRICS", "changes_since", "headline_trends", "read_previous"]


def headline_trends(entities, *, context, weeks: int = 12):
    """The headline numbers at the end of each of the last weeks, for the front page's trend lines.

    The weeks and the current PQLs are those of :func:`pqlkit.current_pqls_over_time` (each week ends
    on Sunday 23:59:59.999999 UTC; the last row is ``as_of``). The other numbers are read at the same
    instants ``W`` from the per-entity table's timestamps, as docs/metrics.md#metrics defines them:
    the entities that signed up by ``W``, the PQLs by ``W`` (``pql_at <= W``), their PQL rate and
    median time to PQL, and the PQL-to-paid rate of the PQLs by ``W`` not paying before their PQL
    (payments by ``W``). The last row equals :func:`pqlkit.summary`'s numbers.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table.
    context : Context
        Its context (``as_of``, ``active_days``, the dataset's events).
    weeks : int
        How many weeks before the last row to give (the front page compares with the fourth).

    Returns
    -------
    pandas.DataFrame
        At most ``weeks + 1`` rows, oldest first: ``week_end``, ``entities``, ``raw_pqls``,
        ``current_pqls``, ``pql_rate``, ``time_to_pql_median_days``, ``pql_to_paid_rate`` (NaN where
        there is nothing to divide or no PQL yet). Empty when there is no PQL.
    """
    weekly = current_pqls_over_time(entities, context=context).tail(weeks + 1).reset_index(drop=True)
    rows = []
    pql_at, paid_at = entities["pql_at"], entities["paid_at"]
    for end, current in zip(weekly["week_end"], weekly["current_pqls"]):
        signed = entities["signup_at"] <= end
        pql = entities["is_pql"].fillna(False).astype(bool) & (pql_at <= end)
        paid = paid_at <= end
        before = int((pql & paid & (paid_at < pql_at)).sum())
        converted = int((pql & paid & (pql_at <= paid_at)).sum())
        raw = int(pql.sum())
        rows.append({
            "week_end": end, "entities": int(signed.sum()), "raw_pqls": raw, "current_pqls": int(current),
            "pql_rate": raw / int(signed.sum()) if signed.any() else float("nan"),
            "time_to_pql_median_days": float(entities.loc[pql, "time_to_pql_days"].median()) if raw else float("nan"),
            "pql_to_paid_rate": converted / (raw - before) if raw - before else float("nan"),
        })
    columns = ["week_end", "entities", "raw_pqls", "current_pqls", "pql_rate", "time_to_pql_median_days",
               "pql_to_paid_rate"]
    return pd.DataFrame(rows, columns=columns)


def read_previous(folder: str | os.PathLike) -> dict:
    """The headline numbers an earlier report recorded: its notebooks' JSON records in ``folder/data/``, merged.

    Parameters
    ----------
    folder : path
        The ``--out`` folder of an earlier ``pqlkit report``.

    Returns
    -------
    dict
        Every scalar a record holds (docs/metrics.md#json-summary keys among them), the first
        notebook's value where two records hold one key.

    Raises
    ------
    PqlkitError
        When ``folder`` holds no ``data/`` folder with the records of a report (with at least
        ``as_of``, ``entities`` and ``raw_pqls``).
    """
    path = Path(folder)
    records = []
    for record_path in sorted((path / "data").glob("*.json")) if (path / "data").is_dir() else []:
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, Mapping) and "notebook" in record:
            records.append(record)
    merged: dict = {}
    for record in records:
        for key, value in record.items():
            merged.setdefault(key, value)
    if not all(key in merged for key in ("as_of", "entities", "raw_pqls")):
        raise PqlkitError(
            f"--previous {folder}: not a report folder (no data/NN_name.json records with as_of, entities and "
            "raw_pqls); pass the --out folder of an earlier `pqlkit report`"
        )
    return merged


#: The headline numbers compared with a previous report: key, label, and how the change is judged:
#: ("rate", hits, total) for a share of entities, "count" for a count, None where no test applies.
CHANGE_METRICS = (
    ("entities", "Entities in scope", "count"),
    ("raw_pqls", "Raw PQLs", "count"),
    ("current_pqls", "Current PQLs", "count"),
    ("pql_rate", "PQL rate", ("rate", "raw_pqls", "entities")),
    ("activation_rate_mean", "Mean activation rate", None),
    ("time_to_pql_median_days", "Median time to PQL (PQLs)", None),
    ("stalled_in_trial", "Stalled in trial", "count"),
    ("pql_to_paid_rate", "PQL-to-paid rate", ("rate", "paid_pqls", "eligible")),
    ("paid_pqls", "Paid PQLs", "count"),
    ("paid_without_pql", "Paid without PQL", "count"),
)


def changes_since(previous: Mapping, current: Mapping, *, alpha: float = 0.05):
    """Every headline number then and now, the difference, and whether it is beyond noise.

    Rates go through :func:`pqlkit.stats.change_beyond_noise` (a two-proportion z-test of the hits
    and totals of each report), counts through :func:`pqlkit.stats.count_change_beyond_noise` (the
    exact conditional test of two Poisson counts, equal exposure). A mean or a median gets no test.

    Parameters
    ----------
    previous, current : mapping
        The earlier report's numbers (:func:`read_previous`) and this report's summary.
    alpha : float
        Significance level of the tests.

    Returns
    -------
    pandas.DataFrame
        One row per metric of :data:`CHANGE_METRICS` that both hold: ``key``, ``metric`` (its label),
        ``before``, ``after``, ``difference`` (after - before), ``p_value`` (NaN without a test),
        ``beyond_noise`` (True, False, or None without a test), ``test``.
    """
    def number(record, key):
        if key == "eligible":
            raw, before = number(record, "raw_pqls"), number(record, "paid_before_pql")
            return None if raw is None or before is None else raw - before
        value = record.get(key)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else None

    rows = []
    for key, label, judged in CHANGE_METRICS:
        before, after = number(previous, key), number(current, key)
        if before is None or after is None:
            continue
        check = None
        if judged == "count":
            check = count_change_beyond_noise(int(before), int(after), alpha=alpha)
        elif judged is not None:
            hits = [number(r, judged[1]) for r in (previous, current)]
            totals = [number(r, judged[2]) for r in (previous, current)]
            if None not in hits and None not in totals and min(totals) > 0:
                check = change_beyond_noise(int(hits[0]), int(totals[0]), int(hits[1]), int(totals[1]), alpha=alpha)
        rows.append({
            "key": key, "metric": label, "before": float(before), "after": float(after),
            "difference": float(after) - float(before),
            "p_value": check.p_value if check is not None else math.nan,
            "beyond_noise": check.beyond_noise if check is not None else None,
            "test": check.test if check is not None else "none (a mean or a median)",
        })
    return pd.DataFrame(rows, columns=["key", "metric", "before", "after", "difference", "p_value", "beyond_noise",
                                       "test"])
