"""Read a dataset straight from PostgreSQL (or a warehouse with an ADBC driver), and write results back.

A database source is a URL wherever a dataset folder goes (``pqlkit metrics postgresql://...``,
:func:`pqlkit.load`, :func:`pqlkit.entity_table`, the notebooks' ``data_dir``), a YAML source file
(:func:`read_source_file`), or a :class:`DatabaseSource`. pqlkit reads the ``users``, ``events`` and
(optionally) ``conversions`` tables of one schema, or one SQL query per table instead.

Arrow all the way: each table is read through ADBC (``adbc_driver_postgresql``, which speaks
PostgreSQL's binary COPY and hands over Arrow record batches); DuckDB takes the
:class:`pyarrow.RecordBatchReader` batch by batch into a temporary Parquet file and reads it from
there as it reads a Parquet dataset, never through pandas, so memory stays as for Parquet files
(10M events: 1.53 GB peak from PostgreSQL, 1.48 GB from Parquet). From there the rows are checked
exactly as rows from files (:mod:`pqlkit.core.loading`, docs/metrics.md#input-tables): the same
data-quality ledger, the same types and timestamp rules:

- ``timestamptz`` columns are instants (UTC); ``timestamp`` without a zone is taken as UTC; ``date``
  is midnight UTC; text timestamps follow the rules for text in files (ISO 8601, epoch numbers).
- ``bigint`` (and other integer) ids are read as their digits (``7`` is ``"7"``); a ``text`` id keeps
  every character (``007`` stays ``007``), as in a CSV file.
- Column names are matched as in files, exactly: PostgreSQL folds unquoted names to lower case, so
  ``CREATE TABLE events (User_Id ...)`` has a column ``user_id``.
- Rows are taken in the order the database returns them; that order decides which copy of a
  duplicate is kept ("the first row"). A plain table read returns rows in storage order, which is
  the load order for a table that was loaded once and not updated; give a query with ``ORDER BY``
  where that matters.

URL query parameters that pqlkit takes out before connecting (PostgreSQL would refuse them):
``schema``, ``users_sql``, ``events_sql`` and ``conversions_sql``. So one string carries a whole
source, e.g. a notebook's ``data_dir = "postgresql://analyst@db:5432/product?schema=analytics"``.

Passwords: keep them out of the URL (``PGPASSWORD`` or ``~/.pgpass``, which libpq reads). A password
given in the URL is used to connect, and masked (``***``) in every message, ledger source and repr.
A report hands it to its notebook kernels as ``PGPASSWORD`` in their own environment only
(:func:`kernel_environment`); this process's ``os.environ`` is never changed.

Other databases, untested here (no server can run on a test machine): Redshift speaks the PostgreSQL
protocol (``postgresql://user@cluster.region.redshift.amazonaws.com:5439/dev``); Snowflake and
BigQuery through their ADBC drivers (``pip install adbc-driver-snowflake`` / ``adbc-driver-bigquery``):
``snowflake://user@account/database?warehouse=wh&schema=analytics`` (the rest of the URL after
``snowflake://`` is the driver's own DSN) and ``bigquery://project/dataset``.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import duckdb
import yaml

from pqlkit.base.columns import TABLES
from pqlkit.base.duckdb import connect
from pqlkit.base.errors import DataError
from pqlkit.base.sql import quote_identifier as _quote
from pqlkit.base.sql import sql_string as _literal
from pqlkit.io.events import create_raw_events
from pqlkit.io.files import create_raw_table, table_files
from pqlkit.io.formats import check_events_format, format_from_keys

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "DatabaseSource",
    "database_source",
    "read_source_file",
    "mask_url",
    "write_tables",
    "copy_dataset",
    "SCHEMES",
]

# URL scheme -> (ADBC driver module, the package that provides it).
SCHEMES = {
    "postgresql": ("adbc_driver_postgresql.dbapi", "adbc-driver-postgresql"),
    "postgres": ("adbc_driver_postgresql.dbapi", "adbc-driver-postgresql"),
    "snowflake": ("adbc_driver_snowflake.dbapi", "adbc-driver-snowflake"),
    "bigquery": ("adbc_driver_bigquery.dbapi", "adbc-driver-bigquery"),
}
_POSTGRES = ("postgresql", "postgres")
_PQLKIT_PARAMETERS = ("schema", *(f"{table}_sql" for table in TABLES))
_SOURCE_KEYS = ("url", "schema", "tables", "queries")
_DOCS = "docs/metrics.md#input-tables"
_MASK = "***"


@dataclass(frozen=True)
class DatabaseSource:
    """Where a dataset lives in a database: a URL, a schema, and optionally a SQL query per table.

    Parameters
    ----------
    url : str
        ``postgresql://user[:password]@host:port/database`` (any libpq URL), or a ``snowflake://`` or
        ``bigquery://`` URL (see the module docstring). The password, if any, never appears in a
        message or a repr.
    schema : str, optional
        The schema holding the tables; default the connection's current schema (``public``).
    tables : mapping, optional
        Table names other than ``users``, ``events`` and ``conversions``: ``{"events": "product_events"}``.
    queries : mapping, optional
        One SQL query per table instead of the table: ``{"events": "SELECT ... AS timestamp FROM ..."}``.
        Their columns are checked like a file's columns.
    """

    url: str
    schema: str | None = None
    tables: Mapping[str, str] = field(default_factory=dict)
    queries: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        for key, mapping in (("tables", self.tables), ("queries", self.queries)):
            unknown = sorted(set(mapping) - set(TABLES))
            if unknown:
                raise DataError(f"{self.display}: unknown table names in {key}: {unknown}; use {list(TABLES)}")
            empty = [name for name, value in mapping.items() if not isinstance(value, str) or not value.strip()]
            if empty:
                raise DataError(f"{self.display}: {key} for {empty} must be non-empty text")

    @property
    def scheme(self) -> str:
        """The URL scheme, lower case (``postgresql``)."""
        return urlsplit(self.url).scheme.lower()

    @property
    def display(self) -> str:
        """The URL with its password masked, and the schema: how messages name this source."""
        text = mask_url(self.url)
        return f"{text} (schema {self.schema})" if self.schema else text

    def __repr__(self) -> str:
        return (f"DatabaseSource(url={mask_url(self.url)!r}, schema={self.schema!r}, tables={dict(self.tables)!r}, "
                f"queries={dict(self.queries)!r})")

    __str__ = __repr__


def is_database_url(value) -> bool:
    """Whether ``value`` is text starting with one of :data:`SCHEMES` and ``://``.

    Returns
    -------
    bool
    """
    if not isinstance(value, str):
        return False
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value.strip())
    return bool(match) and match.group(1).lower() in SCHEMES


def mask_url(url: str) -> str:
    """``url`` with its password (in the authority or as a ``password=`` parameter) replaced by ``***``.

    Returns
    -------
    str
        The URL to show in messages, ledgers and logs.

    Examples
    --------
    >>> mask_url("postgresql://analyst:s3cr3t@db:5432/product")
    'postgresql://analyst:***@db:5432/product'
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, _, host = netloc.rpartition("@")
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{_MASK}@{host}"
        query = parts.query
        if query:
            pairs = [(k, _MASK if k.lower() == "password" else v) for k, v in parse_qsl(query, keep_blank_values=True)]
            query = urlencode(pairs, safe="*/:@,", quote_via=quote)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return re.sub(r"//[^@/]*@", f"//{_MASK}@", url)


def _secrets(url: str) -> list[str]:
    """The password of ``url`` as written, decoded and encoded: each is scrubbed from driver messages."""
    found = []
    try:
        parts = urlsplit(url)
        if parts.password:
            found.append(parts.password)
        found += [v for k, v in parse_qsl(parts.query) if k.lower() == "password" and v]
    except ValueError:
        pass
    variants = set()
    for secret in found:
        variants |= {secret, unquote(secret), quote(unquote(secret), safe="")}
    return sorted((v for v in variants if v), key=len, reverse=True)


def database_source(
    source,
    *,
    schema: str | None = None,
    sql: Mapping[str, str] | None = None,
) -> DatabaseSource | None:
    """The database source that ``source`` names, or None for anything else (a folder, frames).

    Parameters
    ----------
    source : str, path, DatabaseSource or other
        A database URL (with pqlkit's query parameters, see the module docstring), the path of a YAML
        source file (``.yaml``/``.yml`` with a ``url`` key), or a :class:`DatabaseSource`.
    schema : str, optional
        Overrides the source's schema.
    sql : mapping, optional
        Table name to SQL query; overrides the source's queries for those tables.

    Returns
    -------
    DatabaseSource or None

    Raises
    ------
    DataError
        ``schema`` or ``sql`` given for a source that is not a database.
    """
    found = None
    if isinstance(source, DatabaseSource):
        found = source
    elif is_database_url(source):
        found = _from_url(source.strip())
    elif isinstance(source, (str, os.PathLike)) and str(source).lower().endswith((".yaml", ".yml")):
        if Path(source).is_file():
            found = read_source_file(source)
    if found is None:
        if schema is not None or sql:
            raise DataError(
                f"{source}: a schema or SQL queries need a database source; pass a postgresql:// URL "
                f"or a YAML source file (see {_DOCS})"
            )
        return None
    queries = dict(found.queries)
    queries.update({table: query for table, query in (sql or {}).items() if query is not None})
    return replace(found, schema=schema if schema is not None else found.schema, queries=queries)


