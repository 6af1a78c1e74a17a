"""The command line: the JSON summary (docs/metrics.md#json-summary), and input mistakes as one line on stderr with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pqlkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
SPEC_KEYS = [
    "as_of", "level", "entities", "raw_pqls", "current_pqls", "pql_rate", "activation_rate_mean",
    "time_to_pql_median_days", "time_to_pql_km_median_days", "stalled_in_trial", "paid_pqls",
    "paid_before_pql", "paid_without_pql", "pql_to_paid_rate", "step_completion", "pqls_over_time",
    "data_quality",
]
SPEC_YAML = "steps:\n  - {name: did_a, event: a}\n"


def write_dataset(folder: Path, *, users="user_id,signup_at\nu1,2026-01-05T00:00:00Z\nu2,2026-01-06T00:00:00Z\n",
                  events="user_id,event,timestamp\nu1,a,2026-01-05T01:00:00Z\nu2,b,2026-01-07T00:00:00Z\n",
                  conversions=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if users is not None:
        (folder / "users.csv").write_text(users)
    if events is not None:
        (folder / "events.csv").write_text(events)
    if conversions is not None:
        (folder / "conversions.csv").write_text(conversions)
    (folder / "spec.yaml").write_text(SPEC_YAML)
    return folder


def test_metrics_json_has_the_contract_keys(tmp_path, capsys):
    """u1 does a (PQL, 1 hour after signup); u2 does b only. 2 entities, 1 PQL, rate 0.5; as_of is the
    latest timestamp (u2's event, 2026-01-07T00:00Z); both signups fall in the week of Monday Jan 5."""
    folder = write_dataset(tmp_path / "ds")
    assert main(["metrics", str(folder), "--spec", str(folder / "spec.yaml"), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result)[: len(SPEC_KEYS)] == SPEC_KEYS
    assert result["as_of"] == "2026-01-07T00:00:00.000000+00:00"
    assert (result["entities"], result["raw_pqls"], result["pql_rate"]) == (2, 1, 0.5)
    assert result["time_to_pql_median_days"] == pytest.approx(1 / 24)
    assert result["pqls_over_time"] == [{"week": "2026-01-05", "new_pqls": 1}]
    assert result["data_quality"]["events"] == {
        "read": 2, "used": 2,
        "dropped": {"missing_value": 0, "bad_timestamp": 0, "duplicate": 0, "unknown_user": 0,
                    "before_signup": 0, "after_as_of": 0},
    }


def test_level_flag_overrides_the_spec(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", users="user_id,signup_at,account_id\nu1,2026-01-05,A\nu2,2026-01-06,A\n")
    assert main(["metrics", str(folder), "--spec", str(folder / "spec.yaml"), "--level", "account", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["level"], result["entities"], result["raw_pqls"]) == ("account", 1, 1)


def test_table_format_and_validate(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds")
    assert main(["metrics", str(folder), "--spec", str(folder / "spec.yaml")]) == 0
    assert "PQL rate" + " " * 32 + "50.0%" in capsys.readouterr().out  # label("pql_rate"), padded to 40
    assert main(["validate", str(folder), "--spec", str(folder / "spec.yaml"), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["data_quality"]["users"]["read"] == 2 and report["spec_warnings"] == []


def test_without_payments_pql_to_paid_is_not_measured(tmp_path, capsys):
    """No conversions table: nobody can be seen paying, so the JSON gives null for PQL-to-paid and its three
    counts (not 0.0 and 0: issue 21, defect 11), and the text page says "not measured"."""
    folder = write_dataset(tmp_path / "ds")
    assert main(["metrics", str(folder), "--spec", str(folder / "spec.yaml"), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [result[k] for k in ("pql_to_paid_rate", "paid_pqls", "paid_before_pql", "paid_without_pql")] == [None] * 4
    assert main(["metrics", str(folder), "--spec", str(folder / "spec.yaml")]) == 0
    text = capsys.readouterr().out
    assert "PQL-to-paid rate" + " " * 24 + "not measured" in text and "Paid PQLs" + " " * 31 + "not measured" in text
    section = text.split("4. PQL to paid", 1)[1].split("Data quality", 1)[0]
    assert "%" not in section and " 0\n" not in section


def test_with_payments_pql_to_paid_is_a_number(tmp_path, capsys):
    """u1 (PQL 1 hour after signup) pays on Jan 6: 1 paid PQL of 1 eligible, 100 %."""
    folder = write_dataset(tmp_path / "ds", conversions="user_id,paid_at\nu1,2026-01-06T00:00:00Z\n")
    assert main(["metrics", str(folder), "--spec", str(folder / "spec.yaml")]) == 0
    text = capsys.readouterr().out
    assert "PQL-to-paid rate" + " " * 24 + "100.0%" in text and "Paid PQLs" + " " * 31 + "1\n" in text


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        pytest.param({"users": None}, [], r"no users table; expected users\.parquet, users\.csv or users\.csv\.gz", id="missing-table"),
        pytest.param({"events": "user_id,event\nu1,a\n"}, [], r"events\.csv: missing required column 'timestamp'; found columns: user_id, event", id="missing-column"),
        pytest.param({"events": "user_id,event,timestamp\n"}, [], r"events\.csv: the events table has no rows", id="empty-table"),
        pytest.param({"events": ""}, [], r"events\.csv: the file is empty", id="empty-file"),
        pytest.param({"events": "user_id;event;timestamp\nu1;a;2026-01-05\n"}, [], r"not seem to be comma-separated", id="wrong-delimiter"),
        pytest.param({"conversions": "account_id,paid_at\nA,2026-01-06\n"}, [], r"conversions\.csv: column 'user_id' is needed for a user-level analysis", id="conversions-without-user-id"),
        pytest.param({}, ["--spec", "{folder}/nope.yaml"], r"nope\.yaml: spec file not found", id="missing-spec"),
        pytest.param({"spec": "steps:\n  - {name: a, event: a}\nthreshold: 2\n"}, [], r"`threshold` must be in \(0, 1\]", id="bad-spec"),
        pytest.param({"events": "user_id,event,timestamp\nu1,a,2026-01-05T01:00:00Z\nu1,a,2026-01-05T01:00:00Z\n"}, ["--strict"], r"strict mode: 1 rows would be dropped \(events\.duplicate=1\)", id="strict"),
        pytest.param({}, ["--as-of", "soon"], r"as_of: cannot read 'soon'", id="bad-as-of"),
    ],
)
def test_input_mistakes_exit_2_with_one_line(tmp_path, capsys, setup, args, message):
    folder = write_dataset(tmp_path / "ds", **{k: v for k, v in setup.items() if k != "spec"})
    if "spec" in setup:
        (folder / "spec.yaml").write_text(setup["spec"])
    args = [a.replace("{folder}", str(folder)) for a in args]
    if "--spec" not in args:
        args = ["--spec", str(folder / "spec.yaml"), *args]
    assert main(["metrics", str(folder), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pqlkit: error: "), captured.err
    assert __import__("re").search(message, lines[0]), lines[0]


def test_missing_dataset_folder_through_the_console_script(tmp_path):
    """The installed console script: exit 2, one line, no traceback."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC_YAML)
    script = Path(sys.executable).with_name("pqlkit")
    done = subprocess.run([str(script), "metrics", str(tmp_path / "missing"), "--spec", str(spec)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"pqlkit: error: {tmp_path / 'missing'}: dataset folder not found; pass a folder holding users and events "
        "(.parquet, .csv or .csv.gz)"
    ]
    assert "Traceback" not in done.stderr


def test_spec_event_missing_from_data_is_a_warning_on_stderr(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds")
    (folder / "spec.yaml").write_text("steps:\n  - {name: x, event: aa}\n")
    assert main(["metrics", str(folder), "--spec", str(folder / "spec.yaml"), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["raw_pqls"] == 0
    assert "pqlkit: warning: " in captured.err and "closest event names: 'a'" in captured.err


@pytest.mark.skipif(not (ROOT / "data" / "sample").is_dir(), reason="bundled sample not generated")
def test_bundled_sample_prints_the_contract_object():
    """The issue's done-when command, through the console script, on the bundled sample: every key,
    ledgers that add up, rates in [0, 1]."""
    script = Path(sys.executable).with_name("pqlkit")
    done = subprocess.run([str(script), "metrics", "data/sample", "--spec", "data/activation.yaml", "--format", "json"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert list(result)[: len(SPEC_KEYS)] == SPEC_KEYS
    for table, counts in result["data_quality"].items():
        assert counts["read"] == counts["used"] + sum(counts["dropped"].values()), table
    assert 0 <= result["pql_rate"] <= 1 and 0 <= result["pql_to_paid_rate"] <= 1
    assert sum(week["new_pqls"] for week in result["pqls_over_time"]) == result["raw_pqls"]


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_report_jobs_must_be_a_whole_number_of_at_least_one(jobs, tmp_path, capsys):
    """--jobs 0, -1 or 'two' is a usage error (exit 2, one line naming the option), before any notebook runs."""
    with pytest.raises(SystemExit) as stop:
        main(["report", "data/sample", "--spec", "data/activation.yaml", "--out", str(tmp_path / "r"), "--jobs", jobs])
    assert stop.value.code == 2
    assert f"argument --jobs: expected a whole number of at least 1, got '{jobs}'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_version_prints_the_package_version(capsys):
    """`pqlkit --version` prints pyproject's version (read here from the file, not from the package)."""
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"pqlkit {version}"


def test_python_dash_m_runs_the_command_line():
    """`python -m pqlkit.cli` (how the report tests and the notebooks' set-up start it) runs main, not nothing."""
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    done = subprocess.run([sys.executable, "-m", "pqlkit.cli", "--version"], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, f"pqlkit {version}")


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`pqlkit validate ... --format json | head -1`: the reader is gone before pqlkit writes (its end of
    the pipe is closed at once, while pqlkit is still starting), so the write fails with EPIPE; pqlkit
    stops quietly, status 1, nothing on stderr."""
    folder = write_dataset(tmp_path / "ds")
    process = subprocess.Popen([sys.executable, "-m", "pqlkit.cli", "validate", str(folder), "--spec",
                                str(folder / "spec.yaml"), "--format", "json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr.decode() and "BrokenPipeError" not in stderr.decode(), stderr.decode()
    assert stderr.decode() == ""
    assert process.returncode == 1


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        pytest.param("04/30/2026", r"^pqlkit: error: as_of: cannot read '04/30/2026' as a date or time \(not ISO 8601\); "
                     r"--as-of and as_of= take ISO 8601 only: write it as e\.g\. 2026-06-30", id="us-slashes"),
        pytest.param("30/04/2026", r"cannot read '30/04/2026'", id="european-slashes"),
        pytest.param("05/06/2026", r"cannot read '05/06/2026'", id="ambiguous"),
        pytest.param("Apr 30 2026", r"cannot read 'Apr 30 2026'", id="month-name"),
    ],
)
def test_as_of_other_than_iso_exits_2_with_one_line(tmp_path, capsys, as_of, message):
    folder = write_dataset(tmp_path / "ds")
    for command in ("metrics", "validate"):
        assert main([command, str(folder), "--spec", str(folder / "spec.yaml"), "--as-of", as_of]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and __import__("re").search(message, lines[0]), captured.err


def test_bare_date_is_the_end_of_the_day_on_the_sample(capsys):
    """data/sample as of 2026-04-30: the end of that day, 23:59:59.999999 UTC, whatever the command.

    The expected count is independent of pqlkit's loader: the users whose signup_at (read with pandas)
    is at or before that instant, one row per user_id (the sample's 9 duplicate rows count once)."""
    import pandas as pd

    users = pd.read_csv(ROOT / "data/sample/users.csv.gz", dtype=str)
    signup = pd.to_datetime(users["signup_at"], utc=True, errors="coerce", format="ISO8601")
    expected = users.loc[signup <= pd.Timestamp("2026-04-30T23:59:59.999999Z"), "user_id"].nunique()
    assert main(["metrics", str(ROOT / "data/sample"), "--spec", str(ROOT / "data/activation.yaml"),
                 "--as-of", "2026-04-30", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["as_of"].startswith("2026-04-30T23:59:59.999999")
    assert result["entities"] == expected


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        # The dataset runs from u1's signup (2026-01-05T00:00Z) to u2's event (2026-01-07T00:00Z).
        pytest.param("2025-12-31", r"^pqlkit: warning: as_of 2025-12-31T23:59:59\.999999\+00:00 is before the first "
                     r"signup: .*from the first signup, 2026-01-05T00:00:00\+00:00, to the last event, "
                     r"2026-01-07T00:00:00\+00:00", id="before"),
        # 2026-06-30 is 174 days after 2026-01-07 (24 + 28 + 31 + 30 + 31 + 30), beyond the spec's 14 days.
        pytest.param("2026-06-30T00:00:00Z", r"^pqlkit: warning: as_of 2026-06-30T00:00:00\+00:00 is 174 days after "
                     r"the last event, more than the active window \(14 days\)", id="long-after"),
    ],
)
def test_as_of_outside_the_data_warns_and_exits_0(tmp_path, capsys, as_of, message):
    folder = write_dataset(tmp_path / "ds")
    assert main(["metrics", str(folder), "--spec", str(folder / "spec.yaml"), "--as-of", as_of]) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert any(__import__("re").search(message, line) for line in lines), lines


def test_ids_in_another_form_are_named_by_validate(tmp_path, capsys):
    """Users 1001 and 1002; events of 1001.0 and 1002.0 (a float column saved by pandas): both events are
    unknown_user (2 of 2), both name a user in another form. The warning names both tables and the fix;
    the ledger's note counts 2 in the JSON and in the text."""
    folder = write_dataset(tmp_path / "ds", users="user_id,signup_at\n1001,2026-01-05T00:00:00Z\n1002,2026-01-05T00:00:00Z\n",
                           events="user_id,event,timestamp\n1001.0,a,2026-01-05T01:00:00Z\n1002.0,a,2026-01-06T01:00:00Z\n")
    assert main(["validate", str(folder), "--format", "json"]) == 0
    captured = capsys.readouterr()
    events_quality = json.loads(captured.out)["data_quality"]["events"]
    assert events_quality["dropped"]["unknown_user"] == 2 and events_quality["notes"] == {"id_form": 2}
    assert (f"pqlkit: warning: {folder / 'events.csv'}: 2 of 2 events rows were dropped as unknown_user, and 2 of them "
            f"(2 distinct user_id values) name a user of {folder / 'users.csv'} written another way: '1001.0' in the "
            "events table, '1001' in the users table. pqlkit does not rewrite ids") in captured.err
    assert main(["validate", str(folder)]) == 0
    assert "events: 2 of the unknown_user rows name a user whose user_id is written another way" in capsys.readouterr().out


# Runs the command line in a fresh interpreter, then reports which heavy libraries the command loaded.
_LOADED_AFTER = (
    "import contextlib, io, sys\n"
    "from pqlkit.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
    "    try:\n"
    "        status = main(sys.argv[1:])\n"
    "    except SystemExit as exit_:\n"
    "        status = exit_.code\n"
    "print(status, sorted(name for name in ('pandas', 'matplotlib') if name in sys.modules))\n"
)


def _loaded_after(*argv: str) -> str:
    done = subprocess.run([sys.executable, "-c", _LOADED_AFTER, *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        pytest.param(["--help"], 0, id="help"),
        pytest.param(["metrics", "--help"], 0, id="metrics-help"),
        pytest.param(["metrics", "data/sample"], 2, id="missing-spec"),
        pytest.param(["metrics", "data/sample", "--spec", "data/activation.yaml", "--format", "csv"], 2, id="bad-choice"),
    ],
)
def test_help_and_usage_errors_load_neither_pandas_nor_matplotlib(argv, status):
    """Building the parser (the choices of ``--events-format`` come from :mod:`pqlkit.io.formats`) needs no
    pandas: ``pqlkit --help`` and a mistyped option answer at once. The status is argparse's own: 0 for
    help, 2 for a usage error."""
    assert _loaded_after(*argv) == f"{status} []"


@pytest.mark.parametrize("output", ["json", "table"])
def test_metrics_on_the_sample_loads_neither_pandas_nor_matplotlib(output):
    """The target of issue 25: ``pqlkit metrics`` on the bundled sample runs on DuckDB and numpy alone: the
    reduction's numpy columns go straight to the summary and the text (``pk.summary`` gives the same
    numbers from the frame; the stored JSON of tests/test_before_layout.py checks both)."""
    assert _loaded_after("metrics", "data/sample", "--spec", "data/activation.yaml", "--format", output) == "0 []"


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["data/sample", "--spec", "data/activation.yaml"], id="sample"),
        pytest.param(["data/sample", "--spec", "data/activation.yaml", "--level", "account"], id="account"),
        pytest.param(["data/sample", "--spec", "data/activation.yaml", "--as-of", "2026-04-30"], id="past-as-of"),
        pytest.param(["tests/data/tiny", "--spec", "tests/data/tiny_spec.yaml"], id="tiny"),
        pytest.param(["tests/data/exports/segment_groups", "--spec", "tests/data/exports/spec.yaml", "--level", "account"],
                     id="export-accounts"),
    ],
)
def test_metrics_json_is_the_summary_of_the_python_api(argv, capsys):
    """Two routes to one answer: ``pqlkit metrics`` (the reduction's numpy columns to ``metrics.headline``)
    prints, byte for byte, the JSON of ``pk.summary`` on ``pk.entity_table``'s frame for the same input,
    at both levels, at a past ``as_of``, on the tiny hand-made case and on an export with accounts."""
    import pqlkit as pk

    assert main(["metrics", *[str(ROOT / a) if a.startswith(("data/", "tests/")) else a for a in argv],
                 "--format", "json"]) == 0
    printed = capsys.readouterr().out
    path, _, spec = argv[0], argv[1], argv[2]
    options = dict(zip(argv[3::2], argv[4::2]))
    entities, context = pk.entity_table(ROOT / path, ROOT / spec, level=options.get("--level"),
                                        as_of=options.get("--as-of"))
    assert printed == json.dumps(pk.summary(entities, context=context), indent=2, allow_nan=False) + "\n"
