"""The export readers (pqlkit.io.events, pqlkit.io.formats): Segment, Amplitude, Mixpanel and PostHog events.

Expected values come from the fixtures in tests/data/exports: every folder holds the same six events,
shaped as each tool's documentation shows its export (README.md there cites the pages), and the same
three users. Worked out by hand from that table:

- events read 6 = used 3 (00042 Signed Up, 00042 Report Created, 00043 Report Created)
  + duplicate 1 (the second copy of e2) + missing_value 1 (anonymous e4) + unknown_user 1 (99999).
- as_of defaults to the latest timestamp, 2026-01-08T09:15:00Z (event 6).
"""

from __future__ import annotations

import gzip
import json
import shutil
import warnings
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pqlkit as pk
from pqlkit.cli import main

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
USED_EVENTS = [
    ("00042", "Signed Up", pd.Timestamp("2026-01-05T10:00:00Z")),
    ("00042", "Report Created", pd.Timestamp("2026-01-06T10:00:00Z")),
    ("00043", "Report Created", pd.Timestamp("2026-01-07T11:30:00Z")),
]
LEDGER = {"read": 6, "used": 3, "missing_value": 1, "duplicate": 1, "unknown_user": 1}
AS_OF = pd.Timestamp("2026-01-08T09:15:00Z")

FIXTURES = [
    pytest.param("segment_calls", "events.jsonl", "segment", id="segment-calls-jsonl"),
    pytest.param("segment_tracks", "events.csv", "segment", id="segment-tracks-csv"),
    pytest.param("amplitude", "events.json", "amplitude", id="amplitude-json"),
    pytest.param("mixpanel", "events.jsonl", "mixpanel", id="mixpanel-jsonl"),
    pytest.param("posthog_csv", "events.csv", "posthog", id="posthog-csv"),
    pytest.param("posthog_jsonl", "events.jsonl", "posthog", id="posthog-jsonl"),
]


def used_events(dataset: pk.Dataset) -> list[tuple]:
    rows = dataset.con.execute("SELECT user_id, event, ts FROM events ORDER BY ts, user_id").fetchall()
    return [(user, event, pd.Timestamp(ts)) for user, event, ts in rows]


def assert_fixture_ledger(dataset: pk.Dataset) -> None:
    quality = dataset.data_quality()["events"]
    assert quality["read"] == quality["used"] + sum(quality["dropped"].values())
    observed = {"read": quality["read"], "used": quality["used"]}
    observed.update({reason: n for reason, n in quality["dropped"].items() if n})
    assert observed == LEDGER
    assert used_events(dataset) == USED_EVENTS
    assert dataset.as_of == AS_OF


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(EXPORTS / name, target)
    return target


@pytest.mark.parametrize(("folder", "file_name", "fmt"), FIXTURES)
def test_each_documented_export_loads_with_the_expected_ledger(folder, file_name, fmt):
    """Auto-detection picks the tool; the ledger and the used events are the hand-worked ones."""
    assert pk.detect_events_format(EXPORTS / folder / file_name) == fmt
    dataset = pk.load(EXPORTS / folder)
    assert_fixture_ledger(dataset)


@pytest.mark.parametrize(("folder", "file_name", "fmt"), FIXTURES)
def test_explicit_format_gives_the_same_result(folder, file_name, fmt):
    assert_fixture_ledger(pk.load(EXPORTS / folder, events_format=fmt))


@pytest.mark.parametrize(("folder", "file_name", "fmt"), FIXTURES)
def test_gzip_variants(folder, file_name, fmt, tmp_path):
    """The same file gzipped (.json.gz, .jsonl.gz, .csv.gz) reads the same."""
    target = copy_fixture(folder, tmp_path)
    source = target / file_name
    with gzip.open(target / (file_name + ".gz"), "wb") as handle:
        handle.write(source.read_bytes())
    source.unlink()
    assert pk.detect_events_format(target / (file_name + ".gz")) == fmt
    assert_fixture_ledger(pk.load(target))


