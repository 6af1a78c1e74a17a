"""A users table derived from an export, for when the export is all there is (``pqlkit users``).

:func:`derive_users` takes ``signup_at`` from Amplitude's ``user_creation_time``, Segment's identify
``traits.createdAt`` or PostHog's ``person_created_at`` (:data:`SIGNUP_FIELDS`), else the user's
first event, and says which in ``signup_source``; :func:`write_users` writes it as a canonical users
file. The vendors' rules it relies on (identity merges, archives) are in :mod:`pqlkit.io.exports`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pqlkit.base.duckdb import connect
from pqlkit.base.errors import DataError
from pqlkit.base.sql import sql_string
from pqlkit.io.events import create_raw_events
from pqlkit.io.exports import combine_parts, identity_table, links_sql, top_sql
from pqlkit.io.files import JSON_SUFFIXES, find_events_files, json_relation
from pqlkit.io.groups import choose_group_type, create_accounts, instant_sql, runner_for

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SIGNUP_FIELDS", "derive_users", "write_users"]


# Where each vendor's export says when the user was created; others fall back to first seen.
SIGNUP_FIELDS = {
    "amplitude": "user_creation_time",
    "segment": "traits.createdAt",
    "posthog": "person_created_at",
}


def derive_users(
    path: str | os.PathLike,
    *,
    events_format: str = "auto",
    stitch_identities: bool = False,
    source_timezone: str | None = None,
    account_group: str | None = None,
) -> pd.DataFrame:
    """One row per identified user of an export, for when the export is all there is.

    Parameters
    ----------
    path : path
        The export: an events file, ``events.zip``, a folder of parts, or a folder holding one of these.
    events_format : str
        As for :func:`pqlkit.io.events.read_events`.
    stitch_identities : bool
        Merge anonymous ids into their users first (:func:`pqlkit.io.exports.finish_export`), so that first seen
        counts the onboarding events tracked before the user was identified.
    source_timezone : str, optional
        As for :class:`pqlkit.io.exports.ExportSource`.
    account_group : str, optional
        The group type the accounts come from (:mod:`pqlkit.io.groups`); found alone when the
        export has one.

    Returns
    -------
    pandas.DataFrame
        Columns ``user_id``, ``signup_at`` (UTC) and ``signup_source``: the vendor's field
        (:data:`SIGNUP_FIELDS`, the earliest value of the user) where the export has it, else
        ``first_seen`` (the user's earliest event). Sorted by ``signup_at``, ``user_id``.
        Identified users only: rows without a user id, and ids merged into another, are left out.
        When the export has group calls: ``account_id`` (the group of the user's earliest group
        call) and the account's traits (:data:`pqlkit.io.groups.TRAIT_COLUMNS`), empty where unknown.
    """
    path = Path(path)
    if path.is_dir() and (found := find_events_files(path)):
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise DataError(f"{path}: the events are there more than once ({names}); keep one", path=str(path))
        path = found[0]  # a dataset folder; else the folder holds the parts themselves
    con = connect()
    fmt = create_raw_events(con, path, events_format, stitch_identities=stitch_identities,
                            source_timezone=source_timezone, account_group=account_group)
    if fmt == "canonical":
        raise DataError(
            f"{path}: these events are canonical (user_id, event, timestamp), not an export from Segment, Amplitude, "
            "Mixpanel or PostHog; write the users table from your product database (docs/metrics.md#input-tables), "
            "or pass --events-format",
            path=str(path),
        )
    file = combine_parts(path) if path.is_dir() or path.name.endswith(".zip") else path
    con.execute(
        f"CREATE TEMP TABLE _seen AS SELECT trim(user_id) AS user_id, min({instant_sql('timestamp')}) AS first_seen "
        f"FROM raw_events WHERE NULLIF(trim(user_id), '') IS NOT NULL {_not_a_person(fmt)} GROUP BY 1"
    )
    signup = _signup_field_sql(fmt)
    if signup and file.name.endswith(JSON_SUFFIXES):
        relation = json_relation(con, file)
        user_sql, value_sql, where = signup
        con.execute(
            f"CREATE TEMP TABLE _vendor AS SELECT trim({user_sql}) AS user_id, min({instant_sql(value_sql)}) AS created "
            f"FROM {relation} WHERE json IS NOT NULL AND {where} GROUP BY 1"
        )
    else:
        con.execute("CREATE TEMP TABLE _vendor AS SELECT CAST(NULL AS VARCHAR) AS user_id, CAST(NULL AS TIMESTAMPTZ) AS created WHERE FALSE")
    field = SIGNUP_FIELDS.get(fmt, "first_seen")
    excluded = "FALSE"
    if fmt == "mixpanel":
        excluded = "starts_with(s.user_id, '$device:')"
    frame = con.execute(
        f"""
        SELECT s.user_id, COALESCE(v.created, s.first_seen) AS signup_at,
            CASE WHEN v.created IS NOT NULL THEN {sql_string(field)} ELSE 'first_seen' END AS signup_source
        FROM _seen AS s LEFT JOIN _vendor AS v ON s.user_id = v.user_id
        WHERE NOT {excluded} AND s.user_id NOT IN (SELECT alias FROM {_alias_sql(con, fmt, file)})
        ORDER BY signup_at, s.user_id
        """
    ).df()
    import pandas as pd  # the table is returned as a frame; importing this module (the command line does) needs no pandas

    frame["signup_at"] = pd.to_datetime(frame["signup_at"], utc=True)
    return _with_accounts(con, frame, account_group, where=str(path))


def _with_accounts(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, account_group: str | None, *,
                   where: str) -> pd.DataFrame:
    """``frame`` with ``account_id`` and the account traits from the group calls (unchanged without any)."""
    runner = runner_for(con)
    group_type = choose_group_type(runner, account_group, where=where)
    if group_type is None:
        return frame
    create_accounts(runner, group_type)
    accounts = con.execute(
        "SELECT a.user_id, a.account_id, t.* EXCLUDE (account_id) FROM _user_account AS a "
        "LEFT JOIN _account_traits AS t ON a.account_id = t.account_id"
    ).df()
    return frame.merge(accounts, on="user_id", how="left")


def write_users(frame: pd.DataFrame, out: str | os.PathLike) -> Path:
    """Write :func:`derive_users`' table as ``.csv``, ``.csv.gz`` or ``.parquet`` (times as ISO 8601 UTC).

    Returns
    -------
    pathlib.Path
        ``out``, holding the columns ``user_id``, ``signup_at``, ``signup_source`` (and ``account_id``
        with the account traits, when the export had group calls).
    """
    out = Path(out)
    if out.name.endswith(".parquet"):
        frame.to_parquet(out, index=False)
    elif out.name.endswith((".csv", ".csv.gz")):
        text = frame.assign(signup_at=frame["signup_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        text.to_csv(out, index=False)
    else:
        raise DataError(f"{out}: write the users as .csv, .csv.gz or .parquet", path=str(out))
    return out


def _not_a_person(fmt: str) -> str:
    """SQL condition leaving out PostHog's group identify calls from a server library: their distinct_id
    (``$organization_acme``) names the group, not a person (https://posthog.com/docs/product-analytics/group-analytics)."""
    return "AND event IS DISTINCT FROM '$groupidentify'" if fmt == "posthog" else ""


def _signup_field_sql(fmt: str) -> tuple[str, str, str] | None:
    """(user id, created value, filter) SQL over ``json`` records for the vendor's signup field."""
    if fmt == "amplitude":
        return top_sql("user_id"), top_sql("user_creation_time"), "TRUE"
    if fmt == "segment":
        created = "json_extract_string(json, '$.traits.createdAt')"
        return top_sql("userId", "user_id"), created, f"lower(COALESCE({top_sql('type')}, '')) = 'identify'"
    if fmt == "posthog":
        return top_sql("distinct_id"), top_sql("person_created_at"), "TRUE"
    return None


def _alias_sql(con: duckdb.DuckDBPyConnection, fmt: str, file: Path) -> str:
    """SQL relation of the ids merged into another user (anonymous ids), to leave out of the users."""
    if not links_sql(fmt) or not file.name.endswith(JSON_SUFFIXES):
        return "(SELECT CAST(NULL AS VARCHAR) AS alias WHERE FALSE)"
    identity_table(con, fmt, f"(SELECT json FROM {json_relation(con, file)})", known=None)
    return "(SELECT alias FROM _identity)"
