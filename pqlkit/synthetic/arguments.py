"""Checks of the arguments that :func:`~pqlkit.synthetic.generate_sample` and
:func:`~pqlkit.synthetic.write_sample` share."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

__all__: list[str] = []


def check_arguments(n_users: int, seed: int, start: str, days: int) -> tuple[int, int, int, int]:
    """The checked ``(n_users, seed, t0, days)``, ``t0`` being ``start`` in epoch seconds (UTC).

    Raises a ValueError that names the argument, what it must be and what was passed.
    """
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


def check_timestamps(timestamps: str | None, *, default: str) -> str:
    """``timestamps`` (``"typed"`` or ``"text"``), or ``default`` when it is None."""
    if timestamps is None:
        return default
    if timestamps not in _TIMESTAMPS:
        raise ValueError(f"The value for `timestamps` must be one of {_TIMESTAMPS}, but {timestamps!r} was passed.")
    return timestamps