def _from_url(url: str) -> DatabaseSource:
    """A DatabaseSource from a URL, taking pqlkit's own query parameters out of it."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in pairs if k in _PQLKIT_PARAMETERS}
    if not ours:
        return DatabaseSource(url)  # the URL exactly as given
    kept = [(k, v) for k, v in pairs if k not in _PQLKIT_PARAMETERS]
    clean = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept, quote_via=quote), parts.fragment))
    queries = {key[: -len("_sql")]: value for key, value in ours.items() if key.endswith("_sql")}
    return DatabaseSource(clean, schema=ours.get("schema") or None, queries=queries)


def read_source_file(path: str | os.PathLike) -> DatabaseSource:
    """Read a YAML source file: ``url`` (required), ``schema``, ``tables`` and ``queries``.

    ``${NAME}`` in the URL is replaced by the environment variable ``NAME``, so the file need not
    hold a password::

        url: postgresql://analyst@db.internal:5432/product   # password from PGPASSWORD or ~/.pgpass
        schema: analytics
        tables:
          events: product_events
        queries:
          conversions: SELECT account_id, first_paid_at AS paid_at FROM billing.subscriptions

    Returns
    -------
    DatabaseSource

    Raises
    ------
    DataError
        Not valid YAML, an unknown key, no ``url``, an unset environment variable.
    """
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"{path}: cannot read the source file ({first}); see {_DOCS}", path=str(path)) from None
    if not isinstance(document, dict) or "url" not in document:
        raise DataError(f"{path}: a source file is a YAML mapping with a 'url' key (and schema, tables, queries); "
                        f"see {_DOCS}", path=str(path))
    unknown = sorted(set(document) - set(_SOURCE_KEYS))
    if unknown:
        raise DataError(f"{path}: unknown keys {unknown}; a source file has {list(_SOURCE_KEYS)}", path=str(path))
    url = document["url"]
    if not isinstance(url, str):
        raise DataError(f"{path}: 'url' must be text, e.g. postgresql://analyst@db:5432/product", path=str(path))

    def expand(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DataError(f"{path}: the url uses ${{{name}}}, which is not set; set it or write the value",
                            path=str(path))
        return os.environ[name]

    url = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", expand, url.strip())
    if not is_database_url(url):
        raise DataError(f"{path}: 'url' must start with one of {[s + '://' for s in SCHEMES]}, not "
                        f"{mask_url(url)!r}", path=str(path))
    for key in ("tables", "queries"):
        if document.get(key) is not None and not isinstance(document[key], dict):
            raise DataError(f"{path}: '{key}' must map table names to text", path=str(path))
    schema = document.get("schema")
    if schema is not None and not isinstance(schema, str):
        raise DataError(f"{path}: 'schema' must be text", path=str(path))
    from_url = _from_url(url)
    return DatabaseSource(
        from_url.url,
        schema=schema or from_url.schema,
        tables=dict(document.get("tables") or {}),
        queries={**from_url.queries, **(document.get("queries") or {})},
    )


def kernel_environment(source: DatabaseSource) -> dict[str, str]:
    """What a notebook kernel's environment needs to connect with :func:`notebook_source`'s string.

    The password of the URL, if it had one, as ``PGPASSWORD``, for the kernels' environment only:
    setting it in ``os.environ`` would leave it behind for every process started later.

    Returns
    -------
    dict
        ``{"PGPASSWORD": password}``, or an empty dict when the URL has no password.
    """
    password = urlsplit(source.url).password
    return {"PGPASSWORD": unquote(password)} if password is not None else {}


def notebook_source(source: DatabaseSource) -> str:
    """One string for a notebook's ``data_dir``: the URL with pqlkit's parameters and no password.

    The password, if the URL had one, is left out, so it is never written into an executed notebook;
    the kernels get it as ``PGPASSWORD`` in their environment (:func:`kernel_environment`).

    Returns
    -------
    str
        A URL that :func:`database_source` reads back to the same source, without the password.

    Raises
    ------
    DataError
        A non-PostgreSQL URL with a password (only libpq reads ``PGPASSWORD``).
    """
    parts = urlsplit(source.url)
    netloc = parts.netloc
    if parts.password is not None:
        if source.scheme not in _POSTGRES:
            raise DataError(f"{source.display}: a report cannot carry the password of a {source.scheme} URL into "
                            "the notebooks; use the driver's own credential settings instead of the URL")
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if source.schema:
        pairs.append(("schema", source.schema))
    if source.tables:
        raise DataError(f"{source.display}: a report takes table names as queries; write "
                        "queries: {events: SELECT * FROM my_events} in the source file instead of tables:")
    pairs += [(f"{table}_sql", query) for table, query in source.queries.items()]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(pairs, quote_via=quote), parts.fragment))


# --- connecting and errors -------------------------------------------------------------------------


def _clean_message(error: BaseException, source: DatabaseSource) -> str:
    """The driver's message as one short line, with any password scrubbed."""
    text = str(error).strip() or type(error).__name__
    text = text.split("\nQuery was:")[0]
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith(("LINE ", "^"))]
    text = " ".join(lines[:2]) if lines else type(error).__name__
    text = re.sub(r"^[A-Z_]+: ", "", text)
    text = re.sub(r"\[libpq\] |Failed to (prepare|execute) query: |could not begin COPY: ", "", text)
    text = re.sub(r"\b(ERROR|FATAL):\s+", "", text)
    for secret in _secrets(source.url):
        text = text.replace(secret, _MASK)
    return text.rstrip(". ")


