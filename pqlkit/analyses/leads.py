"""The lead list: the current PQLs ranked for sales, by the rule or by a conversion score, with the reason.

One list, one order, everywhere (docs/metrics.md#one-lead-list): the playbook page, the CRM CSV,
``pqlkit export``'s table and the Python API list the same leads in the same order.

- :func:`prioritise_pqls` gives the list in the rule-based order (most steps done, then seen most
  recently in whole days, then the largest account: the order of :func:`pqlkit.current_pqls`).
- :func:`order_by_score` re-ranks it by a score's column (the chance of paying, or the expected
  revenue) and writes why in ``order_reason``. The score comes from the layer above:
  :func:`pqlkit.scoring.order_pql_list` decides whether the score is trusted, and
  :func:`pqlkit.lead_list` is the one call that builds the list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqlkit.core.context import AsOf, Context, context_steps, context_value
from pqlkit.metrics.current import current_pqls
from pqlkit.metrics.stalled import missing_steps

__all__ = ["CRM_COLUMNS", "SCORE_COLUMNS", "RULE_ORDER", "prioritise_pqls", "order_by_score"]

#: The columns of the CRM export, in order (the segment columns go after ``account_size``).
CRM_COLUMNS = (
    "priority", "entity_id", "account_id", "account_size", "activation_rate", "steps_done", "steps_total",
    "missing_steps", "pql_at", "days_since_pql", "last_seen_at", "days_since_seen", "signup_at",
)

#: The score's columns, after :data:`CRM_COLUMNS` when a score is given.
SCORE_COLUMNS = ("pay_probability", "expected_mrr")

#: The rule-based order, in words: the ``order_reason`` of a list that no score orders.
RULE_ORDER = "rule: most steps done, then seen most recently (whole days), then the largest account"


def prioritise_pqls(
    entities: pd.DataFrame,
    *,
    context: Context | None = None,
    as_of: AsOf = None,
    active_days: float | None = None,
    steps: list[str] | tuple[str, ...] | None = None,
    segments: list[str] | tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The current PQLs in the rule-based order: activation first, then recency, then account size.

    The order is :func:`pqlkit.current_pqls`'s: ``activation_rate`` (high first), then
    ``days_since_seen`` in whole days (seen today first), then ``account_size`` (larger first),
    then ``entity_id``. It is the lead list's order when no trusted score orders it; with a score,
    call :func:`pqlkit.lead_list`.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.reduce`).
    as_of, active_days : optional
        As in :func:`pqlkit.current_pqls`.
    context : Context, optional
        The analysis context: ``as_of``, ``active_days``, the step names and the segment columns.
    steps, segments : sequence of str, optional
        Override the context's.

    Returns
    -------
    pandas.DataFrame
        One row per current PQL with :data:`CRM_COLUMNS`, the segment columns after
        ``account_size``, and ``order_reason`` (:data:`RULE_ORDER`): ``priority`` (1 = call
        first), ``missing_steps`` (comma-separated step names not done, empty when all are),
        ``days_since_*`` in days.
    """
    table = current_pqls(entities, context=context, as_of=as_of, active_days=active_days)
    steps = context_steps(steps, context, entities, caller="prioritise_pqls")
    segments = [s for s in context_value("segments", segments, context, caller="prioritise_pqls") if s in table.columns]
    if "n_users" in table.columns:
        account = table["entity_id"]
    else:
        account = table["account_id"] if "account_id" in table else pd.Series(None, index=table.index, dtype="object")
    table = table.assign(
        account_id=account.to_numpy(),
        steps_total=len(steps),
        missing_steps=missing_steps(table, steps),
        order_reason=RULE_ORDER,
    )
    table = number_leads(table)
    columns = list(CRM_COLUMNS)
    columns[4:4] = [s for s in segments if s not in columns]
    return table[[*columns, "order_reason"]]


def order_by_score(table: pd.DataFrame, *, scores: pd.DataFrame | None = None, by: str | None,
                   reason: str | None = None) -> pd.DataFrame:
    """A ranked lead list with a score's columns, in the score's order (``by``) or the rule's (None).

    Highest ``by`` first, NaN last; ties keep the rule's order (``priority``). ``priority`` is then
    renumbered 1.. in the new order, and ``order_reason`` says which order it is.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`prioritise_pqls` output (the rule's order in ``priority``).
    scores : pandas.DataFrame, optional
        ``entity_id`` and :data:`SCORE_COLUMNS` (:attr:`pqlkit.scoring.PayScore.scores`): joined to
        the list by ``entity_id`` (NaN for a lead it lacks), replacing any such columns already
        there.
    by : str or None
        The column to order by (``pay_probability`` or ``expected_mrr``); None keeps the rule's order.
    reason : str, optional
        The ``order_reason`` written on every row; default :data:`RULE_ORDER` when ``by`` is None,
        else ``"score: <by>, highest first"``.

    Returns
    -------
    pandas.DataFrame
        ``table``'s columns (``order_reason`` last) plus :data:`SCORE_COLUMNS` when ``scores`` is
        given, on a fresh index.
    """
    if scores is not None:
        table = table.drop(columns=[c for c in SCORE_COLUMNS if c in table]).join(
            scores.set_index("entity_id")[list(SCORE_COLUMNS)], on="entity_id")
    if by is not None:
        out = table.sort_values([by, "priority"], ascending=[False, True], na_position="last", kind="stable")
    else:
        out = table.sort_values("priority", kind="stable")
    out = out.assign(order_reason=reason or (RULE_ORDER if by is None else f"score: {by}, highest first"))
    out = out[[c for c in out.columns if c != "order_reason"] + ["order_reason"]]
    return number_leads(out)


def number_leads(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` on a fresh index with ``priority`` set to 1, 2, ... in its row order (1 = call first)."""
    table = table.reset_index(drop=True)
    table["priority"] = np.arange(1, len(table) + 1, dtype="int64")
    return table
