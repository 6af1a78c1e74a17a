"""Stage 2 of the simulation: journeys (invites, activation, the steps and their times)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from pqlkit.synthetic.numeric import group_starts, probabilities, truncated_exponential
from pqlkit.synthetic.parameters import TRUE_PARAMETERS
from pqlkit.synthetic.vocabulary import (
    CHANNELS,
    COMPANY_SIZES,
    DASHBOARD,
    DAY,
    EXPORT,
    INTEGRATION,
    INVITE,
    REPORT,
)

__all__: list[str] = []


_STEP_KEYS = ("integration_connected", "report_created", "teammate_invited", "dashboard_shared")
_IN_WINDOW = (300.0, TRUE_PARAMETERS["trial_days"] * DAY - 3600.0)  # value events: [5 min, 14 d - 1 h]


@dataclass
class Journeys:
    """What each user does in (and just after) the trial, times as seconds."""

    activated: np.ndarray
    pql_offset: np.ndarray  # seconds from signup to the third step; inf when not activated
    activated_at: np.ndarray  # epoch seconds; -1 where not activated
    primary: np.ndarray  # primary platform code (WEB or DESKTOP)
    # (user, epoch seconds, event codes) in the order they enter the events table
    value_events: list[tuple[np.ndarray, np.ndarray, np.ndarray]]


def _draw_invites(
    rng: np.random.Generator, users: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first user of an account invites each later teammate 5 min to 1 day before they join.

    Returns
    -------
    tuple of numpy.ndarray
        ``invite_user`` and ``invite_ts`` (one entry per invite), and per user the offset from
        their signup of their first invite (int64 max when they invite nobody).
    """
    signup, account, first_user = users["signup"], users["account"], users["first_user"]
    joiner = np.flatnonzero(users["member"] != 0)
    lead_cfg = TRUE_PARAMETERS["teammate_invite_lead"]
    join_delay = signup[joiner] - signup[first_user[account[joiner]]]
    lead_min = lead_cfg["minimum_minutes"] * 60
    lead_max = np.minimum(lead_cfg["maximum_days"] * DAY, 0.9 * join_delay)
    lead = np.floor(lead_min + rng.random(len(joiner)) * (lead_max - lead_min)).astype(np.int64)
    invite_user = first_user[account[joiner]]
    invite_ts = signup[joiner] - lead
    first_invite_offset = np.full(len(signup), np.iinfo(np.int64).max)
    np.minimum.at(first_invite_offset, invite_user, invite_ts - signup[invite_user])
    return invite_user, invite_ts, first_invite_offset