@contextmanager
def _connect(source: DatabaseSource) -> Iterator:
    """An ADBC DB-API connection to ``source``; a DataError naming the source when it cannot be made."""
    module_name, package = SCHEMES[source.scheme]
    try:
        driver = importlib.import_module(module_name)
    except ImportError:
        raise DataError(f"{source.display}: the {source.scheme} driver is not installed; pip install {package}") from None
    import adbc_driver_manager

    try:
        if source.scheme == "snowflake":
            connection = driver.connect(source.url.split("://", 1)[1])
        elif source.scheme == "bigquery":
            parts = urlsplit(source.url)
            options = {"adbc.bigquery.sql.project_id": parts.netloc}
            if parts.path.strip("/"):
                options["adbc.bigquery.sql.dataset_id"] = parts.path.strip("/")
            connection = driver.connect(db_kwargs=options)
        else:
            connection = driver.connect(source.url)
    except (adbc_driver_manager.Error, OSError, RuntimeError) as error:
        raise DataError(
            f"{source.display}: cannot connect: {_clean_message(error, source)}. Check the host, port, database, "
            "user and password (keep the password in PGPASSWORD or ~/.pgpass rather than in the URL)"
        ) from None
    try:
        yield connection
    finally:
        try:
            connection.close()
        except adbc_driver_manager.Error:
            pass


