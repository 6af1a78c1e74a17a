"""The prioritised lead list written back to a database, for the CRM sync tools that read it there.

A workflow at the top of the package (``pqlkit export``): it takes the per-entity table, scores the
current PQLs (:func:`pqlkit.pay_score`, with the defaults notebook 05 uses), builds the lead list
(:func:`pqlkit.lead_list`, the list of the playbook page and the CRM CSV) and writes both tables
through :func:`pqlkit.io.database.write_tables`.
"""

from __future__ import annotations

from pqlkit.base.errors import PqlkitError
from pqlkit.io.database import DatabaseSource, write_tables
from pqlkit.scoring.leads import lead_list
from pqlkit.scoring.score import PayScore, pay_score

__all__ = ["export_results"]


def export_results(
    entities,
    url: str | DatabaseSource,
    *,
    context,
    score: PayScore | bool = True,
    schema: str | None = None,
    entities_table: str = "pqlkit_entities",
    pqls_table: str = "pqlkit_current_pqls",
) -> dict[str, int]:
    """Write the per-entity table and the lead list to database tables (replacing them).

    CRM sync ("reverse ETL") tools read tables from the warehouse: the current-PQL list is
    :func:`pqlkit.lead_list`, the list of the playbook page and of the CRM CSV
    (``current_pqls_for_crm.csv``): the same leads, in the same order, with ``pay_probability``,
    ``expected_mrr`` and ``order_reason``.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    url : str or DatabaseSource
        Where to write.
    context : pqlkit.Context
        The table's context (as_of, spec, dataset), as :func:`pqlkit.entity_table` returns it.
    score : PayScore or bool
        True (default): fit :func:`pqlkit.pay_score` with its defaults, as notebook 05 does with
        its default parameters, so the table is the report's list. A :class:`pqlkit.PayScore`: use
        it. False: no score, the rule's order (:func:`pqlkit.current_pqls`'s), without the
        score's columns.
    schema : str, optional
        The schema (created when missing); default the URL's, else the current schema.
    entities_table, pqls_table : str
        The two table names.

    Returns
    -------
    dict
        Table name to rows written: ``{entities_table: n, pqls_table: m}``.
    """
    if entities_table == pqls_table:
        raise PqlkitError(f"the entities and PQL tables need two names, but both are {entities_table!r}")
    if score is True:
        score = pay_score(entities, context=context)
    leads = lead_list(entities, context=context, score=score or None)
    return write_tables(url, {entities_table: entities, pqls_table: leads}, schema=schema)
