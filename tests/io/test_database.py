"""Reading from and writing to a real PostgreSQL server (pqlkit.io.database).

One server per test session, from Debian's ``postgresql`` package: ``initdb`` in a temporary folder,
a free loopback port, its unix socket in that folder, stopped at the end. As root (initdb refuses
root) the server runs as the ``postgres`` system user, in a folder it owns. Where no server can be
started the tests are skipped with the reason, and under ``CI=true`` they fail with it.

The server's superuser has the password ``s3cr3t-pw``: every error test checks that it appears in
no message.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import pqlkit as pk
from pqlkit.cli import main
from pqlkit.io.database import (
    DatabaseSource,
    copy_dataset,
    database_source,
    kernel_environment,
    mask_url,
    notebook_source,
    read_source_file,
    write_tables,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
SAMPLE_SPEC = ROOT / "data" / "activation.yaml"
TINY = ROOT / "tests" / "data" / "tiny"
TINY_SPEC = ROOT / "tests" / "data" / "tiny_spec.yaml"
PASSWORD = "s3cr3t-pw"
USER = "pqlkit"


@dataclass(frozen=True)
class Server:
    """A running PostgreSQL server: where it listens and how to log in."""

    port: int
    folder: Path

    def url(self, *, password: str | None = PASSWORD, database: str = "postgres", port: int | None = None) -> str:
        login = f"{USER}:{password}" if password is not None else USER
        return f"postgresql://{login}@127.0.0.1:{port or self.port}/{database}"

    def execute(self, *statements: str) -> None:
        import adbc_driver_postgresql.dbapi as dbapi

        with dbapi.connect(self.url()) as connection:
            cursor = connection.cursor()
            for statement in statements:
                cursor.execute(statement)
            connection.commit()
            cursor.close()

    def rows(self, query: str) -> list[tuple]:
        import adbc_driver_postgresql.dbapi as dbapi

        with dbapi.connect(self.url()) as connection:
            cursor = connection.cursor()
            cursor.execute(query)
            found = cursor.fetchall()
            cursor.close()
        return found


def _unavailable(reason: str):
    """Skip with the reason; under CI, fail with it (a Postgres test never passes silently)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run: {reason}")
    pytest.skip(f"PostgreSQL tests cannot run: {reason}")


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


