"""Where the SQL runs: DuckDB in process (the default), or Apache Spark for data beyond one machine.

pqlkit's loading checks and its reduction are written once, as SQL in DuckDB's dialect. The DuckDB
engine runs that text as it is; the Spark engine transpiles it to Spark SQL with sqlglot and runs it
on a Spark session. One definition, two engines: a rule changed in the SQL changes on both, and the
tests compare the two engines' per-entity tables on the sample data and the hand-worked cases.

Why sqlglot rather than Ibis: the rules (n-th qualifying event, k-th distinct user, per-step
windows, first-row-wins duplicates) are window functions and CASE ladders that read most clearly as
SQL, and the DuckDB path stays plain DuckDB, with no dataframe layer between the analyst and the
query plan. sqlglot only has to translate a handful of function names (``arg_min`` to ``min_by``,
``make_timestamp`` to ``timestamp_micros``, ``regexp_matches`` to ``rlike``...).

DuckDB settings, from the arguments or else the environment: ``PQLKIT_MEMORY_LIMIT`` (default
``2GB``; DuckDB spills to a temporary folder beyond it), ``PQLKIT_THREADS`` and ``PQLKIT_TEMP_DIR``.
Spark: ``SPARK_REMOTE`` (Spark Connect) or ``PQLKIT_SPARK_MASTER`` (default ``local[*]``), with
``PQLKIT_SPARK_PARTITIONS`` and ``PQLKIT_SPARK_DRIVER_MEMORY``; or pass your own session with
``SparkEngine(session=...)``. Settings reach both engines as configuration values
(``duckdb.connect(config=...)``, ``SparkSession.builder.config``), never inside SQL text; a value an
engine would refuse stops with one line naming the variable.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from pqlkit.base.duckdb import connect
from pqlkit.base.errors import DataError, PqlkitError
from pqlkit.base.sql import sql_string
from pqlkit.io.files import create_raw_table

# Frames are what frame() returns and register() takes: DuckDB and Arrow build and read them, so loading
# and the command line's queries (rows()) run without importing pandas.
if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DuckDBEngine", "SparkEngine", "ENGINES"]

ENGINES = ("duckdb", "spark")
# DuckDB's own default is 80 % of the machine; pqlkit caps it so that a report next to a notebook
# server stays bounded (50M events in under 4 GB), and DuckDB spills to disk beyond it.
DEFAULT_MEMORY_LIMIT = "2GB"


# Where each DuckDB setting comes from: the keyword argument, else the environment variable.
_DUCKDB_VARIABLES = {
    "memory_limit": "PQLKIT_MEMORY_LIMIT",
    "threads": "PQLKIT_THREADS",
    "temp_directory": "PQLKIT_TEMP_DIR",
}


def _setting(argument: str, value, variable: str) -> tuple[str, object] | None:
    """``(source, value)`` of one setting: the argument when given, else the environment variable."""
    if value is not None:
        return f"`{argument}`", value
    text = os.environ.get(variable)
    if text is None or not text.strip():
        return None
    return variable, text.strip()


def _duckdb_settings(*, memory_limit, threads, temp_directory) -> dict[str, tuple[str, object]]:
    """DuckDB setting name -> (where its value came from, the value), for ``duckdb.connect(config=...)``.

    Values are passed to DuckDB as configuration, never formatted into SQL, so a temporary folder
    named ``it's here`` is a folder name and nothing else.
    """
    given = {"memory_limit": memory_limit, "threads": threads, "temp_directory": temp_directory}
    settings = {}
    for name, variable in _DUCKDB_VARIABLES.items():
        found = _setting(name, given[name], variable)
        if found is not None:
            settings[name] = found
    settings.setdefault("memory_limit", ("the default", DEFAULT_MEMORY_LIMIT))
    settings.setdefault("temp_directory", (
        "the default", str(Path(tempfile.gettempdir()) / f"pqlkit-duckdb-{os.getpid()}")))
    source, value = settings.get("threads", (None, None))
    if source is not None:
        count = _positive_int(value)
        if count is None:
            raise PqlkitError(
                f"{source}: {value!r} is not a number of threads; give a whole number of at least 1 (e.g. 4), "
                "or leave it unset for all cores"
            )
        settings["threads"] = (source, count)
    return settings


def _positive_int(value) -> int | None:
    """``value`` as an integer of at least 1, or None (``"4"`` and ``4`` pass; ``"4.5"``, ``0``, ``True`` do not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"\+?[0-9]+", text) and int(text) >= 1 else None


