"""Stage 5 of the simulation: dirty rows and timestamp text formats, from their own random stream."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from pqlkit.synthetic.numeric import dirty_count
from pqlkit.synthetic.parameters import TRUE_PARAMETERS
from pqlkit.synthetic.vocabulary import (
    BAD_TIMESTAMP,
    BAD_TIMESTAMPS,
    BEFORE_SIGNUP,
    DAY,
    DUPLICATE,
    EVENTS,
    LOGIN,
    MISSING_VALUE,
    PAGE,
    PLANS,
    UNKNOWN_USER,
    UTC_OFFSETS,
    WEB,
)

__all__: list[str] = []


def draw_dirty_users(rng: np.random.Generator, users: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Users without an account (whole single-user accounts) and repeated users rows.

    Returns
    -------
    dict of str to numpy.ndarray
        ``has_account`` per user; ``users_row`` (the user shown in each row of the users
        table, repeats at the end) and ``users_reason`` (drop reason code) per row.
    """
    rates = TRUE_PARAMETERS["dirty_rates"]
    n = len(users["signup"])
    has_account = np.ones(n, dtype=bool)
    members = np.bincount(users["account"], minlength=len(users["first_user"]))
    single = np.flatnonzero(members == 1)
    n_no_account = min(dirty_count(rates["users_no_account"], n), len(single))
    no_account = rng.choice(single, n_no_account, replace=False)
    has_account[users["first_user"][no_account]] = False
    n_dup_users = dirty_count(rates["users_duplicate"], n)
    dup_users = np.sort(rng.choice(n, min(n_dup_users, n), replace=False))
    return {
        "has_account": has_account,
        "users_row": np.concatenate([np.arange(n), dup_users]),
        "users_reason": np.concatenate([np.zeros(n, np.int8), np.full(len(dup_users), DUPLICATE, np.int8)]),
    }


def draw_dirty_events(
    rng: np.random.Generator,
    clean: Mapping[str, np.ndarray],
    signup: np.ndarray,
    *,
    n_unknown_users: int,
    t0: int,
    t1: int,
) -> tuple[list[dict[str, np.ndarray]], np.ndarray]:
    """Extra events rows a loader must drop, one kind of dirt per part, and the rows to repeat.

    Missing values and bad timestamps are copies of clean events with one field spoiled;
    unknown users' events are new; events before signup are a real user's page views or logins.

    Returns
    -------
    tuple
        A list of parts, each a dict of ``user``, ``code``, ``ts``, ``state`` (-1 normal, -2
        empty, k = ``BAD_TIMESTAMPS[k]``), ``platform`` and ``reason`` arrays; and the clean
        rows to duplicate (``dup_src``).
    """
    rates = TRUE_PARAMETERS["dirty_rates"]
    n = len(signup)
    n_clean = len(clean["ts"])
    ev_user, ev_code, ev_ts, ev_platform = clean["user"], clean["code"], clean["ts"], clean["platform"]
    extra: list[dict[str, np.ndarray]] = []
    if n_clean:
        count = dirty_count(rates["events_missing_value"], n_clean)
        src = rng.integers(0, n_clean, count)
        field = rng.integers(0, 3, count)
        extra.append(
            {
                "user": np.where(field == 0, -1, ev_user[src]),
                "code": np.where(field == 1, -1, ev_code[src]),
                "ts": ev_ts[src],
                "state": np.where(field == 2, -2, -1),
                "platform": ev_platform[src],
                "reason": np.full(count, MISSING_VALUE),
            }
        )
        count = dirty_count(rates["events_bad_timestamp"], n_clean)
        src = rng.integers(0, n_clean, count)
        extra.append(
            {
                "user": ev_user[src],
                "code": ev_code[src],
                "ts": ev_ts[src],
                "state": rng.integers(0, len(BAD_TIMESTAMPS), count),
                "platform": ev_platform[src],
                "reason": np.full(count, BAD_TIMESTAMP),
            }
        )
    count = dirty_count(rates["events_unknown_user"], n_clean)
    unknown_event_p = np.array([0.3, 0.45, 0.05, 0.02, 0.1, 0.0, 0.02, 0.06])
    extra.append(
        {
            "user": n + rng.integers(0, n_unknown_users, count),
            "code": rng.choice(len(EVENTS), count, p=unknown_event_p),
            "ts": rng.integers(t0, t1, count),
            "state": np.full(count, -1),
            "platform": rng.choice(3, count, p=[0.7, 0.18, 0.12]),
            "reason": np.full(count, UNKNOWN_USER),
        }
    )
    count = dirty_count(rates["events_before_signup"], n_clean)
    who = rng.integers(0, n, count)
    extra.append(
        {
            "user": who,
            "code": np.where(rng.random(count) < 0.8, PAGE, LOGIN),
            "ts": signup[who] - rng.integers(60, 3 * DAY, count),
            "state": np.full(count, -1),
            "platform": np.full(count, WEB),
            "reason": np.full(count, BEFORE_SIGNUP),
        }
    )
    n_dup_events = min(dirty_count(rates["events_duplicate"], n_clean), n_clean)
    return extra, rng.choice(n_clean, n_dup_events, replace=False)


