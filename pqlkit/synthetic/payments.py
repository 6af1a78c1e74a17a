"""Stage 3 of the simulation: the first payment of each account."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from pqlkit.synthetic.journeys import Journeys
from pqlkit.synthetic.numeric import group_starts, probabilities
from pqlkit.synthetic.parameters import TRUE_PARAMETERS
from pqlkit.synthetic.vocabulary import COMPANY_SIZES, DAY, PLANS

__all__: list[str] = []


def draw_payments(
    rng: np.random.Generator, users: Mapping[str, np.ndarray], journeys: Journeys, *, t1: int
) -> dict[str, np.ndarray]:
    """The first payment of each account: whether, who, when and which plan.

    Returns
    -------
    dict of str to numpy.ndarray
        Per account: ``payer`` (user index), ``paid_at`` (epoch seconds), ``plan`` (code into
        ``PLANS``), ``paid_seen`` (pays before the data end) and ``account_paid_at``
        (``paid_at`` where seen, else int64 max).
    """
    P = TRUE_PARAMETERS
    signup, account, first_user = users["signup"], users["account"], users["first_user"]
    activated, pql_offset = journeys.activated, journeys.pql_offset
    n_accounts = len(first_user)
    account_activated = np.bincount(account, weights=activated, minlength=n_accounts) > 0
    by_activation = np.lexsort((np.where(activated, pql_offset + signup, np.inf), account))
    earliest_activated = by_activation[group_starts(np.bincount(account, minlength=n_accounts))]
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
    for i, size_name in enumerate(COMPANY_SIZES):
        cdf = np.cumsum(probabilities(P["plan_mix_by_company_size"][size_name], PLANS))
        cdf[-1] = 1.0
        plan[account_size == i] = np.searchsorted(cdf, plan_u[account_size == i], side="right")
    paid_seen = pays & (paid_at < t1)
    account_paid_at = np.where(paid_seen, paid_at, np.iinfo(np.int64).max)
    return {"payer": payer, "paid_at": paid_at, "plan": plan, "paid_seen": paid_seen, "account_paid_at": account_paid_at}
