"""Vendor exports read by the vendors' own rules: duplicate keys, time, identity merges, archives, users.

:mod:`pqlkit.io.events` maps an export's fields onto the canonical events columns. This module adds
what each vendor documents about those rows, so that pqlkit counts them as the vendor does:

==============  ==========================================  ==========================================
vendor          duplicates (first row in file order kept)   identities merged (``stitch_identities``)
==============  ==========================================  ==========================================
Mixpanel        same ``event``, ``distinct_id``, ``time``   ``$device_id`` to ``$user_id`` (simplified
                and ``$insert_id`` [1]_; rows without       ID merge), ``$anon_distinct_id`` to
                ``$insert_id`` are compared on every field  ``$identified_id`` on ``$identify`` [2]_
Amplitude       same ``$insert_id`` on the same device      ``device_id`` to ``user_id`` on rows that
                (``device_id``, else ``user_id``) [3]_      carry both [4]_
Segment         same ``messageId`` [5]_                     ``anonymousId`` to ``userId`` on identify
                                                            (and any call with both); ``previousId`` to
                                                            ``userId`` on alias calls [6]_
PostHog         same ``uuid`` [7]_                          ``$anon_distinct_id`` to ``distinct_id`` on
                                                            ``$identify``; every ``distinct_id`` of a
                                                            ``person_id`` to that person's user [8]_
==============  ==========================================  ==========================================

Time: Segment's time falls back from ``timestamp`` to ``originalTimestamp``, ``sentAt``,
``receivedAt`` [9]_ (in :mod:`pqlkit.io.formats`); a call with none of them is ``missing_value``.
Mixpanel ``time`` is epoch seconds or milliseconds (both occur [1]_); projects created before
2023 may export project-local time, read with ``source_timezone=`` (``--source-timezone``) [10]_.

The duplicate key is written into ``event_id``, so the loader's rule (same non-empty ``event_id``;
docs/metrics.md#data-quality) applies unchanged. Identity merges only happen when asked for
(``stitch_identities=True``, ``--stitch-identities``); without links, rows keep their own id and stay
``unknown_user`` or ``missing_value`` as before. The rows re-attributed are counted
(:attr:`pqlkit.Dataset.identity_merges`).

Archives and folders: ``events.zip`` (the Amplitude Export API's zip: hourly ``.json.gz`` files in a
project folder) and a folder ``events/`` of parts read as one table, parts in file-name order
(:func:`combine_parts`). Users: when the export is all there is, :func:`pqlkit.io.users.derive_users` (``pqlkit
users``) takes ``signup_at`` from Amplitude's ``user_creation_time``, Segment's identify
``traits.createdAt`` or PostHog's ``person_created_at`` [11]_, else the user's first event, and says
which in ``signup_source``. Column names as warehouses write them (``USER_ID``, `` user_id ``) match
the contract's (:func:`pqlkit.io.files.match_column_names`). Accounts from the vendors' group calls
(``$groups``, ``group`` calls, ``groups``), for a users table without ``account_id``, are in
:mod:`pqlkit.io.groups`; the identity merges made here (``_identity``) are kept for them.

References
----------
.. [1] Mixpanel, Event Deduplication: https://docs.mixpanel.com/reference/event-deduplication
       (raw exports are not de-duplicated; the minimised example event has ``time`` in ms)
.. [2] Mixpanel, Identity Management (simplified ID merge):
       https://docs.mixpanel.com/docs/tracking-methods/id-management/identifying-users-simplified
.. [3] Amplitude, HTTP V2 API, ``insert_id``: https://amplitude.com/docs/apis/analytics/http-v2 ;
       https://amplitude.com/docs/get-started/track-your-progress (duplicate events)
.. [4] Amplitude, Track unique users: https://amplitude.com/docs/data/sources/instrument-track-unique-users
.. [5] Segment, Common fields (``messageId``): https://segment.com/docs/connections/spec/common/
.. [6] Segment, Identify and Alias: https://segment.com/docs/connections/spec/identify/ ,
       https://segment.com/docs/connections/spec/alias/
.. [7] PostHog, events model (``uuid``): https://posthog.com/docs/cdp/batch-exports/s3
.. [8] PostHog, Identifying users: https://posthog.com/docs/product-analytics/identify
.. [9] Segment, Common fields, "Timestamps": https://segment.com/docs/connections/spec/common/#timestamps
.. [10] Mixpanel, Export Methods: https://docs.mixpanel.com/docs/export-methods (projects created before
       1 January 2023 export in the project's time zone; the ``time`` values then are local wall-clock
       seconds, as the Fivetran connector notes: https://fivetran.com/docs/connectors/applications/mixpanel/troubleshooting/incorrect-time-zone)
.. [11] PostHog, data model (``person_created_at``: the earliest event of the person): https://posthog.com/docs/data-model
"""