@contextmanager
def temporary_server() -> Iterator[Server]:
    """Start a throwaway PostgreSQL server (see the module docstring), and stop it on exit.

    Also usable outside the tests, e.g. by a benchmark (``sys.path.insert(0, "tests")``, then
    ``from test_database import temporary_server``): ``with temporary_server() as server:
    copy_dataset(folder, server.url(), schema="bench")``.

    Raises
    ------
    ServerUnavailable
        No driver, no initdb, no ``postgres`` user when root, or the server did not start.
    """
    try:
        import adbc_driver_postgresql.dbapi  # noqa: F401
    except ImportError:
        raise ServerUnavailable("the adbc-driver-postgresql package is not installed (pip install -e '.[test]')") from None
    bindir = _bindir()
    if bindir is None:
        raise ServerUnavailable("no initdb found: install Debian's postgresql package (make postgres)")
    run_as, account = [], None
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailable("running as root and there is no postgres system user to run the server as") from None
        run_as = ["runuser", "-u", "postgres", "--"]
    # As root the server runs as `postgres`, which must reach the folder: /tmp, not a private TMPDIR.
    folder = Path(tempfile.mkdtemp(prefix="pqlkit-pg-", dir="/tmp" if account else None))
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n")
    if account:
        for path in (folder, password_file):
            os.chown(path, account.pw_uid, account.pw_gid)
    data, log = folder / "data", folder / "server.log"
    pg_ctl = [*run_as, str(bindir / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        initdb = subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={password_file}",
             "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-locale"],
            capture_output=True, text=True,
        )
        if initdb.returncode != 0:
            raise ServerUnavailable(f"initdb failed: {initdb.stderr.strip().splitlines()[-1:]}")
        port = _free_port()
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
        start = subprocess.run([*pg_ctl, "-l", str(log), "-w", "-t", "60", "-o", options, "start"],
                               capture_output=True, text=True)
        if start.returncode != 0:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else start.stderr
            raise ServerUnavailable(f"the server did not start: {tail}")
        started = True
        yield Server(port=port, folder=folder)
    finally:
        if started:
            subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session; skipped with the reason where none can start (CI: fails)."""
    try:
        server = temporary_server()
        running = server.__enter__()
    except ServerUnavailable as reason:
        _unavailable(str(reason))
    try:
        yield running
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def loaded(postgres) -> Server:
    """The server with the bundled sample in schema ``sample`` and the hand-worked cases in ``tiny``."""
    copy_dataset(SAMPLE, postgres.url(), schema="sample")
    copy_dataset(TINY, postgres.url(), schema="tiny")
    return postgres


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- the same JSON from the files and from the database ---------------------------------------------


def test_sample_is_loaded_with_text_timestamps(loaded):
    """The CSV columns arrive as text (what the files hold), and every row arrives: the counts are
    DuckDB's own count of the CSV rows, independent of pqlkit's reading."""
    import duckdb

    types = dict(loaded.rows("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'sample' AND table_name = 'events'"))
    assert types["timestamp"] == "text" and types["user_id"] == "text"
    for table in ("users", "events", "conversions"):
        in_file = duckdb.sql(f"SELECT count(*) FROM read_csv('{SAMPLE}/{table}.csv.gz', all_varchar = true)").fetchall()[0][0]
        assert loaded.rows(f"SELECT count(*) FROM sample.{table}")[0][0] == in_file


@pytest.mark.parametrize(
    "dataset, schema, spec, extra",
    [
        pytest.param(SAMPLE, "sample", SAMPLE_SPEC, [], id="sample"),
        pytest.param(SAMPLE, "sample", SAMPLE_SPEC, ["--level", "account"], id="sample-account"),
        pytest.param(SAMPLE, "sample", SAMPLE_SPEC, ["--as-of", "2026-04-30"], id="sample-past-as-of"),
        pytest.param(TINY, "tiny", TINY_SPEC, [], id="tiny"),
    ],
)
def test_metrics_json_identical_to_files(loaded, capsys, dataset, schema, spec, extra):
    """The bundled sample (timestamps as text columns) and the hand-worked cases give byte-identical
    JSON from the files and from PostgreSQL, data-quality ledger included."""
    status, from_files, _ = run_cli(capsys, "metrics", dataset, "--spec", spec, "--format", "json", *extra)
    assert status == 0
    status, from_db, err = run_cli(capsys, "metrics", loaded.url(), "--schema", schema, "--spec", spec,
                                   "--format", "json", *extra)
    assert status == 0, err
    assert from_db == from_files
    assert json.loads(from_db)["data_quality"]["events"]["read"] > 0


def test_validate_json_identical_to_files(loaded, capsys):
    """`pqlkit validate` gives the same ledger from the database as from the folder."""
    _, from_files, _ = run_cli(capsys, "validate", SAMPLE, "--spec", SAMPLE_SPEC, "--format", "json")
    status, from_db, err = run_cli(capsys, "validate", loaded.url() + "?schema=sample", "--spec", SAMPLE_SPEC,
                                   "--format", "json")
    assert status == 0, err
    assert from_db == from_files


def test_python_api_takes_url_schema_and_queries(loaded):
    """pk.entity_table and pk.load take a URL (schema as a URL parameter), or a DatabaseSource with
    a schema and per-table SQL; the per-entity table equals the one from the files."""
    from_files, files_context = pk.entity_table(TINY, TINY_SPEC)
    from_url, url_context = pk.entity_table(loaded.url() + "?schema=tiny", TINY_SPEC)
    pd.testing.assert_frame_equal(from_url, from_files)
    files_dataset = files_context.dataset
    pd.testing.assert_frame_equal(url_context.dataset.ledger, files_dataset.ledger)
    source = DatabaseSource(loaded.url(), schema="tiny", queries={"events": "SELECT * FROM tiny.events"})
    dataset = pk.load(source)
    pd.testing.assert_frame_equal(dataset.ledger, files_dataset.ledger)
    assert all(PASSWORD not in label for label in dataset.sources.values())
    assert dataset.sources["events"].endswith("(events query)")
    with_keywords, _ = pk.entity_table(loaded.url(), TINY_SPEC, schema="tiny",
                                       sql={"events": "SELECT * FROM tiny.events"})
    pd.testing.assert_frame_equal(with_keywords, from_files)
    assert pk.load(loaded.url(), schema="tiny").data_quality() == files_dataset.data_quality()


def test_source_file_and_sql_options_read_the_same_rows(loaded, capsys, tmp_path, monkeypatch):
    """A YAML source file (url, schema, queries) and --events-sql give the files' JSON; the query
    renames the columns of a table whose names differ, so it is the query that was read."""
    loaded.execute(
        "DROP SCHEMA IF EXISTS renamed CASCADE", "CREATE SCHEMA renamed",
        "CREATE TABLE renamed.clicks AS SELECT user_id AS uid, event AS name, timestamp AS at FROM tiny.events",
    )
    query = 'SELECT uid AS user_id, name AS event, at AS "timestamp" FROM renamed.clicks'
    _, from_files, _ = run_cli(capsys, "metrics", TINY, "--spec", TINY_SPEC, "--format", "json")
    status, with_option, err = run_cli(capsys, "metrics", loaded.url(), "--schema", "tiny", "--events-sql", query,
                                       "--spec", TINY_SPEC, "--format", "json")
    assert status == 0, err
    assert with_option == from_files
    source_file = tmp_path / "source.yaml"
    source_file.write_text(
        f"url: postgresql://{USER}:${{PQLKIT_TEST_PG_PASSWORD}}@127.0.0.1:{loaded.port}/postgres\n"
        f"schema: tiny\nqueries:\n  events: '{query}'\n"
    )
    monkeypatch.setenv("PQLKIT_TEST_PG_PASSWORD", PASSWORD)
    status, from_file, err = run_cli(capsys, "metrics", source_file, "--spec", TINY_SPEC, "--format", "json")
    assert status == 0, err
    assert from_file == from_files


# --- types: timestamptz, timestamp without zone, date, bigint and text ids ------------------------------


@pytest.fixture(scope="module")
def typed(postgres) -> str:
    """Schema ``typed``: bigint ids, timestamptz signups, naive timestamps, a date payment."""
    postgres.execute(
        "DROP SCHEMA IF EXISTS typed CASCADE", "CREATE SCHEMA typed",
        "CREATE TABLE typed.users (user_id bigint, signup_at timestamptz)",
        "INSERT INTO typed.users VALUES (7, '2026-01-05 10:00:00+02'), (8, '2026-01-05 08:00:00+00')",
        'CREATE TABLE typed.events (user_id bigint, event text, "timestamp" timestamp without time zone)',
        "INSERT INTO typed.events VALUES (7, 'created_project', '2026-01-05 09:00:00'), "
        "(7, 'created_project', '2026-01-05 07:30:00'), (8, 'created_project', '2026-01-06 08:00:00')",
        "CREATE TABLE typed.conversions (user_id bigint, paid_at date)",
        "INSERT INTO typed.conversions VALUES (8, '2026-01-06')",
        "DROP SCHEMA IF EXISTS textids CASCADE", "CREATE SCHEMA textids",
        "CREATE TABLE textids.users (user_id text, signup_at text)",
        "INSERT INTO textids.users VALUES ('007', '2026-01-05T08:00:00Z')",
        'CREATE TABLE textids.events (user_id text, event text, "timestamp" text)',
        "INSERT INTO textids.events VALUES ('007', 'created_project', '2026-01-05T09:00:00+01:00'), "
        "('7', 'created_project', '2026-01-05T09:00:00Z')",
    )
    return postgres.url()


def test_column_types_are_what_the_test_claims(postgres, typed):
    """The typed tables hold bigint, timestamptz, naive timestamp and date columns (so the next
    tests exercise those types, not text)."""
    types = dict(postgres.rows(
        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns WHERE table_schema = 'typed'"
    ))
    assert types == {
        "users.user_id": "bigint", "users.signup_at": "timestamp with time zone",
        "events.user_id": "bigint", "events.event": "text", "events.timestamp": "timestamp without time zone",
        "conversions.user_id": "bigint", "conversions.paid_at": "date",
    }


def test_typed_columns_follow_the_file_rules(typed):
    """Hand-worked, one step ``created_project``:

    - user 7 signs up at 10:00+02 = 08:00 UTC. Its events are naive timestamps, taken as UTC:
      09:00 is one hour after signup (used, PQL after 1/24 day); 07:30 is before signup. Read as
      local +02 instead, 09:00 would be 07:00 UTC and before signup too.
    - user 8 signs up at 08:00 UTC and creates a project on 2026-01-06 08:00: PQL after 1 day. It
      paid on the date 2026-01-06 (midnight UTC), before its PQL: paid_before_pql = 1.
    - bigint ids come as their digits: entities "7" and "8". as_of defaults to the latest
      timestamp: 2026-01-06 08:00 UTC.
    """
    spec = pk.ActivationSpec.from_dict({"steps": [{"name": "created_project", "event": "created_project"}]})
    entities, context = pk.entity_table(typed + "?schema=typed", spec)
    dataset = context.dataset
    assert context.as_of == pd.Timestamp("2026-01-06T08:00:00Z")
    table = entities.set_index("entity_id")
    assert sorted(table.index) == ["7", "8"]
    assert table.loc["7", "signup_at"] == pd.Timestamp("2026-01-05T08:00:00Z")
    assert table.loc["7", "time_to_pql_days"] == pytest.approx(1 / 24)
    assert table.loc["8", "time_to_pql_days"] == pytest.approx(1.0)
    assert table.loc["8", "paid_at"] == pd.Timestamp("2026-01-06T00:00:00Z")
    quality = dataset.data_quality()
    assert quality["events"]["used"] == 2 and quality["events"]["dropped"]["before_signup"] == 1
    result = pk.summary(entities, context=context)
    assert (result["raw_pqls"], result["paid_before_pql"], result["paid_pqls"]) == (2, 1, 0)


def test_text_ids_keep_their_zeros(typed):
    """Hand-worked: a text ``user_id`` '007' stays '007', so the event of '7' matches no user
    (unknown_user) and the one of '007', at 09:00+01 = 08:00 UTC, is its signup instant: a PQL
    after 0 days."""
    spec = pk.ActivationSpec.from_dict({"steps": [{"name": "created_project", "event": "created_project"}]})
    entities, context = pk.entity_table(DatabaseSource(typed, schema="textids"), spec)
    assert list(entities["entity_id"]) == ["007"]
    assert entities["time_to_pql_days"].tolist() == [0.0]
    assert context.dataset.data_quality()["events"]["dropped"]["unknown_user"] == 1


# --- bad input: one line, the source named, the password never shown -----------------------------------


def _bad_inputs(server: Server) -> list:
    closed = _free_port()
    return [
        (["metrics", server.url(port=closed)], r"cannot connect: .*Connection refused"),
        (["metrics", server.url(password="wrong-pw")], r"cannot connect: .*password authentication failed"),
        (["metrics", server.url(database="nosuchdb")], r'cannot connect: .*database "nosuchdb" does not exist'),
        (["metrics", server.url(), "--schema", "nosuch"], r"schema 'nosuch' not found; schemas there: .*public"),
        (["metrics", server.url(), "--schema", "onlyevents"], r"no users table in schema 'onlyevents' \(tables there: events\)"),
        (["metrics", server.url(), "--schema", "nocolumn"], r"\(table nocolumn\.events\): missing required column 'event'"),
        (["metrics", server.url(), "--schema", "tiny", "--events-sql", "SELECT 1/0 AS x"],
         r"the events query failed: division by zero"),
        (["metrics", server.url(), "--schema", "tiny", "--users-sql", "SELEC 1"],
         r'the users query failed: syntax error at or near "SELEC"'),
        (["validate", server.url(), "--schema", "tiny", "--events-format", "mixpanel"],
         r"\(table tiny\.events\): --events-format mixpanel needs the field 'properties'"),
        (["metrics", TINY, "--schema", "tiny"], r"a schema or SQL queries need a database source"),
    ]


@pytest.fixture(scope="module")
def broken_schemas(loaded) -> Server:
    loaded.execute(
        "DROP SCHEMA IF EXISTS onlyevents CASCADE", "CREATE SCHEMA onlyevents",
        "CREATE TABLE onlyevents.events AS SELECT * FROM tiny.events",
        "DROP SCHEMA IF EXISTS nocolumn CASCADE", "CREATE SCHEMA nocolumn",
        "CREATE TABLE nocolumn.users AS SELECT * FROM tiny.users",
        "CREATE TABLE nocolumn.events AS SELECT user_id, timestamp FROM tiny.events",
    )
    return loaded


def test_bad_input_is_one_line_without_the_password(broken_schemas, capsys):
    """Wrong host, password or database, a missing schema, table or column, a failing query: exit
    2, one line naming the source (password masked) and what to do, and no password anywhere."""
    import re

    for args, expected in _bad_inputs(broken_schemas):
        spec = ["--spec", TINY_SPEC] if args[0] == "metrics" else []
        status, out, err = run_cli(capsys, *args, *spec)
        assert status == 2, (args, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pqlkit: error: "), err
        assert re.search(expected, lines[0]), (expected, lines[0])
        assert PASSWORD not in out + err and "wrong-pw" not in out + err
        if str(args[1]).startswith("postgresql://"):
            assert "pqlkit:***@127.0.0.1" in lines[0]


def test_exception_text_hides_the_password(postgres):
    """The exception itself (for API users) carries the masked URL, not the password."""
    with pytest.raises(pk.DataError) as caught:
        pk.load(postgres.url(password="s3cr3t-pw-wrong"))
    assert "s3cr3t-pw" not in str(caught.value) and "***" in str(caught.value)
    assert "s3cr3t-pw" not in repr(DatabaseSource(postgres.url()))


def test_password_from_the_environment(loaded, monkeypatch):
    """A URL without a password logs in with PGPASSWORD (libpq's variable), the recommended way."""
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    dataset = pk.load(loaded.url(password=None) + "?schema=tiny")
    assert dataset.data_quality() == pk.load(TINY).data_quality()


# --- results back into the database ------------------------------------------------------------------


def test_export_writes_entities_and_current_pqls(loaded, capsys):
    """`pqlkit export` writes the per-entity table and the current-PQL list (mode replace: twice
    gives the same rows, not double). Their row counts are the JSON summary's ``entities``,
    ``raw_pqls`` and ``current_pqls``, counted by metrics from the files."""
    _, out, _ = run_cli(capsys, "metrics", SAMPLE, "--spec", SAMPLE_SPEC, "--format", "json")
    expected = json.loads(out)
    for _ in range(2):
        status, out, err = run_cli(capsys, "export", loaded.url(), "--schema", "sample", "--spec", SAMPLE_SPEC,
                                   "--to", loaded.url(), "--to-schema", "results")
        assert status == 0, err
        assert PASSWORD not in out
    assert loaded.rows("SELECT count(*) FROM results.pqlkit_entities")[0][0] == expected["entities"]
    assert loaded.rows("SELECT count(*) FROM results.pqlkit_entities WHERE is_pql")[0][0] == expected["raw_pqls"]
    priorities = [row[0] for row in loaded.rows("SELECT priority FROM results.pqlkit_current_pqls ORDER BY priority")]
    assert priorities == list(range(1, expected["current_pqls"] + 1))
    kinds = dict(loaded.rows("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'results' AND table_name = 'pqlkit_entities'"))
    assert kinds["signup_at"] == "timestamp with time zone" and kinds["entity_id"] == "text"


# --- pieces without a server ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, masked",
    [
        ("postgresql://analyst:s3cr3t-pw@db:5432/product", "postgresql://analyst:***@db:5432/product"),
        ("postgresql://analyst@db/product?password=s3cr3t-pw&sslmode=require",
         "postgresql://analyst@db/product?password=***&sslmode=require"),
        ("postgresql://analyst@db/product", "postgresql://analyst@db/product"),
    ],
)
def test_mask_url(url, masked):
    """The password is masked in the authority and as a libpq ``password`` parameter."""
    assert mask_url(url) == masked


