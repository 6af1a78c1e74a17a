"""Vendor exports read by the vendors' own rules (pqlkit.io.exports): duplicates, time, identities, archives.

The ``*_docs`` folders in tests/data/exports hold rows copied from each vendor's documentation
(README.md there names the page or repository file of every row). The expected counts below are
worked out by hand from those rows and the vendor's documented rule:

- mixpanel_docs (11 rows): rows 1-5 are the de-duplication page's minimised event
  (``Item Purchased``, ``user123xyz``, time 1601412131000 ms, ``$insert_id`` 88B7...) and copies of it
  that change one of the four key fields each; only row 2 (an exact copy) matches row 1 on event,
  distinct_id, time and $insert_id, so 1 duplicate (the old rule, same $insert_id, dropped 3).
  Rows 6-11 are the "Returning User" flow of the simplified ID merge page: events 1, 2 on device D1,
  3 with D1 and U1, 4, 5 on D2, 6 with D2 and U1. Without merging, the four ``$device:`` rows are
  unknown_user (not in users.csv); with merging all six count for U1 (4 merged).
- segment_docs (5 rows): the Identify and Page examples (no ``event``: missing_value), the Track example
  (used), the Track example from anonymousId 507f... without userId and without ``timestamp``
  (time from ``originalTimestamp``; missing_value unless merged through the Identify call, which links
  507f... to 97980cfea0067), and the Track example with no timestamp field at all (missing_value).
- amplitude_docs (4 rows): the HTTP V2 quickstart ids; row 1 from device C8F9... alone (no user_id:
  missing_value, or 203201202 through row 2's device_id/user_id), rows 2-3 the same $insert_id on the
  same device (1 duplicate), row 4 the same $insert_id on another device and user (kept).
- posthog_docs (5 rows): PostHog/examples capture payloads; an anonymous ``request``, the ``$identify``
  naming it in ``$anon_distinct_id``, a ``request`` exported twice (same uuid: 1 duplicate), and a
  ``request`` from the alias distinct_id of the same ``person_id``. Without merging, the anonymous and
  the alias rows are unknown_user; with merging they count for test-user-bash (2 merged).
"""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pqlkit as pk
from pqlkit.cli import main
from pqlkit.base.errors import DataError
from pqlkit.io.exports import ExportSource, combine_parts
from pqlkit.io.users import derive_users

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
SPEC = EXPORTS / "spec.yaml"

DOC_LEDGERS = [
    # folder, stitched, used, duplicate, missing_value, unknown_user, merged
    pytest.param("mixpanel_docs", False, 6, 1, 0, 4, None, id="mixpanel"),
    pytest.param("mixpanel_docs", True, 10, 1, 0, 0, 4, id="mixpanel-stitched"),
    pytest.param("segment_docs", False, 1, 0, 4, 0, None, id="segment"),
    pytest.param("segment_docs", True, 2, 0, 3, 0, 1, id="segment-stitched"),
    pytest.param("amplitude_docs", False, 2, 1, 1, 0, None, id="amplitude"),
    pytest.param("amplitude_docs", True, 3, 1, 0, 0, 1, id="amplitude-stitched"),
    pytest.param("posthog_docs", False, 2, 1, 0, 2, None, id="posthog"),
    pytest.param("posthog_docs", True, 4, 1, 0, 0, 2, id="posthog-stitched"),
]


def events_quality(dataset: pk.Dataset) -> dict:
    quality = dataset.data_quality()["events"]
    return {"read": quality["read"], "used": quality["used"], **{k: v for k, v in quality["dropped"].items() if v}}


