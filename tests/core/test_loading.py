"""The data-quality rules (docs/metrics.md#data-quality): every reason, their precedence, time zones and ``as_of``.

Each test builds a handful of rows; the docstring derives the expected ledger by walking the
reasons in the contract's order (missing_value, bad_timestamp, duplicate, unknown_user, before_signup,
after_as_of, no_account) and taking the first that applies.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pandas as pd
import pytest

import pqlkit as pk
from conftest import ROOT, SAMPLE
from helpers import DAY, T0, analyze, conversions, dropped, events, row, spec, users

ONE_STEP = spec([{"name": "did_a", "event": "a"}])


def test_users_reasons_and_first_row_kept():
    """Users rows, in file order:

    1. u1, T0            -> used (first of two u1 rows)
    2. "", T0            -> missing_value (empty id)
    3. u2, None          -> missing_value (empty signup)
    4. u3, "yesterday"   -> bad_timestamp
    5. u1, T0 + 3 days   -> duplicate (u1 again; the first row is kept, so u1 signed up at T0)
    6. u4, T0 + 30 days  -> after_as_of (as_of is T0 + 10 days)
    7. "  " (blank), T0  -> missing_value (white space only counts as empty)
    Used: 1 (u1). Read 7 = 1 + 3 + 1 + 1 + 1.
    """
    frames = {
        "users": users([("u1", T0), ("", T0), ("u2", None), ("u3", "yesterday"), ("u1", T0 + 3 * DAY),
                        ("u4", T0 + 30 * DAY), ("  ", T0)]),
        "events": events([("u1", "a", T0 + DAY)]),
    }
    entities, dataset = analyze(frames, ONE_STEP, as_of=T0 + 10 * DAY)
    assert dropped(dataset, "users") == {"missing_value": 3, "bad_timestamp": 1, "duplicate": 1, "after_as_of": 1}
    quality = dataset.data_quality()["users"]
    assert quality["read"] == 7 and quality["used"] == 1
    assert list(entities["entity_id"]) == ["u1"]
    assert row(entities, "u1")["signup_at"] == T0


def test_event_reasons_in_precedence_order():
    """Users: u1 signed up at T0, u2 at T0 + 20 days (after as_of = T0 + 10 days, so dropped,
    but still a known user for the events' unknown_user check).

    Events, each annotated with every reason that applies; the first one counts:
    1. (u1, a, T0 + 1d)                -> used
    2. ("", a, "bad")                  -> missing_value (also bad_timestamp)
    3. (u1, "", T0 + 1d)               -> missing_value
    4. (u9, a, "not a time")           -> bad_timestamp (also unknown_user)
    5. (u1, a, T0 + 1d) again          -> duplicate of row 1 (every column equal)
    6. (u9, a, T0 + 2d) twice          -> unknown_user, then duplicate (the copy is a duplicate first)
    7. (u1, a, T0 - 1d)                -> before_signup
    8. (u2, a, T0 + 15d)               -> before_signup (before u2's signup) though also after as_of
    9. (u1, a, T0 + 12d)               -> after_as_of
    10. (u2, a, T0 + 25d)              -> after_as_of (after u2's signup; u2 is known)
    Used 1; missing 2; bad 1; duplicate 2; unknown 1; before 2; after 2 -> read 11.
    """
    frames = {
        "users": users([("u1", T0), ("u2", T0 + 20 * DAY)]),
        "events": events([
            ("u1", "a", T0 + DAY), ("", "a", "bad"), ("u1", "", T0 + DAY), ("u9", "a", "not a time"),
            ("u1", "a", T0 + DAY), ("u9", "a", T0 + 2 * DAY), ("u9", "a", T0 + 2 * DAY),
            ("u1", "a", T0 - DAY), ("u2", "a", T0 + 15 * DAY), ("u1", "a", T0 + 12 * DAY),
            ("u2", "a", T0 + 25 * DAY),
        ]),
    }
    _, dataset = analyze(frames, ONE_STEP, as_of=T0 + 10 * DAY)
    assert dropped(dataset, "events") == {
        "missing_value": 2, "bad_timestamp": 1, "duplicate": 2, "unknown_user": 1,
        "before_signup": 2, "after_as_of": 2,
    }
    quality = dataset.data_quality()["events"]
    assert quality["used"] == 1 and quality["read"] == 11


def test_duplicates_by_event_id_and_by_every_column():
    """With an event_id column: rows 1 and 2 share id "e1" (different times) -> row 2 is a duplicate.
    Rows 3 and 4 have no event_id and equal values in every column, their timestamps being the same
    instant written in two zones (10:00Z = 12:00+02:00) -> row 4 is a duplicate. Row 5 differs in
    ``platform`` from row 3 -> kept. Used: rows 1, 3, 5 = 3.
    """
    columns = ("event_id", "user_id", "event", "timestamp", "platform")
    frames = {
        "users": users([("u1", T0)]),
        "events": events([
            ("e1", "u1", "a", "2026-01-06T10:00:00Z", "web"),
            ("e1", "u1", "a", "2026-01-07T10:00:00Z", "web"),
            (None, "u1", "b", "2026-01-06T10:00:00Z", "web"),
            (None, "u1", "b", "2026-01-06T12:00:00+02:00", "web"),
            (None, "u1", "b", "2026-01-06T10:00:00Z", "mobile"),
        ], columns=columns),
    }
    entities, dataset = analyze(frames, ONE_STEP)
    assert dropped(dataset, "events") == {"duplicate": 2}
    # The kept e1 is the first in file order: its time is Jan 6, not Jan 7.
    assert row(entities, "u1")["did_a_at"] == pd.Timestamp("2026-01-06T10:00:00Z")


def test_time_zones_are_converted_and_naive_means_utc():
    """Signup 2026-01-05T00:00:00Z. Event "2026-01-05T01:00:00+02:00" is 2026-01-04T23:00Z, an hour
    before signup -> before_signup. Event "2026-01-05T01:00:00" (naive) is 01:00 UTC -> used, and
    completes the step at 01:00Z (time to PQL = 1/24 day). Event "2026-01-05T03:00:00-05:00" is
    08:00Z -> used, later.
    """
    frames = {
        "users": users([("u1", "2026-01-05T00:00:00Z")]),
        "events": events([("u1", "a", "2026-01-05T01:00:00+02:00"), ("u1", "a", "2026-01-05T01:00:00"),
                          ("u1", "a", "2026-01-05T03:00:00-05:00")]),
    }
    entities, dataset = analyze(frames, ONE_STEP)
    assert dropped(dataset, "events") == {"before_signup": 1}
    u1 = row(entities, "u1")
    assert u1["did_a_at"] == pd.Timestamp("2026-01-05T01:00:00Z")
    assert u1["time_to_pql_days"] == pytest.approx(1 / 24)
    assert u1["last_seen_at"] == pd.Timestamp("2026-01-05T08:00:00Z")
    assert dataset.as_of == pd.Timestamp("2026-01-05T08:00:00Z")


def test_bare_date_as_of_is_end_of_day():
    """as_of "2026-01-10" means 2026-01-10T23:59:59.999999Z: an event at 23:59:59Z that day is used,
    one at 2026-01-11T00:00:00Z is after_as_of."""
    frames = {
        "users": users([("u1", T0)]),
        "events": events([("u1", "a", "2026-01-10T23:59:59Z"), ("u1", "b", "2026-01-11T00:00:00Z")]),
    }
    entities, dataset = analyze(frames, ONE_STEP, as_of="2026-01-10")
    assert dataset.as_of == pd.Timestamp("2026-01-10T23:59:59.999999Z")
    assert dropped(dataset, "events") == {"after_as_of": 1}
    assert pk.summary(entities, context=dataset)["as_of"] == "2026-01-10T23:59:59.999999+00:00"


def test_default_as_of_is_latest_parseable_timestamp_of_any_row():
    """The latest parseable timestamp among all rows, dropped rows included (docs/metrics.md#definitions, "any row"):
    the unknown user's event at T0 + 9d beats the used event at T0 + 2d and the payment at T0 + 5d;
    "garbage" is not parseable and is ignored."""
    frames = {
        "users": users([("u1", T0)]),
        "events": events([("u1", "a", T0 + 2 * DAY), ("u9", "a", T0 + 9 * DAY), ("u1", "a", "garbage")]),
        "conversions": conversions([("u1", T0 + 5 * DAY)]),
    }
    _, dataset = analyze(frames, ONE_STEP)
    assert dataset.as_of == T0 + 9 * DAY


def test_conversion_reasons_at_user_level():
    """Conversions: (u1, T0+3d) used; (None, T0+3d) missing_value; (u1, "soon") bad_timestamp;
    (u9, T0+3d) unknown_user; (u1, T0+20d) after_as_of (as_of T0+10d). Several rows for u1 are all
    used and the earliest counts: a second (u1, T0+2d) row makes u1's paid_at T0+2d."""
    frames = {
        "users": users([("u1", T0)]),
        "events": events([("u1", "a", T0 + DAY)]),
        "conversions": conversions([("u1", T0 + 3 * DAY), (None, T0 + 3 * DAY), ("u1", "soon"),
                                    ("u9", T0 + 3 * DAY), ("u1", T0 + 20 * DAY), ("u1", T0 + 2 * DAY)]),
    }
    entities, dataset = analyze(frames, ONE_STEP, as_of=T0 + 10 * DAY)
    assert dropped(dataset, "conversions") == {
        "missing_value": 1, "bad_timestamp": 1, "unknown_user": 1, "after_as_of": 1,
    }
    assert dataset.data_quality()["conversions"]["used"] == 2
    assert row(entities, "u1")["paid_at"] == T0 + 2 * DAY


def test_no_account_applies_at_account_level_only():
    """u1 (account A) and u2 (no account). At account level u2 is dropped as no_account, and so are
    its event and the payment keyed by its user_id; the payment keyed by account_id A is used.
    At user level nothing is dropped and no_account is not even listed."""
    frames = {
        "users": users([("u1", T0, "A"), ("u2", T0, None)], columns=("user_id", "signup_at", "account_id")),
        "events": events([("u1", "a", T0 + DAY), ("u2", "a", T0 + DAY)]),
        "conversions": conversions([(None, "A", T0 + 2 * DAY), ("u2", None, T0 + 2 * DAY)],
                                   columns=("user_id", "account_id", "paid_at")),
    }
    entities, dataset = analyze(frames, ONE_STEP, level="account")
    assert dropped(dataset, "users") == {"no_account": 1}
    assert dropped(dataset, "events") == {"no_account": 1}
    assert dropped(dataset, "conversions") == {"no_account": 1}
    assert list(entities["entity_id"]) == ["A"]
    assert row(entities, "A")["paid_at"] == T0 + 2 * DAY

    # At user level a conversions row without user_id is missing_value (it names no user).
    entities, dataset = analyze(frames, ONE_STEP, level="user")
    assert "no_account" not in dataset.data_quality()["users"]["dropped"]
    assert dropped(dataset, "conversions") == {"missing_value": 1}
    assert sorted(entities["entity_id"]) == ["u1", "u2"]


def test_account_id_on_events_is_ignored():
    """An event's own account_id column says B, but u1's account in users is A: the event counts for A."""
    frames = {
        "users": users([("u1", T0, "A")], columns=("user_id", "signup_at", "account_id")),
        "events": events([("u1", "a", T0 + DAY, "B")], columns=("user_id", "event", "timestamp", "account_id")),
    }
    entities, _ = analyze(frames, ONE_STEP, level="account")
    assert list(entities["entity_id"]) == ["A"] and bool(row(entities, "A")["is_pql"])


def test_strict_turns_any_drop_into_an_error():
    """One duplicate event is enough for strict mode to refuse; the error carries the failure cases."""
    frames = {"users": users([("u1", T0)]), "events": events([("u1", "a", T0 + DAY), ("u1", "a", T0 + DAY)])}
    with pytest.raises(pk.DataQualityError, match=r"events\.duplicate=1") as caught:
        analyze(frames, ONE_STEP, strict=True)
    assert caught.value.failure_cases[["table", "reason", "rows"]].values.tolist() == [["events", "duplicate", 1]]
    clean = {"users": frames["users"], "events": frames["events"].iloc[:1]}
    entities, _ = analyze(clean, ONE_STEP, strict=True)
    assert len(entities) == 1


def test_identifiers_are_strings_and_keep_leading_zeros(tmp_path):
    """A CSV user id "007" stays "007" (not 7), and events keyed "007" match it."""
    (tmp_path / "users.csv").write_text("user_id,signup_at\n007,2026-01-05T00:00:00Z\n")
    (tmp_path / "events.csv").write_text("user_id,event,timestamp\n007,a,2026-01-06T00:00:00Z\n")
    entities, dataset = pk.entity_table(tmp_path, ONE_STEP)
    assert list(entities["entity_id"]) == ["007"]
    assert dataset.data_quality()["events"]["used"] == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2026-06-30", "2026-06-30T23:59:59.999999Z", id="bare-date"),
        pytest.param("2026-06-30T12:00:00", "2026-06-30T12:00:00Z", id="naive-is-utc"),
        pytest.param("2026-06-30T12:00:00+02:00", "2026-06-30T10:00:00Z", id="offset-converted"),
    ],
)
def test_parse_as_of(value, expected):
    """docs/metrics.md#definitions: a bare date is the end of that day; naive is UTC; offsets are converted."""
    assert pk.parse_as_of(value) == pd.Timestamp(expected)


def test_parse_as_of_rejects_garbage():
    with pytest.raises(pk.PqlkitError, match="cannot read 'next tuesday'"):
        pk.parse_as_of("next tuesday")


# --- the ledger's read count is counted, not derived --------------------------------------------------


def _three_events_folder(tmp_path):
    """users.csv: u1 (T0); events.csv: three rows of u1 — a at +1 h, b at +2 h, c at +3 h (3 rows written)."""
    (tmp_path / "users.csv").write_text("user_id,signup_at\nu1,2026-01-05T00:00:00Z\n")
    (tmp_path / "events.csv").write_text(
        "user_id,event,timestamp\nu1,a,2026-01-05T01:00:00Z\nu1,b,2026-01-05T02:00:00Z\nu1,c,2026-01-05T03:00:00Z\n"
    )
    return tmp_path


def test_read_is_the_rows_in_the_file_and_the_ledger_stores_it(tmp_path):
    """The file holds 3 event rows and 1 user row (written above): read is 3 and 1, stored in the ledger's
    own ``read`` column, and used + dropped add up to it."""
    dataset = pk.load(_three_events_folder(tmp_path))
    events_rows = dataset.ledger[dataset.ledger["table"] == "events"]
    assert set(events_rows["read"]) == {3}
    assert dataset.data_quality()["events"] == {
        "read": 3, "used": 3,
        "dropped": {"missing_value": 0, "bad_timestamp": 0, "duplicate": 0, "unknown_user": 0, "before_signup": 0, "after_as_of": 0},
    }
    assert dataset.data_quality()["users"]["read"] == 1


def test_a_row_lost_between_reading_and_tagging_is_caught(tmp_path, monkeypatch):
    """Inject a fault: after staging, one events row (the first in file order) disappears. The rows read
    (3, counted from the raw table) no longer equal the rows tagged (2), and load stops with an internal
    error instead of a ledger that silently adds up."""
    from pqlkit.core import loading

    original = loading.stage

    def lossy_stage(engine, table, columns, *, row):
        original(engine, table, columns, row=row)
        if table == "events":  # the staged events are a view over the file: read them less their first row
            engine.run("ALTER VIEW stage_events RENAME TO stage_events_whole")
            engine.view("stage_events", "SELECT * FROM stage_events_whole WHERE _row > (SELECT min(_row) FROM stage_events_whole)")

    monkeypatch.setattr(loading, "stage", lossy_stage)
    with pytest.raises(RuntimeError, match=r"internal error: .*events\.csv: 3 rows were read but 2 were tagged"):
        pk.load(_three_events_folder(tmp_path))


def test_ledger_to_dict_reports_the_counted_read_so_the_identity_can_fail():
    """A ledger whose outcomes (2 used + 0 dropped) miss a row of the 3 read: ledger_to_dict reports
    read 3, so read == used + dropped is False — the check that tests and readers of the JSON rely on."""
    ledger = pd.DataFrame({"table": ["events", "events"], "reason": ["used", "duplicate"], "rows": [2, 0], "read": [3, 3]})
    quality = pk.ledger_to_dict(ledger)["events"]
    assert quality == {"read": 3, "used": 2, "dropped": {"duplicate": 0}}
    assert quality["read"] != quality["used"] + sum(quality["dropped"].values())


def test_step_event_only_in_dropped_rows_warns_with_reasons_not_never_occurs():
    """Events of 'b': one from an unknown user u9, one before u1's signup (T0 - 1 h): both dropped, none
    used. The warning says 'b' occurs only in dropped rows (2 rows: unknown_user 1, before_signup 1); 'c',
    in no row read, still never occurs."""
    frames = {
        "users": users([("u1", T0)]),
        "events": events([("u1", "a", T0 + DAY), ("u9", "b", T0 + DAY), ("u1", "b", T0 - pd.Timedelta(hours=1))]),
    }
    steps = spec([{"name": "sa", "event": "a"}, {"name": "sb", "event": "b"}, {"name": "sc", "event": "c"}])
    with pytest.warns(pk.PqlkitWarning) as caught:
        analyze(frames, steps)
    messages = [str(w.message) for w in caught if "waits for event" in str(w.message)]
    assert messages == [
        "spec: step 'sb' waits for event 'b', which occurs only in dropped rows (2 rows: unknown_user 1, "
        "before_signup 1); see the data-quality ledger (docs/metrics.md#data-quality) (no similar event names)",
        "spec: step 'sc' waits for event 'c', which never occurs in the data (no similar event names)",
    ]


def test_step_event_rows_and_dropped_reasons_agree_with_or_without_the_facts_of_the_tagging_pass():
    """The frames of the test above: 'a' has 1 used row; 'b' has 2 dropped rows (unknown_user 1,
    before_signup 1); 'c' has none. Loaded with the step events, the tagging pass's facts answer; loaded
    without, ``dropped_event_reasons`` asks the tagged events: both give the hand count."""
    frames = {
        "users": users([("u1", T0)]),
        "events": events([("u1", "a", T0 + DAY), ("u9", "b", T0 + DAY), ("u1", "b", T0 - pd.Timedelta(hours=1))]),
    }
    with_facts = pk.load(frames, step_events={"a": 1, "b": 1, "c": 1})
    assert with_facts.step_event_rows() == {"a": {"used": 1}, "b": {"unknown_user": 1, "before_signup": 1}, "c": {}}
    expected = {"b": {"unknown_user": 1, "before_signup": 1}}
    assert with_facts.dropped_event_reasons(["a", "b", "c"]) == expected
    without = pk.load(frames)
    assert without.step_event_rows() == {}
    assert without.dropped_event_reasons(["a", "b", "c"]) == expected
    assert with_facts.event_names() == without.event_names() == ["a"]



def test_duplicates_by_trimmed_event_id_or_by_every_column_keep_the_first_copy():
    """Nine events of u1: ids e1, e1 (1 duplicate), e2, e3 three times (2 duplicates), ' e2 ' (the
    same id once trimmed: 1 duplicate), and a row without an id repeated exactly (1 duplicate): 5
    duplicates by hand, 4 used (a, b, c, d: the first copy of each)."""
    frames = {
        "users": users([("u1", T0)]),
        "events": events(
            [("e1", "u1", "a", T0 + DAY), ("e1", "u1", "a", T0 + DAY), ("e2", "u1", "b", T0 + DAY),
             ("e3", "u1", "c", T0 + DAY), ("e3", "u1", "c", T0 + 2 * DAY), ("e3", "u1", "x", T0 + 3 * DAY),
             (" e2 ", "u1", "b", T0 + 4 * DAY), (None, "u1", "d", T0 + DAY), (None, "u1", "d", T0 + DAY)],
            columns=("event_id", "user_id", "event", "timestamp"),
        ),
    }
    dataset = pk.load(frames)
    assert dropped(dataset, "events") == {"duplicate": 5}
    kept = dataset.sql("SELECT event, ts FROM events ORDER BY ts, event")
    assert list(kept["event"]) == ["a", "b", "c", "d"]


# Loads a dataset in a fresh interpreter as the command line does (the spec's step events and active
# window), asks for everything the command line reads from it, then names the heavy libraries loaded.
_LOAD_AND_LIST = (
    "import json, sys\n"
    "from pqlkit.core.loading import load\n"
    "from pqlkit.core.spec import ActivationSpec\n"
    "from pqlkit.core.context import Context\n"
    "spec = ActivationSpec.from_yaml('data/activation.yaml')\n"
    "options = {'level': spec.level, **json.loads(sys.argv[2])}\n"
    "ds = load(sys.argv[1], step_events={s.event: s.min_count for s in spec.steps if s.event},\n"
    "          active_days=spec.active_days, **options)\n"
    "ds.data_quality(); ds.as_of_datetime; ds.step_event_rows(); ds.dropped_event_reasons(list(spec.step_events))\n"
    "ds.engine.rows('SELECT count(*) FROM events')\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'pyarrow', 'matplotlib')))\n"
)


@pytest.mark.parametrize(
    ("source", "options"),
    [
        pytest.param("data/sample", {}, id="folder"),
        pytest.param("data/sample", {"as_of": "2026-04-30"}, id="given-as-of"),
        pytest.param("data/sample", {"level": "account", "strict": False}, id="account-level"),
        pytest.param("tests/data/exports/segment_groups", {"level": "account"}, id="export-with-group-calls"),
        pytest.param("tests/data/exports/mixpanel", {"stitch_identities": True}, id="export-identities-stitched"),
    ],
)
def test_loading_a_folder_imports_neither_pandas_nor_pyarrow(source, options):
    """Issue 25: the command line loads and checks a folder (files or a vendor's export) on DuckDB alone;
    pandas and pyarrow are imported only for the Python API's frames (Dataset.ledger, Dataset.as_of)."""
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", _LOAD_AND_LIST, source, json.dumps(options)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _id_form_folder(tmp_path):
    """users.csv: 1001 and 1002; events.csv: their events written 1001.0 and 1002.0 (2 rows), both dropped
    as unknown_user and both matched in another form (id_form 2)."""
    (tmp_path / "users.csv").write_text("user_id,signup_at\n1001,2026-01-05T00:00:00Z\n1002,2026-01-05T00:00:00Z\n")
    (tmp_path / "events.csv").write_text("user_id,event,timestamp\n1001.0,a,2026-01-05T01:00:00Z\n"
                                        "1002.0,a,2026-01-06T01:00:00Z\n")
    return tmp_path


@pytest.mark.parametrize(
    ("source", "as_of", "expected_as_of"),
    [
        # The sample's latest timestamp, read as text, is its default as_of (docs/metrics.md#definitions).
        pytest.param(SAMPLE, None, None, id="sample-default"),
        # A bare date is the end of that day, UTC.
        pytest.param(SAMPLE, "2026-04-30", dt.datetime(2026, 4, 30, 23, 59, 59, 999999, tzinfo=dt.timezone.utc),
                     id="sample-given"),
        # The latest time in the folder is the second event's, 2026-01-06T01:00Z.
        pytest.param("id-form", None, dt.datetime(2026, 1, 6, 1, tzinfo=dt.timezone.utc), id="id-form-notes"),
    ],
)
def test_the_pandas_forms_are_built_from_the_stored_instant_and_records(tmp_path, source, as_of, expected_as_of):
    """Two routes to the same numbers: :meth:`Dataset.data_quality` reads the stored records, and
    :func:`pk.ledger_to_dict` reads the frame :attr:`Dataset.ledger` built from them (its notes included:
    2 id_form rows in the third case). The Timestamp is the stored instant, UTC in microseconds, as
    :func:`pk.parse_as_of` gives."""
    dataset = pk.load(_id_form_folder(tmp_path) if source == "id-form" else source, as_of=as_of)
    instant = dataset.as_of_datetime
    assert type(instant) is dt.datetime and instant.tzinfo is dt.timezone.utc
    assert expected_as_of is None or instant == expected_as_of
    assert dataset.as_of == pd.Timestamp(instant) and dataset.as_of.unit == "us" and str(dataset.as_of.tz) == "UTC"
    assert pk.ledger_to_dict(dataset.ledger) == dataset.data_quality()
    assert list(dataset.ledger.columns) == ["table", "reason", "rows", "read", "id_form"]
    assert (dataset.ledger[["rows", "read", "id_form"]].dtypes == "int64").all()
    assert dataset.ledger.to_dict(orient="records") == dataset.ledger_records
    if source == "id-form":
        assert dataset.data_quality()["events"]["notes"] == {"id_form": 2}
