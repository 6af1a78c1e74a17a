"""Hostile and broken input: every case either loads with the values asserted, or fails with one line.

Each case is run through the command line (``pqlkit.cli.main`` and capsys), as an analyst meets it:

- a failure is exit status 2 and exactly one stderr line, ``pqlkit: error: FILE: [line N: ]what, what to do``,
  never a traceback;
- a load is exit status 0, and every table's ledger adds up (read = used + dropped), with the number
  of rows read equal to the rows written; the values are then checked through ``pk.load``.

Expected values are worked out by hand in each case's comment. The fuzz tests at the end feed random
CSV text and random JSON records to the loader: it raises a PqlkitError or returns a ledger that adds
up, never anything else. The safety tests check that YAML is read with the safe loader only and that
pqlkit never uses pickle.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pqlkit as pk
from conftest import examples
from pqlkit.cli import main

USERS = "user_id,signup_at\n001,2026-01-05T00:00:00Z\n002,2026-01-05T00:00:00Z\n"
EVENTS = "user_id,event,timestamp\n001,a,2026-01-05T01:00:00Z\n002,b,2026-01-06T01:00:00Z\n"
SPEC_STEPS = "steps:\n  - name: did_a\n    event: a\n"
T1 = pd.Timestamp("2026-01-05T01:00:00Z")


@dataclass
class Fails:
    """The command exits 2 with one line matching ``message``."""

    message: str


@dataclass
class Loads:
    """The command exits 0; ``rows`` events are read; ``check(dataset, stderr)`` asserts the values."""

    rows: int
    check: Callable | None = None
    load_kwargs: dict = field(default_factory=dict)


def gz(data: bytes | str) -> bytes:
    return gzip.compress(data.encode() if isinstance(data, str) else data)


def parquet(columns: dict) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        pq.write_table(pa.table(columns), path)

    return write


def used(dataset: pk.Dataset) -> list[tuple]:
    rows = dataset.con.execute("SELECT user_id, event, ts FROM events ORDER BY ts, event, user_id").fetchall()
    return [(u, e, pd.Timestamp(t)) for u, e, t in rows]


def dropped(dataset: pk.Dataset, table: str = "events") -> dict[str, int]:
    return {reason: n for reason, n in dataset.data_quality()[table]["dropped"].items() if n}


def check_used(expected: list[tuple]) -> Callable:
    def check(dataset, stderr):
        assert used(dataset) == expected

    return check


def latin1_line(path: Path) -> None:
    path.write_bytes(b"user_id,event,timestamp\n001,a,2026-01-05T01:00:00Z\n002,caf\xe9,2026-01-06T01:00:00Z\n")


def wide_csv(path: Path) -> None:
    """10,000 columns: the three required ones, then c3 ... c9999."""
    names = ["user_id", "event", "timestamp"] + [f"c{i}" for i in range(3, 10_000)]
    values = ["001", "a", "2026-01-05T01:00:00Z"] + ["x"] * (10_000 - 3)
    path.write_text(",".join(names) + "\n" + ",".join(values) + "\n", encoding="utf-8")


def segment_line(**fields) -> str:
    record = {"userId": "001", "event": "a", "timestamp": "2026-01-05T01:00:00Z", "messageId": "m1", **fields}
    return json.dumps(record) + "\n"


def check_leading_zeros_pair(dataset) -> None:
    assert dataset.users()["user_id"].tolist() == ["001", "002"]


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def check_far_future(dataset, stderr):
    # The 2099 event sets the default as_of (docs/metrics.md#definitions) and the warning says so.
    assert dataset.as_of == pd.Timestamp("2099-01-01T00:00:00Z")
    assert re.search(r"events\.csv: 1 event\(s\) are more than 90 days after the latest signup or payment "
                     r"\(2026-01-05T00:00:00\+00:00\), the latest at 2099-01-01T00:00:00\+00:00; .*Pass --as-of", stderr)


def check_mixed_zones(dataset, stderr):
    # +02:00, Z, -05:00 and a naive (UTC) time: all 2026-01-05T01:00:00Z.
    assert [t for _, _, t in used(dataset)] == [T1] * 4
    assert dropped(dataset) == {}


def check_leading_zeros(dataset, stderr):
    assert dataset.users()["user_id"].tolist() == ["001", "0042"]
    assert [u for u, _, _ in used(dataset)] == ["001", "0042"]


def check_far_future_with_as_of(dataset, stderr):
    assert "more than 90 days" not in stderr
    assert dropped(dataset) == {"after_as_of": 1}


CASES = [
    # --- empty and header-only ----------------------------------------------------------------
    pytest.param({"events.csv": ""}, [], Fails(r"events\.csv: the file is empty"), id="empty-events-file"),
    pytest.param({"users.csv": ""}, [], Fails(r"users\.csv: the file is empty"), id="empty-users-file"),
    pytest.param({"events.csv": None, "events.csv.gz": gz("")}, [], Fails(r"events\.csv\.gz: the file is empty"), id="empty-gzip"),
    pytest.param({"events.csv": None, "events.jsonl": ""}, [], Fails(r"events\.jsonl: the file is empty"), id="empty-jsonl"),
    pytest.param({"events.csv": "user_id,event,timestamp\n"}, [], Fails(r"events\.csv: the events table has no rows"), id="header-only-events"),
    pytest.param({"users.csv": "user_id,signup_at\r\n"}, [], Fails(r"users\.csv: the users table has no rows"), id="header-only-users"),
    pytest.param({"events.csv": None, "events.jsonl": "\n\n"}, [], Fails(r"events\.jsonl: the events table has no rows|missing required column"), id="blank-lines-jsonl"),
    # --- delimiters, quoting, ragged rows ---------------------------------------------------------
    pytest.param({"events.csv": "user_id;event;timestamp\n001;a;2026-01-05T01:00:00Z\n"}, [],
                 Fails(r"events\.csv: line 1: the file does not seem to be comma-separated \(the header .* uses ';'\)"), id="semicolon-delimiter"),
    pytest.param({"users.csv": "user_id\tsignup_at\n001\t2026-01-05\n"}, [],
                 Fails(r"users\.csv: line 1: the file does not seem to be comma-separated .* uses '\\t'"), id="tab-delimiter"),
    pytest.param({"events.csv": EVENTS + "003,c\n"}, [], Fails(r"events\.csv: line 4: 2 fields where the header has 3"), id="short-row"),
    pytest.param({"events.csv": "user_id,event,timestamp\n001,a,2026-01-05T01:00:00Z,x\n"}, [],
                 Fails(r"events\.csv: line 2: 4 fields where the header has 3; check the delimiter"), id="long-row"),
    pytest.param({"events.csv": 'user_id,event,timestamp\n001,"a,2026-01-05T01:00:00Z\n002,b,2026-01-06\n'}, [],
                 Fails(r"events\.csv: line 2: a quoted value \(\"\) is never closed"), id="unclosed-quote"),
    pytest.param({"events.csv": "user_id,event,event\n001,a,b\n"}, [], Fails(r"events\.csv: line 1: column 'event' appears more than once"), id="duplicate-header"),
    # --- encodings and compression -----------------------------------------------------------
    pytest.param({"events.csv": latin1_line}, [], Fails(r"events\.csv: line 3: the text is not UTF-8 \(byte 0xE9 suggests Latin-1 "
                                                         r"\(ISO-8859-1\) or Windows-1252\); re-save the file as UTF-8"), id="non-utf8-row"),
    pytest.param({"events.csv": b"user_id,event,timestamp\n" + b"001,a,2026-01-05T01:00:00Z\n" * 40_000 + b"002,\x93b\x94,2026-01-05T01:00:00Z\n"}, [],
                 Fails(r"events\.csv: line 40002: the text is not UTF-8 \(byte 0x93 suggests Windows-1252\)"), id="non-utf8-far-down"),
    # UTF-16 with its byte-order mark (Excel's "Unicode text"), and without one, is read: 2 users, 2 events.
    pytest.param({"users.csv": USERS.encode("utf-16")}, [], Loads(2, lambda ds, err: check_leading_zeros_pair(ds)), id="utf16-file"),
    pytest.param({"events.csv": EVENTS.encode("utf-16-le")}, [], Loads(2, check_used([("001", "a", T1), ("002", "b", T1 + pd.Timedelta(days=1))])),
                 id="utf16-le-without-bom"),
    pytest.param({"events.csv": EVENTS.encode("utf-16-be")}, [], Fails(r"events\.csv: the text is UTF-16 big-endian, which pqlkit does not read; "
                                                                       r"re-save the file as UTF-8"), id="utf16-be"),
    pytest.param({"events.csv": b"\r\x00"}, [], Fails(r"events\.csv: the file is empty; write a header row"), id="carriage-return-nul"),
    pytest.param({"events.csv": b"user_id\x00,event,timestamp\n001,a,2026-01-05T01:00:00Z\n"}, [],
                 Fails(r"events\.csv: line 1: the header holds NUL bytes"), id="nul-in-header"),
    # A NUL byte inside a value is kept as text: the event name is 'a\x00b' (2 rows read, both used).
    pytest.param({"events.csv": EVENTS.replace(",a,", ",a\x00b,")}, [],
                 Loads(2, check_used([("001", "a\x00b", T1), ("002", "b", T1 + pd.Timedelta(days=1))])), id="nul-in-value"),
    pytest.param({"events.csv": None, "events.jsonl": ('{"userId": "001", "event": "a", "timestamp": "2026-01-05", "messageId": "m"}\n').encode("utf-16")}, [],
                 Fails(r"events\.jsonl: the text is UTF-16 \(LE\); JSON is read as UTF-8"), id="utf16-jsonl"),
    pytest.param({"events.csv": None, "events.jsonl": '{"userId": "001", "event": "a", "timestamp": "2026-01-05", "messageId": "m"}\r' * 2}, [],
                 Fails(r"events\.jsonl: the JSON lines are separated by bare carriage returns"), id="jsonl-bare-cr"),
    pytest.param({"events.csv": None, "events.csv.gz": truncated(gz(EVENTS * 200))}, [],
                 Fails(r"events\.csv\.gz: the gzip data is damaged or ends early \(a truncated download\?\)"), id="truncated-csv-gz"),
    pytest.param({"events.csv": None, "events.jsonl.gz": truncated(gz('{"userId": "001", "event": "a", "timestamp": "2026-01-05", "messageId": "m"}\n' * 300))}, [],
                 Fails(r"events\.jsonl\.gz: the gzip data is damaged or ends early"), id="truncated-jsonl-gz"),
    pytest.param({"events.csv": None, "events.csv.gz": EVENTS}, [], Fails(r"events\.csv\.gz: the gzip data is damaged"), id="gz-name-plain-text"),
    # --- Parquet ---------------------------------------------------------------------------------
    pytest.param({"events.csv": None, "events.parquet": parquet({"user_id": [1.0, 2.0], "event": ["a", "b"], "timestamp": ["2026-01-05T01:00:00Z"] * 2})}, [],
                 Fails(r"events\.parquet: column 'user_id' has type DOUBLE; identifiers and event names must be text"), id="parquet-float-ids"),
    pytest.param({"events.csv": None, "events.parquet": parquet({"user_id": ["001"], "event": ["a"], "timestamp": [True]})}, [],
                 Fails(r"events\.parquet: column 'timestamp' has type BOOLEAN; expected ISO 8601 text"), id="parquet-boolean-timestamp"),
    pytest.param({"users.csv": None, "users.parquet": parquet({"user_id": ["001"], "signup_at": [[1, 2]]})}, [],
                 Fails(r"users\.parquet: column 'signup_at' has type BIGINT\[\]"), id="parquet-list-timestamp"),
    pytest.param({"events.csv": None, "events.parquet": b"PAR1 this is not parquet"}, [], Fails(r"events\.parquet: not a valid Parquet file"), id="not-parquet"),
    pytest.param({"events.csv": None, "events.parquet": parquet({"user_id": ["001"], "event": pa.array([{"name": "a"}]), "timestamp": ["2026-01-05"]})}, [],
                 Fails(r"events\.parquet: column 'event' has type STRUCT\(\"?name\"? VARCHAR\); identifiers and event names must be text"), id="parquet-struct-event"),
    pytest.param({"events.csv": None, "events.parquet": parquet({"user_id": pa.array([b"001"]), "event": ["a"], "timestamp": ["2026-01-05"]})}, [],
                 Fails(r"events\.parquet: column 'user_id' has type BLOB; .*Write user_id as text"), id="parquet-binary-id"),
    # Dictionary-encoded text (pandas categoricals) is text: 2 rows read, both used.
    pytest.param({"events.csv": None, "events.parquet": parquet({"user_id": pa.array(["001", "002"]).dictionary_encode(),
                                                                  "event": pa.array(["a", "b"]).dictionary_encode(),
                                                                  "timestamp": ["2026-01-05T01:00:00Z", "2026-01-06T01:00:00Z"]})}, [],
                 Loads(2, check_used([("001", "a", T1), ("002", "b", T1 + pd.Timedelta(days=1))])), id="parquet-dictionary-columns"),
    # An all-null event column (Arrow type null): 2 rows read, both missing_value.
    pytest.param({"events.csv": None, "events.parquet": parquet({"user_id": ["001", "002"], "event": pa.nulls(2),
                                                                  "timestamp": ["2026-01-05T01:00:00Z"] * 2})}, [],
                 Loads(2, lambda ds, err: dropped(ds) == {"missing_value": 2} or pytest.fail(str(dropped(ds)))), id="parquet-all-null-column"),
    # A list-typed property column is kept out of the checks: 2 rows read, both used.
    pytest.param({"events.csv": None, "events.parquet": parquet({"user_id": ["001", "002"], "event": ["a", "b"],
                                                                  "timestamp": ["2026-01-05T01:00:00Z", "2026-01-06T01:00:00Z"],
                                                                  "tags": pa.array([[1, 2], None])})}, [],
                 Loads(2, check_used([("001", "a", T1), ("002", "b", T1 + pd.Timedelta(days=1))])), id="parquet-list-property"),
    pytest.param({"events.csv": None, "events.parquet": parquet({"user_id": ["001", "002"], "event": ["a", "b"],
                                                                  "timestamp": pa.array([1767574800000, 1767661200000], pa.int64())})}, [],
                 Loads(2, check_used([("001", "a", T1), ("002", "b", T1 + pd.Timedelta(days=1))])), id="parquet-epoch-ms-int64"),
    pytest.param({"users.csv": None, "users.parquet": parquet({"user_id": pa.array([1, 2], pa.int64()), "signup_at": ["2026-01-05"] * 2}),
                  "events.csv": "user_id,event,timestamp\n1,a,2026-01-05T01:00:00Z\n"}, [],
                 Loads(1, check_used([("1", "a", T1)])), id="parquet-integer-ids-match-text"),
    # --- identifiers that look like numbers ----------------------------------------------------
    pytest.param({"users.csv": "user_id,signup_at\n001,2026-01-05\n0042,2026-01-05\n",
                  "events.csv": "user_id,event,timestamp\n001,a,2026-01-05T01:00:00Z\n0042,a,2026-01-05T02:00:00Z\n"}, [],
                 Loads(2, check_leading_zeros), id="leading-zeros-csv"),
    pytest.param({"users.csv": None, "users.csv.gz": gz("user_id,signup_at\n001,2026-01-05\n0042,2026-01-05\n"),
                  "events.csv": None,
                  "events.jsonl": '{"userId": "001", "event": "a", "timestamp": "2026-01-05T01:00:00Z", "messageId": "m1"}\n'
                                  '{"userId": "0042", "event": "a", "timestamp": "2026-01-05T02:00:00Z", "messageId": "m2"}\n'}, [],
                 Loads(2, check_leading_zeros), id="leading-zeros-segment-json"),
    pytest.param({"events.csv": "user_id,event,timestamp\n 001 ,a,2026-01-05T01:00:00Z\n"}, [],
                 Loads(1, check_used([("001", "a", T1)])), id="ids-with-spaces-trimmed"),
    # --- timestamps --------------------------------------------------------------------------------
    pytest.param({"events.csv": "user_id,event,timestamp\n001,a,1767574800\n"}, [], Loads(1, check_used([("001", "a", T1)])), id="epoch-seconds"),
    pytest.param({"events.csv": "user_id,event,timestamp\n001,a,1767574800000\n"}, [], Loads(1, check_used([("001", "a", T1)])), id="epoch-milliseconds"),
    pytest.param({"events.csv": "user_id,event,timestamp\n001,a,1767574800.25\n"}, [],
                 Loads(1, check_used([("001", "a", T1 + pd.Timedelta(milliseconds=250))])), id="epoch-fractional-seconds"),
    pytest.param({"users.csv": "user_id,signup_at\n001,1767571200\n", "events.csv": "user_id,event,timestamp\n001,a,1767574800000\n"}, [],
                 Loads(1, check_used([("001", "a", T1)])), id="epoch-seconds-and-ms-across-tables"),
    pytest.param({"events.csv": "user_id,event,timestamp\n001,a,12345\n001,b,2026-01-05T01:00:00Z\n"}, [],
                 Loads(2, lambda ds, err: dropped(ds) == {"bad_timestamp": 1} or pytest.fail(str(dropped(ds)))), id="epoch-too-small-is-bad"),
    pytest.param({"events.csv": "user_id,event,timestamp\n001,a,2026-01-05T03:00:00+02:00\n001,b,2026-01-05T01:00:00Z\n"
                                "001,c,2026-01-04T20:00:00-05:00\n001,d,2026-01-05 01:00:00\n"}, [],
                 Loads(4, check_mixed_zones), id="mixed-time-zones"),
    pytest.param({"events.csv": "user_id,event,timestamp\n001,a,infinity\n001,b,9999-12-31T00:00:00Z\n001,c,0001-01-01\n001,d,2026-01-05T01:00:00Z\n"}, [],
                 Loads(4, lambda ds, err: dropped(ds) == {"bad_timestamp": 3} or pytest.fail(str(dropped(ds)))), id="timestamps-pandas-cannot-hold"),
    pytest.param({"events.csv": EVENTS + "001,a,2099-01-01T00:00:00Z\n"}, [], Loads(3, check_far_future), id="far-future-event-warns"),
    pytest.param({"events.csv": EVENTS + "001,a,2099-01-01T00:00:00Z\n"}, ["--as-of", "2026-01-31"],
                 Loads(3, check_far_future_with_as_of, {"as_of": "2026-01-31"}), id="far-future-with-as-of"),
    # --- odd but valid CSV -------------------------------------------------------------------------
    # Bare carriage returns end the lines (old Mac OS, some spreadsheet exports): read, 2 rows; a quoted
    # value keeps its own carriage return.
    pytest.param({"events.csv": EVENTS.replace("\n", "\r")}, [], Loads(2, check_used([("001", "a", T1), ("002", "b", T1 + pd.Timedelta(days=1))])),
                 id="bare-cr-line-ends"),
    pytest.param({"users.csv": USERS.replace("\n", "\r"), "events.csv": 'user_id,event,timestamp\r001,"a\rb",2026-01-05T01:00:00Z\r'}, [],
                 Loads(1, check_used([("001", "a\rb", T1)])), id="bare-cr-with-quoted-cr"),
    # The header again on line 4 (two files concatenated): a row whose timestamp is the text
    # 'timestamp': 2 rows, the header row, 1 row = 4 rows read, 1 bad_timestamp.
    pytest.param({"events.csv": EVENTS + "user_id,event,timestamp\n001,c,2026-01-07T01:00:00Z\n"}, [],
                 Loads(4, lambda ds, err: (dropped(ds) == {"bad_timestamp": 1} and "events.csv: 1 row(s) repeat the header (the first is data row 3)" in err)
                       or pytest.fail(str(dropped(ds)) + err)), id="header-repeated-mid-file"),
    pytest.param({"events.csv": wide_csv}, [], Loads(1, check_used([("001", "a", T1)])), id="ten-thousand-columns"),
    pytest.param({"events.csv": "user_id,event,timestamp\n001," + "e" * 5000 + ",2026-01-05T01:00:00Z\n"}, [],
                 Loads(1, check_used([("001", "e" * 5000, T1)])), id="five-thousand-character-cell"),
    pytest.param({"events.csv": "\ufeffuser_id,event,timestamp\r\n001,a,2026-01-05T01:00:00Z\r\n"}, [], Loads(1, check_used([("001", "a", T1)])), id="bom-and-crlf"),
    pytest.param({"events.csv": "user_id,event,timestamp\n001,a,2026-01-05T01:00:00Z\n\n,,\n"}, [],
                 Loads(2, lambda ds, err: dropped(ds) == {"missing_value": 1} or pytest.fail(str(dropped(ds)))), id="blank-line-and-empty-row"),
    pytest.param({"events.csv": 'user_id,event,timestamp\n001,"a, with comma and ""quotes""\nand a newline",2026-01-05T01:00:00Z\n'}, [],
                 Loads(1, check_used([("001", 'a, with comma and "quotes"\nand a newline', T1)])), id="quoted-field"),
    pytest.param({"events.csv": None, "events.jsonl": b'{"userId": "001", "event": "a", "timestamp": "2026-01-05T01:00:00Z", "messageId": "m1"}\n'
                                                     b'{"userId": "002", "event": "caf\xe9", "timestamp": "2026-01-05T01:00:00Z", "messageId": "m2"}\n'}, [],
                 Loads(2, lambda ds, err: ("not valid JSON objects" in err and dropped(ds) == {"missing_value": 1}) or pytest.fail(err)), id="non-utf8-json-line"),
    # --- JSON values of the wrong type -----------------------------------------------------------------
    # properties as a list, a number where the properties object belongs, a record that is a number,
    # and 3,000 levels of nesting: every record is one row (4 read); the number record is missing_value.
    pytest.param({"events.csv": None, "events.jsonl": segment_line(properties=[1, 2]) + segment_line(properties=5, messageId="m2")
                  + "7\n" + segment_line(messageId="m3", event="b")[:-2] + ', "deep": ' + "[" * 3000 + "]" * 3000 + "}\n"}, [],
                 Loads(4, lambda ds, err: dropped(ds) == {"missing_value": 1} or pytest.fail(str(dropped(ds)))), id="json-wrong-types-and-deep-nesting"),
    # Mixpanel with properties as a list: no distinct_id, time or $insert_id there, so missing_value (2 read).
    pytest.param({"events.csv": None, "events.jsonl": '{"event": "a", "properties": {"distinct_id": "001", "time": 1767574800}}\n'
                                                      '{"event": "a", "properties": ["001", 1767574800]}\n'}, [],
                 Loads(2, lambda ds, err: dropped(ds) == {"missing_value": 1} or pytest.fail(str(dropped(ds)))), id="mixpanel-properties-list"),
    # --- the activation spec -------------------------------------------------------------------------
    # Step b's only event is from user 003, who is not in users: 3 events read, b occurs only in a
    # dropped row, and `validate` says so with the reason instead of "never occurs".
    pytest.param({"events.csv": EVENTS + "003,b,2026-01-06T02:00:00Z\n",
                  "spec.yaml": "steps:\n  - name: did_a\n    event: a\n  - name: did_c\n    event: c\n"},
                 ["validate", "--spec", "{ds}/spec.yaml"],
                 Loads(3, lambda ds, err: "'c', which never occurs in the data" in err or pytest.fail(err)), id="spec-event-never-occurs"),
    pytest.param({"users.csv": "user_id,signup_at\n001,2026-01-05T00:00:00Z\n",
                  "events.csv": "user_id,event,timestamp\n001,a,2026-01-05T01:00:00Z\n003,b,2026-01-06T02:00:00Z\n",
                  "spec.yaml": "steps:\n  - name: did_a\n    event: a\n  - name: did_b\n    event: b\n"},
                 ["validate", "--spec", "{ds}/spec.yaml"],
                 Loads(2, lambda ds, err: ("waits for event 'b', which occurs only in dropped rows (1 row: unknown_user 1)" in err
                                           and "never occurs" not in err) or pytest.fail(err)), id="spec-event-only-in-dropped-rows"),
    pytest.param({"spec.yaml": "treshold: 0.5\n" + SPEC_STEPS}, ["metrics", "--spec", "{ds}/spec.yaml"],
                 Fails(r"spec\.yaml: unknown key 'treshold' \(did you mean 'threshold'\?\)"), id="spec-unknown-key"),
    pytest.param({"spec.yaml": SPEC_STEPS + "    colour: red\n"}, ["metrics", "--spec", "{ds}/spec.yaml"],
                 Fails(r"spec\.yaml: unknown key steps\[0\]\.'colour'"), id="spec-unknown-step-key"),
    pytest.param({"spec.yaml": "threshold: high\n" + SPEC_STEPS}, ["metrics", "--spec", "{ds}/spec.yaml"],
                 Fails(r"the value for `threshold` must be a number, but 'high' was passed"), id="spec-threshold-text"),
    pytest.param({"spec.yaml": "steps: did_a\n"}, ["metrics", "--spec", "{ds}/spec.yaml"],
                 Fails(r"`steps` must be a list of 1 to 20 steps, but 'did_a' was found"), id="spec-steps-not-a-list"),
    pytest.param({"spec.yaml": SPEC_STEPS + "    min_count: '3'\n"}, ["metrics", "--spec", "{ds}/spec.yaml"],
                 Fails(r"steps\[0\]\.min_count` must be a whole number >= 1, but '3' was passed"), id="spec-min-count-text"),
    pytest.param({"spec.yaml": "- a\n- b\n"}, ["metrics", "--spec", "{ds}/spec.yaml"],
                 Fails(r"a spec must be a mapping with a 'steps' list, but list was found"), id="spec-a-list"),
    pytest.param({"spec.yaml": "!!python/object/apply:os.system ['echo pwned']\n"}, ["metrics", "--spec", "{ds}/spec.yaml"],
                 Fails(r"spec\.yaml: YAML tag not allowed at line 1"), id="spec-python-tag"),
]


def build(folder: Path, files: dict) -> None:
    folder.mkdir(exist_ok=True)
    for name, content in {"users.csv": USERS, "events.csv": EVENTS, **files}.items():
        if content is None:
            continue
        if callable(content):
            content(folder / name)
        elif isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8")


@pytest.mark.parametrize(("files", "args", "outcome"), CASES)
def test_bad_input(tmp_path, capsys, files, args, outcome):
    folder = tmp_path / "ds"
    build(folder, files)
    args = [a.replace("{ds}", str(folder)) for a in args]
    command = args[:1] if args[:1] in (["metrics"], ["validate"]) else ["validate"]
    rest = args[1:] if command == args[:1] else args
    status = main([*command, str(folder), *rest, "--format", "json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if isinstance(outcome, Fails):
        lines = captured.err.strip().splitlines()
        assert status == 2, captured
        assert len(lines) == 1 and lines[0].startswith("pqlkit: error: "), captured.err
        assert re.search(outcome.message, lines[0]), lines[0]
        return
    assert status == 0, captured.err
    assert all(line.startswith("pqlkit: warning: ") for line in captured.err.splitlines()), captured.err
    quality = json.loads(captured.out)["data_quality"]
    for table, counts in quality.items():
        assert counts["read"] == counts["used"] + sum(counts["dropped"].values()), table
    assert quality["events"]["read"] == outcome.rows
    if outcome.check is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pk.PqlkitWarning)  # the CLI run above already showed them
            dataset = pk.load(folder, **outcome.load_kwargs)
        result = outcome.check(dataset, captured.err)
        assert result is None or result is True


# --- fuzzing: random text in, a PqlkitError or a ledger that adds up out -----------------------------

# The number of examples comes from the hypothesis profile (tests/conftest.py): 40 under "ci".
FUZZ_SETTINGS = examples(4 / 3)
CSV_ALPHABET = st.sampled_from(list("0123456789abcT:-+.Z ,;\t\"\n\r") + ["é", "\u2028", "\x00"])


def assert_ledger_adds_up(dataset: pk.Dataset) -> dict:
    quality = dataset.data_quality()
    for table, counts in quality.items():
        assert counts["read"] == counts["used"] + sum(counts["dropped"].values()), (table, counts)
    return quality


@pytest.mark.filterwarnings("ignore::pqlkit.base.errors.PqlkitWarning")
@FUZZ_SETTINGS
@given(body=st.text(CSV_ALPHABET, max_size=200), header=st.sampled_from(["user_id,event,timestamp", "user_id,event,timestamp,event_id", "user_id,timestamp,event"]))
def test_fuzz_random_csv_text(tmp_path_factory, body, header):
    """Random CSV text after a valid header: a PqlkitError, or a ledger that adds up."""
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "users.csv").write_text(USERS)
    (folder / "events.csv").write_text(header + "\n" + body, encoding="utf-8")
    try:
        dataset = pk.load(folder)
    except pk.PqlkitError:
        return
    assert_ledger_adds_up(dataset)


@pytest.mark.filterwarnings("ignore::pqlkit.base.errors.PqlkitWarning")
@FUZZ_SETTINGS
@given(data=st.binary(max_size=200))
def test_fuzz_random_bytes(tmp_path_factory, data):
    """Random bytes as events.csv and as events.jsonl: a PqlkitError or a ledger that adds up."""
    folder = tmp_path_factory.mktemp("fuzzbytes")
    (folder / "users.csv").write_text(USERS)
    for name in ("events.csv", "events.jsonl"):
        for other in folder.glob("events.*"):
            other.unlink()
        (folder / name).write_bytes(data)
        try:
            dataset = pk.load(folder)
        except pk.PqlkitError:
            continue
        assert_ledger_adds_up(dataset)


FIELD = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@pytest.mark.filterwarnings("ignore::pqlkit.base.errors.PqlkitWarning")
@FUZZ_SETTINGS
@given(rows=st.lists(st.tuples(FIELD, FIELD, FIELD), min_size=1, max_size=15))
def test_fuzz_valid_csv_keeps_every_row(tmp_path_factory, rows):
    """Any well-formed CSV (written by Python's csv module, CRLF line ends as Excel writes them, so a
    value holding a carriage return or a newline is quoted) loads, and every row written is read."""
    folder = tmp_path_factory.mktemp("fuzzcsv")
    (folder / "users.csv").write_text(USERS)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["user_id", "event", "timestamp"])
    writer.writerows(rows)
    (folder / "events.csv").write_bytes(out.getvalue().encode("utf-8"))
    dataset = pk.load(folder)
    assert assert_ledger_adds_up(dataset)["events"]["read"] == len(rows)


JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**18, 10**18), st.floats(allow_nan=False), FIELD)


@pytest.mark.filterwarnings("ignore::pqlkit.base.errors.PqlkitWarning")
@FUZZ_SETTINGS
@given(records=st.lists(st.fixed_dictionaries(
    {"event": JSON_SCALAR, "properties": st.one_of(JSON_SCALAR, st.fixed_dictionaries(
        {"time": JSON_SCALAR, "distinct_id": JSON_SCALAR, "$insert_id": JSON_SCALAR}))}), min_size=1, max_size=15))
def test_fuzz_mixpanel_records_keep_every_row(tmp_path_factory, records):
    """Mixpanel-shaped JSON lines with values of any type: every record is one row read."""
    folder = tmp_path_factory.mktemp("fuzzjson")
    (folder / "users.csv").write_text(USERS)
    (folder / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    try:
        dataset = pk.load(folder, events_format="mixpanel")
    except pk.PqlkitError as error:
        # Only an empty analysis may fail: no timestamp parseable anywhere cannot happen (users have one).
        pytest.fail(f"unexpected error: {error}")
    assert assert_ledger_adds_up(dataset)["events"]["read"] == len(records)


# --- safety ---------------------------------------------------------------------------------------

PACKAGE = Path(pk.__file__).parent


def test_yaml_python_tags_are_refused(tmp_path):
    """yaml.safe_load refuses !!python/* tags: a SpecError, and nothing is run or built."""
    path = tmp_path / "evil.yaml"
    marker = tmp_path / "ran"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(pk.SpecError, match=r"evil\.yaml: YAML tag not allowed"):
        pk.ActivationSpec.from_yaml(path)
    assert not marker.exists()


def test_yaml_is_only_read_with_the_safe_loader():
    """No yaml.load / unsafe_load / full_load / Loader= anywhere in the package."""
    offenders = []
    for source in PACKAGE.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        for pattern in (r"yaml\.(load|unsafe_load|full_load|load_all)\(", r"Loader\s*=", r"yaml\.(Unsafe|Full)?Loader\b"):
            offenders += [f"{source.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []


def test_no_pickle_anywhere_in_the_package():
    """pickle (and its relatives) can run code from a file: pqlkit reads no pickles and writes none."""
    offenders = []
    for source in PACKAGE.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        for pattern in (r"\bc?[Pp]ickle\b", r"\bdill\b", r"\bcloudpickle\b", r"\bjoblib\b", r"\bshelve\b", r"read_pickle|to_pickle"):
            offenders += [f"{source.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []
