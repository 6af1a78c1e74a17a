"""Accounts from the vendors' group calls: each user's ``account_id`` and the account's traits.

B2B products qualify accounts. A users table without ``account_id`` gets one here, derived from the
export's own group model, when the raw tables are read (before any check, so the loader sees an
ordinary users table with ``account_id`` and segment columns):

==============  ===========================================================================  ====================
vendor          membership (``group_type``: ``group_key``) and traits                        documented at
==============  ===========================================================================  ====================
PostHog         ``properties.$groups`` on events (``{group_type: group_key}``);              [1]_
                traits: ``$group_set`` of ``$groupidentify`` events (``$group_type``,
                ``$group_key``)
Segment         ``group`` calls (``groupId``, ``traits``, sent by ``userId`` or              [2]_, [3]_
                ``anonymousId``) and ``context.groupId`` on track calls (B2B SaaS spec);
                one group type, ``group``; traits: the group calls' ``traits``
Amplitude       ``groups`` on events (``{group_type: name or [names]}``); traits:            [4]_, [5]_
                ``group_properties`` (``$set``) of ``$groupidentify`` events
Mixpanel        a group key property on events (Group Analytics), named by the user          [6]_
                (``--account-group company_id``); no traits in the event export
canonical       an events column named by the user (``--account-group team_id``)             docs/metrics.md
==============  ===========================================================================  ====================

The rule (docs/metrics.md, "Accounts from group calls"): a user's account is the group of the chosen
type of their **earliest** group call (by time, file order breaking ties; calls whose time cannot be
read come last); users seen in more than one group of that type are counted. ``account_group``
(``--account-group``) chooses the type; with one type in the data it is found alone; with several and
no choice, a warning lists them and no account is derived. Calls are attributed after identity
stitching (:mod:`pqlkit.io.exports`): a group call sent by an anonymous id counts for the user it was
merged into. An account's traits are the latest non-empty value of each (``name``, ``plan``,
``industry``, ``employees``), as the columns ``account_name``, ``account_plan``, ``industry`` and
``company_size`` (``employees`` as a band: 1-10, 11-50, 51-200, 201-1000, 1000+; text kept as is).

References
----------
.. [1] PostHog, Group analytics: https://posthog.com/docs/product-analytics/group-analytics
.. [2] Segment, Spec: Group: https://segment.com/docs/connections/spec/group/
.. [3] Segment, Spec: B2B SaaS (``context.groupId``): https://segment.com/docs/connections/spec/b2b-saas/
.. [4] Amplitude, HTTP V2 API (``groups``): https://amplitude.com/docs/apis/analytics/http-v2
.. [5] Amplitude, Group Identify API: https://amplitude.com/docs/apis/analytics/group-identify
.. [6] Mixpanel, Group Analytics: https://docs.mixpanel.com/docs/data-structure/group-analytics
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import duckdb

from pqlkit.base.columns import epoch_sql, in_range_sql, staged_value_sql
from pqlkit.base.errors import DataError, PqlkitWarning
from pqlkit.base.sql import json_path, quote_identifier, sql_string
from pqlkit.io.engines import DuckDBEngine
from pqlkit.io.exports import top_sql

__all__ = ["GROUP_RULES", "TRAIT_COLUMNS", "AccountNotes", "account_notes"]


GROUP_RULES = {
    "posthog": "properties.$groups on events; $groupidentify's $group_set as traits "
    "(https://posthog.com/docs/product-analytics/group-analytics)",
    "segment": "group calls (groupId, traits) and context.groupId on track calls "
    "(https://segment.com/docs/connections/spec/group/, https://segment.com/docs/connections/spec/b2b-saas/)",
    "amplitude": "groups on events; group_properties of $groupidentify as traits "
    "(https://amplitude.com/docs/apis/analytics/group-identify)",
    "mixpanel": "the group key property named by --account-group "
    "(https://docs.mixpanel.com/docs/data-structure/group-analytics)",
}
# Account trait column -> the vendors' trait names (lower case), first found wins.
TRAIT_COLUMNS = {
    "account_name": ("name",),
    "account_plan": ("plan",),
    "industry": ("industry",),
    "company_size": ("employees", "company_size", "size"),
}
SIZE_BANDS = ((10, "1-10"), (50, "11-50"), (200, "51-200"), (1000, "201-1000"))
# The tables deriving the accounts makes (an engine that is reused drops them before the next read).
ACCOUNT_TABLES = ("_group_calls", "_group_traits", "_user_account", "_account_traits", "account_notes", "_raw_users_as_read")
_CALLS = "_group_calls"    # user_id, group_type, group_key, called_at, n, carried (the event itself carries the group)
_TRAITS = "_group_traits"  # group_type, group_key, trait, value, called_at, n


@dataclass(frozen=True)
class AccountNotes:
    """What deriving the accounts found; the counts reach ``pqlkit validate`` beside the ledger.

    Attributes
    ----------
    group_type : str
        The group type the accounts are of.
    users : int
        Users given an account.
    accounts : int
        Distinct accounts among them.
    users_in_several_groups : int
        Users seen in more than one group of that type (the earliest one counts).
    events_without_group : int
        Event rows that carry no group of that type themselves (they count for their user's account).
    """

    group_type: str
    users: int
    accounts: int
    users_in_several_groups: int
    events_without_group: int

    def to_dict(self) -> dict:
        """The notes as a plain dict (the JSON of ``pqlkit validate``)."""
        return dict(self.__dict__)


# --- a DuckDB connection or a Spark engine, one interface ------------------------------------------


def runner_for(engine_or_con):
    """The engine interface over a DuckDB connection, or the engine itself (Spark, DuckDBEngine)."""
    return DuckDBEngine.over(engine_or_con) if isinstance(engine_or_con, duckdb.DuckDBPyConnection) else engine_or_con


def has_table(runner, name: str) -> bool:
    """Whether the engine, runner or DuckDB connection knows the table or view ``name``."""
    try:
        runner_for(runner).columns(name)
        return True
    except Exception:  # noqa: BLE001 - DuckDB and Spark raise their own "no such table"
        return False


# --- phase 1: the vendor's group calls, from the export's records (DuckDB) ---------------------------


def instant_sql(text: str) -> str:
    """SQL: text read as an instant, ISO 8601 or epoch seconds/ms/us (the loader's rule); NULL otherwise."""
    value = f"NULLIF(trim(CAST({text} AS VARCHAR)), '')"
    parsed = (f"COALESCE(TRY_CAST({value} AS TIMESTAMPTZ), CASE WHEN regexp_matches({value}, '^[0-9]+([.][0-9]+)?$') "
              f"THEN {epoch_sql(f'TRY_CAST({value} AS DECIMAL(38, 6))')} END)")
    return in_range_sql(parsed)


_PROPERTIES = ("COALESCE(CASE WHEN json_type(json -> '$.properties') = 'OBJECT' THEN json -> '$.properties' END, "
               "TRY_CAST(json_extract_string(json, '$.properties') AS JSON))")


_TRAITS_OBJECT = "(json -> '$.traits')"
_GROUP_SET = json_path("$group_set")
_GROUPS_PROPERTY = json_path("$groups")
_GROUP_IDENTIFY = "WHERE " + top_sql("event_type") + " = '$groupidentify'"
_GROUPS_OBJECT = "(json -> '$.groups')"


_KEY_PATH = """'$."' || replace(k, '"', '\\"') || '"'"""  # SQL: the JSON path of key k


def _entries(obj: str, where: str = "", records: str = "_group_records") -> str:
    """SQL for a FROM clause: ``records`` with one row per key ``k`` of the JSON object ``obj`` and its value ``v``
    (none for anything but an object). ``json_keys`` and ``json_extract`` are quicker in DuckDB than a cast to MAP."""
    keys = "unnest(json_keys(CASE WHEN json_type(_object) = 'OBJECT' THEN _object END))"
    return (f"(SELECT *, json_extract(_object, {_KEY_PATH}) AS v FROM "
            f"(SELECT *, {keys} AS k FROM (SELECT *, {obj} AS _object FROM {records} {where})))")


def _values(value: str) -> str:
    """SQL: ``unnest`` of a JSON value as text: each element of an array, else the value itself."""
    return f"unnest(CASE json_type({value}) WHEN 'ARRAY' THEN CAST({value} AS VARCHAR[]) ELSE [{value} ->> '$'] END)"


def _vendor_sql(events_format: str, account_group: str | None) -> tuple[str, str, list[str], list[str]]:
    """(identity, time, membership SELECTs, trait SELECTs) over ``_group_records`` for the vendor."""
    if events_format == "posthog":
        props = "properties"
        member = (f"SELECT identity, k AS group_type, {_values('v')} AS group_key, called_at, n, TRUE AS carried "
                  f"FROM {_entries(f'({props} -> {_GROUPS_PROPERTY})')}")
        where = f"WHERE {top_sql('event')} = '$groupidentify'"
        traits = (f"SELECT json_extract_string({props}, {json_path('$group_type')}) AS group_type, "
                  f"json_extract_string({props}, {json_path('$group_key')}) AS group_key, k AS trait, "
                  f"v ->> '$' AS value, called_at, n FROM {_entries(f'({props} -> {_GROUP_SET})', where)}")
        return top_sql("distinct_id"), top_sql("timestamp"), [member], [traits]
    if events_format == "segment":
        kind = f"lower(COALESCE({top_sql('type')}, ''))"
        group_id = top_sql("groupId", "group_id")
        context = ("COALESCE(NULLIF(json_extract_string(json, '$.context.groupId'), ''), "
                   "NULLIF(json_extract_string(json, '$.context_group_id'), ''))")
        member = [
            f"SELECT identity, 'group' AS group_type, {group_id} AS group_key, called_at, n, FALSE AS carried "
            f"FROM _group_records WHERE {kind} = 'group'",
            f"SELECT identity, 'group' AS group_type, {context} AS group_key, called_at, n, TRUE AS carried "
            f"FROM _group_records WHERE {kind} <> 'group'",
        ]
        group_calls = f"WHERE {kind} = 'group'"
        traits = (f"SELECT 'group' AS group_type, {group_id} AS group_key, k AS trait, v ->> '$' AS value, called_at, n "
                  f"FROM {_entries(_TRAITS_OBJECT, group_calls)}")
        time = top_sql("timestamp", "originalTimestamp", "original_timestamp", "sentAt", "sent_at", "receivedAt", "received_at")
        return top_sql("userId", "user_id", "anonymousId", "anonymous_id"), time, member, [traits]
    if events_format == "amplitude":
        member = (f"SELECT identity, k AS group_type, {_values('v')} AS group_key, called_at, n, TRUE AS carried "
                  f"FROM {_entries(_GROUPS_OBJECT)}")
        groups = (f"(SELECT json, called_at, n, k AS group_type, {_values('v')} AS group_key "
                  f"FROM {_entries(_GROUPS_OBJECT, _GROUP_IDENTIFY)})")
        properties = "COALESCE(json -> '$.group_properties.\"$set\"', json -> '$.group_properties')"
        traits = (f"SELECT group_type, group_key, k AS trait, v ->> '$' AS value, called_at, n "
                  f"FROM {_entries('(' + properties + ')', records=groups)}")
        return top_sql("user_id", "device_id"), top_sql("event_time"), [member], [traits]
    if events_format == "mixpanel":
        if not account_group:
            return "NULL", "NULL", [], []
        value = f"(properties -> {json_path(account_group)})"
        member = (f"SELECT identity, {sql_string(account_group)} AS group_type, {_values(value)} AS group_key, called_at, n, "
                  f"TRUE AS carried FROM _group_records WHERE json_type({value}) IS NOT NULL")
        identity = f"json_extract_string({_PROPERTIES}, '$.distinct_id')"
        return identity, f"json_extract_string({_PROPERTIES}, '$.time')", [member], []
    return "NULL", "NULL", [], []


def create_group_calls(con: duckdb.DuckDBPyConnection, events_format: str, source: str | None, *,
                       account_group: str | None = None) -> None:
    """The temp tables ``_group_calls`` and ``_group_traits`` from an export's records.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Holds ``raw_events`` (after the identity merges, whose ``_identity`` table, when kept, maps
        each merged id to its user).
    events_format : str
        The export's format.
    source : str or None
        SQL relation with one ``json`` value per record, in file order; None makes empty tables.
    account_group : str, optional
        Mixpanel: the group key property. Other vendors: the group type (checked later).
    """
    identity, time, members, traits = _vendor_sql(events_format, account_group) if source else ("NULL", "NULL", [], [])
    empty_calls = ("SELECT CAST(NULL AS VARCHAR) AS user_id, CAST(NULL AS VARCHAR) AS group_type, CAST(NULL AS VARCHAR) "
                   "AS group_key, CAST(NULL AS TIMESTAMPTZ) AS called_at, CAST(NULL AS BIGINT) AS n, FALSE AS carried WHERE FALSE")
    empty_traits = ("SELECT CAST(NULL AS VARCHAR) AS group_type, CAST(NULL AS VARCHAR) AS group_key, CAST(NULL AS VARCHAR) "
                    "AS trait, CAST(NULL AS VARCHAR) AS value, CAST(NULL AS TIMESTAMPTZ) AS called_at, CAST(NULL AS BIGINT) AS n WHERE FALSE")
    if not members:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_CALLS} AS {empty_calls}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_TRAITS} AS {empty_traits}")
        return
    # Only the records that can hold a group are kept (a text search, cheaper than parsing every record).
    markers = {"posthog": ["$group"], "segment": ["roupId", "group_id"], "amplitude": ['"groups"'],
               "mixpanel": [account_group or ""]}[events_format]
    properties = _PROPERTIES if events_format in ("posthog", "mixpanel") else "CAST(NULL AS JSON)"
    found = " OR ".join(f"contains(CAST(json AS VARCHAR), {sql_string(marker)})" for marker in markers)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _group_records AS SELECT json, {properties} AS properties, n, {identity} AS identity, "
        f"{instant_sql(time)} AS called_at "
        f"FROM (SELECT json, row_number() OVER () AS n FROM {source}) "
        f"WHERE json IS NOT NULL AND ({found}) AND json_type(json) = 'OBJECT'"
    )
    linked = "EXISTS (SELECT 1 FROM duckdb_tables() WHERE table_name = '_identity')"
    mapped = "COALESCE(i.target, c.identity)" if con.execute(f"SELECT {linked}").fetchall()[0][0] else "c.identity"
    join = "LEFT JOIN _identity AS i ON trim(c.identity) = i.alias" if mapped != "c.identity" else ""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_CALLS} AS SELECT trim({mapped}) AS user_id, c.group_type, "
        f"NULLIF(trim(c.group_key), '') AS group_key, c.called_at, c.n, c.carried FROM ({' UNION ALL '.join(members)}) AS c {join}"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_TRAITS} AS "
                + (" UNION ALL ".join(f"SELECT * FROM ({t})" for t in traits) if traits else empty_traits))
    con.execute("DROP TABLE _group_records")


def create_column_group_calls(runner, column: str, *, where: str) -> None:
    """``_group_calls`` from a canonical events column (``--account-group COLUMN``); engine-neutral SQL."""
    columns = runner.columns("raw_events")
    if column not in columns:
        raise DataError(
            f"{where}: --account-group {column!r} names no column of the events; found: {', '.join(columns)}. "
            "Name the events column that holds the account (team_id, org_id)",
            path=where, column=column,
        )
    row = "_row" if "_row" in columns else "rowid"
    user, time = staged_value_sql("events", "user_id", columns), staged_value_sql("events", "timestamp", columns)
    runner.table(_CALLS, (
        f"SELECT {user} AS user_id, {sql_string(column)} AS group_type, "
        f"NULLIF(trim(CAST({quote_identifier(column)} AS VARCHAR)), '') AS group_key, "
        f"{time} AS called_at, CAST({row} AS BIGINT) AS n, TRUE AS carried FROM raw_events"
    ))
    runner.table(_TRAITS, (
        "SELECT CAST(NULL AS VARCHAR) AS group_type, CAST(NULL AS VARCHAR) AS group_key, CAST(NULL AS VARCHAR) AS trait, "
        "CAST(NULL AS VARCHAR) AS value, CAST(NULL AS TIMESTAMPTZ) AS called_at, CAST(NULL AS BIGINT) AS n FROM raw_events WHERE 1 = 0"
    ))


