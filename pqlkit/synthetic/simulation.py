"""The whole simulation: numbers only; strings are made when a table is built."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pqlkit.synthetic.accounts import draw_users
from pqlkit.synthetic.dirt import (
    draw_dirty_conversions,
    draw_dirty_events,
    draw_dirty_users,
    timestamp_formats,
)
from pqlkit.synthetic.events import draw_events, events_in_file_order
from pqlkit.synthetic.journeys import draw_journeys
from pqlkit.synthetic.numeric import dirty_count
from pqlkit.synthetic.parameters import TRUE_PARAMETERS
from pqlkit.synthetic.payments import draw_payments
from pqlkit.synthetic.vocabulary import DAY

__all__: list[str] = []


@dataclass
class Simulation:
    """Arrays of one generated sample, rows in file order."""

    t0: int
    t1: int
    dirty: bool
    n_users: int
    n_unknown_users: int
    user_width: int
    account_width: int
    event_width: int
    # users (index = user number - 1, signup order)
    signup: np.ndarray
    account_number: np.ndarray  # 1-based; its id is blank where has_account is False
    has_account: np.ndarray
    channel: np.ndarray
    company_size: np.ndarray
    country: np.ndarray
    activated: np.ndarray
    activated_at: np.ndarray  # seconds; -1 where not activated
    # users table rows
    users_row: np.ndarray
    users_fmt: np.ndarray
    users_reason: np.ndarray
    # events table rows
    ev_user: np.ndarray  # -1 = empty; >= n_users = unknown user
    ev_code: np.ndarray  # -1 = empty
    ev_ts: np.ndarray
    ev_state: np.ndarray  # -1 normal, -2 empty, k >= 0 = BAD_TIMESTAMPS[k]
    ev_fmt: np.ndarray
    ev_platform: np.ndarray
    ev_number: np.ndarray
    ev_reason: np.ndarray
    # conversions table rows
    cv_user: np.ndarray
    cv_account: np.ndarray  # account number, -1 = empty
    cv_ts: np.ndarray
    cv_plan: np.ndarray
    cv_fmt: np.ndarray
    cv_reason: np.ndarray
    cv_repeat: np.ndarray


def simulate(*, n_users: int, seed: int, t0: int, days: int, dirty: bool) -> Simulation:
    """Run the stages: accounts and users, journeys, payments, events, then dirty rows.

    The behaviour and the dirt draw from two streams spawned from ``seed``, so
    ``dirty=False`` gives the same sample without the dirty rows.

    Returns
    -------
    Simulation
        The arrays of every table, rows in file order.
    """
    # Longer than 80 lines only because the last 37 name the Simulation's fields one by one.
    behaviour_rng, dirt_rng = np.random.default_rng(seed).spawn(2)
    t1 = t0 + days * DAY
    users = draw_users(behaviour_rng, n_users, t0, days)
    journeys = draw_journeys(behaviour_rng, users)
    payments = draw_payments(behaviour_rng, users, journeys, t1=t1)
    clean = draw_events(behaviour_rng, users, journeys, payments, t1=t1)
    journeys.value_events.clear()  # now in `clean`
    n = n_users
    n_accounts = len(users["first_user"])
    paid = np.flatnonzero(payments["paid_seen"])
    conversions = {
        "user": payments["payer"][paid],
        "account": users["account_number"][paid],
        "ts": payments["paid_at"][paid],
        "plan": payments["plan"][paid],
        "reason": np.zeros(len(paid), dtype=np.int8),
        "repeat": np.zeros(len(paid), dtype=bool),
    }

    if dirty:
        dirty_users = draw_dirty_users(dirt_rng, users)
        n_unknown_users = dirty_count(TRUE_PARAMETERS["dirty_rates"]["unknown_users_per_user"], n)
        extra, dup_src = draw_dirty_events(
            dirt_rng, clean, users["signup"], n_unknown_users=n_unknown_users, t0=t0, t1=t1
        )
        conversions = draw_dirty_conversions(
            dirt_rng, conversions, n_users=n, n_accounts=n_accounts, n_unknown_users=n_unknown_users, t0=t0, t1=t1
        )
    else:
        dirty_users = {
            "has_account": np.ones(n, dtype=bool),
            "users_row": np.arange(n),
            "users_reason": np.zeros(n, dtype=np.int8),
        }
        n_unknown_users = 0
        extra, dup_src = [], np.zeros(0, dtype=np.int64)
    events = events_in_file_order(clean, extra, dup_src)
    del clean, extra

    users_row = dirty_users["users_row"]
    n_base = len(events["ts"]) - len(dup_src)  # rows before the duplicates
    users_fmt = timestamp_formats(dirt_rng, n, dirty=dirty)[users_row]  # a repeated row repeats its text
    ev_fmt = timestamp_formats(dirt_rng, n_base, dirty=dirty)[events["number"] - 1]  # so does a duplicate
    cv_order = np.argsort(conversions["ts"], kind="stable")
    cv_fmt = timestamp_formats(dirt_rng, len(cv_order), dirty=dirty)
    return Simulation(
        t0=t0,
        t1=t1,
        dirty=dirty,
        n_users=n,
        n_unknown_users=n_unknown_users,
        user_width=max(7, len(str(n + n_unknown_users))),
        account_width=max(6, len(str(n_accounts + len(conversions["account"])))),
        event_width=max(9, len(str(n_base))),
        signup=users["signup"],
        account_number=users["account_number"][users["account"]],
        has_account=dirty_users["has_account"],
        channel=users["channel"],
        company_size=users["company_size"],
        country=users["country"],
        activated=journeys.activated,
        activated_at=journeys.activated_at,
        users_row=users_row,
        users_fmt=users_fmt,
        users_reason=dirty_users["users_reason"],
        ev_user=events["user"],
        ev_code=events["code"],
        ev_ts=events["ts"],
        ev_state=events["state"],
        ev_fmt=ev_fmt,
        ev_platform=events["platform"],
        ev_number=events["number"],
        ev_reason=events["reason"],
        cv_user=conversions["user"][cv_order],
        cv_account=conversions["account"][cv_order],
        cv_ts=conversions["ts"][cv_order],
        cv_plan=conversions["plan"][cv_order],
        cv_fmt=cv_fmt,
        cv_reason=conversions["reason"][cv_order],
        cv_repeat=conversions["repeat"][cv_order],
    )
