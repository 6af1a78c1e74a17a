"""The users, events and conversions tables of a simulation, as Arrow schemas and record batches."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pqlkit.synthetic.arrow_columns import id_column, label_column, timestamp_column
from pqlkit.synthetic.parameters import TRUE_PARAMETERS
from pqlkit.synthetic.simulation import Simulation
from pqlkit.synthetic.vocabulary import (
    CHANNELS,
    COMPANY_SIZES,
    COUNTRIES,
    EVENTS,
    PLANS,
    PLATFORMS,
)

__all__: list[str] = []


def table_schema(table: str, *, text: bool) -> pa.Schema:
    """Arrow schema of ``"users"``, ``"events"`` or ``"conversions"``; timestamps as text or ``timestamp[us, UTC]``."""
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


def _all_user_ids(sim: Simulation) -> pa.Array:
    """Ids of users 1..n and of the unknown users n+1..n+k (not in the users table)."""
    return id_column("u", np.arange(1, sim.n_users + sim.n_unknown_users + 1), sim.user_width)


def users_batches(sim: Simulation, *, text: bool) -> Iterator[pa.RecordBatch]:
    """The users table, one record batch."""
    rows = sim.users_row
    yield pa.RecordBatch.from_arrays(
        [
            id_column("u", rows + 1, sim.user_width),
            timestamp_column(sim.signup[rows], sim.users_fmt, None, text=text),
            id_column("a", sim.account_number[rows], sim.account_width, valid=sim.has_account[rows]),
            label_column(CHANNELS, sim.channel[rows]),
            label_column(COMPANY_SIZES, sim.company_size[rows]),
            label_column(COUNTRIES, sim.country[rows]),
        ],
        schema=table_schema("users", text=text),
    )


def events_batches(sim: Simulation, *, text: bool, chunk_rows: int = 2_000_000) -> Iterator[pa.RecordBatch]:
    """The events table, in record batches of at most ``chunk_rows`` rows."""
    user_ids = _all_user_ids(sim)
    schema = table_schema("events", text=text)
    n_rows = len(sim.ev_ts)
    for start in range(0, max(n_rows, 1), chunk_rows):
        part = slice(start, min(start + chunk_rows, n_rows))
        user = sim.ev_user[part]
        yield pa.RecordBatch.from_arrays(
            [
                id_column("e", sim.ev_number[part], sim.event_width),
                pc.take(user_ids, pa.array(user, mask=user < 0)),
                label_column(EVENTS, sim.ev_code[part]),
                timestamp_column(sim.ev_ts[part], sim.ev_fmt[part], sim.ev_state[part], text=text),
                label_column(PLATFORMS, sim.ev_platform[part]),
            ],
            schema=schema,
        )


def conversions_batches(sim: Simulation, *, text: bool) -> Iterator[pa.RecordBatch]:
    """The conversions table, one record batch."""
    user = sim.cv_user
    known = user < sim.n_users
    has_account = np.where(known, sim.has_account[np.where(known, user, 0)], True)
    prices = np.array([TRUE_PARAMETERS["plan_mrr"][plan] for plan in PLANS])
    yield pa.RecordBatch.from_arrays(
        [
            pc.take(_all_user_ids(sim), pa.array(user)),
            id_column("a", sim.cv_account, sim.account_width, valid=has_account & (sim.cv_account > 0)),
            timestamp_column(sim.cv_ts, sim.cv_fmt, None, text=text),
            label_column(PLANS, sim.cv_plan),
            pa.array(prices[sim.cv_plan], pa.float64()),
        ],
        schema=table_schema("conversions", text=text),
    )