def _query_error(source: DatabaseSource, what: str, error: BaseException, hint: str) -> DataError:
    return DataError(f"{source.display}: {what} failed: {_clean_message(error, source)}. {hint}")


def _rows(connection, sql: str) -> list[tuple]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _catalog(connection, source: DatabaseSource) -> tuple[str, set[str]]:
    """The schema to read (the given one, else the current one) and the relations in it (PostgreSQL)."""
    import adbc_driver_manager

    try:
        schema = source.schema or _rows(connection, "SELECT current_schema()")[0][0]
        schemas = [row[0] for row in _rows(connection, "SELECT nspname FROM pg_namespace ORDER BY 1")]
        if schema not in schemas:
            shown = [s for s in schemas if not s.startswith(("pg_", "information_schema"))]
            raise DataError(
                f"{source.display}: schema {schema!r} not found; schemas there: {', '.join(shown) or 'none'}. "
                "Pass --schema (schema:) with one of them"
            )
        relations = {row[0] for row in _rows(
            connection,
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE n.nspname = {_literal(schema)} AND c.relkind IN ('r', 'v', 'm', 'p', 'f')",
        )}
    except adbc_driver_manager.Error as error:
        raise _query_error(source, "reading the catalog", error, "Check that the user may read the schema") from None
    return schema, relations


# --- reading ---------------------------------------------------------------------------------------


def read_raw_tables(con: duckdb.DuckDBPyConnection, source: DatabaseSource, events_format: str | None = None, *,
                    stitch_identities: bool = False, source_timezone: str | None = None,
                    account_group: str | None = None) -> dict[str, str]:
    """Read the source's tables into DuckDB as ``raw_users``, ``raw_events`` and ``raw_conversions``.

    Each table (or query) streams through ADBC as Arrow record batches into a Parquet file that
    DuckDB reads (:func:`_spool`), in the order the database returns the rows (``_row``). ``conversions`` is optional:
    a missing table is skipped, as a missing file is (on PostgreSQL, whose catalog is read first;
    elsewhere give the table or a query for it).

    An events table shaped as a vendor's export (PostHog's batch export to PostgreSQL, Segment's
    warehouse ``tracks`` table), detected from its columns as a file's are, or named by
    ``events_format``, is read by that vendor's rules, identity merges (``stitch_identities``) and
    group calls (``account_group``) included (:func:`pqlkit.io.events.create_raw_events`).

    Returns
    -------
    dict
        Table name to how messages and the ledger name it: the masked URL and the table or query.

    Raises
    ------
    DataError
        The driver is missing; the server cannot be reached or refuses the login; the schema, the
        users or events table is missing; a query fails.
    """
    import adbc_driver_manager
    import pyarrow as pa  # ADBC's data is Arrow; reading a folder (the command line's case) needs neither

    sources, spooled = {}, {}
    with _connect(source) as connection:
        needs_tables = any(table not in source.queries for table in TABLES)
        if source.scheme in _POSTGRES and needs_tables:
            schema, relations = _catalog(connection, source)
        else:
            schema, relations = source.schema, None
        for table in TABLES:
            if table in source.queries:
                query = source.queries[table]
                label = f"{mask_url(source.url)} ({table} query)"
                what, hint = f"the {table} query", f"Run it in psql to check it, or fix --{table}-sql"
            else:
                name = source.tables.get(table, table)
                if relations is not None and name not in relations:
                    if table == "conversions":
                        continue
                    listed = ", ".join(sorted(relations)) or "none"
                    raise DataError(
                        f"{source.display}: no {name} table in schema {schema!r} (tables there: {listed}); "
                        f"create it, or give the rows with --{table}-sql (see {_DOCS})"
                    )
                # Quoted on PostgreSQL (names exactly as written); as written elsewhere (Snowflake folds to upper case).
                quote = _quote if source.scheme in _POSTGRES else str
                qualified = f"{quote(schema)}.{quote(name)}" if schema else quote(name)
                query = f"SELECT * FROM {qualified}"
                label = f"{mask_url(source.url)} (table {schema + '.' if schema else ''}{name})"
                what, hint = f"reading table {name}", "Check the table and the user's rights on it"
            cursor = connection.cursor()
            try:
                cursor.execute(query)
                reader = cursor.fetch_record_batch()
                con.register(f"_adbc_{table}", reader)
                try:
                    spooled[table] = _spool(con, f"_adbc_{table}", f"raw_{table}")
                finally:
                    con.unregister(f"_adbc_{table}")
            except (adbc_driver_manager.Error, pa.ArrowException, duckdb.Error) as error:
                raise _query_error(source, what, error, hint) from None
            finally:
                cursor.close()
            sources[table] = label
    options = {"stitch_identities": stitch_identities, "source_timezone": source_timezone, "account_group": account_group}
    _read_export_events(con, spooled["events"], events_format, sources["events"], options)
    return sources