def _connect(settings: Mapping[str, tuple[str, object]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with ``settings`` as its configuration (in UTC, :func:`pqlkit.base.duckdb.connect`).

    Raises
    ------
    PqlkitError
        One line naming the variable (or argument) whose value DuckDB refused, and DuckDB's reason.
    """
    try:
        return connect(config={name: value for name, (_, value) in settings.items()})
    except duckdb.Error:
        pass
    for name, (source, value) in settings.items():  # which one? each alone, to name it
        try:
            connect(config={name: value}).close()
        except duckdb.Error as error:
            reason = str(error).splitlines()[0].split(": ", 1)[-1]
            hint = {"memory_limit": "a size such as 3GB", "temp_directory": "a folder DuckDB can create"}.get(name, "another value")
            raise PqlkitError(f"{source}: DuckDB refuses {name} = {value!r} ({reason}); set it to {hint}") from None
    raise PqlkitError("DuckDB refuses the combination of PQLKIT_MEMORY_LIMIT, PQLKIT_THREADS and PQLKIT_TEMP_DIR")


def make_engine(engine: str | object | None = None):
    """An engine from its name (``"duckdb"``, ``"spark"``) or an engine object as it is."""
    if engine is None or engine == "duckdb":
        return DuckDBEngine()
    if engine == "spark":
        return SparkEngine()
    if isinstance(engine, (DuckDBEngine, SparkEngine)):
        return engine
    raise PqlkitError(f"The value for `engine` must be one of {list(ENGINES)}, but {engine!r} was passed.")


def query_frame(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    """A DuckDB query's result as pandas, through Arrow (timestamps stay UTC-aware, strings ``str``).

    DuckDB's own ``.df()`` triggers a pandas 3 deprecation warning on time-zone-aware columns.
    """
    return con.sql(query).to_arrow_table().to_pandas()


def filled_columns(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Query columns as plain numpy arrays: NULLs (a masked array's masked cells) as NaT for times,
    None for text, NaN for numbers (whole numbers with a NULL become floats, as pandas makes them)."""
    filled = {}
    for name, values in columns.items():
        if isinstance(values, np.ma.MaskedArray):
            missing = np.ma.getmaskarray(values)
            values = values.data
            if missing.any():
                if values.dtype.kind == "M":
                    values, blank = values.copy(), np.datetime64("NaT")
                elif values.dtype.kind in "iuf":
                    values, blank = values.astype("float64"), np.nan
                else:
                    values, blank = values.astype(object), None
                values[missing] = blank
        filled[name] = np.asarray(values)
    return filled


class DuckDBEngine:
    """Runs pqlkit's SQL in an in-process DuckDB database.

    Parameters
    ----------
    memory_limit : str, optional
        DuckDB's ``memory_limit``; default ``PQLKIT_MEMORY_LIMIT``, else ``"2GB"``. Beyond it DuckDB
        spills to ``temp_directory``; raise it on a big machine for speed.
    threads : int, optional
        Default ``PQLKIT_THREADS`` or all cores.
    temp_directory : str, optional
        Default ``PQLKIT_TEMP_DIR`` or a folder under the system's temporary directory. Any name
        works (quotes, spaces): the settings reach DuckDB as configuration, not as SQL text.

    Raises
    ------
    PqlkitError
        A value DuckDB refuses, in one line naming the argument or the environment variable.
    """

    name = "duckdb"

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None,
                 temp_directory: str | None = None):
        settings = _duckdb_settings(memory_limit=memory_limit, threads=threads, temp_directory=temp_directory)
        self.con = _connect(settings)
        try:
            self.con.execute("SET enable_progress_bar = false")
        except duckdb.Error:
            pass  # inside a Jupyter kernel DuckDB refuses the setting (no ipywidgets), and it is already off there

    @classmethod
    def over(cls, con: duckdb.DuckDBPyConnection) -> DuckDBEngine:
        """The engine's interface over a connection opened elsewhere (an export's reading connection), its
        settings left as they are."""
        engine = cls.__new__(cls)
        engine.con = con
        return engine

    def run(self, sql: str) -> None:
        """Run a statement."""
        self.con.execute(sql)

    def table(self, name: str, select: str) -> None:
        """Materialise ``select`` as the temporary table ``name``."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")

    def view(self, name: str, select: str) -> None:
        """Name ``select`` as the temporary view ``name`` (computed when read)."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {select}")

    def drop(self, *names: str) -> None:
        """Drop temporary tables or views; names that do not exist are skipped."""
        kinds = dict(self.con.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall())
        for name in names:
            if name in kinds:
                self.con.execute(f"DROP {'VIEW' if kinds[name] == 'VIEW' else 'TABLE'} {name}")

    def rows(self, sql: str) -> list[tuple]:
        """The result as a list of tuples (for small results: counts, names)."""
        return self.con.execute(sql).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        """The result as a pandas frame (see :func:`query_frame`)."""
        return query_frame(self.con, sql)

    def arrays(self, sql: str) -> dict[str, np.ndarray]:
        """The result as numpy columns, without pandas (:func:`filled_columns`; times naive UTC, the
        connection being in UTC)."""
        return filled_columns(self.con.sql(sql).fetchnumpy())

    @staticmethod
    def smallest(expr: str, count: int, *, where: str) -> str:
        """SQL aggregate: the ``count`` smallest values of ``expr`` over rows where ``where``, as a sorted list.

        DuckDB's top-N ``min(x, n)`` keeps ``n`` values per group, not the whole group.
        """
        return f"min({expr}, {int(count)}) FILTER (WHERE {where})"

    @staticmethod
    def nth(items: str, index: int) -> str:
        """SQL: the ``index``-th element (from 1) of a list, NULL when the list is shorter."""
        return f"({items})[{int(index)}]"

    def columns(self, name: str) -> dict[str, str]:
        """Column name to DuckDB type name."""
        return {row[0]: row[1] for row in self.con.execute(f"DESCRIBE {name}").fetchall()}

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Name a pandas frame as a table the SQL can read (the analyses' own rows: cut-offs, ids)."""
        self.con.register(name, frame)

    def unregister(self, name: str) -> None:
        """Forget a frame named by :meth:`register`."""
        self.con.unregister(name)

    def has_table(self, name: str) -> bool:
        """Whether a table or view of that name exists."""
        return bool(self.rows(f"SELECT count(*) FROM information_schema.tables WHERE table_name = {sql_string(name)}")[0][0])

    def save(self, name: str, path: str | os.PathLike) -> None:
        """Write the table ``name`` to the Parquet file ``path``."""
        self.con.execute(f"COPY (SELECT * FROM {name}) TO {sql_string(str(path))} (FORMAT parquet)")

    @staticmethod
    def parquet(path: str | os.PathLike) -> str:
        """SQL: the rows of the Parquet file(s) at ``path``, as :meth:`save` wrote them."""
        return f"read_parquet({sql_string(str(path))})"

    @contextmanager
    def rows_where(self, conditions: Mapping[str, str]) -> Iterator[None]:
        """Within the block, each named table holds only its rows where its condition (SQL) holds.

        Each table is renamed aside and a view of its rows takes its name, so every query in the block
        (views over these tables included) reads the kept rows; names that do not exist are skipped,
        and the tables are put back on leaving, also after an error.
        """
        kinds = dict(self.rows("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'"))
        moved = []
        try:
            for name, condition in conditions.items():
                if name not in kinds:
                    continue
                kind = "VIEW" if kinds[name] == "VIEW" else "TABLE"
                self.run(f"ALTER {kind} {name} RENAME TO _aside_{name}")
                moved.append((name, kind))
                self.view(name, f"SELECT * FROM _aside_{name} WHERE {condition}")
            yield
        finally:
            for name, kind in reversed(moved):
                self.drop(name)
                self.run(f"ALTER {kind} _aside_{name} RENAME TO {name}")

    def new_session(self) -> DuckDBEngine:
        """An engine of the same kind whose tables are its own (a new in-process database)."""
        return DuckDBEngine()


_SPARK_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "timestamp_ntz": "TIMESTAMP",
    "date": "DATE",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "void": "NULL",
}


