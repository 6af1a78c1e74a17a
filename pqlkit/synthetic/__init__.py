"""Seeded synthetic product data for a B2B SaaS product with a 14-day trial.

The generator draws accounts and users, a latent "activated" flag per user, the
product events that flag implies, and the first payment per account, then (with
``dirty=True``) injects a small, counted number of rows of every data-quality
kind in docs/metrics.md#data-quality. Every behavioural constant lives in :data:`TRUE_PARAMETERS`, so
a test can check that the metrics recover what the generator put in.

Everything is vectorised with numpy and seeded by a single
``numpy.random.default_rng(seed)``: the same arguments give the same frames and
byte-identical CSV files, on any day. One million users (about 45 million
events) take about a minute and under 3 GB of memory to write as Parquet.

Main facts (the full list is :data:`TRUE_PARAMETERS` and ``data/README.md``):

* A user is *activated* with probability ``channel_activation[channel] *
  company_size_activation_multiplier[company_size]``. The multipliers average to
  1 over users, so the expected activation rate of a channel's users is exactly
  ``channel_activation[channel]``.
* An activated user completes at least three of the four steps of
  ``data/activation.yaml`` within 14 days of signup (``report_created`` three
  times); a user who is not activated completes at most two steps in that window.
  So with that spec, a user whose first 14 days are in the data is a PQL if and
  only if the generator activated them.
* Vanity events (``login``, ``page_viewed``, ``settings_viewed``) during the trial
  do not depend on activation or payment; value events do.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pqlkit.base.columns import REASONS

__all__ = ["TRUE_PARAMETERS", "Sample", "expected_data_quality", "generate_sample", "write_sample"]

# --------------------------------------------------------------------------- #
# Vocabulary
# --------------------------------------------------------------------------- #

DAY = 86_400  # seconds

_CHANNELS = ("organic", "paid_search", "paid_social", "referral", "partner", "outbound")
_COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
# No "NA" (Namibia): pandas.read_csv would read it as a missing value.
_COUNTRIES = ("US", "GB", "DE", "FR", "CA", "IN", "BR", "AU", "NL", "ES", "JP", "SE")
_EVENTS = (
    "login",
    "page_viewed",
    "settings_viewed",
    "integration_connected",
    "report_created",
    "teammate_invited",
    "dashboard_shared",
    "export_downloaded",
)
_LOGIN, _PAGE, _SETTINGS, _INTEGRATION, _REPORT, _INVITE, _DASHBOARD, _EXPORT = range(8)
_PLATFORMS = ("web", "desktop", "mobile")
_WEB, _DESKTOP, _MOBILE = range(3)
_PLANS = ("starter", "team", "business")
_UTC_OFFSETS = ("+02:00", "-05:00", "+05:30", "-08:00", "+01:00", "+09:00")
_BAD_TIMESTAMPS = ("not-a-date", "2026-13-45T99:00:00Z", "2026-02-30T08:15:00Z", "#VALUE!")
_FORMATS = ("parquet", "csv", "csv.gz")
# Drop reasons (docs/metrics.md#data-quality), in the order a loader applies them.
_REASONS = REASONS
_USED, _MISSING, _BAD, _DUPLICATE, _UNKNOWN, _BEFORE = range(6)

# --------------------------------------------------------------------------- #
# True parameters
# --------------------------------------------------------------------------- #

_COMPANY_SIZE_MIX = {"1-10": 0.42, "11-50": 0.28, "51-200": 0.16, "201-1000": 0.09, "1000+": 0.05}
_USERS_PER_ACCOUNT_EXPONENT = {"1-10": 2.8, "11-50": 2.3, "51-200": 2.0, "201-1000": 1.8, "1000+": 1.6}
_USERS_PER_ACCOUNT_MAX = {"1-10": 10, "11-50": 20, "51-200": 20, "201-1000": 20, "1000+": 20}
_RAW_SIZE_MULTIPLIER = {"1-10": 0.85, "11-50": 1.05, "51-200": 1.15, "201-1000": 1.10, "1000+": 0.95}


def _users_per_account_pmf(size: str) -> np.ndarray:
    """P(k users) for k = 1..max, proportional to ``k ** -exponent``."""
    k = np.arange(1, _USERS_PER_ACCOUNT_MAX[size] + 1, dtype=float)
    weights = k ** -_USERS_PER_ACCOUNT_EXPONENT[size]
    return weights / weights.sum()


def _mean_users_per_account(size: str) -> float:
    pmf = _users_per_account_pmf(size)
    return float((np.arange(1, len(pmf) + 1) * pmf).sum())


def _normalised_size_multiplier() -> dict[str, float]:
    """Scale the raw multipliers so that their mean over *users* is exactly 1.

    A user's company size is distributed as ``mix[s] * E[users per account | s]``
    (normalised), because bigger companies bring more users per account.
    """
    user_weight = {s: _COMPANY_SIZE_MIX[s] * _mean_users_per_account(s) for s in _COMPANY_SIZES}
    total = sum(user_weight.values())
    mean = sum(user_weight[s] / total * _RAW_SIZE_MULTIPLIER[s] for s in _COMPANY_SIZES)
    return {s: round(_RAW_SIZE_MULTIPLIER[s] / mean, 6) for s in _COMPANY_SIZES}


def _freeze(value: Any) -> Any:
    """Read-only copy: dicts become mappingproxies, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