from __future__ import annotations

import atexit
import gzip
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from pqlkit.base.columns import epoch_sql
from pqlkit.base.duckdb import connect
from pqlkit.base.errors import DataError
from pqlkit.base.sql import json_path, sql_string
from pqlkit.io.files import EVENT_FILE_SUFFIXES

__all__ = [
    "DUPLICATE_RULES",
    "IDENTITY_RULES",
    "ExportSource",
    "combine_parts",
]


DUPLICATE_RULES = {
    "mixpanel": "same event, distinct_id, time and $insert_id (https://docs.mixpanel.com/reference/event-deduplication)",
    "amplitude": "same $insert_id on the same device_id, else user_id (https://amplitude.com/docs/apis/analytics/http-v2)",
    "segment": "same messageId (https://segment.com/docs/connections/spec/common/)",
    "posthog": "same uuid (https://posthog.com/docs/cdp/batch-exports/s3)",
}
IDENTITY_RULES = {
    "mixpanel": "$device_id to $user_id; $anon_distinct_id to $identified_id on $identify",
    "amplitude": "device_id to user_id",
    "segment": "anonymousId to userId (identify, or any call with both); previousId to userId (alias)",
    "posthog": "$anon_distinct_id to distinct_id on $identify; the distinct_ids of one person_id",
}
_SEP = "chr(31)"  # the unit separator: no event name or id holds it


class ExportSource(os.PathLike):
    """A dataset folder whose events are an export, with the options the vendors' rules need.

    Parameters
    ----------
    folder : path
        The dataset folder (``users`` and ``events.*``, ``events.zip`` or ``events/``).
    stitch_identities : bool
        Count events tracked before the user was identified for the user they were merged into.
    source_timezone : str, optional
        An IANA time zone (``America/Los_Angeles``): the export's times are local times there.
    account_group : str, optional
        The group type the accounts are taken from when the users table has no ``account_id``
        (PostHog ``organization``; Mixpanel: the group key property; canonical events: the column);
        :mod:`pqlkit.io.groups`.

    ``folder`` may also be a database URL: the options then apply to the database's tables.
    """

    def __init__(self, folder: str | os.PathLike, *, stitch_identities: bool = False, source_timezone: str | None = None,
                 account_group: str | None = None):
        self.source = folder  # a folder, or a database URL or source (pqlkit.io.database)
        self.location = None if isinstance(folder, (os.PathLike, Path)) or "://" not in str(folder) else str(folder)
        self.folder = Path(folder) if isinstance(folder, (str, os.PathLike)) else Path(str(folder))
        self.stitch_identities = bool(stitch_identities)
        self.source_timezone = source_timezone
        self.account_group = account_group

    def __fspath__(self) -> str:
        return self.location or str(self.folder)

    def __str__(self) -> str:
        return str(self.source) if self.location else str(self.folder)

    @property
    def export_options(self) -> dict:
        """The keyword arguments :func:`pqlkit.io.events.create_raw_events` takes."""
        return {"stitch_identities": self.stitch_identities, "source_timezone": self.source_timezone,
                "account_group": self.account_group}


# --- the vendors' rules on raw_events ----------------------------------------------------------------