# Spark's size format for JVM memory (JavaUtils.byteStringAs): a whole number and an optional unit.
_SPARK_MEMORY = re.compile(r"[0-9]+([kmgtp]b?|b)?", re.IGNORECASE)


def spark_settings() -> tuple[str, str]:
    """``PQLKIT_SPARK_PARTITIONS`` (default ``8``) and ``PQLKIT_SPARK_DRIVER_MEMORY`` (default ``2g``), checked.

    They reach Spark as configuration values (``builder.config``), never inside SQL text; a value
    Spark could not parse would otherwise surface as a JVM start-up failure.

    Returns
    -------
    tuple of str
        ``spark.sql.shuffle.partitions`` and ``spark.driver.memory``.

    Raises
    ------
    PqlkitError
        One line naming the variable whose value is not valid.
    """
    partitions = (os.environ.get("PQLKIT_SPARK_PARTITIONS") or "8").strip()
    if _positive_int(partitions) is None:
        raise PqlkitError(
            f"PQLKIT_SPARK_PARTITIONS: {partitions!r} is not a number of partitions; give a whole number of at least 1 (e.g. 8)"
        )
    memory = (os.environ.get("PQLKIT_SPARK_DRIVER_MEMORY") or "2g").strip()
    if not _SPARK_MEMORY.fullmatch(memory):
        raise PqlkitError(
            f"PQLKIT_SPARK_DRIVER_MEMORY: {memory!r} is not a JVM memory size; give a number and a unit such as 4g or 512m"
        )
    return str(_positive_int(partitions)), memory


