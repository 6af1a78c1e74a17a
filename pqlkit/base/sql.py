"""Quoting for the SQL text pqlkit builds: one home for identifiers and string literals.

Column names and file paths come from the user's files, so every name that reaches SQL text goes
through :func:`quote_identifier` and every text value through :func:`sql_string`. Both follow the
SQL standard (and DuckDB's and Spark SQL's, through sqlglot): a double quote inside an identifier
and a single quote inside a string are doubled.

>>> quote_identifier('my "odd" column')
'"my ""odd"" column"'
>>> sql_string("O'Brien")
"'O''Brien'"
"""

from __future__ import annotations

__all__ = ["quote_identifier", "sql_string"]


def quote_identifier(name: str) -> str:
    """Quote ``name`` as an SQL identifier (``"..."``, inner double quotes doubled).

    Parameters
    ----------
    name : str
        A column or table name, as found in a file.

    Returns
    -------
    str
        The quoted identifier, safe to put in SQL text.
    """
    return '"' + str(name).replace('"', '""') + '"'


def sql_string(value: str) -> str:
    """Quote ``value`` as an SQL string literal (``'...'``, inner single quotes doubled).

    Parameters
    ----------
    value : str
        A text value: a path, an event name, a JSON path.

    Returns
    -------
    str
        The literal, safe to put in SQL text.
    """
    return "'" + str(value).replace("'", "''") + "'"


def json_path(*keys: str) -> str:
    """Quote the JSON path to ``keys`` as an SQL string literal (``'$."properties"."time"'``).

    Parameters
    ----------
    *keys : str
        The keys from the top of the record down (``"properties", "$insert_id"``); each is written
        in double quotes, inner double quotes escaped, so any key name is taken as it is.

    Returns
    -------
    str
        The literal, for DuckDB's ``->``, ``->>`` and ``json_extract_string``.
    """
    return sql_string("$" + "".join('."' + key.replace('"', '\\"') + '"' for key in keys))