def finish_export(
    con: duckdb.DuckDBPyConnection,
    events_format: str,
    *,
    source: str | None = None,
    where: str = "<events>",
    stitch_identities: bool = False,
    source_timezone: str | None = None,
) -> None:
    """Apply the vendor's duplicate key, time zone and identity merges to ``raw_events`` (in place).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Holds ``raw_events`` as :mod:`pqlkit.io.events` made it (and ``raw_users`` when read first).
    events_format : str
        The export's format.
    source : str, optional
        SQL relation with one ``json`` value per source record, in file order (where the identity
        links are read from); None (pandas frames) merges nothing.
    where : str
        The file, for messages.
    stitch_identities, source_timezone
        See :class:`ExportSource`.

    Returns
    -------
    None
        ``raw_events`` gets the vendor's duplicate key in ``event_id``; with ``stitch_identities``
        the temp table ``identity_merges`` (column ``rows``) holds the rows re-attributed.
    """
    if events_format == "mixpanel":
        con.execute(
            f"UPDATE raw_events SET event_id = concat_ws({_SEP}, COALESCE(event, ''), COALESCE(user_id, ''), "
            f"COALESCE(CAST(timestamp AS VARCHAR), ''), event_id) WHERE event_id IS NOT NULL"
        )
    elif events_format == "amplitude":
        device = "anonymous_id" if "anonymous_id" in _columns(con, "raw_events") else "NULL"
        con.execute(
            f"UPDATE raw_events SET event_id = concat_ws({_SEP}, event_id, "
            f"COALESCE('device:' || {device}, 'user:' || user_id, '')) WHERE event_id IS NOT NULL"
        )
    if source_timezone:
        _local_time(con, events_format, source_timezone, where)
    if stitch_identities:
        merged = _stitch(con, events_format, source)
        con.execute("CREATE OR REPLACE TEMP TABLE identity_merges AS SELECT CAST(? AS BIGINT) AS rows", [merged])


def identity_merges(con: duckdb.DuckDBPyConnection | None) -> int | None:
    """The event rows re-attributed through an identity merge when the events were read; None if not asked."""
    if con is None:
        return None
    try:
        return int(con.execute("SELECT rows FROM identity_merges").fetchall()[0][0])
    except duckdb.Error:
        return None


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]


def _local_time(con: duckdb.DuckDBPyConnection, events_format: str, zone: str, where: str) -> None:
    """Mixpanel times written in the project's time zone: read the epoch number as a wall-clock time there."""
    if events_format != "mixpanel":
        raise DataError(
            f"{where}: --source-timezone (source_timezone=) is for Mixpanel exports of projects from before 2023, "
            f"which export project-local time; these events are {events_format}, whose times carry their zone. "
            "Leave the option out",
            path=where,
        )
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"{where}: --source-timezone {zone!r} is not a time zone name; pass an IANA name such as "
            "America/Los_Angeles (the Mixpanel project's time zone setting)",
            path=where,
        ) from None
    number = "TRY_CAST(timestamp AS DECIMAL(38, 6))"
    wall = f"CAST({epoch_sql(number)} AS TIMESTAMP)"  # the epoch number as a wall-clock time (UTC session)
    con.execute(
        f"UPDATE raw_events SET timestamp = strftime(timezone({sql_string(zone)}, {wall}) AT TIME ZONE 'UTC', "
        "'%Y-%m-%dT%H:%M:%S.%fZ') WHERE regexp_matches(CAST(timestamp AS VARCHAR), '^[0-9]+([.][0-9]+)?$')"
    )


def _prop(key: str) -> str:
    """SQL: ``properties.key`` of a record, whether ``properties`` is an object or JSON text (CSV)."""
    inner = "TRY_CAST(json_extract_string(json, '$.properties') AS JSON)"
    return (
        f"COALESCE(NULLIF(json_extract_string(json, {json_path('properties', key)}), ''), "
        f"NULLIF(json_extract_string({inner}, {json_path(key)}), ''))"
    )


def top_sql(*keys: str) -> str:
    """SQL: the first non-empty of the record's top-level ``keys``, as text."""
    parts = [f"NULLIF(json_extract_string(json, {json_path(key)}), '')" for key in keys]
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


def links_sql(events_format: str) -> list[str]:
    """SELECTs of (alias, target, n) over ``_records`` (``json``, ``n`` in file order): the vendor's links."""
    if events_format == "segment":
        user, anonymous = top_sql("userId", "user_id"), top_sql("anonymousId", "anonymous_id")
        return [
            f"SELECT {anonymous} AS alias, {user} AS target, n FROM _records",
            f"SELECT {top_sql('previousId', 'previous_id')} AS alias, {user} AS target, n FROM _records "
            f"WHERE lower({top_sql('type')}) = 'alias'",
        ]
    if events_format == "amplitude":
        return [f"SELECT {top_sql('device_id')} AS alias, {top_sql('user_id')} AS target, n FROM _records"]
    if events_format == "mixpanel":
        device, user = _prop("$device_id"), _prop("$user_id")
        return [
            f"SELECT {device} AS alias, {user} AS target, n FROM _records",
            f"SELECT '$device:' || {device} AS alias, {user} AS target, n FROM _records",
            f"SELECT {_prop('$anon_distinct_id')} AS alias, {_prop('$identified_id')} AS target, n FROM _records "
            f"WHERE {top_sql('event')} = '$identify'",
        ]
    if events_format == "posthog":
        distinct = top_sql("distinct_id")
        return [
            f"SELECT {_prop('$anon_distinct_id')} AS alias, {distinct} AS target, n FROM _records "
            f"WHERE {top_sql('event')} = '$identify'",
            # One person, many distinct_ids: each counts for the person's identified user (below).
            f"SELECT {distinct} AS alias, '\x00person:' || {top_sql('person_id')} AS target, n FROM _records",
        ]
    return []


