"""Load a dataset folder (or pandas frames) into DuckDB and apply the data-quality rules of docs/metrics.md#data-quality.

The events never pass through pandas: each table is read by DuckDB straight from its Parquet or CSV
file (or from a registered pandas frame), checked once, and kept in an in-process DuckDB database as
the clean tables ``users``, ``events`` and ``conversions``. What comes back to pandas is small: the
ledger and, on request, the users.

Every row read is either used or counted under exactly one reason in the ledger
(:attr:`Dataset.ledger`). The reasons and their precedence are those of docs/metrics.md#data-quality:
``missing_value``, ``bad_timestamp``, ``duplicate``, ``unknown_user``, ``before_signup``,
``after_as_of``, ``no_account``.

Choices where the contract (docs/metrics.md) is silent (also in the README):

- Identifiers, event names and segment values are trimmed of surrounding white space; an empty or
  white-space-only value counts as missing.
- Events whose ``event_id`` is empty, in a table that has the column, are compared on every column
  (like a table without ``event_id``).
- The default ``as_of`` is the latest parseable timestamp in any row of the three tables, dropped
  rows included, as docs/metrics.md#definitions says ("any row").
- At account level a conversion row is matched by its ``account_id`` first, else through the account
  of its ``user_id``.

Reading (what the files may look like):

- The events table may also be an export from Segment, Amplitude, Mixpanel or PostHog, as
  ``events.json``, ``events.jsonl``, ``events.ndjson`` (each also ``.gz``) or in the CSV/Parquet
  names above; ``events_format`` picks the reader, by default detected (:mod:`pqlkit.readers`).
  ``events.zip`` (the Amplitude Export API's download) and a folder ``events/`` of parts read as one
  table, in file-name order; each vendor's duplicate key, time and identity rules are in
  :mod:`pqlkit.exports`. The users table is always canonical.
- Column names match the contract's without case and surrounding spaces (``USER_ID`` from a Snowflake
  unload, `` user_id `` from a spreadsheet) when no column has the exact name; two columns that
  match one name are an error.
- CSV files are read with ``,`` as delimiter and ``"`` as quote, every column as text (so ``00042``
  keeps its zeros); the header row is read first and DuckDB does no dialect guessing. UTF-8 (with or
  without a byte-order mark) and little-endian UTF-16 are read, with ``\\r\\n``, ``\\n`` or bare
  ``\\r`` line ends. A row with more or fewer fields than the header, an unclosed quote, bytes that
  are not UTF-8 (the error names the encoding they suggest, e.g. Windows-1252), UTF-16 big-endian, a
  header with NUL bytes or a truncated gzip stream is an error naming the file and the line, not a
  dropped row. Rows that repeat the header are kept and named in a warning.
- The ledger's ``read`` is counted on its own, from each raw table as read, before any check; the
  load stops with an internal error if used + dropped differ from it (a row lost or made on the way).
- Timestamps: Parquet timestamps and dates as they are; ISO 8601 text, with an offset converted to
  UTC and without one taken as UTC; numbers and digit-only text (``1767607200``,
  ``"1767607200123"``, ``1767607200.5``) as epoch times, the unit told by the size: seconds from
  1e8 to 1e11, milliseconds from 1e11 to 1e14, microseconds from 1e14 to 1e17 (every epoch time
  after 1973-03-03 is read right). Smaller or larger numbers, and times outside 1678-2261 (which
  pandas cannot hold), are ``bad_timestamp``.
- Identifier and event-name columns must be text or whole numbers, and the timestamp column text, a
  timestamp or a number: a float ``user_id`` or a boolean ``timestamp`` (a Parquet file with the
  wrong types) is an error that says how to write the column.
- Events more than 90 days after the latest signup or payment, when ``as_of`` is not given, raise a
  :class:`~pqlkit.errors.PqlkitWarning`: they still set the default ``as_of`` (docs/metrics.md#definitions), and the
  warning says how many there are and to pass ``as_of``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .engines import query_frame
from .errors import DataError, DataQualityError, PqlkitError, PqlkitWarning
from .sql import quote_identifier, sql_string

__all__ = [
    "Dataset",
    "load",
    "parse_as_of",
    "query_frame",
    "TABLES",
    "REASONS",
    "table_files",
    "FORMATS",
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
_TABLE_REASONS = {
    "users": ("missing_value", "bad_timestamp", "duplicate", "after_as_of", "no_account"),
    "events": REASONS,
    "conversions": ("missing_value", "bad_timestamp", "unknown_user", "after_as_of", "no_account"),
}
_REQUIRED = {
    "users": ("user_id", "signup_at"),
    "events": ("user_id", "event", "timestamp"),
    "conversions": ("paid_at",),
}
_TIMESTAMP_COLUMN = {"users": "signup_at", "events": "timestamp", "conversions": "paid_at"}
_ID_COLUMNS = ("user_id", "account_id", "event_id")
_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Dataset:
    """A checked dataset, held by an engine (in-process DuckDB by default, or Spark).

    Attributes
    ----------
    engine : DuckDBEngine or SparkEngine
        Holds the clean tables ``users`` (``user_id``, ``entity_id``, ``signup_at``, ``account_id``,
        segment columns), ``events`` (``user_id``, ``entity_id``, ``event``, ``ts``) and
        ``conversions`` (``user_id``, ``account_id``, ``entity_id``, ``paid_at``, ``plan``, ``mrr``).
        :meth:`sql` queries them; ``con`` is the DuckDB connection (None on Spark).
    as_of : pandas.Timestamp
        The instant the analysis is taken at (UTC).
    level : {"user", "account"}
        The level the rows were checked for (``no_account`` applies at account level only).
    ledger : pandas.DataFrame
        One row per table and outcome: ``table``, ``reason`` (``"used"`` or a drop reason),
        ``rows``, and ``read`` (the table's rows as read from the source, counted on their own,
        the same on each of its rows). Every reason that applies to a table is listed, zeros
        included.
    sources : dict
        Table name to the file it was read from (``"<DataFrame>"`` for frames).
    segments : list of str
        The users table's segment columns (everything but ids and ``signup_at``).
    conversion_columns : list of str
        The conversions table's columns.
    event_facts : dict of str to int, or None
        The step events (with how many earliest times each keeps) whose per-user facts the engine's
        ``event_facts`` table holds; see :func:`event_facts`.
    identity_merges : int or None
        With ``stitch_identities``: the events rows attributed to a user through an identity merge
        of the export's vendor (:mod:`pqlkit.exports`); None when merging was not asked for.
    """

    engine: object
    as_of: pd.Timestamp
    level: str
    ledger: pd.DataFrame
    sources: dict[str, str]
    segments: list[str] = field(default_factory=list)
    conversion_columns: list[str] = field(default_factory=list)
    event_facts: dict[str, int] | None = None
    identity_merges: int | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection | None:
        """The DuckDB connection holding the clean tables (None when the engine is Spark)."""
        return getattr(self.engine, "con", None)

    @property
    def has_conversions(self) -> bool:
        """Whether a conversions table was read."""
        return "conversions" in self.sources

    def sql(self, query: str) -> pd.DataFrame:
        """Run a query (DuckDB's dialect) over the clean tables and return the result as a pandas frame."""
        return self.engine.frame(query)

    def event_names(self) -> list[str]:
        """The distinct event names among the used events, sorted."""
        return [row[0] for row in self.engine.rows(
            "SELECT DISTINCT event FROM event_facts WHERE by_entity = 0 AND _reason IS NULL ORDER BY 1"
        )]

    def event_outcomes(self) -> pd.DataFrame:
        """Rows per event name and outcome: ``event``, ``reason`` (``"used"`` or a drop reason), ``rows``."""
        return self.sql(
            "SELECT event, COALESCE(_reason, 'used') AS reason, sum(n) AS rows FROM event_facts "
            "WHERE by_entity = 0 AND event IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
        )

    def dropped_event_reasons(self, names: list[str]) -> dict[str, dict[str, int]]:
        """Why the events of the given names were dropped, for names that no used event has.

        Parameters
        ----------
        names : list of str
            Event names (a spec's step events).

        Returns
        -------
        dict
            ``{event name: {reason: rows}}`` for each name among ``names`` that occurs in the rows
            read but in no used row; reasons in ledger order. Names absent from what was read are
            left out.
        """
        if not names:
            return {}
        used = set(self.event_names())
        wanted = sorted({name for name in names if name not in used})
        if not wanted:
            return {}
        listed = ", ".join(sql_string(name) for name in wanted)
        found: dict[str, dict[str, int]] = {}
        rows = self.engine.rows(
            f"SELECT event, _reason, sum(n) FROM event_facts WHERE by_entity = 0 AND event IN ({listed}) "
            "AND _reason IS NOT NULL GROUP BY 1, 2"
        )
        for event, reason, count in rows:
            found.setdefault(event, {})[reason] = int(count)
        return {event: {r: reasons[r] for r in REASONS if r in reasons} for event, reasons in found.items()}

    def users(self) -> pd.DataFrame:
        """The used users rows as a pandas frame."""
        return self.sql("SELECT * FROM users ORDER BY signup_at, user_id")

    def data_quality(self) -> dict:
        """The ledger as the JSON summary's ``data_quality`` mapping (docs/metrics.md#json-summary): ``{table: {read, used, dropped}}``."""
        return ledger_to_dict(self.ledger)


def ledger_to_dict(ledger: pd.DataFrame) -> dict:
    """Turn a ledger frame into ``{table: {"read": n, "used": n, "dropped": {reason: n}}}``.

    ``read`` is the ledger's own count of the rows read from the source (its ``read`` column), not
    the sum of the outcomes, so ``read == used + sum(dropped)`` is a check that can fail.

    Parameters
    ----------
    ledger : pandas.DataFrame
        :attr:`Dataset.ledger`: columns ``table``, ``reason``, ``rows``, ``read``.

    Returns
    -------
    dict
        ``{table: {"read": int, "used": int, "dropped": {reason: int}}}``, tables in ledger order.
    """
    if "read" not in ledger:
        raise PqlkitError(
            "ledger_to_dict needs the ledger's 'read' column (the rows read from each source); "
            "pass Dataset.ledger from pqlkit.load"
        )
    result = {}
    for table, rows in ledger.groupby("table", sort=False):
        counts = dict(zip(rows["reason"], rows["rows"].astype(int)))
        used = int(counts.pop("used", 0))
        dropped = {reason: int(n) for reason, n in counts.items()}
        result[table] = {"read": int(rows["read"].iloc[0]), "used": used, "dropped": dropped}
    return result


def parse_as_of(value: str | dt.date | dt.datetime | pd.Timestamp | None) -> pd.Timestamp | None:
    """Parse an ``as_of`` value to a UTC timestamp.

    A bare date (``"2026-06-30"`` or a :class:`datetime.date`) means the end of that day,
    23:59:59.999999 UTC. Naive times are taken as UTC; times with an offset are converted.

    Examples
    --------
    >>> parse_as_of("2026-06-30")
    Timestamp('2026-06-30 23:59:59.999999+0000', tz='UTC')
    """
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        if _BARE_DATE.match(text):
            text += "T23:59:59.999999"
        try:
            stamp = pd.Timestamp(text)
        except (ValueError, TypeError):
            stamp = pd.NaT
        if stamp is pd.NaT:
            raise PqlkitError(
                f"as_of: cannot read {value!r} as a date or time; use ISO 8601, e.g. 2026-06-30 or 2026-06-30T12:00:00Z"
            )
    else:
        stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.as_unit("us")


def load(
    source: str | os.PathLike | Mapping[str, pd.DataFrame],
    *,
    level: str = "user",
    as_of: str | dt.date | pd.Timestamp | None = None,
    strict: bool = False,
    events_format: str | None = None,
    engine: str | object | None = None,
    schema: str | None = None,
    sql: Mapping[str, str] | None = None,
    step_events: Mapping[str, int] | None = None,
    stitch_identities: bool = False,
    source_timezone: str | None = None,
) -> Dataset:
    """Read and check a dataset.

    Parameters
    ----------
    source : path or mapping
        A folder holding ``users``, ``events`` and optionally ``conversions`` as ``.parquet``,
        ``.csv`` or ``.csv.gz``; or a mapping of those names to pandas frames.
    level : {"user", "account"}
        The analysis level; at account level users without ``account_id`` are dropped.
    as_of : str, date or Timestamp, optional
        The instant of the analysis; see :func:`parse_as_of`. Default: the latest parseable
        timestamp in any row of the three tables.
    strict : bool
        Raise :class:`~pqlkit.errors.DataQualityError` instead of dropping any row.
    events_format : {"auto", "canonical", "segment", "amplitude", "mixpanel", "posthog"}, optional
        The shape of the events table: canonical (docs/metrics.md#input-tables) or an export read by
        :mod:`pqlkit.readers`. None or ``"auto"`` detects it from the file's name and columns.
    engine : {"duckdb", "spark"} or an engine object, optional
        Where the checks and the reduction run (:mod:`pqlkit.engines`); default DuckDB in process.
    schema, sql : optional
        For a database source (``source`` a ``postgresql://`` URL, a YAML source file or a
        :class:`~pqlkit.database.DatabaseSource`): the schema holding the tables, and table name to
        a SQL query giving that table's rows instead (:mod:`pqlkit.database`).
    step_events : mapping of str to int, optional
        The events an activation spec counts, each with the number of earliest times a step needs
        (its largest ``min_count``). The pass over the events that tags them also keeps, per user,
        those earliest times, so :func:`pqlkit.reduce` needs no second pass; :func:`pqlkit.entity_table`
        passes them. Without them, the reduction makes its own pass.
    stitch_identities : bool
        For an export: count events tracked before the user was identified for the user the vendor
        merged them into (:mod:`pqlkit.exports`); :attr:`Dataset.identity_merges` says how many.
    source_timezone : str, optional
        For a Mixpanel export of a project from before 2023: the project's time zone (IANA name),
        in which its epoch times are local.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        A missing table, file or required column, an empty required table, an unreadable file.

    Examples
    --------
    >>> ds = load("data/sample")                      # doctest: +SKIP
    >>> ds.ledger.query("table == 'events'")          # doctest: +SKIP
    """
    if level not in ("user", "account"):
        raise PqlkitError(f"The value for `level` must be one of ['user', 'account'], but {level!r} was passed.")
    from .engines import make_engine

    if schema is not None or sql:
        from .database import database_source

        source = database_source(source, schema=schema, sql=sql)
    if (stitch_identities or source_timezone) and isinstance(source, (str, os.PathLike)):
        from .exports import ExportSource

        source = ExportSource(source, stitch_identities=stitch_identities, source_timezone=source_timezone)
    engine = make_engine(engine)
    if engine.name == "duckdb":
        sources = _read_raw_tables(engine.con, source, events_format)
    else:
        sources = _read_raw_tables_spark(engine, source, events_format)
    if engine.name == "duckdb":
        _match_column_names(engine.con, sources)
    raw_columns = {table: engine.columns(f"raw_{table}") for table in sources}
    columns = {table: {k: v for k, v in names.items() if k != "_row"} for table, names in raw_columns.items()}
    for table, names in columns.items():
        _check_required(table, names, sources[table], level)
    read_counts = _count_read(engine, sources)
    for table in ("users", "events"):
        if read_counts[table] == 0:
            raise DataError(
                f"{sources[table]}: the {table} table has no rows; an analysis needs at least one",
                path=sources[table],
            )
    for table in sources:
        _stage(engine, table, columns[table], row="_row" if "_row" in raw_columns[table] else "rowid")
    latest_event = _find_event_duplicates(engine, columns["events"])

    if as_of is None:
        latest = _latest_timestamps(engine, sources, events=latest_event)
        as_of_ts = max((stamp for stamp in latest.values() if stamp is not None), default=None)
        _warn_far_future(engine, sources, latest)
    else:
        as_of_ts = parse_as_of(as_of)
    if as_of_ts is None:
        raise DataError(
            f"{sources['events']}: no timestamp in any table could be parsed; use ISO 8601 times such as 2026-06-30T12:00:00Z",
            path=sources["events"],
            column="timestamp",
        )
    literal = _timestamp_literal(as_of_ts)
    account = level == "account"
    _tag_users(engine, literal, account)
    tagged_events = _tagged_events_sql(literal, account, columns["events"])
    engine.view("tagged_events", tagged_events)
    facts = event_facts(engine, step_events=step_events)
    if "conversions" in sources:
        _tag_conversions(engine, literal, account, columns["conversions"])
    ledger = _ledger(engine, sources, level, read_counts)
    if strict:
        _raise_if_dropped(ledger)
    _publish_clean_tables(engine, level, sources)
    segments = [name for name in columns["users"] if name not in ("user_id", "signup_at", "account_id")]
    from .exports import identity_merges

    return Dataset(
        identity_merges=identity_merges(engine.con) if getattr(source, "stitch_identities", False) else None,
        engine=engine,
        as_of=as_of_ts,
        level=level,
        ledger=ledger,
        sources=sources,
        segments=segments,
        conversion_columns=columns.get("conversions", []),
        event_facts=facts,
    )


# --- reading -----------------------------------------------------------------------------------


def _read_raw_tables(con: duckdb.DuckDBPyConnection, source, events_format: str | None = None) -> dict[str, str]:
    from .readers import check_events_format, create_raw_events, find_events_files

    events_format = check_events_format(events_format)
    if isinstance(source, Mapping):
        return _register_frames(con, source, events_format)
    from .database import database_source, read_raw_tables

    database = database_source(source)  # a postgresql:// URL, a YAML source file, a DatabaseSource
    if database is not None:
        return read_raw_tables(con, database, events_format)
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
        path = _one_table_file(folder, table, found, expected=expected, hint=hint)
        if path is None:
            continue
        if table == "events":
            # An ExportSource carries the vendor options (identity merges, the source's time zone).
            create_raw_events(con, path, events_format, **getattr(source, "export_options", {}))
        else:
            _create_raw(con, table, path)
        sources[table] = str(path)
    return sources


_CONTRACT_COLUMNS = {
    "users": ("user_id", "signup_at", "account_id"),
    "events": ("event_id", "user_id", "event", "timestamp"),
    "conversions": ("user_id", "account_id", "paid_at", "plan", "mrr"),
}


def _match_column_names(con: duckdb.DuckDBPyConnection, sources: Mapping[str, str]) -> None:
    """Rename ``USER_ID`` or `` user_id `` (a Snowflake unload, a spreadsheet) to the contract's names.

    Only where no column has the exact name; two columns matching one name are an error
    (:func:`pqlkit.exports.match_column_names`).
    """
    from .exports import match_column_names

    views = {row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    for table, where in sources.items():
        name = f"raw_{table}"
        columns = [row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()]
        renames = match_column_names(columns, _CONTRACT_COLUMNS[table], where=where)
        if not renames:
            continue
        if name in views:  # a Parquet file read in place: a view over a renamed view
            listed = ", ".join(f"{quote_identifier(old)} AS {quote_identifier(new)}" for old, new in renames.items())
            con.execute(f"ALTER VIEW {name} RENAME TO {name}_as_read")
            con.execute(f"CREATE TEMP VIEW {name} AS SELECT * RENAME ({listed}) FROM {name}_as_read")
        else:  # a table: renamed in place, so rowid keeps the file order
            for old, new in renames.items():
                con.execute(f"ALTER TABLE {name} RENAME COLUMN {quote_identifier(old)} TO {quote_identifier(new)}")


def table_files(folder: Path, table: str) -> list[Path]:
    """The files in ``folder`` that can hold the canonical ``table`` (``{table}.parquet``, ``.csv``, ``.csv.gz``).

    Returns
    -------
    list of pathlib.Path
        The files that exist, in the order of :data:`FORMATS` (more than one is an error for the caller).
    """
    return [folder / f"{table}.{fmt}" for fmt in FORMATS if (folder / f"{table}.{fmt}").is_file()]


def _one_table_file(source, table: str, found: list, *, expected: str | None = None, hint: str = ""):
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


def _create_raw(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    from .readers import create_raw_table

    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; write a header row with the column names", path=str(path))
    create_raw_table(con, f"raw_{table}", path)


def _register_frames(
    con: duckdb.DuckDBPyConnection, frames: Mapping[str, pd.DataFrame], events_format: str = "auto"
) -> dict[str, str]:
    from .readers import register_export_frame

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
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"<DataFrame>: the {table} table must be a pandas DataFrame, not {type(frame).__name__}")
        if table == "events" and events_format != "canonical":
            register_export_frame(con, frame, events_format)
        else:
            con.register(f"_frame_{table}", frame.reset_index(drop=True))
            con.execute(f"CREATE TEMP TABLE raw_{table} AS SELECT * FROM _frame_{table}")
            con.unregister(f"_frame_{table}")
        sources[table] = f"<DataFrame {table}>"
    return sources


def _read_raw_tables_spark(engine, source, events_format: str | None) -> dict[str, str]:
    """The Spark engine's reading: canonical Parquet and CSV tables from a folder.

    The folder may be local, or a URI the cluster reads (``s3a://bucket/dataset``,
    ``hdfs:///data/pql``, ``abfss://...``): there each table is looked for by trying its names.
    """
    if isinstance(source, Mapping):
        raise DataError("<DataFrame>: --engine spark reads a dataset folder; write the frames as Parquet first")
    from .database import database_source

    if database_source(source) is not None:
        raise DataError(f"{database_source(source).display}: --engine spark reads files; read a database with the "
                        "default engine (duckdb)")
    if events_format not in (None, "auto", "canonical"):
        raise DataError(f"{source}: --engine spark reads canonical tables only; convert the {events_format} "
                        "export with pqlkit.convert_events first", path=str(source))
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
        path = _one_table_file(str(source) if remote else folder, table, found)
        if path is None:
            continue
        engine.read(table, path)
        sources[table] = str(path)
    return sources


FAR_FUTURE_DAYS = 90


def _warn_far_future(engine, sources: Mapping[str, str], latest: Mapping[str, pd.Timestamp | None]) -> None:
    """Warn when the default ``as_of`` is pulled far past the other tables by a few events.

    docs/metrics.md#definitions makes the default ``as_of`` the latest parseable timestamp, so one event with a broken
    clock (2099-01-01) moves the whole analysis to 2099: every trial looks old, nobody is current.
    That stays the rule; this names the events that did it and what to do. ``latest`` holds each
    table's latest timestamp, so the events are only counted when there is something to count.
    """
    others = [stamp for table, stamp in latest.items() if table != "events" and stamp is not None]
    if not others or latest.get("events") is None:
        return
    reference = max(others)
    limit = reference + pd.Timedelta(days=FAR_FUTURE_DAYS)
    if latest["events"] <= limit:
        return
    count = engine.rows(f"SELECT count(*) FROM stage_events WHERE _ts > {_timestamp_literal(limit)}")[0][0]
    if count:
        warnings.warn(
            f"{sources['events']}: {count} event(s) are more than {FAR_FUTURE_DAYS} days after the latest signup or "
            f"payment ({reference.isoformat()}), the latest at {latest['events'].isoformat()}; the default as_of is that "
            "latest timestamp, so every trial looks old and no PQL is current. Pass --as-of (as_of=) with the "
            "date of the export, or fix those timestamps",
            PqlkitWarning,
            stacklevel=3,
        )


def _check_required(table: str, columns: Mapping[str, str], path: str, level: str) -> None:
    found = ", ".join(columns) or "none"
    for column in _REQUIRED[table]:
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
    text_columns = [name for name in (*_ID_COLUMNS, "event") if name in columns and (name != "event" or table == "events")]
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
    name = _TIMESTAMP_COLUMN[table]
    kind = columns[name].upper()
    if not re.fullmatch(f"{_TIME_TYPES}|{_TEXT_TYPES}|{_NUMBER_TYPES}", kind):
        raise DataError(
            f"{path}: column {name!r} has type {columns[name]}; expected ISO 8601 text (2026-06-30T12:00:00Z), "
            "a timestamp, or epoch seconds or milliseconds. Write the column in one of those forms",
            path=path,
            column=name,
        )


# --- staging: typed, trimmed values and the per-row facts the reasons need -----------------------


def _text_sql(column: str) -> str:
    """SQL: the column as trimmed text, NULL when empty. Only values with an edge space pay for trim."""
    text = f"CAST({quote_identifier(column)} AS VARCHAR)"
    return f"NULLIF(CASE WHEN starts_with({text}, ' ') OR ends_with({text}, ' ') THEN trim({text}) ELSE {text} END, '')"


def _timestamp_sql(value: str, dtype: str) -> str:
    """SQL parsing ``value`` (the trimmed text, or the typed column) of type ``dtype`` to a TIMESTAMPTZ.

    Timestamp and date columns are taken as they are; numbers and digit-only text are epoch times
    (:func:`_epoch_sql`); other text is cast to TIMESTAMPTZ (ISO 8601; naive values are UTC, the
    connection's time zone). Text shorter than a date (``2026``) is not read as ISO, so every engine
    agrees. The range check (:func:`_in_range_sql`) is applied by the caller.
    """
    kind = dtype.upper()
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        return f"CAST({value} AS TIMESTAMPTZ)"
    if re.fullmatch(_NUMBER_TYPES, kind):
        return _epoch_sql(f"TRY_CAST({value} AS DECIMAL(38, 6))")
    # ISO 8601 first (the common case, and fast); epoch only for the digit-only text that fails it.
    return (
        f"COALESCE(CASE WHEN length({value}) >= 10 THEN TRY_CAST({value} AS TIMESTAMPTZ) END, "
        f"CASE WHEN regexp_matches({value}, '^[0-9]{{1,17}}([.][0-9]+)?$') "
        f"THEN {_epoch_sql(f'TRY_CAST({value} AS DECIMAL(38, 6))')} END)"
    )


def _epoch_sql(number: str) -> str:
    """SQL: an epoch number as TIMESTAMPTZ, its unit told by its size (the contract is silent; see the docstring).

    Seconds from 1e8 (1973-03-03) up to 1e11, milliseconds from 1e11 (1973-03-03) up to 1e14,
    microseconds from 1e14 up to 1e17. Anything smaller or larger is not read as a time.
    """
    return (
        f"CASE WHEN {number} >= 1e8 AND {number} < 1e11 THEN CAST(make_timestamp(CAST(round({number} * 1000000) AS BIGINT)) AS TIMESTAMPTZ) "
        f"WHEN {number} >= 1e11 AND {number} < 1e14 THEN CAST(make_timestamp(CAST(round({number} * 1000) AS BIGINT)) AS TIMESTAMPTZ) "
        f"WHEN {number} >= 1e14 AND {number} < 1e17 THEN CAST(make_timestamp(CAST(round({number}) AS BIGINT)) AS TIMESTAMPTZ) END"
    )


def _in_range_sql(stamp: str) -> str:
    """SQL: ``stamp`` if pandas can hold it (1678-01-01 up to 2262-01-01; infinities are outside), else NULL."""
    return (
        f"CASE WHEN {stamp} >= TIMESTAMPTZ '1678-01-01 00:00:00+00:00' "
        f"AND {stamp} < TIMESTAMPTZ '2262-01-01 00:00:00+00:00' THEN {stamp} END"
    )


def _is_text(dtype: str) -> bool:
    kind = dtype.upper()
    return not (kind.startswith("TIMESTAMP") or kind == "DATE" or re.fullmatch(_NUMBER_TYPES, kind))


def _stage(engine, table: str, columns: Mapping[str, str], *, row: str) -> None:
    """``stage_{table}``: file order (``_row``), trimmed text, the parsed timestamp (``_ts``) and
    whether one was given at all (``_ts_present``). Three nested selects, so that each value is
    trimmed once and parsed once."""
    ts_column = _TIMESTAMP_COLUMN[table]
    ts_type = columns[ts_column]
    ts_value = _text_sql(ts_column) if _is_text(ts_type) else quote_identifier(ts_column)
    inner = [f"{row} AS _row", f"{ts_value} AS _ts_value"]
    names = ["_row"]
    for name in columns:
        if name == ts_column:
            continue
        if name in _ID_COLUMNS or name == "event" or table == "users":
            inner.append(f"{_text_sql(name)} AS {quote_identifier(name)}")
        else:
            inner.append(quote_identifier(name))
        names.append(quote_identifier(name))
    for name in ("user_id", "account_id"):
        if name not in columns:
            inner.append(f"CAST(NULL AS VARCHAR) AS {name}")
            names.append(name)
    kept = ", ".join(names)
    # The events are never copied: their staging is a view, read by the two passes over the events
    # (duplicates, then tagging with facts). The small tables are materialised.
    create = engine.view if table == "events" else engine.table
    create(
        f"stage_{table}",
        f"""
        SELECT {kept}, _ts_value IS NOT NULL AS _ts_present, {_in_range_sql('_ts_parsed')} AS _ts
        FROM (
            SELECT {kept}, _ts_value, {_timestamp_sql('_ts_value', ts_type)} AS _ts_parsed
            FROM (SELECT {', '.join(inner)} FROM raw_{table}) AS trimmed
        ) AS parsed
        """,
    )


def _utc(value) -> pd.Timestamp | None:
    if value is None or pd.isna(value):
        return None
    value = pd.Timestamp(value)
    return (value.tz_localize("UTC") if value.tzinfo is None else value.tz_convert("UTC")).as_unit("us")


def _latest_timestamps(engine, sources: Mapping[str, str], *, events) -> dict[str, pd.Timestamp | None]:
    """Each table's latest parseable timestamp (UTC), None for a table with none.

    The events' latest time comes from the duplicates pass (``events``); the small tables are asked
    in one query.
    """
    small = [table for table in sources if table != "events"]
    union = " UNION ALL ".join(f"SELECT '{table}' AS table_name, max(_ts) AS m FROM stage_{table}" for table in small)
    latest = {table: _utc(value) for table, value in engine.rows(union)}
    latest["events"] = _utc(events)
    return latest


def _timestamp_literal(stamp: pd.Timestamp) -> str:
    return f"TIMESTAMPTZ '{stamp.isoformat()}'"


# --- tagging: the first reason that applies, in the contract's order ---------------------------------------
# Duplicates: the first row in file order of each group is the one kept, so a row is a duplicate
# when its _row is not its group's min(_row). An aggregate and a join on _row: cheaper than a
# window over every event, and it spills to disk like any DuckDB aggregate.


def _tag_users(engine, as_of: str, account: bool) -> None:
    engine.table(
        "tagged_users",
        f"""
        SELECT s.*,
            CASE
                WHEN s.user_id IS NULL OR NOT s._ts_present THEN 'missing_value'
                WHEN s._ts IS NULL THEN 'bad_timestamp'
                WHEN f._row IS NULL THEN 'duplicate'
                WHEN s._ts > {as_of} THEN 'after_as_of'
                WHEN {account} AND s.account_id IS NULL THEN 'no_account'
            END AS _reason
        FROM stage_users AS s
        LEFT JOIN (
            SELECT min(_row) AS _row FROM stage_users WHERE user_id IS NOT NULL AND _ts IS NOT NULL GROUP BY user_id
        ) AS f ON s._row = f._row
        """,
    )
    # The users an event or payment can belong to: those past the first three checks.
    engine.table(
        "known_users",
        """
        SELECT user_id, account_id, _ts AS signup_at FROM tagged_users
        WHERE _reason IS NULL OR _reason IN ('after_as_of', 'no_account')
        """,
    )


def _event_keys(columns: Mapping[str, str]) -> list[str]:
    """SQL expressions over ``stage_events`` that two duplicate events share.

    The same non-empty ``event_id``; rows without one (or tables without the column) are compared on
    every column, timestamps as instants.
    """
    others = [quote_identifier(name) for name in columns if name not in ("event_id", "timestamp")] + ["_ts"]
    if "event_id" in columns:
        return ["event_id"] + [f"CASE WHEN event_id IS NULL THEN {part} END" for part in others]
    return others


_VALID_EVENT = "user_id IS NOT NULL AND event IS NOT NULL AND _ts IS NOT NULL"


def _find_event_duplicates(engine, columns: Mapping[str, str]):
    """The duplicate events (``event_duplicates``: their ``_row``) and the latest event time.

    Duplicates are rare, so two light passes find them without copying the events: one hash
    aggregate over every row's key hash (:func:`_event_keys`) finds the hashes seen more than once,
    and also gives the latest parseable time for the default ``as_of``; then only the rows behind
    those hashes are numbered by their exact keys in file order. Equal hashes of different rows
    only cost a closer look; every row but the first of an exact group is a duplicate. Returns the
    latest event time (None when no event time parses).
    """
    keys = ", ".join(_event_keys(columns))
    engine.table(
        "event_hashes",
        f"""
        SELECT _h, copies, latest, is_total FROM (
            SELECT _h, count(*) AS copies, max(_ts) AS latest, GROUPING(_h) AS is_total
            FROM (SELECT CASE WHEN {_VALID_EVENT} THEN hash({keys}) END AS _h, _ts FROM stage_events) AS hashed
            GROUP BY GROUPING SETS ((_h), ())
        ) AS groups
        WHERE is_total = 1 OR (_h IS NOT NULL AND copies > 1)
        """,
    )
    latest = engine.rows("SELECT max(latest) FROM event_hashes WHERE is_total = 1")[0][0]
    engine.table(
        "event_duplicates",
        f"""
        SELECT _row FROM (
            SELECT _row, row_number() OVER (PARTITION BY {keys} ORDER BY _row) AS copy
            FROM stage_events
            WHERE {_VALID_EVENT} AND hash({keys}) IN (SELECT _h FROM event_hashes WHERE is_total = 0)
        ) AS candidates
        WHERE copy > 1
        """,
    )
    engine.drop("event_hashes")
    return latest


def _tagged_events_sql(as_of: str, account: bool, columns: Mapping[str, str]) -> str:
    """SQL: every staged event with its entity and the first reason that applies (NULL: used).

    Read as a view: by the facts pass, and by queries of the clean events.
    """
    entity = "u.account_id" if account else "u.user_id"
    return f"""
        SELECT e.user_id, {entity} AS entity_id, e.event, e._ts AS ts,
            CASE
                WHEN e.user_id IS NULL OR e.event IS NULL OR NOT e._ts_present THEN 'missing_value'
                WHEN e._ts IS NULL THEN 'bad_timestamp'
                WHEN d._row IS NOT NULL THEN 'duplicate'
                WHEN u.user_id IS NULL THEN 'unknown_user'
                WHEN e._ts < u.signup_at THEN 'before_signup'
                WHEN e._ts > {as_of} THEN 'after_as_of'
                WHEN {account} AND u.account_id IS NULL THEN 'no_account'
            END AS _reason
        FROM stage_events AS e
        LEFT JOIN event_duplicates AS d ON e._row = d._row
        LEFT JOIN known_users AS u ON e.user_id = u.user_id
    """


def event_facts(engine, *, step_events: Mapping[str, int] | None = None) -> dict[str, int]:
    """The second pass over the events: ``event_facts``, everything later steps need, in one scan.

    Two grouping sets over the tagged events (``tagged_events``):

    - ``by_entity = 0``: per ``_reason`` (NULL: used) and ``event``, the rows (``n``): the ledger,
      the event names, and which names occur only in dropped rows;
    - ``by_entity = 1``: per ``entity_id``, ``user_id`` and ``step_event`` (the event when a step
      counts it, else NULL), over used rows: their number (``n_used``), the latest time (``last_seen``)
      and the ``k`` earliest times (``first_times``, a sorted list) of a step event, ``k`` being the
      largest ``min_count`` of the steps that count it. The k-th qualifying event of an account is
      among its users' k earliest, so the reduction reads this small table, not the events.

    Returns the step events covered, with their ``k`` (the :attr:`Dataset.event_facts`).
    """
    step_events = dict(step_events or {})
    depth = max(step_events.values(), default=1)
    names = ", ".join(sql_string(name) for name in sorted(step_events)) or "NULL"
    used = "_reason IS NULL"
    engine.table(
        "event_facts",
        f"""
        SELECT _reason, event, entity_id, user_id, step_event, GROUPING(_reason) AS by_entity,
            count(*) AS n, count(*) FILTER (WHERE {used}) AS n_used,
            max(ts) FILTER (WHERE {used}) AS last_seen,
            {engine.smallest('ts', depth, where=f'{used} AND step_event IS NOT NULL')} AS first_times
        FROM (SELECT *, CASE WHEN event IN ({names}) THEN event END AS step_event FROM tagged_events) AS tagged
        GROUP BY GROUPING SETS ((_reason, event), (entity_id, user_id, step_event))
        """,
    )
    return step_events


def _tag_conversions(engine, as_of: str, account: bool, columns: Mapping[str, str]) -> None:
    if account:
        missing = "c.user_id IS NULL AND c.account_id IS NULL"
        known = "(a.account_id IS NOT NULL OR u.user_id IS NOT NULL)"
        entity = "COALESCE(a.account_id, u.account_id)"
    else:
        missing = "c.user_id IS NULL"
        known = "u.user_id IS NOT NULL"
        entity = "u.user_id"
    extras = [f"c.{quote_identifier(name)}" for name in ("plan", "mrr") if name in columns]
    engine.table(
        "tagged_conversions",
        f"""
        SELECT c.user_id, c.account_id, {entity} AS entity_id, c._ts AS paid_at{''.join(', ' + x for x in extras)},
            CASE
                WHEN {missing} OR NOT c._ts_present THEN 'missing_value'
                WHEN c._ts IS NULL THEN 'bad_timestamp'
                WHEN NOT {known} THEN 'unknown_user'
                WHEN c._ts > {as_of} THEN 'after_as_of'
                WHEN {account} AND {entity} IS NULL THEN 'no_account'
            END AS _reason
        FROM stage_conversions AS c
        LEFT JOIN known_users AS u ON c.user_id = u.user_id
        LEFT JOIN (SELECT DISTINCT account_id FROM known_users WHERE account_id IS NOT NULL) AS a
            ON c.account_id = a.account_id
        """,
    )


def _count_read(engine, sources: Mapping[str, str]) -> dict[str, int]:
    """The rows of each raw table as read from its source (one ``count(*)`` each, in one query).

    Counted before any check, so the ledger's ``read`` is a count of its own, not the sum of the
    outcomes: :func:`_ledger` then checks that read = used + dropped.
    """
    union = " UNION ALL ".join(f"SELECT '{table}' AS table_name, count(*) AS n FROM raw_{table}" for table in sources)
    return {table: int(n) for table, n in engine.rows(union)}


def _ledger(engine, sources: Mapping[str, str], level: str, read_counts: Mapping[str, int]) -> pd.DataFrame:
    """The ledger frame, after checking that every row read is used or dropped exactly once.

    Raises
    ------
    RuntimeError
        When the tagged rows of a table do not add up to the rows read: a row was lost or made
        between reading and tagging. That is a bug in pqlkit, never in the data.
    """
    rows = []
    counted = {
        "users": "SELECT COALESCE(_reason, 'used') AS outcome, count(*) AS n FROM tagged_users GROUP BY 1",
        "events": "SELECT COALESCE(_reason, 'used') AS outcome, sum(n) AS n FROM event_facts WHERE by_entity = 0 GROUP BY 1",
        "conversions": "SELECT COALESCE(_reason, 'used') AS outcome, count(*) AS n FROM tagged_conversions GROUP BY 1",
    }
    for table in sources:
        counts = {outcome: int(n) for outcome, n in engine.rows(counted[table])}
        tagged = int(sum(counts.values()))
        if tagged != read_counts[table]:
            raise RuntimeError(
                f"internal error: {sources[table]}: {read_counts[table]} rows were read but {tagged} were tagged "
                f"as used or dropped ({counts}); the data-quality ledger would not add up. Please report this "
                "as a pqlkit bug"
            )
        reasons = [r for r in _TABLE_REASONS[table] if level == "account" or r != "no_account"]
        read = read_counts[table]
        rows.append({"table": table, "reason": "used", "rows": counts.get("used", 0), "read": read})
        rows.extend({"table": table, "reason": reason, "rows": counts.get(reason, 0), "read": read} for reason in reasons)
    ledger = pd.DataFrame(rows)
    ledger[["rows", "read"]] = ledger[["rows", "read"]].astype("int64")
    return ledger


def _raise_if_dropped(ledger: pd.DataFrame) -> None:
    failures = ledger[(ledger["reason"] != "used") & (ledger["rows"] > 0)].reset_index(drop=True)
    if failures.empty:
        return
    listed = ", ".join(f"{r.table}.{r.reason}={r.rows}" for r in failures.itertuples())
    raise DataQualityError(
        f"strict mode: {int(failures['rows'].sum())} rows would be dropped ({listed}); "
        "run `pqlkit validate` for the ledger, fix the data or run without --strict",
        failure_cases=failures,
    )


def _publish_clean_tables(engine, level: str, sources: Mapping[str, str]) -> None:
    entity = "user_id" if level == "user" else "account_id"
    user_columns = [
        name for name in engine.columns("tagged_users")
        if not name.startswith("_") and name not in ("user_id", "account_id")
    ]
    segment_list = "".join(f", {quote_identifier(name)}" for name in user_columns)
    engine.table(
        "users",
        f"""
        SELECT user_id, {entity} AS entity_id, _ts AS signup_at, account_id{segment_list}
        FROM tagged_users WHERE _reason IS NULL
        """,
    )
    engine.view("events", "SELECT user_id, entity_id, event, ts FROM tagged_events WHERE _reason IS NULL")  # read on demand
    if "conversions" in sources:
        kept = [name for name in engine.columns("tagged_conversions") if name != "_reason"]
        engine.table("conversions", f"SELECT {', '.join(quote_identifier(n) for n in kept)} FROM tagged_conversions WHERE _reason IS NULL")
    else:
        engine.table(
            "conversions",
            "SELECT CAST(NULL AS VARCHAR) AS user_id, CAST(NULL AS VARCHAR) AS account_id, "
            "CAST(NULL AS VARCHAR) AS entity_id, CAST(NULL AS TIMESTAMPTZ) AS paid_at WHERE FALSE",
        )
    # The events view reads stage_events, event_duplicates and known_users: they stay.
    engine.drop("stage_users", "stage_conversions", "raw_users", "raw_conversions")
