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

DuckDB settings, from the environment or the arguments: ``PQLKIT_MEMORY_LIMIT`` (default ``2GB``;
DuckDB spills to a temporary folder beyond it), ``PQLKIT_THREADS`` and ``PQLKIT_TEMP_DIR``.
Spark: ``SPARK_REMOTE`` (Spark Connect) or ``PQLKIT_SPARK_MASTER`` (default ``local[*]``), or pass
your own session with ``SparkEngine(session=...)``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from .errors import DataError, PqlkitError

__all__ = ["DuckDBEngine", "SparkEngine", "make_engine", "query_frame", "ENGINES"]

ENGINES = ("duckdb", "spark")
# DuckDB's own default is 80 % of the machine; pqlkit caps it so that a report next to a notebook
# server stays bounded (50M events in under 4 GB), and DuckDB spills to disk beyond it.
DEFAULT_MEMORY_LIMIT = "2GB"


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
        Default ``PQLKIT_TEMP_DIR`` or a folder under the system's temporary directory.
    """

    name = "duckdb"

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None,
                 temp_directory: str | None = None):
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        try:
            self.con.execute("SET enable_progress_bar = false")
        except duckdb.Error:
            pass  # inside a Jupyter kernel DuckDB refuses the setting (no ipywidgets), and it is already off there
        memory_limit = memory_limit or os.environ.get("PQLKIT_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
        threads = threads or os.environ.get("PQLKIT_THREADS")
        temp_directory = temp_directory or os.environ.get("PQLKIT_TEMP_DIR") or str(
            Path(tempfile.gettempdir()) / f"pqlkit-duckdb-{os.getpid()}"
        )
        try:
            if memory_limit:
                self.con.execute(f"SET memory_limit = '{memory_limit}'")
            if threads:
                self.con.execute(f"SET threads = {int(threads)}")
            self.con.execute(f"SET temp_directory = '{temp_directory}'")
        except (duckdb.Error, ValueError) as error:
            raise PqlkitError(
                f"DuckDB settings: {str(error).splitlines()[0]}; check PQLKIT_MEMORY_LIMIT (e.g. 3GB) and PQLKIT_THREADS"
            ) from None

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
        builder = (
            builder.master(os.environ.get("PQLKIT_SPARK_MASTER", "local[*]"))
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get("PQLKIT_SPARK_PARTITIONS", "8"))
            .config("spark.driver.memory", os.environ.get("PQLKIT_SPARK_DRIVER_MEMORY", "2g"))
        )
    try:
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

    Reads canonical Parquet and CSV tables (SPEC §1); exports from Segment, Amplitude, Mixpanel or
    PostHog go through :func:`pqlkit.convert_events` first.
    """

    name = "spark"

    def __init__(self, session=None):
        self.spark = session or spark_session()
        self._cached = {}

    @staticmethod
    def translate(sql: str) -> str:
        """DuckDB SQL to Spark SQL."""
        import sqlglot

        return sqlglot.transpile(sql, read="duckdb", write="spark")[0]

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
        table = self.spark.sql(self.translate(sql)).toArrow()
        return table.to_pandas()

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
        """Register ``raw_{table}`` from a Parquet or CSV file, with ``_row`` in file order."""
        from pyspark.sql import functions

        name = str(path).rsplit("/", 1)[-1]
        if name.endswith(".parquet"):
            reader = self.spark.read.parquet
        elif name.endswith((".csv", ".csv.gz")):
            def reader(location):
                return self.spark.read.csv(location, header=True, inferSchema=False, quote='"', escape='"',
                                           multiLine=False, mode="PERMISSIVE", encoding="UTF-8")
        else:
            raise DataError(
                f"{path}: --engine spark reads Parquet and CSV tables; convert an export first "
                "(pqlkit.convert_events) or use the DuckDB engine",
                path=str(path),
            )
        try:
            frame = reader(str(path))
            frame.schema  # noqa: B018 - resolve now, so a bad file fails here with its name
        except Exception as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise DataError(f"{path}: cannot read the file ({first})", path=str(path)) from None
        # Spark reads one file's partitions in order and numbers them so: the id follows file order.
        frame.withColumn("_row", functions.monotonically_increasing_id()).createOrReplaceTempView(f"raw_{table}")
