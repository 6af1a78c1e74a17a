"""Read an events file (canonical, or an export from Segment, Amplitude, Mixpanel or PostHog) as the canonical events table.

The readers here turn an export into the canonical columns of docs/metrics.md#input-tables, by the
mapping of its format (:mod:`pqlkit.io.formats`), then apply the vendor's own rules
(:mod:`pqlkit.io.exports`). The work is done by DuckDB (``read_json_objects``, ``read_csv``, ``read_parquet``
and SQL that maps the fields), so a large export never passes through pandas.

Rules every reader keeps:

- **No row is dropped.** Each record in the file becomes one row. A record whose fields are missing
  (an anonymous Segment call without ``userId``, an Amplitude event without ``user_id``, a JSON line
  that is not valid JSON) becomes a row with missing values, which the loader counts as
  ``missing_value`` in the ledger; malformed JSON lines are also named in a warning.
- **Identifiers are text.** ``"00042"`` stays ``"00042"``; a JSON number ``42`` becomes ``"42"``.
- **Timestamps are parsed by the loader**, as for canonical files: ISO 8601 (offsets converted to
  UTC, naive values taken as UTC) or epoch seconds / milliseconds (see :mod:`pqlkit.core.loading`).
- **The vendor's duplicate key is the** ``event_id`` (:mod:`pqlkit.io.exports`): the loader's rule,
  same non-empty ``event_id``, then de-duplicates as the vendor documents.
- Only the ``events`` table comes from an export. The ``users`` table (``user_id``, ``signup_at``)
  is always the canonical one: the tools' "first seen" times are not signups (``pqlkit users``
  derives one from an export when that is all there is: :func:`pqlkit.io.users.derive_users`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pqlkit.base.duckdb import connect
from pqlkit.base.errors import DataError, PqlkitError, PqlkitWarning
from pqlkit.base.sql import json_path, quote_identifier, sql_string
from pqlkit.io.engines import query_frame
from pqlkit.io.exports import combine_parts, finish_export
from pqlkit.io.files import create_raw_table, create_table, describe_relation, is_json, json_relation
from pqlkit.io.formats import (
    EXPORT_FORMATS,
    ExportFormat,
    check_events_format,
    check_export_keys,
    format_from_keys,
    json_keys,
    table_relation,
)
from pqlkit.io.groups import choose_group_type, create_accounts, create_group_calls, has_table, runner_for

if TYPE_CHECKING:  # frames are read and built by DuckDB: reading a file needs no pandas
    import pandas as pd

__all__ = ["read_events", "convert_events"]


CANONICAL_COLUMNS = ("event_id", "user_id", "event", "timestamp")


# --- public API ----------------------------------------------------------------------------------


def read_events(path: str | os.PathLike, *, events_format: str = "auto") -> pd.DataFrame:
    """Read an events file (canonical or an export) as the canonical events table.

    Parameters
    ----------
    path : path
        The events file.
    events_format : {"auto", "canonical", "segment", "amplitude", "mixpanel", "posthog"}
        The export's format; ``"auto"`` detects it (:func:`pqlkit.io.formats.detect_events_format`).

    Returns
    -------
    pandas.DataFrame
        One row per record in the file, in file order, with text columns ``event_id``, ``user_id``,
        ``event``, ``timestamp`` (as written in the file: the loader parses it), ``properties``
        (JSON text, where the export has properties) and ``anonymous_id`` (Segment, Amplitude).
        Canonical files keep their own columns.

    Examples
    --------
    >>> read_events("tests/data/exports/mixpanel/events.jsonl")[["user_id", "event", "timestamp"]]   # doctest: +SKIP
      user_id       event   timestamp
    0   00042   Signed up  1767607200
    """
    con = connect()
    create_raw_events(con, Path(path), events_format)
    return query_frame(con, _raw_events_in_order(con))


def _raw_events_in_order(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: ``raw_events`` in file order, without the loader's ``_row`` (a Parquet view has it, tables use rowid)."""
    columns = [row[0] for row in con.execute("DESCRIBE raw_events").fetchall()]
    if "_row" in columns:
        return "SELECT * EXCLUDE (_row) FROM raw_events ORDER BY _row"
    return "SELECT * FROM raw_events ORDER BY rowid"


