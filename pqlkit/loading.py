"""Load a dataset folder (or pandas frames) into DuckDB and apply the data-quality rules of SPEC §1.

The events never pass through pandas: each table is read by DuckDB straight from its Parquet or CSV
file (or from a registered pandas frame), checked once, and kept in an in-process DuckDB database as
the clean tables ``users``, ``events`` and ``conversions``. What comes back to pandas is small: the
ledger and, on request, the users.

Every row read is either used or counted under exactly one reason in the ledger
(:attr:`Dataset.ledger`). The reasons and their precedence are SPEC §1's:
``missing_value``, ``bad_timestamp``, ``duplicate``, ``unknown_user``, ``before_signup``,
``after_as_of``, ``no_account``.

Choices where SPEC is silent (also in the README):

- Identifiers, event names and segment values are trimmed of surrounding white space; an empty or
  white-space-only value counts as missing.
- Events whose ``event_id`` is empty, in a table that has the column, are compared on every column
  (like a table without ``event_id``).
- The default ``as_of`` is the latest parseable timestamp in any row of the three tables, dropped
  rows included, as SPEC §3 says ("any row").
- At account level a conversion row is matched by its ``account_id`` first, else through the account
  of its ``user_id``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .errors import DataError, DataQualityError, PqlkitError

__all__ = [
    "Dataset",
    "load",
    "parse_as_of",
    "query_frame",
    "TABLES",
    "REASONS",
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
# The reasons that can apply to each table, in SPEC order; no_account only at account level.
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
    """A checked dataset, held in an in-process DuckDB database.

    Attributes
    ----------
    con : duckdb.DuckDBPyConnection
        Holds the clean tables ``users`` (``user_id``, ``entity_id``, ``signup_at``, ``account_id``,
        segment columns), ``events`` (``user_id``, ``event``, ``ts``) and ``conversions``
        (``user_id``, ``account_id``, ``entity_id``, ``paid_at``, ``plan``, ``mrr``).
    as_of : pandas.Timestamp
        The instant the analysis is taken at (UTC).
    level : {"user", "account"}
        The level the rows were checked for (``no_account`` applies at account level only).
    ledger : pandas.DataFrame
        One row per table and outcome: ``table``, ``reason`` (``"used"`` or a drop reason),
        ``rows``. Every reason that applies to a table is listed, zeros included.
    sources : dict
        Table name to the file it was read from (``"<DataFrame>"`` for frames).
    segments : list of str
        The users table's segment columns (everything but ids and ``signup_at``).
    """

    con: duckdb.DuckDBPyConnection
    as_of: pd.Timestamp
    level: str
    ledger: pd.DataFrame
    sources: dict[str, str]
    segments: list[str] = field(default_factory=list)
    conversion_columns: list[str] = field(default_factory=list)

    @property
    def has_conversions(self) -> bool:
        """Whether a conversions table was read."""
        return "conversions" in self.sources

    def sql(self, query: str) -> pd.DataFrame:
        """Run a DuckDB query over the clean tables and return the result as a pandas frame."""
        return query_frame(self.con, query)

    def event_names(self) -> list[str]:
        """The distinct event names among the used events, sorted."""
        return [row[0] for row in self.con.execute("SELECT DISTINCT event FROM events ORDER BY 1").fetchall()]

    def users(self) -> pd.DataFrame:
        """The used users rows as a pandas frame."""
        return self.sql("SELECT * FROM users ORDER BY signup_at, user_id")

    def data_quality(self) -> dict:
        """The ledger as SPEC §4's ``data_quality`` mapping: ``{table: {read, used, dropped}}``."""
        return ledger_to_dict(self.ledger)


