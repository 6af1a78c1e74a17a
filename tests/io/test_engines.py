"""Engine settings are values handed to DuckDB and Spark as configuration, never SQL text.

Where the expected values come from: DuckDB's own ``current_setting`` read back from the
connection (what DuckDB applied), DuckDB's documented size units (``50MB`` is shown as
``47.6 MiB``: 50 * 1000**2 / 1024**2 = 47.68, truncated to one decimal), and Spark's documented
size format for ``spark.driver.memory`` (a whole number with an optional unit k, m, g, t or p).
"""

from __future__ import annotations

import warnings

import pytest

import pqlkit as pk
from pqlkit.cli import main
from pqlkit.io.engines import DuckDBEngine, spark_session, spark_settings

from conftest import TINY, TINY_SPEC

VARIABLES = ("PQLKIT_MEMORY_LIMIT", "PQLKIT_THREADS", "PQLKIT_TEMP_DIR", "PQLKIT_SPARK_PARTITIONS",
             "PQLKIT_SPARK_DRIVER_MEMORY")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No setting leaks in from the shell that runs the tests."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def applied(engine: DuckDBEngine) -> tuple:
    return engine.rows(
        "SELECT current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
    )[0]


def test_environment_values_reach_duckdb(monkeypatch, tmp_path):
    """50MB is DuckDB's 50 * 1000**2 bytes, which it shows in binary units as 47.6 MiB."""
    folder = tmp_path / "spill"
    monkeypatch.setenv("PQLKIT_MEMORY_LIMIT", "50MB")
    monkeypatch.setenv("PQLKIT_THREADS", "1")
    monkeypatch.setenv("PQLKIT_TEMP_DIR", str(folder))
    assert applied(DuckDBEngine()) == ("47.6 MiB", 1, str(folder))


def test_arguments_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PQLKIT_MEMORY_LIMIT", "50MB")
    monkeypatch.setenv("PQLKIT_THREADS", "1")
    engine = DuckDBEngine(memory_limit="1GiB", threads=2, temp_directory=str(tmp_path))
    assert applied(engine) == ("1.0 GiB", 2, str(tmp_path))


def test_a_temporary_folder_with_a_quote_and_a_space_is_used_for_spilling(monkeypatch, tmp_path):
    """Sorting 2 million rows with a 30 MB cap must spill (the md5 strings alone take ~64 MB), so DuckDB
    creates the folder: the name ``it's a folder`` arrived as a name, quote and all."""
    folder = tmp_path / "it's a folder"
    monkeypatch.setenv("PQLKIT_TEMP_DIR", str(folder))
    monkeypatch.setenv("PQLKIT_MEMORY_LIMIT", "30MB")
    monkeypatch.setenv("PQLKIT_THREADS", "1")
    engine = DuckDBEngine()
    assert applied(engine)[2] == str(folder)
    assert not folder.exists()
    count = engine.rows("SELECT count(*) FROM (SELECT md5(i::VARCHAR) AS m FROM range(2000000) t(i) ORDER BY m)")
    assert count == [(2_000_000,)]
    assert folder.is_dir()


def test_the_tiny_dataset_runs_with_such_a_folder(monkeypatch, tmp_path):
    """The whole pipeline on the tiny dataset with ``PQLKIT_TEMP_DIR`` holding a quote and a space.

    By hand (tests/data/tiny, 2 of 3 steps make a PQL): u1 creates a project and invites (2/3),
    u3 does all three, u2 and u5 only create a project, u4 only logs in: PQLs u1 and u3 of 5 users.
    """
    monkeypatch.setenv("PQLKIT_TEMP_DIR", str(tmp_path / "o'brien's temp"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pk.PqlkitWarning)
        entities, _ = pk.entity_table(TINY, TINY_SPEC)
    assert sorted(entities["entity_id"]) == ["u1", "u2", "u3", "u4", "u5"]
    assert sorted(entities.loc[entities["is_pql"], "entity_id"]) == ["u1", "u3"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        pytest.param("PQLKIT_MEMORY_LIMIT", "lots", "PQLKIT_MEMORY_LIMIT: DuckDB refuses memory_limit = 'lots'",
                     id="memory-word"),
        pytest.param("PQLKIT_MEMORY_LIMIT", "1GB'; SET threads = 1; --", "PQLKIT_MEMORY_LIMIT: DuckDB refuses",
                     id="memory-sql"),
        pytest.param("PQLKIT_THREADS", "0", "PQLKIT_THREADS: '0' is not a number of threads", id="threads-zero"),
        pytest.param("PQLKIT_THREADS", "2.5", "PQLKIT_THREADS: '2.5' is not a number of threads", id="threads-float"),
        pytest.param("PQLKIT_THREADS", "4; DROP TABLE x", "PQLKIT_THREADS: '4; DROP TABLE x'", id="threads-sql"),
    ],
)
def test_a_bad_duckdb_setting_is_one_line_naming_the_variable(variable, value, message, monkeypatch, capsys):
    monkeypatch.setenv(variable, value)
    with pytest.raises(pk.PqlkitError) as error:
        DuckDBEngine()
    assert str(error.value).startswith(message) and "\n" not in str(error.value)
    status = main(["metrics", str(TINY), "--spec", str(TINY_SPEC), "--format", "json"])
    lines = capsys.readouterr().err.splitlines()
    assert status == 2
    assert lines == [f"pqlkit: error: {error.value}"]


def test_a_bad_argument_is_named_as_the_argument():
    with pytest.raises(pk.PqlkitError, match=r"^`threads`: -1 is not a number of threads"):
        DuckDBEngine(threads=-1)
    with pytest.raises(pk.PqlkitError, match=r"^`memory_limit`: DuckDB refuses memory_limit = 'big'"):
        DuckDBEngine(memory_limit="big")


def test_spark_settings_pass_as_values(monkeypatch):
    assert spark_settings() == ("8", "2g")
    monkeypatch.setenv("PQLKIT_SPARK_PARTITIONS", " 16 ")
    monkeypatch.setenv("PQLKIT_SPARK_DRIVER_MEMORY", "512m")
    assert spark_settings() == ("16", "512m")
    monkeypatch.setenv("PQLKIT_SPARK_DRIVER_MEMORY", "4GB")
    assert spark_settings() == ("16", "4GB")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        pytest.param("PQLKIT_SPARK_PARTITIONS", "many", "PQLKIT_SPARK_PARTITIONS: 'many' is not a number", id="partitions"),
        pytest.param("PQLKIT_SPARK_PARTITIONS", "0", "PQLKIT_SPARK_PARTITIONS: '0' is not a number", id="partitions-0"),
        pytest.param("PQLKIT_SPARK_DRIVER_MEMORY", "2 gigs", "PQLKIT_SPARK_DRIVER_MEMORY: '2 gigs' is not a JVM",
                     id="memory-words"),
        pytest.param("PQLKIT_SPARK_DRIVER_MEMORY", "2g -Dx=y", "PQLKIT_SPARK_DRIVER_MEMORY: '2g -Dx=y' is not",
                     id="memory-option"),
    ],
)
def test_a_bad_spark_setting_is_one_line_before_the_jvm_starts(variable, value, message, monkeypatch, capsys):
    """Checked before a session is built, so the refusal costs no JVM start (and needs no Java)."""
    pytest.importorskip("pyspark")
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(pk.PqlkitError) as error:
        spark_session()
    assert str(error.value).startswith(message) and "\n" not in str(error.value)
    status = main(["metrics", str(TINY), "--spec", str(TINY_SPEC), "--engine", "spark"])
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [f"pqlkit: error: {error.value}"]