def test_url_parameters_and_notebook_source(monkeypatch):
    """pqlkit's URL parameters (schema, *_sql) are taken out before connecting; the notebook
    string carries them back without the password, which goes to the kernels' PGPASSWORD only
    (kernel_environment), never to this process's environment."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    source = database_source("postgresql://a:s3cr3t-pw@db:5432/p?sslmode=disable&schema=analytics",
                             sql={"events": "SELECT 1"})
    assert source.url == "postgresql://a:s3cr3t-pw@db:5432/p?sslmode=disable"
    assert (source.schema, dict(source.queries)) == ("analytics", {"events": "SELECT 1"})
    text = notebook_source(source)
    assert PASSWORD not in text and "PGPASSWORD" not in os.environ
    assert kernel_environment(source) == {"PGPASSWORD": PASSWORD}
    assert kernel_environment(database_source("postgresql://a@db/p")) == {}
    again = database_source(text)
    assert (again.url, again.schema, dict(again.queries)) == ("postgresql://a@db:5432/p?sslmode=disable",
                                                              "analytics", {"events": "SELECT 1"})
    assert pk.resolve_path(text) == text
    # Other libpq parameters pass through as written (libpq decodes %20, not +).
    options = "postgresql://a@db/p?options=-c%20search_path%3Danalytics&schema=s"
    assert database_source(options).url == "postgresql://a@db/p?options=-c%20search_path%3Danalytics"
    assert database_source("postgresql://a@db/p?options=-c%20x").url == "postgresql://a@db/p?options=-c%20x"


@pytest.mark.parametrize(
    "content, message",
    [
        ("schema: x\n", "a YAML mapping with a 'url' key"),
        ("url: postgresql://a@b/c\nwarehouse: x\n", r"unknown keys \['warehouse'\]"),
        ("url: mysql://a@b/c\n", "'url' must start with one of"),
        ("url: postgresql://a:${PQLKIT_UNSET_VARIABLE}@b/c\n", r"\$\{PQLKIT_UNSET_VARIABLE\}, which is not set"),
        ("url: postgresql://a@b/c\nqueries:\n  sessions: SELECT 1\n", r"unknown table names in queries: \['sessions'\]"),
    ],
)
def test_source_file_errors(tmp_path, content, message):
    path = tmp_path / "source.yaml"
    path.write_text(content)
    with pytest.raises(pk.DataError, match=message):
        read_source_file(path)


class _StopBeforeNotebooks(Exception):
    pass


def test_report_leaves_no_password_in_the_environment(loaded, monkeypatch, tmp_path):
    """Issue 22: after a report on a URL with a password, PGPASSWORD is not left in os.environ (every
    notebook kernel started later would inherit it); the report's kernels get it in their own
    environment. The notebooks are replaced by a stand-in that records what they would get."""
    from pqlkit.report import run

    monkeypatch.delenv("PGPASSWORD", raising=False)
    seen = {}

    def record(paths, targets, *, environment=None, **kwargs):
        seen.update(os_environ=os.environ.get("PGPASSWORD"), kernels=dict(environment or {}))
        raise _StopBeforeNotebooks

    monkeypatch.setattr(run, "_execute_all", record)
    with pytest.raises(_StopBeforeNotebooks):
        run.run_report(loaded.url() + "?schema=tiny", TINY_SPEC, out=tmp_path / "report", progress=False)
    assert seen == {"os_environ": None, "kernels": {"PGPASSWORD": PASSWORD}}
    assert "PGPASSWORD" not in os.environ


def test_report_from_the_database(loaded, capsys, tmp_path):
    """`pqlkit report postgresql://... --schema tiny` runs every notebook on the database (their
    data_dir is the URL without its password); the headline numbers the metrics notebook records
    are the files' JSON summary, and the password is in no file of the report."""
    import subprocess
    import sys

    _, out, _ = run_cli(capsys, "metrics", TINY, "--spec", TINY_SPEC, "--format", "json")
    expected = json.loads(out)
    report = tmp_path / "report"
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    done = subprocess.run(
        [sys.executable, "-m", "pqlkit.cli", "report", loaded.url(), "--schema", "tiny", "--spec", str(TINY_SPEC),
         "--out", str(report), "--no-progress"],
        capture_output=True, text=True, env=env, timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert PASSWORD not in done.stdout + done.stderr
    recorded = json.loads((report / "data" / "02_pql_metrics.json").read_text())
    for key in ("as_of", "entities", "raw_pqls", "current_pqls", "pql_rate", "step_completion"):
        assert recorded[key] == expected[key], key
    leaks = [p for p in report.rglob("*") if p.is_file() and PASSWORD.encode() in p.read_bytes()]
    assert leaks == []
    assert f"postgresql://{USER}@127.0.0.1:{loaded.port}/postgres?schema=tiny" in (
        report / "notebooks" / "02_pql_metrics.ipynb").read_text()


def _page_table(executed, source_start: str) -> tuple[pd.DataFrame, str]:
    """The table a notebook cell shows (its first HTML output), as text cells under their headers, and
    the cell's Markdown outputs joined."""
    import re

    cell = next(c for c in executed.cells if c.cell_type == "code" and c.source.startswith(source_start))
    html = next(o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {}))
    text = "\n".join(o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {}))
    headers = dict(re.findall(r'<th class="col_heading level0 col(\d+)" ><div[^>]*>(.*?)</div></th>', html))
    cells = re.findall(r'<td id="T_\w+_row(\d+)_col(\d+)"[^>]*><div[^>]*>(.*?)</div></td>', html)
    rows: dict[int, dict[str, str]] = {}
    for row, col, value in cells:
        rows.setdefault(int(row), {})[headers[col]] = value
    return pd.DataFrame([rows[i] for i in sorted(rows)]), text