@pytest.mark.parametrize(("folder", "stitched", "used", "duplicate", "missing", "unknown", "merged"), DOC_LEDGERS)
def test_vendor_documented_rows_give_the_vendors_counts(folder, stitched, used, duplicate, missing, unknown, merged):
    """The counts of the module docstring, worked out by hand from each vendor's rule."""
    dataset = pk.load(EXPORTS / folder, stitch_identities=stitched)
    read = sum(1 for line in (EXPORTS / folder / "events.jsonl").read_text().splitlines() if line.strip())
    expected = {"read": read, "used": used}
    expected.update({k: v for k, v in {"duplicate": duplicate, "missing_value": missing, "unknown_user": unknown}.items() if v})
    assert events_quality(dataset) == expected
    assert dataset.identity_merges == merged


def test_mixpanel_keeps_events_that_share_an_insert_id_but_not_the_other_key_fields():
    """Mixpanel's four-field key: same $insert_id with another event name, distinct_id or time is kept."""
    dataset = pk.load(EXPORTS / "mixpanel_docs")
    kept = dataset.sql(
        "SELECT user_id, event, ts FROM events WHERE user_id IN ('user123xyz', 'john.doe@gmail.com') ORDER BY ts, event, user_id"
    )
    first = pd.Timestamp("2020-09-29T20:42:11Z")  # 1601412131000 ms (the docs' example is in ms)
    assert list(kept.itertuples(index=False, name=None)) == [
        ("john.doe@gmail.com", "Item Purchased", first),
        ("user123xyz", "Item Purchased", first),
        ("user123xyz", "Played Song", first),
        ("user123xyz", "Item Purchased", first + pd.Timedelta(seconds=1)),
    ]


def test_segment_time_falls_back_to_original_timestamp_and_no_time_is_missing_value():
    """Segment Common fields, Timestamps: without `timestamp`, the row of the Track example from
    507f... (merged into 97980cfea0067) takes `originalTimestamp` 2015-12-12T19:11:01.152Z; the row
    without any of the four fields is missing_value, and validate exits 0."""
    dataset = pk.load(EXPORTS / "segment_docs", stitch_identities=True)
    merged = dataset.sql("SELECT ts FROM events WHERE user_id = '97980cfea0067'")
    assert merged["ts"].tolist() == [pd.Timestamp("2015-12-12T19:11:01.152Z")]
    assert main(["validate", str(EXPORTS / "segment_docs")]) == 0


def test_segment_alias_links_previous_id_to_user_id(tmp_path):
    """Segment Spec: Alias: `previousId` becomes `userId`; an anonymous track call from previousId counts for userId."""
    calls = [
        {"type": "track", "event": "Signed Up", "anonymousId": "anon-7", "messageId": "m1", "timestamp": "2026-01-05T10:00:00Z"},
        {"type": "alias", "previousId": "anon-7", "userId": "00042", "messageId": "m2", "timestamp": "2026-01-05T10:01:00Z"},
    ]
    folder = tmp_path / "alias"
    folder.mkdir()
    (folder / "events.jsonl").write_text("".join(json.dumps(c) + "\n" for c in calls))
    (folder / "users.csv").write_text("user_id,signup_at\n00042,2026-01-05T09:00:00Z\n")
    dataset = pk.load(folder, stitch_identities=True)
    assert dataset.sql("SELECT user_id, event FROM events").values.tolist() == [["00042", "Signed Up"]]
    assert dataset.identity_merges == 1


def onboarding(folder: Path, *, merged: bool) -> Path:
    """Segment calls of two users; user 00042 signs up anonymously (anonymousId a-42) before identify.

    Hand-worked with spec.yaml (both steps make a PQL): 00042 does Signed Up (10:00) and Report
    Created (2026-01-06), so 00042 is a PQL once the anonymous Signed Up counts for it; 00043 only
    creates a report (not a PQL). ``merged=True`` writes the same calls with userId already set.
    """
    signed_up = {"type": "track", "event": "Signed Up", "anonymousId": "a-42", "messageId": "m1",
                 "timestamp": "2026-01-05T10:00:00Z"}
    if merged:
        signed_up["userId"] = "00042"
    calls = [
        signed_up,
        {"type": "identify", "anonymousId": "a-42", "userId": "00042", "messageId": "m2", "timestamp": "2026-01-05T10:05:00Z"},
        {"type": "track", "event": "Report Created", "userId": "00042", "anonymousId": "a-42", "messageId": "m3",
         "timestamp": "2026-01-06T10:00:00Z"},
        {"type": "track", "event": "Report Created", "userId": "00043", "messageId": "m4", "timestamp": "2026-01-07T11:30:00Z"},
    ]
    folder.mkdir()
    (folder / "events.jsonl").write_text("".join(json.dumps(c) + "\n" for c in calls))
    (folder / "users.csv").write_text("user_id,signup_at\n00042,2026-01-05T09:00:00Z\n00043,2026-01-07T09:00:00Z\n")
    return folder


