"""Write the export fixtures in this folder (run once; the outputs are committed).

Every folder holds the same six events, shaped as each tool's documentation shows them (see README.md
beside this file), and the same canonical users.csv:

1. user 00042 "Signed Up"       2026-01-05T10:00:00Z   event id e1
2. user 00042 "Report Created"  2026-01-06T10:00:00Z   event id e2
3. user 00042 "Report Created"  2026-01-06T10:00:00Z   event id e2   (exported twice: duplicate)
4. user 00043 "Report Created"  2026-01-07T11:30:00Z   event id e3
5. no user id "Report Created"  2026-01-07T12:00:00Z   event id e4   (anonymous: missing_value)
6. user 99999 "Signed Up"       2026-01-08T09:15:00Z   event id e5   (not in users: unknown_user)

So every reader must give: read 6, used 3, duplicate 1, missing_value 1, unknown_user 1.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

HERE = Path(__file__).parent
USERS = "user_id,signup_at\n00042,2026-01-05T09:00:00Z\n00043,2026-01-05T12:00:00Z\n7,2026-01-06T08:00:00Z\n"

# (user id or None, event name, ISO time, epoch seconds, event id)
EVENTS = [
    ("00042", "Signed Up", "2026-01-05T10:00:00", 1767607200, "e1"),
    ("00042", "Report Created", "2026-01-06T10:00:00", 1767693600, "e2"),
    ("00042", "Report Created", "2026-01-06T10:00:00", 1767693600, "e2"),
    ("00043", "Report Created", "2026-01-07T11:30:00", 1767785400, "e3"),
    (None, "Report Created", "2026-01-07T12:00:00", 1767787200, "e4"),
    ("99999", "Signed Up", "2026-01-08T09:15:00", 1767863700, "e5"),
]
SLUG = {"Signed Up": "signed_up", "Report Created": "report_created"}


def segment_calls() -> list[dict]:
    """Track calls as in the Segment Spec's complete track example (spec/track)."""
    rows = []
    for user, event, iso, _, event_id in EVENTS:
        call = {
            "anonymousId": f"23adfd82-aa0f-45a7-a756-24f2a7a4c8{event_id[-1]}5",
            "context": {"library": {"name": "analytics.js", "version": "2.11.1"}, "ip": "108.0.78.21"},
            "event": event,
            "integrations": {},
            "messageId": f"ajs-{event_id}-f8ca1e4de5024d9430b3928bd8ac6b96",
            "properties": {"title": "Intro to Analytics"},
            "receivedAt": iso + ".266Z",
            "sentAt": iso + ".169Z",
            "timestamp": iso + ".000Z",
            "type": "track",
            "originalTimestamp": iso + ".152Z",
        }
        if user is not None:
            call["userId"] = user
        rows.append(call)
    return rows


def segment_tracks_rows() -> tuple[list[str], list[list[str]]]:
    """The warehouse tracks table: the columns of the Warehouse Schemas page (tracks table, timestamps)."""
    header = ["anonymous_id", "context_library_name", "context_library_version", "event", "event_text", "id",
              "original_timestamp", "received_at", "sent_at", "timestamp", "user_id", "uuid_ts"]
    rows = []
    for user, event, iso, _, event_id in EVENTS:
        stamp = iso.replace("T", " ")
        rows.append([f"23adfd82-aa0f-45a7-a756-24f2a7a4c8{event_id[-1]}5", "analytics.js", "2.11.1", SLUG[event], event,
                     f"ajs-{event_id}-f8ca1e4de5024d9430b3928bd8ac6b96", stamp + ".152000+00", stamp + ".266000+00",
                     stamp + ".169000+00", stamp + ".000000+00", user or "", stamp + ".900000+00"])
    return header, rows