def _read_export_events(con: duckdb.DuckDBPyConnection, path: Path, events_format: str | None, where: str,
                        options: Mapping) -> None:
    """Read the spooled events again by their vendor's rules when they are an export (else leave them canonical)."""
    keys = [row[0] for row in con.execute("DESCRIBE raw_events").fetchall() if row[0] != "_row"]
    fmt = check_events_format(events_format)
    if fmt == "auto":
        fmt = format_from_keys(keys, {}, Path(where))
    if fmt == "canonical":
        return
    con.execute("DROP VIEW raw_events")
    try:
        create_raw_events(con, path, fmt, **options)
    except DataError as error:  # name the table, not the spooled file
        raise DataError(str(error).replace(str(path), where), path=where, column=error.column) from None


def _spool(con: duckdb.DuckDBPyConnection, stream: str, name: str) -> Path:
    """Make ``name`` a view over the rows of the registered Arrow ``stream``, through a Parquet file.

    DuckDB writes the batches to a Parquet file as they arrive (in their order, which
    ``file_row_number`` keeps as ``_row``), and ``name`` reads that file as a Parquet dataset is
    read: the rows never sit in memory as a table, so reading from a database peaks at about the
    memory of reading the same rows from Parquet. The file goes with the connection (or the process).
    """
    folder = tempfile.mkdtemp(prefix="pqlkit-database-", dir=os.environ.get("PQLKIT_TEMP_DIR") or None)
    weakref.finalize(con, shutil.rmtree, folder, True)
    path = _literal(str(Path(folder) / f"{name}.parquet"))
    con.execute(f"COPY (SELECT * FROM {stream}) TO {path} (FORMAT parquet)")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * EXCLUDE (file_row_number), file_row_number AS _row "
                f"FROM read_parquet({path}, file_row_number = true)")
    return Path(folder) / f"{name}.parquet"


# --- writing ---------------------------------------------------------------------------------------