TRUE_PARAMETERS: Mapping[str, Any] = _freeze(
    {
        # -- the headline numbers ------------------------------------------------
        # P(user activated | channel), averaged over company sizes. Activated means:
        # completes >= 3 of the 4 steps of data/activation.yaml within 14 days.
        "channel_activation": {
            "organic": 0.30,
            "paid_search": 0.22,
            "paid_social": 0.10,
            "referral": 0.55,
            "partner": 0.45,
            "outbound": 0.25,
        },
        # P(user activated) = channel_activation[channel] * this[company_size];
        # the multipliers have mean exactly 1 over users.
        "company_size_activation_multiplier": _normalised_size_multiplier(),
        "trial_days": 14,
        # -- accounts and signups ------------------------------------------------
        "channel_mix": {
            "organic": 0.30,
            "paid_search": 0.22,
            "paid_social": 0.15,
            "referral": 0.12,
            "partner": 0.08,
            "outbound": 0.13,
        },
        "company_size_mix": _COMPANY_SIZE_MIX,
        "country_mix": {
            "US": 0.36, "GB": 0.10, "DE": 0.09, "FR": 0.06, "CA": 0.06, "IN": 0.08,
            "BR": 0.05, "AU": 0.05, "NL": 0.04, "ES": 0.04, "JP": 0.04, "SE": 0.03,
        },  # fmt: skip
        # Channel, company size and country are account attributes, drawn
        # independently of each other and copied to every user of the account.
        # P(k users in an account) is proportional to k ** -exponent, 1 <= k <= max.
        "users_per_account_exponent": _USERS_PER_ACCOUNT_EXPONENT,
        "users_per_account_max": _USERS_PER_ACCOUNT_MAX,
        # The k-th user (k >= 2) joins 15 min + Exponential(mean 6 days) after the
        # account's first user, invited by that first user (a teammate_invited
        # event 5 min to 1 day before the join). Joins after the data end are cut.
        "teammate_join_delay": {"minimum_minutes": 15, "mean_days": 6.0},
        "teammate_invite_lead": {"minimum_minutes": 5, "maximum_days": 1.0},
        # Account creation: day d of the period is drawn with weight
        # weekday_factor[weekday(d)] * growth_over_period ** (d / (days - 1)),
        # hour of day with hour_of_day_weight (UTC), second uniform.
        "signup_weekday_factor": {
            "Mon": 1.0, "Tue": 1.05, "Wed": 1.05, "Thu": 1.0, "Fri": 0.9, "Sat": 0.45, "Sun": 0.4,
        },  # fmt: skip
        "signup_growth_over_period": 1.35,
        "signup_hour_of_day_weight": (
            0.5, 0.4, 0.3, 0.25, 0.25, 0.3, 0.5, 0.8, 1.1, 1.3, 1.4, 1.4,
            1.5, 1.7, 1.8, 1.8, 1.7, 1.5, 1.3, 1.1, 0.9, 0.8, 0.7, 0.6,
        ),  # fmt: skip
        # -- activation steps (times are offsets from the user's own signup) -----
        "activation_steps": (
            "integration_connected",
            "report_created x3",
            "teammate_invited",
            "dashboard_shared",
        ),
        # Activated users: all four steps with this probability, else three (the
        # one left out drawn with dropped_step_weight). A first user whose invitee
        # joins within 14 days always has the invite step.
        "activated_all_four_steps": 0.45,
        "activated_dropped_step_weight": {
            "integration_connected": 0.15,
            "report_created": 0.10,
            "teammate_invited": 0.40,
            "dashboard_shared": 0.35,
        },
        # Users not activated complete 0, 1 or 2 steps within 14 days; which ones
        # are drawn with step_weight (a weighted draw without replacement).
        "not_activated_steps_in_window": {0: 0.40, 1: 0.35, 2: 0.25},
        "not_activated_step_weight": {
            "integration_connected": 0.40,
            "report_created": 0.25,
            "teammate_invited": 0.15,
            "dashboard_shared": 0.20,
        },
        # Of the users not activated with two steps, this share does a third step
        # (not report_created) after day 14: 1 h + Exponential(mean 10 days) later.
        "not_activated_late_third_step": 0.25,
        # report_created in the first 14 days: 3 + Poisson(2) when the step is done,
        # else 0, 1 or 2 with these probabilities.
        "reports_when_step_done": {"minimum": 3, "extra_poisson_mean": 2.0},
        "reports_when_step_not_done": {0: 0.55, 1: 0.30, 2: 0.15},
        # Step times: Exponential(mean) truncated to the window [5 min, 14 d - 1 h];
        # reports count from integration_connected (if done), dashboard_shared from
        # the first report (if any).
        "step_time_mean_days": {
            "integration_connected": 1.0,
            "report_created": 2.0,
            "teammate_invited": 3.0,
            "dashboard_shared": 2.5,
        },
        "second_integration_share": 0.30,
        "trial_export_downloads_mean": {"activated": 1.2, "not_activated": 0.15},
        # -- sessions (vanity events) --------------------------------------------
        # Trial: 1 session at signup + Poisson(Gamma(shape 2, scale 2.5)) sessions at
        # Exponential(mean 3.5 d) truncated to 14 d. After the trial, everyone:
        # Poisson(2) sessions at 14 d + Exponential(mean 12 d). Users of paying
        # accounts: also 2.5 sessions a week from max(day 14, payment) to the end.
        # A session is a login, 1 + Poisson(0.8) page_viewed and settings_viewed
        # with probability 0.15, 75 s apart on average. Independent of activation.
        "trial_sessions_gamma": {"shape": 2.0, "scale": 2.5},
        "trial_session_mean_days": 3.5,
        "post_trial_sessions_mean": 2.0,
        "post_trial_session_mean_days": 12.0,
        "paying_sessions_per_week": 2.5,
        "session_extra_page_views_mean": 0.8,
        "session_settings_viewed_share": 0.15,
        "session_event_gap_mean_seconds": 75.0,
        # After day 14, a session of an activated user or of a paying account's user
        # has each of these value events with this probability.
        "post_trial_value_event_share": {
            "report_created": 0.25,
            "export_downloaded": 0.08,
            "dashboard_shared": 0.03,
        },
        "primary_platform_mix": {"web": 0.75, "desktop": 0.25},
        "mobile_session_share": 0.12,
        # -- payment (account level) ---------------------------------------------
        # An account is activated when any of its users is. It pays (first payment)
        # with this probability; payments at or after the data end are not seen.
        "pay_given_account_activated": 0.35,
        "pay_given_account_not_activated": 0.03,
        # Payer: the account's earliest-activated user with this probability (if
        # the account is activated), else the account's first user.
        "payer_is_activated_user": 0.85,
        # Payment time: account start + 14 d + Normal(0, 1.5 d), at least 1 d; for
        # an activated payer at least 30 min to 1 d after their activation, except a
        # paid_before_pql share who pay at 15-85% of their time to activation.
        "payment_delay_days": {"mean": 14.0, "sd": 1.5, "minimum": 1.0},
        "paid_before_pql_share": 0.08,
        "plan_mrr": {"starter": 49.0, "team": 199.0, "business": 799.0},
        "plan_mix_by_company_size": {
            "1-10": {"starter": 0.75, "team": 0.22, "business": 0.03},
            "11-50": {"starter": 0.45, "team": 0.45, "business": 0.10},
            "51-200": {"starter": 0.20, "team": 0.55, "business": 0.25},
            "201-1000": {"starter": 0.10, "team": 0.45, "business": 0.45},
            "1000+": {"starter": 0.05, "team": 0.30, "business": 0.65},
        },
        # -- dirty rows (dirty=True only) ----------------------------------------
        # Counts are round(rate * base) with at least 1; base = clean events,
        # users or first payments. Every injected row is counted in Sample.injected.
        "dirty_rates": {
            "events_missing_value": 0.003,  # user_id, event or timestamp empty
            "events_bad_timestamp": 0.002,
            "events_duplicate": 0.004,  # exact copy, same event_id, next row
            "events_unknown_user": 0.0025,
            "events_before_signup": 0.0015,  # 1 min to 3 days before signup
            "unknown_users_per_user": 0.004,  # size of the unknown-user pool
            "users_duplicate": 0.003,  # exact copy, appended at the end
            "users_no_account": 0.01,  # single-user accounts with empty account_id
            "conversions_unknown_user": 0.01,
            "conversions_repeat_payment": 0.03,  # a later upgrade row, kept
        },
        "bad_timestamp_values": _BAD_TIMESTAMPS,
        # Timestamp text (dirty=True): 95% UTC with "Z", 2.5% the same instant with
        # one of these offsets, 2.5% naive (meaning UTC). dirty=False: all "Z".
        "timestamp_format_mix": {"utc_z": 0.95, "offset": 0.025, "naive": 0.025},
        "timestamp_offsets": _UTC_OFFSETS,
    }
)

# --------------------------------------------------------------------------- #
# Small numeric helpers
# --------------------------------------------------------------------------- #


def _probabilities(mapping: Mapping[Any, float], keys: tuple[Any, ...]) -> np.ndarray:
    p = np.array([mapping[key] for key in keys], dtype=float)
    return p / p.sum()


def _truncated_exponential(
    rng: np.random.Generator, mean: float, upper: np.ndarray | float, size: int
) -> np.ndarray:
    """Exponential(mean) conditioned on [0, upper], by the inverse CDF."""
    u = rng.random(size)
    return -mean * np.log1p(u * np.expm1(-np.asarray(upper, dtype=float) / mean))


def _group_starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def _dirty_count(rate: float, base: int) -> int:
    return max(1, round(rate * base)) if base > 0 else 0


# --------------------------------------------------------------------------- #
# Simulation (numbers only; strings are made when a table is built)
# --------------------------------------------------------------------------- #


@dataclass
class _Simulation:
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
    ev_state: np.ndarray  # -1 normal, -2 empty, k >= 0 = _BAD_TIMESTAMPS[k]
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


# -- stage 1: accounts and users ------------------------------------------------


