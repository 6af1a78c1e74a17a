"""The input tables' columns: the contract's names, their type checks, and timestamp parsing.

The second stage of loading (docs/architecture.md, docs/metrics.md#input-tables): which columns each
table needs, which types may hold them, and the SQL that trims text and parses every timestamp to UTC
(``stage_{table}``), as the rules in :mod:`pqlkit.core.loading` say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from pqlkit.base.errors import DataError
from pqlkit.base.sql import quote_identifier

__all__ = [
    "TABLES",
    "FORMATS",
    "REASONS",
    "TABLE_REASONS",
    "REQUIRED_COLUMNS",
    "TIMESTAMP_COLUMN",
    "ID_COLUMNS",
]


TABLES = ("users", "events", "conversions")
FORMATS = ("parquet", "csv", "csv.gz")


REASONS = (
    "missing_value",
    "bad_timestamp",
    "duplicate",
    "unknown_user",
    "before_signup",
    "after_as_of",
    "no_account",
)


# The reasons that can apply to each table, in the contract's order; no_account only at account level.
TABLE_REASONS = {
    "users": ("missing_value", "bad_timestamp", "duplicate", "after_as_of", "no_account"),
    "events": REASONS,
    "conversions": ("missing_value", "bad_timestamp", "unknown_user", "after_as_of", "no_account"),
}


REQUIRED_COLUMNS = {
    "users": ("user_id", "signup_at"),
    "events": ("user_id", "event", "timestamp"),
    "conversions": ("paid_at",),
}


TIMESTAMP_COLUMN = {"users": "signup_at", "events": "timestamp", "conversions": "paid_at"}
ID_COLUMNS = ("user_id", "account_id", "event_id")


def check_required(table: str, columns: Mapping[str, str], path: str, level: str) -> None:
    found = ", ".join(columns) or "none"
    for column in REQUIRED_COLUMNS[table]:
        if column not in columns:
            hint = ""
            if len(columns) == 1 and any(sep in next(iter(columns)) for sep in ";\t|"):
                hint = " (the file does not seem to be comma-separated)"
            export = ""
            if table == "events":
                export = ", or for an export from Segment, Amplitude, Mixpanel or PostHog pass --events-format"
            raise DataError(
                f"{path}: missing required column {column!r}{hint}; found columns: {found}. "
                f"Rename the column or see docs/metrics.md#input-tables for the {table} table{export}",
                path=path,
                column=column,
            )
    if table == "conversions":
        if level == "user" and "user_id" not in columns:
            raise DataError(
                f"{path}: column 'user_id' is needed for a user-level analysis; found columns: {found}. "
                "Add user_id, or analyse with level account",
                path=path,
                column="user_id",
            )
        if "user_id" not in columns and "account_id" not in columns:
            raise DataError(
                f"{path}: missing column 'user_id' or 'account_id' (one is needed); found columns: {found}",
                path=path,
                column="user_id",
            )
    _check_types(table, columns, path)


_INTEGER_TYPES = r"(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))"
_NUMBER_TYPES = r"(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\(\d+, ?\d+\))"


_TEXT_TYPES = r'(VARCHAR|UUID|"?NULL"?)'
_TIME_TYPES = r"(TIMESTAMP( WITH TIME ZONE|_S|_MS|_NS|_TZ)?|DATE)"


def _check_types(table: str, columns: Mapping[str, str], path: str) -> None:
    """Columns whose type cannot hold what docs/metrics.md#input-tables says (a float id, a boolean timestamp) are errors."""
    text_columns = [name for name in (*ID_COLUMNS, "event") if name in columns and (name != "event" or table == "events")]
    for name in text_columns:
        kind = columns[name].upper()
        if re.fullmatch(f"{_TEXT_TYPES}|{_INTEGER_TYPES}", kind):
            continue
        raise DataError(
            f"{path}: column {name!r} has type {columns[name]}; identifiers and event names must be text "
            f"(or whole numbers). Write {name} as text, so that '00042' stays '00042' (in pandas, whole numbers "
            "held as floats: .astype('Int64').astype('string'))",
            path=path,
            column=name,
        )
    name = TIMESTAMP_COLUMN[table]
    kind = columns[name].upper()
    if not re.fullmatch(f"{_TIME_TYPES}|{_TEXT_TYPES}|{_NUMBER_TYPES}", kind):
        raise DataError(
            f"{path}: column {name!r} has type {columns[name]}; expected ISO 8601 text (2026-06-30T12:00:00Z), "
            "a timestamp, or epoch seconds or milliseconds. Write the column in one of those forms",
            path=path,
            column=name,
        )


def _text_sql(column: str) -> str:
    """SQL: the column as trimmed text, NULL when empty. Only values holding a space pay for trim
    (one search for a space costs less than looking at both ends)."""
    text = f"CAST({quote_identifier(column)} AS VARCHAR)"
    return f"NULLIF(CASE WHEN contains({text}, ' ') THEN trim({text}) ELSE {text} END, '')"


