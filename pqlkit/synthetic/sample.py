"""The :class:`Sample` that :func:`~pqlkit.synthetic.generate_sample` returns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

__all__ = ["Sample"]


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