def amplitude_rows() -> list[dict]:
    """Export API response schema (one JSON object per line; event_time is UTC without an offset)."""
    rows = []
    for number, (user, event, iso, _, event_id) in enumerate(EVENTS, start=1):
        stamp = iso.replace("T", " ") + ".000000"
        rows.append({
            "server_received_time": stamp, "app": 123456, "device_carrier": None, "$schema": 12, "city": "Berlin",
            "user_id": user, "uuid": f"9a2a1a0c-0000-11f0-a000-00000000000{event_id[-1]}",
            "event_time": stamp, "platform": "Web", "os_version": "120", "amplitude_id": 501234567 + number,
            "processed_time": stamp, "user_creation_time": "2026-01-05 09:00:00.000000", "version_name": None,
            "ip_address": "192.0.2.1", "paying": None, "dma": None, "group_properties": {},
            "user_properties": {"plan": "trial"}, "client_upload_time": stamp, "$insert_id": f"insert-{event_id}",
            "event_type": event, "library": "amplitude-ts/2.0.0", "amplitude_attribution_ids": None,
            "device_type": "Mac", "device_manufacturer": None, "start_version": None, "location_lng": None,
            "server_upload_time": stamp, "event_id": number, "location_lat": None, "os_name": "Chrome",
            "amplitude_event_type": None, "device_brand": None, "groups": {},
            "event_properties": {"source": "web"}, "data": {}, "device_id": f"device-{event_id}",
            "language": "English", "device_model": "Mac OS", "country": "Germany", "region": "Berlin",
            "is_attribution_event": False, "adid": None, "session_id": 1767607000000, "device_family": "Mac",
            "sample_rate": None, "idfa": None, "client_event_time": stamp,
        })
    return rows


def mixpanel_rows() -> list[dict]:
    """Raw event export lines as the Export Methods page shows them (time in epoch seconds)."""
    rows = []
    for user, event, _, epoch, event_id in EVENTS:
        rows.append({"event": event, "properties": {
            "time": epoch, "$insert_id": f"hpuDqcvpltpCjBsebtxwadtEBDnFAdyc{event_id}",
            "mp_processing_time_ms": epoch * 1000 + 874, "distinct_id": user or "", "$email": "user@example.com"}})
    return rows


POSTHOG_HEADER = ["uuid", "event", "distinct_id", "person_id", "properties", "person_properties", "elements_chain",
                  "timestamp", "created_at", "_inserted_at"]


def posthog_rows() -> list[dict]:
    """The events model of PostHog batch exports (uuid, event, distinct_id, properties, timestamp, ...)."""
    rows = []
    for user, event, iso, _, event_id in EVENTS:
        rows.append({
            "uuid": f"018daf23-89b3-7cf8-a4f1-94064c96df9{event_id[-1]}", "event": event, "distinct_id": user or "",
            "person_id": f"018daf23-0000-7000-8000-00000000{event_id[-1]:0>4}",
            "properties": {"$current_url": "https://app.example.com/reports", "$browser": "Chrome"},
            "person_properties": {"plan": "trial"}, "elements_chain": "",
            "timestamp": iso + ".000000Z", "created_at": iso + ".500000Z", "_inserted_at": iso + ".900000Z",
        })
    return rows


def write_folder(name: str, files: dict[str, str]) -> None:
    folder = HERE / name
    folder.mkdir(exist_ok=True)
    (folder / "users.csv").write_text(USERS)
    for file_name, text in files.items():
        (folder / file_name).write_text(text)


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def csv_text(header: list[str], rows: list[list]) -> str:
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def main() -> None:
    write_folder("segment_calls", {"events.jsonl": jsonl(segment_calls())})
    header, rows = segment_tracks_rows()
    write_folder("segment_tracks", {"events.csv": csv_text(header, rows)})
    write_folder("amplitude", {"events.json": jsonl(amplitude_rows())})
    write_folder("mixpanel", {"events.jsonl": jsonl(mixpanel_rows())})
    posthog = posthog_rows()
    write_folder("posthog_csv", {"events.csv": csv_text(POSTHOG_HEADER, [
        [json.dumps(row[k]) if isinstance(row[k], dict) else row[k] for k in POSTHOG_HEADER] for row in posthog])})
    write_folder("posthog_jsonl", {"events.jsonl": jsonl(posthog)})


if __name__ == "__main__":
    main()