def _timestamp_sql(value: str, dtype: str) -> str:
    """SQL parsing ``value`` (the trimmed text, or the typed column) of type ``dtype`` to a TIMESTAMPTZ.

    Timestamp and date columns are taken as they are; numbers and digit-only text are epoch times
    (:func:`epoch_sql`); other text is cast to TIMESTAMPTZ (ISO 8601; naive values are UTC, the
    connection's time zone). Text shorter than a date (``2026``) is not read as ISO, so every engine
    agrees. The range check (:func:`in_range_sql`) is applied by the caller.
    """
    kind = dtype.upper()
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        return f"CAST({value} AS TIMESTAMPTZ)"
    if re.fullmatch(_NUMBER_TYPES, kind):
        return epoch_sql(f"TRY_CAST({value} AS DECIMAL(38, 6))")
    # ISO 8601 first (the common case, and fast); epoch only for the digit-only text that fails it.
    return (
        f"COALESCE(CASE WHEN length({value}) >= 10 THEN TRY_CAST({value} AS TIMESTAMPTZ) END, "
        f"CASE WHEN regexp_matches({value}, '^[0-9]{{1,17}}([.][0-9]+)?$') "
        f"THEN {epoch_sql(f'TRY_CAST({value} AS DECIMAL(38, 6))')} END)"
    )


def epoch_sql(number: str) -> str:
    """SQL: an epoch number as TIMESTAMPTZ, its unit told by its size (the contract is silent; see the docstring).

    Seconds from 1e8 (1973-03-03) up to 1e11, milliseconds from 1e11 (1973-03-03) up to 1e14,
    microseconds from 1e14 up to 1e17. Anything smaller or larger is not read as a time.
    """
    return (
        f"CASE WHEN {number} >= 1e8 AND {number} < 1e11 THEN CAST(make_timestamp(CAST(round({number} * 1000000) AS BIGINT)) AS TIMESTAMPTZ) "
        f"WHEN {number} >= 1e11 AND {number} < 1e14 THEN CAST(make_timestamp(CAST(round({number} * 1000) AS BIGINT)) AS TIMESTAMPTZ) "
        f"WHEN {number} >= 1e14 AND {number} < 1e17 THEN CAST(make_timestamp(CAST(round({number}) AS BIGINT)) AS TIMESTAMPTZ) END"
    )


def in_range_sql(stamp: str) -> str:
    """SQL: ``stamp`` if pandas can hold it (1678-01-01 up to 2262-01-01; infinities are outside), else NULL."""
    return (
        f"CASE WHEN {stamp} >= TIMESTAMPTZ '1678-01-01 00:00:00+00:00' "
        f"AND {stamp} < TIMESTAMPTZ '2262-01-01 00:00:00+00:00' THEN {stamp} END"
    )


def _is_text(dtype: str) -> bool:
    kind = dtype.upper()
    return not (kind.startswith("TIMESTAMP") or kind == "DATE" or re.fullmatch(_NUMBER_TYPES, kind))


def staged_value_sql(table: str, name: str, columns: Mapping[str, str]) -> str:
    """SQL over ``raw_{table}``: the value ``stage_{table}`` gives column ``name``.

    Ids, event names and every users column are trimmed text (:func:`_text_sql`); other columns are
    kept as they are; the timestamp column is parsed and range-checked (``_ts``).
    """
    if name == TIMESTAMP_COLUMN[table]:
        return in_range_sql(_timestamp_sql(_timestamp_value_sql(table, columns), columns[name]))
    if name in ID_COLUMNS or name == "event" or table == "users":
        return _text_sql(name)
    return quote_identifier(name)


def _timestamp_value_sql(table: str, columns: Mapping[str, str]) -> str:
    ts_column = TIMESTAMP_COLUMN[table]
    return _text_sql(ts_column) if _is_text(columns[ts_column]) else quote_identifier(ts_column)


def stage_sql(table: str, columns: Mapping[str, str], *, row: str, source: str | None = None) -> str:
    """SQL: the rows of ``source`` (default ``raw_{table}``) as ``stage_{table}`` holds them.

    File order (``_row``), trimmed text, the parsed timestamp (``_ts``) and whether one was given at
    all (``_ts_present``). Three nested selects, so that each value is trimmed once and parsed once.
    """
    ts_column = TIMESTAMP_COLUMN[table]
    inner = [f"{row} AS _row", f"{_timestamp_value_sql(table, columns)} AS _ts_value"]
    names = ["_row"]
    for name in columns:
        if name == ts_column:
            continue
        inner.append(f"{staged_value_sql(table, name, columns)} AS {quote_identifier(name)}")
        names.append(quote_identifier(name))
    for name in ("user_id", "account_id"):
        if name not in columns:
            inner.append(f"CAST(NULL AS VARCHAR) AS {name}")
            names.append(name)
    kept = ", ".join(names)
    return f"""
        SELECT {kept}, _ts_value IS NOT NULL AS _ts_present, {in_range_sql('_ts_parsed')} AS _ts
        FROM (
            SELECT {kept}, _ts_value, {_timestamp_sql('_ts_value', columns[ts_column])} AS _ts_parsed
            FROM (SELECT {', '.join(inner)} FROM {source or f"raw_{table}"}) AS trimmed
        ) AS parsed
    """


def stage(engine, table: str, columns: Mapping[str, str], *, row: str) -> None:
    """``stage_{table}`` (:func:`stage_sql`). The events are never copied: their staging is a view,
    read by the passes over the events (duplicates, then tagging with facts). The small tables are
    materialised."""
    create = engine.view if table == "events" else engine.table
    create(f"stage_{table}", stage_sql(table, columns, row=row))


def timestamp_literal(stamp: dt.datetime) -> str:
    """A UTC instant (a :class:`pandas.Timestamp` or a datetime) as a SQL ``TIMESTAMPTZ`` literal."""
    return f"TIMESTAMPTZ '{stamp.isoformat()}'"