def _stitch(con: duckdb.DuckDBPyConnection, events_format: str, source: str | None) -> int:
    """Re-attribute anonymous rows of ``raw_events`` through the vendor's links; return how many changed."""
    if source is None or not links_sql(events_format):
        return 0
    known = "(SELECT DISTINCT trim(CAST(user_id AS VARCHAR)) AS id FROM raw_users WHERE user_id IS NOT NULL)"
    has_users = bool(con.execute(
        "SELECT count(*) FROM (SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()) "
        "WHERE table_name = 'raw_users'"
    ).fetchall()[0][0])
    identity_table(con, events_format, source, known=known if has_users else None)
    anonymous = "e.anonymous_id" if "anonymous_id" in _columns(con, "raw_events") else "NULL"
    keep = f"trim(e.user_id) IN (SELECT id FROM {known})" if has_users else "FALSE"
    before = con.execute("SELECT count(*) FROM raw_events").fetchall()[0][0]
    merged = con.execute(
        f"""
        UPDATE raw_events AS r SET user_id = m.target
        FROM (
            SELECT e.rowid AS rid, COALESCE(a.target, b.target) AS target FROM raw_events AS e
            LEFT JOIN _identity AS a ON trim(e.user_id) = a.alias
            LEFT JOIN _identity AS b ON e.user_id IS NULL AND trim(CAST({anonymous} AS VARCHAR)) = b.alias
            WHERE NOT COALESCE({keep}, FALSE) AND COALESCE(a.target, b.target) IS NOT NULL
        ) AS m
        WHERE r.rowid = m.rid
        """
    ).fetchall()[0][0]
    # _identity stays: the group calls of a merged id count for its user (pqlkit.io.groups).
    if con.execute("SELECT count(*) FROM raw_events").fetchall()[0][0] != before:
        raise RuntimeError("internal error: the identity merge changed the number of events rows; please report this as a pqlkit bug")
    return int(merged)


def identity_table(con: duckdb.DuckDBPyConnection, events_format: str, source: str, *, known: str | None) -> None:
    """The temp table ``_identity`` (``alias``, ``target``): each merged id and the user it counts for.

    ``source`` gives one ``json`` value per source record, in file order. A link's target must be a
    known user (``known``, the users table's ids) when there is a users table; an alias linked to
    several users counts for the first in file order. A PostHog person counts for the first of its
    distinct_ids that is a known user (without a users table: that was identified by ``$identify``).
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _records AS SELECT json, row_number() OVER () AS n FROM {source} WHERE json IS NOT NULL")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _links AS SELECT alias, target, n FROM ("
        + " UNION ALL ".join(links_sql(events_format))
        + ") WHERE alias IS NOT NULL AND target IS NOT NULL AND alias <> target"
    )
    identified = known or "(SELECT DISTINCT target AS id FROM _links WHERE NOT starts_with(target, chr(0)))"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _links AS
        WITH persons AS (
            SELECT l.target AS person, arg_min(l.alias, l.n) AS target FROM _links AS l
            WHERE starts_with(l.target, chr(0)) AND l.alias IN (SELECT id FROM {identified}) GROUP BY 1
        )
        SELECT l.alias, COALESCE(p.target, l.target) AS target, l.n FROM _links AS l
        LEFT JOIN persons AS p ON l.target = p.person
        WHERE NOT starts_with(COALESCE(p.target, l.target), chr(0)) AND l.alias <> COALESCE(p.target, l.target)
        """
    )
    only_known = f"WHERE target IN (SELECT id FROM {known})" if known else ""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _identity AS SELECT alias, arg_min(target, n) AS target FROM _links {only_known} GROUP BY 1"
    )
    con.execute("DROP TABLE _records; DROP TABLE _links")