def spark_session():
    """A Spark session: Spark Connect at ``SPARK_REMOTE`` if set, else ``PQLKIT_SPARK_MASTER`` or local."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise PqlkitError("--engine spark needs PySpark: pip install 'pqlkit[spark]' (and a Java 17+ runtime)") from None
    builder = SparkSession.builder.appName("pqlkit")
    if os.environ.get("SPARK_REMOTE"):
        builder = builder.remote(os.environ["SPARK_REMOTE"])
    else:
        partitions, memory = spark_settings()
        builder = (
            builder.master(os.environ.get("PQLKIT_SPARK_MASTER", "local[*]"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")  # progress bars on stderr would fill notebook outputs
            .config("spark.sql.shuffle.partitions", partitions)
            .config("spark.driver.memory", memory)
        )
    try:
        with _pandas_version_quiet():  # the notice is given while the session starts, too
            session = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    except Exception as error:  # Java missing, master unreachable: one line, not a JVM traceback
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PqlkitError(f"cannot start Spark ({first}); check JAVA_HOME (Java 17+) or SPARK_REMOTE") from None
    session.conf.set("spark.sql.session.timeZone", "UTC")
    if not os.environ.get("SPARK_REMOTE"):
        session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    """Runs pqlkit's SQL on Apache Spark, transpiled from DuckDB's dialect with sqlglot.

    Reads canonical Parquet and CSV tables (docs/metrics.md#input-tables); exports from Segment, Amplitude, Mixpanel or
    PostHog go through :func:`pqlkit.convert_events` first.
    """

    name = "spark"

    def __init__(self, session=None):
        self.spark = session or spark_session()
        self._cached = {}

    @staticmethod
    def translate(sql: str) -> str:
        """DuckDB SQL to Spark SQL.

        sqlglot translates the names Spark spells otherwise; the functions it passes through as they
        are, and Spark does not know, are rewritten here (:func:`_spark_function`).
        """
        import sqlglot

        return sqlglot.parse_one(sql, read="duckdb").transform(_spark_function).sql(dialect="spark")

    def run(self, sql: str) -> None:
        self.spark.sql(self.translate(sql))

    def table(self, name: str, select: str) -> None:
        frame = self.spark.sql(self.translate(select)).cache()
        self._cached[name] = frame
        frame.createOrReplaceTempView(name)

    def view(self, name: str, select: str) -> None:
        self.spark.sql(self.translate(select)).createOrReplaceTempView(name)

    def drop(self, *names: str) -> None:
        for name in names:
            frame = self._cached.pop(name, None)
            if frame is not None:
                frame.unpersist()
            self.spark.catalog.dropTempView(name)

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(row) for row in self.spark.sql(self.translate(sql)).collect()]

    def frame(self, sql: str) -> pd.DataFrame:
        with _pandas_version_quiet():
            table = self.spark.sql(self.translate(sql)).toArrow()
        return table.to_pandas()

    def arrays(self, sql: str) -> dict[str, np.ndarray]:
        """The result as numpy columns, as :meth:`DuckDBEngine.arrays` gives them (times naive UTC)."""
        import pyarrow as pa  # Spark's results come as Arrow; the DuckDB path never loads it

        with _pandas_version_quiet():
            table = self.spark.sql(self.translate(sql)).toArrow()
        columns = {}
        for name, column in zip(table.column_names, table.columns):
            if hasattr(column.type, "tz"):  # a timestamp: Spark's are naive in the session's zone (UTC)
                column = column.cast(pa.timestamp("us"))
            values = column.to_numpy(zero_copy_only=False)
            columns[name] = np.ma.masked_array(values, mask=column.is_null().to_numpy(zero_copy_only=False))
        return filled_columns(columns)

    @staticmethod
    def smallest(expr: str, count: int, *, where: str) -> str:
        """SQL aggregate: the values of ``expr`` over rows where ``where``, sorted (Spark has no top-N
        ``min``; the list is whole, and readers take its first ``count``)."""
        return f"list_sort(list(CASE WHEN {where} THEN {expr} END))"

    @staticmethod
    def nth(items: str, index: int) -> str:
        """SQL: the ``index``-th element (from 1) of an array, NULL when it is shorter (Spark's ANSI
        indexing raises instead, so ``try_element_at``, which sqlglot passes through)."""
        return f"try_element_at({items}, {int(index)})"

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Name a pandas frame as a temporary view the SQL can read (the analyses' own rows: cut-offs, ids)."""
        with _pandas_version_quiet():
            self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        """Forget a frame named by :meth:`register`."""
        self.spark.catalog.dropTempView(name)

    def has_table(self, name: str) -> bool:
        """Whether a temporary view of that name exists."""
        return bool(self.spark.catalog.tableExists(name))

    def save(self, name: str, path: str | os.PathLike) -> None:
        """Write the view ``name`` as Parquet at ``path``: a folder of parts, as Spark writes; a local path is
        this machine's (``file://``), so on a cluster it must be a folder every executor and this machine share."""
        self.spark.table(name).write.mode("overwrite").parquet(_location(path))

    @staticmethod
    def parquet(path: str | os.PathLike) -> str:
        """SQL (DuckDB's dialect, translated): the rows of the Parquet folder at ``path``, as :meth:`save` wrote them."""
        return f"read_parquet({sql_string(_location(path))})"

    @contextmanager
    def rows_where(self, conditions: Mapping[str, str]) -> Iterator[None]:
        """Within the block, each named view holds only its rows where its condition (DuckDB SQL) holds
        (as :meth:`DuckDBEngine.rows_where`). A Spark frame keeps the plan it was made from, so the
        whole table is held as a frame, the cut rows take its name, and the frame takes it back after."""
        kept = {}
        try:
            for name, condition in conditions.items():
                if not self.has_table(name):
                    continue
                kept[name] = self.spark.table(name)
                kept[name].createOrReplaceTempView(f"_aside_{name}")
                self.view(name, f"SELECT * FROM _aside_{name} WHERE {condition}")
            yield
        finally:
            for name, frame in kept.items():
                frame.createOrReplaceTempView(name)
                self.spark.catalog.dropTempView(f"_aside_{name}")

    def new_session(self) -> SparkEngine:
        """An engine on the same Spark application whose temporary views are its own (``newSession``),
        so that loading another level does not replace this engine's tables."""
        session = self.spark.newSession()
        session.conf.set("spark.sql.session.timeZone", "UTC")
        return SparkEngine(session=session)

    def columns(self, name: str) -> dict[str, str]:
        types = {}
        for column, kind in self.spark.table(name).dtypes:
            decimal = re.fullmatch(r"decimal\((\d+),(\d+)\)", kind)
            types[column] = f"DECIMAL({decimal[1]},{decimal[2]})" if decimal else _SPARK_TYPES.get(kind, kind.upper())
        return types

    def exists(self, location: str) -> bool:
        """Whether Spark finds a file at ``location`` (any file system the cluster reads)."""
        try:
            context = self.spark.sparkContext
        except Exception:  # Spark Connect has no JVM gateway: ask the reader instead
            try:
                self.spark.read.format("text").load(location).schema  # noqa: B018
                return True
            except Exception:
                return False
        path = context._jvm.org.apache.hadoop.fs.Path(location)
        return path.getFileSystem(context._jsc.hadoopConfiguration()).exists(path)

    def read(self, table: str, path) -> None:
        """Register ``raw_{table}`` from a Parquet or CSV file, with ``_row`` in file order.

        A CSV file follows the DuckDB engine's parsing rule, so both engines give the same ledger or
        the same error (docs/metrics.md#input-tables): every column is text, a quoted value may hold
        commas, quotes and line breaks, and a row whose fields do not match the header, or a quote
        never closed, stops the analysis instead of becoming a row of nulls (Spark's PERMISSIVE mode
        alone would null it). A local file is first read by the DuckDB reader itself, which gives the
        same message, line number and all; Spark's rows are then checked against its count. A file
        on the cluster (``s3a://``, ``hdfs://``, ``file://``) is checked by Spark: a malformed row
        is refused with the same wording, without the line number Spark does not know.
        """
        from pyspark.sql import functions

        name = str(path).rsplit("/", 1)[-1]
        if name.endswith(".parquet"):
            frame = self._resolve(path, lambda: self.spark.read.parquet(str(path)))
        elif name.endswith((".csv", ".csv.gz")):
            frame = self._read_csv(path)
        else:
            raise DataError(
                f"{path}: --engine spark reads Parquet and CSV tables; convert an export first "
                "(pqlkit.convert_events) or use the DuckDB engine",
                path=str(path),
            )
        # Spark reads one file's partitions in order and numbers them so: the id follows file order.
        frame.withColumn("_row", functions.monotonically_increasing_id()).createOrReplaceTempView(f"raw_{table}")

    @staticmethod
    def _resolve(path, read):
        """``read()``'s frame with its schema resolved, so a bad file fails here, with its name."""
        try:
            frame = read()
            frame.schema  # noqa: B018
        except Exception as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise DataError(f"{path}: cannot read the file ({first})", path=str(path)) from None
        return frame

    def _read_csv(self, path):
        """A CSV file as Spark reads it under the DuckDB engine's rule (see :meth:`read`)."""
        from pyspark.sql import functions
        from pyspark.sql.types import StringType, StructField, StructType

        location = str(path)
        local = None if "://" in location else Path(location)
        expected = _duckdb_csv_shape(local) if local is not None else None
        if expected is not None:
            columns = expected[0]
        else:
            header = self._resolve(path, lambda: self.spark.read.csv(location, header=True, multiLine=True)).columns
            # as DuckDB's reader names them: stripped, an empty name becomes column{i}
            columns = [column.strip().lstrip("\ufeff") or f"column{i}" for i, column in enumerate(header)]
        schema = StructType([StructField(column, StringType()) for column in columns]
                            + [StructField(_CORRUPT, StringType())])
        frame = self._resolve(path, lambda: self.spark.read.csv(
            location, header=True, schema=schema, enforceSchema=True, quote='"', escape='"', multiLine=True,
            mode="PERMISSIVE", columnNameOfCorruptRecord=_CORRUPT, encoding="UTF-8",
        ))
        # One pass: the row count and the first malformed row (Spark refuses a query of the corrupt-record
        # column alone, hence the count of the first column beside it).
        rows, _, corrupt = frame.agg(
            functions.sum(functions.lit(1)), functions.count(functions.col(f"`{columns[0]}`")),
            functions.first(functions.col(_CORRUPT), ignorenulls=True),
        ).collect()[0]
        if corrupt is not None:
            raise DataError(_malformed_row(path, corrupt, len(columns)), path=location)
        if expected is not None and (rows or 0) != expected[1]:
            raise DataError(
                f"{path}: Spark reads {rows or 0} rows where the DuckDB reader reads {expected[1]} (an encoding "
                "Spark's CSV reader does not take, such as UTF-16?); re-save the file as UTF-8 CSV or as Parquet",
                path=location,
            )
        return frame.drop(_CORRUPT)


def _location(path: str | os.PathLike) -> str:
    """Where Spark finds ``path``: a URI as it is; a local path as a ``file://`` URI, since Spark takes a path
    without a scheme on the cluster's default file system (HDFS on most clusters), not on this machine's disk."""
    return str(path) if "://" in str(path) else f"file://{Path(path).absolute()}"  # not percent-encoded: Hadoop encodes


@contextmanager
def _pandas_version_quiet() -> Iterator[None]:
    """PySpark's FutureWarning that it does not yet fully support pandas 3, silenced: pqlkit hands frames to and
    from Spark through Arrow, and the tests compare every result with DuckDB's (a notebook would print it as a note)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        yield


def _spark_function(node):
    """One node of a DuckDB query, rewritten when it is a function Spark spells otherwise and sqlglot passes through.

    ``epoch_us(ts)`` (microseconds since 1970) is ``unix_micros(ts)``; ``epoch_ns(ts)`` is that times
    1000 (Spark's timestamps hold microseconds, so the last three digits are zeros on both engines).
    """
    from sqlglot import exp

    if isinstance(node, exp.Anonymous) and node.name.lower() in ("epoch_us", "epoch_ns"):
        micros = exp.Anonymous(this="UNIX_MICROS", expressions=node.expressions)
        if node.name.lower() == "epoch_us":
            return micros
        return exp.Paren(this=exp.Mul(this=micros, expression=exp.Literal.number(1000)))
    return node


# The column Spark puts a row it cannot parse into (PERMISSIVE mode); no user column is named so.
_CORRUPT = "_pqlkit_malformed_row"


def _duckdb_csv_shape(path: Path) -> tuple[list[str], int]:
    """The columns and the row count of a local CSV file as the DuckDB engine reads it.

    It is the DuckDB engine's own reader (:func:`pqlkit.io.files.create_raw_table`), so a file it
    refuses raises the very :class:`DataError` the DuckDB engine gives.
    """
    con = connect()
    try:
        create_raw_table(con, "raw_check", path)
        columns = [row[0] for row in con.execute("DESCRIBE raw_check").fetchall()]
        rows = con.execute("SELECT count(*) FROM raw_check").fetchone()[0]
    finally:
        con.close()
    return columns, rows


def _malformed_row(path, record: str, expected: int) -> str:
    """The one-line refusal of a row Spark could not parse, in the DuckDB reader's words."""
    start = record.splitlines()[0][:60] if record.strip() else ""
    try:
        fields = next(csv.reader(io.StringIO(record, newline=""), strict=True), [])
    except csv.Error:
        return f"{path}: a quoted value (\") is never closed (the row starting {start!r}); close the quote or remove it"
    if len(fields) != expected:
        return (f"{path}: {len(fields)} fields where the header has {expected} (the row starting {start!r}); check "
                "the delimiter (must be ',') and the quoting on that line")
    return (f"{path}: the CSV is malformed (the row starting {start!r}: a stray quote?); save it again as a "
            "comma-separated CSV file")
