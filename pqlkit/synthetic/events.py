"""Stage 4 of the simulation: the events (sessions of vanity events, post-trial value events),
and the events table's rows in file order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pqlkit.synthetic.journeys import Journeys
from pqlkit.synthetic.numeric import group_starts, truncated_exponential
from pqlkit.synthetic.parameters import TRUE_PARAMETERS
from pqlkit.synthetic.vocabulary import (
    DASHBOARD,
    DAY,
    DUPLICATE,
    EXPORT,
    LOGIN,
    MOBILE,
    PAGE,
    REPORT,
    SETTINGS,
)

__all__: list[str] = []


def _draw_sessions(
    rng: np.random.Generator, users: Mapping[str, np.ndarray], user_paid_at: np.ndarray, *, t1: int
) -> dict[str, np.ndarray]:
    """When each user has a session: in the trial, after it, and weekly while paying.

    Returns
    -------
    dict of str to numpy.ndarray
        Per session: ``user`` (int32), ``t`` (epoch seconds, float) and ``post`` (after the trial).
    """
    P = TRUE_PARAMETERS
    signup = users["signup"]
    n = len(signup)
    window = P["trial_days"] * DAY
    gamma_cfg = P["trial_sessions_gamma"]
    n_trial = 1 + rng.poisson(rng.gamma(gamma_cfg["shape"], gamma_cfg["scale"], n))
    trial_user = np.repeat(np.arange(n), n_trial)
    trial_offset = truncated_exponential(rng, P["trial_session_mean_days"] * DAY, window, len(trial_user))
    trial_offset[group_starts(n_trial)] = rng.uniform(0, 30, n)  # the signup session
    n_post = rng.poisson(P["post_trial_sessions_mean"], n)
    post_user = np.repeat(np.arange(n), n_post)
    post_offset = window + 60 + rng.exponential(P["post_trial_session_mean_days"] * DAY, len(post_user))
    retained_from = np.maximum(signup + window + 60, np.minimum(user_paid_at, t1)).astype(float)
    retained_length = np.maximum(t1 - retained_from, 0.0)
    n_retained = rng.poisson(P["paying_sessions_per_week"] * retained_length / (7 * DAY))
    retained_user = np.repeat(np.arange(n), n_retained)
    retained_t = retained_from[retained_user] + rng.random(len(retained_user)) * retained_length[retained_user]
    return {
        "user": np.concatenate([trial_user, post_user, retained_user]).astype(np.int32),
        "t": np.concatenate([signup[trial_user] + trial_offset, signup[post_user] + post_offset, retained_t]),
        "post": np.concatenate(
            [np.zeros(len(trial_user), bool), np.ones(len(post_user) + len(retained_user), bool)]
        ),
    }


def _session_events(
    rng: np.random.Generator, sessions: Mapping[str, np.ndarray], primary: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The vanity events of each session: a login, page views, maybe a settings view.

    Returns
    -------
    tuple of numpy.ndarray
        Per vanity event: user (int32), time (float seconds), event code, platform code.
    """
    P = TRUE_PARAMETERS
    session_user, session_t = sessions["user"], sessions["t"]
    n_sessions = len(session_user)
    session_platform = np.where(
        rng.random(n_sessions) < P["mobile_session_share"], MOBILE, primary[session_user]
    ).astype(np.int8)
    n_pages = 1 + rng.poisson(P["session_extra_page_views_mean"], n_sessions)
    has_settings = rng.random(n_sessions) < P["session_settings_viewed_share"]
    n_in_session = (1 + n_pages + has_settings).astype(np.int32)
    del n_pages
    session_start = group_starts(n_in_session.astype(np.int64))
    total = int(n_in_session.sum())
    # login, page_viewed..., then settings_viewed when the session has one
    vanity_code = np.full(total, PAGE, dtype=np.int8)
    vanity_code[session_start] = LOGIN
    vanity_code[(session_start + n_in_session - 1)[has_settings]] = SETTINGS
    vanity_t = rng.exponential(P["session_event_gap_mean_seconds"], total)  # gaps
    vanity_t[session_start] = 0.0
    np.cumsum(vanity_t, out=vanity_t)
    vanity_t += np.repeat(session_t - vanity_t[session_start], n_in_session)
    vanity_user = np.repeat(session_user, n_in_session)
    vanity_platform = np.repeat(session_platform, n_in_session)
    return vanity_user, vanity_t, vanity_code, vanity_platform


