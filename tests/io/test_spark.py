"""The Spark engine gives the same per-entity table and ledger as DuckDB, and refuses the same CSV files.

One SQL text (DuckDB's dialect) runs on both; Spark gets it transpiled by sqlglot. The expected
values here are DuckDB's answers, which the rest of the suite derives by hand; this file checks the
two engines agree on the bundled sample (user and account level, a past as_of) and on hand-worked
datasets covering every rule: each drop reason and its precedence, time zones, windows, min_count,
min_users with and without an event, the threshold, account roll-up, payments before and after PQL.
A local Spark session (``local[2]``) is started once; without Java the tests are skipped.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import pqlkit as pk
from pqlkit.io.engines import DuckDBEngine
from helpers import DAY, T0, conversions, events, users

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")


def both_engines(source, spec, spark_engine, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pk.PqlkitWarning)
        duck, duck_ds = pk.entity_table(source, spec, **options)
        spark, spark_ds = pk.entity_table(source, spec, engine=spark_engine, **options)
    pd.testing.assert_frame_equal(spark, duck, check_dtype=False)
    pd.testing.assert_frame_equal(spark_ds.ledger, duck_ds.ledger)
    assert spark_ds.as_of == duck_ds.as_of
    return duck, duck_ds


@pytest.mark.parametrize(
    "options",
    [pytest.param({}, id="user"), pytest.param({"level": "account"}, id="account"),
     pytest.param({"as_of": "2026-04-30"}, id="past-as-of")],
)
def test_sample_data_gives_identical_tables(spark_engine, options):
    entities, dataset = both_engines(ROOT / "data" / "sample", ROOT / "data" / "activation.yaml", spark_engine, **options)
    # The sample is dirty on purpose: make sure the comparison covered dropped rows of several kinds.
    dropped = dataset.ledger.query("reason != 'used' and rows > 0")
    assert len(dropped) >= 4 and len(entities) > 100


def test_a_dataset_given_as_a_uri(spark_engine):
    """Cluster paths (s3a://, hdfs://, file://) are read by Spark itself: the sample as a file:// URI."""
    uri = (ROOT / "data" / "sample").as_uri()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pk.PqlkitWarning)
        spark, context = pk.entity_table(uri, ROOT / "data" / "activation.yaml", engine=spark_engine)
        duck, _ = pk.entity_table(ROOT / "data" / "sample", ROOT / "data" / "activation.yaml")
    pd.testing.assert_frame_equal(spark, duck, check_dtype=False)
    assert context.dataset.sources["events"] == f"{uri}/events.csv.gz"


