"""One way to open DuckDB: an in-memory connection whose session time zone is UTC.

Every timestamp pqlkit reads is an instant (docs/metrics.md#input-tables). DuckDB shows, casts and
formats ``TIMESTAMPTZ`` values in the session's time zone, so each connection pqlkit opens (the
engine's, a reader's, a copy's) is opened here and set to UTC, whatever the machine's zone is.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

__all__: list[str] = []


def connect(config: Mapping[str, object] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the session time zone UTC.

    Parameters
    ----------
    config : mapping, optional
        DuckDB settings (``memory_limit``, ``threads``, ``temp_directory``), passed to DuckDB as
        configuration, never formatted into SQL text.

    Returns
    -------
    duckdb.DuckDBPyConnection

    Raises
    ------
    duckdb.Error
        A setting DuckDB refuses (:class:`pqlkit.io.engines.DuckDBEngine` names it in one line).
    """
    con = duckdb.connect(config=dict(config or {}))
    con.execute("SET TimeZone = 'UTC'")  # after connecting: the setting needs the ICU extension loaded
    return con
