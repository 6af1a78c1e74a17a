"""The prioritised lead list written back to a database, for the CRM sync tools that read it there.

A workflow at the top of the package (``pqlkit export``): it takes the per-entity table, ranks the
current PQLs (:mod:`pqlkit.analyses.playbook`) and writes both tables through
:func:`pqlkit.io.database.write_tables`.
"""

from __future__ import annotations

from pqlkit.analyses.leads import prioritise_pqls
from pqlkit.base.errors import PqlkitError
from pqlkit.io.database import DatabaseSource, write_tables

__all__ = ["export_results"]


def export_results(
    entities,
    url: str | DatabaseSource,
    *,
    context=None,
    schema: str | None = None,
    entities_table: str = "pqlkit_entities",
    pqls_table: str = "pqlkit_current_pqls",
) -> dict[str, int]:
    """Write the per-entity table and the current-PQL list to database tables (replacing them).

    CRM sync ("reverse ETL") tools read tables from the warehouse: the current-PQL list is
    :func:`pqlkit.analyses.playbook.prioritise_pqls`, in priority order, as the CRM CSV export has it.

    Parameters
    ----------
    entities : pandas.DataFrame
        The per-entity table (:func:`pqlkit.entity_table`).
    url : str or DatabaseSource
        Where to write.
    context : pqlkit.Context, optional
        The table's context (as_of, spec), as :func:`pqlkit.entity_table` returns it.
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
    return write_tables(url, {entities_table: entities, pqls_table: prioritise_pqls(entities, context=context)}, schema=schema)