def query_frame(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    """A DuckDB query's result as pandas, through Arrow (timestamps stay UTC-aware, strings ``str``).

    DuckDB's own ``.df()`` triggers a pandas 3 deprecation warning on time-zone-aware columns.
    """
    return con.sql(query).to_arrow_table().to_pandas()


def ledger_to_dict(ledger: pd.DataFrame) -> dict:
    """Turn a ledger frame into ``{table: {"read": n, "used": n, "dropped": {reason: n}}}``."""
    result = {}
    for table, rows in ledger.groupby("table", sort=False):
        counts = dict(zip(rows["reason"], rows["rows"].astype(int)))
        used = int(counts.pop("used", 0))
        dropped = {reason: int(n) for reason, n in counts.items()}
        result[table] = {"read": used + sum(dropped.values()), "used": used, "dropped": dropped}
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
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    sources = _read_raw_tables(con, source)
    columns = {table: _columns(con, f"raw_{table}") for table in sources}
    for table, names in columns.items():
        _check_required(table, names, sources[table], level)
    for table in ("users", "events"):
        if con.execute(f"SELECT count(*) FROM raw_{table}").fetchone()[0] == 0:
            raise DataError(
                f"{sources[table]}: the {table} table has no rows; an analysis needs at least one",
                path=sources[table],
            )
    for table in sources:
        _stage(con, table, columns[table])

    as_of_ts = parse_as_of(as_of) if as_of is not None else _latest_timestamp(con, sources)
    if as_of_ts is None:
        raise DataError(
            f"{sources['events']}: no timestamp in any table could be parsed; use ISO 8601 times such as 2026-06-30T12:00:00Z",
            path=sources["events"],
            column="timestamp",
        )
    literal = _timestamp_literal(as_of_ts)
    account = level == "account"
    _tag_users(con, literal, account)
    _tag_events(con, literal, account, columns["events"])
    if "conversions" in sources:
        _tag_conversions(con, literal, account, columns["conversions"])
    ledger = _ledger(con, sources, level)
    if strict:
        _raise_if_dropped(ledger)
    _publish_clean_tables(con, level, sources)
    segments = [name for name in columns["users"] if name not in ("user_id", "signup_at", "account_id")]
    return Dataset(
        con=con,
        as_of=as_of_ts,
        level=level,
        ledger=ledger,
        sources=sources,
        segments=segments,
        conversion_columns=columns.get("conversions", []),
    )


# --- reading -----------------------------------------------------------------------------------


def _read_raw_tables(con: duckdb.DuckDBPyConnection, source) -> dict[str, str]:
    if isinstance(source, Mapping):
        return _register_frames(con, source)
    folder = Path(source)
    if not folder.is_dir():
        raise DataError(
            f"{folder}: dataset folder not found; pass a folder holding users and events "
            "(.parquet, .csv or .csv.gz)",
            path=str(folder),
        )
    sources = {}
    for table in TABLES:
        found = [folder / f"{table}.{fmt}" for fmt in FORMATS if (folder / f"{table}.{fmt}").is_file()]
        if len(found) > 1:
            raise DataError(
                f"{folder}: the {table} table is there more than once ({', '.join(p.name for p in found)}); keep one",
                path=str(folder),
            )
        if not found:
            if table == "conversions":
                continue
            present = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
            raise DataError(
                f"{folder}: no {table} table; expected {table}.parquet, {table}.csv or {table}.csv.gz, "
                f"found: {', '.join(present) or 'nothing'}",
                path=str(folder),
            )
        path = found[0]
        _create_raw(con, table, path)
        sources[table] = str(path)
    return sources


def _create_raw(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    quoted = str(path).replace("'", "''")
    if path.name.endswith(".parquet"):
        reader = f"read_parquet('{quoted}')"
    else:
        reader = (
            f"read_csv('{quoted}', header = true, all_varchar = true, delim = ',', quote = '\"', "
            "escape = '\"', auto_detect = true)"
        )
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; write a header row with the column names", path=str(path))
    try:
        # A table, not a view: rowid then keeps the file order that "the first row is kept" needs.
        con.execute(f"CREATE TEMP TABLE raw_{table} AS SELECT * FROM {reader}")
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0]
        raise DataError(
            f"{path}: cannot read the file ({first_line}); check that it is a valid "
            f"{'Parquet' if path.name.endswith('.parquet') else 'UTF-8, comma-separated CSV'} file",
            path=str(path),
        ) from None


def _register_frames(con: duckdb.DuckDBPyConnection, frames: Mapping[str, pd.DataFrame]) -> dict[str, str]:
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
        con.register(f"_frame_{table}", frame.reset_index(drop=True))
        con.execute(f"CREATE TEMP TABLE raw_{table} AS SELECT * FROM _frame_{table}")
        con.unregister(f"_frame_{table}")
        sources[table] = f"<DataFrame {table}>"
    return sources


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute(f"DESCRIBE {name}").fetchall()}