def draw_dirty_conversions(
    rng: np.random.Generator,
    conversions: Mapping[str, np.ndarray],
    *,
    n_users: int,
    n_accounts: int,
    n_unknown_users: int,
    t0: int,
    t1: int,
) -> dict[str, np.ndarray]:
    """A later upgrade row for a few payers (kept) and payments by unknown users (dropped).

    Returns
    -------
    dict of str to numpy.ndarray
        ``user``, ``account``, ``ts``, ``plan``, ``reason`` and ``repeat`` (an upgrade row)
        per conversions row: the clean rows first, then the upgrades, then the unknown payers.
    """
    rates = TRUE_PARAMETERS["dirty_rates"]
    cv_user, cv_account, cv_ts, cv_plan = (conversions[key] for key in ("user", "account", "ts", "plan"))
    n_paid = len(cv_ts)
    room = np.flatnonzero(cv_ts < t1 - 2 * DAY)
    n_repeat = min(dirty_count(rates["conversions_repeat_payment"], n_paid), len(room))
    repeat = np.sort(rng.choice(room, n_repeat, replace=False))
    repeat_ts = cv_ts[repeat] + DAY + rng.integers(0, t1 - 1 - DAY - cv_ts[repeat])
    n_unknown_cv = dirty_count(rates["conversions_unknown_user"], max(n_paid, 1))
    return {
        "user": np.concatenate([cv_user, cv_user[repeat], n_users + rng.integers(0, n_unknown_users, n_unknown_cv)]),
        "account": np.concatenate([cv_account, cv_account[repeat], n_accounts + 1 + np.arange(n_unknown_cv)]),
        "ts": np.concatenate([cv_ts, repeat_ts, rng.integers(t0, t1, n_unknown_cv)]),
        "plan": np.concatenate(
            [cv_plan, np.minimum(cv_plan[repeat] + 1, len(PLANS) - 1), rng.integers(0, len(PLANS), n_unknown_cv)]
        ),
        "reason": np.concatenate(
            [np.zeros(n_paid, np.int8), np.zeros(n_repeat, np.int8), np.full(n_unknown_cv, UNKNOWN_USER, np.int8)]
        ),
        "repeat": np.concatenate([np.zeros(n_paid, bool), np.ones(n_repeat, bool), np.zeros(n_unknown_cv, bool)]),
    }


def timestamp_formats(rng: np.random.Generator, count: int, *, dirty: bool) -> np.ndarray:
    """How each timestamp is written: 0 = "Z", 1 = naive, 2 + k = ``UTC_OFFSETS[k]``.

    Returns
    -------
    numpy.ndarray
        int8 codes; all 0 without ``dirty`` (and then no random numbers are drawn).
    """
    if not dirty:
        return np.zeros(count, np.int8)
    mix = TRUE_PARAMETERS["timestamp_format_mix"]
    grid = 1200  # draw on a grid of 1/1200: 0.95 / 0.025 / 0.025, 6 offsets x 5
    z_units, naive_units = round(mix["utc_z"] * grid), round(mix["naive"] * grid)
    offset_units = grid - z_units - naive_units
    u = rng.integers(0, grid, count, dtype=np.int16)
    out = np.zeros(count, np.int8)
    out[(u >= z_units) & (u < z_units + naive_units)] = 1
    offset = u >= z_units + naive_units
    out[offset] = 2 + (u[offset] - z_units - naive_units) * len(UTC_OFFSETS) // offset_units
    return out