def test_anonymous_onboarding_gives_the_pqls_of_the_merged_data(tmp_path):
    """Stitched anonymous onboarding = the same data with identities merged: one PQL, 00042 at 2026-01-06T10:00Z."""
    anonymous = onboarding(tmp_path / "anonymous", merged=False)
    merged = onboarding(tmp_path / "merged", merged=True)
    entities, _ = pk.entity_table(ExportSource(anonymous, stitch_identities=True), SPEC, as_of="2026-01-08")
    expected, _ = pk.entity_table(merged, SPEC, as_of="2026-01-08")
    pqls = entities.loc[entities["is_pql"], ["entity_id", "pql_at"]].reset_index(drop=True)
    assert pqls.values.tolist() == [["00042", pd.Timestamp("2026-01-06T10:00:00Z")]]
    pd.testing.assert_frame_equal(entities.sort_values("entity_id").reset_index(drop=True),
                                  expected.sort_values("entity_id").reset_index(drop=True))
    # Without the option the anonymous Signed Up stays missing_value and nobody is a PQL.
    with pytest.warns(pk.PqlkitWarning, match="occurs only in dropped rows"):
        plain, _ = pk.entity_table(anonymous, SPEC, as_of="2026-01-08")
    assert not plain["is_pql"].any()


def test_mixpanel_source_timezone_reads_project_local_time(tmp_path):
    """Pre-2023 Mixpanel projects export local time: 1767607200 (2026-01-05 10:00 as a wall clock) in
    America/Los_Angeles (UTC-8 in January) is 2026-01-05T18:00:00Z; in ms the same."""
    folder = shutil.copytree(EXPORTS / "mixpanel", tmp_path / "mp")
    dataset = pk.load(folder, source_timezone="America/Los_Angeles")
    first = dataset.sql("SELECT ts FROM events WHERE event = 'Signed Up' ORDER BY ts LIMIT 1")["ts"].iloc[0]
    assert first == pd.Timestamp("2026-01-05T18:00:00Z")
    assert pk.load(folder).sql("SELECT min(ts) AS t FROM events")["t"].iloc[0] == pd.Timestamp("2026-01-05T10:00:00Z")


def test_source_timezone_errors_are_one_line(tmp_path, capsys):
    """A zone name that is not IANA, or the option on an export whose times carry a zone: exit 2, one line."""
    assert main(["validate", str(EXPORTS / "mixpanel"), "--source-timezone", "Mars/Olympus"]) == 2
    assert "is not a time zone name" in capsys.readouterr().err
    assert main(["validate", str(EXPORTS / "amplitude"), "--source-timezone", "Europe/Berlin"]) == 2
    err = capsys.readouterr().err
    assert "for Mixpanel exports" in err and err.count("\n") == 1


def amplitude_zip(tmp_path: Path, *, reverse_members: bool = False) -> Path:
    """The Export API zip: a project folder of hourly gzipped JSON files (`<project>_<date>_<hour>#<n>.json.gz`)."""
    rows = (EXPORTS / "amplitude_docs" / "events.jsonl").read_text().splitlines()
    folder = tmp_path / "amp_zip"
    folder.mkdir()
    shutil.copy(EXPORTS / "amplitude_docs" / "users.csv", folder / "users.csv")
    parts = {"123456/123456_2026-01-05_10#0.json.gz": rows[:1], "123456/123456_2026-01-05_11#0.json.gz": rows[1:]}
    names = sorted(parts, reverse=reverse_members)
    with zipfile.ZipFile(folder / "events.zip", "w") as archive:
        for name in names:
            archive.writestr(name, gzip.compress(("\n".join(parts[name]) + "\n").encode()))
    return folder