# --- phase 2: one account per user, the accounts' traits (engine-neutral SQL) ------------------------


def choose_group_type(runner, account_group: str | None, *, where: str) -> str | None:
    """The group type the accounts are of: the one asked for, the only one found, else None (with a warning)."""
    found = [row[0] for row in runner.rows(
        f"SELECT DISTINCT group_type FROM {_CALLS} WHERE group_type IS NOT NULL AND group_key IS NOT NULL ORDER BY 1"
    )]
    if account_group is not None:
        if account_group not in found:
            raise DataError(
                f"{where}: --account-group {account_group!r}: no group of that type in the events; "
                f"group types found: {', '.join(found) or 'none'}",
                path=where,
            )
        return account_group
    if len(found) > 1:
        warnings.warn(
            f"{where}: the events carry groups of several types ({', '.join(found)}); pass --account-group "
            "(account_group=) with one of them to take the accounts from it; no account_id was derived",
            PqlkitWarning, stacklevel=4,
        )
        return None
    return found[0] if found else None


def _band(value: str) -> str:
    number = f"TRY_CAST({value} AS DOUBLE)"
    cases = " ".join(f"WHEN {number} <= {limit} THEN '{label}'" for limit, label in SIZE_BANDS)
    return f"CASE WHEN {number} IS NULL THEN {value} WHEN {number} < 1 THEN NULL {cases} ELSE '1000+' END"