# --- archives and folders -------------------------------------------------------------------------

_WORK: list[Path] = []


def _work_dir() -> Path:
    if not _WORK:
        folder = Path(tempfile.mkdtemp(prefix="pqlkit-export-"))
        atexit.register(shutil.rmtree, folder, True)
        _WORK.append(folder)
    return _WORK[0]


def combine_parts(path: str | os.PathLike) -> Path:
    """One events file from an archive or folder of parts, in file-name order.

    Parameters
    ----------
    path : path
        ``events.zip`` (the Amplitude Export API's zip: a project folder of hourly ``.json.gz``
        files) or a folder ``events/`` of ``*.json(.gz)``, ``*.jsonl(.gz)``, ``part-*.parquet`` or
        ``*.csv(.gz)`` files, all of one kind.

    Returns
    -------
    pathlib.Path
        A file in a temporary folder (removed when Python exits): ``events.jsonl`` for JSON parts,
        ``events.parquet`` or ``events.csv`` for the others; its rows are the parts' records, part
        after part in the order of the parts' names (path inside the zip), each in its own order.

    Raises
    ------
    DataError
        A damaged zip, no event files inside, or parts of different kinds.
    """
    path = Path(path)
    if path.is_dir():
        names = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file() and _is_part(p.name))
        opener = lambda name: open(path / name, "rb")  # noqa: E731
    else:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise DataError(f"{path}: not a readable zip archive ({error}); download the export again", path=str(path)) from None
        names = sorted(name for name in archive.namelist() if not name.endswith("/") and _is_part(name))
        opener = archive.open
    if not names:
        raise DataError(
            f"{path}: no event files inside (expected *.json.gz, *.json, *.jsonl, *.parquet or *.csv files)", path=str(path)
        )
    kinds = {_kind(name) for name in names}
    if len(kinds) > 1:
        raise DataError(f"{path}: the parts are of different kinds ({', '.join(sorted(kinds))}); keep one kind", path=str(path))
    kind = kinds.pop()
    out = Path(tempfile.mkdtemp(dir=_work_dir())) / f"events.{ 'jsonl' if kind == 'json' else kind}"
    if kind == "parquet":
        if not path.is_dir():
            folder = out.parent / "parts"
            for index, name in enumerate(names):
                target = folder / f"{index:08d}.parquet"
                target.parent.mkdir(exist_ok=True)
                with opener(name) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
            files = sorted(str(p) for p in folder.iterdir())
        else:
            files = [str(path / name) for name in names]
        listed = ", ".join(sql_string(f) for f in files)
        con = connect()
        try:
            con.execute(
                f"COPY (SELECT * EXCLUDE (filename, file_row_number) FROM read_parquet([{listed}], union_by_name = true, "
                f"filename = true, file_row_number = true) ORDER BY list_position([{listed}], filename), file_row_number) "
                f"TO {sql_string(str(out))} (FORMAT parquet)"
            )
        except duckdb.Error as error:
            raise DataError(f"{path}: cannot read the Parquet parts ({str(error).splitlines()[0]})", path=str(path)) from None
        return out
    header = None
    with open(out, "wb") as sink:
        for name in names:
            try:
                with opener(name) as raw:
                    handle = gzip.open(raw) if name.endswith(".gz") else raw
                    data = handle.read()
            except (OSError, EOFError, gzip.BadGzipFile) as error:
                raise DataError(f"{path}: part {name}: cannot read it ({error}); download the export again", path=str(path)) from None
            if kind == "csv":
                first, _, rest = data.partition(b"\n")
                if header is None:
                    header = first
                    sink.write(first + b"\n")
                elif first.strip() != header.strip():
                    raise DataError(f"{path}: part {name} has another header than the first part; keep parts of one table",
                                    path=str(path))
                data = rest
            if data and not data.endswith(b"\n"):
                data += b"\n"
            sink.write(data)
    return out


def _is_part(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return not base.startswith((".", "_")) and base.endswith(EVENT_FILE_SUFFIXES)


def _kind(name: str) -> str:
    return "parquet" if name.endswith(".parquet") else "csv" if name.endswith((".csv", ".csv.gz")) else "json"