@pytest.mark.parametrize("folder", ["segment_tracks", "posthog_csv"])
def test_parquet_variants_with_typed_timestamps(folder, tmp_path):
    """Warehouse-style Parquet: timestamps as TIMESTAMP columns, everything else text."""
    target = copy_fixture(folder, tmp_path)
    frame = pd.read_csv(target / "events.csv", dtype=str, keep_default_na=False)
    for column in ("timestamp", "received_at", "sent_at", "original_timestamp", "uuid_ts", "created_at", "_inserted_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    frame = frame.replace("", None)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), target / "events.parquet")
    (target / "events.csv").unlink()
    table_types = {f.name: str(f.type) for f in pq.read_schema(target / "events.parquet")}
    assert table_types["timestamp"].startswith("timestamp")
    assert_fixture_ledger(pk.load(target))


def test_read_events_gives_canonical_text_columns():
    """Mixpanel: properties.distinct_id -> user_id, properties.time (epoch s) -> timestamp,
    the event_id is Mixpanel's duplicate key (event, distinct_id, time, $insert_id joined by the unit
    separator, https://docs.mixpanel.com/reference/event-deduplication); the rest of properties stays
    as JSON text."""
    events = pk.read_events(EXPORTS / "mixpanel" / "events.jsonl")
    assert list(events.columns) == ["event_id", "user_id", "event", "timestamp", "properties"]
    first = events.iloc[0]
    assert first["user_id"] == "00042"
    assert first["event_id"] == "\x1f".join(["Signed Up", "00042", "1767607200", "hpuDqcvpltpCjBsebtxwadtEBDnFAdyce1"])
    assert first["timestamp"] == "1767607200"  # 2026-01-05T10:00:00Z; parsed by the loader
    assert json.loads(first["properties"]) == {"mp_processing_time_ms": 1767607200874, "$email": "user@example.com"}
    assert events["user_id"].isna().sum() == 1  # distinct_id "" is missing


def test_segment_tracks_table_uses_event_text_not_the_slug():
    """Warehouse Schemas: `event` is the slug, `event_text` the name as sent; the name is kept."""
    events = pk.read_events(EXPORTS / "segment_tracks" / "events.csv")
    assert events["event"].tolist()[:2] == ["Signed Up", "Report Created"]
    assert events["event_id"].iloc[0] == "ajs-e1-f8ca1e4de5024d9430b3928bd8ac6b96"
    assert events["anonymous_id"].iloc[4] == "23adfd82-aa0f-45a7-a756-24f2a7a4c845"


def test_amplitude_prefers_insert_id_and_reads_event_time_as_utc(tmp_path):
    """Export API: event_time "2026-01-05 10:00:00.123000" has no offset and is UTC; `event_id` (an int
    counter in Amplitude) is not the dedup key, `$insert_id` is, else `uuid`."""
    rows = [
        {"user_id": "00042", "event_type": "Signed Up", "event_time": "2026-01-05 10:00:00.123000",
         "$insert_id": "i-1", "uuid": "u-1", "event_id": 1},
        {"user_id": "00042", "event_type": "Signed Up", "event_time": "2026-01-05 10:00:00.123000",
         "$insert_id": None, "uuid": "u-2", "event_id": 1},
    ]
    folder = tmp_path / "amp"
    folder.mkdir()
    (folder / "users.csv").write_text("user_id,signup_at\n00042,2026-01-05T09:00:00Z\n")
    (folder / "events.json").write_text("".join(json.dumps(r) + "\n" for r in rows))
    events = pk.read_events(folder / "events.json")
    # Amplitude de-duplicates on insert_id per device (else user): the key carries both.
    assert events["event_id"].tolist() == ["i-1\x1fuser:00042", "u-2\x1fuser:00042"]
    dataset = pk.load(folder)
    assert dataset.data_quality()["events"]["used"] == 2  # same event_id counter 1, but not duplicates
    assert used_events(dataset)[0][2] == pd.Timestamp("2026-01-05T10:00:00.123Z")


def test_mixpanel_time_in_milliseconds(tmp_path):
    """The export's time_in_ms=true gives epoch milliseconds; the loader tells them by their size."""
    folder = copy_fixture("mixpanel", tmp_path)
    rows = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    for row in rows:
        row["properties"]["time"] = row["properties"]["time"] * 1000 + 250
    (folder / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    dataset = pk.load(folder)
    assert [e[2] for e in used_events(dataset)] == [t + pd.Timedelta(milliseconds=250) for _, _, t in USED_EVENTS]


def test_numeric_ids_in_json_become_text(tmp_path):
    """A JSON number 7 becomes "7", a JSON string "007" stays "007"."""
    folder = tmp_path / "seg"
    folder.mkdir()
    (folder / "users.csv").write_text("user_id,signup_at\n7,2026-01-05T00:00:00Z\n007,2026-01-05T00:00:00Z\n")
    calls = [
        {"type": "track", "event": "A", "userId": 7, "messageId": "m1", "timestamp": "2026-01-05T01:00:00Z"},
        {"type": "track", "event": "A", "userId": "007", "messageId": "m2", "timestamp": "2026-01-05T01:00:00Z"},
    ]
    (folder / "events.jsonl").write_text("".join(json.dumps(c) + "\n" for c in calls))
    dataset = pk.load(folder)
    assert sorted(u for u, _, _ in used_events(dataset)) == ["007", "7"]


def test_malformed_json_lines_are_kept_and_counted(tmp_path):
    """A line that is not JSON is a row with missing values (missing_value), and a warning names it."""
    folder = copy_fixture("posthog_jsonl", tmp_path)
    lines = (folder / "events.jsonl").read_text().splitlines()
    lines.insert(2, '{"uuid": "broken", "event": ')
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.warns(pk.PqlkitWarning, match=r"events\.jsonl: 1 record\(s\) are not valid JSON objects \(the first is record 3"):
        dataset = pk.load(folder)
    quality = dataset.data_quality()["events"]
    assert quality["read"] == 7 and quality["dropped"]["missing_value"] == 2 and quality["used"] == 3


def test_json_array_file(tmp_path):
    """A JSON array (as Mixpanel's import examples show) reads like JSON lines."""
    folder = copy_fixture("mixpanel", tmp_path)
    rows = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    (folder / "events.jsonl").unlink()
    (folder / "events.json").write_text(json.dumps(rows, indent=2))
    assert_fixture_ledger(pk.load(folder))


def test_canonical_json_lines(tmp_path):
    """Canonical columns as JSON lines are the canonical format; other keys are kept as columns."""
    folder = tmp_path / "canon"
    folder.mkdir()
    (folder / "users.csv").write_text("user_id,signup_at\n001,2026-01-05T00:00:00Z\n")
    rows = [{"user_id": "001", "event": "a", "timestamp": "2026-01-05T01:00:00Z", "plan": "pro"},
            {"user_id": "001", "event": "a", "timestamp": "2026-01-05T01:00:00Z", "plan": "pro"}]
    (folder / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert pk.detect_events_format(folder / "events.jsonl") == "canonical"
    dataset = pk.load(folder)
    assert dataset.data_quality()["events"]["dropped"]["duplicate"] == 1


def test_export_frames_are_detected_too():
    """load() with frames: an events frame shaped like a PostHog export is read by its reader."""
    users = pd.read_csv(EXPORTS / "posthog_csv" / "users.csv", dtype=str)
    events = pd.read_csv(EXPORTS / "posthog_csv" / "events.csv", dtype=str, keep_default_na=False)
    assert_fixture_ledger(pk.load({"users": users, "events": events}))
    assert_fixture_ledger(pk.load({"users": users, "events": events}, events_format="posthog"))


def test_convert_events_writes_a_canonical_file(tmp_path):
    """An export converted to canonical Parquet loads with the same ledger as the export."""
    folder = tmp_path / "converted"
    folder.mkdir()
    shutil.copy(EXPORTS / "amplitude" / "users.csv", folder / "users.csv")
    out = pk.convert_events(EXPORTS / "amplitude" / "events.json", folder / "events.parquet")
    assert pk.detect_events_format(out) == "canonical"
    assert_fixture_ledger(pk.load(folder))


AMBIGUOUS = {"distinct_id": "1", "event": "a", "timestamp": "2026-01-05T00:00:00Z", "event_type": "a",
             "event_time": "2026-01-05 00:00:00"}


@pytest.mark.parametrize(
    ("lines", "events_format", "message"),
    [
        pytest.param([AMBIGUOUS], "auto", r"could be amplitude or posthog .*pass --events-format", id="ambiguous"),
        pytest.param([{"foo": 1}], "auto", r"missing required column 'user_id'.*pass --events-format", id="unknown-shape"),
        pytest.param([{"distinct_id": "1", "event": "a", "timestamp": "2026-01-05"}], "amplitude",
                     r"--events-format amplitude needs the field 'event_type'", id="wrong-explicit-format"),
    ],
)
def test_format_errors_are_one_line(tmp_path, capsys, lines, events_format, message):
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "users.csv").write_text("user_id,signup_at\n1,2026-01-01T00:00:00Z\n")
    (folder / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    status = main(["validate", str(folder), "--events-format", events_format])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1, err
    assert __import__("re").search(message, err[0]), err[0]


def test_detect_raises_on_unknown_shape(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"foo": 1}\n')
    with pytest.raises(pk.DataError, match=r"cannot tell the format of the events; found columns: foo"):
        pk.detect_events_format(path)


def test_two_events_files_are_an_error(tmp_path):
    folder = copy_fixture("posthog_csv", tmp_path)
    shutil.copy(EXPORTS / "posthog_jsonl" / "events.jsonl", folder / "events.jsonl")
    with pytest.raises(pk.DataError, match=r"the events table is there more than once \(events\.csv, events\.jsonl\)"):
        pk.load(folder)


def test_users_table_is_still_required(tmp_path):
    folder = copy_fixture("mixpanel", tmp_path)
    (folder / "users.csv").unlink()
    with pytest.raises(pk.DataError, match=r"no users table; .*needed with an export from Segment"):
        pk.load(folder)


def test_bad_events_format_value():
    with pytest.raises(pk.PqlkitError, match=r"`events_format` must be one of \['auto', 'canonical'"):
        pk.load(EXPORTS / "mixpanel", events_format="heap")


@pytest.mark.parametrize("command", ["metrics", "validate"])
def test_cli_reads_exports(command, capsys):
    """Every command that reads data takes --events-format; the JSON summary carries the ledger."""
    spec = EXPORTS / "spec.yaml"
    args = [command, str(EXPORTS / "amplitude"), "--events-format", "amplitude", "--format", "json"]
    if command == "metrics":
        args += ["--spec", str(spec)]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    events = out["data_quality"]["events"]
    assert (events["read"], events["used"]) == (6, 3)
    if command == "metrics":
        # 00042 did both steps (Signed Up 01-05, Report Created 01-06); 00043 only Report Created; 7 none.
        assert out["entities"] == 3 and out["raw_pqls"] == 1
        assert out["step_completion"] == {"signed_up": 1, "created_report": 2}


def test_readers_do_not_use_pandas_for_large_exports(tmp_path):
    """The events stay in DuckDB: 200,000 JSON lines load without a pandas events frame, quickly."""
    con = duckdb.connect()
    path = tmp_path / "big" / "events.jsonl.gz"
    path.parent.mkdir()
    con.execute(
        f"""COPY (SELECT 'Report Created' AS event,
                {{'time': 1767607200 + i, 'distinct_id': lpad(CAST(i % 1000 AS VARCHAR), 5, '0'),
                  '$insert_id': 'x' || i}} AS properties
            FROM range(200000) t(i)) TO '{path}' (FORMAT json, COMPRESSION gzip)"""
    )
    users = pd.DataFrame({"user_id": [f"{i:05d}" for i in range(1000)], "signup_at": "2026-01-01T00:00:00Z"})
    users.to_csv(path.parent / "users.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pk.PqlkitWarning)
        dataset = pk.load(path.parent)
    quality = dataset.data_quality()["events"]
    assert quality["read"] == quality["used"] == 200_000


def test_first_copy_in_file_order_is_kept(tmp_path):
    """docs/metrics.md#data-quality: among rows with the same event_id the first in file order is kept; JSON readers keep
    the file order (here the later copy has the earlier time, and is still the one dropped)."""
    folder = tmp_path / "seg"
    folder.mkdir()
    (folder / "users.csv").write_text("user_id,signup_at\n001,2026-01-05T00:00:00Z\n")
    calls = [{"type": "track", "event": f"e{i}", "userId": "001", "messageId": f"m{i}",
              "timestamp": f"2026-01-05T{10 + i:02d}:00:00Z"} for i in range(5)]
    calls.append({"type": "track", "event": "copy", "userId": "001", "messageId": "m3", "timestamp": "2026-01-05T01:00:00Z"})
    (folder / "events.jsonl").write_text("".join(json.dumps(c) + "\n" for c in calls))
    dataset = pk.load(folder)
    assert [e for _, e, _ in used_events(dataset)] == ["e0", "e1", "e2", "e3", "e4"]
    assert dataset.data_quality()["events"]["dropped"]["duplicate"] == 1


def test_cli_choices_match_the_readers():
    from pqlkit.cli import build_parser
    from pqlkit.io.formats import EVENTS_FORMAT_CHOICES

    metrics = build_parser()._subparsers._group_actions[0].choices["metrics"]
    action = next(a for a in metrics._actions if a.dest == "events_format")
    assert tuple(action.choices) == EVENTS_FORMAT_CHOICES


def test_read_and_convert_a_canonical_parquet_file(tmp_path):
    """A canonical Parquet events file is read in file order, without the loader's internal _row
    column: three rows written as u3, u1, u2 come back as u3, u1, u2, and a CSV conversion keeps
    exactly the file's columns."""
    frame = pd.DataFrame({"event_id": ["e3", "e1", "e2"], "user_id": ["u3", "u1", "u2"], "event": ["a", "b", "c"],
                          "timestamp": ["2026-01-05T00:00:00Z"] * 3})
    source = tmp_path / "events.parquet"
    frame.to_parquet(source, index=False)
    read = pk.read_events(source)
    assert list(read.columns) == list(frame.columns) and read["user_id"].tolist() == ["u3", "u1", "u2"]
    out = pk.convert_events(source, tmp_path / "out.csv")
    assert out.read_text().splitlines()[0] == "event_id,user_id,event,timestamp"


# --- hostile forms of every export (the fixtures above, with one thing changed) --------------------------


def _copy_fixture(tmp_path: Path, folder: str, name: str, data: bytes, target: str | None = None) -> Path:
    dataset = tmp_path / folder
    dataset.mkdir()
    shutil.copy(EXPORTS / folder / "users.csv", dataset / "users.csv")
    (dataset / (target or name)).write_bytes(data)
    return dataset


@pytest.mark.parametrize(("folder", "name", "events_format"), FIXTURES)
def test_exports_with_crlf_line_ends_and_gzipped_give_the_fixture_ledger(tmp_path, folder, name, events_format):
    """The same export with CRLF line ends (Windows), then gzipped: the same six events read, the
    same ledger as the plain fixture (see the module docstring)."""
    data = (EXPORTS / folder / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    dataset = _copy_fixture(tmp_path, folder, name, gzip.compress(data, mtime=0), target=name + ".gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pk.PqlkitWarning)
        assert_fixture_ledger(pk.load(dataset, events_format=events_format))


@pytest.mark.parametrize(("folder", "name", "events_format"), FIXTURES)
def test_exports_with_bare_cr_line_ends_are_read_or_refused_in_one_line(tmp_path, folder, name, events_format):
    """Bare ``\\r`` line ends: a CSV export is read (the fixture ledger); JSON lines cannot be told apart
    without line feeds, so a JSON export is refused with the one line that says so."""
    data = (EXPORTS / folder / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    dataset = _copy_fixture(tmp_path, folder, name, data)
    if name.endswith(".csv"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pk.PqlkitWarning)
            assert_fixture_ledger(pk.load(dataset, events_format=events_format))
    else:
        with pytest.raises(pk.DataError, match=r"the JSON lines are separated by bare carriage returns"):
            pk.load(dataset, events_format=events_format)


@pytest.mark.parametrize(("folder", "name", "events_format"), FIXTURES)
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_exports_in_utf16(tmp_path, folder, name, events_format, encoding):
    """UTF-16 text: a CSV export with its byte-order mark (little-endian) is read, with the fixture
    ledger; big-endian CSV and any UTF-16 JSON are one line naming the encoding."""
    text = (EXPORTS / folder / name).read_text(encoding="utf-8")
    dataset = _copy_fixture(tmp_path, folder, name, text.encode(encoding))
    if name.endswith(".csv") and encoding == "utf-16":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pk.PqlkitWarning)
            assert_fixture_ledger(pk.load(dataset, events_format=events_format))
        return
    message = r"UTF-16 big-endian, which pqlkit does not read" if name.endswith(".csv") else r"the text is UTF-16 \([LB]E\); JSON is read as UTF-8"
    with pytest.raises(pk.DataError, match=message):
        pk.load(dataset, events_format=events_format)


@pytest.mark.parametrize(("folder", "name", "events_format"), FIXTURES)
def test_truncated_gzip_exports_are_one_line(tmp_path, folder, name, events_format):
    """The gzipped export cut in half (a broken download): one DataError naming the gzip stream."""
    data = gzip.compress((EXPORTS / folder / name).read_bytes() * 20, mtime=0)
    dataset = _copy_fixture(tmp_path, folder, name, data[: len(data) // 2], target=name + ".gz")
    with pytest.raises(pk.DataError, match=r"\.gz: the gzip data is damaged or ends early"):
        pk.load(dataset, events_format=events_format)
