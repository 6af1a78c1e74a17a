"""The lead list: the one call that builds the prioritised list of current PQLs (:func:`lead_list`).

The playbook page (notebook 05), the CRM CSV (:func:`pqlkit.playbook.export_for_crm`),
``pqlkit export``'s table and the Python API all take their list from :func:`lead_list`, so they
list the same leads in the same order (docs/metrics.md#one-lead-list). It lives at the scoring
layer because the order may come from a :class:`~pqlkit.scoring.PayScore`.
"""

from __future__ import annotations

import pandas as pd

from pqlkit.analyses.leads import prioritise_pqls
from pqlkit.core.context import Context
from pqlkit.scoring.score import PayScore, order_pql_list

__all__ = ["lead_list"]


def lead_list(
    entities: pd.DataFrame,
    *,
    context: Context,
    score: PayScore | None = None,
    by: str | None = "pay_probability",
    min_auc_gain: float = 0.0,
    segments: list[str] | tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The current PQLs, prioritised for sales: by the chance of paying when a trusted score is given, else by the rule.

    The order (docs/metrics.md#one-lead-list):

    - with a ``score`` that is trusted (:func:`pqlkit.scoring.order_pql_list`: a model was fitted
      and it beat the rule on later cohorts), highest ``by`` first: the calibrated chance of paying
      within the score's ``within_days`` (``"pay_probability"``, the default), or that chance
      times the likely price (``"expected_mrr"``);
    - otherwise the rule: most steps done, then seen most recently (whole days), then the largest
      account, which is :func:`pqlkit.current_pqls`'s order.

    Every row says which order it is in ``order_reason``.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    context : Context
        Its context.
    score : PayScore, optional
        :func:`pqlkit.pay_score` of the same entities and context. None: the rule's order, without
        the score's columns.
    by : {"pay_probability", "expected_mrr"} or None
        The score's column to order by; None keeps the rule's order (the score's columns are still
        shown).
    min_auc_gain : float
        As in :func:`pqlkit.scoring.order_pql_list` (default 0).
    segments : sequence of str, optional
        The segment columns to carry (default the context's).

    Returns
    -------
    pandas.DataFrame
        One row per current PQL, ``priority`` 1 = call first: :data:`pqlkit.analyses.leads.CRM_COLUMNS`
        with the segment columns after ``account_size``, then ``pay_probability`` and
        ``expected_mrr`` when a score is given (NaN without a model), then ``order_reason``.

    Examples
    --------
    >>> entities, ctx = pk.entity_table("data/sample", "data/activation.yaml")      # doctest: +SKIP
    >>> leads = pk.lead_list(entities, context=ctx, score=pk.pay_score(entities, context=ctx))  # doctest: +SKIP
    >>> leads[["priority", "entity_id", "pay_probability"]].head(3)                 # doctest: +SKIP
    """
    table = prioritise_pqls(entities, context=context, segments=segments)
    if score is None:
        return table
    return order_pql_list(table, score, by=by, min_auc_gain=min_auc_gain)
