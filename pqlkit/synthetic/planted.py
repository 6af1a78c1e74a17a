"""A planted activation: synthetic data where known steps, counts and windows drive paying, with decoys.

:func:`generate_planted_sample` is an option of the generator beside :func:`generate_sample` (which it
leaves untouched: the bundled sample and every seed of ``pqlkit sample`` write the same data as
before). It is how ``pqlkit discover`` is tested: the search must find the planted steps, near their
counts and windows, and none of the decoys.

The model, per user (all draws from one ``numpy.random.default_rng(seed)``):

- A *busyness* b (lognormal, median 1) sets how often the user logs in and runs searches, and raises
  the chance of being activated (so busy users pay more often, through activation only).
- An activated user completes between ``required`` and all of the planted steps; a user who is not
  completes fewer than ``required``. Completing a step is doing its event at least ``min_count``
  times within ``within_days`` days of signup (``min_count`` plus a geometric extra). A step not
  completed is missed narrowly: ``min_count - 1`` events in the window, or the full count after it.
- Activated users pay with ``paid_if_activated`` (after their activation, a few days later),
  others with ``paid_otherwise`` (any time in the first four weeks).
- Decoys: ``login`` (an activity event: daily with a chance that grows with busyness), ``search_run``
  (neutral), ``pricing_viewed`` (the purchase flow: payers view it one to three times in the six
  hours before paying; a tenth of the others once in the trial) and ``invoice_downloaded`` (after
  paying only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pqlkit.synthetic.sample import Sample

__all__ = ["PlantedStep", "PlantedActivation", "PLANTED_ACTIVATION", "DECOYS", "generate_planted_sample"]

DAY = 86_400.0
#: The decoy events: activity, neutral, purchase flow, after paying.
DECOYS = ("login", "search_run", "pricing_viewed", "invoice_downloaded")


@dataclass(frozen=True)
class PlantedStep:
    """At least ``min_count`` ``event`` events within ``within_days`` days of signup."""

    event: str
    min_count: int
    within_days: int


@dataclass(frozen=True)
class PlantedActivation:
    """The planted definition (``required`` of ``steps``) and the paying chances it drives."""

    steps: tuple[PlantedStep, ...] = (
        PlantedStep("project_created", 1, 2),
        PlantedStep("task_assigned", 3, 7),
        PlantedStep("file_uploaded", 2, 10),
    )
    required: int = 2
    paid_if_activated: float = 0.45
    paid_otherwise: float = 0.04


#: The default planted activation: 2 of (project_created ×1 within 2 days, task_assigned ×3 within 7 days,
#: file_uploaded ×2 within 10 days).
PLANTED_ACTIVATION = PlantedActivation()


def _step_events(rng: np.random.Generator, step: PlantedStep, done: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(user index, seconds after signup) of one step's events: completed, or narrowly missed."""
    users, times = [], []
    n = len(done)
    extra = rng.geometric(0.6, size=n) - 1
    window = step.within_days * DAY
    late = rng.random(n) < 0.5
    for user in range(n):
        if done[user]:
            count, low, high = step.min_count + extra[user], 0.0, window
        elif late[user] or step.min_count == 1:
            count, low, high = (step.min_count + extra[user], window, window + 14 * DAY) if late[user] else (0, 0, 0)
        else:
            count, low, high = step.min_count - 1, 0.0, window
        users.append(np.full(count, user))
        times.append(rng.uniform(low, high, size=count))
    return np.concatenate(users), np.concatenate(times)


def _completion(step: PlantedStep, users: np.ndarray, times: np.ndarray, n: int) -> np.ndarray:
    """Per user: seconds after signup of the ``min_count``-th event when within the window, else inf."""
    done = np.full(n, np.inf)
    order = np.lexsort((times, users))
    users, times = users[order], times[order]
    starts = np.searchsorted(users, np.arange(n))
    ends = np.searchsorted(users, np.arange(n), side="right")
    enough = ends - starts >= step.min_count
    kth = times[np.minimum(starts + step.min_count - 1, len(times) - 1)] if len(times) else np.zeros(n)
    done[enough] = kth[enough]
    done[done > step.within_days * DAY] = np.inf
    return done