def _draw_accounts(
    rng: np.random.Generator, n_accounts: int, *, t0: int, days: int
) -> dict[str, np.ndarray]:
    """One batch of accounts: company size, channel, country, number of members, creation time.

    Returns
    -------
    dict of str to numpy.ndarray
        ``size``, ``channel``, ``country`` (codes into ``_COMPANY_SIZES``, ``_CHANNELS``,
        ``_COUNTRIES``), ``n_members`` (users the account will have, before the data end cut)
        and ``created`` (epoch seconds), one entry per account.
    """
    size_mix = _probabilities(_COMPANY_SIZE_MIX, _COMPANY_SIZES)
    cdfs = [np.cumsum(_users_per_account_pmf(size)) for size in _COMPANY_SIZES]
    for cdf in cdfs:
        cdf[-1] = 1.0
    day = np.arange(days)
    weekday = (t0 // DAY + day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    weekday_factor = np.array(list(TRUE_PARAMETERS["signup_weekday_factor"].values()))
    growth = TRUE_PARAMETERS["signup_growth_over_period"] ** (day / max(days - 1, 1))
    day_weight = weekday_factor[weekday] * growth
    day_weight /= day_weight.sum()
    hour_weight = np.array(TRUE_PARAMETERS["signup_hour_of_day_weight"])
    hour_weight /= hour_weight.sum()

    size = rng.choice(len(_COMPANY_SIZES), n_accounts, p=size_mix)
    channel = rng.choice(len(_CHANNELS), n_accounts, p=_probabilities(TRUE_PARAMETERS["channel_mix"], _CHANNELS))
    country = rng.choice(len(_COUNTRIES), n_accounts, p=_probabilities(TRUE_PARAMETERS["country_mix"], _COUNTRIES))
    u = rng.random(n_accounts)
    n_members = np.empty(n_accounts, dtype=np.int64)
    for i, cdf in enumerate(cdfs):
        in_size = size == i
        n_members[in_size] = np.searchsorted(cdf, u[in_size], side="right") + 1
    created = (
        t0
        + rng.choice(days, n_accounts, p=day_weight) * DAY
        + rng.choice(24, n_accounts, p=hour_weight) * 3600
        + rng.integers(0, 3600, n_accounts)
    )
    return {"size": size, "channel": channel, "country": country, "n_members": n_members, "created": created}


def _draw_users(rng: np.random.Generator, n_users: int, t0: int, days: int) -> dict[str, np.ndarray]:
    """Accounts and their users, users in signup order.

    Accounts are drawn in batches (:func:`_draw_accounts`) until ``n_users`` users sign up
    before the data end; a teammate joins 15 min + Exponential(6 days) after the first user.

    Returns
    -------
    dict of str to numpy.ndarray
        Per user (index = user number - 1): ``account`` (0-based, in order of first
        appearance), ``member`` (0 = the account's first user), ``signup``, ``created`` (the
        account's creation), ``channel``, ``company_size``, ``country``. Per account:
        ``first_user`` (index of its first user) and ``account_number`` (1-based, in order of
        the first user's signup).
    """
    size_mix = _probabilities(_COMPANY_SIZE_MIX, _COMPANY_SIZES)
    mean_users = sum(size_mix[i] * _mean_users_per_account(s) for i, s in enumerate(_COMPANY_SIZES))
    join = TRUE_PARAMETERS["teammate_join_delay"]
    t1 = t0 + days * DAY

    parts: list[dict[str, np.ndarray]] = []
    total = 0
    account_offset = 0
    while total < n_users:  # one batch almost always suffices
        n_accounts = math.ceil((n_users - total) / mean_users * 1.1) + 16
        batch = _draw_accounts(rng, n_accounts, t0=t0, days=days)
        n_members, created = batch["n_members"], batch["created"]
        account = np.repeat(np.arange(n_accounts), n_members)
        member = np.arange(len(account)) - np.repeat(_group_starts(n_members), n_members)
        delay = np.floor(join["minimum_minutes"] * 60 + rng.exponential(join["mean_days"] * DAY, len(account)))
        signup = created[account] + np.where(member == 0, 0, delay).astype(np.int64)
        keep = signup < t1
        parts.append(
            {
                "account": account[keep] + account_offset,
                "member": member[keep],
                "signup": signup[keep],
                "created": created[account[keep]],
                "channel": batch["channel"][account[keep]],
                "company_size": batch["size"][account[keep]],
                "country": batch["country"][account[keep]],
            }
        )
        total += int(keep.sum())
        account_offset += n_accounts

    users = {key: np.concatenate([part[key] for part in parts])[:n_users] for key in parts[0]}
    # Accounts drawn i.i.d., so cutting at n_users does not bias signup times. A
    # user's first-user (member 0) is always kept, since it precedes the others.
    _, users["account"] = np.unique(users["account"], return_inverse=True)
    order = np.lexsort((users["member"], users["account"], users["signup"]))
    users = {key: value[order] for key, value in users.items()}
    # Account numbers in order of account creation (= first user's signup).
    n_accounts = int(users["account"].max()) + 1
    first_user = np.empty(n_accounts, dtype=np.int64)
    first_user[users["account"][users["member"] == 0]] = np.flatnonzero(users["member"] == 0)
    account_number = np.empty(n_accounts, dtype=np.int64)
    account_number[np.argsort(first_user, kind="stable")] = np.arange(1, n_accounts + 1)
    users["first_user"] = first_user
    users["account_number"] = account_number
    return users


# -- stage 2: journeys (invites, activation, the steps and their times) ---------

_STEP_KEYS = ("integration_connected", "report_created", "teammate_invited", "dashboard_shared")
_IN_WINDOW = (300.0, TRUE_PARAMETERS["trial_days"] * DAY - 3600.0)  # value events: [5 min, 14 d - 1 h]


@dataclass
class _Journeys:
    """What each user does in (and just after) the trial, times as seconds."""

    activated: np.ndarray
    pql_offset: np.ndarray  # seconds from signup to the third step; inf when not activated
    activated_at: np.ndarray  # epoch seconds; -1 where not activated
    primary: np.ndarray  # primary platform code (_WEB or _DESKTOP)
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
    channel_p = np.array([P["channel_activation"][c] for c in _CHANNELS])
    size_m = np.array([P["company_size_activation_multiplier"][s] for s in _COMPANY_SIZES])
    activated = rng.random(n) < channel_p[users["channel"]] * size_m[users["company_size"]]

    all_four = rng.random(n) < P["activated_all_four_steps"]
    dropped = rng.choice(4, n, p=_probabilities(P["activated_dropped_step_weight"], _STEP_KEYS))
    mask_activated = np.ones((n, 4), dtype=bool)
    three = np.flatnonzero(~all_four)
    mask_activated[three, dropped[three]] = False
    mask_activated[forced_invite, 2] = True

    # Not activated: the first `steps_wanted` steps of a weighted race (a draw without replacement).
    steps_wanted = rng.choice(3, n, p=_probabilities(P["not_activated_steps_in_window"], (0, 1, 2)))
    race = rng.exponential(size=(n, 4)) / _probabilities(P["not_activated_step_weight"], _STEP_KEYS)
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
    t_integration = lo + _truncated_exponential(rng, mean_days["integration_connected"] * DAY, hi - lo, n)
    reports_done = P["reports_when_step_done"]
    n_reports = np.where(
        mask[:, 1],
        reports_done["minimum"] + rng.poisson(reports_done["extra_poisson_mean"], n),
        rng.choice(3, n, p=_probabilities(P["reports_when_step_not_done"], (0, 1, 2))),
    )
    report_user = np.repeat(np.arange(n), n_reports)
    report_base = np.where(mask[:, 0], t_integration, lo)[report_user]
    report_t = report_base + _truncated_exponential(
        rng, mean_days["report_created"] * DAY, hi - report_base, len(report_user)
    )
    report_t = report_t[np.lexsort((report_t, report_user))]
    report_start = _group_starts(n_reports)
    padded = np.append(report_t, np.inf)  # index len(report_t) stands for "no such report"
    third_report = np.where(mask[:, 1], padded[np.minimum(report_start + 2, len(report_t))], np.inf)
    first_report = np.where(n_reports > 0, padded[np.minimum(report_start, len(report_t))], lo)
    t_invite = lo + _truncated_exponential(rng, mean_days["teammate_invited"] * DAY, hi - lo, n)
    t_dashboard = first_report + _truncated_exponential(
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


def _draw_journeys(rng: np.random.Generator, users: Mapping[str, np.ndarray]) -> _Journeys:
    """Invites, activation, the time of every step, exports and late steps of each user.

    Stages: :func:`_draw_invites`, :func:`_draw_steps_done`, :func:`_draw_step_times`, then
    second integrations, trial exports, the late third step of some users not activated, and
    each user's primary platform.

    Returns
    -------
    _Journeys
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
    t_second_integration = t_integration + _truncated_exponential(rng, 3 * DAY, hi - t_integration, n)
    export_mean = P["trial_export_downloads_mean"]
    n_exports = rng.poisson(np.where(activated, export_mean["activated"], export_mean["not_activated"]))
    export_user = np.repeat(np.arange(n), n_exports)
    export_t = lo + _truncated_exponential(rng, 4 * DAY, hi - lo, len(export_user))

    late = (~activated) & (mask.sum(axis=1) == 2) & (rng.random(n) < P["not_activated_late_third_step"])
    late_race = rng.random((n, 3))
    late_race[mask[:, [0, 2, 3]]] = 2.0  # only steps not done yet, never reports
    late_code = np.array([_INTEGRATION, _INVITE, _DASHBOARD])[np.argmin(late_race, axis=1)]
    late_t = window + 3600 + rng.exponential(10 * DAY, n)

    primary = rng.choice(2, n, p=_probabilities(P["primary_platform_mix"], ("web", "desktop")))

    value_events = []
    for who, offset, code in (  # (user, offset from their signup, event code; None = late step)
        (np.flatnonzero(mask[:, 0]), t_integration[mask[:, 0]], _INTEGRATION),
        (np.flatnonzero(second_integration), t_second_integration[second_integration], _INTEGRATION),
        (report_user, report_t, _REPORT),
        (np.flatnonzero(mask[:, 2]), t_invite[mask[:, 2]], _INVITE),
        (np.flatnonzero(mask[:, 3]), t_dashboard[mask[:, 3]], _DASHBOARD),
        (export_user, export_t, _EXPORT),
        (np.flatnonzero(late), late_t[late], None),
    ):
        codes = np.full(len(who), code, np.int8) if code is not None else late_code[who].astype(np.int8)
        value_events.append((who, signup[who] + offset, codes))
    value_events.append((invite_user, invite_ts.astype(float), np.full(len(invite_user), _INVITE, np.int8)))
    return _Journeys(
        activated=activated,
        pql_offset=pql_offset,
        activated_at=activated_at,
        primary=primary,
        value_events=value_events,
    )


# -- stage 3: payments (account level) -----------------------------------------


def _draw_payments(
    rng: np.random.Generator, users: Mapping[str, np.ndarray], journeys: _Journeys, *, t1: int
) -> dict[str, np.ndarray]:
    """The first payment of each account: whether, who, when and which plan.

    Returns
    -------
    dict of str to numpy.ndarray
        Per account: ``payer`` (user index), ``paid_at`` (epoch seconds), ``plan`` (code into
        ``_PLANS``), ``paid_seen`` (pays before the data end) and ``account_paid_at``
        (``paid_at`` where seen, else int64 max).
    """
    P = TRUE_PARAMETERS
    signup, account, first_user = users["signup"], users["account"], users["first_user"]
    activated, pql_offset = journeys.activated, journeys.pql_offset
    n_accounts = len(first_user)
    account_activated = np.bincount(account, weights=activated, minlength=n_accounts) > 0
    by_activation = np.lexsort((np.where(activated, pql_offset + signup, np.inf), account))
    earliest_activated = by_activation[_group_starts(np.bincount(account, minlength=n_accounts))]
    pays = rng.random(n_accounts) < np.where(
        account_activated, P["pay_given_account_activated"], P["pay_given_account_not_activated"]
    )
    payer = np.where(
        account_activated & (rng.random(n_accounts) < P["payer_is_activated_user"]),
        earliest_activated,
        first_user,
    )
    delay_cfg = P["payment_delay_days"]
    created = signup[first_user]
    base = created + np.maximum(
        rng.normal(delay_cfg["mean"] * DAY, delay_cfg["sd"] * DAY, n_accounts), delay_cfg["minimum"] * DAY
    )
    payer_activated = activated[payer]
    payer_pql = np.where(payer_activated, signup[payer] + np.where(payer_activated, pql_offset[payer], 0), 0)
    before_pql = payer_activated & (rng.random(n_accounts) < P["paid_before_pql_share"])
    after_pql = payer_pql + 1800 + rng.random(n_accounts) * (DAY - 1800)
    early = signup[payer] + rng.uniform(0.15, 0.85, n_accounts) * np.where(payer_activated, pql_offset[payer], 0)
    paid_at = np.where(
        payer_activated,
        np.where(before_pql, early, np.maximum(base, after_pql)),
        np.maximum(base, signup[payer] + 3600),
    )
    paid_at = np.floor(paid_at).astype(np.int64)
    plan = np.empty(n_accounts, dtype=np.int64)
    plan_u = rng.random(n_accounts)
    account_size = users["company_size"][first_user]
    for i, size_name in enumerate(_COMPANY_SIZES):
        cdf = np.cumsum(_probabilities(P["plan_mix_by_company_size"][size_name], _PLANS))
        cdf[-1] = 1.0
        plan[account_size == i] = np.searchsorted(cdf, plan_u[account_size == i], side="right")
    paid_seen = pays & (paid_at < t1)
    account_paid_at = np.where(paid_seen, paid_at, np.iinfo(np.int64).max)
    return {"payer": payer, "paid_at": paid_at, "plan": plan, "paid_seen": paid_seen, "account_paid_at": account_paid_at}


# -- stage 4: events (sessions of vanity events, post-trial value events) --------


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
    trial_offset = _truncated_exponential(rng, P["trial_session_mean_days"] * DAY, window, len(trial_user))
    trial_offset[_group_starts(n_trial)] = rng.uniform(0, 30, n)  # the signup session
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
        rng.random(n_sessions) < P["mobile_session_share"], _MOBILE, primary[session_user]
    ).astype(np.int8)
    n_pages = 1 + rng.poisson(P["session_extra_page_views_mean"], n_sessions)
    has_settings = rng.random(n_sessions) < P["session_settings_viewed_share"]
    n_in_session = (1 + n_pages + has_settings).astype(np.int32)
    del n_pages
    session_start = _group_starts(n_in_session.astype(np.int64))
    total = int(n_in_session.sum())
    # login, page_viewed..., then settings_viewed when the session has one
    vanity_code = np.full(total, _PAGE, dtype=np.int8)
    vanity_code[session_start] = _LOGIN
    vanity_code[(session_start + n_in_session - 1)[has_settings]] = _SETTINGS
    vanity_t = rng.exponential(P["session_event_gap_mean_seconds"], total)  # gaps
    vanity_t[session_start] = 0.0
    np.cumsum(vanity_t, out=vanity_t)
    vanity_t += np.repeat(session_t - vanity_t[session_start], n_in_session)
    vanity_user = np.repeat(session_user, n_in_session)
    vanity_platform = np.repeat(session_platform, n_in_session)
    return vanity_user, vanity_t, vanity_code, vanity_platform


def _draw_events(
    rng: np.random.Generator,
    users: Mapping[str, np.ndarray],
    journeys: _Journeys,
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
        (_REPORT, P["post_trial_value_event_share"]["report_created"]),
        (_EXPORT, P["post_trial_value_event_share"]["export_downloaded"]),
        (_DASHBOARD, P["post_trial_value_event_share"]["dashboard_shared"]),
    ):
        chosen = np.flatnonzero(engaged & (rng.random(len(session_user)) < share))
        who = session_user[chosen]
        post_value_events.append((who, session_t[chosen] + rng.uniform(60, 1200, len(chosen)), np.full(len(who), code, np.int8)))
    del sessions, session_user, session_t, engaged

    # Concatenated in this order (vanity, trial value events, post-trial ones): the stable
    # sort by time in _events_in_file_order breaks ties by it, so it fixes the event numbers.
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


# -- stage 5: dirty rows (their own random stream) --------------------------------


def _dirty_users(rng: np.random.Generator, users: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
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
    n_no_account = min(_dirty_count(rates["users_no_account"], n), len(single))
    no_account = rng.choice(single, n_no_account, replace=False)
    has_account[users["first_user"][no_account]] = False
    n_dup_users = _dirty_count(rates["users_duplicate"], n)
    dup_users = np.sort(rng.choice(n, min(n_dup_users, n), replace=False))
    return {
        "has_account": has_account,
        "users_row": np.concatenate([np.arange(n), dup_users]),
        "users_reason": np.concatenate([np.zeros(n, np.int8), np.full(len(dup_users), _DUPLICATE, np.int8)]),
    }


def _dirty_events(
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
        empty, k = ``_BAD_TIMESTAMPS[k]``), ``platform`` and ``reason`` arrays; and the clean
        rows to duplicate (``dup_src``).
    """
    rates = TRUE_PARAMETERS["dirty_rates"]
    n = len(signup)
    n_clean = len(clean["ts"])
    ev_user, ev_code, ev_ts, ev_platform = clean["user"], clean["code"], clean["ts"], clean["platform"]
    extra: list[dict[str, np.ndarray]] = []
    if n_clean:
        count = _dirty_count(rates["events_missing_value"], n_clean)
        src = rng.integers(0, n_clean, count)
        field = rng.integers(0, 3, count)
        extra.append(
            {
                "user": np.where(field == 0, -1, ev_user[src]),
                "code": np.where(field == 1, -1, ev_code[src]),
                "ts": ev_ts[src],
                "state": np.where(field == 2, -2, -1),
                "platform": ev_platform[src],
                "reason": np.full(count, _MISSING),
            }
        )
        count = _dirty_count(rates["events_bad_timestamp"], n_clean)
        src = rng.integers(0, n_clean, count)
        extra.append(
            {
                "user": ev_user[src],
                "code": ev_code[src],
                "ts": ev_ts[src],
                "state": rng.integers(0, len(_BAD_TIMESTAMPS), count),
                "platform": ev_platform[src],
                "reason": np.full(count, _BAD),
            }
        )
    count = _dirty_count(rates["events_unknown_user"], n_clean)
    unknown_event_p = np.array([0.3, 0.45, 0.05, 0.02, 0.1, 0.0, 0.02, 0.06])
    extra.append(
        {
            "user": n + rng.integers(0, n_unknown_users, count),
            "code": rng.choice(len(_EVENTS), count, p=unknown_event_p),
            "ts": rng.integers(t0, t1, count),
            "state": np.full(count, -1),
            "platform": rng.choice(3, count, p=[0.7, 0.18, 0.12]),
            "reason": np.full(count, _UNKNOWN),
        }
    )
    count = _dirty_count(rates["events_before_signup"], n_clean)
    who = rng.integers(0, n, count)
    extra.append(
        {
            "user": who,
            "code": np.where(rng.random(count) < 0.8, _PAGE, _LOGIN),
            "ts": signup[who] - rng.integers(60, 3 * DAY, count),
            "state": np.full(count, -1),
            "platform": np.full(count, _WEB),
            "reason": np.full(count, _BEFORE),
        }
    )
    n_dup_events = min(_dirty_count(rates["events_duplicate"], n_clean), n_clean)
    return extra, rng.choice(n_clean, n_dup_events, replace=False)


def _dirty_conversions(
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
    n_repeat = min(_dirty_count(rates["conversions_repeat_payment"], n_paid), len(room))
    repeat = np.sort(rng.choice(room, n_repeat, replace=False))
    repeat_ts = cv_ts[repeat] + DAY + rng.integers(0, t1 - 1 - DAY - cv_ts[repeat])
    n_unknown_cv = _dirty_count(rates["conversions_unknown_user"], max(n_paid, 1))
    return {
        "user": np.concatenate([cv_user, cv_user[repeat], n_users + rng.integers(0, n_unknown_users, n_unknown_cv)]),
        "account": np.concatenate([cv_account, cv_account[repeat], n_accounts + 1 + np.arange(n_unknown_cv)]),
        "ts": np.concatenate([cv_ts, repeat_ts, rng.integers(t0, t1, n_unknown_cv)]),
        "plan": np.concatenate(
            [cv_plan, np.minimum(cv_plan[repeat] + 1, len(_PLANS) - 1), rng.integers(0, len(_PLANS), n_unknown_cv)]
        ),
        "reason": np.concatenate(
            [np.zeros(n_paid, np.int8), np.zeros(n_repeat, np.int8), np.full(n_unknown_cv, _UNKNOWN, np.int8)]
        ),
        "repeat": np.concatenate([np.zeros(n_paid, bool), np.ones(n_repeat, bool), np.zeros(n_unknown_cv, bool)]),
    }


def _events_in_file_order(
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
    out["reason"][duplicate_rows] = _DUPLICATE
    return out


def _timestamp_formats(rng: np.random.Generator, count: int, *, dirty: bool) -> np.ndarray:
    """How each timestamp is written: 0 = "Z", 1 = naive, 2 + k = ``_UTC_OFFSETS[k]``.

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
    out[offset] = 2 + (u[offset] - z_units - naive_units) * len(_UTC_OFFSETS) // offset_units
    return out


# -- the whole simulation ------------------------------------------------------------


def _simulate(*, n_users: int, seed: int, t0: int, days: int, dirty: bool) -> _Simulation:
    """Run the stages: accounts and users, journeys, payments, events, then dirty rows.

    The behaviour and the dirt draw from two streams spawned from ``seed``, so
    ``dirty=False`` gives the same sample without the dirty rows.

    Returns
    -------
    _Simulation
        The arrays of every table, rows in file order.
    """
    # Longer than 80 lines only because the last 37 name the _Simulation's fields one by one.
    behaviour_rng, dirt_rng = np.random.default_rng(seed).spawn(2)
    t1 = t0 + days * DAY
    users = _draw_users(behaviour_rng, n_users, t0, days)
    journeys = _draw_journeys(behaviour_rng, users)
    payments = _draw_payments(behaviour_rng, users, journeys, t1=t1)
    clean = _draw_events(behaviour_rng, users, journeys, payments, t1=t1)
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
        dirty_users = _dirty_users(dirt_rng, users)
        n_unknown_users = _dirty_count(TRUE_PARAMETERS["dirty_rates"]["unknown_users_per_user"], n)
        extra, dup_src = _dirty_events(
            dirt_rng, clean, users["signup"], n_unknown_users=n_unknown_users, t0=t0, t1=t1
        )
        conversions = _dirty_conversions(
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
    events = _events_in_file_order(clean, extra, dup_src)
    del clean, extra

    users_row = dirty_users["users_row"]
    n_base = len(events["ts"]) - len(dup_src)  # rows before the duplicates
    users_fmt = _timestamp_formats(dirt_rng, n, dirty=dirty)[users_row]  # a repeated row repeats its text
    ev_fmt = _timestamp_formats(dirt_rng, n_base, dirty=dirty)[events["number"] - 1]  # so does a duplicate
    cv_order = np.argsort(conversions["ts"], kind="stable")
    cv_fmt = _timestamp_formats(dirt_rng, len(cv_order), dirty=dirty)
    return _Simulation(
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


# --------------------------------------------------------------------------- #
# Text and Arrow columns
# --------------------------------------------------------------------------- #

_SUFFIXES = ("Z", "", *_UTC_OFFSETS)  # timestamp format code -> suffix
_SUFFIX_SECONDS = np.array(
    [0, 0] + [(1 if o[0] == "+" else -1) * (int(o[1:3]) * 3600 + int(o[4:6]) * 60) for o in _UTC_OFFSETS],
    dtype=np.int64,
)
_TEXT_WIDTH = max(19 + max(len(s) for s in _SUFFIXES), max(len(s) for s in _BAD_TIMESTAMPS))


def _text_matrix(texts: tuple[str, ...], width: int) -> tuple[np.ndarray, np.ndarray]:
    matrix = np.zeros((len(texts), width), dtype=np.uint8)
    for i, text in enumerate(texts):
        matrix[i, : len(text)] = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return matrix, np.array([len(text) for text in texts], dtype=np.int64)


_SUFFIX_MATRIX, _SUFFIX_LENGTH = _text_matrix(_SUFFIXES, _TEXT_WIDTH - 19)
_BAD_MATRIX, _BAD_LENGTH = _text_matrix(_BAD_TIMESTAMPS, _TEXT_WIDTH)


_DIGIT_PAIRS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """ASCII digits of non-negative integers, zero padded, shape (n, width).

    Two digits per step from a lookup table, dividing by a scalar (numpy's fast path).
    """
    remaining = values.astype(np.int64)
    out = np.empty((len(remaining), width), dtype=np.uint8)
    position = width
    while position >= 2:
        quotient = remaining // 100
        out[:, position - 2 : position] = _DIGIT_PAIRS[remaining - quotient * 100]
        remaining = quotient
        position -= 2
    if position == 1:
        out[:, 0] = 48 + remaining % 10
    return out


def _string_array(matrix: np.ndarray, lengths: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Arrow strings from the first ``lengths[i]`` bytes of each matrix row."""
    n, width = matrix.shape
    lengths = lengths.astype(np.int64, copy=True)
    if valid is not None:
        lengths[~valid] = 0
    if n and (lengths == width).all():
        data = matrix.reshape(-1)
    else:
        data = matrix[np.arange(width) < lengths[:, None]]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    bitmap, null_count = None, 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    return pa.Array.from_buffers(
        pa.string(), n, [bitmap, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))], null_count
    )


def _ids(prefix: str, numbers: np.ndarray, width: int, valid: np.ndarray | None = None) -> pa.Array:
    """``prefix`` + zero-padded number, e.g. ``u0000123``; null where not valid."""
    n = len(numbers)
    matrix = np.empty((n, len(prefix) + width), dtype=np.uint8)
    matrix[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    matrix[:, len(prefix) :] = _digits(np.maximum(numbers, 0), width)
    return _string_array(matrix, np.full(n, matrix.shape[1]), valid)


def _civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proleptic Gregorian (year, month, day) of days since 1970-01-01.

    H. Hinnant's ``civil_from_days`` (https://howardhinnant.github.io/date_algorithms.html).
    """
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def _timestamp_text(seconds: np.ndarray, fmt: np.ndarray, state: np.ndarray | None) -> pa.Array:
    """ISO 8601 text: ``2026-01-03T14:22:05`` + ``Z`` / nothing / ``+02:00`` ...

    ``fmt`` indexes ``_SUFFIXES``; an offset shows the same instant in local time.
    ``state`` -1 = normal, -2 = empty (null), k >= 0 = ``_BAD_TIMESTAMPS[k]``.
    """
    local = seconds + _SUFFIX_SECONDS[fmt]
    n = len(local)
    days = local // DAY
    second_of_day = local - days * DAY
    matrix = np.empty((n, _TEXT_WIDTH), dtype=np.uint8)
    if n:
        # "YYYY-MM-DD" once per calendar day in the range, then a lookup per row
        first_day = int(days.min())
        calendar = np.arange(first_day, int(days.max()) + 1)
        year, month, day = _civil_from_days(calendar)
        date_text = np.empty((len(calendar), 10), dtype=np.uint8)
        date_text[:, 0:4] = _digits(year, 4)
        date_text[:, 5:7] = _digits(month, 2)
        date_text[:, 8:10] = _digits(day, 2)
        date_text[:, [4, 7]] = ord("-")
        matrix[:, :10] = date_text[days - first_day]
    hour = second_of_day // 3600
    minute_second = second_of_day - hour * 3600
    minute = minute_second // 60
    matrix[:, 11:13] = _DIGIT_PAIRS[hour]
    matrix[:, 14:16] = _DIGIT_PAIRS[minute]
    matrix[:, 17:19] = _DIGIT_PAIRS[minute_second - minute * 60]
    matrix[:, 10] = ord("T")
    matrix[:, [13, 16]] = ord(":")
    matrix[:, 19:] = _SUFFIX_MATRIX[fmt]
    lengths = 19 + _SUFFIX_LENGTH[fmt]
    valid = None
    if state is not None:
        bad = np.flatnonzero(state >= 0)
        matrix[bad] = _BAD_MATRIX[state[bad]]
        lengths[bad] = _BAD_LENGTH[state[bad]]
        valid = state != -2
    return _string_array(matrix, lengths, valid)


def _timestamp_column(
    seconds: np.ndarray, fmt: np.ndarray, state: np.ndarray | None, *, text: bool
) -> pa.Array:
    """Text (:func:`_timestamp_text`) or ``timestamp[us, tz=UTC]``; a typed column has no place
    for a bad timestamp, so an empty or bad one (``state != -1``) is null there, as when a
    warehouse casts such text to ``TIMESTAMP WITH TIME ZONE``."""
    if text:
        return _timestamp_text(seconds, fmt, state)
    mask = None if state is None else state != -1
    return pa.array(seconds.astype(np.int64) * 1_000_000, mask=mask).cast(pa.timestamp("us", tz="UTC"))


def _labels(names: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pc.take(pa.array(names, pa.string()), indices)


def _schema(table: str, *, text: bool) -> pa.Schema:
    ts = pa.string() if text else pa.timestamp("us", tz="UTC")
    fields = {
        "users": [
            ("user_id", pa.string()),
            ("signup_at", ts),
            ("account_id", pa.string()),
            ("channel", pa.string()),
            ("company_size", pa.string()),
            ("country", pa.string()),
        ],
        "events": [
            ("event_id", pa.string()),
            ("user_id", pa.string()),
            ("event", pa.string()),
            ("timestamp", ts),
            ("platform", pa.string()),
        ],
        "conversions": [
            ("user_id", pa.string()),
            ("account_id", pa.string()),
            ("paid_at", ts),
            ("plan", pa.string()),
            ("mrr", pa.float64()),
        ],
    }[table]
    return pa.schema(fields)


def _all_user_ids(sim: _Simulation) -> pa.Array:
    """Ids of users 1..n and of the unknown users n+1..n+k (not in the users table)."""
    return _ids("u", np.arange(1, sim.n_users + sim.n_unknown_users + 1), sim.user_width)


def _users_batches(sim: _Simulation, *, text: bool) -> Iterator[pa.RecordBatch]:
    rows = sim.users_row
    yield pa.RecordBatch.from_arrays(
        [
            _ids("u", rows + 1, sim.user_width),
            _timestamp_column(sim.signup[rows], sim.users_fmt, None, text=text),
            _ids("a", sim.account_number[rows], sim.account_width, valid=sim.has_account[rows]),
            _labels(_CHANNELS, sim.channel[rows]),
            _labels(_COMPANY_SIZES, sim.company_size[rows]),
            _labels(_COUNTRIES, sim.country[rows]),
        ],
        schema=_schema("users", text=text),
    )


def _events_batches(sim: _Simulation, *, text: bool, chunk_rows: int = 2_000_000) -> Iterator[pa.RecordBatch]:
    user_ids = _all_user_ids(sim)
    schema = _schema("events", text=text)
    n_rows = len(sim.ev_ts)
    for start in range(0, max(n_rows, 1), chunk_rows):
        part = slice(start, min(start + chunk_rows, n_rows))
        user = sim.ev_user[part]
        yield pa.RecordBatch.from_arrays(
            [
                _ids("e", sim.ev_number[part], sim.event_width),
                pc.take(user_ids, pa.array(user, mask=user < 0)),
                _labels(_EVENTS, sim.ev_code[part]),
                _timestamp_column(sim.ev_ts[part], sim.ev_fmt[part], sim.ev_state[part], text=text),
                _labels(_PLATFORMS, sim.ev_platform[part]),
            ],
            schema=schema,
        )


def _conversions_batches(sim: _Simulation, *, text: bool) -> Iterator[pa.RecordBatch]:
    user = sim.cv_user
    known = user < sim.n_users
    has_account = np.where(known, sim.has_account[np.where(known, user, 0)], True)
    prices = np.array([TRUE_PARAMETERS["plan_mrr"][plan] for plan in _PLANS])
    yield pa.RecordBatch.from_arrays(
        [
            pc.take(_all_user_ids(sim), pa.array(user)),
            _ids("a", sim.cv_account, sim.account_width, valid=has_account & (sim.cv_account > 0)),
            _timestamp_column(sim.cv_ts, sim.cv_fmt, None, text=text),
            _labels(_PLANS, sim.cv_plan),
            pa.array(prices[sim.cv_plan], pa.float64()),
        ],
        schema=_schema("conversions", text=text),
    )


def _injected(sim: _Simulation, *, text: bool) -> dict[str, dict[str, int]]:
    """Rows a loader must drop, per table and drop reason (docs/metrics.md#data-quality), at the default as_of.

    With typed timestamps (``text=False``) a bad timestamp is null, so its row is a
    ``missing_value`` instead of a ``bad_timestamp``.
    """

    def counts(reason: np.ndarray, no_account: int) -> dict[str, int]:
        found = np.bincount(reason, minlength=len(_REASONS))
        out = {name: int(found[i + 1]) for i, name in enumerate(_REASONS[:5])}
        out["after_as_of"] = 0  # nothing is later than the data end
        out["no_account"] = int(no_account)  # account level only
        return out

    users_ok = sim.users_reason == _USED
    users_no_account = users_ok & ~sim.has_account[sim.users_row]
    ev_ok = (sim.ev_reason == _USED) & (sim.ev_user >= 0) & (sim.ev_user < sim.n_users)
    ev_no_account = ev_ok & ~sim.has_account[np.where(ev_ok, sim.ev_user, 0)]
    cv_ok = (sim.cv_reason == _USED) & (sim.cv_user < sim.n_users)
    cv_no_account = cv_ok & ~sim.has_account[np.where(cv_ok, sim.cv_user, 0)]
    injected = {
        "users": counts(sim.users_reason, users_no_account.sum()),
        "events": counts(sim.ev_reason, ev_no_account.sum()),
        "conversions": counts(sim.cv_reason, cv_no_account.sum()),
    }
    if not text:
        events = injected["events"]
        events["missing_value"] += events["bad_timestamp"]
        events["bad_timestamp"] = 0
    return injected


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


def _check_arguments(n_users: int, seed: int, start: str, days: int) -> tuple[int, int, int, int]:
    checked = []
    for name, value, minimum in (("n_users", n_users, 1), ("seed", seed, 0), ("days", days, 1)):
        try:
            if isinstance(value, bool):
                raise TypeError
            value = operator.index(value)
        except TypeError:
            raise ValueError(f"The value for `{name}` must be an integer, but {value!r} was passed.") from None
        if value < minimum:
            raise ValueError(f"The value for `{name}` must be at least {minimum}, but {value!r} was passed.")
        checked.append(value)
    try:
        stamp = pd.Timestamp(start)
    except (TypeError, ValueError):
        raise ValueError(
            f"The value for `start` must be an ISO 8601 date such as '2026-01-01', but {start!r} was passed."
        ) from None
    if stamp is pd.NaT or pd.isna(stamp):
        raise ValueError(f"The value for `start` must be a date, but {start!r} was passed.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    t0 = int(np.datetime64(stamp.to_datetime64(), "s").astype(np.int64))
    if not (1900 <= stamp.year and (stamp + pd.Timedelta(days=checked[2])).year <= 9999):
        raise ValueError(f"The value for `start` must be a year from 1900 to 9999, but {start!r} was passed.")
    n_users, seed, days = checked
    return n_users, seed, t0, days


_TIMESTAMPS = ("typed", "text")


@dataclass(frozen=True, eq=False)
class Sample(Mapping[str, pd.DataFrame]):
    """A generated sample: its tables, and what the generator knows about them.

    Also a read-only mapping of table name to frame (``sample["events"]``; iterating gives
    ``"users"``, ``"events"``, ``"conversions"`` and, when present, ``"truth"``), so a sample can
    be passed wherever pqlkit takes a dict of frames (``pk.entity_table(sample, spec)``).

    Attributes
    ----------
    users, events, conversions : pandas.DataFrame
        The tables, columns as in docs/metrics.md#input-tables.
    injected : mapping of str to mapping of str to int
        Per table, every drop reason of docs/metrics.md#data-quality to the number of its rows a
        loader must drop at the default ``as_of`` (``no_account`` at account level only).
    data_end : str
        ``start + days`` in ISO 8601 (``2026-07-01T00:00:00Z``); no timestamp is at or after it.
    repeat_payments : int
        Extra, kept, later payment rows in ``conversions`` (upgrades of an account that paid).
    truth : pandas.DataFrame or None
        With ``with_truth``: ``user_id``, ``activated`` (bool), ``activated_at`` (the time of the
        third step; NaT when not activated; can be after the data end). Else None.
    """

    users: pd.DataFrame
    events: pd.DataFrame
    conversions: pd.DataFrame
    injected: Mapping[str, Mapping[str, int]]
    data_end: str
    repeat_payments: int
    truth: pd.DataFrame | None = None

    # Compared by identity: Mapping's value comparison would ask a DataFrame for a truth value.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._names():
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def _names(self) -> tuple[str, ...]:
        return ("users", "events", "conversions") + (("truth",) if self.truth is not None else ())


def _check_timestamps(timestamps: str | None, *, default: str) -> str:
    if timestamps is None:
        return default
    if timestamps not in _TIMESTAMPS:
        raise ValueError(f"The value for `timestamps` must be one of {_TIMESTAMPS}, but {timestamps!r} was passed.")
    return timestamps


def generate_sample(
    *,
    n_users: int = 3000,
    seed: int = 7,
    start: str = "2026-01-01",
    days: int = 181,
    dirty: bool = True,
    with_truth: bool = False,
    timestamps: str | None = None,
) -> Sample:
    """Generate the users, events and conversions of a synthetic B2B SaaS product.

    Parameters
    ----------
    n_users : int
        Number of distinct users (rows of ``users`` before injected duplicates).
    seed : int
        Seed of ``numpy.random.default_rng``; the only source of randomness.
    start : str
        First day of the data, an ISO 8601 date (UTC midnight).
    days : int
        Length of the data in days. No timestamp is at or after ``start + days``.
    dirty : bool
        Inject the data-quality problems of docs/metrics.md#data-quality (counted in
        ``Sample.injected``) and write a few timestamps with UTC offsets or naive. ``False``
        gives clean data: no dropped rows, every user with an account.
    with_truth : bool
        Also return the generator's latent activation (``Sample.truth``).
    timestamps : {"text", "typed"}, optional
        ``"text"``: ISO 8601 strings, exactly the text written to CSV. ``"typed"``:
        ``datetime64[us, UTC]``, with NaT for the bad timestamps (then counted as
        ``missing_value``, as a warehouse's ``TIMESTAMP WITH TIME ZONE`` column would hold
        them). Default: text when ``dirty``, else typed.

    Returns
    -------
    Sample
        ``users``: ``user_id``, ``signup_at``, ``account_id``, ``channel``,
        ``company_size``, ``country``.
        ``events``: ``event_id``, ``user_id``, ``event``, ``timestamp``, ``platform``.
        ``conversions``: ``user_id``, ``account_id``, ``paid_at``, ``plan``, ``mrr``.
        ``truth`` (only with ``with_truth``): ``user_id``, ``activated``, ``activated_at``.
        Identifiers and labels are ``str`` with NaN for empty; ``mrr`` is float. Also
        ``injected``, ``data_end`` and ``repeat_payments`` (see :class:`Sample`).

    See Also
    --------
    write_sample : Write the same tables to files.
    expected_data_quality : The ``data_quality`` ledger a loader should report.

    Examples
    --------
    >>> from pqlkit.synthetic import generate_sample
    >>> sample = generate_sample(n_users=50, seed=1)
    >>> sample.users.columns.tolist()
    ['user_id', 'signup_at', 'account_id', 'channel', 'company_size', 'country']
    >>> sample["events"]["event"].isin(["login", "report_created"]).any()
    np.True_
    >>> sample.data_end
    '2026-07-01T00:00:00Z'
    """
    n_users, seed, t0, days = _check_arguments(n_users, seed, start, days)
    text = _check_timestamps(timestamps, default="text" if dirty else "typed") == "text"
    sim = _simulate(n_users=n_users, seed=seed, t0=t0, days=days, dirty=bool(dirty))
    tables = {
        "users": pa.Table.from_batches(list(_users_batches(sim, text=text))),
        "events": pa.Table.from_batches(list(_events_batches(sim, text=text)), schema=_schema("events", text=text)),
        "conversions": pa.Table.from_batches(list(_conversions_batches(sim, text=text))),
    }
    truth = None
    if with_truth:
        truth = pd.DataFrame(
            {
                "user_id": _ids("u", np.arange(1, n_users + 1), sim.user_width).to_pandas(),
                "activated": sim.activated,
                "activated_at": pd.to_datetime(
                    np.where(sim.activated, sim.activated_at, 0), unit="s", utc=True
                ).as_unit("us").where(sim.activated),
            }
        )
    return Sample(
        users=tables["users"].to_pandas(),
        events=tables["events"].to_pandas(),
        conversions=tables["conversions"].to_pandas(),
        injected=_freeze(_injected(sim, text=text)),
        data_end=_timestamp_text(np.array([sim.t1]), np.zeros(1, np.int8), None)[0].as_py(),
        repeat_payments=int(sim.cv_repeat.sum()),
        truth=truth,
    )


def write_sample(
    out_dir: str | PathLike[str],
    *,
    n_users: int = 3000,
    seed: int = 7,
    fmt: str = "csv",
    start: str = "2026-01-01",
    days: int = 181,
    dirty: bool = True,
    timestamps: str | None = None,
) -> dict[str, Path]:
    """Generate a sample and write ``users``, ``events`` and ``conversions`` files.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write to; created if missing. Files of the same names are
        replaced; other files are left alone.
    n_users, seed, start, days, dirty
        As in :func:`generate_sample`; the same arguments give the same data.
    fmt : {"parquet", "csv", "csv.gz"}
        File format, also the file extension. CSV is unquoted, UTF-8, with empty
        fields for missing values and byte-identical for identical arguments.
        Parquet is zstd. Large samples are written in chunks of 2 million events, so
        memory stays at a few GB for a million users.
    timestamps : {"typed", "text"}, optional
        Parquet only: ``"typed"`` (the default for Parquet) writes ``timestamp[us, tz=UTC]``
        columns (``TIMESTAMP WITH TIME ZONE``, as a warehouse unload writes them), with null
        for a bad timestamp, which a loader then counts as ``missing_value``; ``"text"``
        writes the ISO 8601 strings of the CSV files. CSV is always text.

    Returns
    -------
    dict of str to pathlib.Path
        The path written for each of ``"users"``, ``"events"``, ``"conversions"``.

    Raises
    ------
    ValueError
        On an unknown ``fmt`` or ``timestamps``, ``timestamps="typed"`` with CSV,
        ``n_users < 1``, ``days < 1``, a negative ``seed`` or an unreadable ``start``.

    Examples
    --------
    >>> import tempfile
    >>> from pqlkit.synthetic import write_sample
    >>> paths = write_sample(tempfile.mkdtemp(), n_users=20, fmt="csv")
    >>> sorted(path.name for path in paths.values())
    ['conversions.csv', 'events.csv', 'users.csv']
    """
    if fmt not in _FORMATS:
        raise ValueError(f"The value for `fmt` must be one of {_FORMATS}, but {fmt!r} was passed.")
    text = _check_timestamps(timestamps, default="typed" if fmt == "parquet" else "text") == "text"
    if not text and fmt != "parquet":
        raise ValueError(f"CSV holds timestamps as text: `timestamps='typed'` needs fmt='parquet', not {fmt!r}.")
    n_users, seed, t0, days = _check_arguments(n_users, seed, start, days)
    sim = _simulate(n_users=n_users, seed=seed, t0=t0, days=days, dirty=bool(dirty))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, batches in (
        ("users", _users_batches(sim, text=text)),
        ("events", _events_batches(sim, text=text)),
        ("conversions", _conversions_batches(sim, text=text)),
    ):
        path = out / f"{name}.{fmt}"
        schema = _schema(name, text=text)
        if fmt == "parquet":
            with pq.ParquetWriter(path, schema, compression="zstd") as writer:
                for batch in batches:
                    writer.write_batch(batch)
        else:
            sink = pa.CompressedOutputStream(str(path), "gzip") if fmt == "csv.gz" else pa.OSFile(str(path), "wb")
            options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
            with sink, pa_csv.CSVWriter(sink, schema, write_options=options) as writer:
                sink.write((",".join(schema.names) + "\n").encode("ascii"))  # unquoted header
                for batch in batches:
                    writer.write_batch(batch)
        paths[name] = path
    return paths


def expected_data_quality(sample: Sample, *, level: str = "user") -> dict[str, dict[str, Any]]:
    """The ``data_quality`` ledger a loader (docs/metrics.md#data-quality) should report for a sample.

    Parameters
    ----------
    sample : Sample
        The result of :func:`generate_sample` (its ``injected`` counts are read).
    level : {"user", "account"}
        At user level ``no_account`` drops nothing.

    Returns
    -------
    dict
        Per table: ``{"read": int, "used": int, "dropped": {reason: int}}``, with
        only the reasons that drop at least one row, at the default ``as_of``.

    Examples
    --------
    >>> from pqlkit.synthetic import expected_data_quality, generate_sample
    >>> ledger = expected_data_quality(generate_sample(n_users=200, seed=3))
    >>> ledger["users"]["read"] - ledger["users"]["used"]
    1
    """
    if level not in ("user", "account"):
        raise ValueError(f"The value for `level` must be one of ('user', 'account'), but {level!r} was passed.")
    if not isinstance(sample, Sample):
        raise TypeError(f"`sample` must be the Sample that generate_sample returns, not {type(sample).__name__}.")
    ledger: dict[str, dict[str, Any]] = {}
    for name in ("users", "events", "conversions"):
        injected = dict(sample.injected[name])
        if level == "user":
            injected.pop("no_account")
        dropped = {reason: count for reason, count in injected.items() if count}
        read = len(sample[name])
        ledger[name] = {"read": read, "used": read - sum(dropped.values()), "dropped": dropped}
    return ledger
