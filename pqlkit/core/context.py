"""The analysis context: what a per-entity table was computed for, passed explicitly.

:func:`pqlkit.entity_table` returns ``(entities, context)``. The :class:`Context` holds what the
table alone cannot say: the instant ``as_of``, the activation spec (steps, threshold, day
settings), the segment columns and the loaded dataset (its ledger and SQL). Functions that need
one of these take ``context=`` plus an explicit override (``as_of=``, ``active_days=`` ...), and
when neither is given they raise a ``ValueError`` that names the argument to pass. Nothing rides
on ``DataFrame.attrs``: an analyst's merge, filter or concat of the table changes no result
(docs/architecture.md#analysis-context explains the choice).

The helpers :func:`context_value`, :func:`context_as_of`, :func:`context_steps` and
:func:`check_columns` are what every analysis module uses to read the context and check column
arguments, so the messages are the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from pqlkit.core.asof import parse_as_of
from pqlkit.core.spec import ActivationSpec

if TYPE_CHECKING:
    import pandas as pd

    from pqlkit.core.loading import Dataset

__all__ = ["AsOf", "Context", "check_columns"]

#: What an ``as_of`` argument accepts: an ISO 8601 string (a bare date means the end of that day), a
#: date, a datetime or a Timestamp (naive means UTC); None means "take the context's". The Timestamp is
#: named as text: importing this module (the command line does) does not import pandas.
AsOf = Union[str, dt.date, dt.datetime, "pd.Timestamp", None]


@dataclass(frozen=True)
class Context:
    """What a per-entity table was computed for: ``as_of``, the spec, the segments, the dataset.

    Parameters
    ----------
    as_of : pandas.Timestamp
        The instant the analysis is taken at (UTC).
    spec : ActivationSpec
        The activation spec, at the level the table was reduced at.
    segments : tuple of str
        The users table's segment columns.
    dataset : Dataset, optional
        The loaded dataset (for its ledger and for queries over the events).

    Examples
    --------
    >>> entities, ctx = pk.entity_table("data/sample", "data/activation.yaml")   # doctest: +SKIP
    >>> ctx.level, ctx.steps_required, ctx.noun                                  # doctest: +SKIP
    ('user', 3, 'users')
    """

    as_of: pd.Timestamp
    spec: ActivationSpec
    segments: tuple[str, ...] = ()
    dataset: Dataset | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "as_of", parse_as_of(self.as_of))
        object.__setattr__(self, "segments", tuple(self.segments))

    @classmethod
    def from_dataset(cls, dataset: Dataset, spec: ActivationSpec) -> Context:
        """The context of ``dataset`` reduced with ``spec`` (taken at the dataset's level).

        Returns
        -------
        Context
            ``as_of`` and ``segments`` from the dataset, the spec at the dataset's level.
        """
        return cls(as_of=dataset.as_of, spec=spec.with_level(dataset.level), segments=tuple(dataset.segments),
                   dataset=dataset)

    # --- from the spec ---

    @property
    def level(self) -> str:
        """``"user"`` or ``"account"``."""
        return self.spec.level

    @property
    def steps(self) -> tuple[str, ...]:
        """The step names, in spec order."""
        return tuple(self.spec.step_names)

    @property
    def steps_required(self) -> int:
        """The steps an entity needs to be a PQL."""
        return self.spec.steps_required

    @property
    def noun(self) -> str:
        """``"users"`` or ``"accounts"``: what one row of the table is, in the plural."""
        return "accounts" if self.level == "account" else "users"

    @property
    def active_days(self) -> float:
        """The spec's ``active_days`` (a PQL is current when seen this recently)."""
        return self.spec.active_days

    @property
    def trial_days(self) -> float:
        """The spec's ``trial_days``."""
        return self.spec.trial_days

    @property
    def stall_day(self) -> float:
        """The spec's ``stall_day``."""
        return self.spec.stall_day

    @property
    def window_days(self) -> float | None:
        """The spec's default step window (None: no limit)."""
        return self.spec.window_days

    # --- from the dataset ---

    def _need_dataset(self, what: str) -> Dataset:
        if self.dataset is None:
            raise ValueError(
                f"{what} needs the loaded dataset: build the context with pk.entity_table or "
                "pk.Context.from_dataset(dataset, spec)"
            )
        return self.dataset

    @property
    def ledger(self) -> pd.DataFrame:
        """The dataset's data-quality ledger (docs/metrics.md#data-quality)."""
        return self._need_dataset("the ledger").ledger

    @property
    def has_conversions(self) -> bool:
        """Whether the dataset has a conversions (payments) table."""
        return self._need_dataset("has_conversions").has_conversions

    def data_quality(self) -> dict:
        """The ledger as the JSON summary's ``data_quality`` mapping (docs/metrics.md#json-summary)."""
        return self._need_dataset("data_quality").data_quality()


# --- reading the context ------------------------------------------------------------------------


def _missing(caller: str, name: str) -> ValueError:
    return ValueError(
        f"{caller} needs `{name}`: pass context=... (the second value returned by pk.entity_table) or {name}=..."
    )


def context_value(name: str, value: Any, context: Context | None, *, caller: str, attribute: str | None = None) -> Any:
    """``value`` when given, else the context's attribute ``name``; a clear error when neither is.

    Parameters
    ----------
    name : str
        The argument and the :class:`Context` attribute, e.g. ``"active_days"``.
    value
        The explicit override (None: not given).
    context : Context or None
        The analysis context.
    caller : str
        The public function asking, for the message.
    attribute : str, optional
        The :class:`Context` attribute when it is not named like the argument (``horizon_days``
        defaults to ``trial_days``).

    Returns
    -------
    object
        The value to use.

    Raises
    ------
    ValueError
        "current_pqls needs `active_days`: pass context=... (the second value returned by
        pk.entity_table) or active_days=...".
    """
    if value is not None:
        return value
    if context is not None:
        return getattr(context, attribute or name)
    raise _missing(caller, name)


def context_as_of(as_of: AsOf, context: Context | None, *, caller: str) -> pd.Timestamp:
    """The analysis instant as a UTC timestamp: ``as_of`` when given, else the context's.

    Returns
    -------
    pandas.Timestamp
        UTC, microsecond unit (see :func:`pqlkit.parse_as_of`).
    """
    return parse_as_of(context_value("as_of", as_of, context, caller=caller))


def context_steps(steps: Sequence[str] | None, context: Context | None, entities: pd.DataFrame, *,
                  caller: str) -> list[str]:
    """The step names: ``steps`` when given, else the context's; each must have its ``{step}_at`` column.

    Returns
    -------
    list of str
        The step names, in spec order.
    """
    names = list(context_value("steps", None if steps is None else tuple(steps), context, caller=caller))
    missing = [f"{name}_at" for name in names if f"{name}_at" not in entities.columns]
    if missing:
        raise ValueError(
            f"{caller}: the table has no column {missing[0]!r} for step {missing[0][:-3]!r}; pass the per-entity "
            "table from pk.entity_table (or a filter or merge of it) with the context it came with"
        )
    return names


def check_columns(table: pd.DataFrame, names: str | Iterable[str] | None, *, argument: str = "by") -> list[str]:
    """``names`` as a list, each checked to be a column of ``table``.

    Parameters
    ----------
    table : pandas.DataFrame
        The table the columns are taken from.
    names : str, iterable of str or None
        One column name, several, or None (none).
    argument : str
        The argument the names came from, for the message.

    Returns
    -------
    list of str
        The column names (empty for None).

    Raises
    ------
    ValueError
        "The value for `by` must be one of [...columns...], but 'chanel' was passed."

    Examples
    --------
    >>> check_columns(pd.DataFrame({"channel": []}), "channel")
    ['channel']
    """
    keys = [names] if isinstance(names, str) else list(names or [])
    for key in keys:
        if key not in table.columns:
            raise ValueError(
                f"The value for `{argument}` must be one of {[str(c) for c in table.columns]}, but {key!r} was passed."
            )
    return keys
