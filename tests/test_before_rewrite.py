"""The rewrite changed no answer: per-entity tables and summaries equal those stored before it.

The expected values are not computed by the code under test: they are files written by pqlkit at
commit 8385b69 (before the single-pass loading and reduction), see tests/data/before_rewrite/README.md.
Each case there is a dataset, a spec and options; the stored per-entity table must come back row for
row and value for value, and every key of the stored JSON summary must keep its value (new keys may
be added).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import pqlkit as pk

ROOT = Path(__file__).resolve().parents[1]
STORED = Path(__file__).resolve().parent / "data" / "before_rewrite"
CASES = json.loads((STORED / "cases.json").read_text())


def _compute(case: dict):
    options = {key: case[key] for key in ("level", "as_of") if key in case}
    entities, context = pk.entity_table(ROOT / case["dataset"], ROOT / case["spec"], **options)
    return entities, context


def _normalised(table: pd.DataFrame) -> pd.DataFrame:
    """Same values, comparable types: text as object, timestamps in microseconds UTC, counts int64."""
    table = table.copy()
    for column in table.columns:
        series = table[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            table[column] = series.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        elif pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
            table[column] = series.astype(object).where(series.notna(), None)
        elif pd.api.types.is_bool_dtype(series.dtype):
            table[column] = series.astype(bool)
        elif pd.api.types.is_integer_dtype(series.dtype):
            table[column] = series.astype("int64")
    return table.sort_values("entity_id").reset_index(drop=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_per_entity_table_is_unchanged(name):
    entities, _ = _compute(CASES[name])
    stored = pd.read_parquet(STORED / f"{name}.parquet")
    assert list(entities.columns) == list(stored.columns)
    pd.testing.assert_frame_equal(_normalised(entities), _normalised(stored), check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_summary_keeps_every_stored_value(name):
    entities, context = _compute(CASES[name])
    stored = json.loads((STORED / f"{name}.summary.json").read_text())
    summary = json.loads(json.dumps(pk.summary(entities, context=context), default=str))
    for key, value in stored.items():
        if isinstance(value, float):
            assert summary[key] == pytest.approx(value, rel=1e-12), key
        else:
            assert summary[key] == value, key