def _draw_steps_done(
    rng: np.random.Generator, users: Mapping[str, np.ndarray], forced_invite: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Who is activated, and which of the four steps each user does within the window.

    Returns
    -------
    tuple of numpy.ndarray
        ``activated`` (bool per user) and ``mask`` (bool, users x 4 steps in ``_STEP_KEYS``
        order): activated users do 3 or 4 steps, the others 0, 1 or 2. An invite inside the
        window (``forced_invite``) is always a done step.
    """
    P = TRUE_PARAMETERS
    n = len(users["signup"])
    channel_p = np.array([P["channel_activation"][c] for c in CHANNELS])
    size_m = np.array([P["company_size_activation_multiplier"][s] for s in COMPANY_SIZES])
    activated = rng.random(n) < channel_p[users["channel"]] * size_m[users["company_size"]]

    all_four = rng.random(n) < P["activated_all_four_steps"]
    dropped = rng.choice(4, n, p=probabilities(P["activated_dropped_step_weight"], _STEP_KEYS))
    mask_activated = np.ones((n, 4), dtype=bool)
    three = np.flatnonzero(~all_four)
    mask_activated[three, dropped[three]] = False
    mask_activated[forced_invite, 2] = True

    # Not activated: the first `steps_wanted` steps of a weighted race (a draw without replacement).
    steps_wanted = rng.choice(3, n, p=probabilities(P["not_activated_steps_in_window"], (0, 1, 2)))
    race = rng.exponential(size=(n, 4)) / probabilities(P["not_activated_step_weight"], _STEP_KEYS)
    race[forced_invite, 2] = -1.0  # the forced invite is always among the chosen steps
    steps_wanted = np.maximum(steps_wanted, forced_invite.astype(steps_wanted.dtype))
    race_rank = np.argsort(np.argsort(race, axis=1), axis=1)
    mask_not_activated = race_rank < steps_wanted[:, None]
    return activated, np.where(activated[:, None], mask_activated, mask_not_activated)


def _draw_step_times(
    rng: np.random.Generator,
    signup: np.ndarray,
    activated: np.ndarray,
    mask: np.ndarray,
    forced_invite: np.ndarray,
    first_invite_offset: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """When each step is done, as offsets from signup, and when an activated user becomes a PQL.

    Step times are Exponential truncated to the window (``_IN_WINDOW``); reports count from the
    integration (if done), the dashboard from the first report (if any). The PQL instant is the
    third completed step.

    Returns
    -------
    tuple of numpy.ndarray
        Per user ``t_integration``; per report ``report_user`` and ``report_t`` (sorted by user,
        then time); per user ``t_invite``, ``t_dashboard`` and ``pql_offset`` (inf when not
        activated). Times of steps not done are drawn too (so the random stream does not
        depend on the mask) and ignored.
    """
    P = TRUE_PARAMETERS
    n = len(signup)
    lo, hi = _IN_WINDOW
    mean_days = P["step_time_mean_days"]
    t_integration = lo + truncated_exponential(rng, mean_days["integration_connected"] * DAY, hi - lo, n)
    reports_done = P["reports_when_step_done"]
    n_reports = np.where(
        mask[:, 1],
        reports_done["minimum"] + rng.poisson(reports_done["extra_poisson_mean"], n),
        rng.choice(3, n, p=probabilities(P["reports_when_step_not_done"], (0, 1, 2))),
    )
    report_user = np.repeat(np.arange(n), n_reports)
    report_base = np.where(mask[:, 0], t_integration, lo)[report_user]
    report_t = report_base + truncated_exponential(
        rng, mean_days["report_created"] * DAY, hi - report_base, len(report_user)
    )
    report_t = report_t[np.lexsort((report_t, report_user))]
    report_start = group_starts(n_reports)
    padded = np.append(report_t, np.inf)  # index len(report_t) stands for "no such report"
    third_report = np.where(mask[:, 1], padded[np.minimum(report_start + 2, len(report_t))], np.inf)
    first_report = np.where(n_reports > 0, padded[np.minimum(report_start, len(report_t))], lo)
    t_invite = lo + truncated_exponential(rng, mean_days["teammate_invited"] * DAY, hi - lo, n)
    t_dashboard = first_report + truncated_exponential(
        rng, mean_days["dashboard_shared"] * DAY, hi - first_report, n
    )
    completion = np.stack(
        [
            np.where(mask[:, 0], t_integration, np.inf),
            third_report,
            np.minimum(
                np.where(mask[:, 2], t_invite, np.inf),
                np.where(forced_invite, first_invite_offset, np.inf),
            ),
            np.where(mask[:, 3], t_dashboard, np.inf),
        ],
        axis=1,
    )
    pql_offset = np.where(activated, np.sort(completion, axis=1)[:, 2], np.inf)
    return t_integration, report_user, report_t, t_invite, t_dashboard, pql_offset


def draw_journeys(rng: np.random.Generator, users: Mapping[str, np.ndarray]) -> Journeys:
    """Invites, activation, the time of every step, exports and late steps of each user.

    Stages: :func:`_draw_invites`, :func:`_draw_steps_done`, :func:`_draw_step_times`, then
    second integrations, trial exports, the late third step of some users not activated, and
    each user's primary platform.

    Returns
    -------
    Journeys
        Activation per user and the trial value events (integrations, reports, invites,
        dashboards, exports, late third steps, and the invites of joining teammates).
    """
    P = TRUE_PARAMETERS
    signup = users["signup"]
    n = len(signup)
    window = P["trial_days"] * DAY
    lo, hi = _IN_WINDOW
    invite_user, invite_ts, first_invite_offset = _draw_invites(rng, users)
    forced_invite = first_invite_offset <= window  # an invite inside the window is a done step
    activated, mask = _draw_steps_done(rng, users, forced_invite)

    times = _draw_step_times(rng, signup, activated, mask, forced_invite, first_invite_offset)
    t_integration, report_user, report_t, t_invite, t_dashboard, pql_offset = times
    activated_at = np.where(activated, signup + np.floor(np.where(activated, pql_offset, 0)), -1).astype(np.int64)

    second_integration = mask[:, 0] & (rng.random(n) < P["second_integration_share"])
    t_second_integration = t_integration + truncated_exponential(rng, 3 * DAY, hi - t_integration, n)
    export_mean = P["trial_export_downloads_mean"]
    n_exports = rng.poisson(np.where(activated, export_mean["activated"], export_mean["not_activated"]))
    export_user = np.repeat(np.arange(n), n_exports)
    export_t = lo + truncated_exponential(rng, 4 * DAY, hi - lo, len(export_user))

    late = (~activated) & (mask.sum(axis=1) == 2) & (rng.random(n) < P["not_activated_late_third_step"])
    late_race = rng.random((n, 3))
    late_race[mask[:, [0, 2, 3]]] = 2.0  # only steps not done yet, never reports
    late_code = np.array([INTEGRATION, INVITE, DASHBOARD])[np.argmin(late_race, axis=1)]
    late_t = window + 3600 + rng.exponential(10 * DAY, n)

    primary = rng.choice(2, n, p=probabilities(P["primary_platform_mix"], ("web", "desktop")))

    value_events = []
    for who, offset, code in (  # (user, offset from their signup, event code; None = late step)
        (np.flatnonzero(mask[:, 0]), t_integration[mask[:, 0]], INTEGRATION),
        (np.flatnonzero(second_integration), t_second_integration[second_integration], INTEGRATION),
        (report_user, report_t, REPORT),
        (np.flatnonzero(mask[:, 2]), t_invite[mask[:, 2]], INVITE),
        (np.flatnonzero(mask[:, 3]), t_dashboard[mask[:, 3]], DASHBOARD),
        (export_user, export_t, EXPORT),
        (np.flatnonzero(late), late_t[late], None),
    ):
        codes = np.full(len(who), code, np.int8) if code is not None else late_code[who].astype(np.int8)
        value_events.append((who, signup[who] + offset, codes))
    value_events.append((invite_user, invite_ts.astype(float), np.full(len(invite_user), INVITE, np.int8)))
    return Journeys(
        activated=activated,
        pql_offset=pql_offset,
        activated_at=activated_at,
        primary=primary,
        value_events=value_events,
    )