@pytest.mark.parametrize("reverse_members", [False, True], ids=["in-order", "members-reversed"])
def test_amplitude_zip_reads_as_one_table_in_file_name_order(tmp_path, reverse_members):
    """events.zip gives the ledger of the same rows as one file (amplitude_docs), whatever the member order."""
    folder = amplitude_zip(tmp_path, reverse_members=reverse_members)
    assert events_quality(pk.load(folder)) == {"read": 4, "used": 2, "duplicate": 1, "missing_value": 1}
    rows = pk.read_events(folder / "events.zip")
    assert rows["timestamp"].tolist() == ["2026-01-05 10:00:00.000000"] + ["2026-01-05 11:00:00.000000"] * 3


def test_folder_of_parquet_parts_and_of_json_gz_parts(tmp_path):
    """events/part-*.parquet (canonical) and events/*.json.gz (an export): one table, parts in name order."""
    folder = tmp_path / "parts"
    (folder / "events").mkdir(parents=True)
    (folder / "users.csv").write_text("user_id,signup_at\n00042,2026-01-05T09:00:00Z\n")
    for index, rows in enumerate([[("e1", "00042", "Signed Up", "2026-01-05T10:00:00Z")],
                                  [("e1", "00042", "Signed Up", "2026-01-05T10:00:00Z"),
                                   ("e2", "00042", "Report Created", "2026-01-06T10:00:00Z")]]):
        table = pa.table({name: [r[i] for r in rows] for i, name in enumerate(["event_id", "user_id", "event", "timestamp"])})
        pq.write_table(table, folder / "events" / f"part-{index:05d}.parquet")
    assert events_quality(pk.load(folder)) == {"read": 3, "used": 2, "duplicate": 1}

    json_folder = tmp_path / "json_parts"
    (json_folder / "events").mkdir(parents=True)
    shutil.copy(EXPORTS / "amplitude_docs" / "users.csv", json_folder / "users.csv")
    rows = (EXPORTS / "amplitude_docs" / "events.jsonl").read_text().splitlines()
    for index, row in enumerate(rows):
        (json_folder / "events" / f"2026-01-05_{index:02d}.json.gz").write_bytes(gzip.compress(row.encode()))
    assert events_quality(pk.load(json_folder)) == {"read": 4, "used": 2, "duplicate": 1, "missing_value": 1}


def test_parts_of_different_kinds_are_an_error(tmp_path):
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "a.json").write_text("{}\n")
    pq.write_table(pa.table({"x": [1]}), tmp_path / "events" / "b.parquet")
    with pytest.raises(DataError, match="different kinds"):
        combine_parts(tmp_path / "events")


def test_warehouse_column_names_match_the_contract(tmp_path):
    """Snowflake unloads upper case (USER_ID), spreadsheets add spaces (' event '): the same ledger as the
    canonical names; in CSV and in Parquet (a view)."""
    folder = tmp_path / "upper"
    folder.mkdir()
    (folder / "users.csv").write_text("USER_ID,SIGNUP_AT,PLAN\n00042,2026-01-05T09:00:00Z,pro\n")
    (folder / "events.csv").write_text(
        "EVENT_ID, user_id , event ,TIMESTAMP\ne1,00042,Signed Up,2026-01-05T10:00:00Z\ne1,00042,Signed Up,2026-01-05T10:00:00Z\n"
    )
    dataset = pk.load(folder)
    assert events_quality(dataset) == {"read": 2, "used": 1, "duplicate": 1}
    assert dataset.segments == ["PLAN"]
    pq.write_table(pa.table({"User_Id": ["00042"], "Signup_At": ["2026-01-05T09:00:00Z"]}), folder / "users.parquet")
    (folder / "users.csv").unlink()
    assert events_quality(pk.load(folder)) == {"read": 2, "used": 1, "duplicate": 1}