def _arrow(data) -> pa.Table | pa.RecordBatchReader:
    """Arrow data for ADBC ingestion: pandas frames converted; text as ``string``, all-null columns as
    text, dictionaries decoded, nanoseconds as microseconds (PostgreSQL's precision)."""
    import pyarrow as pa  # ADBC takes Arrow; only writing to a database needs it

    if not isinstance(data, (pa.Table, pa.RecordBatchReader)):  # a pandas frame
        data = pa.Table.from_pandas(data, preserve_index=False)
    fields = []
    for f in data.schema:
        kind = f.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_null(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        elif pa.types.is_timestamp(kind) and kind.unit == "ns":
            kind = pa.timestamp("us", tz=kind.tz)
        fields.append(pa.field(f.name, kind))
    target = pa.schema(fields)
    if isinstance(data, pa.Table):
        return data.cast(target, safe=False).replace_schema_metadata(None)
    if target.equals(data.schema, check_metadata=False):
        return data
    return pa.RecordBatchReader.from_batches(target, (batch.cast(target, safe=False) for batch in data))


def write_tables(
    url: str | DatabaseSource,
    tables: Mapping[str, object],
    *,
    schema: str | None = None,
    mode: str = "replace",
) -> dict[str, int]:
    """Write tables to a database through ADBC bulk ingestion (COPY on PostgreSQL), in one transaction.

    Parameters
    ----------
    url : str or DatabaseSource
        Where to write (a database URL; its ``schema`` parameter is the default schema).
    tables : mapping
        Table name to a pandas frame, a :class:`pyarrow.Table` or a :class:`pyarrow.RecordBatchReader`
        (streamed: memory stays at one batch).
    schema : str, optional
        The schema to write to (created when missing, PostgreSQL); default the URL's, else the
        connection's current schema.
    mode : {"replace", "append", "create", "create_append"}
        ADBC's ingest mode; ``replace`` drops and re-creates each table.

    Returns
    -------
    dict
        Table name to the number of rows written.
    """
    import adbc_driver_manager
    import pyarrow as pa  # ADBC's data is Arrow; only the database functions need it

    source = database_source(url) if not isinstance(url, DatabaseSource) else url
    if source is None:
        raise DataError(f"{mask_url(str(url))}: not a database URL; use postgresql://user@host:5432/database")
    schema = schema or source.schema
    written = {}
    with _connect(source) as connection:
        cursor = connection.cursor()
        try:
            if schema and source.scheme in _POSTGRES:
                cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
            for name, data in tables.items():
                count = cursor.adbc_ingest(name, _arrow(data), mode=mode, db_schema_name=schema)
                written[name] = int(count) if count is not None and count >= 0 else -1
            connection.commit()
        except (adbc_driver_manager.Error, pa.ArrowException) as error:
            raise _query_error(source, "writing " + ", ".join(tables), error,
                               "Check that the user may create tables in the schema") from None
        finally:
            cursor.close()
    return written


def copy_dataset(folder: str | os.PathLike, url: str | DatabaseSource, *, schema: str | None = None) -> dict[str, int]:
    """Copy a dataset folder (canonical Parquet or CSV tables) into a database, streaming.

    Parquet columns keep their types; CSV columns are read as text, as pqlkit reads them, so the
    database holds the same values (timestamps as text columns). Each table is streamed in record
    batches through COPY, so a 10M-event file is loaded without holding it in memory. This is how
    the tests load the bundled sample into PostgreSQL, and how a benchmark can load N events::

        from pqlkit.synthetic import write_sample
        from pqlkit.io.database import copy_dataset
        write_sample("/tmp/bench", n_users=220_000, fmt="parquet")      # about 10M events
        copy_dataset("/tmp/bench", "postgresql://bench@127.0.0.1:5432/bench", schema="bench")

    Returns
    -------
    dict
        Table name to rows written.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: dataset folder not found", path=str(folder))
    con = connect()
    written = {}
    try:
        for table in TABLES:
            files = table_files(folder, table)
            if not files:
                continue
            create_raw_table(con, f"raw_{table}", files[0])
            columns = [row[0] for row in con.execute(f"DESCRIBE raw_{table}").fetchall() if row[0] != "_row"]
            order = "_row" if files[0].name.endswith(".parquet") else "rowid"
            select = ", ".join(_quote(c) for c in columns)
            # One stream open at a time: a DuckDB connection serves one streaming result.
            relation = con.sql(f"SELECT {select} FROM raw_{table} ORDER BY {order}")
            # DuckDB 2 names it to_arrow_reader; 1.x had fetch_record_batch.
            stream = getattr(relation, "to_arrow_reader", None) or relation.fetch_record_batch
            stream = stream(100_000)
            written.update(write_tables(url, {table: stream}, schema=schema))
            con.execute(f"DROP {'VIEW' if order == '_row' else 'TABLE'} raw_{table}")
    finally:
        con.close()
    return written
