"""The headline record each notebook leaves for the tests and the report (``{output_dir}/{notebook}.json``)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pqlkit.core.context import Context
from pqlkit.metrics import summary

__all__ = [
    "HEADLINE_KEYS",
    "record_headlines",
]


#: The summary keys a notebook records by default.
HEADLINE_KEYS = (
    "as_of", "level", "entities", "raw_pqls", "current_pqls", "pql_rate", "activation_rate_mean",
    "time_to_pql_median_days", "time_to_pql_km_median_days", "stalled_in_trial", "paid_pqls",
    "paid_before_pql", "paid_without_pql", "pql_to_paid_rate", "step_completion",
    "time_to_pql_km_share_7d", "time_to_pql_km_share_trial", "time_to_pql_km_share_30d",
    "time_to_pql_km_p10_days", "time_to_pql_km_p25_days",
)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) or math.isinf(float(value)) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def record_headlines(
    entities: pd.DataFrame,
    *,
    context: Context,
    output_dir: str | os.PathLike,
    notebook: str,
    keys: Sequence[str] = HEADLINE_KEYS,
    extra: dict | None = None,
) -> dict:
    """Write a notebook's headline numbers to ``{output_dir}/{notebook}.json`` and return them.

    The values are :func:`pqlkit.summary`'s (so a test can compare them with ``pqlkit metrics``
    for the same inputs), restricted to ``keys``, plus ``extra`` (the notebook's own numbers).
    Plain JSON: no NaN (None instead), keys sorted, two-space indent, trailing newline.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table.
    context : Context
        Its analysis context (the second value returned by :func:`pqlkit.entity_table`).
    output_dir : path
        Created if missing.
    notebook : str
        The notebook's file stem, e.g. ``"02_pql_metrics"``.

    Returns
    -------
    dict
        What was written.
    """
    result = summary(entities, context=context)
    unknown = [k for k in keys if k not in result]
    if unknown:
        raise ValueError(f"`keys` names values that pqlkit.summary does not have: {unknown}; it has {sorted(result)}")
    record = {key: result[key] for key in keys}
    record["notebook"] = notebook
    record.update(extra or {})
    record = _plain(record)
    folder = Path(os.fspath(output_dir))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")
    return record