def test_two_columns_matching_one_name_are_an_error(tmp_path, capsys):
    folder = tmp_path / "both"
    folder.mkdir()
    (folder / "users.csv").write_text("user_id,USER_ID,signup_at\n1,2,2026-01-05T09:00:00Z\n")
    (folder / "events.csv").write_text("user_id,event,timestamp\n1,Signed Up,2026-01-05T10:00:00Z\n")
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "'user_id', 'USER_ID' all match 'user_id'" in err and "users.csv" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("folder", "stitched", "expected"),
    [
        # Amplitude user_creation_time of each user (rows 2-4).
        ("amplitude_docs", False, [("203201203", "2026-01-05T08:00:00Z", "user_creation_time"),
                                   ("203201202", "2026-01-05T09:00:00Z", "user_creation_time")]),
        # Segment identify traits.createdAt for 97980cfea0067; AiUGstSDIg first seen at the Track example's timestamp.
        ("segment_docs", False, [("97980cfea0067", "2015-02-01T00:00:00Z", "traits.createdAt"),
                                 ("AiUGstSDIg", "2015-12-12T19:11:01.249Z", "first_seen")]),
        # PostHog person_created_at; the anonymous and alias distinct_ids are not users of their own.
        ("posthog_docs", False, [("test-user-bash", "2026-01-05T09:00:00Z", "person_created_at")]),
        # Mixpanel has no creation field: first seen; U1's first event is 3 (12:00) alone, 1 (10:00) merged.
        ("mixpanel_docs", False, [("john.doe@gmail.com", "2020-09-29T20:42:11Z", "first_seen"),
                                  ("user123xyz", "2020-09-29T20:42:11Z", "first_seen"),
                                  ("U1", "2026-01-05T12:00:00Z", "first_seen")]),
        ("mixpanel_docs", True, [("john.doe@gmail.com", "2020-09-29T20:42:11Z", "first_seen"),
                                 ("user123xyz", "2020-09-29T20:42:11Z", "first_seen"),
                                 ("U1", "2026-01-05T10:00:00Z", "first_seen")]),
    ],
)
def test_users_from_the_export(folder, stitched, expected):
    frame = derive_users(EXPORTS / folder, stitch_identities=stitched)
    got = [(r.user_id, r.signup_at, r.signup_source) for r in frame.itertuples()]
    assert got == [(u, pd.Timestamp(t), s) for u, t, s in expected]


def test_users_command_writes_a_users_table_the_loader_reads(tmp_path, capsys):
    """pqlkit users: one row per identified user, the summary says which field gave signup_at; the file
    then serves as the dataset's users table (amplitude_docs: 2 users, the ledger of its own users.csv)."""
    folder = shutil.copytree(EXPORTS / "amplitude_docs", tmp_path / "amp")
    (folder / "users.csv").unlink()
    assert main(["users", str(folder / "events.jsonl"), "--out", str(folder / "users.csv")]) == 0
    assert capsys.readouterr().out.strip() == f"{folder / 'users.csv'}: 2 users; signup_at from user_creation_time 2"
    assert pd.read_csv(folder / "users.csv", dtype=str).columns.tolist() == ["user_id", "signup_at", "signup_source"]
    assert events_quality(pk.load(folder)) == {"read": 4, "used": 2, "duplicate": 1, "missing_value": 1}


def test_users_command_refuses_canonical_events(capsys):
    assert main(["users", str(EXPORTS.parent / "tiny"), "--out", "/dev/null"]) == 2
    assert "not an export" in capsys.readouterr().err