def draw_events(
    rng: np.random.Generator,
    users: Mapping[str, np.ndarray],
    journeys: Journeys,
    payments: Mapping[str, np.ndarray],
    *,
    t1: int,
) -> dict[str, np.ndarray]:
    """Every clean event: session vanity events, trial value events, post-trial value events.

    After the trial, a session of an activated user or of a paying account's user has a
    report, an export or a shared dashboard with the shares of ``post_trial_value_event_share``.
    Events at or after the data end are cut.

    Returns
    -------
    dict of str to numpy.ndarray
        Per event, not yet in time order: ``user`` (int32), ``code`` and ``platform`` (int8)
        and ``ts`` (whole epoch seconds, int64).
    """
    P = TRUE_PARAMETERS
    user_paid_at = payments["account_paid_at"][users["account"]]
    sessions = _draw_sessions(rng, users, user_paid_at, t1=t1)
    vanity_user, vanity_t, vanity_code, vanity_platform = _session_events(rng, sessions, journeys.primary)
    session_user, session_t = sessions["user"], sessions["t"]
    engaged = sessions["post"] & (journeys.activated | (user_paid_at < t1))[session_user]
    post_value_events = []
    for code, share in (
        (REPORT, P["post_trial_value_event_share"]["report_created"]),
        (EXPORT, P["post_trial_value_event_share"]["export_downloaded"]),
        (DASHBOARD, P["post_trial_value_event_share"]["dashboard_shared"]),
    ):
        chosen = np.flatnonzero(engaged & (rng.random(len(session_user)) < share))
        who = session_user[chosen]
        post_value_events.append((who, session_t[chosen] + rng.uniform(60, 1200, len(chosen)), np.full(len(who), code, np.int8)))
    del sessions, session_user, session_t, engaged

    # Concatenated in this order (vanity, trial value events, post-trial ones): the stable
    # sort by time in events_in_file_order breaks ties by it, so it fixes the event numbers.
    parts = journeys.value_events + post_value_events
    ev_t = np.concatenate([vanity_t] + [t for _, t, _ in parts])
    del vanity_t
    keep = ev_t < t1  # nothing after the data end (t1 is a whole second)
    ev_ts = np.floor(ev_t[keep]).astype(np.int64)
    del ev_t
    primary = journeys.primary
    return {
        "user": np.concatenate([vanity_user] + [who.astype(np.int32, copy=False) for who, _, _ in parts])[keep],
        "code": np.concatenate([vanity_code] + [codes for _, _, codes in parts])[keep],
        "platform": np.concatenate([vanity_platform] + [primary[who].astype(np.int8) for who, _, _ in parts])[keep],
        "ts": ev_ts,
    }


def events_in_file_order(
    clean: dict[str, np.ndarray], extra: list[dict[str, np.ndarray]], dup_src: np.ndarray
) -> dict[str, np.ndarray]:
    """The events table's rows: by time, numbered by rank, each duplicate right after its original.

    Empties ``clean`` as it goes, so that at most two copies of a column live at once.

    Returns
    -------
    dict of str to numpy.ndarray
        Per row: ``number`` (the event id's number), ``ts``, ``user``, ``code``, ``platform``,
        ``state`` and ``reason``.
    """
    n_clean = len(clean["ts"])

    def gather(name: str, clean_column: np.ndarray, dtype: Any) -> np.ndarray:
        return np.concatenate([clean_column.astype(dtype, copy=False)] + [part[name].astype(dtype) for part in extra])

    base_ts = gather("ts", clean.pop("ts"), np.int64)
    n_base = len(base_ts)
    order = np.argsort(base_ts, kind="stable")
    number = np.empty(n_base, dtype=np.int64)  # event number = rank in time order
    number[order] = np.arange(1, n_base + 1)
    # source[i] = base row shown in file row i; a duplicate shows its original again
    source = np.insert(order, number[dup_src], dup_src) if len(dup_src) else order
    del order
    duplicate_rows = np.flatnonzero(np.diff(source, prepend=-1) == 0) if len(dup_src) else np.zeros(0, np.int64)
    out = {"number": number[source]}
    del number
    out["ts"] = base_ts[source]
    del base_ts
    out["user"] = gather("user", clean.pop("user"), np.int32)[source]
    out["code"] = gather("code", clean.pop("code"), np.int8)[source]
    out["platform"] = gather("platform", clean.pop("platform"), np.int8)[source]
    out["state"] = gather("state", np.full(n_clean, -1, np.int8), np.int8)[source]
    out["reason"] = gather("reason", np.zeros(n_clean, np.int8), np.int8)[source]
    out["reason"][duplicate_rows] = DUPLICATE
    return out
