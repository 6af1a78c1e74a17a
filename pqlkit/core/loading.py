"""Load a dataset folder (or pandas frames) into DuckDB and apply the data-quality rules of docs/metrics.md#data-quality.

The events never pass through pandas: each table is read by DuckDB straight from its Parquet or CSV
file (or from a registered pandas frame), checked once, and kept in an in-process DuckDB database as
the clean tables ``users``, ``events`` and ``conversions``. What comes back is small, and plain Python:
the instant (:attr:`Dataset.as_of_datetime`) and the ledger's records; a folder is loaded without
importing pandas (the command line's quick start), and the pandas forms (:attr:`Dataset.as_of`,
:attr:`Dataset.ledger`, the users) are built when asked for.

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
  names above; ``events_format`` picks the reader, by default detected (:mod:`pqlkit.io.formats`, :mod:`pqlkit.io.events`).
  ``events.zip`` (the Amplitude Export API's download) and a folder ``events/`` of parts read as one
  table, in file-name order; each vendor's duplicate key, time and identity rules are in
  :mod:`pqlkit.io.exports`. The users table is always canonical.
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
  :class:`~pqlkit.base.errors.PqlkitWarning`: they still set the default ``as_of`` (docs/metrics.md#definitions), and the
  warning says how many there are and to pass ``as_of``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import duckdb

from pqlkit.base.columns import (
    REASONS,
    check_required,
    stage,
    timestamp_literal,
)
from pqlkit.base.errors import DataError, PqlkitError
from pqlkit.base.sql import sql_string
from pqlkit.core.asof import latest_timestamps, parse_as_of, parse_instant
from pqlkit.core.quality import (
    coded_events_sql,
    count_read,
    entity_column,
    event_facts,
    fact_column,
    find_event_duplicates,
    id_form_mismatches,
    ledger_frame,
    ledger_records,
    publish_clean_tables,
    raise_if_dropped,
    tag_conversions,
    tag_users,
    tagged_events_sql,
    warn_as_of_outside,
    warn_far_future,
    with_id_form,
)
from pqlkit.io.database import database_source
from pqlkit.io.engines import make_engine
from pqlkit.io.exports import ExportSource, identity_merges
from pqlkit.io.sources import (
    match_column_names,
    read_source_tables,
    read_source_tables_spark,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Dataset", "ledger_to_dict", "load"]


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
    as_of_datetime : datetime.datetime
        The instant the analysis is taken at (UTC, :data:`datetime.timezone.utc`, microseconds);
        :attr:`as_of` is the same instant as a pandas Timestamp.
    level : {"user", "account"}
        The level the rows were checked for (``no_account`` applies at account level only).
    ledger_records : list of dict
        The data-quality ledger as plain records, one per row of :attr:`ledger` (same keys, same order).
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
        of the export's vendor (:mod:`pqlkit.io.exports`); None when merging was not asked for.
    """

    engine: object
    as_of_datetime: dt.datetime
    level: str
    ledger_records: list[dict]
    sources: dict[str, str]
    segments: list[str] = field(default_factory=list)
    conversion_columns: list[str] = field(default_factory=list)
    event_facts: dict[str, int] | None = None
    identity_merges: int | None = None

    @property
    def as_of(self) -> pd.Timestamp:
        """The instant the analysis is taken at, as a :class:`pandas.Timestamp` (UTC, unit ``us``)."""
        return parse_as_of(self.as_of_datetime)

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """The data-quality ledger as a pandas frame, built on first use from :attr:`ledger_records`.

        One row per table and outcome: ``table``, ``reason`` (``"used"`` or a drop reason),
        ``rows``, and ``read`` (the table's rows as read from the source, counted on their own,
        the same on each of its rows), and ``id_form`` (on the ``unknown_user`` row: how many of
        those rows name a user whose ``user_id`` is written another way, ``1001.0`` for ``1001``;
        0 elsewhere). Every reason that applies to a table is listed, zeros included.
        """
        return ledger_frame(self.ledger_records)

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
        """The distinct event names among the used events, sorted (one query over the clean events)."""
        return [row[0] for row in self.engine.rows("SELECT DISTINCT event FROM events ORDER BY 1")]

    def step_event_rows(self) -> dict[str, dict[str, int]]:
        """Rows per step event and outcome, from the tagging pass's facts.

        Returns
        -------
        dict
            ``{event: {outcome: rows}}`` for each step event of :attr:`event_facts`, the outcome being
            ``"used"`` or a drop reason; outcomes without rows are left out.
        """
        steps = self.event_facts or {}
        if not steps:
            return {}
        sums = ", ".join(f"sum({fact_column(steps, event, 'n')})" for event in steps)
        found: dict[str, dict[str, int]] = {event: {} for event in steps}
        for reason, *counts in self.engine.rows(
            f"SELECT COALESCE(_reason, 'used'), {sums} FROM event_facts GROUP BY 1"
        ):
            for event, count in zip(steps, counts):
                if count:
                    found[event][reason] = int(count)
        return found

    def dropped_event_reasons(self, names: list[str]) -> dict[str, dict[str, int]]:
        """Why the events of the given names were dropped, for names that no used event has.

        Parameters
        ----------
        names : list of str
            Event names (a spec's step events). Names the tagging pass kept facts of are answered
            from them; others from one more pass over the tagged events.

        Returns
        -------
        dict
            ``{event name: {reason: rows}}`` for each name among ``names`` that occurs in the rows
            read but in no used row; reasons in ledger order. Names absent from what was read are
            left out.
        """
        covered = self.step_event_rows()
        found = {name: rows for name, rows in covered.items() if name in names}
        others = sorted({name for name in names if name not in covered})
        if others:
            listed = ", ".join(sql_string(name) for name in others)
            for event, reason, count in self.engine.rows(
                f"SELECT event, COALESCE(_reason, 'used'), count(*) FROM tagged_events WHERE event IN ({listed}) GROUP BY 1, 2"
            ):
                found.setdefault(event, {})[reason] = int(count)
        return {
            event: {r: rows[r] for r in REASONS if r in rows}
            for event, rows in sorted(found.items()) if rows and "used" not in rows
        }

    def users(self) -> pd.DataFrame:
        """The used users rows as a pandas frame."""
        return self.sql("SELECT * FROM users ORDER BY signup_at, user_id")

    def data_quality(self) -> dict:
        """The ledger as the JSON summary's ``data_quality`` mapping (docs/metrics.md#json-summary): ``{table: {read, used, dropped}}``."""
        return ledger_dict(self.ledger_records)


