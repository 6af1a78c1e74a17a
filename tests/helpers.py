"""Small builders for hand-worked datasets: every test states its rows, so its numbers can be derived."""

from __future__ import annotations

import pandas as pd

import pqlkit as pk

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2026-01-05T00:00:00Z")  # a Monday


def iso(stamp: pd.Timestamp | str) -> str:
    """An ISO 8601 string with a Z suffix, as CSV exports write it."""
    return pd.Timestamp(stamp).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ") if not isinstance(stamp, str) else stamp


def table(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    """A frame of strings (None stays missing), the way a CSV reads."""
    data = [[None if v is None else iso(v) if isinstance(v, pd.Timestamp) else str(v) for v in row] for row in rows]
    return pd.DataFrame(data, columns=columns, dtype="object")


def users(rows: list[tuple], columns=("user_id", "signup_at")) -> pd.DataFrame:
    return table(list(columns), rows)


def events(rows: list[tuple], columns=("user_id", "event", "timestamp")) -> pd.DataFrame:
    return table(list(columns), rows)


def conversions(rows: list[tuple], columns=("user_id", "paid_at")) -> pd.DataFrame:
    return table(list(columns), rows)


def spec(steps: list[dict], **settings) -> pk.ActivationSpec:
    return pk.ActivationSpec.from_dict({"steps": steps, **settings})


def analyze(frames: dict, spec_: pk.ActivationSpec, *, as_of=None, level=None, strict=False):
    """(entities, context) for in-memory frames: what pk.entity_table returns."""
    return pk.entity_table(frames, spec_, as_of=as_of, level=level, strict=strict)


def dropped(dataset: pk.Dataset, table_name: str) -> dict[str, int]:
    """The non-zero drop counts of one table."""
    quality = dataset.data_quality()[table_name]
    return {reason: n for reason, n in quality["dropped"].items() if n}


def row(entities: pd.DataFrame, entity_id: str) -> pd.Series:
    return entities.set_index("entity_id").loc[entity_id]