def convert_events(
    path: str | os.PathLike,
    out: str | os.PathLike,
    *,
    events_format: str = "auto",
    stitch_identities: bool = False,
    account_group: str | None = None,
) -> Path:
    """Write an export as a canonical events file (``.parquet``, ``.csv`` or ``.csv.gz``), in DuckDB.

    This is how an export reaches the Spark engine, which reads canonical tables: the identity
    merges and the group calls are applied here, where the export's own records are read.

    Parameters
    ----------
    path : path
        The export's events file.
    out : path
        The file to write; its suffix picks the format.
    events_format : str
        As for :func:`read_events`.
    stitch_identities : bool
        Write each merged anonymous row with the user it was merged into (:mod:`pqlkit.io.exports`;
        without a users table, a link's target is an identified id).
    account_group : str, optional
        The group type of the accounts (:mod:`pqlkit.io.groups`); when the export has group calls of
        one type, it is found alone. Each row then gets a column named after the type holding its
        user's account (the earliest group call), for ``--account-group TYPE`` on the canonical file.

    Returns
    -------
    pathlib.Path
        ``out``.

    Examples
    --------
    >>> convert_events("export/events.json.gz", "dataset/events.parquet")          # doctest: +SKIP
    PosixPath('dataset/events.parquet')
    >>> load("dataset").data_quality()["events"]                                    # doctest: +SKIP
    {'read': 6, 'used': 3, 'dropped': {'missing_value': 1, ...}}
    """
    out = Path(out)
    con = connect()
    create_raw_events(con, Path(path), events_format, stitch_identities=stitch_identities, account_group=account_group)
    target = sql_string(str(out))
    rows = f"({_raw_events_in_order(con)})"
    group_type = choose_group_type(runner_for(con), account_group, where=str(path)) if has_table(con, "_group_calls") else None
    if group_type is not None:
        create_accounts(runner_for(con), group_type)
        rows = (f"(SELECT e.*, a.account_id AS {quote_identifier(group_type)} FROM {rows} AS e "
                "LEFT JOIN _user_account AS a ON trim(e.user_id) = a.user_id)")
    if out.name.endswith(".parquet"):
        con.execute(f"COPY {rows} TO {target} (FORMAT parquet)")
    elif out.name.endswith(".csv.gz"):
        con.execute(f"COPY {rows} TO {target} (FORMAT csv, HEADER, COMPRESSION gzip)")
    elif out.name.endswith(".csv"):
        con.execute(f"COPY {rows} TO {target} (FORMAT csv, HEADER)")
    else:
        raise PqlkitError(f"{out}: write events as .parquet, .csv or .csv.gz")
    return out


# --- used by the loader ------------------------------------------------------------------------


def create_raw_events(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    events_format: str | None,
    *,
    stitch_identities: bool = False,
    source_timezone: str | None = None,
    account_group: str | None = None,
) -> str:
    """Create the temp table ``raw_events`` from ``path`` in the canonical shape; return the format used.

    ``path`` may be ``events.zip`` or a folder of parts (:func:`pqlkit.io.exports.combine_parts`); an
    export gets its vendor's rules (:func:`pqlkit.io.exports.finish_export`) and its group calls
    (:func:`pqlkit.io.groups.create_group_calls`, with ``account_group``).
    """
    events_format = check_events_format(events_format)
    if path.is_dir() or path.name.endswith(".zip"):
        path = combine_parts(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found", path=str(path))
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; export the events again", path=str(path))
    if is_json(path):
        relation = json_relation(con, path)
        keys, nested = json_keys(con, relation, path)
    else:
        relation, keys = table_relation(con, path)
        nested = {}
    fmt = format_from_keys(keys, nested, path) if events_format == "auto" else events_format
    if fmt == "canonical":
        if is_json(path):
            _create_canonical_json(con, relation, keys, path)
        else:
            create_raw_table(con, "raw_events", path)
        return fmt
    export = EXPORT_FORMATS[fmt]
    check_export_keys(export, keys, nested, path, explicit=events_format != "auto")
    if is_json(path):
        _create_export_from_json(con, export, relation, path)
        records = f"(SELECT json FROM {relation})"
    else:
        _create_export_from_table(con, export, relation, path)
        records = f"(SELECT to_json(t) AS json FROM {relation} AS t)"
    finish_export(con, fmt, source=records, where=str(path), stitch_identities=stitch_identities,
                  source_timezone=source_timezone)
    create_group_calls(con, fmt, records, account_group=account_group)
    return fmt


def register_export_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, events_format: str | None) -> str:
    """Create ``raw_events`` from a pandas frame shaped like an export (or canonical); return the format."""
    events_format = check_events_format(events_format)
    con.register("_frame_events_export", frame.reset_index(drop=True))
    try:
        con.execute("CREATE TEMP TABLE _export_frame AS SELECT * FROM _frame_events_export")
    finally:
        con.unregister("_frame_events_export")
    where = Path("<DataFrame events>")
    columns = describe_relation(con, "_export_frame", where)
    fmt = format_from_keys(list(columns), {}, where) if events_format == "auto" else events_format
    if fmt == "canonical":
        con.execute("CREATE TEMP TABLE raw_events AS SELECT * FROM _export_frame")
    else:
        export = EXPORT_FORMATS[fmt]
        check_export_keys(export, list(columns), {}, where, explicit=events_format != "auto")
        _create_export_from_table(con, export, "_export_frame", where)
        finish_export(con, fmt, where=str(where))
        create_group_calls(con, fmt, "(SELECT to_json(t) AS json FROM _export_frame AS t)")
    con.execute("DROP TABLE _export_frame")
    return fmt


