"""Ids written in another form (docs/metrics.md#as-of-and-ids): counted and named, never rewritten.

Issue 22: ``1001.0`` in the events (a spreadsheet's or pandas' float) against ``1001`` in the users
dropped 3,021 of 3,022 events as unknown users, and the run said "PQL rate 0.0%" without a hint.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import pqlkit as pk
from helpers import DAY, T0, conversions, events, users


def _load(frames: dict) -> tuple[pk.Dataset, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = pk.load(frames)
    return dataset, [str(w.message) for w in caught if issubclass(w.category, pk.PqlkitWarning)]


def _id_form_warnings(messages: list[str]) -> list[str]:
    return [m for m in messages if "written another way" in m]


@pytest.mark.parametrize(
    ("user_ids", "event_ids", "unknown", "matched", "shown"),
    [
        # Events 1001.0, 1002.0, 1003.0 (1 row each) and 9.0 (no such user): all 4 unknown_user (4 of 4,
        # at least half); 3 name a user in another form (9 does not).
        pytest.param(["1001", "1002", "1003"], ["1001.0", "1002.0", "1003.0", "9.0"], 4, 3,
                     r"'1001\.0' in the events table, '1001' in the users table", id="float-suffix"),
        # The other way round: the users table has the decimal part.
        pytest.param(["1001.0", "1002.0"], ["1001", "1002"], 2, 2,
                     r"'1001' in the events table, '1001\.0' in the users table", id="float-in-users"),
        # Padding zeros in the events only: 0042 names 42, 00100 names 100.
        pytest.param(["42", "100"], ["0042", "00100"], 2, 2,
                     r"'00100' in the events table, '100' in the users table.*padding zeros", id="leading-zeros"),
        # 7.50 against 7.5: a trailing zero after the point.
        pytest.param(["7.5"], ["7.50"], 1, 1, r"'7\.50' in the events table, '7\.5' in the users table", id="trailing-zero"),
    ],
)
def test_ids_in_another_form_are_counted_and_named(user_ids, event_ids, unknown, matched, shown):
    frames = {"users": users([(u, T0) for u in user_ids]),
              "events": events([(e, "a", T0 + DAY) for e in event_ids])}
    dataset, messages = _load(frames)
    quality = dataset.data_quality()["events"]
    assert quality["dropped"]["unknown_user"] == unknown  # not rewritten: still dropped
    assert quality["notes"] == {"id_form": matched}
    assert quality["read"] == quality["used"] + sum(quality["dropped"].values())
    found = _id_form_warnings(messages)
    assert len(found) == 1
    assert found[0].startswith(f"<DataFrame events>: {unknown} of {len(event_ids)} events rows were dropped as unknown_user, "
                               f"and {matched} of them")
    assert re.search(shown, found[0]), found[0]
    assert "pqlkit does not rewrite ids" in found[0]


def test_a_few_unknown_users_are_not_compared():
    """3 events, of users 1, 2 and 01 (users 1 and 2 exist): 1 of 3 is unknown_user, under half, so
    it is an ordinary unknown user (a test account): not compared, no note, no warning."""
    frames = {"users": users([("1", T0), ("2", T0)]),
              "events": events([("1", "a", T0 + DAY), ("2", "a", T0 + DAY), ("01", "a", T0 + DAY)])}
    dataset, messages = _load(frames)
    quality = dataset.data_quality()["events"]
    assert quality["dropped"]["unknown_user"] == 1
    assert "notes" not in quality
    assert _id_form_warnings(messages) == []
    assert dataset.ledger["id_form"].sum() == 0


def test_text_ids_are_not_compared():
    """u1 against U1 or u1.0: not digits, so not the same id in another form; 2 unknown, no note."""
    frames = {"users": users([("u1", T0)]), "events": events([("U1", "a", T0 + DAY), ("u1.0", "a", T0 + DAY)])}
    dataset, messages = _load(frames)
    assert dataset.data_quality()["events"]["dropped"]["unknown_user"] == 2
    assert "notes" not in dataset.data_quality()["events"]
    assert _id_form_warnings(messages) == []


def test_conversions_are_checked_too():
    """One conversion of 1001.0 against user 1001: 1 of 1 unknown_user, named; the events match."""
    frames = {"users": users([("1001", T0)]), "events": events([("1001", "a", T0 + DAY)]),
              "conversions": conversions([("1001.0", T0 + 2 * DAY)])}
    dataset, messages = _load(frames)
    assert dataset.data_quality()["conversions"]["notes"] == {"id_form": 1}
    assert "notes" not in dataset.data_quality()["events"]
    assert [m.split(":")[0] for m in _id_form_warnings(messages)] == ["<DataFrame conversions>"]
    assert "conversions rows were dropped as unknown_user" in _id_form_warnings(messages)[0]


# --- duplicates: the id aggregate over the ids as read (issue 25) ----------------------------------


def _dropped_events(frames: dict) -> dict:
    return pk.load(frames).data_quality()["events"]["dropped"]


def test_ids_that_match_only_once_trimmed_are_duplicates():
    """Ids read once each but equal once trimmed: ' e5' and 'e5 ' (both need trimming, neither is read
    twice as written) -> 1 duplicate; 'e6' and ' e6' -> 1 duplicate; 'e7' alone -> kept. Blank ids
    ('', '  ', missing) are compared on every column: ('  ', u1, d, day 1) and (None, u1, d, day 1)
    are one event written twice -> 1 duplicate; ('', u1, d, day 2) differs in its time -> kept.
    By hand: 3 duplicates of 8 rows."""
    frames = {
        "users": users([("u1", T0)]),
        "events": events(
            [(" e5", "u1", "a", T0 + DAY), ("e5 ", "u1", "a", T0 + DAY), ("e6", "u1", "b", T0 + DAY),
             (" e6", "u1", "b", T0 + DAY), ("e7", "u1", "c", T0 + DAY), ("  ", "u1", "d", T0 + DAY),
             (None, "u1", "d", T0 + DAY), ("", "u1", "d", T0 + 2 * DAY)],
            columns=("event_id", "user_id", "event", "timestamp"),
        ),
    }
    assert _dropped_events(frames)["duplicate"] == 3


def test_whole_number_ids_are_compared_as_read():
    """An integer event_id column (a Parquet file of numbers): 7 twice and 8 once -> 1 duplicate, the
    second 7 (the first in file order is kept, so u1's step time is day 1, not day 3)."""
    frame = events([("u1", "a", T0 + DAY), ("u1", "a", T0 + 3 * DAY), ("u1", "a", T0 + 2 * DAY)])
    frame.insert(0, "event_id", pd.array([7, 7, 8], dtype="int64"))
    dataset = pk.load({"users": users([("u1", T0)]), "events": frame})
    assert dataset.data_quality()["events"]["dropped"]["duplicate"] == 1
    kept = dataset.sql("SELECT ts FROM events ORDER BY ts")["ts"].tolist()
    assert kept == [T0 + DAY, T0 + 2 * DAY]
