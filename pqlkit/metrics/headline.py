"""Every headline number of docs/metrics.md#json-summary from the per-entity columns, without pandas.

The command line's ``pqlkit metrics`` calls :func:`headline` on the reduction's numpy columns;
:func:`pqlkit.summary` calls it on its frame's (:func:`pqlkit.core.arrays.columns_from_frame`).
Each figure comes from its one rule in :mod:`pqlkit.metrics.rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from pqlkit.core.arrays import days_between, utc_instant
from pqlkit.metrics.rules import (
    is_current_pql,
    is_stalled,
    mean_or_none,
    new_pqls_per_period,
    number_or_none,
    paid_and_pql,
    step_completion,
    time_to_pql_durations,
    time_to_pql_km_median_of,
    time_to_pql_km_readings_of,
    time_to_pql_median,
)
from pqlkit.stats.kaplan_meier import km_estimate

if TYPE_CHECKING:
    from pqlkit.core.spec import ActivationSpec

__all__ = ["headline", "headline_columns"]

#: The columns :func:`headline` reads besides the steps' ``{step}_at``.
_COLUMNS = ("signup_at", "pql_at", "paid_at", "last_seen_at", "is_pql", "activation_rate", "time_to_pql_days",
            "age_days")


def headline_columns(spec: ActivationSpec) -> list[str]:
    """The per-entity columns :func:`headline` reads: the fixed ones and each step's ``{step}_at``.

    Returns
    -------
    list of str
        Column names.
    """
    return [*_COLUMNS, *(f"{step}_at" for step in spec.step_names)]


def headline(
    columns: Mapping[str, np.ndarray],
    *,
    spec: ActivationSpec,
    as_of: dt.datetime,
    has_conversions: bool,
    data_quality: dict,
) -> dict:
    """Every headline number of docs/metrics.md#json-summary as a plain dict (JSON-ready: no NaN, None for missing).

    Parameters
    ----------
    columns : mapping of str to numpy.ndarray
        The per-entity table as numpy columns (:mod:`pqlkit.core.arrays`): ``signup_at``, each
        ``{step}_at``, ``pql_at``, ``paid_at``, ``last_seen_at``, ``is_pql``, ``activation_rate``,
        ``time_to_pql_days``, ``age_days``.
    spec : ActivationSpec
        The spec the table was reduced with, at its level (``level``, ``step_names``,
        ``active_days``, ``trial_days``, ``stall_day``).
    as_of : datetime.datetime
        The analysis instant, time-zone aware.
    has_conversions : bool
        Whether the dataset has a conversions table; without one the four PQL-to-paid figures are
        None (not measured), not 0.
    data_quality : dict
        The ledger as ``{table: {read, used, dropped}}`` (:func:`pqlkit.ledger_to_dict`), put in as it is.

    Returns
    -------
    dict
        The keys of :func:`pqlkit.summary`, in its order, with its values.
    """
    at = utc_instant(as_of)
    n = len(columns["is_pql"])
    is_pql = np.asarray(columns["is_pql"], dtype=bool)
    raw = int(is_pql.sum())
    paid = {name: int(flags.sum()) for name, flags in
            paid_and_pql(is_pql, columns["pql_at"], columns["paid_at"]).items()}
    eligible = paid["pqls"] - paid["paid_before_pql"]
    # One Kaplan–Meier fit for the median and every reading.
    km = km_estimate(*time_to_pql_durations(is_pql, columns["time_to_pql_days"], columns["age_days"]))
    starts, new_pqls = new_pqls_per_period(columns["signup_at"], is_pql, columns["pql_at"], as_of=at, freq="W")
    current = is_current_pql(columns["pql_at"], columns["paid_at"], columns["last_seen_at"], at=at,
                             active_days=spec.active_days)
    stalled = is_stalled(is_pql, columns["paid_at"], age_days=days_between(at, columns["signup_at"]),
                         trial_days=spec.trial_days, stall_day=spec.stall_day)
    return {
        "as_of": as_of.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
        "level": spec.level,
        "entities": n,
        "raw_pqls": raw,
        "current_pqls": int(current.sum()),
        "pql_rate": raw / n if n else None,
        "activation_rate_mean": mean_or_none(columns["activation_rate"]),
        "time_to_pql_median_days": time_to_pql_median(is_pql, columns["time_to_pql_days"]),
        "time_to_pql_km_median_days": time_to_pql_km_median_of(km),
        "stalled_in_trial": int(stalled.sum()),
        "paid_pqls": paid["paid_pqls"] if has_conversions else None,
        "paid_before_pql": paid["paid_before_pql"] if has_conversions else None,
        "paid_without_pql": paid["paid_without_pql"] if has_conversions else None,
        "pql_to_paid_rate": number_or_none(paid["paid_pqls"] / eligible) if has_conversions and eligible else None,
        "step_completion": step_completion({step: columns[f"{step}_at"] for step in spec.step_names}),
        "pqls_over_time": [
            {"week": str(start.astype("datetime64[D]")), "new_pqls": int(count)}
            for start, count in zip(starts, new_pqls)
        ],
        "data_quality": data_quality,
        **time_to_pql_km_readings_of(km, trial_days=spec.trial_days),
    }