def _check_required(table: str, columns: Mapping[str, str], path: str, level: str) -> None:
    found = ", ".join(columns) or "none"
    for column in _REQUIRED[table]:
        if column not in columns:
            hint = ""
            if len(columns) == 1 and any(sep in next(iter(columns)) for sep in ";\t|"):
                hint = " (the file does not seem to be comma-separated)"
            raise DataError(
                f"{path}: missing required column {column!r}{hint}; found columns: {found}. "
                f"Rename the column or see SPEC §1 for the {table} table",
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


# --- staging: typed, trimmed values and the per-row facts the reasons need -----------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text_sql(column: str) -> str:
    return f"NULLIF(trim(CAST({_q(column)} AS VARCHAR)), '')"


def _timestamp_sql(column: str, dtype: str) -> tuple[str, str]:
    """SQL for (value present, parsed TIMESTAMPTZ or NULL) of a timestamp column of type ``dtype``."""
    quoted = _q(column)
    kind = dtype.upper()
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        return f"({quoted} IS NOT NULL)", f"CAST({quoted} AS TIMESTAMPTZ)"
    text = _text_sql(column)
    return f"({text} IS NOT NULL)", f"TRY_CAST({text} AS TIMESTAMPTZ)"


def _stage(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, str]) -> None:
    ts_column = _TIMESTAMP_COLUMN[table]
    present, parsed = _timestamp_sql(ts_column, columns[ts_column])
    select = ["rowid AS _row", f"{present} AS _ts_present", f"{parsed} AS _ts"]
    for name in columns:
        if name == ts_column:
            continue
        if name in _ID_COLUMNS or name == "event" or table == "users":
            select.append(f"{_text_sql(name)} AS {_q(name)}")
        else:
            select.append(_q(name))
    for name in ("user_id", "account_id"):
        if name not in columns:
            select.append(f"CAST(NULL AS VARCHAR) AS {name}")
    con.execute(f"CREATE TEMP TABLE stage_{table} AS SELECT {', '.join(select)} FROM raw_{table}")


def _latest_timestamp(con: duckdb.DuckDBPyConnection, sources: Mapping[str, str]) -> pd.Timestamp | None:
    union = " UNION ALL ".join(f"SELECT max(_ts) AS m FROM stage_{table}" for table in sources)
    value = con.execute(f"SELECT epoch_us(max(m)) FROM ({union})").fetchone()[0]
    return None if value is None else pd.Timestamp(value, unit="us", tz="UTC")


def _timestamp_literal(stamp: pd.Timestamp) -> str:
    return f"TIMESTAMPTZ '{stamp.isoformat()}'"


# --- tagging: the first reason that applies, in SPEC order ---------------------------------------


def _tag_users(con: duckdb.DuckDBPyConnection, as_of: str, account: bool) -> None:
    con.execute(
        f"""
        CREATE TEMP TABLE tagged_users AS
        SELECT *,
            CASE
                WHEN user_id IS NULL OR NOT _ts_present THEN 'missing_value'
                WHEN _ts IS NULL THEN 'bad_timestamp'
                WHEN _dup > 1 THEN 'duplicate'
                WHEN _ts > {as_of} THEN 'after_as_of'
                WHEN {account} AND account_id IS NULL THEN 'no_account'
            END AS _reason
        FROM (
            SELECT *, row_number() OVER (
                PARTITION BY (user_id IS NULL OR _ts IS NULL), user_id ORDER BY _row) AS _dup
            FROM stage_users
        )
        """
    )
    # The users an event or payment can belong to: those past the first three checks.
    con.execute(
        """
        CREATE TEMP TABLE known_users AS
        SELECT user_id, account_id, _ts AS signup_at FROM tagged_users
        WHERE _reason IS NULL OR _reason IN ('after_as_of', 'no_account')
        """
    )