def generate_planted_sample(*, n_users: int = 4000, seed: int = 1, start: str = "2026-01-01", days: int = 181,
                            planted: PlantedActivation = PLANTED_ACTIVATION) -> Sample:
    """Clean synthetic data with a planted activation and decoys (see the module's docstring).

    Parameters
    ----------
    n_users : int
        Users (one per account).
    seed : int
        The seed of ``numpy.random.default_rng``.
    start : str
        The first day (ISO 8601 date, UTC midnight).
    days : int
        The length of the data; nothing is at or after ``start + days``.
    planted : PlantedActivation
        What drives paying.

    Returns
    -------
    Sample
        ``users`` (``user_id``, ``signup_at``), ``events`` (``user_id``, ``event``, ``timestamp``),
        ``conversions`` (``user_id``, ``paid_at``), typed UTC timestamps; ``truth``: ``user_id``,
        ``activated``, ``activated_at``. No dirty rows.
    """
    rng = np.random.default_rng(seed)
    n, steps = int(n_users), planted.steps
    signup = rng.uniform(0, days * DAY, size=n)
    busy = rng.lognormal(0.0, 0.6, size=n)
    activated = rng.random(n) < 1 / (1 + np.exp(-(-0.9 + 1.5 * np.log(busy))))
    # How many steps each user completes: required..all when activated, else 0..required-1; which ones at random.
    low = np.where(activated, planted.required, 0)
    high = np.where(activated, len(steps), planted.required - 1)
    how_many = low + np.floor(rng.random(n) * (high - low + 1)).astype(int)
    ranks = np.argsort(rng.random((n, len(steps))), axis=1).argsort(axis=1)
    done = ranks < how_many[:, None]
    user_parts, time_parts, name_parts, completions = [], [], [], []
    for index, step in enumerate(steps):
        users, times = _step_events(rng, step, done[:, index])
        user_parts.append(users)
        time_parts.append(times)
        name_parts.append(np.full(len(users), step.event, dtype=object))
        completions.append(_completion(step, users, times, n))
    activated_at = np.sort(np.stack(completions, axis=1), axis=1)[:, planted.required - 1]
    paid = np.where(np.isfinite(activated_at), rng.random(n) < planted.paid_if_activated,
                    rng.random(n) < planted.paid_otherwise)
    paid_after = np.where(np.isfinite(activated_at), np.nan_to_num(activated_at, posinf=0) + rng.exponential(3 * DAY, n),
                          rng.uniform(1 * DAY, 28 * DAY, n))
    paid_after = np.where(paid, paid_after, np.inf)
    # Decoys: logins (activity), searches (neutral), the pricing page before paying, invoices after.
    login = rng.random((n, 35)) < np.minimum(0.9, 0.3 * busy)[:, None]
    users, day = np.nonzero(login)
    decoys = [(users, (day + rng.uniform(0, 1, len(day))) * DAY, "login")]
    searches = rng.poisson(1.5 * busy)
    users = np.repeat(np.arange(n), searches)
    decoys.append((users, rng.uniform(0, 14 * DAY, len(users)), "search_run"))
    payers = np.flatnonzero(paid)
    views = rng.integers(1, 4, size=len(payers))
    users = np.repeat(payers, views)
    decoys.append((users, paid_after[users] - rng.uniform(0, 6 * 3600, len(users)), "pricing_viewed"))
    browsers = np.flatnonzero(~paid & (rng.random(n) < 0.1))
    decoys.append((browsers, rng.uniform(0, 14 * DAY, len(browsers)), "pricing_viewed"))
    users = np.repeat(payers, rng.integers(1, 3, size=len(payers)))
    decoys.append((users, paid_after[users] + rng.uniform(60, 7 * DAY, len(users)), "invoice_downloaded"))
    for users, times, name in decoys:
        user_parts.append(users)
        time_parts.append(np.maximum(times, 0))
        name_parts.append(np.full(len(users), name, dtype=object))
    users, after, names = np.concatenate(user_parts), np.concatenate(time_parts), np.concatenate(name_parts)
    moment = signup[users] + after
    keep = moment < days * DAY
    origin = pd.Timestamp(start, tz="UTC")
    stamp = lambda seconds: origin + pd.to_timedelta(np.round(seconds * 1e6).astype("int64"), unit="us")  # noqa: E731
    ids = np.array([f"u{i:06d}" for i in range(n)], dtype=object)
    order = np.lexsort((names[keep], moment[keep], users[keep]))
    events = pd.DataFrame({"user_id": ids[users[keep]][order], "event": names[keep][order],
                           "timestamp": stamp(moment[keep][order])})
    pay_moment = signup + paid_after
    paying = np.isfinite(pay_moment) & (pay_moment < days * DAY)
    conversions = pd.DataFrame({"user_id": ids[paying], "paid_at": stamp(pay_moment[paying])})
    users_table = pd.DataFrame({"user_id": ids, "signup_at": stamp(signup)})
    reached = np.isfinite(activated_at)
    truth = pd.DataFrame({"user_id": ids, "activated": reached,
                          "activated_at": stamp(signup + np.where(reached, activated_at, 0))})
    truth["activated_at"] = truth["activated_at"].where(reached)
    end = (origin + pd.Timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    empty = {"users": {}, "events": {}, "conversions": {}}
    return Sample(users=users_table, events=events, conversions=conversions, injected=empty, data_end=end,
                  repeat_payments=0, truth=truth)
