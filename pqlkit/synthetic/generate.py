"""Generate a sample in memory: :func:`generate_sample`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pqlkit.synthetic.arguments import check_arguments, check_timestamps
from pqlkit.synthetic.arrow_columns import id_column, timestamp_text
from pqlkit.synthetic.parameters import freeze
from pqlkit.synthetic.quality import injected_counts
from pqlkit.synthetic.sample import Sample
from pqlkit.synthetic.simulation import simulate
from pqlkit.synthetic.tables import (
    conversions_batches,
    events_batches,
    table_schema,
    users_batches,
)

__all__ = ["generate_sample"]


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
    n_users, seed, t0, days = check_arguments(n_users, seed, start, days)
    text = check_timestamps(timestamps, default="text" if dirty else "typed") == "text"
    sim = simulate(n_users=n_users, seed=seed, t0=t0, days=days, dirty=bool(dirty))
    tables = {
        "users": pa.Table.from_batches(list(users_batches(sim, text=text))),
        "events": pa.Table.from_batches(list(events_batches(sim, text=text)), schema=table_schema("events", text=text)),
        "conversions": pa.Table.from_batches(list(conversions_batches(sim, text=text))),
    }
    truth = None
    if with_truth:
        truth = pd.DataFrame(
            {
                "user_id": id_column("u", np.arange(1, n_users + 1), sim.user_width).to_pandas(),
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
        injected=freeze(injected_counts(sim, text=text)),
        data_end=timestamp_text(np.array([sim.t1]), np.zeros(1, np.int8), None)[0].as_py(),
        repeat_payments=int(sim.cv_repeat.sum()),
        truth=truth,
    )