def _tag_events(con: duckdb.DuckDBPyConnection, as_of: str, account: bool, columns: Mapping[str, str]) -> None:
    invalid = "(e.user_id IS NULL OR e.event IS NULL OR e._ts IS NULL)"
    others = [name for name in columns if name not in ("event_id", "timestamp")]
    every_column = [_q(name) for name in others] + ["_ts"]
    if "event_id" in columns:
        # Same non-empty event_id; rows without one are compared on every column.
        keys = ["event_id"] + [f"CASE WHEN event_id IS NULL THEN {part} END" for part in every_column]
    else:
        keys = every_column
    con.execute(
        f"""
        CREATE TEMP TABLE tagged_events AS
        SELECT e.user_id, e.event, e._ts AS ts,
            CASE
                WHEN e.user_id IS NULL OR e.event IS NULL OR NOT e._ts_present THEN 'missing_value'
                WHEN e._ts IS NULL THEN 'bad_timestamp'
                WHEN e._dup > 1 THEN 'duplicate'
                WHEN u.user_id IS NULL THEN 'unknown_user'
                WHEN e._ts < u.signup_at THEN 'before_signup'
                WHEN e._ts > {as_of} THEN 'after_as_of'
                WHEN {account} AND u.account_id IS NULL THEN 'no_account'
            END AS _reason
        FROM (
            SELECT *, row_number() OVER (PARTITION BY {invalid.replace('e.', '')}, {', '.join(keys)} ORDER BY _row) AS _dup
            FROM stage_events
        ) AS e
        LEFT JOIN known_users AS u ON e.user_id = u.user_id
        """
    )


def _tag_conversions(con: duckdb.DuckDBPyConnection, as_of: str, account: bool, columns: Mapping[str, str]) -> None:
    if account:
        missing = "c.user_id IS NULL AND c.account_id IS NULL"
        known = "(a.account_id IS NOT NULL OR u.user_id IS NOT NULL)"
        entity = "COALESCE(a.account_id, u.account_id)"
    else:
        missing = "c.user_id IS NULL"
        known = "u.user_id IS NOT NULL"
        entity = "u.user_id"
    extras = [f"c.{_q(name)}" for name in ("plan", "mrr") if name in columns]
    con.execute(
        f"""
        CREATE TEMP TABLE tagged_conversions AS
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
        """
    )


def _ledger(con: duckdb.DuckDBPyConnection, sources: Mapping[str, str], level: str) -> pd.DataFrame:
    rows = []
    for table in sources:
        counts = dict(
            con.execute(f"SELECT COALESCE(_reason, 'used'), count(*) FROM tagged_{table} GROUP BY 1").fetchall()
        )
        reasons = [r for r in _TABLE_REASONS[table] if level == "account" or r != "no_account"]
        rows.append({"table": table, "reason": "used", "rows": counts.get("used", 0)})
        rows.extend({"table": table, "reason": reason, "rows": counts.get(reason, 0)} for reason in reasons)
    ledger = pd.DataFrame(rows)
    ledger["rows"] = ledger["rows"].astype("int64")
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


def _publish_clean_tables(con: duckdb.DuckDBPyConnection, level: str, sources: Mapping[str, str]) -> None:
    entity = "user_id" if level == "user" else "account_id"
    user_columns = [
        name for name in _columns(con, "tagged_users")
        if not name.startswith("_") and name not in ("user_id", "account_id")
    ]
    segment_list = "".join(f", {_q(name)}" for name in user_columns)
    con.execute(
        f"""
        CREATE TEMP TABLE users AS
        SELECT user_id, {entity} AS entity_id, _ts AS signup_at, account_id{segment_list}
        FROM tagged_users WHERE _reason IS NULL
        """
    )
    con.execute("CREATE TEMP TABLE events AS SELECT user_id, event, ts FROM tagged_events WHERE _reason IS NULL")
    if "conversions" in sources:
        con.execute("CREATE TEMP TABLE conversions AS SELECT * EXCLUDE (_reason) FROM tagged_conversions WHERE _reason IS NULL")
    else:
        con.execute(
            "CREATE TEMP TABLE conversions (user_id VARCHAR, account_id VARCHAR, entity_id VARCHAR, paid_at TIMESTAMPTZ)"
        )
    for table in ("raw_users", "raw_events", "raw_conversions", "stage_users", "stage_events", "stage_conversions",
                  "tagged_events"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