def create_accounts(runner, group_type: str) -> AccountNotes:
    """The tables ``_user_account`` (``user_id``, ``account_id``) and ``_account_traits`` for ``group_type``.

    Returns
    -------
    AccountNotes
    """
    kind = sql_string(group_type)
    calls = f"SELECT * FROM {_CALLS} WHERE group_type = {kind} AND group_key IS NOT NULL AND user_id IS NOT NULL AND user_id <> ''"
    runner.table("_user_account", (
        "SELECT user_id, group_key AS account_id FROM (SELECT user_id, group_key, row_number() OVER ("
        f"PARTITION BY user_id ORDER BY CASE WHEN called_at IS NULL THEN 1 ELSE 0 END, called_at, n, group_key) AS k FROM ({calls}) AS c) AS r WHERE k = 1"
    ))
    latest = (
        "SELECT group_key, lower(trim(trait)) AS trait, value, row_number() OVER (PARTITION BY group_key, lower(trim(trait)) "
        "ORDER BY CASE WHEN called_at IS NULL THEN 1 ELSE 0 END, called_at DESC, n DESC) AS k "
        f"FROM {_TRAITS} WHERE group_type = {kind} AND group_key IS NOT NULL AND NULLIF(trim(value), '') IS NOT NULL"
    )
    picks = []
    for column, names in TRAIT_COLUMNS.items():
        value = "COALESCE(" + ", ".join(f"max(CASE WHEN trait = {sql_string(n)} THEN trim(value) END)" for n in names) + ")"
        picks.append(f"{_band(value) if column == 'company_size' else value} AS {quote_identifier(column)}")
    runner.table("_account_traits", f"SELECT group_key AS account_id, {', '.join(picks)} FROM ({latest}) AS t WHERE k = 1 GROUP BY 1")
    users, accounts = runner.rows("SELECT count(*), count(DISTINCT account_id) FROM _user_account")[0]
    several = runner.rows(f"SELECT count(*) FROM (SELECT user_id FROM ({calls}) AS c GROUP BY user_id "
                          "HAVING count(DISTINCT group_key) > 1) AS s")[0][0]
    carried = runner.rows(f"SELECT count(DISTINCT n) FROM ({calls}) AS c WHERE carried")[0][0]
    events = runner.rows("SELECT count(*) FROM raw_events WHERE event IS NOT NULL")[0][0] if has_table(runner, "raw_events") else 0
    notes = AccountNotes(group_type, int(users), int(accounts), int(several), max(int(events) - int(carried), 0))
    runner.table("account_notes", "SELECT " + ", ".join(
        f"{sql_string(v) if isinstance(v, str) else int(v)} AS {k}" for k, v in notes.to_dict().items()))
    return notes