def write(folder: Path, frames: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


ACCOUNT_COLUMNS = ("user_id", "signup_at", "account_id", "channel")
CASES = {
    # Every drop reason, in precedence order (see tests/core/test_loading.py for the derivation).
    "reasons": ({
        "users": users([("u1", T0, "A", "x"), ("u2", T0 + 20 * DAY, "A", "y"), ("", T0, "B", "z"), ("u3", "bad", "B", "z"),
                        ("u1", T0 + DAY, "A", "x"), ("u4", T0, None, "x")], columns=ACCOUNT_COLUMNS),
        "events": events([
            ("u1", "a", T0 + DAY), ("", "a", "bad"), ("u1", "", T0 + DAY), ("u9", "a", "not a time"),
            ("u1", "a", T0 + DAY), ("u9", "a", T0 + 2 * DAY), ("u9", "a", T0 + 2 * DAY), ("u1", "a", T0 - DAY),
            ("u2", "a", T0 + 15 * DAY), ("u1", "b", T0 + 12 * DAY), ("u2", "a", T0 + 25 * DAY), ("u4", "a", T0 + DAY),
        ]),
        "conversions": conversions([("u1", T0 + 3 * DAY), (None, T0), ("u1", "soon"), ("u9", T0), ("u4", T0 + DAY)]),
    }, {"as_of": T0 + 10 * DAY}),
    # Time zones, naive times, offsets and epoch seconds.
    "time-zones": ({
        "users": users([("u1", "2026-01-05T00:00:00Z"), ("u2", "2026-01-05T00:00:00+05:30")]),
        "events": events([("u1", "a", "2026-01-05T01:00:00+02:00"), ("u1", "a", "2026-01-05T01:00:00"),
                          ("u1", "b", "2026-01-05T03:00:00-05:00"), ("u2", "a", "1767576600"),
                          ("u2", "b", "2026-01-04 20:00:00")]),
    }, {}),
    # Windows, min_count, and an event id column with and without values.
    "duplicates-by-id": ({
        "users": users([("u1", T0), ("u2", T0)]),
        "events": events([("e1", "u1", "a", T0 + DAY), ("e1", "u1", "a", T0 + 2 * DAY), (None, "u1", "b", T0 + DAY),
                          (None, "u1", "b", T0 + DAY), ("e2", "u2", "a", T0 + 8 * DAY), ("e3", "u2", "b", T0 + 3 * DAY)],
                         columns=("event_id", "user_id", "event", "timestamp")),
    }, {}),
}
SPECS = {
    "two-steps": {"steps": [{"name": "sa", "event": "a"}, {"name": "sb", "event": "b", "min_count": 2}],
                  "threshold": 0.5, "window_days": 7},
    "account-steps": {"level": "account", "threshold": 0.75, "steps": [
        {"name": "sa", "event": "a", "within_days": 3}, {"name": "sb", "event": "b"},
        {"name": "a_by_two", "event": "a", "min_users": 2}, {"name": "team_of_two", "min_users": 2}]},
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("spec_name", list(SPECS))
def test_hand_worked_cases_give_identical_tables(spark_engine, tmp_path, case, spec_name):
    frames, options = CASES[case]
    raw_spec = SPECS[spec_name]
    if raw_spec.get("level") == "account" and "account_id" not in frames["users"]:
        frames = {**frames, "users": frames["users"].assign(account_id=["A"] * len(frames["users"]))}
    spec = pk.ActivationSpec.from_dict(raw_spec)
    both_engines(write(tmp_path / case, frames), spec, spark_engine, **options)


def test_the_cli_runs_on_spark(spark_engine, capsys):
    """--engine spark through the command line prints the same JSON object as DuckDB."""
    from pqlkit.cli import main
    import json

    args = ["metrics", str(ROOT / "data" / "sample"), "--spec", str(ROOT / "data" / "activation.yaml"), "--format", "json"]
    assert main(args) == 0
    duck = json.loads(capsys.readouterr().out)
    assert main([*args, "--engine", "spark"]) == 0
    assert json.loads(capsys.readouterr().out) == duck


# --- one parsing rule for CSV on both engines ----------------------------------------------------

USERS_CSV = "user_id,signup_at\nu1,2026-01-05T00:00:00Z\nu2,2026-01-05T00:00:00Z\n"
GOOD_EVENTS = "u1,a,2026-01-06T00:00:00Z\n"
MALFORMED = {
    # name: (events.csv text, what the DuckDB reader says, what Spark says of the same file on the cluster)
    "too-many-fields": ("user_id,event,timestamp\n" + GOOD_EVENTS + "u2,a,2026-01-06T00:00:00Z,extra\n",
                        "4 fields where the header has 3", "4 fields where the header has 3"),
    "too-few-fields": ("user_id,event,timestamp\n" + GOOD_EVENTS + "u2,a\n",
                       "2 fields where the header has 3", "2 fields where the header has 3"),
    "unterminated-quote": ("user_id,event,timestamp\n" + GOOD_EVENTS + 'u2,"a,2026-01-06T00:00:00Z\n' + GOOD_EVENTS,
                           'a quoted value (") is never closed', 'a quoted value (") is never closed'),
}
WELL_FORMED = {
    # Each reads as the same rows on both engines; the counts are by hand from the text.
    "quoted-line-break": ('user_id,event,timestamp,note\nu1,a,2026-01-06T00:00:00Z,"two\nlines"\n'
                          'u1,b,2026-01-06T01:00:00Z,"a ""quote"", a comma"\n', 2),
    "bare-carriage-returns": ("user_id,event,timestamp\ru1,a,2026-01-06T00:00:00Z\ru2,b,2026-01-06T00:00:00Z\r", 2),
    "byte-order-mark": ("\ufeffuser_id,event,timestamp\r\nu1,a,2026-01-06T00:00:00Z\r\nu2,a,2026-01-06T00:00:00Z\r\n", 2),
    "empty-cells": ("user_id,event,timestamp\nu1,,2026-01-06T00:00:00Z\n,a,2026-01-06T00:00:00Z\nu2,a,\n"
                    "u1,a,2026-01-06T00:00:00Z\n", 4),
}
TWO_STEPS = {"steps": [{"name": "sa", "event": "a"}, {"name": "sb", "event": "b"}], "threshold": 0.5}


def csv_dataset(folder: Path, events_text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "users.csv").write_text(USERS_CSV, encoding="utf-8")
    (folder / "events.csv").write_bytes(events_text.encode("utf-8"))
    return folder


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_csv_gives_the_same_error_on_both_engines(spark_engine, tmp_path, case):
    """DuckDB refuses the file with one line; Spark, whose PERMISSIVE mode would make the row nulls, refuses
    it with the same line (a local file goes through the DuckDB reader first)."""
    text, duckdb_says, _ = MALFORMED[case]
    folder = csv_dataset(tmp_path / case, text)
    spec = pk.ActivationSpec.from_dict(TWO_STEPS)
    with pytest.raises(pk.DataError) as duck:
        pk.entity_table(folder, spec)
    with pytest.raises(pk.DataError) as spark:
        pk.entity_table(folder, spec, engine=spark_engine)
    assert duckdb_says in str(duck.value) and str(folder / "events.csv") in str(duck.value)
    assert str(spark.value) == str(duck.value)


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_csv_on_the_cluster_is_refused_not_nulled(spark_engine, tmp_path, case):
    """The same files as a file:// URI, read by Spark alone: refused in the DuckDB reader's words, naming the
    row (Spark does not know its line number)."""
    text, _, spark_says = MALFORMED[case]
    folder = csv_dataset(tmp_path / case, text)
    with pytest.raises(pk.DataError, match=re.escape(spark_says)) as error:
        pk.entity_table(folder.as_uri(), pk.ActivationSpec.from_dict(TWO_STEPS), engine=spark_engine)
    assert str(error.value).startswith(f"{folder.as_uri()}/events.csv: ")
    assert "the row starting 'u2," in str(error.value)


@pytest.mark.parametrize("case", list(WELL_FORMED))
def test_well_formed_csv_variants_give_the_same_table_and_ledger(spark_engine, tmp_path, case):
    text, rows = WELL_FORMED[case]
    folder = csv_dataset(tmp_path / case, text)
    _, dataset = both_engines(folder, pk.ActivationSpec.from_dict(TWO_STEPS), spark_engine)
    ledger = dataset.ledger.query("table == 'events'")
    assert ledger.query("reason != 'used'")["rows"].sum() + ledger.query("reason == 'used'")["rows"].sum() == rows
    if case not in ("quoted-line-break", "byte-order-mark"):
        return
    # The same file on the cluster (Spark reads the header itself): the same table.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pk.PqlkitWarning)
        spark_uri, _ = pk.entity_table(folder.as_uri(), pk.ActivationSpec.from_dict(TWO_STEPS), engine=spark_engine)
    duck, _ = pk.entity_table(folder, pk.ActivationSpec.from_dict(TWO_STEPS))
    pd.testing.assert_frame_equal(spark_uri, duck, check_dtype=False)


# --- the notebooks' queries over the events, through the engine --------------------------------------


@pytest.fixture(scope="module")
def sample_on_both(spark_engine):
    """The sample reduced on DuckDB and on Spark: ((entities, context) on DuckDB, the same on Spark)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pk.PqlkitWarning)
        duck = pk.entity_table(ROOT / "data" / "sample", ROOT / "data" / "activation.yaml")
        spark = pk.entity_table(ROOT / "data" / "sample", ROOT / "data" / "activation.yaml", engine=spark_engine)
    return duck, spark


def _notebook_aggregates(entities, context) -> dict:
    """What notebooks 01 to 05 read from the events, each as the notebook calls it."""
    from pqlkit import cohorts, explore, pricing, scoring

    score = scoring.pay_score(entities, context=context, within_days=30, min_payers=25)
    return {
        "catalogue": explore.event_catalogue(context.dataset),
        "candidates": explore.rank_candidate_steps(context.dataset, spec=context.spec, min_counts=(1, 3),
                                                   within_days=context.trial_days),
        "levels": explore.compare_levels(ROOT / "data" / "sample", ROOT / "data" / "activation.yaml",
                                         current=(entities, context)),
        "current_over_time": cohorts.current_pqls_over_time(entities, context=context),
        "plans": pricing.conversion_by_plan(entities, context=context, by_day=30),
        "price_points": pricing.conversion_by_price_point(entities, context=context, by_day=30),
        "revenue_at_stake": pricing.revenue_at_stake(entities, context=context, horizon_days=30),
        "backtest": pricing.revenue_backtest(entities, context=context, horizon_days=30, dates=6),
        "score": pd.DataFrame([score.validation()]),
        "score_rows": score.rows,
        "leads": pk.lead_list(entities, context=context, score=score),
    }


def test_every_aggregate_a_notebook_reads_from_the_events_is_the_same_on_spark(sample_on_both):
    """The event catalogue, the candidate steps, the other level (loaded again on Spark), current PQLs over
    time, payments by plan and price point, revenue at stake and its backtest, the score's snapshots,
    features and validation, and the lead list: DuckDB's results (derived by hand in tests/analyses and
    tests/scoring) on Spark, floats within 1e-9 of their size (Spark adds in partition order)."""
    (duck_entities, duck_context), (spark_entities, spark_context) = sample_on_both
    assert spark_context.dataset.engine.name == "spark"
    duck = _notebook_aggregates(duck_entities, duck_context)
    spark = _notebook_aggregates(spark_entities, spark_context)
    for name, table in duck.items():
        assert len(table) > 0, name  # each table has rows on the sample: the comparison is not vacuous
        pd.testing.assert_frame_equal(spark[name], table, check_dtype=False, check_exact=False, rtol=1e-9, atol=0,
                                      obj=name)
    assert duck["levels"]["available"].all()  # the account level was loaded again, on each engine


@pytest.mark.parametrize("engine_name", ["duckdb", "spark"])
def test_epoch_functions_read_the_same_on_both_engines(spark_engine, engine_name):
    """One day after 1970-01-01 UTC is 86,400 s = 86,400,000,000 µs = 86,400,000,000,000 ns; Spark has no
    epoch_us or epoch_ns, and gets unix_micros (times 1000 for nanoseconds)."""
    engine = spark_engine if engine_name == "spark" else DuckDBEngine()
    rows = engine.rows("SELECT epoch_us(TIMESTAMPTZ '1970-01-02 00:00:00+00'), epoch_ns(TIMESTAMPTZ '1970-01-02 00:00:00+00')")
    assert rows == [(86_400_000_000, 86_400_000_000_000)]


@pytest.mark.parametrize("engine_name", ["duckdb", "spark"])
def test_a_registered_frame_is_cut_within_the_block_and_whole_after(spark_engine, engine_name):
    """Rows x = 1, 2, 3: within ``rows_where({"t": "x >= 2"})`` the table holds 2 and 3 (sum 5), a view over
    it too; after the block, all three (sum 6) again, also after an error inside; a name that is not a
    table is skipped."""
    engine = spark_engine if engine_name == "spark" else DuckDBEngine()
    engine.register("t_cut", pd.DataFrame({"x": [1, 2, 3]}))
    engine.view("t_over", "SELECT x * 10 AS y FROM t_cut")
    try:
        with engine.rows_where({"t_cut": "x >= 2", "no_such_table": "TRUE"}):
            assert engine.rows("SELECT count(*), sum(x) FROM t_cut") == [(2, 5)]
        with pytest.raises(ZeroDivisionError), engine.rows_where({"t_cut": "x >= 3"}):
            1 / 0
        assert engine.rows("SELECT count(*), sum(x) FROM t_cut") == [(3, 6)]
        assert engine.has_table("t_cut") and not engine.has_table("no_such_table")
    finally:
        engine.drop("t_over")
        engine.unregister("t_cut")
    assert not engine.has_table("t_cut")


def test_a_new_spark_session_has_tables_of_its_own(spark_engine):
    """A view made in a new session is not seen by the first, and the reverse (compare_levels loads the
    other level in one, so the notebook's tables stay as they were)."""
    other = spark_engine.new_session()
    spark_engine.register("only_here", pd.DataFrame({"x": [1]}))
    other.register("only_there", pd.DataFrame({"x": [1, 2]}))
    try:
        assert spark_engine.has_table("only_here") and not spark_engine.has_table("only_there")
        assert other.has_table("only_there") and not other.has_table("only_here")
        assert other.rows("SELECT count(*) FROM only_there") == [(2,)]
    finally:
        spark_engine.unregister("only_here")
        other.unregister("only_there")


def test_a_report_checked_on_spark_is_read_back_on_spark(sample_on_both, tmp_path):
    """The checked dataset a Spark report stores (report/checked.py) is read back by a Spark engine, with
    every clean table's rows: the notebooks' queries then run on Spark too."""
    from pqlkit.report.checked import read_checked, write_checked

    _, (entities, context) = sample_on_both
    counts = {t: context.dataset.engine.rows(f"SELECT count(*) FROM {t}")[0][0] for t in ("users", "events", "conversions")}
    write_checked(entities, context, tmp_path, key="k")
    assert json.loads((tmp_path / "k" / "context.json").read_text())["engine"] == "spark"
    read = read_checked(tmp_path / "k", context.spec, key="k")
    assert read is not None
    read_entities, read_context = read
    assert read_context.dataset.engine.name == "spark"
    assert {t: read_context.dataset.engine.rows(f"SELECT count(*) FROM {t}")[0][0] for t in counts} == counts
    pd.testing.assert_frame_equal(read_entities, entities)