# --- the canonical columns from a format's fields ---------------------------------------------------


def _create_export_from_json(con: duckdb.DuckDBPyConnection, export: ExportFormat, relation: str, path: Path) -> None:
    select = []
    for column, candidates in export.fields.items():
        if column == "properties":
            value = f"json -> {json_path(*candidates[0])}"
            if export.drop_from_properties:
                patch = "{" + ", ".join(f'"{key}": null' for key in export.drop_from_properties) + "}"
                value = f"json_merge_patch({value}, {sql_string(patch)})"
            expression = f"CAST({value} AS VARCHAR)"
        else:
            parts = [f"NULLIF(json ->> {json_path(*path_)}, '')" for path_ in candidates]
            expression = parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"
        select.append(f"{expression} AS {quote_identifier(column)}")
    _create_json_table(con, relation, select, path)


def _create_canonical_json(con: duckdb.DuckDBPyConnection, relation: str, keys: list[str], path: Path) -> None:
    """Canonical events as JSON: the contract's columns as text, every other key kept as a property column."""
    select = []
    if not keys:
        select.append("CAST(NULL AS VARCHAR) AS column0")
    for key in keys:
        if key in CANONICAL_COLUMNS:
            select.append(f"NULLIF(json ->> {json_path(key)}, '') AS {quote_identifier(key)}")
        else:
            select.append(f"CAST(json -> {json_path(key)} AS VARCHAR) AS {quote_identifier(key)}")
    _create_json_table(con, relation, select, path)


def _create_json_table(con: duckdb.DuckDBPyConnection, relation: str, select: list[str], path: Path) -> None:
    """``raw_events`` from the JSON records in one pass; records that are not objects are counted, kept, named."""
    ok = "COALESCE(json_type(json) = 'OBJECT', FALSE) AS _json_ok"
    create_table(con, "raw_events", relation, path, select=", ".join([*select, ok]))
    bad, first = con.execute("SELECT count(*), min(rowid) + 1 FROM raw_events WHERE NOT _json_ok").fetchone()
    con.execute("ALTER TABLE raw_events DROP COLUMN _json_ok")
    if bad:
        warnings.warn(
            f"{path}: {bad} record(s) are not valid JSON objects (the first is record {first}, blank lines not "
            "counted); they are kept as rows with missing values and counted as missing_value",
            PqlkitWarning,
            stacklevel=4,
        )


def _create_export_from_table(con: duckdb.DuckDBPyConnection, export: ExportFormat, relation: str, path: Path) -> None:
    columns = describe_relation(con, relation, path)
    select = []
    for column, candidates in export.fields.items():
        expressions = [_table_field(columns, candidate, keep_type=column == "timestamp") for candidate in candidates]
        expressions = [e for e in expressions if e is not None]
        if column == "properties" and expressions:
            expression = expressions[0]
        elif not expressions:
            if column in ("properties", "anonymous_id"):
                continue
            expression = "CAST(NULL AS VARCHAR)"
        elif len(expressions) == 1:
            expression = expressions[0]
        else:
            expression = "COALESCE(" + ", ".join(f"NULLIF(CAST({e} AS VARCHAR), '')" for e in expressions) + ")"
        select.append(f"{expression} AS {quote_identifier(column)}")
    create_table(con, "raw_events", relation, path, select=", ".join(select))


def _table_field(columns: Mapping[str, str], parts: tuple[str, ...], *, keep_type: bool) -> str | None:
    top, rest = parts[0], parts[1:]
    if top not in columns:
        return None
    kind = columns[top].upper()
    if not rest:
        if top == "properties":
            return f"CAST({quote_identifier(top)} AS VARCHAR)" if kind == "VARCHAR" else f"CAST(to_json({quote_identifier(top)}) AS VARCHAR)"
        if keep_type:
            return quote_identifier(top)
        return f"NULLIF(CAST({quote_identifier(top)} AS VARCHAR), '')"
    as_json = f"TRY_CAST({quote_identifier(top)} AS JSON)" if kind == "VARCHAR" else f"to_json({quote_identifier(top)})"
    return f"NULLIF(json_extract_string({as_json}, {json_path(*rest)}), '')"
