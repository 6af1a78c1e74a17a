"""Data quality of a sample: the rows the generator injected, and the ledger a loader should report."""

from __future__ import annotations

from typing import Any

import numpy as np

from pqlkit.base.columns import REASONS
from pqlkit.synthetic.sample import Sample
from pqlkit.synthetic.simulation import Simulation
from pqlkit.synthetic.vocabulary import USED

__all__ = ["expected_data_quality"]


def injected_counts(sim: Simulation, *, text: bool) -> dict[str, dict[str, int]]:
    """Rows a loader must drop, per table and drop reason (docs/metrics.md#data-quality), at the default as_of.

    With typed timestamps (``text=False``) a bad timestamp is null, so its row is a
    ``missing_value`` instead of a ``bad_timestamp``.
    """

    def counts(reason: np.ndarray, no_account: int) -> dict[str, int]:
        found = np.bincount(reason, minlength=len(REASONS))
        out = {name: int(found[i + 1]) for i, name in enumerate(REASONS[:5])}
        out["after_as_of"] = 0  # nothing is later than the data end
        out["no_account"] = int(no_account)  # account level only
        return out

    users_ok = sim.users_reason == USED
    users_no_account = users_ok & ~sim.has_account[sim.users_row]
    ev_ok = (sim.ev_reason == USED) & (sim.ev_user >= 0) & (sim.ev_user < sim.n_users)
    ev_no_account = ev_ok & ~sim.has_account[np.where(ev_ok, sim.ev_user, 0)]
    cv_ok = (sim.cv_reason == USED) & (sim.cv_user < sim.n_users)
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


def expected_data_quality(sample: Sample, *, level: str = "user") -> dict[str, dict[str, Any]]:
    """The ``data_quality`` ledger a loader (docs/metrics.md#data-quality) should report for a sample.

    Parameters
    ----------
    sample : Sample
        The result of :func:`~pqlkit.synthetic.generate_sample` (its ``injected`` counts are read).
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