def ledger_to_dict(ledger: pd.DataFrame) -> dict:
    """Turn a ledger frame into ``{table: {"read": n, "used": n, "dropped": {reason: n}}}``.

    ``read`` is the ledger's own count of the rows read from the source (its ``read`` column), not
    the sum of the outcomes, so ``read == used + sum(dropped)`` is a check that can fail. A table
    with ``unknown_user`` rows whose ``user_id`` names a user written another way (the ledger's
    ``id_form`` column; docs/metrics.md#as-of-and-ids) also gets ``"notes": {"id_form": n}``: a
    count among the dropped rows, not a reason of its own.

    Parameters
    ----------
    ledger : pandas.DataFrame
        :attr:`Dataset.ledger`: columns ``table``, ``reason``, ``rows``, ``read``.

    Returns
    -------
    dict
        ``{table: {"read": int, "used": int, "dropped": {reason: int}}}`` (and ``"notes"`` as above),
        tables in ledger order.
    """
    if "read" not in ledger:
        raise PqlkitError(
            "ledger_to_dict needs the ledger's 'read' column (the rows read from each source); "
            "pass Dataset.ledger from pqlkit.load"
        )
    return ledger_dict(ledger.to_dict(orient="records"))


def ledger_dict(records: Sequence[Mapping[str, object]]) -> dict:
    """Ledger records (:attr:`Dataset.ledger_records`, or a ledger frame's rows) as
    ``{table: {"read": n, "used": n, "dropped": {reason: n}}}``: the one rule behind
    :func:`ledger_to_dict` and :meth:`Dataset.data_quality`, in plain Python.

    Tables in the order of their first record, reasons in record order (a reason listed twice: its
    last count); ``read`` from a table's first record; ``"notes": {"id_form": n}`` when the records'
    ``id_form`` values add up to more than 0.
    """
    tables: dict[str, list[Mapping[str, object]]] = {}
    for record in records:
        tables.setdefault(record["table"], []).append(record)
    result = {}
    for table, rows in tables.items():
        counts = {row["reason"]: int(row["rows"]) for row in rows}
        used = counts.pop("used", 0)
        result[table] = {"read": int(rows[0]["read"]), "used": used, "dropped": counts}
        id_form = sum(int(row.get("id_form", 0)) for row in rows)
        if id_form:
            result[table]["notes"] = {"id_form": id_form}
    return result


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
    active_days: float = 14,
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
        ISO 8601 text (a bare date is the end of that day, UTC), a date or a timestamp
        (:func:`parse_as_of`); default the latest parseable timestamp in any row. One before the
        first signup or over ``active_days`` after the last event gives a PqlkitWarning.
    strict : bool
        Raise :class:`~pqlkit.base.errors.DataQualityError` instead of dropping any row.
    events_format : {"auto", "canonical", "segment", "amplitude", "mixpanel", "posthog"}, optional
        The shape of the events table: canonical (docs/metrics.md#input-tables) or an export read by
        :mod:`pqlkit.io.formats`. None or ``"auto"`` detects it from the file's name and columns.
    engine : {"duckdb", "spark"} or an engine object, optional
        Where the checks and the reduction run (:mod:`pqlkit.io.engines`); default DuckDB in process.
    schema, sql : optional
        For a database source (``source`` a ``postgresql://`` URL, a YAML source file or a
        :class:`~pqlkit.io.database.DatabaseSource`): the schema holding the tables, and table name to
        a SQL query giving that table's rows instead (:mod:`pqlkit.io.database`).
    step_events : mapping of str to int, optional
        The events an activation spec counts, each with the number of earliest times a step needs
        (its largest ``min_count``). The pass over the events that tags them also keeps, per user,
        those earliest times, so :func:`pqlkit.reduce` needs no second pass; :func:`pqlkit.entity_table`
        passes them. Without them, the reduction makes its own pass.
    stitch_identities : bool
        For an export: count events tracked before the user was identified for the user the vendor
        merged them into (:mod:`pqlkit.io.exports`); :attr:`Dataset.identity_merges` says how many.
    source_timezone : str, optional
        For a Mixpanel export of a project from before 2023: the project's time zone (IANA name),
        in which its epoch times are local.
    active_days : float
        The spec's active window (:func:`pqlkit.entity_table` passes it), for the warning on an
        ``as_of`` long after the last event; default 14, the spec's default.

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
    as_of_ts = parse_instant(as_of)  # before any file is read: a bad --as-of costs nothing
    source = _open_source(source, schema=schema, sql=sql, stitch_identities=stitch_identities,
                          source_timezone=source_timezone)
    engine = make_engine(engine)
    sources, raw_columns, columns = _read(engine, source, events_format, level)
    read_counts = _count(engine, sources)
    file_row = _stage(engine, sources, raw_columns, columns)
    find_event_duplicates(engine, columns["events"], row=file_row["events"])
    account = level == "account"
    # The default as_of is the latest time of any row, so no row can be after it: the users and the
    # events are tagged without that check (NULL, also in the clean events view, which reads
    # tagged_events), and the events' latest time comes from the facts.
    facts = _tag(engine, as_of_ts, account, columns["events"], step_events)
    as_of_ts = _as_of(engine, sources, as_of_ts, active_days=active_days)
    if "conversions" in sources:
        tag_conversions(engine, timestamp_literal(as_of_ts), account, columns["conversions"])
    ledger = _ledger(engine, sources, level, read_counts, strict=strict)
    publish_clean_tables(engine, level, sources)
    segments = [name for name in columns["users"] if name not in ("user_id", "signup_at", "account_id")]
    return Dataset(
        identity_merges=identity_merges(engine.con) if getattr(source, "stitch_identities", False) else None,
        engine=engine,
        as_of_datetime=as_of_ts,
        level=level,
        ledger_records=ledger,
        sources=sources,
        segments=segments,
        conversion_columns=columns.get("conversions", []),
        event_facts=facts,
    )


# --- the steps of load, in the order they run ---------------------------------------------------


def _open_source(source, *, schema: str | None, sql: Mapping[str, str] | None, stitch_identities: bool,
                 source_timezone: str | None):
    """``source`` as the readers take it: a database source when ``schema`` or ``sql`` is given, an export
    source when identities are stitched or a time zone is given, else ``source`` itself."""
    if schema is not None or sql:
        source = database_source(source, schema=schema, sql=sql)
    if (stitch_identities or source_timezone) and isinstance(source, (str, os.PathLike)):
        source = ExportSource(source, stitch_identities=stitch_identities, source_timezone=source_timezone)
    return source


def _read(engine, source, events_format: str | None,
          level: str) -> tuple[dict[str, str], dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Read the raw tables into the engine and check their required columns.

    Returns
    -------
    (dict, dict, dict)
        Table name to the file it was read from; table name to its raw columns (with ``_row`` when the
        reader numbered the rows); table name to its columns without ``_row``.
    """
    if engine.name == "duckdb":
        sources = read_source_tables(engine.con, source, events_format)
    else:
        sources = read_source_tables_spark(engine, source, events_format)
    if engine.name == "duckdb":
        match_column_names(engine.con, sources)
    raw_columns = {table: engine.columns(f"raw_{table}") for table in sources}
    columns = {table: {k: v for k, v in names.items() if k != "_row"} for table, names in raw_columns.items()}
    for table, names in columns.items():
        check_required(table, names, sources[table], level)
    return sources, raw_columns, columns


def _count(engine, sources: Mapping[str, str]) -> dict[str, int]:
    """The rows read per table, counted from the raw tables; an error when users or events has none."""
    read_counts = count_read(engine, sources)
    for table in ("users", "events"):
        if read_counts[table] == 0:
            raise DataError(
                f"{sources[table]}: the {table} table has no rows; an analysis needs at least one",
                path=sources[table],
            )
    return read_counts


def _stage(engine, sources: Mapping[str, str], raw_columns: Mapping[str, Mapping[str, str]],
           columns: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Stage each table (:func:`pqlkit.base.columns.stage`); returns table name to its file-order row column."""
    file_row = {table: "_row" if "_row" in raw_columns[table] else "rowid" for table in sources}
    for table in sources:
        stage(engine, table, columns[table], row=file_row[table])
    return file_row


def _tag(engine, as_of_ts: dt.datetime | None, account: bool, event_columns: Mapping[str, str],
         step_events: Mapping[str, int] | None) -> dict[str, int]:
    """Tag the users and the events (after ``as_of_ts`` when given) and keep the events' per-user facts.

    Returns
    -------
    dict of str to int
        The step events the ``event_facts`` table covers (see :func:`pqlkit.core.quality.event_facts`).
    """
    literal = "CAST(NULL AS TIMESTAMPTZ)" if as_of_ts is None else timestamp_literal(as_of_ts)
    tag_users(engine, literal, account)
    engine.view("tagged_events", tagged_events_sql(literal, account, event_columns))
    engine.view("coded_events", coded_events_sql(literal, account))
    return event_facts(engine, step_events=step_events, entity=entity_column(account))


def _as_of(engine, sources: Mapping[str, str], as_of_ts: dt.datetime | None, *, active_days: float) -> dt.datetime:
    """``as_of_ts`` when given (with the warning when it lies outside the data), else the latest parseable
    timestamp of any row (with the far-future warning)."""
    if as_of_ts is not None:
        warn_as_of_outside(engine, as_of_ts, active_days=active_days)
    else:
        latest = latest_timestamps(engine, sources, events=engine.rows("SELECT max(latest) FROM event_facts")[0][0])
        as_of_ts = max((stamp for stamp in latest.values() if stamp is not None), default=None)
        warn_far_future(engine, sources, latest)
    if as_of_ts is None:
        raise DataError(
            f"{sources['events']}: no timestamp in any table could be parsed; use ISO 8601 times such as 2026-06-30T12:00:00Z",
            path=sources["events"],
            column="timestamp",
        )
    return as_of_ts


def _ledger(engine, sources: Mapping[str, str], level: str, read_counts: Mapping[str, int], *,
            strict: bool) -> list[dict]:
    """The ledger records of the tagged tables; with ``strict``, an error when any row was dropped."""
    ledger = ledger_records(engine, sources, level, read_counts)
    ledger = with_id_form(ledger, id_form_mismatches(engine, sources, ledger))
    if strict:
        raise_if_dropped(ledger)
    return ledger