def attach_accounts(runner, account_group: str | None, *, where: str) -> AccountNotes | None:
    """Give ``raw_users`` the columns ``account_id`` and the account traits, when it has no ``account_id``.

    ``_group_calls`` must exist (:func:`create_group_calls`, :func:`create_column_group_calls`). The
    users' rows keep their order (``_row``, or a table's ``rowid``). A trait column the users table
    already has is left as it is.

    Returns
    -------
    AccountNotes or None
        None when the users table has its own ``account_id`` or no group type is chosen.
    """
    if not has_table(runner, _CALLS) or not has_table(runner, "raw_users"):
        return None
    present = {name.strip().lower() for name in runner.columns("raw_users")}
    if "account_id" in present:
        return None
    group_type = choose_group_type(runner, account_group, where=where)
    if group_type is None:
        return None
    notes = create_accounts(runner, group_type)
    traits = [c for c in TRAIT_COLUMNS if c not in present]
    select = ", ".join(["a.account_id", *(f"t.{quote_identifier(c)}" for c in traits)])
    joins = ("LEFT JOIN _user_account AS a ON trim(CAST(u.user_id AS VARCHAR)) = a.user_id "
             "LEFT JOIN _account_traits AS t ON a.account_id = t.account_id")
    if "_row" in runner.columns("raw_users") or runner.name != "duckdb":
        runner.table("_raw_users_as_read", "SELECT * FROM raw_users")
        runner.view("raw_users", f"SELECT u.*, {select} FROM _raw_users_as_read AS u {joins}")
    else:  # a DuckDB table: its rowid is the file order, so the columns are added in place
        for column in ["account_id", *traits]:
            runner.run(f"ALTER TABLE raw_users ADD COLUMN {quote_identifier(column)} VARCHAR")
        sets = ", ".join(f"{quote_identifier(c)} = m.{quote_identifier(c)}" for c in ["account_id", *traits])
        runner.run(f"UPDATE raw_users SET {sets} FROM (SELECT u.rowid AS rid, {select} FROM raw_users AS u {joins}) AS m "
                   "WHERE raw_users.rowid = m.rid")
    return notes


def account_notes(engine_or_con) -> AccountNotes | None:
    """The notes of the accounts derived when the dataset was read (:class:`AccountNotes`); None if none were.

    Parameters
    ----------
    engine_or_con : engine or duckdb.DuckDBPyConnection
        ``Dataset.engine`` (or its connection).
    """
    runner = runner_for(engine_or_con)
    if runner is None or not has_table(runner, "account_notes"):
        return None
    row = runner.rows("SELECT group_type, users, accounts, users_in_several_groups, events_without_group FROM account_notes")
    return AccountNotes(str(row[0][0]), *(int(v) for v in row[0][1:])) if row else None
