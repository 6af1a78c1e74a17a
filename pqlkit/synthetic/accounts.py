"""Stage 1 of the simulation: accounts and their users, users in signup order."""

from __future__ import annotations

import math

import numpy as np

from pqlkit.synthetic.numeric import group_starts, probabilities
from pqlkit.synthetic.parameters import (
    COMPANY_SIZE_MIX,
    TRUE_PARAMETERS,
    mean_users_per_account,
    users_per_account_pmf,
)
from pqlkit.synthetic.vocabulary import CHANNELS, COMPANY_SIZES, COUNTRIES, DAY

__all__: list[str] = []


def _draw_accounts(
    rng: np.random.Generator, n_accounts: int, *, t0: int, days: int
) -> dict[str, np.ndarray]:
    """One batch of accounts: company size, channel, country, number of members, creation time.

    Returns
    -------
    dict of str to numpy.ndarray
        ``size``, ``channel``, ``country`` (codes into ``COMPANY_SIZES``, ``CHANNELS``,
        ``COUNTRIES``), ``n_members`` (users the account will have, before the data end cut)
        and ``created`` (epoch seconds), one entry per account.
    """
    size_mix = probabilities(COMPANY_SIZE_MIX, COMPANY_SIZES)
    cdfs = [np.cumsum(users_per_account_pmf(size)) for size in COMPANY_SIZES]
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

    size = rng.choice(len(COMPANY_SIZES), n_accounts, p=size_mix)
    channel = rng.choice(len(CHANNELS), n_accounts, p=probabilities(TRUE_PARAMETERS["channel_mix"], CHANNELS))
    country = rng.choice(len(COUNTRIES), n_accounts, p=probabilities(TRUE_PARAMETERS["country_mix"], COUNTRIES))
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


def draw_users(rng: np.random.Generator, n_users: int, t0: int, days: int) -> dict[str, np.ndarray]:
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
    size_mix = probabilities(COMPANY_SIZE_MIX, COMPANY_SIZES)
    mean_users = sum(size_mix[i] * mean_users_per_account(s) for i, s in enumerate(COMPANY_SIZES))
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
        member = np.arange(len(account)) - np.repeat(group_starts(n_members), n_members)
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
