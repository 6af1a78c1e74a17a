"""The true parameters: every behavioural constant of the generator, in :data:`TRUE_PARAMETERS`.

Tests check that the metrics recover these numbers from the generated data.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from pqlkit.synthetic.vocabulary import BAD_TIMESTAMPS, COMPANY_SIZES, UTC_OFFSETS

__all__ = ["TRUE_PARAMETERS"]


COMPANY_SIZE_MIX = {"1-10": 0.42, "11-50": 0.28, "51-200": 0.16, "201-1000": 0.09, "1000+": 0.05}
_USERS_PER_ACCOUNT_EXPONENT = {"1-10": 2.8, "11-50": 2.3, "51-200": 2.0, "201-1000": 1.8, "1000+": 1.6}
_USERS_PER_ACCOUNT_MAX = {"1-10": 10, "11-50": 20, "51-200": 20, "201-1000": 20, "1000+": 20}
_RAW_SIZE_MULTIPLIER = {"1-10": 0.85, "11-50": 1.05, "51-200": 1.15, "201-1000": 1.10, "1000+": 0.95}


def users_per_account_pmf(size: str) -> np.ndarray:
    """P(k users) for k = 1..max, proportional to ``k ** -exponent``."""
    k = np.arange(1, _USERS_PER_ACCOUNT_MAX[size] + 1, dtype=float)
    weights = k ** -_USERS_PER_ACCOUNT_EXPONENT[size]
    return weights / weights.sum()


def mean_users_per_account(size: str) -> float:
    """E[users per account] for a company size, from :func:`users_per_account_pmf`."""
    pmf = users_per_account_pmf(size)
    return float((np.arange(1, len(pmf) + 1) * pmf).sum())


def _normalised_size_multiplier() -> dict[str, float]:
    """Scale the raw multipliers so that their mean over *users* is exactly 1.

    A user's company size is distributed as ``mix[s] * E[users per account | s]``
    (normalised), because bigger companies bring more users per account.
    """
    user_weight = {s: COMPANY_SIZE_MIX[s] * mean_users_per_account(s) for s in COMPANY_SIZES}
    total = sum(user_weight.values())
    mean = sum(user_weight[s] / total * _RAW_SIZE_MULTIPLIER[s] for s in COMPANY_SIZES)
    return {s: round(_RAW_SIZE_MULTIPLIER[s] / mean, 6) for s in COMPANY_SIZES}


def freeze(value: Any) -> Any:
    """Read-only copy: dicts become mappingproxies, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


TRUE_PARAMETERS: Mapping[str, Any] = freeze(
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
        "company_size_mix": COMPANY_SIZE_MIX,
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
        "bad_timestamp_values": BAD_TIMESTAMPS,
        # Timestamp text (dirty=True): 95% UTC with "Z", 2.5% the same instant with
        # one of these offsets, 2.5% naive (meaning UTC). dirty=False: all "Z".
        "timestamp_format_mix": {"utc_z": 0.95, "offset": 0.025, "naive": 0.025},
        "timestamp_offsets": UTC_OFFSETS,
    }
)