def test_help_says_what_stitching_does(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--stitch-identities" in text and "before a user was identified" in text
    assert "--source-timezone" in text


def test_validate_prints_the_rows_attributed_through_a_merge(capsys):
    assert main(["validate", str(EXPORTS / "posthog_docs"), "--stitch-identities"]) == 0
    assert "events: 2 rows attributed to a user through an identity merge" in capsys.readouterr().out


def test_posthog_csv_export_merges_like_the_json_lines(tmp_path):
    """The same posthog_docs rows as a CSV batch export (properties as JSON text): the same ledger,
    with and without merging (counts of the module docstring)."""
    rows = [json.loads(line) for line in (EXPORTS / "posthog_docs" / "events.jsonl").read_text().splitlines()]
    frame = pd.DataFrame(rows).assign(properties=lambda f: f["properties"].map(json.dumps))
    folder = tmp_path / "ph_csv"
    folder.mkdir()
    frame.to_csv(folder / "events.csv", index=False)
    shutil.copy(EXPORTS / "posthog_docs" / "users.csv", folder / "users.csv")
    assert events_quality(pk.load(folder)) == {"read": 5, "used": 2, "duplicate": 1, "unknown_user": 2}
    stitched = pk.load(folder, stitch_identities=True)
    assert events_quality(stitched) == {"read": 5, "used": 4, "duplicate": 1}
    assert stitched.identity_merges == 2


def test_mixpanel_original_id_merge_identify_links_anon_distinct_id(tmp_path):
    """Identifying Users (Original): the $identify event links $anon_distinct_id to $identified_id
    (https://docs.mixpanel.com/docs/tracking-methods/id-management/identifying-users-original).
    The anonymous Signed Up (distinct_id anon-9) then counts for 00042: 2 used, 1 merged."""
    rows = [
        {"event": "Signed Up", "properties": {"distinct_id": "anon-9", "time": 1767607200, "$insert_id": "i1"}},
        {"event": "$identify", "properties": {"distinct_id": "00042", "$anon_distinct_id": "anon-9",
                                              "$identified_id": "00042", "time": 1767607260, "$insert_id": "i2"}},
    ]
    folder = tmp_path / "mp_original"
    folder.mkdir()
    (folder / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "users.csv").write_text("user_id,signup_at\n00042,2026-01-05T09:00:00Z\n")
    assert events_quality(pk.load(folder)) == {"read": 2, "used": 1, "unknown_user": 1}
    stitched = pk.load(folder, stitch_identities=True)
    assert events_quality(stitched) == {"read": 2, "used": 2}
    assert stitched.identity_merges == 1


def test_users_command_reads_the_amplitude_zip(tmp_path, capsys):
    """pqlkit users on events.zip as downloaded: the users of amplitude_docs (2, user_creation_time)."""
    folder = amplitude_zip(tmp_path)
    out = tmp_path / "users.parquet"
    assert main(["users", str(folder / "events.zip"), "--out", str(out)]) == 0
    assert "2 users; signup_at from user_creation_time 2" in capsys.readouterr().out
    frame = pd.read_parquet(out)
    assert frame["user_id"].tolist() == ["203201203", "203201202"]


def test_segment_tracks_table_unloaded_in_upper_case(tmp_path):
    """A Snowflake unload of the Segment tracks table writes ID, USER_ID, EVENT_TEXT, ...: detected
    and read as the segment_tracks fixture (its ledger: read 6, used 3, duplicate 1, missing_value 1,
    unknown_user 1; tests/data/exports/README.md)."""
    folder = shutil.copytree(EXPORTS / "segment_tracks", tmp_path / "upper")
    header, _, rest = (folder / "events.csv").read_text().partition("\n")
    (folder / "events.csv").write_text(header.upper() + "\n" + rest)
    assert pk.detect_events_format(folder / "events.csv") == "segment"
    assert events_quality(pk.load(folder)) == {"read": 6, "used": 3, "duplicate": 1, "missing_value": 1, "unknown_user": 1}