def test_one_lead_list_everywhere(loaded, capsys, tmp_path):
    """Issue 22: the playbook page, the CRM CSV, `pqlkit export`'s table and the API list the same
    leads in the same order, entity by entity, with the same chance of paying.

    - the page: notebook 05 run on the sample copied to PostgreSQL (its default parameters); its
      sales table (the first 15 leads and their chance of paying) and the sentence under it;
    - the CSV: the current_pqls_for_crm.csv that run wrote, read back with the csv module;
    - the table: what `pqlkit export` wrote from the same schema, read back by SQL in priority order;
    - the API: pk.lead_list with pk.pay_score on the sample's files.

    The leads are the current PQLs, as many as the JSON summary counts; the score orders the sample's
    list (it beat the rule on later cohorts), and that order is not the rule's, so a path that kept
    the rule would fail. Without the score (`--no-score`), the table is pk.current_pqls's order.
    """
    import csv

    from pqlkit.report.run import execute_notebook, kernel_name

    _, out, _ = run_cli(capsys, "metrics", SAMPLE, "--spec", SAMPLE_SPEC, "--format", "json")
    current = json.loads(out)["current_pqls"]
    url = loaded.url() + "?schema=sample"
    notebook = ROOT / "notebooks" / "05_gtm_playbook.ipynb"
    executed = execute_notebook(notebook, tmp_path / notebook.name, kernel=kernel_name(), cwd=notebook.parent,
                                progress=False, label=notebook.name,
                                parameters={"data_dir": url, "spec_path": str(SAMPLE_SPEC),
                                            "output_dir": str(tmp_path / "out")})
    page, sentence = _page_table(executed, "leads = pk.lead_list")
    with open(tmp_path / "out" / "current_pqls_for_crm.csv", newline="", encoding="utf-8") as handle:
        crm = list(csv.DictReader(handle))
    for flag, table in (([], "lead_list"), (["--no-score"], "rule_list")):
        status, _, err = run_cli(capsys, "export", loaded.url(), "--schema", "sample", "--spec", SAMPLE_SPEC,
                                 "--to", loaded.url(), "--to-schema", "results", "--pqls-table", table, *flag)
        assert status == 0, err
    database = loaded.rows("SELECT entity_id, pay_probability, order_reason FROM results.lead_list ORDER BY priority")
    rule = [row[0] for row in loaded.rows("SELECT entity_id FROM results.rule_list ORDER BY priority")]
    entities, ctx = pk.entity_table(SAMPLE, SAMPLE_SPEC)
    api = pk.lead_list(entities, context=ctx, score=pk.pay_score(entities, context=ctx))

    ids = api["entity_id"].tolist()
    assert len(ids) == current and set(ids) == set(pk.current_pqls(entities, context=ctx)["entity_id"])
    assert [row["entity_id"] for row in crm] == ids
    assert [row[0] for row in database] == ids
    assert page["Entity ID"].tolist() == ids[:15]
    assert f"priority 1 is {ids[0]} (" in sentence
    # The chance of paying: the page's percentages, the CSV's 4 decimals and the table's doubles.
    shown = [f"{100 * p:.1f}%" for p in api["pay_probability"].head(15)]
    assert page[next(h for h in page.columns if h.startswith("Chance of paying"))].tolist() == shown
    assert [float(row["pay_probability"]) for row in crm] == pytest.approx(api["pay_probability"].tolist(), abs=5e-5)
    assert [row[1] for row in database] == pytest.approx(api["pay_probability"].tolist(), rel=1e-9)
    assert {row[2] for row in database} == {row["order_reason"] for row in crm} == set(api["order_reason"])
    assert api["order_reason"].iloc[0].startswith("score: the chance of paying")
    # Without the score: the rule, which is pk.current_pqls's order, and not the score's.
    assert rule == pk.current_pqls(entities, context=ctx)["entity_id"].tolist() != ids


