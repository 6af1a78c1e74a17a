"""Find and read a dataset's tables into raw tables: a folder of files, pandas frames, a database, Spark.

The first stage of loading (docs/architecture.md): each table becomes ``raw_{table}`` on the engine,
read as it is, with its file order; the checks come after (:mod:`pqlkit.base.columns`, :mod:`pqlkit.core.quality`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pqlkit.base.columns import FORMATS, TABLES
from pqlkit.base.errors import DataError
from pqlkit.base.sql import quote_identifier
from pqlkit.io.database import database_source, read_raw_tables
from pqlkit.io.events import create_raw_events, register_export_frame
from pqlkit.io.files import create_raw_table, find_events_files, table_files
from pqlkit.io.files import match_column_names as contract_renames
from pqlkit.io.formats import check_events_format
from pqlkit.io.groups import (
    ACCOUNT_TABLES,
    attach_accounts,
    create_column_group_calls,
    has_table,
    runner_for,
)

if TYPE_CHECKING:
    import pandas as pd

__all__: list[str] = []


def read_source_tables(con: duckdb.DuckDBPyConnection, source, events_format: str | None = None) -> dict[str, str]:
    """Read the dataset at ``source`` (a folder, frames or a database) into ``raw_{table}`` tables on ``con``.

    Returns
    -------
    dict
        Table name to how messages and the ledger name where it came from.
    """
    events_format = check_events_format(events_format)
    options = dict(getattr(source, "export_options", {}))
    if isinstance(source, Mapping):
        sources = register_frames(con, source, events_format)
    else:
        # A postgresql:// URL, a YAML source file, a DatabaseSource (or an ExportSource over one of them).
        database = database_source(getattr(source, "source", source))
        if database is not None:
            sources = read_raw_tables(con, database, events_format, **options)
        else:
            sources = _read_folder(con, source, events_format, options)
    derive_accounts(runner_for(con), options.get("account_group"), sources)
    return sources


def derive_accounts(runner, account_group: str | None, sources: Mapping[str, str]) -> None:
    """``account_id`` and the account traits in ``raw_users`` from the group calls, when it has no ``account_id``.

    The export's readers made ``_group_calls``; canonical events (a file, a database, Spark) give
    them from the events column named by ``account_group`` (:mod:`pqlkit.io.groups`).
    """
    if not has_table(runner, "_group_calls"):
        if not account_group:
            return
        create_column_group_calls(runner, account_group, where=sources.get("events", "<events>"))
    attach_accounts(runner, account_group, where=sources.get("events", "<events>"))


def _read_folder(con: duckdb.DuckDBPyConnection, source, events_format: str, options: Mapping) -> dict[str, str]:
    """``raw_{table}`` from the files of a dataset folder (the events may be an export)."""
    folder = Path(source)
    if not folder.is_dir():
        raise DataError(
            f"{folder}: dataset folder not found; pass a folder holding users and events "
            "(.parquet, .csv or .csv.gz)",
            path=str(folder),
        )
    sources = {}
    for table in TABLES:
        found = find_events_files(folder) if table == "events" else table_files(folder, table)
        hint = ""
        if table == "users":
            hint = (
                ". It is needed with an export from Segment, Amplitude, Mixpanel or PostHog too: one row per "
                "user with user_id and signup_at, from your product database"
            )
        expected = ("events.parquet, events.csv(.gz), an export as events.json(l)(.gz), events.zip or a folder "
                    "events/" if table == "events" else None)
        path = one_table_file(folder, table, found, expected=expected, hint=hint)
        if path is None:
            continue
        if table == "events":
            # An ExportSource carries the vendor options (identity merges, the time zone, the account group).
            create_raw_events(con, path, events_format, **options)
        else:
            create_raw(con, table, path)
        sources[table] = str(path)
    return sources


_CONTRACT_COLUMNS = {
    "users": ("user_id", "signup_at", "account_id"),
    "events": ("event_id", "user_id", "event", "timestamp"),
    "conversions": ("user_id", "account_id", "paid_at", "plan", "mrr"),
}


def match_column_names(con: duckdb.DuckDBPyConnection, sources: Mapping[str, str]) -> None:
    """Rename ``USER_ID`` or `` user_id `` (a Snowflake unload, a spreadsheet) to the contract's names.

    Only where no column has the exact name; two columns matching one name are an error
    (:func:`pqlkit.io.files.match_column_names`).
    """
    views = {row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    for table, where in sources.items():
        name = f"raw_{table}"
        columns = [row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()]
        renames = contract_renames(columns, _CONTRACT_COLUMNS[table], where=where)
        if not renames:
            continue
        if name in views:  # a Parquet file read in place: a view over a renamed view
            listed = ", ".join(f"{quote_identifier(old)} AS {quote_identifier(new)}" for old, new in renames.items())
            con.execute(f"ALTER VIEW {name} RENAME TO {name}_as_read")
            con.execute(f"CREATE TEMP VIEW {name} AS SELECT * RENAME ({listed}) FROM {name}_as_read")
        else:  # a table: renamed in place, so rowid keeps the file order
            for old, new in renames.items():
                con.execute(f"ALTER TABLE {name} RENAME COLUMN {quote_identifier(old)} TO {quote_identifier(new)}")


def one_table_file(source, table: str, found: list, *, expected: str | None = None, hint: str = ""):
    """The one file found for ``table``; None for a missing conversions table; else a DataError."""
    if len(found) > 1:
        names = ", ".join(str(p).rsplit("/", 1)[-1] for p in found)
        raise DataError(f"{source}: the {table} table is there more than once ({names}); keep one", path=str(source))
    if found:
        return found[0]
    if table == "conversions":
        return None
    expected = expected or f"{table}.parquet, {table}.csv or {table}.csv.gz"
    present = ""
    if isinstance(source, Path):
        names = sorted(p.name for p in source.iterdir() if not p.name.startswith("."))
        present = f", found: {', '.join(names) or 'nothing'}"
    raise DataError(f"{source}: no {table} table; expected {expected}{present}{hint}", path=str(source))


def create_raw(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """``raw_{table}`` from a canonical Parquet or CSV file (:func:`pqlkit.io.files.create_raw_table`); an empty file is an error."""
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; write a header row with the column names", path=str(path))
    create_raw_table(con, f"raw_{table}", path)


def register_frames(
    con: duckdb.DuckDBPyConnection, frames: Mapping[str, pd.DataFrame], events_format: str = "auto"
) -> dict[str, str]:
    """``raw_{table}`` from pandas frames (an events frame may be an export); table name to ``<DataFrame {table}>``."""
    import pandas as pd  # frames as a source; a folder or a database is read without pandas

    unknown = sorted(set(frames) - set(TABLES))
    if unknown:
        raise DataError(f"<DataFrame>: unknown table names {unknown}; use {list(TABLES)}")
    sources = {}
    for table in TABLES:
        frame = frames.get(table)
        if frame is None:
            if table == "conversions":
                continue
            raise DataError(f"<DataFrame>: no {table} table; pass a '{table}' frame", path="<DataFrame>")
        if not isinstance(frame, pd.DataFrame):  # the caller's frames: pandas is loaded already
            raise DataError(f"<DataFrame>: the {table} table must be a pandas DataFrame, not {type(frame).__name__}")
        if table == "events" and events_format != "canonical":
            register_export_frame(con, frame, events_format)
        else:
            con.register(f"_frame_{table}", frame.reset_index(drop=True))
            con.execute(f"CREATE TEMP TABLE raw_{table} AS SELECT * FROM _frame_{table}")
            con.unregister(f"_frame_{table}")
        sources[table] = f"<DataFrame {table}>"
    return sources


def read_source_tables_spark(engine, source, events_format: str | None) -> dict[str, str]:
    """The Spark engine's reading: canonical Parquet and CSV tables from a folder.

    The folder may be local, or a URI the cluster reads (``s3a://bucket/dataset``,
    ``hdfs:///data/pql``, ``abfss://...``): there each table is looked for by trying its names.
    """
    if isinstance(source, Mapping):
        raise DataError("<DataFrame>: --engine spark reads a dataset folder; write the frames as Parquet first")
    if database_source(source) is not None:
        raise DataError(f"{database_source(source).display}: --engine spark reads files; read a database with the "
                        "default engine (duckdb)")
    if events_format not in (None, "auto", "canonical"):
        raise DataError(f"{source}: --engine spark reads canonical tables only; convert the {events_format} "
                        "export with pqlkit.convert_events first", path=str(source))
    options = dict(getattr(source, "export_options", {}))
    # A Spark session keeps its temporary views from one load to the next: the accounts start afresh.
    engine.drop(*ACCOUNT_TABLES)
    remote = "://" in str(source)
    folder = Path(source)
    if not remote and not folder.is_dir():
        raise DataError(f"{folder}: dataset folder not found; pass a folder holding users and events", path=str(folder))
    sources = {}
    for table in TABLES:
        if remote:
            base = str(source).rstrip("/")
            found = [p for p in (f"{base}/{table}.{fmt}" for fmt in FORMATS) if engine.exists(p)]
        else:
            found = table_files(folder, table)
        path = one_table_file(str(source) if remote else folder, table, found)
        if path is None:
            continue
        engine.read(table, path)
        sources[table] = str(path)
    derive_accounts(engine, options.get("account_group"), sources)
    return sources