# --- an export's events in the database: identity merges and group calls ------------------------------


def test_posthog_events_table_is_read_with_merges_and_groups(postgres):
    """PostHog's batch export to PostgreSQL writes the events model (uuid, event, distinct_id, properties as
    JSON text, timestamp): read from there with --stitch-identities and --account-group organization, the
    posthog_groups rows give what the files give (tests/io/test_groups.py, by hand: 2 accounts, 1 PQL; users
    used 2, no_account 1; events used 10, unknown_user 1, no_account 1)."""
    from pqlkit.io.exports import ExportSource

    folder = ROOT / "tests" / "data" / "exports" / "posthog_groups"
    events = pd.read_json(folder / "events.jsonl", lines=True, dtype=False)
    events["properties"] = [json.dumps(p) for p in events["properties"]]
    write_tables(postgres.url(), {"users": pd.read_csv(folder / "users.csv", dtype=str), "events": events},
                 schema="posthog")
    spec = folder / "spec.yaml"
    source = ExportSource(database_source(postgres.url(), schema="posthog"), stitch_identities=True,
                          account_group="organization")
    entities, context = pk.entity_table(source, spec)
    files, _ = pk.entity_table(ExportSource(folder, stitch_identities=True, account_group="organization"), spec)
    assert sorted(entities["entity_id"]) == sorted(files["entity_id"]) and int(entities["is_pql"].sum()) == 1
    quality = context.dataset.data_quality()
    assert (quality["users"]["used"], quality["users"]["dropped"]["no_account"]) == (2, 1)
    assert {k: v for k, v in quality["events"]["dropped"].items() if v} == {"unknown_user": 1, "no_account": 1}
    assert quality["events"]["used"] == 10 and context.dataset.identity_merges == 2
